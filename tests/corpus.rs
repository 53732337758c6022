//! Loads and compiles every EQL rule of Elastic's detection-rules
//! repository, the same way `hunt --rules DIR --check` does.
//!
//! The rules live outside the repository (see `shared_corpus`), as TOML
//! files and as the same rules in JSON lines. When they are absent the
//! tests print that they were skipped and pass, unless the environment
//! variable `CI` is set, in which case they fail.
//!
//! Rules that do not compile yet are listed in
//! `tests/corpus-known-failures.txt`, one path per line relative to the
//! detection-rules folder. A test fails both on a new failure and on a
//! listed rule that now compiles, so the list stays exact.

mod common;

use eql::rules::{LoadReport, LoadedRule};
use eql::{Options, RuleSet, RuleSource};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// EQL rule files in the corpus: 820 current rules plus 57 deprecated ones
/// under `rules/_deprecated`.
const EQL_RULES: usize = 877;
const DEPRECATED_RULES: usize = 57;

/// Rule files in other languages or of other types, which the loader must
/// skip: four `kuery` rules and one `machine_learning` rule.
const SKIPPED_FILES: usize = 5;
const SKIPPED_KUERY: usize = 4;

/// Rows of `eql-rules.jsonl`, which contains the current rules only.
const JSONL_ROWS: usize = 820;

fn shared_corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("detection-rules").is_dir() {
        return Some(dir);
    }
    let message = format!("detection-rules corpus {} not found", dir.display());
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI is set, so the corpus is required");
    }
    println!("skipped: {message}");
    None
}

fn load_folder(corpus: &Path) -> (LoadReport, Duration) {
    let started = Instant::now();
    let mut report = LoadReport::default();
    report.load(&corpus.join("detection-rules"));
    (report, started.elapsed())
}

/// Returns a rule's path relative to the detection-rules folder, with `/`
/// separators, as the known-failures file and `eql-rules.jsonl` write it.
fn relative_path(corpus: &Path, path: &Path) -> String {
    let base = corpus.join("detection-rules");
    let relative = path.strip_prefix(&base).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn sources(rules: &[LoadedRule]) -> Vec<RuleSource> {
    rules.iter().map(|rule| rule.source.clone()).collect()
}

/// Compiles the rules as one set and returns the rendered error of each
/// rule that failed, keyed by its relative path.
fn compile_failures(corpus: &Path, rules: &[LoadedRule]) -> BTreeMap<String, String> {
    let by_id: HashMap<&str, &LoadedRule> = rules
        .iter()
        .map(|rule| (rule.source.id.as_str(), rule))
        .collect();
    let Err(errors) = RuleSet::new(&sources(rules), Options::new()) else {
        return BTreeMap::new();
    };
    errors
        .iter()
        .map(|error| {
            let rule = by_id
                .get(error.rule_id.as_str())
                .unwrap_or_else(|| panic!("error names unknown rule id {}", error.rule_id));
            (relative_path(corpus, &rule.path), rule.render_error(error))
        })
        .collect()
}

/// Asserts that `failures` are exactly the known failures among the rules
/// in `checked`, and prints every failure with its rendered error.
fn check_against_known(
    label: &str,
    failures: &BTreeMap<String, String>,
    checked: &BTreeSet<String>,
) {
    let known: BTreeSet<String> = common::read_known_failures("tests/corpus-known-failures.txt")
        .into_iter()
        .filter(|path| checked.contains(path))
        .collect();
    for (path, rendered) in failures {
        let status = if known.contains(path) { "known" } else { "NEW" };
        println!("{label}: {status} failure {path}\n{rendered}\n");
    }
    let new: Vec<&String> = failures.keys().filter(|p| !known.contains(*p)).collect();
    let fixed: Vec<&String> = known
        .iter()
        .filter(|p| !failures.contains_key(*p))
        .collect();
    println!(
        "{label}: {} of {} rules failed to compile ({} known)",
        failures.len(),
        checked.len(),
        known.len()
    );
    assert!(
        new.is_empty(),
        "{label}: rules that fail to compile but are not in tests/corpus-known-failures.txt: {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "{label}: rules that now compile; remove them from tests/corpus-known-failures.txt: {fixed:?}"
    );
}

#[test]
fn folder_counts() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let (report, elapsed) = load_folder(&corpus);
    println!(
        "loaded {} rules, skipped {} files in {:.1} ms",
        report.rules.len(),
        report.skipped.len(),
        elapsed.as_secs_f64() * 1e3
    );
    for skipped in &report.skipped {
        println!("skipped {}: {}", skipped.path.display(), skipped.reason);
    }

    let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "files that failed to load: {errors:#?}");
    assert_eq!(report.rules.len(), EQL_RULES, "EQL rules found");
    assert_eq!(report.skipped.len(), SKIPPED_FILES, "non-EQL files skipped");

    let kuery = report
        .skipped
        .iter()
        .filter(|s| s.reason == "language [kuery]")
        .count();
    assert_eq!(kuery, SKIPPED_KUERY, "kuery files skipped");
    let machine_learning = report
        .skipped
        .iter()
        .filter(|s| s.reason == "rule type [machine_learning]")
        .count();
    assert_eq!(machine_learning, 1, "machine_learning files skipped");

    let deprecated = report
        .rules
        .iter()
        .filter(|r| relative_path(&corpus, &r.path).starts_with("rules/_deprecated/"))
        .count();
    assert_eq!(deprecated, DEPRECATED_RULES, "deprecated EQL rules found");

    // Errors are matched back to files by rule id, so ids must be unique.
    let ids: BTreeSet<&str> = report.rules.iter().map(|r| r.source.id.as_str()).collect();
    assert_eq!(ids.len(), report.rules.len(), "distinct rule ids");
}

#[test]
fn folder_compiles() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let (report, load_time) = load_folder(&corpus);
    assert!(!report.rules.is_empty(), "the corpus folder holds no rules");

    let started = Instant::now();
    let failures = compile_failures(&corpus, &report.rules);
    let compile_time = started.elapsed();
    println!(
        "whole folder: loaded {} rules in {:.1} ms, compiled them in {:.1} ms",
        report.rules.len(),
        load_time.as_secs_f64() * 1e3,
        compile_time.as_secs_f64() * 1e3
    );

    let longest = report
        .rules
        .iter()
        .max_by_key(|r| r.source.query.len())
        .expect("the corpus holds rules");
    let started = Instant::now();
    let longest_result = RuleSet::new(std::slice::from_ref(&longest.source), Options::new());
    println!(
        "longest rule: {} ({} bytes of query) compiled in {:.1} ms",
        relative_path(&corpus, &longest.path),
        longest.source.query.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    // The longest rule is one list of about 5,600 tokens, so it checks that
    // the parser handles long lists. Whether it compiles is checked with
    // the other rules below.
    assert!(
        longest.source.query.len() > 40_000,
        "longest query is {} bytes; expected the ~47 kB masquerading rule",
        longest.source.query.len()
    );
    assert_eq!(
        longest_result.is_err(),
        failures.contains_key(&relative_path(&corpus, &longest.path)),
        "compiling the longest rule alone and within the folder disagree"
    );

    let checked: BTreeSet<String> = report
        .rules
        .iter()
        .map(|r| relative_path(&corpus, &r.path))
        .collect();
    let stale: Vec<String> = common::read_known_failures("tests/corpus-known-failures.txt")
        .into_iter()
        .filter(|path| !checked.contains(path))
        .collect();
    assert!(
        stale.is_empty(),
        "tests/corpus-known-failures.txt lists paths that are no EQL rule of the folder: {stale:?}"
    );
    check_against_known("folder", &failures, &checked);
}

#[derive(serde::Deserialize)]
struct JsonlRule {
    path: String,
    rule_id: String,
    name: String,
    query: String,
}

#[test]
fn jsonl_matches_folder() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let file = corpus.join("eql-rules.jsonl");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", file.display()));
    let rows: Vec<JsonlRule> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: invalid row: {e}", file.display(), i + 1))
        })
        .collect();
    assert_eq!(rows.len(), JSONL_ROWS, "rows in eql-rules.jsonl");

    // Each row must be the same rule, with the same query text, as the
    // TOML file it names, so both forms of the corpus test the same thing.
    let (report, _) = load_folder(&corpus);
    let by_path: HashMap<String, &LoadedRule> = report
        .rules
        .iter()
        .map(|r| (relative_path(&corpus, &r.path), r))
        .collect();
    for row in &rows {
        let rule = by_path
            .get(&row.path)
            .unwrap_or_else(|| panic!("{}: no such EQL rule in the folder", row.path));
        assert_eq!(row.rule_id, rule.source.id, "{}: rule_id", row.path);
        assert_eq!(row.name, rule.source.name, "{}: name", row.path);
        assert_eq!(row.query, rule.source.query, "{}: query", row.path);
    }

    let sources: Vec<RuleSource> = rows
        .iter()
        .map(|row| RuleSource::new(&row.path, &row.name, &row.query))
        .collect();
    let failures: BTreeMap<String, String> = match RuleSet::new(&sources, Options::new()) {
        Ok(_) => BTreeMap::new(),
        Err(errors) => errors
            .iter()
            .map(|e| (e.rule_id.clone(), format!("{e}\n{}", e.render())))
            .collect(),
    };
    let checked: BTreeSet<String> = rows.iter().map(|row| row.path.clone()).collect();
    check_against_known("eql-rules.jsonl", &failures, &checked);
}

/// The rule whose file the position test breaks. Its query is in a
/// multi-line literal string (`'''`), like every rule in the corpus.
const BROKEN_RULE: &str = "rules/windows/lateral_movement_dcom_shellwindow_shellbrowserwindow.toml";

/// Replaces the value of `query = '''...'''` in a rule file with
/// `new_value`, which must include its own TOML quotes, and returns the new
/// text with the 1-based line on which the `query` key now sits.
fn replace_query(text: &str, new_value: &str) -> (String, usize) {
    let key = "query = '''";
    let start = text.find(key).expect("the rule file has query = '''");
    let body = start + key.len();
    let end = body
        + text[body..]
            .find("'''")
            .expect("the query string is closed")
        + 3;
    let replaced = format!("{}query = {new_value}{}", &text[..start], &text[end..]);
    let line = text[..start].matches('\n').count() + 1;
    (replaced, line)
}

/// Writes `text` as a rule file in a fresh temporary folder, loads and
/// compiles it, and returns its path with the rendered compile error.
fn compile_broken(name: &str, text: &str) -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("create the temporary folder");
    let path = dir.join("broken.toml");
    std::fs::write(&path, text).expect("write the broken rule file");

    let mut report = LoadReport::default();
    report.load(&dir);
    assert!(report.errors.is_empty(), "load errors: {:?}", report.errors);
    assert_eq!(report.rules.len(), 1, "rules loaded from the broken file");
    let rule = &report.rules[0];
    let errors = match RuleSet::new(&sources(&report.rules), Options::new()) {
        Ok(_) => panic!("the broken query compiled:\n{}", rule.source.query),
        Err(errors) => errors,
    };
    assert_eq!(errors.len(), 1, "errors for one broken rule");
    (path, rule.render_error(&errors[0]))
}

/// Asserts that a rendered error starts with `path:line:column:`, shows
/// file line `line` in its gutter, and puts the caret under `token`.
///
/// The rendered line is the query's own line, without any TOML text before
/// the query on that line, so the caret is checked against the token rather
/// than against the file column.
fn assert_points_at(rendered: &str, path: &Path, line: usize, column: usize, token: &str) {
    println!("{rendered}");
    let header = format!("{}:{line}:{column}: ", path.display());
    assert!(
        rendered.starts_with(&header),
        "expected the error to start with [{header}], got:\n{rendered}"
    );
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(lines.len(), 3, "header, source line and caret line");
    let gutter = format!("{line} | ");
    assert!(
        lines[1].starts_with(&gutter),
        "source line should start with [{gutter}]: {}",
        lines[1]
    );
    let token_at = lines[1]
        .find(token)
        .expect("the source line shows the token");
    let caret_at = lines[2].find('^').expect("the caret line has a caret");
    assert_eq!(caret_at, token_at, "caret offset in [{}]", lines[2]);
}

#[test]
fn broken_rule_position() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let original_path = corpus.join("detection-rules").join(BROKEN_RULE);
    let original = std::fs::read_to_string(&original_path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", original_path.display()));

    // In a multi-line string the query starts on the line after `'''`, so
    // the unknown function on query line 3 sits on file line key + 3.
    let multi_line = "'''\nprocess where host.os.type == \"windows\" and\n  process.name : \"explorer.exe\" and\n  no_such_function(process.args)\n'''";
    let (text, key_line) = replace_query(&original, multi_line);
    let (path, rendered) = compile_broken("broken-multi-line", &text);
    assert_points_at(&rendered, &path, key_line + 3, 3, "no_such_function");

    // In a one-line string the query starts after `query = "`, so the
    // column is offset by those 9 characters.
    let one_line = "\"process where no_such_function(process.args)\"";
    let (text, key_line) = replace_query(&original, one_line);
    let (path, rendered) = compile_broken("broken-one-line", &text);
    let column = "query = \"".len() + "process where ".len() + 1;
    assert_points_at(&rendered, &path, key_line, column, "no_such_function");
}
