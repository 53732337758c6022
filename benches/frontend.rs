//! Benchmarks of the parser and the compiler: the reference rule, a
//! generated 1,000-clause `or` chain, the longest rule of the
//! detection-rules corpus, and compiling the whole corpus into one rule set.
//!
//! Run with `cargo bench --bench frontend`; `docs/benchmarks.md` records a
//! run. The corpus benchmarks read `eql-rules.jsonl` from the shared folder
//! beside the repository and are skipped with a message when it is absent.

mod settings;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use eql::compiler::{Compiler, FieldTable};
use eql::{Options, RuleSet, RuleSource};
use std::hint::black_box;
use std::time::Duration;

const REFERENCE_QUERY: &str = include_str!("reference_rule.eql");

/// Detection rules as JSON lines, one object with a `query` key per line.
const CORPUS_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/eql-rules.jsonl"
);

const OR_CLAUSES: usize = 1_000;

/// The measurement time of benchmarks whose iterations take milliseconds.
const SLOW_MEASUREMENT_TIME: Duration = Duration::from_secs(6);

/// Benchmarks parsing, compiling, and both, of one query under `name`.
fn bench_query(c: &mut Criterion, name: &str, query: &str) {
    bench_query_with(c, name, query, false);
}

/// Like [`bench_query`], for a query that takes milliseconds to compile:
/// flat sampling runs every sample the same number of times, so 20 samples
/// fit in the measurement time.
fn bench_slow_query(c: &mut Criterion, name: &str, query: &str) {
    bench_query_with(c, name, query, true);
}

fn bench_query_with(c: &mut Criterion, name: &str, query: &str, slow: bool) {
    let statement = eql::parser::parse(query)
        .unwrap_or_else(|e| panic!("the {name} query does not parse: {e}"));
    Compiler::new(&mut FieldTable::new(), None)
        .compile(&statement, query)
        .unwrap_or_else(|e| panic!("the {name} query does not compile: {e}"));

    let mut group = c.benchmark_group(name);
    if slow {
        group.sampling_mode(SamplingMode::Flat);
        group.measurement_time(SLOW_MEASUREMENT_TIME);
    }
    group.bench_function("parse", |b| b.iter(|| eql::parser::parse(black_box(query))));
    group.bench_function("compile", |b| {
        b.iter(|| {
            // Each iteration starts from an empty field table, as a new rule
            // set does.
            let mut fields = FieldTable::new();
            Compiler::new(&mut fields, None).compile(black_box(&statement), query)
        })
    });
    group.bench_function("parse_compile", |b| {
        b.iter(|| {
            let statement = eql::parser::parse(black_box(query)).expect("parsed above");
            let mut fields = FieldTable::new();
            Compiler::new(&mut fields, None).compile(&statement, query)
        })
    });
    group.finish();
}

fn bench_reference_rule(c: &mut Criterion) {
    bench_query(c, "reference_rule", REFERENCE_QUERY);
}

/// A kind of clause in a generated `or` chain.
#[derive(Clone, Copy)]
enum Clause {
    /// `process.name : "toolN.exe"`: a case-insensitive equality.
    Colon,
    /// `process.pid == N`: an integer comparison.
    IntegerEquals,
    /// `process.command_line like~ "*--flagN*"`: a wildcard pattern.
    Wildcard,
}

impl Clause {
    const ALL: [Clause; 3] = [Clause::Colon, Clause::IntegerEquals, Clause::Wildcard];

    fn name(self) -> &'static str {
        match self {
            Clause::Colon => "colon",
            Clause::IntegerEquals => "integer_equals",
            Clause::Wildcard => "wildcard",
        }
    }

    fn render(self, index: usize) -> String {
        match self {
            Clause::Colon => format!("process.name : \"tool{index}.exe\""),
            Clause::IntegerEquals => format!("process.pid == {index}"),
            Clause::Wildcard => format!("process.command_line like~ \"*--flag{index}*\""),
        }
    }
}

/// Builds `process where C0 or C1 or ...` with `count` clauses, taking
/// their kinds from `kinds` in turn.
fn or_chain_query(count: usize, kinds: &[Clause]) -> String {
    let mut query = String::from("process where ");
    for index in 0..count {
        if index > 0 {
            query.push_str(" or ");
        }
        query.push_str(&kinds[index % kinds.len()].render(index));
    }
    query
}

fn bench_or_chain(c: &mut Criterion) {
    // Mixed kinds keep the compiler from merging all clauses into one set
    // lookup.
    let query = or_chain_query(OR_CLAUSES, &Clause::ALL);
    bench_slow_query(c, "or_chain_1000", &query);

    // One kind per chain shows which kind of clause the compile time of
    // the mixed chain comes from.
    let mut group = c.benchmark_group("or_chain_1000_compile");
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(SLOW_MEASUREMENT_TIME);
    for kind in Clause::ALL {
        let query = or_chain_query(OR_CLAUSES, &[kind]);
        let statement = eql::parser::parse(&query).expect("the generated chain parses");
        group.bench_function(kind.name(), |b| {
            b.iter(|| {
                let mut fields = FieldTable::new();
                Compiler::new(&mut fields, None).compile(black_box(&statement), &query)
            })
        });
    }
    group.finish();
}

/// Returns the corpus queries, or `None` after printing why they are
/// missing.
fn corpus_queries() -> Option<Vec<String>> {
    let text = match std::fs::read_to_string(CORPUS_PATH) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("skipping the corpus benchmarks: cannot read {CORPUS_PATH}: {e}");
            return None;
        }
    };
    let mut queries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rule: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{CORPUS_PATH}:{}: invalid JSON: {e}", number + 1));
        match rule["query"].as_str() {
            Some(query) => queries.push(query.to_string()),
            None => panic!("{CORPUS_PATH}:{}: no string `query` key", number + 1),
        }
    }
    Some(queries)
}

fn bench_corpus(c: &mut Criterion) {
    let Some(queries) = corpus_queries() else {
        return;
    };
    let longest = queries
        .iter()
        .max_by_key(|query| query.len())
        .expect("the corpus is not empty");
    bench_slow_query(c, "longest_corpus_rule", longest);

    // The rule set takes only the rules this engine accepts, because one
    // failure makes the whole set fail.
    let sources: Vec<RuleSource> = queries
        .iter()
        .enumerate()
        .map(|(index, query)| RuleSource::new(index.to_string(), index.to_string(), query.as_str()))
        .filter(|source| RuleSet::new(std::slice::from_ref(source), Options::new()).is_ok())
        .collect();
    eprintln!(
        "corpus: {} of {} rules compile and go into the rule set benchmark",
        sources.len(),
        queries.len()
    );
    let mut group = c.benchmark_group("corpus");
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(SLOW_MEASUREMENT_TIME);
    group.bench_function("rule_set_new", |b| {
        b.iter(|| {
            RuleSet::new(black_box(&sources), Options::new()).expect("each rule compiled alone")
        })
    });
    group.finish();
}

criterion_group! {
    name = frontend;
    config = settings::config();
    targets = bench_reference_rule, bench_or_chain, bench_corpus
}
criterion_main!(frontend);
