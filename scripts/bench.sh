#!/usr/bin/env bash
# End-to-end throughput and memory benchmark of the hunt example.
#
# Generates 100,000 Elastic Defend-style events with the shared generator,
# builds hunt in release mode, and runs the reference rule over the events
# three times in batch mode (read all, sort, run) and three times with
# --stream (push each event as it is read). Each run prints its wall time,
# events per second and peak resident memory, and is checked against the
# number of matches that the generator computed. docs/benchmarks.md
# records a run.
#
# Usage: scripts/bench.sh [EVENTS]     (default 100000)
#
# Needs python3 and the shared folder beside the repository, which contains
# the generator. Memory is read with GNU time when /usr/bin/time exists, and
# otherwise by polling VmHWM in /proc, which can miss a short final peak.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$root/../shared"
generator="$shared/tools/gen_ecs_events.py"
events="${1:-100000}"
runs=3

# The rule id of "Remotely Started Services via RPC", whose version 3 query
# the generator's expected matches are computed for.
reference_id="aa9a274d-6b53-424d-ac5e-cb8ca4251650"

if ! command -v python3 >/dev/null; then
    echo "bench.sh: python3 not found; it is needed to run the event generator" >&2
    exit 1
fi
if [[ ! -f "$generator" ]]; then
    echo "bench.sh: the event generator $generator is missing;" \
        "this benchmark needs the shared folder beside the repository" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Use the rules in rules/ when they contain the reference rule, and
# otherwise the reference query alone as a .eql file, whose rule id is its
# path.
if grep -rqsE --include='*.toml' "rule_id *= *[\"']$reference_id[\"']" "$root/rules"; then
    rules="$root/rules"
    rule_id="$reference_id"
else
    rules="$tmp/reference_rule.eql"
    cp "$root/benches/reference_rule.eql" "$rules"
    rule_id="$rules"
fi

echo "== generating $events events"
python3 "$generator" --events "$events" --seed 1 --out "$tmp/gen.ndjson"
expected="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["expected_matches"])' \
    "$tmp/gen.ndjson.truth.json")"
bytes="$(wc -c <"$tmp/gen.ndjson")"

echo "== building hunt"
(cd "$root" && cargo build --release --example hunt)
hunt="${CARGO_TARGET_DIR:-$root/target}/release/examples/hunt"

gnu_time=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then
    gnu_time=/usr/bin/time
fi

# Runs hunt with the given extra arguments and sets wall (seconds),
# peak_kib (peak resident set size in KiB) and count (the reference rule's
# number of results).
run_hunt() {
    local stderr="$tmp/stderr" started finished pid value status=0
    peak_kib=0

    started="$(date +%s.%N)"
    if [[ -n "$gnu_time" ]]; then
        "$gnu_time" -v -o "$tmp/time" "$hunt" --rules "$rules" "$@" "$tmp/gen.ndjson" \
            >"$tmp/stdout" 2>"$stderr" || status=$?
        finished="$(date +%s.%N)"
        peak_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")"
    else
        "$hunt" --rules "$rules" "$@" "$tmp/gen.ndjson" >"$tmp/stdout" 2>"$stderr" &
        pid=$!
        while kill -0 "$pid" 2>/dev/null; do
            value="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
            [[ -n "$value" ]] && peak_kib="$value"
            sleep 0.02
        done
        wait "$pid" || status=$?
        finished="$(date +%s.%N)"
    fi

    if [[ "$status" != 0 ]]; then
        echo "bench.sh: hunt $* failed with exit status $status; its messages:" >&2
        cat "$stderr" >&2
        exit 1
    fi
    wall="$(awk -v a="$started" -v b="$finished" 'BEGIN {print b - a}')"
    # hunt ends its summary with one "results: N  NAME (ID)" line per rule.
    count="$(awk -v id="($rule_id)" '/^hunt: results: / && $NF == id {print $3}' "$stderr")"
    if [[ -z "$count" ]]; then
        echo "bench.sh: hunt printed no result count for rule $rule_id; its messages:" >&2
        cat "$stderr" >&2
        exit 1
    fi
}

echo "== hunt over $events events ($((bytes / 1000000)) MB), rules: $rules"
echo "   expected matches: $expected; peak RSS from ${gnu_time:-VmHWM polling}"
printf '%-7s %4s %9s %12s %8s %13s %8s\n' mode run "wall s" "events/s" "MB/s" "peak RSS MiB" matches
failed=0
for mode in batch stream; do
    args=()
    [[ "$mode" == stream ]] && args=(--stream)
    for run in $(seq 1 "$runs"); do
        run_hunt "${args[@]}"
        awk -v mode="$mode" -v run="$run" -v wall="$wall" -v events="$events" \
            -v bytes="$bytes" -v kib="$peak_kib" -v count="$count" 'BEGIN {
                printf "%-7s %4d %9.3f %12.0f %8.1f %13.1f %8d\n", mode, run, wall,
                    events / wall, bytes / wall / 1e6, kib / 1024, count
            }'
        if [[ "$count" != "$expected" ]]; then
            echo "bench.sh: $mode run $run found $count matches, expected $expected" >&2
            failed=1
        fi
    done
done

if [[ "$failed" != 0 ]]; then
    exit 1
fi
echo "== all runs found the $expected expected matches"
