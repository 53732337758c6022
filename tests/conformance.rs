//! Conformance with Elasticsearch's EQL QA suite.
//!
//! Each suite loads the QA spec files that one of Elasticsearch's test
//! classes loads and runs every query over the documents of the same
//! indices, with the request parameters the Java harness sends. It then
//! compares the ids of the returned events, and the join keys where a spec
//! lists them, with the expectations. The data comes from `../shared/conformance/es-qa` next to
//! this repository.
//!
//! Specs that are known to fail are listed in
//! `tests/conformance-known-failures.txt`, one `suite/spec_name` a line. A
//! suite test fails when a spec fails that is not listed, and when a listed
//! spec passes, so the list has to shrink as the engine improves. Run with
//! `CONFORMANCE_UPDATE_KNOWN_FAILURES=1` to rewrite the list from the
//! current results.

// The crate root of an integration test looks for modules next to itself,
// so the helpers in tests/conformance/ need explicit paths.
#[path = "conformance/data.rs"]
mod data;
#[path = "conformance/spec.rs"]
mod spec;

use data::{load_corpus, Corpus, IndexSource, Transform};
use eql::compiler::{OwnedValue, Value};
use eql::{Match, MatchEvent, Options, ResultPosition, RuleSet};
use spec::{load_spec_files, Spec};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The `size` the Java harness sends when a spec has none.
const DEFAULT_SIZE: u64 = 50;

const KNOWN_FAILURES_FILE: &str = "tests/conformance-known-failures.txt";
const UPDATE_VARIABLE: &str = "CONFORMANCE_UPDATE_KNOWN_FAILURES";

/// One suite: the spec files one Elasticsearch test class loads and the
/// indices it searches.
struct SuiteDefinition {
    name: &'static str,
    spec_files: &'static [&'static str],
    indices: &'static [IndexSource],
    tiebreaker: Option<&'static str>,
    /// The `_source` field whose value identifies an event in
    /// `expected_event_ids`.
    id_field: &'static str,
}

const ENDGAME: IndexSource = IndexSource {
    data: "test_data.json",
    mapping: "data/endgame-140.mapping",
    transform: Transform::EndgameMillis,
};

const ENDGAME_NANOS: IndexSource = IndexSource {
    data: "test_data.json",
    mapping: "data/endgame-140-nanos.mapping",
    transform: Transform::EndgameNanos,
};

const fn plain_index(data: &'static str, mapping: &'static str) -> IndexSource {
    IndexSource {
        data,
        mapping,
        transform: Transform::None,
    }
}

const SUITES: &[SuiteDefinition] = &[
    SuiteDefinition {
        name: "endgame",
        spec_files: &[
            "test_queries.toml",
            "additional_test_queries.toml",
            "test_queries_date.toml",
        ],
        indices: &[ENDGAME],
        tiebreaker: Some("serial_event_id"),
        id_field: "serial_event_id",
    },
    SuiteDefinition {
        name: "endgame_nanos",
        spec_files: &["test_queries_date_nanos.toml", "test_queries.toml"],
        indices: &[ENDGAME_NANOS],
        tiebreaker: Some("serial_event_id"),
        id_field: "serial_event_id",
    },
    SuiteDefinition {
        name: "extra",
        spec_files: &["test_extra.toml"],
        indices: &[plain_index("data/extra.data", "data/extra.mapping")],
        tiebreaker: Some("sequence"),
        id_field: "sequence",
    },
    SuiteDefinition {
        name: "missing_events",
        spec_files: &["test_missing_events.toml"],
        indices: &[plain_index(
            "data/missing-events.data",
            "data/missing-events.mapping",
        )],
        tiebreaker: Some("sequence"),
        id_field: "sequence",
    },
    SuiteDefinition {
        name: "sample",
        spec_files: &["test_sample.toml"],
        indices: &[
            plain_index("data/sample1.data", "data/sample1.mapping"),
            plain_index("data/sample2.data", "data/sample2.mapping"),
            plain_index("data/sample3.data", "data/sample3.mapping"),
        ],
        tiebreaker: None,
        id_field: "id",
    },
    SuiteDefinition {
        name: "sample_multi",
        spec_files: &["test_sample_multi.toml"],
        indices: &[plain_index(
            "data/sample-multi.data",
            "data/sample-multi.mapping",
        )],
        tiebreaker: None,
        id_field: "id",
    },
];

/// The suite that is not run, and why.
const SKIPPED_SUITE: (&str, &str) = (
    "failing_shards",
    "skipped: it checks partial results when some shards of a distributed \
     search fail, and a single-process engine has no shards",
);

/// The results of one suite, in spec order.
struct SuiteOutcome {
    name: &'static str,
    /// Every spec name, with its failure description when it failed.
    specs: Vec<(String, Option<String>)>,
}

impl SuiteOutcome {
    fn failed(&self) -> impl Iterator<Item = &str> {
        self.specs
            .iter()
            .filter(|(_, failure)| failure.is_some())
            .map(|(name, _)| name.as_str())
    }
}

/// Runs every suite once per test process and prints the summary. Each
/// suite test reads its own part, and `None` means the QA data is absent.
fn outcomes() -> Option<&'static [SuiteOutcome]> {
    static OUTCOMES: OnceLock<Option<Vec<SuiteOutcome>>> = OnceLock::new();
    OUTCOMES.get_or_init(run_all_suites).as_deref()
}

fn qa_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/es-qa")
}

fn run_all_suites() -> Option<Vec<SuiteOutcome>> {
    let root = qa_root();
    if !root.is_dir() {
        let message = "conformance: skipped, ../shared/conformance not found";
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        println!("{message}");
        return None;
    }
    let mut outcomes = Vec::new();
    for suite in SUITES {
        let outcome = run_suite(&root, suite);
        let failed = outcome.failed().count();
        println!(
            "{}: {} passed, {failed} failed",
            suite.name,
            outcome.specs.len() - failed
        );
        outcomes.push(outcome);
    }
    println!("{}: {}", SKIPPED_SUITE.0, SKIPPED_SUITE.1);
    let total: usize = outcomes.iter().map(|o| o.specs.len()).sum();
    let failed: usize = outcomes.iter().map(|o| o.failed().count()).sum();
    println!("conformance: {} passed, {failed} failed", total - failed);
    if std::env::var_os(UPDATE_VARIABLE).is_some() {
        write_known_failures(&outcomes);
    }
    Some(outcomes)
}

fn run_suite(root: &Path, suite: &SuiteDefinition) -> SuiteOutcome {
    let corpus = load_corpus(root, suite.indices, suite.id_field)
        .unwrap_or_else(|e| panic!("suite {}: cannot load the data: {e}", suite.name));
    let spec_paths: Vec<PathBuf> = suite.spec_files.iter().map(|f| root.join(f)).collect();
    let spec_paths: Vec<&Path> = spec_paths.iter().map(PathBuf::as_path).collect();
    let specs = load_spec_files(&spec_paths)
        .unwrap_or_else(|e| panic!("suite {}: cannot load the specs: {e}", suite.name));
    let mut results = Vec::with_capacity(specs.len());
    for spec in &specs {
        let result = catch_unwind(AssertUnwindSafe(|| run_spec(suite, &corpus, spec)))
            .unwrap_or_else(|payload| Err(format!("panic: {}", panic_message(&*payload))));
        if let Err(failure) = &result {
            println!("  FAIL {}/{}: {failure}", suite.name, spec.name);
            println!("       query: {}", one_line(&spec.query));
        }
        results.push((spec.name.clone(), result.err()));
    }
    SuiteOutcome {
        name: suite.name,
        specs: results,
    }
}

/// Runs one spec and returns why it failed, if it did.
fn run_spec(suite: &SuiteDefinition, corpus: &Corpus, spec: &Spec) -> Result<(), String> {
    let mut options = Options::new()
        .timestamp_field("@timestamp")
        .tiebreaker_field(suite.tiebreaker)
        .event_category_field("event.category")
        .size(Some(spec.size.unwrap_or(DEFAULT_SIZE)))
        .result_position(ResultPosition::Head)
        .schema(Some(corpus.schema.clone()));
    if let Some(max) = spec.max_samples_per_key {
        options = options.max_samples_per_key(max);
    }

    let rules = RuleSet::single(&spec.query, options)
        .map_err(|e| format!("compile error: {}", one_line(&e.to_string())))?;
    let mut reader = rules.reader();
    let mut events = Vec::with_capacity(corpus.documents.len());
    for document in &corpus.documents {
        let event = reader
            .read_value(&document.json, document.source.clone())
            .map_err(|e| format!("document {} could not be read: {e}", document.id))?;
        events.push(event);
    }
    let matches = rules.run_batch(events);

    let ids = extract_ids(corpus, &matches);
    let id_mismatch = !spec.expected_ids.contains(&ids);
    let keys = render_join_keys(&matches);
    let keys_mismatch = !spec.join_keys.is_empty() && keys != spec.join_keys;
    if !id_mismatch && !keys_mismatch {
        return Ok(());
    }

    let mut failure = String::new();
    if id_mismatch {
        let expected: Vec<String> = spec.expected_ids.iter().map(|l| format!("{l:?}")).collect();
        write!(
            failure,
            "ids expected {}, actual {ids:?}",
            expected.join(" or ")
        )
        .unwrap();
    }
    if keys_mismatch {
        if !failure.is_empty() {
            failure.push_str("; ");
        }
        write!(
            failure,
            "join keys expected {:?}, actual {keys:?}",
            spec.join_keys
        )
        .unwrap();
    }
    Err(failure)
}

/// Maps every returned event to its id, in response order, with -1 for a
/// missing-event placeholder.
fn extract_ids(corpus: &Corpus, matches: &[Match]) -> Vec<i64> {
    let mut ids = Vec::new();
    for result in matches {
        for event in &result.events {
            let id = match event {
                MatchEvent::Missing => -1,
                MatchEvent::Event(event) => {
                    // The reader numbers events in input order from 0, and
                    // the input is the document list, so `seq` indexes it.
                    let document = usize::try_from(event.seq)
                        .ok()
                        .and_then(|seq| corpus.documents.get(seq))
                        .filter(|d| std::sync::Arc::ptr_eq(&d.source, &event.source))
                        .expect(
                            "Event::seq does not point at the document the event was read from",
                        );
                    document.id
                }
            };
            ids.push(id);
        }
    }
    ids
}

/// Renders every join key as the Java harness compares it, flattened in
/// response order. The engine already renders date keys the way
/// Elasticsearch does (ISO 8601 in sequences, epoch milliseconds in samples).
fn render_join_keys(matches: &[Match]) -> Vec<String> {
    matches
        .iter()
        .flat_map(|result| result.join_keys.iter().map(render_value))
        .collect()
}

/// Renders a value as the Java harness compares it: a string unchanged,
/// null as "null", other scalars in their plain form.
fn render_value(value: &OwnedValue) -> String {
    match value {
        Value::Str(text) => text.to_string(),
        other => other.to_string(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_string()
    }
}

/// Collapses a query or message to one line for the failure listing.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the known-failures list into `suite/spec_name` entries, each with
/// the comment that followed it on its line.
fn read_known_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(KNOWN_FAILURES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    let mut entries = BTreeMap::new();
    for line in text.lines() {
        let (entry, comment) = line.split_once('#').unwrap_or((line, ""));
        let entry = entry.trim();
        if !entry.is_empty() {
            entries.insert(entry.to_string(), comment.trim().to_string());
        }
    }
    entries
}

/// Rewrites the known-failures list with the current failures, keeping the
/// comment of every entry that still fails.
fn write_known_failures(outcomes: &[SuiteOutcome]) {
    let previous = read_known_failures();
    let mut text = String::from(
        "# Conformance specs that fail today, as `suite/spec_name`, with an\n\
         # optional `# cause` after the entry. tests/conformance.rs fails when a\n\
         # spec fails that is not listed here, and when a listed spec passes.\n\
         # CONFORMANCE_UPDATE_KNOWN_FAILURES=1 cargo test --test conformance\n\
         # rewrites this file from the current results.\n",
    );
    for outcome in outcomes {
        let mut failed = outcome.failed().peekable();
        if failed.peek().is_some() {
            writeln!(text, "\n# {}", outcome.name).unwrap();
        }
        for name in failed {
            let entry = format!("{}/{name}", outcome.name);
            match previous.get(&entry).filter(|c| !c.is_empty()) {
                Some(comment) => writeln!(text, "{entry}  # {comment}").unwrap(),
                None => writeln!(text, "{entry}").unwrap(),
            }
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(KNOWN_FAILURES_FILE);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    println!("conformance: rewrote {}", path.display());
}

/// Compares one suite's failures with the known-failures list.
fn check_suite(name: &str) {
    let Some(outcomes) = outcomes() else {
        return;
    };
    let outcome = outcomes
        .iter()
        .find(|o| o.name == name)
        .expect("every suite test names a suite of SUITES");
    let prefix = format!("{name}/");
    let listed: HashSet<String> = read_known_failures()
        .into_keys()
        .filter(|entry| entry.starts_with(&prefix))
        .collect();
    let failed: HashSet<String> = outcome
        .failed()
        .map(|spec| format!("{prefix}{spec}"))
        .collect();
    let mut regressions: Vec<&String> = failed.difference(&listed).collect();
    let mut now_passing: Vec<&String> = listed.difference(&failed).collect();
    regressions.sort();
    now_passing.sort();
    assert!(
        regressions.is_empty() && now_passing.is_empty(),
        "suite {name} differs from {KNOWN_FAILURES_FILE}\n\
         failing but not listed (regressions): {regressions:#?}\n\
         listed but not failing (remove them from the list): {now_passing:#?}\n\
         Fix the engine, or edit the list, or rerun with {UPDATE_VARIABLE}=1 to rewrite it."
    );
}

#[test]
fn suite_endgame() {
    check_suite("endgame");
}

#[test]
fn suite_endgame_nanos() {
    check_suite("endgame_nanos");
}

#[test]
fn suite_extra() {
    check_suite("extra");
}

#[test]
fn suite_missing_events() {
    check_suite("missing_events");
}

#[test]
fn suite_sample() {
    check_suite("sample");
}

#[test]
fn suite_sample_multi() {
    check_suite("sample_multi");
}

#[test]
fn suite_failing_shards() {
    println!("{}: {}", SKIPPED_SUITE.0, SKIPPED_SUITE.1);
}

#[test]
fn known_failures_name_existing_suites() {
    let suites: HashSet<&str> = SUITES.iter().map(|s| s.name).collect();
    let unknown: Vec<String> = read_known_failures()
        .into_keys()
        .filter(|entry| {
            let suite = entry.split_once('/').map_or(entry.as_str(), |(s, _)| s);
            !suites.contains(suite)
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "{KNOWN_FAILURES_FILE} lists entries of no known suite (expected `suite/spec_name` with a suite of {suites:?}): {unknown:?}"
    );
}
