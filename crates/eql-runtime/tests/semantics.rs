//! Elasticsearch EQL semantics that the reference rule depends on, checked
//! end to end: text in, matched event positions out.

use eql_runtime::{Options, RuleSet};
use serde_json::{json, Value};

/// Runs `query` over `events` (JSON objects) and returns, per match, the
/// input positions of its events (`None` for a missing-event stage).
fn run_with(query: &str, events: &[Value], options: Options) -> Vec<Vec<Option<u64>>> {
    let rules = RuleSet::single(query, options).unwrap_or_else(|e| panic!("{}", e.render()));
    let mut reader = rules.reader();
    let events = events
        .iter()
        .map(|e| reader.read_line(&e.to_string()).expect("valid event"))
        .collect();
    rules
        .run_batch(events)
        .iter()
        .map(|m| m.positions())
        .collect()
}

fn run(query: &str, events: &[Value]) -> Vec<Vec<Option<u64>>> {
    run_with(query, events, Options::new())
}

/// Returns the positions of the events an event query matches.
fn hits(query: &str, events: &[Value]) -> Vec<u64> {
    run(query, events)
        .into_iter()
        .map(|m| m[0].expect("event queries have no missing stage"))
        .collect()
}

fn process(ms: u64, fields: Value) -> Value {
    let mut event = json!({"@timestamp": ms, "event": {"category": "process"}});
    merge(&mut event, fields);
    event
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        for (k, v) in e {
            t.insert(k, v);
        }
    }
}

#[test]
fn colon_is_case_insensitive_with_wildcards() {
    let events = [
        process(1, json!({"process": {"name": "CMD.EXE"}})),
        process(2, json!({"process": {"name": "c:\\windows\\cmd.exe"}})),
        process(3, json!({"process": {"name": "cmd.exe.bak"}})),
    ];
    assert_eq!(
        hits(r#"process where process.name : "cmd.exe""#, &events),
        [0]
    );
    assert_eq!(
        hits(r#"process where process.name : "*cmd.exe""#, &events),
        [0, 1]
    );
    assert_eq!(
        hits(r#"process where process.name : ("x", "cmd.e?e*")"#, &events),
        [0, 2]
    );
}

#[test]
fn equality_and_in_are_case_sensitive() {
    let events = [
        process(1, json!({"network": {"transport": "tcp"}})),
        process(2, json!({"network": {"transport": "TCP"}})),
        process(3, json!({"network": {"transport": "t*"}})),
    ];
    assert_eq!(
        hits(r#"process where network.transport == "tcp""#, &events),
        [0]
    );
    assert_eq!(
        hits(
            r#"process where network.transport in ("tcp", "udp")"#,
            &events
        ),
        [0]
    );
    assert_eq!(
        hits(r#"process where network.transport == "t*""#, &events),
        [2]
    );
    assert_eq!(
        hits(r#"process where network.transport in~ ("TCP")"#, &events),
        [0, 1]
    );
}

#[test]
fn any_array_element_may_match() {
    let events = [
        process(
            1,
            json!({"event": {"category": ["process"], "type": ["start", "info"]}}),
        ),
        process(
            2,
            json!({"event": {"category": ["process"], "type": ["end"]}}),
        ),
    ];
    assert_eq!(
        hits(r#"process where event.type in ("start", "x")"#, &events),
        [0]
    );
    assert_eq!(hits(r#"process where event.type : "END""#, &events), [1]);
    assert_eq!(hits(r#"process where event.type != "start""#, &events), [1]);
}

#[test]
fn negation_matches_missing_field() {
    let events = [
        process(1, json!({"source": {"address": "127.0.0.1"}})),
        process(2, json!({"source": {"address": "10.0.0.1"}})),
        process(3, json!({"source": {}})),
    ];
    let not_in = r#"process where source.address not in ("127.0.0.1", "::1")"#;
    assert_eq!(hits(not_in, &events), [1, 2]);
    assert_eq!(
        hits(r#"process where source.address != "10.0.0.1""#, &events),
        [0, 2]
    );
    assert_eq!(
        hits(r#"process where not source.address : "10.*""#, &events),
        [0, 2]
    );
    assert_eq!(
        hits(r#"process where source.address == null"#, &events),
        [2]
    );
}

#[test]
fn range_negation_skips_missing_field() {
    let events = [
        process(1, json!({"exit_code": 0})),
        process(2, json!({"exit_code": 5})),
        process(3, json!({})),
    ];
    assert_eq!(hits("process where not (exit_code > 1)", &events), [0]);
    assert_eq!(hits("process where exit_code >= 0", &events), [0, 1]);
    assert_eq!(hits("process where exit_code + 1 == 6", &events), [1]);
}

#[test]
fn category_is_exact_and_any_matches_all() {
    let events = [
        process(1, json!({})),
        json!({"@timestamp": 2, "event": {"category": "network"}}),
        json!({"@timestamp": 3}),
    ];
    assert_eq!(hits("process where true", &events), [0]);
    assert_eq!(hits("any where true", &events), [0, 1, 2]);
    assert_eq!(hits("Process where true", &events), Vec::<u64>::new());
}

fn stage(kind: &str, ms: u64, host: &str) -> Value {
    json!({"@timestamp": ms, "event": {"category": kind}, "host": {"id": host}})
}

#[test]
fn maxspan_is_inclusive() {
    let query = "sequence by host.id with maxspan=1s [network where true] [process where true]";
    let exact = [stage("network", 1000, "a"), stage("process", 2000, "a")];
    assert_eq!(run(query, &exact), [vec![Some(0), Some(1)]]);
    let late = [stage("network", 1000, "a"), stage("process", 2001, "a")];
    assert!(run(query, &late).is_empty());
}

#[test]
fn newer_partial_replaces_older() {
    let query = "sequence by host.id [network where true] [process where true]";
    let events = [
        stage("network", 1, "a"),
        stage("network", 2, "a"),
        stage("process", 3, "a"),
        stage("process", 4, "a"),
    ];
    assert_eq!(run(query, &events), [vec![Some(1), Some(2)]]);
}

#[test]
fn join_keys_separate_hosts() {
    let query = "sequence by host.id [network where true] [process where true]";
    let events = [
        stage("network", 1, "a"),
        stage("network", 2, "b"),
        stage("process", 3, "b"),
        stage("process", 4, "a"),
    ];
    assert_eq!(
        run(query, &events),
        [vec![Some(1), Some(2)], vec![Some(0), Some(3)]]
    );
}

#[test]
fn missing_join_key_leaves_stage() {
    let query = "sequence by host.id [network where true] [process where true]";
    let events = [
        json!({"@timestamp": 1, "event": {"category": "network"}}),
        json!({"@timestamp": 2, "event": {"category": "process"}}),
    ];
    assert!(run(query, &events).is_empty());
    let optional = "sequence by ?host.id [network where true] [process where true]";
    assert_eq!(run(optional, &events), [vec![Some(0), Some(1)]]);
}

/// An event completes one sequence and starts the next, but never fills
/// two stages of the same sequence.
#[test]
fn one_event_cannot_fill_two_stages() {
    let query = "sequence [any where true] [any where true]";
    let events = [
        json!({"@timestamp": 1}),
        json!({"@timestamp": 2}),
        json!({"@timestamp": 3}),
    ];
    assert_eq!(
        run(query, &events),
        [vec![Some(0), Some(1)], vec![Some(1), Some(2)]]
    );
}

#[test]
fn until_drops_pending_sequence() {
    let query =
        "sequence by host.id [network where true] [process where true] until [file where true]";
    let events = [
        stage("network", 1, "a"),
        stage("file", 2, "a"),
        stage("process", 3, "a"),
        stage("network", 4, "a"),
        stage("process", 5, "a"),
    ];
    assert_eq!(run(query, &events), [vec![Some(3), Some(4)]]);
}

#[test]
fn runs_repeat_a_stage() {
    let query = "sequence by host.id [process where true] with runs=3";
    let events = [
        stage("process", 1, "a"),
        stage("process", 2, "a"),
        stage("process", 3, "a"),
        stage("process", 4, "a"),
    ];
    assert_eq!(
        run(query, &events),
        [
            vec![Some(0), Some(1), Some(2)],
            vec![Some(1), Some(2), Some(3)]
        ]
    );
}

#[test]
fn missing_event_between_stages() {
    let query =
        "sequence by host.id with maxspan=10s [network where true] ![file where true] [process where true]";
    let blocked = [
        stage("network", 1, "a"),
        stage("file", 2, "a"),
        stage("process", 3, "a"),
    ];
    assert!(run(query, &blocked).is_empty());
    let other_host = [
        stage("network", 1, "a"),
        stage("file", 2, "b"),
        stage("process", 3, "a"),
    ];
    assert_eq!(run(query, &other_host), [vec![Some(0), None, Some(2)]]);
}

#[test]
fn trailing_missing_event_waits_for_window() {
    let query = "sequence by host.id with maxspan=1s [network where true] ![process where true]";
    let followed = [stage("network", 0, "a"), stage("process", 500, "a")];
    assert!(run(query, &followed).is_empty());
    let late = [stage("network", 0, "a"), stage("process", 1500, "a")];
    assert_eq!(run(query, &late), [vec![Some(0), None]]);
}

#[test]
fn events_sort_by_timestamp_then_tiebreaker() {
    let events = [
        json!({"@timestamp": 5, "event": {"category": "process"}, "seq": 2}),
        json!({"@timestamp": 5, "event": {"category": "process"}, "seq": 1}),
        json!({"@timestamp": 1, "event": {"category": "process"}, "seq": 9}),
    ];
    let plain = run("process where true", &events);
    assert_eq!(plain, [vec![Some(2)], vec![Some(0)], vec![Some(1)]]);
    let tiebroken = run_with(
        "process where true",
        &events,
        Options::new().tiebreaker_field(Some("seq")),
    );
    assert_eq!(tiebroken, [vec![Some(2)], vec![Some(1)], vec![Some(0)]]);
}

#[test]
fn head_and_tail_pipes_slice_results() {
    let events: Vec<Value> = (0..6).map(|i| process(i, json!({}))).collect();
    assert_eq!(hits("process where true | head 2", &events), [0, 1]);
    assert_eq!(hits("process where true | tail 2", &events), [4, 5]);
    assert_eq!(
        hits("process where true | head 4 | tail 2", &events),
        [2, 3]
    );
}

#[test]
fn sample_groups_by_key() {
    let query = "sample by host.id [network where true] [process where true]";
    let events = [
        stage("process", 1, "b"),
        stage("network", 2, "b"),
        stage("network", 3, "a"),
        stage("process", 4, "a"),
        stage("network", 5, "c"),
    ];
    assert_eq!(
        run(query, &events),
        [vec![Some(2), Some(3)], vec![Some(1), Some(0)]]
    );
}

#[test]
fn timestamps_keep_milliseconds_by_default() {
    let query = "sequence with maxspan=1s [network where true] [process where true]";
    let events = [
        json!({"@timestamp": "2024-05-14T09:01:00.0004Z", "event": {"category": "network"}}),
        json!({"@timestamp": "2024-05-14T09:01:01.0008Z", "event": {"category": "process"}}),
    ];
    // As an Elasticsearch `date` field, both times truncate to whole
    // milliseconds, so the gap is exactly the 1 s maxspan.
    assert_eq!(run(query, &events), [vec![Some(0), Some(1)]]);
    let nanos = run_with(query, &events, Options::new().nanosecond_timestamps(true));
    assert!(
        nanos.is_empty(),
        "a 1000.4 ms gap exceeds maxspan in nanoseconds"
    );
}

#[test]
fn huge_key_array_uses_first_values() {
    let values: Vec<i64> = (0..100_000).collect();
    let events = [
        json!({"@timestamp": 1, "event": {"category": "network"}, "k": values}),
        json!({"@timestamp": 2, "event": {"category": "process"}, "k": 3}),
        json!({"@timestamp": 3, "event": {"category": "process"}, "k": 99_999}),
    ];
    let query = "sequence by k [network where true] [process where true]";
    // Only the first 64 distinct values of an array key join.
    assert_eq!(run(query, &events), [vec![Some(0), Some(1)]]);
}

#[test]
fn full_stage_drops_oldest_and_counts() {
    let rules = RuleSet::single(
        "sequence by k [network where true] [process where true]",
        Options::new().max_pending_per_stage(2),
    )
    .unwrap();
    let mut reader = rules.reader();
    let mut session = rules.session();
    let mut out = Vec::new();
    let lines = [
        json!({"@timestamp": 1, "event": {"category": "network"}, "k": "a"}),
        json!({"@timestamp": 2, "event": {"category": "network"}, "k": "b"}),
        json!({"@timestamp": 3, "event": {"category": "network"}, "k": "c"}),
        json!({"@timestamp": 4, "event": {"category": "process"}, "k": "a"}),
        json!({"@timestamp": 5, "event": {"category": "process"}, "k": "c"}),
    ];
    for line in lines {
        session.push(reader.read_line(&line.to_string()).unwrap(), &mut out);
    }
    assert_eq!(
        session.stats().evicted_partials,
        1,
        "the oldest key is dropped"
    );
    assert_eq!(out.len(), 1, "only the newer partial of key c completes");
    assert_eq!(out[0].join_keys, [eql_compiler::Value::Str("c".into())]);
}

#[test]
#[should_panic(expected = "another rule set's reader")]
fn foreign_event_is_rejected() {
    let small = RuleSet::single("process where a == 1", Options::new()).unwrap();
    let large = RuleSet::single("process where a == 1 and b == 2", Options::new()).unwrap();
    let event = small
        .reader()
        .read_line(r#"{"@timestamp": 1, "a": 1}"#)
        .unwrap();
    large.session().push(event, &mut Vec::new());
}

#[test]
fn reorder_window_sorts_late_events() {
    let query = "sequence by host.id with maxspan=1s [network where true] [process where true]";
    let late = [
        stage("process", 1500, "a"),
        stage("network", 1200, "a"),
        stage("file", 1800, "a"),
        stage("process", 1700, "a"),
        stage("file", 5000, "a"),
    ];
    let stream = |options: Options| {
        let rules = RuleSet::single(query, options).unwrap();
        let mut reader = rules.reader();
        let mut session = rules.session();
        let mut out = Vec::new();
        for event in &late {
            session.push(reader.read_line(&event.to_string()).unwrap(), &mut out);
        }
        let stats = session.stats();
        session.flush(&mut out);
        let positions: Vec<Vec<u64>> = out
            .iter()
            .map(|m| m.events.iter().map(|e| e.event().unwrap().seq).collect())
            .collect();
        (positions, stats.out_of_order)
    };
    // In arrival order the network event pairs with the later-arriving
    // process event at 1700 ms, and two events count as out of order.
    let (plain, late_events) = stream(Options::new());
    assert_eq!(plain, [vec![1, 3]]);
    assert_eq!(late_events, 2);
    // A 500 ms window restores time order: the process event at 1500 ms is
    // the first after the network event.
    let (sorted, late_events) = stream(Options::new().reorder_window_ms(500));
    assert_eq!(sorted, [vec![1, 0]]);
    assert_eq!(late_events, 0);
}
