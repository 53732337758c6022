//! Checks the examples that `docs/language.md` quotes: each test runs the
//! queries of one section over small events and asserts the results and
//! error messages the page states. When a test here fails, the engine and
//! the page disagree, so fix whichever is wrong.

use eql::{Match, MatchEvent, Options, ResultPosition, RuleSet, Schema};
use serde_json::{json, Value};

/// Compiles `query`, panicking with the rendered error when it fails.
fn compile(query: &str, options: Options) -> RuleSet {
    RuleSet::single(query, options).unwrap_or_else(|e| panic!("{query}:\n{}", e.render()))
}

/// Returns the compile or parse error message of a query that must fail.
fn error(query: &str, options: Options) -> String {
    match RuleSet::single(query, options) {
        Ok(_) => panic!("{query}: compiled, but the page says it is rejected"),
        Err(e) => e.message(),
    }
}

/// Asserts that `query` is rejected with a message containing `expected`.
fn assert_rejected(query: &str, expected: &str) {
    let message = error(query, Options::new());
    assert!(
        message.contains(expected),
        "{query}: message {message:?} lacks {expected:?}"
    );
}

/// Returns the `id` of each event of a match, `None` for a missing-event
/// placeholder.
fn match_ids(m: &Match) -> Vec<Option<i64>> {
    m.events
        .iter()
        .map(|e| match e {
            MatchEvent::Event(event) => {
                let source: Value = serde_json::from_str(&event.source).expect("event JSON");
                Some(source["id"].as_i64().expect("every test event has an id"))
            }
            MatchEvent::Missing => None,
        })
        .collect()
}

/// Reads JSON events with the rule set's reader.
fn read(rules: &RuleSet, events: &[Value]) -> Vec<eql::Event> {
    let mut reader = rules.reader();
    events
        .iter()
        .map(|e| reader.read_line(&e.to_string()).expect("valid event"))
        .collect()
}

/// Runs a query over events with the batch API and returns the matches.
fn run_with(query: &str, events: &[Value], options: Options) -> Vec<Match> {
    let rules = compile(query, options);
    rules.run_batch(read(&rules, events))
}

/// Returns the event ids of each match, in result order.
fn results(query: &str, events: &[Value], options: Options) -> Vec<Vec<Option<i64>>> {
    run_with(query, events, options)
        .iter()
        .map(match_ids)
        .collect()
}

/// Returns the ids of the events an event query matches.
fn matching(query: &str, events: &[Value]) -> Vec<i64> {
    results(query, events, Options::new())
        .into_iter()
        .map(|m| m[0].expect("event queries have no placeholders"))
        .collect()
}

/// Returns the ids an event query matches with a schema.
fn matching_with(query: &str, events: &[Value], options: Options) -> Vec<i64> {
    results(query, events, options)
        .into_iter()
        .map(|m| m[0].expect("event queries have no placeholders"))
        .collect()
}

/// Returns true when a query that folds to a constant holds, by running it
/// over one empty event.
fn holds(condition: &str) -> bool {
    let events = [json!({"id": 1, "@timestamp": 1})];
    !matching(&format!("any where {condition}"), &events).is_empty()
}

fn schema(mapping: Value) -> Options {
    Options::new().schema(Some(Schema::from_mapping(&mapping).expect("valid mapping")))
}

#[test]
fn lexical_comments_strings_names() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "w": "C:\\Windows", "t": "C:\temp",
               "my`x": 1, "sequence": 20}),
        json!({"id": 2, "@timestamp": 2}),
    ];
    assert_eq!(
        matching("any where /* a /* b */ c */ w != null // end", &events),
        [1]
    );
    assert_eq!(matching(r#"any where w == "C:\Windows""#, &events), [1]);
    assert_eq!(matching(r#"any where t == "C:\temp""#, &events), [1]);
    assert_eq!(matching(r#"any where w == """C:\Windows""""#, &events), [1]);
    assert_eq!(matching("any where `my``x` == 1", &events), [1]);
    assert_eq!(matching("any where `sequence` == 20", &events), [1]);
    assert!(holds(r#""\u{41}" == "A""#));
    assert!(holds(r#""""a"""" == "a\"""#));
    assert!(holds(r#""a\u{1F600}" == "a😀""#));
}

#[test]
fn lexical_errors() {
    let cases = [
        (
            "any where x == 'a'",
            "use double quotes [\"] to define string literals, not single quotes [']",
        ),
        (
            "any where x == ?\"a\"",
            "use triple double quotes [\"\"\"] to define unescaped string literals, not [?\"]",
        ),
        (
            r#"any where x == "\u{1}""#,
            "Unicode sequence should use [2-8] hex digits",
        ),
        (
            r#"any where x == "\u{123456789}""#,
            "Unicode sequence should use [2-8] hex digits",
        ),
        (
            r#"any where x == "\u{D800}""#,
            "Invalid unicode character code, [D800] is a surrogate code",
        ),
        (
            r#"any where x == "\u{110000}""#,
            "Invalid unicode character code [110000]",
        ),
        (
            "any where x == \"a\nb\"",
            "unterminated string; close it with a double quote on the same line",
        ),
        ("any where x == 1e999", "invalid number [1e999]"),
        ("any where a AND b", "found `AND`"),
        ("process WHERE true", "expected `where`, found `WHERE`"),
        ("any where a.or == 1", "a field name"),
        (
            "any where process.args[0] == \"a\"",
            "array indexes are not supported",
        ),
    ];
    for (query, expected) in cases {
        assert_rejected(query, expected);
    }
}

#[test]
fn lexical_backslash_before_u_is_kept() {
    let events = [json!({"id": 1, "@timestamp": 1, "s": "\\uad12"})];
    assert_eq!(matching(r#"any where s == "\uad12""#, &events), [1]);
}

#[test]
fn numbers_and_constants() {
    assert!(holds("1. == 1 and .5 == 0.5 and 1e3 == 1000"));
    assert!(holds("1.5E-1 == 0.15 and 2e+2 == 200 and -5 == 0 - 5"));
    assert!(holds("9223372036854775808 > 9223372036854775000"));
    assert!(holds("null == null and true and not false"));
}

#[test]
fn categories() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "event": {"category": "process"}}),
        json!({"id": 2, "@timestamp": 2, "event": {"category": ["network", "process"]}}),
        json!({"id": 3, "@timestamp": 3, "event": {"category": "my-category"}}),
        json!({"id": 4, "@timestamp": 4}),
    ];
    assert_eq!(matching("process where true", &events), [1, 2]);
    assert_eq!(matching("Process where true", &events), Vec::<i64>::new());
    assert_eq!(matching(r#""my-category" where true"#, &events), [3]);
    assert_eq!(matching("any where true", &events), [1, 2, 3, 4]);
}

#[test]
fn operator_table() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "name": "cmd.exe"}),
        json!({"id": 2, "@timestamp": 2, "name": "CMD.EXE"}),
        json!({"id": 3, "@timestamp": 3, "name": "a*b"}),
        json!({"id": 4, "@timestamp": 4, "name": "100%"}),
        json!({"id": 5, "@timestamp": 5}),
    ];
    let cases: &[(&str, &[i64])] = &[
        (r#"name == "cmd.exe""#, &[1]),
        (r#"name == "a*b""#, &[3]),
        (r#"name : "cmd.exe""#, &[1, 2]),
        (r#"name : "C*""#, &[1, 2]),
        (r#"name : ("x", "a*")"#, &[3]),
        (r#"name like "cmd*""#, &[1]),
        (r#"name like~ "CMD*""#, &[1, 2]),
        (r#"name like "a?b""#, &[3]),
        (r#"name like "100%""#, &[4]),
        (r#"name in ("a*b")"#, &[3]),
        (r#"name in~ ("CMD.exe")"#, &[1, 2]),
        (r#"name in~ ("A*")"#, &[]),
        (r#"name regex """c.d\.exe""""#, &[1]),
        (r#"name regex~ """c.d\.exe""""#, &[1, 2]),
        (r#"name regex "md""#, &[]),
        (r#"name regex """\d+%""""#, &[4]),
        (r#"name > "a" and name < "b""#, &[3]),
    ];
    for (condition, expected) in cases {
        let query = format!("any where {condition}");
        assert_eq!(matching(&query, &events), *expected, "{query}");
    }
}

#[test]
fn operator_precedence_and_rewrites() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "pid": 4, "exit_code": 0}),
        json!({"id": 2, "@timestamp": 2, "pid": 6}),
    ];
    assert_eq!(matching("any where null == (exit_code > -1)", &events), [2]);
    assert_eq!(matching("any where 5 < pid", &events), [2]);
    assert_eq!(matching("any where not pid == 4 and pid > 0", &events), [2]);
    assert_eq!(matching("any where pid in (2 + 2)", &events), [1]);
    assert_eq!(
        matching("any where modulo(11, 10) == exit_code + 1", &events),
        [1]
    );
    compile("any where startsWith(file.path, file.name)", Options::new());
}

#[test]
fn operator_errors() {
    assert_rejected(
        "any where x = 1",
        "found [=]; use [==] for equality or [:] for case-insensitive equality",
    );
    assert_rejected("any where x !: \"a\"", "found `!`");
    assert_rejected("any where x not like \"a\"", "expected `in` or `in~`");
    assert_rejected(
        "any where a < b < c",
        "comparisons cannot be chained; join them with `and`",
    );
    assert_rejected(
        "any where s in (i)",
        "an element of [in] must be a constant, found [i]",
    );
    assert_rejected("any where s : i", "the pattern of [:] must be a constant");
    assert_rejected(
        "any where s : 5",
        "[:] needs string patterns, found [5]; consider using [==] instead",
    );
    assert_rejected(
        "any where s regex \"[a-\"",
        "invalid regular expression [[a-]",
    );
    assert_rejected("any where s in ()", "expected an expression");
    assert_rejected(
        "any where pid == parent.pid",
        "comparisons against fields are not supported; offender [parent.pid] in [pid == parent.pid]; compare the field with a constant",
    );
}

#[test]
fn logic_and_boolean_fields() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "is_admin": true}),
        json!({"id": 2, "@timestamp": 2, "is_admin": false}),
        json!({"id": 3, "@timestamp": 3}),
    ];
    assert_eq!(matching("any where is_admin", &events), [1]);
    assert_eq!(matching("any where not is_admin", &events), [2, 3]);
    assert_rejected(
        "any where 1",
        "condition [1] is numeric, not boolean; compare it with a value",
    );
    assert!(holds("not (false and null == 1)"));
    assert!(holds("true or null == 1"));
    assert!(!holds("true and (1 < null)"));
    assert!(!holds("not (1 < null)"));
}

#[test]
fn arithmetic() {
    assert!(holds("-7 / 2 == -3 and -7 % 2 == -1 and 7 / 2.0 == 3.5"));
    assert!(holds("9223372036854775807 + 1 == null"));
    assert!(holds("1 / 0 == null and 5 % 0 == null"));
    assert!(holds("-(-9223372036854775807 - 1) == null"));
    assert!(holds("1 / 0.0 > 1000000"));
    assert!(!holds("5.0 % 0 == null"));
    assert_rejected(
        "any where \"a\" + 1 == 2",
        "[\"a\"] is string, but arithmetic needs numbers",
    );
    let events = [json!({"id": 1, "@timestamp": 1, "s": "a"})];
    assert_eq!(matching("any where s + 1 == null", &events), [1]);
}

#[test]
fn null_and_missing_table() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "x": "a"}),
        json!({"id": 2, "@timestamp": 2, "x": "bb"}),
        json!({"id": 3, "@timestamp": 3}),
    ];
    let cases: &[(&str, &[i64])] = &[
        (r#"x != "a""#, &[2, 3]),
        (r#"x not in ("a")"#, &[2, 3]),
        (r#"not (x : "A")"#, &[2, 3]),
        ("x == null", &[3]),
        (r#"x < "b""#, &[1]),
        (r#"not (x < "b")"#, &[2]),
        ("length(x) != 1", &[2]),
    ];
    for (condition, expected) in cases {
        let query = format!("any where {condition}");
        assert_eq!(matching(&query, &events), *expected, "{query}");
    }
    let nulls = [
        json!({"id": 1, "@timestamp": 1, "x": null}),
        json!({"id": 2, "@timestamp": 2, "x": []}),
        json!({"id": 3, "@timestamp": 3, "x": [null]}),
        json!({"id": 4, "@timestamp": 4, "x": [null, 1]}),
    ];
    assert_eq!(matching("any where x == null", &nulls), [1, 2, 3]);
}

#[test]
fn multi_valued_fields_and_paths() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "tags": ["a", ["b"], null], "n": [1, 3]}),
        json!({"id": 2, "@timestamp": 2, "process.pid": 7, "process": {"name": "x"}}),
    ];
    assert_eq!(matching(r#"any where tags == "a""#, &events), [1]);
    assert_eq!(matching(r#"any where tags == "b""#, &events), [1]);
    assert_eq!(matching("any where n + 1 == 4", &events), [1]);
    assert_eq!(matching("any where n > 2 and n < 2", &events), [1]);
    assert_eq!(
        matching(
            r#"any where process.pid == 7 and process.name == "x""#,
            &events
        ),
        [2]
    );
}

#[test]
fn schema_checks() {
    let options = || {
        schema(json!({"properties": {
            "@timestamp": {"type": "date"},
            "process": {"properties": {"pid": {"type": "long"}}},
            "t": {"type": "text"},
            "tk": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
            "s": {"type": "keyword"},
            "al": {"type": "alias", "path": "s"}
        }}))
    };

    let message = error("any where procss.pid == 1", options());
    assert!(
        message.contains("unknown field [procss.pid], did you mean [process.pid]?"),
        "{message}"
    );

    let message = error("any where zzzzzzzzzz == 1", options());
    assert!(
        message.contains("; write it as ?field if it may be absent"),
        "{message}"
    );

    let message = error("any where t == \"x\"", options());
    assert!(
        message.contains(
            "cannot operate on field [t] of type [text]: no keyword sub-field defined for exact matches"
        ),
        "{message}"
    );

    let message = error("any where process.pid : \"1\"", options());
    assert!(
        message.contains(
            "[:] needs a string on the left, found [process.pid] (numeric); consider using [==] instead"
        ),
        "{message}"
    );

    let events = [
        json!({"id": 1, "@timestamp": 1, "s": "x", "tk": "Hello"}),
        json!({"id": 2, "@timestamp": 2, "s": "y"}),
    ];
    assert_eq!(
        matching_with(r#"any where tk == "Hello""#, &events, options()),
        [1]
    );
    assert_eq!(
        matching_with(r#"any where al == "x""#, &events, options()),
        [1]
    );
    assert_eq!(
        matching_with("any where ?zz == null", &events, options()),
        [1, 2]
    );

    // Without a schema `?x` reads `x`, and unknown fields read as null.
    assert_eq!(matching("any where ?s == \"x\"", &events), [1]);
    assert_eq!(matching("any where zz == null", &events), [1, 2]);
}

#[test]
fn numbers_and_numeric_strings() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "pid": 1234, "code": "5", "v": "9"}),
        json!({"id": 2, "@timestamp": 2, "pid": 1, "code": "6", "v": "20"}),
    ];
    assert_eq!(matching(r#"any where pid == "1234""#, &events), [1]);
    assert_eq!(matching("any where code == 5", &events), [1]);
    assert_eq!(matching("any where pid == 1234.0", &events), [1]);
    assert_eq!(matching(r#"any where v > "15""#, &events), [1, 2]);
}

fn date_options() -> Options {
    schema(json!({"properties": {
        "@timestamp": {"type": "date"},
        "d": {"type": "date", "format": "dd-MM-yyyy"},
        "d2": {"type": "date"}
    }}))
}

#[test]
fn dates() {
    let events = [
        json!({"id": 1, "@timestamp": "2022-12-17T00:00:00Z", "d": "17-12-2022",
               "d2": "2022-12-17T10:00:00Z"}),
        json!({"id": 2, "@timestamp": "2022-12-18T00:00:00.5Z", "d": "18-12-2022",
               "d2": 1671357600000_i64}),
        json!({"id": 3, "@timestamp": 1671408000000_i64}),
    ];

    let cases: &[(&str, &[i64])] = &[
        (r#"@timestamp < "2022-12-18""#, &[1]),
        (r#"@timestamp == "2022-12-18T00:00:00.500Z""#, &[2]),
        (r#"@timestamp == "2022-12-18T01:00:00.5+01:00""#, &[2]),
        ("@timestamp >= 1671408000000", &[3]),
        (r#"d2 >= "2022-12-17T12:00:00Z""#, &[2]),
        (r#"d >= "2022-12-18""#, &[2]),
    ];
    for (condition, expected) in cases {
        let query = format!("any where {condition}");
        assert_eq!(
            matching_with(&query, &events, date_options()),
            *expected,
            "{query}"
        );
    }

    let message = error(r#"any where @timestamp > "yesterday""#, Options::new());
    assert!(
        message.contains(
            r#"["yesterday"] is not a date; write ISO 8601 such as "2024-05-14T08:00:00Z", epoch milliseconds, or the field's format"#
        ),
        "{message}"
    );

    let rules = compile("any where true", Options::new());

    let bad = rules
        .reader()
        .read_line(r#"{"@timestamp": "bad"}"#)
        .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "invalid timestamp [bad] in [@timestamp]; expected ISO 8601 or epoch milliseconds"
    );
}

#[test]
fn version_ip_null_value() {
    let options = || {
        schema(json!({"properties": {
            "@timestamp": {"type": "date"},
            "v": {"type": "version"},
            "nv": {"type": "keyword", "null_value": "NULL"}
        }}))
    };
    let events = [
        json!({"id": 1, "@timestamp": 1, "v": "1.11.3", "nv": null}),
        json!({"id": 2, "@timestamp": 2, "v": "1.2.4-SNAPSHOT", "nv": [null, "x"]}),
        json!({"id": 3, "@timestamp": 3, "v": "bad"}),
        json!({"id": 4, "@timestamp": 4, "v": "1.2.4"}),
    ];
    assert_eq!(
        matching_with(r#"any where v > "1.5.0""#, &events, options()),
        [1, 3]
    );
    assert_eq!(
        matching_with(r#"any where v < "1.2.4""#, &events, options()),
        [2]
    );
    assert_eq!(
        matching_with(r#"any where v == "1.11.3""#, &events, options()),
        [1]
    );
    assert_eq!(
        matching_with(r#"any where nv == "NULL""#, &events, options()),
        [1, 2]
    );
    assert_eq!(
        matching_with("any where nv == null", &events, options()),
        [3, 4]
    );
    // Without a schema a version is a plain string.
    assert_eq!(matching(r#"any where v > "1.5.0""#, &events), [3]);
}

#[test]
fn function_table() {
    let conditions = [
        r#"CIDRMATCH("10.1.1.1", "10.0.0.0/8")"#,
        r#"between("a[b]c[d]e", "[", "]") == "b""#,
        r#"between("a[b]c[d]e", "[", "]", true) == "b]c[d""#,
        r#"between("a[b]c", "x", "]") == """#,
        r#"between("a[b]c", "", "]") == "a[b]c""#,
        r#"between~("A-B-C", "a-", "-c") == "B""#,
        r#"cidrMatch("fe80::1", "fe80::/10")"#,
        r#"cidrMatch("::ffff:10.0.0.1", "10.0.0.0/8")"#,
        r#"cidrMatch("not an ip", "10.0.0.0/8") == false"#,
        r#"concat("a", 5, 42.5, 2.0, true) == "a542.52.0true""#,
        r#"concat("a", null) == null"#,
        r#"endsWith("", "")"#,
        r#"endsWith~("abc", "BC") and not endsWith("abc", "BC")"#,
        r#"startsWith~("ÄbC", "äB")"#,
        r#"indexOf("abcabc", "c", 3) == 5"#,
        r#"indexOf("abc", "z") == null"#,
        r#"indexOf("abc", "b", null) == 1 and indexOf("abc", "b", -5) == 1"#,
        r#"indexOf("abc", "", 2) == 2 and indexOf("abc", "", 9) == null"#,
        r#"indexOf~("aBc", "b") == 1"#,
        r#"length("ÄbC") == 3 and length("😀") == 2"#,
        r#"number("0x32") == 50 and number("0x32", 16) == 50"#,
        r#"number("  12 ") == 12 and number("1.5e3") == 1500"#,
        r#"number("ff", 16) == 255 and number("z", 36) == 35"#,
        r#"number("abc") == null and number("10", 1) == null"#,
        r#"string(5) == "5" and string(2.0) == "2.0" and string(true) == "true""#,
        r#"stringContains("abc", "") == false and stringContains("", "") == false"#,
        r#"stringContains~("aBc", "b") and not stringContains("aBc", "b")"#,
        r#"substring("hello.exe", -4) == ".exe""#,
        r#"substring("hello", 1, -1) == "ell" and substring("hello", 4, 2) == """#,
        r#"substring("hello", null) == "hello" and substring("hello", 2, null) == "llo""#,
        r#"add(5, 1.5) == 6.5 and divide(4, 3) == 1 and modulo(-10, -6) == -4"#,
        r#"multiply(9223372036854775807, 2) == null and subtract(5, 10) == -5"#,
    ];
    for condition in conditions {
        assert!(holds(condition), "{condition}");
    }
}

#[test]
fn function_errors() {
    assert_rejected(
        "any where lenght(x) == 1",
        "unknown function [lenght], did you mean [length]?",
    );
    assert_rejected("any where safe(x)", "unknown function [safe] [E101]");
    assert_rejected("any where match(x, \"a\")", "unknown function [match]");
    assert_rejected(
        "any where concat() == \"\"",
        "function [concat] expects at least 1 arguments, found 0",
    );
    assert_rejected(
        "any where length(1) == 1",
        "first argument of [length(1)] must be [string], found [1] (numeric)",
    );
    assert_rejected(
        "any where between(s, \"[\", \"]\", i > 0) == \"b\"",
        "fourth argument of [between(s, \"[\", \"]\", i > 0)] must be a constant",
    );
    assert_rejected(
        "any where cidrMatch~(ip, \"10.0.0.0/8\")",
        "function [cidrMatch] has no case-insensitive variant; remove the [~]",
    );
    assert_rejected(
        "any where cidrMatch(ip, \"bad\")",
        "invalid CIDR block [bad]; write it as 10.0.0.0/8 or fe80::/10",
    );
}

/// Events of one user: a1, a2, b3, then another user's a and b.
fn sequence_events() -> Vec<Value> {
    vec![
        json!({"id": 1, "@timestamp": 1000, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 2, "@timestamp": 2000, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 3, "@timestamp": 3000, "event": {"category": "b"}, "u": "x"}),
        json!({"id": 4, "@timestamp": 5000, "event": {"category": "a"}, "u": "y"}),
        json!({"id": 5, "@timestamp": 6000, "event": {"category": "b"}, "u": "y"}),
    ]
}

fn ids(list: &[&[i64]]) -> Vec<Vec<Option<i64>>> {
    list.iter()
        .map(|m| m.iter().map(|&id| Some(id)).collect())
        .collect()
}

#[test]
fn sequence_matching() {
    let events = sequence_events();

    let two = "sequence by u [a where true] [b where true]";
    assert_eq!(
        results(two, &events, Options::new()),
        ids(&[&[2, 3], &[4, 5]])
    );

    let exact = "sequence by u with maxspan=1s [a where true] [b where true]";
    assert_eq!(
        results(exact, &events, Options::new()),
        ids(&[&[2, 3], &[4, 5]])
    );

    let short = "sequence by u with maxspan=999ms [a where true] [b where true]";
    assert!(results(short, &events, Options::new()).is_empty());

    let chained = "sequence by u [any where true] [any where true]";
    assert_eq!(
        results(chained, &events, Options::new()),
        ids(&[&[1, 2], &[2, 3], &[4, 5]])
    );

    let runs = "sequence by u [a where true] with runs=2 [b where true]";
    assert_eq!(results(runs, &events, Options::new()), ids(&[&[1, 2, 3]]));

    let alone = "sequence by u [a where true] with runs=2";
    assert_eq!(results(alone, &events, Options::new()), ids(&[&[1, 2]]));

    let per_stage = "sequence [a where true] by u [b where true] by u";
    let matches = run_with(per_stage, &events, Options::new());
    assert_eq!(matches[0].join_keys[0].to_json(), json!("x"));

    compile(
        r#"sequence by host.id, user.name with maxspan=5m
  [process where process.name : "whoami.exe"] by process.pid
  [network where true] by process.pid
  ![file where true] by process.pid
  [process where true] by process.parent.pid with runs=2
until [process where event.type == "end"] by process.pid"#,
        Options::new(),
    );
}

#[test]
fn sequence_until() {
    let events = [
        json!({"id": 1, "@timestamp": 1000, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 2, "@timestamp": 1500, "event": {"category": "c"}, "u": "x"}),
        json!({"id": 3, "@timestamp": 2000, "event": {"category": "b"}, "u": "x"}),
        json!({"id": 4, "@timestamp": 3000, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 5, "@timestamp": 3500, "event": {"category": "b"}, "u": "x"}),
        json!({"id": 6, "@timestamp": 4000, "event": {"category": "c"}, "u": "x"}),
    ];
    let query = "sequence by u [a where true] [b where true] until [c where true]";
    assert_eq!(results(query, &events, Options::new()), ids(&[&[4, 5]]));
}

#[test]
fn sequence_missing_events() {
    let events = [
        json!({"id": 1, "@timestamp": 1000, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 2, "@timestamp": 1500, "event": {"category": "c"}, "u": "x"}),
        json!({"id": 3, "@timestamp": 2000, "event": {"category": "b"}, "u": "x"}),
        json!({"id": 4, "@timestamp": 2100, "event": {"category": "a"}, "u": "x"}),
        json!({"id": 5, "@timestamp": 2200, "event": {"category": "b"}, "u": "x"}),
        json!({"id": 6, "@timestamp": 5000, "event": {"category": "a"}, "u": "y"}),
        json!({"id": 7, "@timestamp": 5500, "event": {"category": "b"}, "u": "y"}),
        json!({"id": 8, "@timestamp": 9000, "event": {"category": "c"}, "u": "y"}),
    ];
    let inner = "sequence by u with maxspan=1s [a where true] ![c where true] [b where true]";
    assert_eq!(
        results(inner, &events, Options::new()),
        vec![vec![Some(4), None, Some(5)], vec![Some(6), None, Some(7)]]
    );
    let trailing_5s = "sequence by u with maxspan=5s [a where true] [b where true] ![c where true]";
    assert_eq!(
        results(trailing_5s, &events, Options::new()),
        vec![vec![Some(1), Some(3), None], vec![Some(4), Some(5), None]]
    );
    let trailing_3s = "sequence by u with maxspan=3s [a where true] [b where true] ![c where true]";
    assert_eq!(results(trailing_3s, &events, Options::new()).len(), 3);
    let leading = "sequence by u with maxspan=3s ![c where true] [a where true] [b where true]";
    assert_eq!(
        results(leading, &events, Options::new()),
        vec![vec![None, Some(1), Some(3)], vec![None, Some(6), Some(7)]]
    );
}

#[test]
fn sequence_keys_and_ordering() {
    let events = [
        json!({"id": 1, "@timestamp": 1, "event": {"category": "a"}, "k": ["q", "p"], "n": 1}),
        json!({"id": 2, "@timestamp": 2, "event": {"category": "b"}, "k": ["p", "q"], "n": 1.0}),
        json!({"id": 3, "@timestamp": 3, "event": {"category": "a"}}),
        json!({"id": 4, "@timestamp": 4, "event": {"category": "b"}}),
    ];

    let by_array = run_with(
        "sequence by k [a where true] [b where true]",
        &events,
        Options::new(),
    );
    let keys: Vec<Vec<Value>> = by_array
        .iter()
        .map(|m| m.join_keys.iter().map(|k| k.to_json()).collect())
        .collect();
    assert_eq!(keys, [vec![json!("p")], vec![json!("q")]]);

    let by_number = run_with(
        "sequence by n [a where true] [b where true]",
        &events,
        Options::new(),
    );
    assert_eq!(by_number.len(), 1);
    assert_eq!(by_number[0].join_keys[0].to_json(), json!(1.0));

    let optional = run_with(
        "sequence by ?k [a where true] [b where true]",
        &events,
        Options::new(),
    );
    let keys: Vec<Value> = optional.iter().map(|m| m.join_keys[0].to_json()).collect();
    assert_eq!(keys, [json!("p"), json!("q"), Value::Null]);

    let dated = run_with(
        "sequence by d2 [a where true] [b where true]",
        &[
            json!({"id": 1, "@timestamp": 1, "event": {"category": "a"}, "d2": "2022-12-17T10:00:00Z"}),
            json!({"id": 2, "@timestamp": 2, "event": {"category": "b"}, "d2": 1671271200000_i64}),
        ],
        date_options(),
    );
    assert_eq!(
        dated[0].join_keys[0].to_json(),
        json!("2022-12-17T10:00:00.000Z")
    );
}

#[test]
fn sequence_errors() {
    let cases = [
        (
            "sequence [a where true]",
            "a sequence needs at least 2 stages; use an event query for one",
        ),
        (
            "sequence [a where true] by u [b where true]",
            "inconsistent number of join keys specified; expected [1] but found [0]",
        ),
        (
            "sequence by 1 [a where true] [b where true]",
            "Unsupported join key [1]; a join key must be a field",
        ),
        (
            "sequence with maxspan=1 [a where true] [b where true]",
            "No time unit specified, did you mean [s] as in [1s]?",
        ),
        (
            "sequence with maxspan=1.5s [a where true] [b where true]",
            "Decimal time interval [1.5s] not supported; please use an positive integer",
        ),
        (
            "sequence with maxspan=0s [a where true] [b where true]",
            "A positive maxspan value is required; found [0s]",
        ),
        (
            "sequence with maxspan=1w [a where true] [b where true]",
            "Unrecognized time unit [w] in [1w], please specify one of [ms, s, m, h, d]",
        ),
        (
            "sequence with maxspan=1s by u [a where true] [b where true]",
            "please specify sequence [by] before [with] not after",
        ),
        (
            "sequence [a where true] with runs=101 [b where true]",
            "[runs] must be between 1 and 100, found [101]",
        ),
        (
            "sequence [a where true] [b where true] until [c where true] with runs=2",
            "an [until] stage cannot be a missing event or repeat with [runs]",
        ),
        (
            "sequence [a where true] ![c where true] [b where true]",
            "a sequence with missing events [![...]] needs [with maxspan=...]",
        ),
        (
            "sequence with maxspan=1s ![c where true] ![b where true]",
            "a sequence needs at least one stage that is not a missing event",
        ),
    ];
    for (query, expected) in cases {
        assert_rejected(query, expected);
    }
    compile(
        "sequence with maxspan=5 m [a where true] [b where true]",
        Options::new(),
    );
}

#[test]
fn samples() {
    let events = [
        json!({"id": 1, "@timestamp": 5000, "event": {"category": "a"}, "h": "doom"}),
        json!({"id": 2, "@timestamp": 1000, "event": {"category": "b"}, "h": "doom"}),
        json!({"id": 3, "@timestamp": 2000, "event": {"category": "a"}, "h": "GTA"}),
        json!({"id": 4, "@timestamp": 3000, "event": {"category": "b"}, "h": "GTA"}),
        json!({"id": 5, "@timestamp": 3500, "event": {"category": "b"}, "h": "GTA"}),
        json!({"id": 6, "@timestamp": 3600, "event": {"category": "a"}, "h": "GTA"}),
        json!({"id": 7, "@timestamp": 3700, "event": {"category": "a"}}),
        json!({"id": 8, "@timestamp": 3800, "event": {"category": "b"}}),
    ];

    let query = "sample by h [a where true] [b where true]";
    assert_eq!(
        results(query, &events, Options::new()),
        ids(&[&[3, 4], &[1, 2]])
    );

    let optional = "sample by ?h [a where true] [b where true]";
    assert_eq!(
        results(optional, &events, Options::new()),
        ids(&[&[7, 8], &[3, 4], &[1, 2]])
    );
    assert_eq!(
        results(query, &events, Options::new().max_samples_per_key(3)),
        ids(&[&[3, 4], &[3, 5], &[6, 4], &[1, 2]])
    );
    assert_rejected(
        "sample [a where true] ![b where true]",
        "a [sample] stage cannot be a missing event or repeat with [runs]",
    );
    assert_rejected("sample [a where true]", "a sample needs at least 2 stages");
    compile(
        r#"sample by host.name
  [process where process.name : "psexec.exe"] by user.name
  [network where destination.port == 445] by source.user.name"#,
        Options::new(),
    );
    compile(r#"process where process.name : "cmd.exe""#, Options::new());

    let dated = run_with(
        "sample by d2 [a where true] [b where true]",
        &[
            json!({"id": 1, "@timestamp": 1, "event": {"category": "a"}, "d2": "2022-12-17T10:00:00Z"}),
            json!({"id": 2, "@timestamp": 2, "event": {"category": "b"}, "d2": 1671271200000_i64}),
        ],
        date_options(),
    );
    assert_eq!(dated[0].join_keys[0].to_json(), json!("1671271200000"));
}

#[test]
fn pipes_size_and_position() {
    let events: Vec<Value> = (1..=10)
        .map(|i| json!({"id": i, "@timestamp": i * 1000}))
        .collect();

    let ids_for = |query: &str, options: Options| -> Vec<i64> {
        results(query, &events, options)
            .into_iter()
            .map(|m| m[0].expect("event"))
            .collect()
    };

    let head = || Options::new().result_position(ResultPosition::Head);
    assert_eq!(
        ids_for("any where true | head 4 | tail 2", Options::new()),
        [3, 4]
    );
    assert_eq!(
        ids_for("any where true | tail 4 | head 2", Options::new()),
        [7, 8]
    );
    assert_eq!(
        ids_for("any where true", Options::new().size(Some(3))),
        [8, 9, 10]
    );
    assert_eq!(ids_for("any where true", head().size(Some(3))), [1, 2, 3]);
    assert_eq!(
        ids_for("any where true | head 5", Options::new().size(Some(3))),
        [1, 2, 3]
    );
    assert_eq!(
        ids_for("any where true | tail 5", head().size(Some(3))),
        [8, 9, 10]
    );
    assert_eq!(ids_for("any where true", Options::new()).len(), 10);
    assert_rejected(
        "any where true | head",
        "pipe [head] expects exactly one argument but found [0]",
    );
    assert_rejected(
        "any where true | head -1",
        "pipe [head] expects a positive integer, such as [head 10]",
    );
    assert_rejected(
        "any where true | head 1.5",
        "pipe [head] expects a positive integer, such as [head 10]",
    );
}

#[test]
fn event_ordering() {
    let events = [
        json!({"id": 1, "@timestamp": 3000, "tb": 2}),
        json!({"id": 2, "@timestamp": 1000, "tb": 5}),
        json!({"id": 3, "@timestamp": 1000, "tb": 1}),
        json!({"id": 4}),
        json!({"id": 5, "@timestamp": 1000}),
    ];
    assert_eq!(matching("any where true", &events), [4, 2, 3, 5, 1]);
    let options = Options::new().tiebreaker_field(Some("tb"));
    assert_eq!(
        matching_with("any where true", &events, options),
        [4, 5, 3, 2, 1]
    );
    let sequence = "sequence [any where id == 4] [any where true]";
    assert!(results(sequence, &events, Options::new()).is_empty());
}

#[test]
fn limits() {
    let deep = format!("any where {}true{}", "(".repeat(129), ")".repeat(129));
    assert_rejected(
        &deep,
        "expression nests deeper than the limit of 128; simplify the query",
    );

    let fits = format!("any where {}true{}", "(".repeat(128), ")".repeat(128));
    compile(&fits, Options::new());

    let chain: Vec<String> = (0..6001).map(|i| format!("x == {i}")).collect();
    assert_rejected(
        &format!("any where {}", chain.join(" or ")),
        "expression is more than 6000 operators deep",
    );

    let events = [
        json!({"id": 1, "@timestamp": 1, "event": {"category": "a"}, "k": ["p", "q", "r"]}),
        json!({"id": 2, "@timestamp": 2, "event": {"category": "b"}, "k": ["p", "q", "r"]}),
    ];

    let query = "sequence by k [a where true] [b where true]";
    assert_eq!(results(query, &events, Options::new()).len(), 3);

    let capped = Options::new().max_key_combinations(2);
    assert_eq!(results(query, &events, capped).len(), 2);
}

#[test]
fn rejected_constructs() {
    assert_rejected(
        "join [a where true] [b where true]",
        "JOIN command is not supported",
    );
    for relation in ["child", "descendant", "event"] {
        assert_rejected(
            &format!("process where {relation} of [a where true]"),
            "process relationships are not supported",
        );
    }
    for pipe in ["count", "filter", "sort", "unique", "unique_count"] {
        assert_rejected(
            &format!("any where true | {pipe}"),
            &format!("pipe [{pipe}] is not supported; only [head] and [tail] are"),
        );
    }
    assert_rejected(
        "any where true | foo",
        "unrecognized pipe [foo]; use [head N] or [tail N]",
    );
    for function in [
        "match",
        "matchLite",
        "wildcard",
        "arrayContains",
        "arrayCount",
        "arraySearch",
        "safe",
    ] {
        assert_rejected(
            &format!("any where {function}(x, \"a\")"),
            &format!("unknown function [{function}]"),
        );
    }
}

/// Pushes events one by one and returns, per event, how many results the
/// push produced, then the number produced by `flush`.
fn stream_counts(query: &str, events: &[Value], options: Options) -> (Vec<usize>, usize) {
    let rules = compile(query, options);
    let mut session = rules.session();
    let mut per_push = Vec::new();
    for event in read(&rules, events) {
        let mut out = Vec::new();
        session.push(event, &mut out);
        per_push.push(out.len());
    }
    let mut out = Vec::new();
    session.flush(&mut out);
    (per_push, out.len())
}

#[test]
fn streaming_holds_what_can_still_change() {
    let events = [
        json!({"id": 1, "@timestamp": 1000, "event": {"category": "a"}}),
        json!({"id": 2, "@timestamp": 1500, "event": {"category": "b"}}),
        json!({"id": 3, "@timestamp": 2000, "event": {"category": "x"}}),
        json!({"id": 4, "@timestamp": 2001, "event": {"category": "x"}}),
    ];

    let plain = "sequence with maxspan=1s [a where true] [b where true]";
    assert_eq!(
        stream_counts(plain, &events, Options::new()),
        (vec![0, 1, 0, 0], 0)
    );

    let trailing = "sequence with maxspan=1s [a where true] [b where true] ![c where true]";
    assert_eq!(
        stream_counts(trailing, &events, Options::new()),
        (vec![0, 0, 0, 1], 0)
    );
    assert_eq!(
        stream_counts(trailing, &events[..3], Options::new()),
        (vec![0, 0, 0], 1)
    );

    let sample = "sample [a where true] [b where true]";
    assert_eq!(
        stream_counts(sample, &events, Options::new()),
        (vec![0, 0, 0, 0], 1)
    );

    let tail = "any where true | tail 2";
    assert_eq!(
        stream_counts(tail, &events, Options::new()),
        (vec![0, 0, 0, 0], 2)
    );

    let sized = Options::new().size(Some(2));
    assert_eq!(
        stream_counts("any where true", &events, sized),
        (vec![0, 0, 0, 0], 2)
    );

    let head = Options::new()
        .size(Some(2))
        .result_position(ResultPosition::Head);
    assert_eq!(
        stream_counts("any where true", &events, head),
        (vec![1, 1, 0, 0], 0)
    );
}

#[test]
fn streaming_trusts_push_order() {
    let events = [
        json!({"id": 1, "@timestamp": 3000, "event": {"category": "a"}}),
        json!({"id": 2, "@timestamp": 1000, "event": {"category": "b"}}),
    ];
    let query = "sequence [a where true] [b where true]";
    assert!(results(query, &events, Options::new()).is_empty());
    let rules = compile(query, Options::new());
    let mut session = rules.session();
    let mut out = Vec::new();
    for event in read(&rules, &events) {
        session.push(event, &mut out);
    }
    assert_eq!(session.stats().out_of_order, 1);
    session.flush(&mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn runtime_errors_give_null() {
    assert!(holds("9223372036854775807 * 2 == null"));
    assert!(holds("1 / 0 == null"));
    assert!(holds(r#"number("abc") == null"#));
    let events = [json!({"id": 1, "@timestamp": 1, "s": "12x"})];
    assert_eq!(matching("any where number(s) == null", &events), [1]);
}

/// Differences that were fixed: each check fails if one comes back.
#[test]
fn fixed_differences() {
    let multi = [json!({"id": 1, "@timestamp": 1, "s": ["ab", "c"]})];
    assert_eq!(matching("any where length(s) != 1", &multi), [1]);

    let formatted = [json!({"id": 1, "@timestamp": 1, "d": "17-12-2022"})];
    assert_eq!(
        matching_with(r#"any where d == "17-12-2022""#, &formatted, date_options()),
        [1]
    );
    let dated = [json!({"id": 1, "@timestamp": 1671408000000_i64})];
    let in_list = r#"any where @timestamp in ("2022-12-19T00:00:00Z", 1671408000000)"#;
    assert_eq!(matching(in_list, &dated), [1]);

    let ip_options = || {
        schema(json!({"properties": {
            "@timestamp": {"type": "date"},
            "ip": {"type": "ip"},
            "s": {"type": "keyword"},
            "k": {"type": "long"}
        }}))
    };
    let ips = [
        json!({"id": 1, "@timestamp": 1, "ip": "10.1.2.3", "s": "9"}),
        json!({"id": 2, "@timestamp": 2, "ip": "fe80::1"}),
    ];
    assert_eq!(
        matching_with(r#"any where ip == "10.0.0.0/8""#, &ips, ip_options()),
        [1]
    );
    assert_eq!(
        matching_with(r#"any where ip == "FE80::1""#, &ips, ip_options()),
        [2]
    );
    assert_eq!(
        matching_with(r#"any where ip != "10.0.0.0/8""#, &ips, ip_options()),
        [2]
    );
    let message = error(r#"any where cidrMatch(s, "10.0.0.0/8")"#, ip_options());
    assert!(message.contains("must be [ip]"), "{message}");
    assert!(matching_with("any where s < 15", &ips, ip_options()).is_empty());

    let mixed = [
        json!({"id": 1, "@timestamp": 1, "event": {"category": "a"}, "k": "5"}),
        json!({"id": 2, "@timestamp": 2, "event": {"category": "b"}, "k": 5}),
    ];
    let sequence = "sequence by k [a where true] [b where true]";
    assert!(results(sequence, &mixed, Options::new()).is_empty());
    assert_eq!(results(sequence, &mixed, ip_options()).len(), 1);

    assert!(holds(
        r#"string(10000000.0) == "1.0E7" and string(0.0001) == "1.0E-4""#
    ));

    let dated = [json!({"id": 1, "@timestamp": 1671408000000_i64})];
    assert_eq!(
        matching(
            r#"any where string(@timestamp) == "2022-12-19T00:00:00.000Z""#,
            &dated
        ),
        [1]
    );
    let message = error("any where @timestamp + 0 > 0", Options::new());
    assert!(message.contains("arithmetic needs numbers"), "{message}");
    let message = error(r#"any where @timestamp : "2022*""#, Options::new());
    assert!(message.contains("needs a string"), "{message}");

    let typed = || {
        schema(json!({"properties": {
            "@timestamp": {"type": "date"},
            "ip": {"type": "ip"},
            "v": {"type": "version"}
        }}))
    };
    let addresses = [
        json!({"id": 1, "@timestamp": 1, "ip": "10.1.2.3"}),
        json!({"id": 2, "@timestamp": 2, "ip": "fe80::1"}),
        json!({"id": 3, "@timestamp": 3, "ip": "8.8.8.8"}),
    ];
    assert_eq!(
        matching_with(r#"any where ip > "9.0.0.0""#, &addresses, typed()),
        [1, 2]
    );
    let message = error(r#"any where ip < "bogus""#, typed());
    assert!(message.contains("is not an IP address"), "{message}");
    let numbers = schema(json!({"properties": {
        "@timestamp": {"type": "date"},
        "pid": {"type": "long"}
    }}));
    let message = error(r#"any where pid == "abc""#, numbers);
    assert!(message.contains("is not a number"), "{message}");
    let message = error(r#"any where ip : "10.*""#, typed());
    assert!(message.contains("of type [ip]"), "{message}");
    let message = error(r#"any where v like "1.*""#, typed());
    assert!(message.contains("of type [version]"), "{message}");
}
