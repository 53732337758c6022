//! The `hunt` example binary as a user runs it, and the sample logs it
//! reads by default.
//!
//! The tests build the `hunt` and `make_samples` examples once with the
//! cargo that runs the tests, then run the binaries from the target folder.

mod common;

use common::{package_path, MANIFEST_DIR, REFERENCE_RULE, REFERENCE_RULE_ID, REFERENCE_RULE_NAME};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const SAMPLE: &str = "examples/data/sample.ndjson";
const MATCHES: &str = "rules/windows/lateral_movement_remote_services.matches.ndjson";

/// Milliseconds from connection to service start of each true positive
/// that `make_samples` plants, in ascending order. Each is unique, so the
/// list identifies the matches.
const SAMPLE_GAPS_MS: [i64; 9] = [60, 130, 245, 333, 410, 578, 720, 875, 1000];

/// Builds the examples once and returns their folder.
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(["build", "--quiet", "--example", "hunt"])
            .args(["--example", "make_samples"])
            .current_dir(MANIFEST_DIR);
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        let output = command.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Test binaries live in target/<profile>/deps and examples in
        // target/<profile>/examples, wherever the target folder is.
        let test_binary = std::env::current_exe().expect("the test binary has a path");
        let profile_dir = test_binary
            .parent()
            .and_then(Path::parent)
            .expect("the test binary is in target/<profile>/deps");
        profile_dir.join("examples")
    })
}

fn example(name: &str) -> PathBuf {
    examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs `hunt` with the arguments and no standard input.
fn hunt(args: &[&str]) -> Output {
    Command::new(example("hunt"))
        .args(args)
        .current_dir(MANIFEST_DIR)
        .stdin(Stdio::null())
        .output()
        .expect("hunt runs")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

fn stderr_text(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// A temporary folder, removed when the test ends, also on failure.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("eql-hunt-cli-{}-{label}", std::process::id()));
        std::fs::create_dir_all(&path).expect("the temporary folder can be created");
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// Parses a result line of `hunt` and checks the documented shape:
/// `{"rule": {"name", "id"}, "join_keys": [...], "events": [{"_source": {...}}, ...]}`.
fn parse_result(line: &str) -> Value {
    let result: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("a result line is not JSON ({e}): {line}"));
    let object = result.as_object().expect("a result is a JSON object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["events", "join_keys", "rule"], "keys of a result");
    assert_eq!(result["rule"]["name"], REFERENCE_RULE_NAME, "rule name");
    assert_eq!(result["rule"]["id"], REFERENCE_RULE_ID, "rule id");
    let events = result["events"].as_array().expect("events is an array");
    assert_eq!(events.len(), 2, "events of a sequence: {line}");
    for event in events {
        let event = event.as_object().expect("an event is an object");
        assert_eq!(event.len(), 1, "an event holds only _source: {line}");
        assert!(event["_source"].is_object(), "_source is an object: {line}");
    }
    let join_keys = result["join_keys"]
        .as_array()
        .expect("join_keys is an array");
    assert_eq!(join_keys.len(), 2, "join keys of a result: {line}");
    assert_eq!(
        join_keys[0], events[0]["_source"]["host"]["id"],
        "host key: {line}"
    );
    assert_eq!(
        join_keys[1], events[0]["_source"]["process"]["entity_id"],
        "entity key: {line}"
    );
    result
}

fn timestamp_ms(source: &Value) -> i64 {
    common::timestamp_ms(source)
}

#[test]
fn samples_regenerate_identically() {
    let dir = TempDir::new("samples");
    let out = dir.join("sample.ndjson");
    let output = Command::new(example("make_samples"))
        .arg(&out)
        .output()
        .expect("make_samples runs");
    let stderr = stderr_text(&output);
    assert!(output.status.success(), "make_samples failed: {stderr}");
    assert!(
        stderr.contains(&format!(
            "planted true positives: {},",
            SAMPLE_GAPS_MS.len()
        )),
        "make_samples summary: {stderr}"
    );
    let generated = std::fs::read(&out).expect("make_samples wrote its output");
    let committed = std::fs::read(package_path(SAMPLE)).expect("the sample log exists");
    if generated != committed {
        let first_difference = generated
            .split(|&b| b == b'\n')
            .zip(committed.split(|&b| b == b'\n'))
            .position(|(a, b)| a != b)
            .map_or("past the end of the shorter file".to_string(), |i| {
                format!("line {}", i + 1)
            });
        panic!(
            "{SAMPLE} differs from the output of make_samples at {first_difference}; \
             run `cargo run --example make_samples` and commit the result"
        );
    }
    assert!(
        committed.len() < 2_000_000,
        "{SAMPLE} is {} bytes; keep it under 2 MB",
        committed.len()
    );
}

#[test]
fn default_run_results() {
    let output = hunt(&[]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(0), "exit code; stderr: {stderr}");

    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), SAMPLE_GAPS_MS.len(), "result lines");
    let mut gaps: Vec<i64> = lines
        .iter()
        .map(|line| {
            let result = parse_result(line);
            let events = result["events"].as_array().unwrap();
            timestamp_ms(&events[1]["_source"]) - timestamp_ms(&events[0]["_source"])
        })
        .collect();
    gaps.sort_unstable();
    assert_eq!(gaps, SAMPLE_GAPS_MS, "gaps of the planted true positives");

    let sample = std::fs::read_to_string(package_path(SAMPLE)).unwrap();
    let events = sample.lines().filter(|l| !l.trim().is_empty()).count();
    let stderr_lines: Vec<&str> = stderr.lines().collect();
    let announced = format!(
        "hunt: no arguments; running the rules in {MANIFEST_DIR}/rules over the sample logs in {MANIFEST_DIR}/examples/data"
    );
    let expected_lines = [
        announced,
        format!("hunt: events read: {events}"),
        "hunt: events rejected: 0".to_string(),
        format!(
            "hunt: results: {}  {REFERENCE_RULE_NAME} ({REFERENCE_RULE_ID})",
            SAMPLE_GAPS_MS.len()
        ),
    ];
    for expected in &expected_lines {
        assert!(
            stderr_lines.contains(&expected.as_str()),
            "stderr lacks the line [{expected}]:\n{stderr}"
        );
    }
    assert!(
        stderr_lines.iter().any(|l| l.starts_with("hunt: time: ")),
        "stderr lacks the timing line:\n{stderr}"
    );
}

#[test]
fn check_broken_query_exit_1() {
    let dir = TempDir::new("check");
    let rule = dir.join("broken.eql");
    // A single `=` is not an EQL operator, and it sits on line 3, column 38.
    let source_line = "  [process where process.parent.name = \"services.exe\"]";
    std::fs::write(
        &rule,
        format!(
            "sequence with maxspan=1s\n  [network where process.name : \"services.exe\"]\n{source_line}\n"
        ),
    )
    .unwrap();

    let output = hunt(&["--check", "--rules", path_arg(&rule)]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(1), "exit code; stderr: {stderr}");
    let position = format!("{}:3:38: ", rule.display());
    assert!(
        stderr.contains(&position),
        "stderr lacks [{position}]:\n{stderr}"
    );

    let lines: Vec<&str> = stderr.lines().collect();
    let quoted = lines
        .iter()
        .position(|l| l.ends_with(source_line))
        .unwrap_or_else(|| panic!("stderr does not quote the line:\n{stderr}"));
    let caret_line = lines.get(quoted + 1).copied().unwrap_or("");
    let operator = lines[quoted]
        .rfind(" = ")
        .expect("the quoted line has ` = `")
        + 1;
    assert_eq!(
        caret_line.find('^'),
        Some(operator),
        "caret under the `=`:\n{stderr}"
    );
}

#[test]
fn check_rules_folder_exit_0() {
    // With --check and no --rules, hunt compiles the rules in rules/.
    let output = hunt(&["--check"]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(0), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains("hunt: 1 rule(s) compiled in "),
        "compile summary:\n{stderr}"
    );
    assert!(stdout_lines(&output).is_empty(), "no results are printed");
}

#[test]
fn missing_log_exit_2() {
    let dir = TempDir::new("missing");
    let missing = dir.join("absent.ndjson");
    let rule = package_path(REFERENCE_RULE);
    let output = hunt(&["--rules", path_arg(&rule), path_arg(&missing)]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains(&format!("cannot open {}", missing.display())),
        "stderr names the missing file:\n{stderr}"
    );
    assert!(stdout_lines(&output).is_empty(), "no results are printed");
}

#[test]
fn malformed_line_counted() {
    let dir = TempDir::new("malformed");
    let log = dir.join("events.ndjson");
    let text = std::fs::read_to_string(package_path(MATCHES)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The first two lines are a true positive. A broken line between them
    // must be reported and skipped without losing the match.
    std::fs::write(
        &log,
        format!("{}\n{{\"@timestamp\": \n{}\n", lines[0], lines[1]),
    )
    .unwrap();

    let rule = package_path(REFERENCE_RULE);
    let output = hunt(&["--rules", path_arg(&rule), path_arg(&log)]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(0), "exit code; stderr: {stderr}");
    assert_eq!(stdout_lines(&output).len(), 1, "results; stderr: {stderr}");

    let stderr_lines: Vec<&str> = stderr.lines().collect();
    assert!(
        stderr_lines.contains(&"hunt: events read: 2"),
        "events read:\n{stderr}"
    );
    assert!(
        stderr_lines.contains(&"hunt: events rejected: 1"),
        "events rejected:\n{stderr}"
    );
    let place = format!("{}:2: ", log.display());
    assert!(
        stderr_lines.iter().any(|l| l.contains(&place)),
        "stderr lacks the position [{place}]:\n{stderr}"
    );
}

#[test]
fn gzip_and_array_match_ndjson() {
    let dir = TempDir::new("formats");
    let ndjson = package_path(MATCHES);
    let text = std::fs::read_to_string(&ndjson).unwrap();

    let gz = dir.join("events.ndjson.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();

    // Each array element keeps the exact text of its NDJSON line, so the
    // `_source` of every result is the same in both runs.
    let array = dir.join("events.json");
    let items: Vec<&str> = text.lines().collect();
    std::fs::write(&array, format!("[\n{}\n]\n", items.join(",\n"))).unwrap();

    let rule = package_path(REFERENCE_RULE);
    let reference = hunt(&["--rules", path_arg(&rule), path_arg(&ndjson)]);
    assert_eq!(reference.status.code(), Some(0), "NDJSON exit code");
    let expected = stdout_lines(&reference);
    assert_eq!(expected.len(), 11, "results from NDJSON");
    for input in [&gz, &array] {
        let output = hunt(&["--rules", path_arg(&rule), path_arg(input)]);
        let stderr = stderr_text(&output);
        assert_eq!(
            output.status.code(),
            Some(0),
            "exit code for {}: {stderr}",
            input.display()
        );
        assert!(
            stderr.contains("hunt: events rejected: 0"),
            "rejects for {}: {stderr}",
            input.display()
        );
        assert_eq!(
            stdout_lines(&output),
            expected,
            "results for {}",
            input.display()
        );
    }
}

#[test]
fn unreadable_file_keeps_other_results() {
    let dir = TempDir::new("unreadable");
    let missing = dir.join("absent.ndjson");
    let rule = package_path(REFERENCE_RULE);
    let matches = package_path(MATCHES);
    let output = hunt(&[
        "--rules",
        path_arg(&rule),
        path_arg(&missing),
        path_arg(&matches),
    ]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert_eq!(
        stdout_lines(&output).len(),
        11,
        "the readable file's results are printed; stderr: {stderr}"
    );
    assert!(
        stderr.contains("1 input file(s) could not be read"),
        "stderr counts the unreadable file:\n{stderr}"
    );
}

#[test]
fn bad_bytes_and_bom_are_handled() {
    let dir = TempDir::new("bytes");
    let log = dir.join("events.ndjson");
    let text = std::fs::read_to_string(package_path(MATCHES)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // A byte order mark before the first line, and a line that is not
    // UTF-8 between the two events of a true positive.
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(lines[0].as_bytes());
    bytes.extend_from_slice(b"\n{\"a\": \"\xff\xfe\"}\n");
    bytes.extend_from_slice(lines[1].as_bytes());
    bytes.push(b'\n');
    std::fs::write(&log, bytes).unwrap();

    let rule = package_path(REFERENCE_RULE);
    let output = hunt(&["--rules", path_arg(&rule), path_arg(&log)]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(0), "exit code; stderr: {stderr}");
    assert_eq!(stdout_lines(&output).len(), 1, "results; stderr: {stderr}");
    let place = format!("{}:2: the line is not valid UTF-8", log.display());
    assert!(stderr.contains(&place), "stderr lacks [{place}]:\n{stderr}");
    assert!(
        stderr.contains("hunt: events rejected: 1"),
        "events rejected:\n{stderr}"
    );
}

#[test]
fn pretty_array_gives_one_line_each() {
    let dir = TempDir::new("pretty");
    let text = std::fs::read_to_string(package_path(MATCHES)).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let array = dir.join("events.json");
    std::fs::write(&array, serde_json::to_string_pretty(&events).unwrap()).unwrap();

    let rule = package_path(REFERENCE_RULE);
    let output = hunt(&["--rules", path_arg(&rule), path_arg(&array)]);
    assert_eq!(output.status.code(), Some(0), "exit code");
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 11, "one line per result");
    for line in &lines {
        parse_result(line);
    }
}

#[test]
fn empty_rules_folder_exit_2() {
    let dir = TempDir::new("no-rules");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let matches = package_path(MATCHES);
    let output = hunt(&["--rules", path_arg(&rules), path_arg(&matches)]);
    let stderr = stderr_text(&output);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains("no EQL rule found"),
        "stderr explains:\n{stderr}"
    );
}
