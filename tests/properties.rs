//! Property tests: invariants that must hold for any input, checked on
//! generated events.

use eql::{Options, RuleSet, RuleSource};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

/// Queries that cover event queries, sequences with keys, maxspan, until,
/// runs and missing events, and samples.
const QUERIES: &[&str] = &[
    r#"process where process.name : ("a*", "B") and not user.name == "x""#,
    r#"sequence by host.id with maxspan=50ms
        [network where source.port >= 5] [process where process.name : "a*"]"#,
    r#"sequence by host.id [network where true] [process where true] until [file where true]"#,
    r#"sequence by host.id [process where true] with runs=2 [network where true]"#,
    r#"sequence by host.id with maxspan=30ms
        [network where true] ![file where true] [process where true]"#,
    r#"sequence by host.id with maxspan=30ms [process where true] ![file where true]"#,
    r#"sample by host.id [network where true] [process where true]"#,
    r#"any where length(process.name) > 1 | tail 3"#,
];

fn event_strategy() -> impl Strategy<Value = Value> {
    (
        0i64..200,
        prop_oneof![Just("process"), Just("network"), Just("file")],
        prop_oneof![Just("h1"), Just("h2"), Just("h3")],
        prop::option::of(prop_oneof![Just("a1"), Just("Ab"), Just("b"), Just("B")]),
        prop::option::of(0i64..10),
        prop::bool::ANY,
    )
        .prop_map(|(ms, category, host, name, port, array)| {
            let mut event = json!({
                "@timestamp": ms,
                "event": {"category": category},
                "host": {"id": if array { json!([host, "h9"]) } else { json!(host) }},
            });
            if let Some(name) = name {
                event["process"] = json!({"name": name});
            }
            if let Some(port) = port {
                event["source.port"] = json!(port);
            }
            event
        })
}

/// Returns each result as its rule and the input positions of its events.
fn summarize(matches: &[eql::Match]) -> Vec<(usize, Vec<Option<u64>>)> {
    matches.iter().map(|m| (m.rule, m.positions())).collect()
}

fn all_rules() -> RuleSet {
    let sources: Vec<RuleSource> = QUERIES
        .iter()
        .enumerate()
        .map(|(i, q)| RuleSource::new(format!("q{i}"), format!("q{i}"), *q))
        .collect();
    RuleSet::new(&sources, Options::new()).expect("the property queries compile")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Dropping the events that no filter matches before the run, as
    /// `hunt` does in batch mode, changes no result.
    #[test]
    fn dropping_irrelevant_events_keeps_results(
        events in prop::collection::vec(event_strategy(), 0..60),
    ) {
        let rules = all_rules();
        let lines: Vec<String> = events.iter().map(Value::to_string).collect();
        let mut reader = rules.reader();
        let all: Vec<eql::Event> = lines.iter().map(|l| reader.read_line(l).unwrap()).collect();
        let mut reader = rules.reader();
        let kept: Vec<eql::Event> = lines
            .iter()
            .filter_map(|l| reader.read_line_if(l, |e| rules.is_relevant(e)).unwrap())
            .collect();
        prop_assert_eq!(
            summarize(&rules.run_batch(all)),
            summarize(&rules.run_batch(kept))
        );
    }

    /// Each rule gives the same results alone as in a set with the other
    /// rules, which share its field table and category index.
    #[test]
    fn rules_are_independent(events in prop::collection::vec(event_strategy(), 0..40)) {
        let together = all_rules();
        let lines: Vec<String> = events.iter().map(Value::to_string).collect();
        let read = |rules: &RuleSet| {
            let mut reader = rules.reader();
            lines.iter().map(|l| reader.read_line(l).unwrap()).collect::<Vec<_>>()
        };
        let combined = summarize(&together.run_batch(read(&together)));
        for (index, query) in QUERIES.iter().enumerate() {
            let alone = RuleSet::single(query, Options::new()).unwrap();
            let expected: Vec<Vec<Option<u64>>> = summarize(&alone.run_batch(read(&alone)))
                .into_iter()
                .map(|(_, positions)| positions)
                .collect();
            let actual: Vec<Vec<Option<u64>>> = combined
                .iter()
                .filter(|(rule, _)| *rule == index)
                .map(|(_, positions)| positions.clone())
                .collect();
            prop_assert_eq!(actual, expected, "rule {}", query);
        }
    }

    /// The line reader and the parsed-JSON reader see the same values for
    /// nested, dotted and mixed spellings of a path.
    #[test]
    fn readers_agree(
        a in prop::option::of(-5i64..5),
        b in prop::option::of(prop::collection::vec(prop_oneof![Just(json!(1)), Just(json!("x")), Just(json!(null))], 0..3)),
        dotted in prop::bool::ANY,
    ) {
        let mut object = serde_json::Map::new();
        if let Some(a) = a {
            if dotted {
                object.insert("p.a".into(), json!(a));
            } else {
                object.insert("p".into(), json!({"a": a}));
            }
        }
        if let Some(b) = b {
            object.insert("p.q.b".into(), json!(b));
        }
        let value = Value::Object(object);
        let text = value.to_string();
        let rules = RuleSet::single("any where p.a == 1 or p.q.b == 1", Options::new()).unwrap();
        let mut reader = rules.reader();
        let from_line = reader.read_line(&text).unwrap();
        let from_value = reader.read_value(&value, Arc::from(text.as_str())).unwrap();
        for slot in 0..rules.fields().len() as u32 {
            prop_assert_eq!(from_line.values(slot), from_value.values(slot));
        }
    }
}
