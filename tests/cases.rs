//! Runs the semantic edge cases of `cases.jsonl` (see `shared_cases`)
//! through the engine.
//!
//! Each case is a query, a few events and the expected result. For an
//! event query that is the sorted indices of the matching events. For a
//! sequence or sample it is one list of event indices per match, in stage
//! order, with `null` for a missing-event stage. A query that must be
//! rejected expects `{"error": "..."}`. The cases come from reports of
//! surprising behaviour in Elasticsearch and other EQL engines, so they pin
//! the results Elasticsearch returns.
//!
//! Cases that fail today are listed in `tests/cases-known-failures.txt`,
//! one case id per line. The test fails both on a new failure and on a
//! listed case that now passes, so the list stays exact. When the cases
//! file is absent the test prints that it was skipped and passes, unless
//! the environment variable `CI` is set, in which case it fails.

mod common;

use eql::compiler::QueryPlan;
use eql::{FieldType, Options, RuleSet, Schema};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// Rows of `cases.jsonl`. A changed count means the file changed, so the
/// known failures need a look.
const CASES: usize = 47;

/// The timestamp field of every case, which Elasticsearch maps as `date`.
const TIMESTAMP_FIELD: &str = "@timestamp";

#[derive(Deserialize)]
struct Case {
    id: String,
    query: String,
    events: Vec<Value>,
    expected: Value,
    #[serde(default)]
    params: Map<String, Value>,
    why: String,
}

/// One match as event indices in stage order, `None` for a missing-event
/// stage. An event query's match is a list of one index.
type Indices = Vec<Option<usize>>;

/// What a case expects, or what the engine did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// The query was rejected, with the message (or the expected hint).
    Rejected(String),
    /// The query ran: the matches of an event query.
    Events(Vec<usize>),
    /// The query ran: the matches of a sequence or sample.
    Matches(Vec<Indices>),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Rejected(message) => write!(f, "rejected: {message}"),
            Outcome::Events(indices) => write!(f, "{indices:?}"),
            Outcome::Matches(matches) => {
                let rendered: Vec<String> = matches
                    .iter()
                    .map(|m| {
                        let stages: Vec<String> = m
                            .iter()
                            .map(|i| i.map_or_else(|| "null".to_string(), |i| i.to_string()))
                            .collect();
                        format!("[{}]", stages.join(", "))
                    })
                    .collect();
                write!(f, "[{}]", rendered.join(", "))
            }
        }
    }
}

/// Orders matches by their first present event, then by all their events,
/// as `cases.jsonl` lists them.
fn sort_matches(matches: &mut [Indices]) {
    matches.sort_by_key(|m| (m.iter().flatten().next().copied(), m.clone()));
}

/// Reads a case's `expected` field.
fn expected_outcome(case: &Case) -> Outcome {
    if let Some(error) = case.expected.get("error") {
        let hint = error.as_str().expect("expected.error is a string");
        return Outcome::Rejected(hint.to_string());
    }
    let items = case
        .expected
        .as_array()
        .unwrap_or_else(|| panic!("case {}: expected is neither a list nor an error", case.id));
    // An empty list reads as an event query's result; `passes` accepts it
    // for a sequence or sample too.
    if items.iter().all(Value::is_u64) {
        let indices = items.iter().map(|v| v.as_u64().unwrap() as usize).collect();
        return Outcome::Events(indices);
    }
    let mut matches: Vec<Indices> = items
        .iter()
        .map(|m| {
            let stages = m
                .as_array()
                .unwrap_or_else(|| panic!("case {}: a match is not a list: {m}", case.id));
            stages
                .iter()
                .map(|v| v.as_u64().map(|i| i as usize))
                .collect()
        })
        .collect();
    sort_matches(&mut matches);
    Outcome::Matches(matches)
}

/// Adds every field that has a value in `value` to `schema`, typed by its
/// JSON value as Elasticsearch's dynamic mapping would type it.
fn add_fields(schema: &mut Schema, prefix: &str, value: &Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let dotted = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                add_fields(schema, &dotted, child);
            }
        }
        // An array maps to the type of its elements.
        Value::Array(items) => {
            for item in items {
                add_fields(schema, prefix, item);
            }
        }
        // A null is no value, so it maps nothing, as in Elasticsearch.
        Value::Null => {}
        Value::String(_) if prefix == TIMESTAMP_FIELD => schema.insert(prefix, FieldType::Date),
        // ECS maps address fields (`source.ip`, `destination.ip`) as `ip`;
        // a string that parses as an address is mapped that way.
        Value::String(text) if text.parse::<std::net::IpAddr>().is_ok() => {
            insert_type(schema, prefix, FieldType::Ip)
        }
        Value::String(_) => insert_type(schema, prefix, FieldType::Keyword),
        Value::Bool(_) => insert_type(schema, prefix, FieldType::Boolean),
        Value::Number(n) if n.is_f64() => insert_type(schema, prefix, FieldType::Double),
        Value::Number(_) => insert_type(schema, prefix, FieldType::Long),
    }
}

/// Keeps the first type seen for a field, as Elasticsearch's dynamic
/// mapping keeps the type from the first document that has the field.
fn insert_type(schema: &mut Schema, dotted: &str, field_type: FieldType) {
    if schema.field_type(dotted).is_none() {
        schema.insert(dotted, field_type);
    }
}

/// Builds the options of a case: a schema from its events, which is the
/// index mapping of the case, and the request parameters it names.
fn case_options(case: &Case) -> Options {
    let mut schema = Schema::new();
    for event in &case.events {
        add_fields(&mut schema, "", event);
    }
    let mut options = Options::new();
    for (name, value) in &case.params {
        match name.as_str() {
            "tiebreaker_field" => {
                let field = value.as_str().expect("tiebreaker_field is a string");
                options = options.tiebreaker_field(Some(field));
            }
            // The case's mapping makes the timestamp a `date_nanos` field,
            // which keeps nanoseconds where `date` truncates to milliseconds.
            "timestamp_precision" => {
                let precision = value.as_str().expect("timestamp_precision is a string");
                assert!(
                    precision.starts_with("nanos"),
                    "case {}: unknown timestamp precision [{precision}]",
                    case.id
                );
                schema.insert(TIMESTAMP_FIELD, FieldType::DateNanos);
            }
            _ => panic!(
                "case {}: unknown parameter [{name}]; tests/cases.rs must learn to apply it",
                case.id
            ),
        }
    }
    options.schema(Some(schema))
}

/// Compiles and runs a case.
fn run_case(case: &Case) -> Outcome {
    let rules = match RuleSet::single(&case.query, case_options(case)) {
        Ok(rules) => rules,
        Err(error) => return Outcome::Rejected(error.message()),
    };
    let mut reader = rules.reader();
    let mut events = Vec::with_capacity(case.events.len());
    for (index, value) in case.events.iter().enumerate() {
        let text = value.to_string();
        match reader.read_line(&text) {
            Ok(event) => events.push(event),
            Err(e) => panic!("case {}: event {index} is unreadable: {e}", case.id),
        }
    }

    let is_event_query = matches!(rules.rules()[0].compiled.plan, QueryPlan::Event { .. });
    let mut matches: Vec<Indices> = rules
        .run_batch(events)
        .iter()
        .map(|m| {
            // Each reader numbers its events from 0 in input order, so the
            // sequence number is the index in the case's event list.
            m.events
                .iter()
                .map(|e| e.event().map(|event| event.seq as usize))
                .collect()
        })
        .collect();
    sort_matches(&mut matches);
    if is_event_query {
        let indices = matches.iter().flatten().flatten().copied().collect();
        Outcome::Events(indices)
    } else {
        Outcome::Matches(matches)
    }
}

/// Returns whether the engine's outcome satisfies the expected one. A
/// rejection passes whatever its message, because the expected text is
/// Elasticsearch's wording and only a hint. An expected empty list also
/// means "no sequences", because JSON cannot tell the two shapes apart.
fn passes(expected: &Outcome, actual: &Outcome) -> bool {
    match (expected, actual) {
        (Outcome::Rejected(_), Outcome::Rejected(_)) => true,
        (Outcome::Events(events), Outcome::Matches(matches)) => {
            events.is_empty() && matches.is_empty()
        }
        _ => expected == actual,
    }
}

fn shared_cases() -> Option<PathBuf> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases/cases.jsonl");
    if file.is_file() {
        return Some(file);
    }
    let message = format!("semantic cases {} not found", file.display());
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI is set, so the cases are required");
    }
    println!("skipped: {message}");
    None
}

fn read_cases(file: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", file.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: invalid case: {e}", file.display(), i + 1))
        })
        .collect()
}

#[test]
fn semantic_cases() {
    let Some(file) = shared_cases() else {
        return;
    };
    let cases = read_cases(&file);
    assert_eq!(cases.len(), CASES, "cases in {}", file.display());
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "distinct case ids");

    let known = common::read_known_failures("tests/cases-known-failures.txt");
    let unknown_ids: Vec<&String> = known
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    assert!(
        unknown_ids.is_empty(),
        "tests/cases-known-failures.txt lists ids that are no case: {unknown_ids:?}"
    );

    let mut failed = BTreeSet::new();
    for case in &cases {
        let expected = expected_outcome(case);
        let actual = run_case(case);
        if let (Outcome::Rejected(hint), Outcome::Rejected(message)) = (&expected, &actual) {
            println!(
                "{}: rejected as expected\n  expected hint: {hint}\n  engine: {message}",
                case.id
            );
        }
        if passes(&expected, &actual) {
            continue;
        }
        let status = if known.contains(&case.id) {
            "known"
        } else {
            "NEW"
        };
        println!(
            "{status} failure {}\n  query: {}\n  expected: {expected}\n  actual: {actual}\n  why: {}",
            case.id, case.query, case.why
        );
        failed.insert(case.id.clone());
    }
    println!(
        "cases: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );

    let new: Vec<&String> = failed.difference(&known).collect();
    let fixed: Vec<&String> = known.difference(&failed).collect();
    assert!(
        new.is_empty(),
        "cases that fail but are not in tests/cases-known-failures.txt: {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "cases that now pass; remove them from tests/cases-known-failures.txt: {fixed:?}"
    );
}
