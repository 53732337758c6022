//! Helpers shared by the integration tests: paths, the shared data folder,
//! loading rules the way `hunt` does, and running them over NDJSON text.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use eql::rules::{LoadReport, LoadedRule};
use eql::{Event, Match, Options, RuleSet};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The root of the `eql` package.
pub const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The reference rule, relative to the package root.
pub const REFERENCE_RULE: &str = "rules/windows/lateral_movement_remote_services.toml";
/// The reference rule's detection-rules id.
pub const REFERENCE_RULE_ID: &str = "aa9a274d-6b53-424d-ac5e-cb8ca4251650";
/// The reference rule's name.
pub const REFERENCE_RULE_NAME: &str = "Remotely Started Services via RPC";

/// Returns a path inside the package.
pub fn package_path(relative: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join(relative)
}

/// Returns a path inside the shared data folder that sits beside the
/// repository, or `None` when it is absent.
///
/// A clone without that folder still passes its tests: the caller returns
/// early and the test prints `skipped: ... not found`. When the
/// environment variable `CI` is set, missing data fails the test instead.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = Path::new(MANIFEST_DIR).join("../shared").join(relative);
    if path.exists() {
        return Some(path);
    }
    skip_or_fail(&format!("{} not found", path.display()));
    None
}

/// Prints `skipped: <reason>`, or panics with the reason when the
/// environment variable `CI` is set.
pub fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{reason}, and missing test data is an error when CI is set");
    }
    println!("skipped: {reason}");
}

/// Loads rule files through [`LoadReport`], the loader `hunt` uses, and
/// compiles them with the default options. Panics when a file fails to
/// load, is skipped as not EQL, or fails to compile.
pub fn load_rules(path: &Path) -> (Vec<LoadedRule>, RuleSet) {
    let mut report = LoadReport::default();
    report.load(path);
    assert!(
        report.errors.is_empty(),
        "loading {} failed: {:?}",
        path.display(),
        report.errors
    );
    assert!(
        report.skipped.is_empty(),
        "the loader skipped rules in {}: {:?}",
        path.display(),
        report.skipped
    );
    let sources: Vec<_> = report.rules.iter().map(|r| r.source.clone()).collect();
    let rules = match RuleSet::new(&sources, Options::new()) {
        Ok(rules) => rules,
        Err(errors) => {
            let rendered: Vec<String> = errors.iter().map(|e| e.render()).collect();
            panic!(
                "rules in {} failed to compile:\n{}",
                path.display(),
                rendered.join("\n")
            );
        }
    };
    (report.rules, rules)
}

/// Loads and compiles the reference rule from `rules/windows/`.
pub fn reference_rule() -> (LoadedRule, RuleSet) {
    let (mut loaded, rules) = load_rules(&package_path(REFERENCE_RULE));
    assert_eq!(loaded.len(), 1, "the reference rule file holds one rule");
    (loaded.remove(0), rules)
}

/// Reads NDJSON text into events for a rule set, in file order. Panics
/// with the line number when a line is not a valid event, because the
/// test data is expected to be clean.
pub fn read_events(rules: &RuleSet, text: &str) -> Vec<Event> {
    let mut reader = rules.reader();
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            reader
                .read_line(line)
                .unwrap_or_else(|e| panic!("line {}: {e}", index + 1))
        })
        .collect()
}

/// Reads a file into events for a rule set, as [`read_events`] does.
pub fn read_event_file(rules: &RuleSet, path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    read_events(rules, &text)
}

/// Runs a rule set over events with the batch API, as `hunt` does by
/// default, and returns each match as the JSON line `hunt` prints.
pub fn run_batch(rules: &RuleSet, events: Vec<Event>) -> Vec<Value> {
    to_json(rules, &rules.run_batch(events))
}

/// Runs a rule set over events with one streaming session, pushing them
/// in the given order, and returns each match as JSON.
pub fn run_session(rules: &RuleSet, events: Vec<Event>) -> Vec<Value> {
    let mut session = rules.session();
    let mut matches = Vec::new();
    for event in events {
        session.push(event, &mut matches);
    }
    session.flush(&mut matches);
    to_json(rules, &matches)
}

/// Renders matches with [`eql::output::match_to_json`] and parses the
/// result, so tests check the same text `hunt` prints.
pub fn to_json(rules: &RuleSet, matches: &[Match]) -> Vec<Value> {
    matches
        .iter()
        .map(|m| {
            let line = eql::output::match_to_json(rules, m);
            serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("match_to_json printed invalid JSON ({e}): {line}"))
        })
        .collect()
}

/// Returns the `_source` objects of a match rendered as JSON.
pub fn sources(rendered: &Value) -> Vec<&Value> {
    rendered["events"]
        .as_array()
        .unwrap_or_else(|| panic!("a match has no events array: {rendered}"))
        .iter()
        .map(|e| &e["_source"])
        .collect()
}

/// Returns the `event.id` of each event of a match rendered as JSON.
pub fn event_ids(rendered: &Value) -> Vec<String> {
    sources(rendered)
        .iter()
        .map(|source| {
            source["event"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("an event of a match has no event.id: {source}"))
                .to_string()
        })
        .collect()
}

/// Parses an ISO 8601 `@timestamp` of a match event into milliseconds
/// since the Unix epoch, with the engine's own parser.
pub fn timestamp_ms(source: &Value) -> i64 {
    let text = source["@timestamp"]
        .as_str()
        .unwrap_or_else(|| panic!("an event has no @timestamp string: {source}"));
    let value = eql::compiler::Value::Str(text.into());
    let nanos = eql::runtime::parse_timestamp(&value)
        .unwrap_or_else(|| panic!("invalid @timestamp {text}"));
    nanos / 1_000_000
}

/// Reads a known-failures list from a file in the package: one entry per
/// line, with blank lines and lines starting with `#` ignored.
pub fn read_known_failures(relative: &str) -> BTreeSet<String> {
    let path = package_path(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}
