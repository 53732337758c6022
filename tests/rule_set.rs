//! Many rules in one set give the same results as each rule alone.
//!
//! A rule set shares one field table, one reader and one category index
//! across its rules, and a session only runs the filters of each event's
//! categories. This test runs Elastic's Windows detection rules over real
//! Sysmon captures both ways and compares every result.

mod common;

use common::shared_path;
use eql::rules::LoadReport;
use eql::{Options, RuleSet, RuleSource};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One result as rule id and the input positions of its events.
type Found = (String, Vec<Option<u64>>);

fn results(rules: &RuleSet, documents: &[(serde_json::Value, Arc<str>)]) -> Vec<Found> {
    let mut reader = rules.reader();
    let events = documents
        .iter()
        .map(|(value, text)| {
            reader
                .read_value(value, text.clone())
                .expect("capture lines are valid")
        })
        .collect();
    let mut found: Vec<Found> = rules
        .run_batch(events)
        .into_iter()
        .map(|m| (rules.rules()[m.rule].id.clone(), m.positions()))
        .collect();
    found.sort();
    found
}

#[test]
fn shared_set_matches_single_rules() {
    let (Some(rules_dir), Some(evtx), Some(mordor)) = (
        shared_path("corpus/detection-rules/rules/windows"),
        shared_path("data/evtx-attack-samples/ecs-sysmon-1-3.ecs.ndjson"),
        shared_path("data/mordor/ecs"),
    ) else {
        return;
    };
    let mut report = LoadReport::default();
    report.load(&rules_dir);
    let sources: Vec<RuleSource> = report.rules.iter().map(|r| r.source.clone()).collect();
    assert!(
        sources.len() > 300,
        "Windows rules loaded: {}",
        sources.len()
    );

    let mut lines: Vec<String> = std::fs::read_to_string(&evtx)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut captures: Vec<_> = std::fs::read_dir(&mordor)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    captures.sort();
    for capture in captures {
        let text = std::fs::read_to_string(&capture).unwrap();
        lines.extend(text.lines().map(str::to_string));
    }

    // Each line is parsed once; every rule set reads the parsed documents.
    let documents: Vec<(serde_json::Value, Arc<str>)> = lines
        .iter()
        .map(|line| {
            (
                serde_json::from_str(line).unwrap(),
                Arc::from(line.as_str()),
            )
        })
        .collect();
    let combined = RuleSet::new(&sources, Options::new()).expect("the Windows rules compile");
    let together = results(&combined, &documents);
    assert!(
        !together.is_empty(),
        "some Windows rule matches the captures"
    );

    let mut alone = Vec::new();
    for source in &sources {
        let single = RuleSet::new(std::slice::from_ref(source), Options::new())
            .expect("each Windows rule compiles alone");
        alone.extend(results(&single, &documents));
    }
    alone.sort();

    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, _) in &together {
        *per_rule.entry(id.as_str()).or_default() += 1;
    }
    println!(
        "{} results from {} of {} rules over {} events",
        together.len(),
        per_rule.len(),
        sources.len(),
        lines.len()
    );
    assert_eq!(
        together, alone,
        "results of the shared set and of single rules"
    );
}
