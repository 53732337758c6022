//! The reference rule "Remotely Started Services via RPC" (version 3) in
//! `rules/windows/`: its file, and the example events beside it that must
//! and must not match. Also runs the current upstream version of the rule,
//! whose query differs, over the same events.

mod common;

use common::{
    event_ids, load_rules, package_path, read_event_file, reference_rule, run_batch, run_session,
    shared_path, sources, REFERENCE_RULE, REFERENCE_RULE_ID, REFERENCE_RULE_NAME,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The query of version 3, byte for byte. The trailing spaces after three
/// of the `and`s are part of the published rule.
const V3_QUERY: &str = concat!(
    "sequence with maxspan=1s\n",
    "   [network where process.name : \"services.exe\" and\n",
    "      network.direction : (\"incoming\", \"ingress\") and network.transport == \"tcp\" and \n",
    "      source.port >= 49152 and destination.port >= 49152 and source.address not in (\"127.0.0.1\", \"::1\")\n",
    "   ] by host.id, process.entity_id\n",
    "\n",
    "   [process where event.type in (\"start\", \"process_started\") and process.parent.name : \"services.exe\" and \n",
    "       not (process.name : \"svchost.exe\" and process.args : \"tiledatamodelsvc\") and \n",
    "       not (process.name : \"msiexec.exe\" and process.args : \"/V\")\n",
    "   \n",
    "    /* uncomment if psexec is noisy in your environment */\n",
    "    /* and not process.name : \"PSEXESVC.exe\" */\n",
    "   ] by host.id, process.parent.entity_id\n",
);

const MATCHES: &str = "rules/windows/lateral_movement_remote_services.matches.ndjson";
const NO_MATCH: &str = "rules/windows/lateral_movement_remote_services.no_match.ndjson";
const EXPECTED: &str = "rules/windows/lateral_movement_remote_services.expected.json";

/// The near-miss cases of the no-match file, one per way an event pair
/// can fail the rule.
const NEAR_MISS_CASES: &[&str] = &[
    "child_before_network",
    "destination_port_135",
    "different_host",
    "direction_egress",
    "gap_1001ms",
    "loopback_ipv4",
    "loopback_ipv6",
    "msiexec_v",
    "msiexec_v_lower_case",
    "other_parent",
    "process_end",
    "source_port_49151",
    "svchost_tiledatamodelsvc",
    "svchost_tiledatamodelsvc_mixed_case",
    "transport_udp",
    "transport_upper_case",
];

/// One match the matches file must produce.
#[derive(Deserialize)]
struct ExpectedMatch {
    /// The `labels.case` of the events.
    case: String,
    /// The `event.id`s of the connection and the child process.
    events: Vec<String>,
    /// `host.id` and the services.exe `process.entity_id`.
    join_keys: Vec<String>,
}

#[derive(Deserialize)]
struct ExpectedFile {
    matches: Vec<ExpectedMatch>,
}

fn expected_matches() -> Vec<ExpectedMatch> {
    let path = package_path(EXPECTED);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: ExpectedFile =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("invalid {}: {e}", path.display()));
    file.matches
}

/// Splits an NDJSON file into its lines grouped by `labels.case`.
fn lines_by_case(relative: &str) -> BTreeMap<String, Vec<String>> {
    let path = package_path(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut cases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let event: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{relative}:{}: {e}", index + 1));
        let case = event["labels"]["case"]
            .as_str()
            .unwrap_or_else(|| panic!("{relative}:{}: no labels.case", index + 1));
        cases
            .entry(case.to_string())
            .or_default()
            .push(line.to_string());
    }
    cases
}

fn run_lines(rules: &eql::RuleSet, lines: &[String]) -> Vec<Value> {
    let events = common::read_events(rules, &lines.join("\n"));
    run_batch(rules, events)
}

/// Checks the rule header and join keys of a rendered match against its
/// events: the keys are `host.id` and the services.exe entity id, which
/// the connection carries as `process.entity_id` and the child as
/// `process.parent.entity_id`.
fn check_join_keys(found: &Value) {
    let ids = event_ids(found);
    let events = sources(found);
    assert_eq!(found["rule"]["id"], REFERENCE_RULE_ID, "rule id of {ids:?}");
    assert_eq!(
        found["rule"]["name"], REFERENCE_RULE_NAME,
        "rule name of {ids:?}"
    );
    let keys = &found["join_keys"];
    assert_eq!(keys[0], events[0]["host"]["id"], "host key of {ids:?}");
    assert_eq!(
        keys[1], events[0]["process"]["entity_id"],
        "entity key of the connection of {ids:?}"
    );
    assert_eq!(
        keys[0], events[1]["host"]["id"],
        "host key of the child of {ids:?}"
    );
    assert_eq!(
        keys[1], events[1]["process"]["parent"]["entity_id"],
        "entity key of the child of {ids:?}"
    );
}

#[test]
fn rule_file_name_and_id() {
    let (loaded, rules) = reference_rule();
    assert_eq!(loaded.source.name, REFERENCE_RULE_NAME, "rule name");
    assert_eq!(loaded.source.id, REFERENCE_RULE_ID, "rule id");
    assert_eq!(rules.rules().len(), 1, "compiled rule count");
    assert_eq!(rules.rules()[0].id, REFERENCE_RULE_ID, "compiled rule id");
    assert_eq!(loaded.source.query, V3_QUERY, "query text of version 3");
}

#[test]
fn rule_file_query_position() {
    let (loaded, _) = reference_rule();
    let text = std::fs::read_to_string(package_path(REFERENCE_RULE)).unwrap();
    let opening = text
        .lines()
        .position(|line| line == "query = '''")
        .expect("the query is a ''' string on its own line");
    // Line numbers count from 1, and the query text starts on the line
    // after the opening quotes.
    assert_eq!(loaded.query_start, (opening + 2, 1), "query start in file");
}

#[test]
fn rule_file_metadata() {
    let text = std::fs::read_to_string(package_path(REFERENCE_RULE)).unwrap();
    let file: toml::Value = toml::from_str(&text).expect("the rule file is valid TOML");
    let metadata = &file["metadata"];
    assert_eq!(metadata["creation_date"].as_str(), Some("2020/11/16"));
    assert_eq!(metadata["maturity"].as_str(), Some("production"));

    let rule = &file["rule"];
    let strings = |key: &str| -> Vec<&str> {
        rule[key]
            .as_array()
            .unwrap_or_else(|| panic!("rule.{key} is an array"))
            .iter()
            .map(|v| v.as_str().expect("a string"))
            .collect()
    };
    assert_eq!(strings("author"), ["Elastic"], "author");
    assert_eq!(
        strings("index"),
        ["logs-endpoint.events.*", "winlogbeat-*", "logs-windows.*"],
        "index patterns"
    );
    assert_eq!(
        strings("tags"),
        [
            "Elastic",
            "Host",
            "Windows",
            "Threat Detection",
            "Lateral Movement"
        ],
        "tags"
    );

    assert_eq!(rule["language"].as_str(), Some("eql"), "language");
    assert_eq!(rule["type"].as_str(), Some("eql"), "type");
    assert_eq!(rule["from"].as_str(), Some("now-9m"), "from");
    assert_eq!(rule["license"].as_str(), Some("Elastic License v2"));
    assert_eq!(rule["risk_score"].as_integer(), Some(47), "risk score");
    assert_eq!(rule["severity"].as_str(), Some("medium"), "severity");
    let description = rule["description"].as_str().expect("a description");
    assert!(
        description.starts_with("Identifies remote execution of Windows services over remote"),
        "description: {description}"
    );

    let threat = &rule["threat"][0];
    assert_eq!(threat["framework"].as_str(), Some("MITRE ATT&CK"));
    assert_eq!(threat["technique"][0]["id"].as_str(), Some("T1021"));
    assert_eq!(
        threat["technique"][0]["name"].as_str(),
        Some("Remote Services")
    );
    assert_eq!(threat["tactic"]["id"].as_str(), Some("TA0008"));
    assert_eq!(threat["tactic"]["name"].as_str(), Some("Lateral Movement"));
}

#[test]
fn matches_file_exact_pairs() {
    let (_, rules) = reference_rule();
    let expected = expected_matches();
    let found = run_batch(&rules, read_event_file(&rules, &package_path(MATCHES)));
    let found_ids: Vec<Vec<String>> = found.iter().map(event_ids).collect();
    let expected_ids: Vec<Vec<String>> = expected.iter().map(|m| m.events.clone()).collect();
    // Elasticsearch orders sequences by their last event, and the expected
    // list is written in that order.
    assert_eq!(found_ids, expected_ids, "matched event pairs, in order");
    for (found, expected) in found.iter().zip(&expected) {
        assert_eq!(
            found["join_keys"],
            serde_json::json!(expected.join_keys),
            "join keys of case {}",
            expected.case
        );
        check_join_keys(found);
    }
}

#[test]
fn matches_file_each_case_alone() {
    let (_, rules) = reference_rule();
    let expected = expected_matches();
    let cases = lines_by_case(MATCHES);
    for (case, lines) in &cases {
        let expected_pairs: Vec<Vec<String>> = expected
            .iter()
            .filter(|m| &m.case == case)
            .map(|m| m.events.clone())
            .collect();
        assert!(
            !expected_pairs.is_empty(),
            "case {case} of the matches file has no expected match"
        );
        let found: Vec<Vec<String>> = run_lines(&rules, lines).iter().map(event_ids).collect();
        assert_eq!(found, expected_pairs, "matches of case {case} run alone");
    }
    for expected in &expected {
        assert!(
            cases.contains_key(&expected.case),
            "expected case {} has no events",
            expected.case
        );
    }
}

#[test]
fn matches_file_streaming_session() {
    let (_, rules) = reference_rule();
    let expected: Vec<Vec<String>> = expected_matches()
        .iter()
        .map(|m| m.events.clone())
        .collect();
    // The file is in time order, so pushing it line by line must give the
    // batch results.
    let found = run_session(&rules, read_event_file(&rules, &package_path(MATCHES)));
    let found_ids: Vec<Vec<String>> = found.iter().map(event_ids).collect();
    assert_eq!(
        found_ids, expected,
        "matched pairs of the streaming session"
    );
}

#[test]
fn no_match_file_empty() {
    let (_, rules) = reference_rule();
    let events = read_event_file(&rules, &package_path(NO_MATCH));
    let batch = run_batch(&rules, events.clone());
    let batch_ids: Vec<Vec<String>> = batch.iter().map(event_ids).collect();
    assert!(batch_ids.is_empty(), "batch matched {batch_ids:?}");
    let streamed = run_session(&rules, events);
    let streamed_ids: Vec<Vec<String>> = streamed.iter().map(event_ids).collect();
    assert!(streamed_ids.is_empty(), "session matched {streamed_ids:?}");
}

#[test]
fn no_match_file_each_case_alone() {
    let (_, rules) = reference_rule();
    let cases = lines_by_case(NO_MATCH);
    let names: Vec<&str> = cases.keys().map(String::as_str).collect();
    assert_eq!(names, NEAR_MISS_CASES, "near-miss cases of the file");
    for (case, lines) in &cases {
        // Each near miss is one services.exe connection and one child
        // process, so it differs from a true positive in one detail only.
        assert_eq!(lines.len(), 2, "event count of case {case}");
        let found: Vec<Vec<String>> = run_lines(&rules, lines).iter().map(event_ids).collect();
        assert!(found.is_empty(), "case {case} matched {found:?}");
    }
}

/// Loads the current upstream version of the rule, or returns `None`
/// after printing why the test is skipped.
fn current_rule() -> Option<eql::RuleSet> {
    let path = shared_path("reference-rule/lateral_movement_remote_services.current.toml")?;
    let (loaded, rules) = load_rules(&path);
    assert_eq!(loaded.len(), 1, "rules in the current upstream file");
    assert_eq!(loaded[0].source.id, REFERENCE_RULE_ID, "current rule id");
    assert_eq!(
        loaded[0].source.name, REFERENCE_RULE_NAME,
        "current rule name"
    );
    assert_ne!(
        loaded[0].source.query, V3_QUERY,
        "the current query differs from version 3"
    );
    Some(rules)
}

#[test]
fn current_rule_matches_file() {
    let Some(rules) = current_rule() else { return };
    let found = run_batch(&rules, read_event_file(&rules, &package_path(MATCHES)));
    let found_ids: Vec<Vec<String>> = found.iter().map(event_ids).collect();
    // The current query drops three of version 3's matches. It requires
    // event.type == "start", which types-child with ["info",
    // "process_started"] fails, and its list of excluded executables
    // contains C:\Windows\System32\svchost.exe (svchost-child) and
    // C:\Windows\PSEXESVC.EXE (gap1000-child). The connection without
    // source.address still matches because the current query tests
    // source.ip, which that event has.
    let expected: Vec<[&str; 2]> = vec![
        ["tp-net", "tp-child"],
        ["upper-net", "upper-child"],
        ["ingress-net", "ingress-child"],
        ["noaddr-net", "noaddr-child"],
        ["msiexec-net", "msiexec-child"],
        ["ipv6-net", "ipv6-child"],
        ["twice-net", "twice-child-1"],
        ["newer-net-2", "newer-child"],
    ];
    assert_eq!(found_ids, expected, "pairs the current rule matches");
    for found in &found {
        check_join_keys(found);
    }
}

#[test]
fn current_rule_no_match_file() {
    let Some(rules) = current_rule() else { return };
    let found = run_batch(&rules, read_event_file(&rules, &package_path(NO_MATCH)));
    let found_ids: Vec<Vec<String>> = found.iter().map(event_ids).collect();
    assert!(found_ids.is_empty(), "current rule matched {found_ids:?}");
}
