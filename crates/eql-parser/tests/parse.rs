//! Integration tests of the EQL parser: operators and precedence, literals,
//! fields, queries, errors and their rendering, limits, printing and the
//! round trip through `Display`, and the public rule and QA corpora.

mod support;

use eql_parser::ast::{Category, ExprKind, Literal, MatchOp, Query, TimeUnit};
use eql_parser::{ParseErrorKind, Parser, Span};
use support::{
    assert_round_trip, category_name, clear_spans, condition, parse_err, parse_ok, sexp, tree,
};

/// Returns the `expected` and `found` texts of an `Unexpected` error.
fn unexpected(text: &str) -> (String, String) {
    match parse_err(text).kind {
        ParseErrorKind::Unexpected { expected, found } => (expected, found),
        other => panic!("expected an Unexpected error for {text:?}, got {other:?}"),
    }
}

/// Returns the message of an `InvalidMaxSpan` error.
fn maxspan_error(maxspan: &str) -> String {
    let text = format!("sequence with maxspan={maxspan} [a where true] [b where true]");
    match parse_err(&text).kind {
        ParseErrorKind::InvalidMaxSpan(message) => message,
        other => panic!("expected InvalidMaxSpan for {maxspan:?}, got {other:?}"),
    }
}

mod precedence {
    use super::*;

    #[test]
    fn or_and_are_left_associative() {
        assert_eq!(tree("a or b or c"), "(or (or a b) c)");
        assert_eq!(tree("a and b and c"), "(and (and a b) c)");
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(tree("a or b and c"), "(or a (and b c))");
        assert_eq!(tree("a and b or c"), "(or (and a b) c)");
    }

    #[test]
    fn not_binds_between_and_and_comparison() {
        assert_eq!(tree("not a and b"), "(and (not a) b)");
        assert_eq!(tree("not a == 1"), "(not (== a 1))");
        assert_eq!(tree("a or not b"), "(or a (not b))");
        assert_eq!(tree("not not a"), "(not (not a))");
        assert_eq!(tree("not a : \"x\""), "(not (: a [\"x\"]))");
    }

    #[test]
    fn every_comparison_operator() {
        assert_eq!(tree("a == 1"), "(== a 1)");
        assert_eq!(tree("a != 1"), "(!= a 1)");
        assert_eq!(tree("a < 1"), "(< a 1)");
        assert_eq!(tree("a <= 1"), "(<= a 1)");
        assert_eq!(tree("a > 1"), "(> a 1)");
        assert_eq!(tree("a >= 1"), "(>= a 1)");
        assert_eq!(tree("a==1"), "(== a 1)");
    }

    #[test]
    fn comparison_binds_looser_than_arithmetic() {
        assert_eq!(tree("a + 1 == b * 2"), "(== (+ a 1) (* b 2))");
        assert_eq!(tree("a == 1 and b == 2"), "(and (== a 1) (== b 2))");
    }

    #[test]
    fn comparisons_cannot_chain() {
        let error = parse_err("any where a < b < c");
        assert!(matches!(error.kind, ParseErrorKind::Other(ref m) if m.contains("chained")));
        assert_eq!(error.span, Span::new(16, 17));
        let error = parse_err("any where a == -b + 1 != c");
        assert_eq!(error.span, Span::new(22, 24));
        // Brackets make the second comparison legal.
        assert_eq!(tree("(a < b) == c"), "(== (paren (< a b)) c)");
    }

    #[test]
    fn arithmetic_precedence() {
        assert_eq!(tree("a + b * c"), "(+ a (* b c))");
        assert_eq!(tree("a * b + c"), "(+ (* a b) c)");
        assert_eq!(tree("a - b - c"), "(- (- a b) c)");
        assert_eq!(tree("a / b % c * d"), "(* (% (/ a b) c) d)");
        assert_eq!(
            tree("a + b * c - d / e % f"),
            "(- (+ a (* b c)) (% (/ d e) f))"
        );
    }

    #[test]
    fn unary_signs() {
        assert_eq!(tree("-a * b"), "(* (neg a) b)");
        assert_eq!(tree("a * -b"), "(* a (neg b))");
        assert_eq!(tree("+a"), "a");
        assert_eq!(tree("- -a"), "(neg (neg a))");
        assert_eq!(tree("--a"), "(neg (neg a))");
        assert_eq!(tree("-+a"), "(neg a)");
        assert_eq!(tree("-5"), "(neg 5)");
        assert_eq!(tree("a -1"), "(- a 1)");
        assert_eq!(tree("1 - -1"), "(- 1 (neg 1))");
    }

    #[test]
    fn not_is_rejected_after_sign_or_comparison() {
        let (expected, found) = unexpected("any where -not a");
        assert_eq!(expected, "an expression");
        assert_eq!(found, "`not`");
        let (_, found) = unexpected("any where a == not b");
        assert_eq!(found, "`not`");
    }

    #[test]
    fn predicate_takes_one_primary() {
        assert_eq!(tree("a + b in (1)"), "(+ a (in b [1]))");
        assert_eq!(tree("-x in (1)"), "(neg (in x [1]))");
        assert_eq!(tree("not x in (1)"), "(not (in x [1]))");
        assert_eq!(tree("(a + b) in (1)"), "(in (paren (+ a b)) [1])");
        assert_eq!(tree("f(x) : \"a\""), "(: (call f [x]) [\"a\"])");
        assert_eq!(tree("a : \"x\" and b"), "(and (: a [\"x\"]) b)");
    }

    #[test]
    fn predicates_do_not_stack() {
        let (_, found) = unexpected("any where a : \"x\" : \"y\"");
        assert_eq!(found, "`:`");
        let (_, found) = unexpected("any where x : f(a) in (1)");
        assert_eq!(found, "`in`");
    }

    #[test]
    fn parentheses_are_kept() {
        assert_eq!(tree("(a)"), "(paren a)");
        assert_eq!(tree("(a or b) and c"), "(and (paren (or a b)) c)");
        assert_eq!(tree("((a))"), "(paren (paren a))");
    }
}

mod predicates {
    use super::*;

    #[test]
    fn in_forms() {
        assert_eq!(tree("a in (1, 2)"), "(in a [1 2])");
        assert_eq!(tree("a not in (1)"), "(not in a [1])");
        assert_eq!(tree("a in~ (\"x\")"), "(in~ a [\"x\"])");
        assert_eq!(
            tree("a not in~ (\"x\", \"y\")"),
            "(not in~ a [\"x\" \"y\"])"
        );
        assert_eq!(tree("a in (b + 1, f(c))"), "(in a [(+ b 1) (call f [c])])");
    }

    #[test]
    fn in_needs_a_list() {
        let (expected, found) = unexpected("any where a in \"x\"");
        assert_eq!(expected, "`(`");
        assert_eq!(found, "`\"x\"`");
        let (expected, found) = unexpected("any where a in ()");
        assert_eq!(expected, "an expression");
        assert_eq!(found, "`)`");
    }

    #[test]
    fn pattern_operators_single_and_list() {
        assert_eq!(tree("a : \"x*\""), "(: a [\"x*\"])");
        assert_eq!(tree("a : (\"x\", \"y\")"), "(: a [\"x\" \"y\"])");
        assert_eq!(tree("a like \"x\""), "(like a [\"x\"])");
        assert_eq!(tree("a like (\"x\", \"y\")"), "(like a [\"x\" \"y\"])");
        assert_eq!(tree("a like~ \"x\""), "(like~ a [\"x\"])");
        assert_eq!(tree("a like~ (\"x\")"), "(like~ a [\"x\"])");
        assert_eq!(tree("a regex \".*\""), "(regex a [\".*\"])");
        assert_eq!(tree("a regex (\"a\", \"b\")"), "(regex a [\"a\" \"b\"])");
        assert_eq!(tree("a regex~ \"x\""), "(regex~ a [\"x\"])");
        assert_eq!(tree("a regex~ (\"x\", \"y\")"), "(regex~ a [\"x\" \"y\"])");
        assert_eq!(tree("a:\"x\""), "(: a [\"x\"])");
    }

    #[test]
    fn pattern_operators_keep_their_kind() {
        let statement = parse_ok("any where a like~ \"x\"");
        match &condition(&statement).kind {
            ExprKind::Match { op, .. } => assert_eq!(*op, MatchOp::LikeInsensitive),
            other => panic!("expected a match, got {other:?}"),
        }
    }

    #[test]
    fn patterns_of_every_constant_kind() {
        assert_eq!(tree("a : -1"), "(: a [(neg 1)])");
        assert_eq!(tree("a : 1.5"), "(: a [1.5f])");
        assert_eq!(tree("a : null"), "(: a [null])");
        assert_eq!(tree("a : true"), "(: a [true])");
        assert_eq!(
            tree("a : (1, -2, null, false)"),
            "(: a [1 (neg 2) null false])"
        );
        // Constness is the compiler's check; the parser accepts a field.
        assert_eq!(tree("a : b"), "(: a [b])");
    }

    #[test]
    fn not_like_is_a_syntax_error() {
        let (expected, found) = unexpected("any where x not like \"a\"");
        assert_eq!(expected, "`in` or `in~`");
        assert_eq!(found, "`like`");
        let (_, found) = unexpected("any where x not : \"a\"");
        assert_eq!(found, "`:`");
    }

    #[test]
    fn keyword_tilde_forms_need_no_space() {
        // `like ~` is `like` followed by a stray `~`.
        let (_, found) = unexpected("any where a like ~\"x\"");
        assert_eq!(found, "`~`");
    }
}

mod literals {
    use super::*;

    #[test]
    fn booleans_null_and_numbers() {
        assert_eq!(tree("true"), "true");
        assert_eq!(tree("false"), "false");
        assert_eq!(tree("null"), "null");
        assert_eq!(tree("42"), "42");
        assert_eq!(tree("1.5"), "1.5f");
        assert_eq!(tree("1."), "1.0f");
        assert_eq!(tree(".5"), "0.5f");
        assert_eq!(tree("1e3"), "1000.0f");
        assert_eq!(tree("2.5E-1"), "0.25f");
        assert_eq!(tree("1e+2"), "100.0f");
    }

    #[test]
    fn integer_overflow_becomes_float() {
        assert_eq!(tree("9223372036854775807"), "9223372036854775807");
        assert_eq!(tree("9223372036854775808"), "9.223372036854776e18f");
    }

    #[test]
    fn infinite_number_is_rejected() {
        let error = parse_err("any where a == 1e400");
        assert_eq!(error.kind, ParseErrorKind::InvalidNumber("1e400".into()));
        assert_eq!(error.span, Span::new(15, 20));
    }

    #[test]
    fn string_escapes() {
        assert_eq!(tree(r#""a\tb""#), r#""a\tb""#);
        let statement = parse_ok(r#"any where a == "\t\b\f\n\r\"\\\'""#);
        match &condition(&statement).kind {
            ExprKind::Compare { right, .. } => assert_eq!(
                right.kind,
                ExprKind::Literal(Literal::String("\t\u{8}\u{c}\n\r\"\\'".into()))
            ),
            other => panic!("expected a comparison, got {other:?}"),
        }
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(tree(r#""\u{41}\u{202E}x""#), "\"A\\u{202e}x\"");
        assert_eq!(tree(r#""\u{1F600}""#), "\"😀\"");
    }

    #[test]
    fn invalid_unicode_escapes() {
        let error = parse_err(r#"any where a == "\u{D83D}""#);
        assert!(
            matches!(&error.kind, ParseErrorKind::InvalidEscape(m) if m.contains("is a surrogate code"))
        );
        assert_eq!(error.span, Span::new(16, 24));
        let error = parse_err(r#"any where a == "\u{1}""#);
        assert!(matches!(&error.kind, ParseErrorKind::InvalidEscape(m)
            if m.contains("Unicode sequence should use [2-8] hex digits")));
        let error = parse_err(r#"any where a == "\u{123456789}""#);
        assert!(matches!(&error.kind, ParseErrorKind::InvalidEscape(m)
            if m.contains("Unicode sequence should use [2-8] hex digits")));
    }

    #[test]
    fn backslash_paths_keep_backslashes() {
        assert_eq!(
            tree(r#""C:\Windows\System32""#),
            r#""C:\\Windows\\System32""#
        );
        assert_eq!(tree(r#""C:\\Windows\\foo""#), r#""C:\\Windows\\foo""#);
        assert_eq!(tree(r#""\Device\users\x""#), r#""\\Device\\users\\x""#);
        assert_eq!(
            tree(r#""?:\Users\*\AppData""#),
            r#""?:\\Users\\*\\AppData""#
        );
    }

    #[test]
    fn escape_letters_in_paths_are_still_escapes() {
        // As in Elasticsearch, `\t` and `\f` are escapes even inside a path.
        assert_eq!(tree(r#""C:\temp\foo""#), r#""C:\temp\u{c}oo""#);
        let statement = parse_ok(r#"any where a == "C:\temp""#);
        match &condition(&statement).kind {
            ExprKind::Compare { right, .. } => {
                assert_eq!(
                    right.kind,
                    ExprKind::Literal(Literal::String("C:\temp".into()))
                )
            }
            other => panic!("expected a comparison, got {other:?}"),
        }
    }

    #[test]
    fn raw_strings() {
        assert_eq!(tree(r#""""C:\Windows\""""#), r#""C:\\Windows\\""#);
        assert_eq!(tree(r#""""a""""#), r#""a""#);
        assert_eq!(tree(r#""""a"""""#), r#""a\"""#);
        assert_eq!(tree(r#""""a""""""#), r#""a\"\"""#);
        assert_eq!(tree(r#""""say "hi"""""#), r#""say \"hi\"""#);
        assert_eq!(tree(r#""""""""#), r#""""#);
    }

    #[test]
    fn unterminated_strings() {
        let error = parse_err("any where a == \"abc");
        assert_eq!(error.kind, ParseErrorKind::UnterminatedString);
        assert_eq!(error.span, Span::new(15, 19));
        let error = parse_err("any where a == \"ab\nc\"");
        assert_eq!(error.kind, ParseErrorKind::UnterminatedString);
        assert_eq!(error.span, Span::new(15, 18));
        let error = parse_err("any where a == \"\"\"ab\ncd\"\"\"");
        assert_eq!(error.kind, ParseErrorKind::UnterminatedString);
        let error = parse_err(r#"any where a == "C:\""#);
        assert_eq!(error.kind, ParseErrorKind::UnterminatedString);
    }

    #[test]
    fn single_quotes_are_rejected() {
        let error = parse_err("any where a == 'abc' and b");
        assert_eq!(error.kind, ParseErrorKind::SingleQuotedString);
        assert_eq!(error.span, Span::new(15, 20));
        let error = parse_err("any where a == 'it\\'s' and b");
        assert_eq!(error.span, Span::new(15, 22));
    }

    #[test]
    fn question_mark_strings_are_rejected() {
        let error = parse_err("any where a == ?\"abc\" and b");
        assert_eq!(error.kind, ParseErrorKind::QuestionMarkString);
        assert_eq!(error.span, Span::new(15, 21));
        let error = parse_err("any where a == ?'abc'");
        assert_eq!(error.kind, ParseErrorKind::QuestionMarkString);
        assert_eq!(error.span, Span::new(15, 21));
    }
}

mod comments {
    use super::*;

    #[test]
    fn line_and_block_comments() {
        assert_eq!(tree("a // note\n == 1"), "(== a 1)");
        assert_eq!(tree("a /* note */ == /* another */ 1"), "(== a 1)");
        assert_eq!(tree("a == 1 // trailing"), "(== a 1)");
        assert_eq!(tree("a /* outer /* nested */ still */ == 1"), "(== a 1)");
        assert_eq!(tree("a /**/ == 1"), "(== a 1)");
        assert_eq!(tree("a / b"), "(/ a b)");
        let statement = parse_ok("/* lead */ process // x\n where /* y */ true");
        assert!(matches!(statement.query, Query::Event(_)));
    }

    #[test]
    fn comment_markers_inside_strings_are_text() {
        assert_eq!(tree("a == \"/* x */ // y\""), "(== a \"/* x */ // y\")");
    }

    #[test]
    fn unterminated_comment() {
        let error = parse_err("any where a == 1 /* open");
        assert_eq!(error.kind, ParseErrorKind::UnterminatedComment);
        assert_eq!(error.span, Span::new(17, 19));
        let error = parse_err("any where /* a /* b */ true");
        assert_eq!(error.kind, ParseErrorKind::UnterminatedComment);
    }
}

mod fields {
    use super::*;

    fn field_of(condition_text: &str) -> eql_parser::ast::FieldRef {
        let statement = parse_ok(&format!("any where {condition_text}"));
        match &condition(&statement).kind {
            ExprKind::Field(field) => field.clone(),
            other => panic!("expected a field, got {other:?}"),
        }
    }

    #[test]
    fn dotted_paths() {
        let field = field_of("process.parent.name");
        assert_eq!(field.path, ["process", "parent", "name"]);
        assert!(!field.optional);
        assert_eq!(field.span, Span::new(10, 29));
        assert_eq!(field_of("@timestamp").path, ["@timestamp"]);
        assert_eq!(field_of("_id").path, ["_id"]);
        assert_eq!(field_of("AND").path, ["AND"]);
    }

    #[test]
    fn back_quoted_segments() {
        assert_eq!(field_of("`my field`").path, ["my field"]);
        assert_eq!(field_of("a.`b-c`.d").path, ["a", "b-c", "d"]);
        assert_eq!(field_of("`a.b`").path, ["a.b"]);
        assert_eq!(field_of("`it``s`").path, ["it`s"]);
        assert_eq!(field_of("`*`").path, ["*"]);
        assert_eq!(field_of("``").path, [""]);
    }

    #[test]
    fn keywords_need_back_quotes() {
        assert_eq!(field_of("`sequence`.`in`").path, ["sequence", "in"]);
        assert_eq!(field_of("`true`").path, ["true"]);
        let (expected, found) = unexpected("any where a.in == 1");
        assert_eq!(expected, "a field name");
        assert_eq!(found, "`in`");
        let (expected, found) = unexpected("any where sequence == 1");
        assert_eq!(expected, "an expression");
        assert_eq!(found, "`sequence`");
    }

    #[test]
    fn optional_fields() {
        let field = field_of("?user.id");
        assert!(field.optional);
        assert_eq!(field.path, ["user", "id"]);
        assert_eq!(field.span, Span::new(10, 18));
        assert!(field_of("?`a b`").optional);
        let (expected, _) = unexpected("any where ? == 1");
        assert_eq!(expected, "a field name");
    }

    #[test]
    fn array_index_is_rejected() {
        let error = parse_err("any where process.args[0] == \"x\"");
        assert_eq!(error.kind, ParseErrorKind::ArrayIndex);
        assert_eq!(error.span, Span::new(22, 25));
    }

    #[test]
    fn unterminated_back_quote() {
        let error = parse_err("any where `abc == 1");
        assert!(matches!(&error.kind, ParseErrorKind::Other(m) if m.contains("back-quote")));
        assert_eq!(error.span, Span::new(10, 11));
    }
}

mod calls {
    use super::*;

    #[test]
    fn call_forms() {
        assert_eq!(tree("f()"), "(call f [])");
        assert_eq!(tree("length(a)"), "(call length [a])");
        assert_eq!(tree("concat(a, \"b\", 1)"), "(call concat [a \"b\" 1])");
        assert_eq!(tree("length (a)"), "(call length [a])");
        assert_eq!(tree("f(g(h(x)))"), "(call f [(call g [(call h [x])])])");
        assert_eq!(tree("f((a), b or c)"), "(call f [(paren a) (or b c)])");
    }

    #[test]
    fn insensitive_calls() {
        assert_eq!(tree("endsWith~(a, \"b\")"), "(call endsWith~ [a \"b\"])");
        assert_eq!(
            tree("startswith~ (a, \"b\")"),
            "(call startswith~ [a \"b\"])"
        );
        let statement = parse_ok("any where endsWith~(a, \"b\")");
        match &condition(&statement).kind {
            ExprKind::Call {
                name, name_span, ..
            } => {
                assert_eq!(name, "endsWith");
                assert_eq!(*name_span, Span::new(10, 19));
            }
            other => panic!("expected a call, got {other:?}"),
        }
    }

    #[test]
    fn tilde_must_touch_the_name() {
        let (_, found) = unexpected("any where endsWith ~(a, \"b\")");
        assert_eq!(found, "`~`");
        let (expected, _) = unexpected("any where endsWith~ a");
        assert_eq!(expected, "`(`");
    }

    #[test]
    fn missing_close() {
        let (expected, found) = unexpected("any where f(a b)");
        assert_eq!(expected, "an operator, `,` or `)`");
        assert_eq!(found, "`b`");
        let (expected, found) = unexpected("any where (a b)");
        assert_eq!(expected, "an operator or `)`");
        assert_eq!(found, "`b`");
        let (expected, found) = unexpected("any where (a or b");
        assert_eq!(expected, "an operator or `)`");
        assert_eq!(found, "end of input");
    }
}

mod event_queries {
    use super::*;

    fn filter_of(text: &str) -> eql_parser::ast::EventFilter {
        match parse_ok(text).query {
            Query::Event(filter) => filter,
            other => panic!("expected an event query, got {other:?}"),
        }
    }

    #[test]
    fn categories() {
        let filter = filter_of("process where true");
        assert_eq!(filter.category, Category::Named("process".into()));
        assert_eq!(filter.category_span, Span::new(0, 7));
        assert_eq!(filter.span, Span::new(0, 18));
        assert_eq!(filter_of("any where true").category, Category::Any);
        assert_eq!(category_name(&filter_of("\"my-cat\" where true")), "my-cat");
        assert_eq!(category_name(&filter_of("\"any\" where true")), "any");
        assert_eq!(
            category_name(&filter_of("\"\"\"a b\"\"\" where true")),
            "a b"
        );
        assert_eq!(category_name(&filter_of("OPTIONAL where true")), "OPTIONAL");
    }

    #[test]
    fn missing_where() {
        let (expected, found) = unexpected("process true");
        assert_eq!(expected, "`where`");
        assert_eq!(found, "`true`");
        let (expected, found) = unexpected("process");
        assert_eq!(expected, "`where`");
        assert_eq!(found, "end of input");
    }

    #[test]
    fn missing_category_or_condition() {
        let (expected, found) = unexpected("where true");
        assert_eq!(expected, "an event category");
        assert_eq!(found, "`where`");
        let (expected, found) = unexpected("process where");
        assert_eq!(expected, "an expression");
        assert_eq!(found, "end of input");
        let (expected, _) = unexpected("");
        assert_eq!(expected, "an event category");
        let error = parse_err("'process' where true");
        assert_eq!(error.kind, ParseErrorKind::SingleQuotedString);
    }

    #[test]
    fn trailing_input() {
        let (expected, found) = unexpected("process where a == 1 b");
        assert_eq!(expected, "an operator, `|` or end of input");
        assert_eq!(found, "`b`");
        let (_, found) = unexpected("process where true)");
        assert_eq!(found, "`)`");
    }

    #[test]
    fn single_equals() {
        let error = parse_err("process where a = 1");
        assert_eq!(error.kind, ParseErrorKind::SingleEquals);
        assert_eq!(error.span, Span::new(16, 17));
    }

    #[test]
    fn process_relationships_are_rejected() {
        for text in [
            "process where child of [process where true]",
            "process where descendant of [process where true]",
            "process where event of [process where true]",
            "process where a == 1 and not child of [process where true]",
        ] {
            let error = parse_err(text);
            assert_eq!(error.kind, ParseErrorKind::ProcessRelationship, "{text}");
        }
        let error = parse_err("process where child of [process where true]");
        assert_eq!(error.span, Span::new(14, 22));
    }

    #[test]
    fn join_is_rejected() {
        let error = parse_err("join by a [process where true] [file where true]");
        assert_eq!(
            error.kind,
            ParseErrorKind::Other("JOIN command is not supported".into())
        );
        assert_eq!(error.span, Span::new(0, 4));
    }
}

mod sequences {
    use super::*;

    fn sequence_of(text: &str) -> eql_parser::ast::Sequence {
        match parse_ok(text).query {
            Query::Sequence(sequence) => sequence,
            other => panic!("expected a sequence, got {other:?}"),
        }
    }

    fn paths(keys: &[eql_parser::ast::FieldRef]) -> Vec<String> {
        keys.iter().map(|key| key.dotted()).collect()
    }

    #[test]
    fn shared_keys_and_maxspan() {
        let sequence = sequence_of(
            "sequence by host.id, user.name with maxspan=5m [process where true] [file where true]",
        );
        assert_eq!(paths(&sequence.by), ["host.id", "user.name"]);
        let maxspan = sequence.maxspan.expect("maxspan");
        assert_eq!((maxspan.value, maxspan.unit), (5, TimeUnit::Minutes));
        assert_eq!(maxspan.span, Span::new(44, 46));
        assert_eq!(sequence.stages.len(), 2);
        assert!(sequence.until.is_none());
        assert_eq!(sequence.span.start, 0);
    }

    #[test]
    fn per_stage_keys() {
        let sequence = sequence_of(
            "sequence [process where true] by a, ?b [file where true] by c until [x where true] by d",
        );
        assert!(sequence.by.is_empty());
        assert_eq!(paths(&sequence.stages[0].by), ["a", "b"]);
        assert!(sequence.stages[0].by[1].optional);
        assert_eq!(paths(&sequence.stages[1].by), ["c"]);
        let until = sequence.until.expect("until");
        assert_eq!(paths(&until.by), ["d"]);
    }

    #[test]
    fn shared_and_per_stage_keys_with_different_counts() {
        let sequence = sequence_of(
            "sequence by a [process where true] by b, c [file where true] [x where true] by d",
        );
        assert_eq!(paths(&sequence.by), ["a"]);
        assert_eq!(paths(&sequence.stages[0].by), ["b", "c"]);
        assert!(sequence.stages[1].by.is_empty());
        assert_eq!(paths(&sequence.stages[2].by), ["d"]);
    }

    #[test]
    fn maxspan_units_and_spacing() {
        let cases = [
            ("1s", 1, TimeUnit::Seconds),
            ("500ms", 500, TimeUnit::Millis),
            ("2m", 2, TimeUnit::Minutes),
            ("3h", 3, TimeUnit::Hours),
            ("7d", 7, TimeUnit::Days),
        ];
        for (written, value, unit) in cases {
            for text in [
                format!("sequence with maxspan={written} [a where true] [b where true]"),
                format!("sequence with maxspan = {written} [a where true] [b where true]"),
            ] {
                let maxspan = sequence_of(&text).maxspan.expect("maxspan");
                assert_eq!((maxspan.value, maxspan.unit), (value, unit), "{text}");
            }
        }
        let spaced = sequence_of("sequence with maxspan=5 s [a where true] [b where true]");
        assert_eq!(spaced.maxspan.map(|m| m.value), Some(5));
    }

    #[test]
    fn maxspan_errors() {
        assert_eq!(
            maxspan_error("0s"),
            "A positive maxspan value is required; found [0s]"
        );
        assert_eq!(
            maxspan_error("-1s"),
            "A positive maxspan value is required; found [-1s]"
        );
        assert_eq!(
            maxspan_error("5"),
            "No time unit specified, did you mean [s] as in [5s]?"
        );
        assert_eq!(
            maxspan_error("5x"),
            "Unrecognized time unit [x] in [5x], please specify one of [ms, s, m, h, d]"
        );
        assert_eq!(
            maxspan_error("5S"),
            "Unrecognized time unit [S] in [5S], please specify one of [ms, s, m, h, d]"
        );
        assert_eq!(
            maxspan_error("1.5s"),
            "Decimal time interval [1.5s] not supported; please use an positive integer"
        );
        assert_eq!(
            maxspan_error("99999999999999999999s"),
            "maxspan value [99999999999999999999s] is too large"
        );
    }

    #[test]
    fn maxspan_error_span() {
        let error = parse_err("sequence with maxspan=5x [a where true]");
        assert_eq!(error.span, Span::new(22, 24));
        let (expected, found) = unexpected("sequence with maxspan=[a where true]");
        assert_eq!(expected, "a time span such as `5m`");
        assert_eq!(found, "`[`");
        let (expected, _) = unexpected("sequence with maxspan 5m [a where true]");
        assert_eq!(expected, "`=`");
    }

    #[test]
    fn by_after_with_is_rejected() {
        let error = parse_err("sequence with maxspan=1m by a [a where true] [b where true]");
        assert_eq!(error.kind, ParseErrorKind::ByAfterWith);
        assert_eq!(error.span, Span::new(25, 27));
        let error = parse_err("sequence [a where true] with runs=2 by a [b where true]");
        assert_eq!(error.kind, ParseErrorKind::ByAfterWith);
    }

    #[test]
    fn unknown_sequence_parameter() {
        let error = parse_err("sequence with size=5 [a where true]");
        assert!(matches!(&error.kind, ParseErrorKind::InvalidParameter(m) if m.contains("[size]")));
        assert_eq!(error.span, Span::new(14, 18));
    }

    #[test]
    fn until_stage() {
        let sequence = sequence_of("sequence [a where true] [b where true] until [c where x == 1]");
        let until = sequence.until.expect("until");
        assert_eq!(category_name(&until.filter), "c");
        assert_eq!(sequence.span, Span::new(0, 61));
    }

    #[test]
    fn runs() {
        let sequence =
            sequence_of("sequence [a where true] with runs=3 [b where true] by x with runs = 2");
        let runs = sequence.stages[0].runs.expect("runs");
        assert_eq!(runs.count, 3);
        assert_eq!(runs.span, Span::new(24, 35));
        assert_eq!(sequence.stages[1].runs.map(|runs| runs.count), Some(2));
        // The upper bound is the compiler's check.
        let large = sequence_of("sequence [a where true] with runs=1000 [b where true]");
        assert_eq!(large.stages[0].runs.map(|runs| runs.count), Some(1000));
    }

    #[test]
    fn invalid_runs() {
        for value in ["0", "-1", "1.5", "x"] {
            let text = format!("sequence [a where true] with runs={value} [b where true]");
            let error = parse_err(&text);
            assert!(
                matches!(&error.kind, ParseErrorKind::InvalidParameter(m) if m.contains("positive integer")),
                "{value}: {:?}",
                error.kind
            );
        }
        let error = parse_err("sequence [a where true] with runs=-1 [b where true]");
        assert!(
            matches!(&error.kind, ParseErrorKind::InvalidParameter(m) if m.ends_with("found `-1`"))
        );
        assert_eq!(error.span, Span::new(34, 36));
        let error = parse_err("sequence [a where true] with repeat=2 [b where true]");
        assert!(
            matches!(&error.kind, ParseErrorKind::InvalidParameter(m) if m.contains("[repeat]"))
        );
        assert_eq!(error.span, Span::new(29, 35));
        let error = parse_err("sequence [a where true] with maxspan=2s [b where true]");
        assert!(
            matches!(&error.kind, ParseErrorKind::InvalidParameter(m) if m.contains("after [sequence]"))
        );
    }

    #[test]
    fn missing_event_stages() {
        let sequence = sequence_of("sequence by a [a where true] ![b where true] [c where true]");
        let missing: Vec<bool> = sequence.stages.iter().map(|stage| stage.missing).collect();
        assert_eq!(missing, [false, true, false]);
        assert_eq!(sequence.stages[1].span, Span::new(29, 44));
        let sequence = sequence_of("sequence [a where true] by x ![b where true] by x");
        assert!(sequence.stages[1].missing);
    }

    #[test]
    fn one_stage_parses() {
        // How many stages a sequence needs is the compiler's check.
        assert_eq!(sequence_of("sequence [a where true]").stages.len(), 1);
    }

    #[test]
    fn stage_errors() {
        let (expected, found) = unexpected("sequence by a");
        assert_eq!(expected, "an operator, `,`, `with`, `[` or `![`");
        assert_eq!(found, "end of input");
        let (expected, found) = unexpected("sequence [a where true");
        assert_eq!(expected, "an operator or `]`");
        assert_eq!(found, "end of input");
        let (expected, found) = unexpected("sequence [a where true] [b where true] foo");
        assert_eq!(
            expected,
            "`by`, `with`, `[`, `![`, `until`, `|` or end of input"
        );
        assert_eq!(found, "`foo`");
    }

    #[test]
    fn unsupported_join_key() {
        for key in ["1", "f(a)", "a + 1", "(a)", "a == 1"] {
            let text = format!("sequence by {key} [a where true] [b where true]");
            let error = parse_err(&text);
            assert!(
                matches!(&error.kind, ParseErrorKind::Other(m) if m.starts_with("Unsupported join key")),
                "{key}: {:?}",
                error.kind
            );
            assert_eq!(error.span, Span::new(12, 12 + key.len()), "{key}");
        }
    }
}

mod samples {
    use super::*;

    #[test]
    fn sample_with_keys() {
        let statement = parse_ok("sample by host.id [a where true] by x [b where true] by y");
        let Query::Sample(sample) = statement.query else {
            panic!("expected a sample");
        };
        assert_eq!(sample.by.len(), 1);
        assert_eq!(sample.stages.len(), 2);
        assert_eq!(sample.stages[0].by[0].dotted(), "x");
        assert_eq!(sample.span, Span::new(0, 57));
    }

    #[test]
    fn sample_without_keys_and_with_runs() {
        let statement = parse_ok("sample [a where true] [b where true] with runs=2");
        let Query::Sample(sample) = statement.query else {
            panic!("expected a sample");
        };
        assert!(sample.by.is_empty());
        // `runs` in a sample is the compiler's error.
        assert_eq!(sample.stages[1].runs.map(|runs| runs.count), Some(2));
    }

    #[test]
    fn sample_rejects_until_and_maxspan() {
        let (_, found) = unexpected("sample [a where true] [b where true] until [c where true]");
        assert_eq!(found, "`until`");
        let (_, found) = unexpected("sample with maxspan=1s [a where true]");
        assert_eq!(found, "`with`");
    }
}

mod pipes {
    use super::*;

    #[test]
    fn head_and_tail() {
        let statement = parse_ok("process where true | head 5 | tail 2");
        let pipes: Vec<(String, usize)> = statement
            .pipes
            .iter()
            .map(|pipe| (pipe.name.clone(), pipe.args.len()))
            .collect();
        assert_eq!(pipes, [("head".into(), 1), ("tail".into(), 1)]);
        assert_eq!(statement.pipes[0].span, Span::new(19, 27));
        assert_eq!(statement.pipes[0].name_span, Span::new(21, 25));
        assert_eq!(statement.span, Span::new(0, 36));
    }

    #[test]
    fn any_pipe_with_any_arguments() {
        let statement = parse_ok("process where true | unique_count a, b.c | count | filter x > 1");
        let names: Vec<&str> = statement
            .pipes
            .iter()
            .map(|pipe| pipe.name.as_str())
            .collect();
        assert_eq!(names, ["unique_count", "count", "filter"]);
        assert_eq!(statement.pipes[0].args.len(), 2);
        assert!(statement.pipes[1].args.is_empty());
        assert_eq!(sexp(&statement.pipes[2].args[0]), "(> x 1)");
    }

    #[test]
    fn pipe_errors() {
        let (expected, found) = unexpected("process where true |");
        assert_eq!(expected, "a pipe name");
        assert_eq!(found, "end of input");
        let (expected, found) = unexpected("process where true | head 5 6");
        assert_eq!(expected, "an operator, `,`, `|` or end of input");
        assert_eq!(found, "`6`");
    }

    #[test]
    fn pipes_after_sequences() {
        let statement = parse_ok("sequence [a where true] [b where true] | tail 3");
        assert_eq!(statement.pipes.len(), 1);
    }
}

mod rendering {
    use super::*;

    fn rendered(text: &str) -> String {
        parse_err(text).render(text)
    }

    #[test]
    fn missing_where_caret() {
        assert_eq!(
            rendered("process x == 1"),
            "1:9: expected `where`, found `x`\n1 | process x == 1\n            ^"
        );
    }

    #[test]
    fn single_equals_caret() {
        assert_eq!(
            rendered("process where\n  x = 1"),
            "2:5: found [=]; use [==] for equality or [:] for case-insensitive equality\n\
             2 |   x = 1\n        ^"
        );
    }

    #[test]
    fn maxspan_caret() {
        assert_eq!(
            rendered("sequence with maxspan=5x\n  [a where true]"),
            "1:23: Unrecognized time unit [x] in [5x], please specify one of [ms, s, m, h, d]\n\
             1 | sequence with maxspan=5x\n                          ^^"
        );
    }

    #[test]
    fn unterminated_string_caret() {
        assert_eq!(
            rendered("any where a == \"abc\n"),
            "1:16: unterminated string; close it with a double quote on the same line\n\
             1 | any where a == \"abc\n                   ^^^^"
        );
    }

    #[test]
    fn end_of_input_caret() {
        assert_eq!(
            rendered("any where (a"),
            "1:13: expected an operator or `)`, found end of input\n\
             1 | any where (a\n                ^"
        );
    }
}

mod limits {
    use super::*;

    /// Runs `test` on a thread with a 2 MiB stack, the default size of a
    /// test thread, so that the limits are checked whatever RUST_MIN_STACK
    /// is set to.
    fn on_small_stack(test: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(test)
            .expect("spawn test thread")
            .join()
            .expect("test thread panicked");
    }

    fn nest_error(text: &str) -> (usize, Span) {
        match parse_err(text).kind {
            ParseErrorKind::NestTooDeep { limit } => (limit, parse_err(text).span),
            other => panic!("expected NestTooDeep, got {other:?}"),
        }
    }

    #[test]
    fn deep_parentheses_hit_the_limit() {
        on_small_stack(|| {
            let text = format!("any where {}a{}", "(".repeat(100_000), ")".repeat(100_000));
            let (limit, span) = nest_error(&text);
            assert_eq!(limit, eql_parser::DEFAULT_NEST_LIMIT);
            assert_eq!(span, Span::new(10 + limit, 11 + limit));
        });
    }

    #[test]
    fn deep_not_and_signs_hit_the_limit() {
        on_small_stack(|| {
            nest_error(&format!("any where {}a", "not ".repeat(100_000)));
            nest_error(&format!("any where {}a", "-".repeat(100_000)));
            nest_error(&format!("any where {}a", "+".repeat(100_000)));
            nest_error(&format!("any where a : {}1", "-".repeat(100_000)));
        });
    }

    #[test]
    fn deep_calls_and_lists_hit_the_limit() {
        on_small_stack(|| {
            nest_error(&format!(
                "any where {}a{}",
                "f(".repeat(100_000),
                ")".repeat(100_000)
            ));
            nest_error(&format!(
                "any where {}a{}",
                "a in (".repeat(100_000),
                ")".repeat(100_000)
            ));
            nest_error(&format!(
                "any where {}a{}",
                "a : (".repeat(100_000),
                ")".repeat(100_000)
            ));
        });
    }

    #[test]
    fn nesting_up_to_the_limit_parses() {
        on_small_stack(|| {
            let depth = eql_parser::DEFAULT_NEST_LIMIT;
            let text = format!("any where {}a{}", "(".repeat(depth), ")".repeat(depth));
            parse_ok(&text);
            let text = format!(
                "any where {}a{}",
                "(".repeat(depth + 1),
                ")".repeat(depth + 1)
            );
            nest_error(&text);
        });
    }

    #[test]
    fn custom_nest_limit() {
        let parser = Parser::new().nest_limit(2);
        assert!(parser.parse("any where ((a))").is_ok());
        let error = parser.parse("any where (((a)))").expect_err("too deep");
        assert_eq!(error.kind, ParseErrorKind::NestTooDeep { limit: 2 });
        assert_eq!(error.span, Span::new(12, 13));
        assert!(parser.parse("any where not not a").is_ok());
        assert!(parser.parse("any where not not not a").is_err());
        assert!(parser.parse("any where f(g(a))").is_ok());
        assert!(parser.parse("any where f(g(h(a)))").is_err());
        // Sibling brackets do not add up.
        assert!(parser.parse("any where ((a)) and ((b)) or f(g(c))").is_ok());
    }

    /// Builds `any where a == 0 or a == 1 or ...` with `terms` comparisons.
    fn or_chain(terms: usize) -> String {
        let mut text = String::from("any where a == 0");
        for term in 1..terms {
            text.push_str(&format!(" or a == {term}"));
        }
        text
    }

    #[test]
    fn long_flat_chain_parses_and_prints() {
        on_small_stack(|| {
            let text = or_chain(5_000);
            let statement = parse_ok(&text);
            // Walk the left spine in a loop; a recursive walk or `==` on a
            // tree 5,000 levels deep could exhaust a debug-build stack.
            let mut node = condition(&statement);
            let mut depth = 1;
            while let ExprKind::Or(left, _) = &node.kind {
                node = left;
                depth += 1;
            }
            assert_eq!(depth, 5_000);
            let printed = statement.to_string();
            assert_eq!(printed, text);
            assert_eq!(parse_ok(&printed).to_string(), text);
        });
    }

    #[test]
    fn huge_chain_is_rejected_not_overflowed() {
        on_small_stack(|| {
            let error = parse_err(&or_chain(100_000));
            assert!(matches!(error.kind, ParseErrorKind::TreeTooDeep { limit } if limit == 6_000));
        });
    }

    #[test]
    fn tallest_allowed_trees_drop_on_small_stack() {
        // Nested calls are the costliest nodes to drop. With the nest limit
        // out of the way, the tree height limit alone must keep the drop of
        // the tallest accepted tree, and of the partial tree left by a
        // rejected one, within a 2 MiB stack.
        on_small_stack(|| {
            let parser = Parser::new().nest_limit(usize::MAX);
            let calls =
                |depth: usize| format!("any where {}a{}", "f(".repeat(depth), ")".repeat(depth));
            // A leaf and 5,999 calls make a tree 6,000 levels high.
            let statement = parser.parse(&calls(5_999)).expect("tallest tree");
            drop(statement);
            let error = parser.parse(&calls(6_000)).expect_err("too tall");
            assert!(matches!(error.kind, ParseErrorKind::TreeTooDeep { .. }));
            let lists = format!(
                "any where {}a{}",
                "a in (".repeat(10_000),
                ")".repeat(10_000)
            );
            let error = parser.parse(&lists).expect_err("too tall");
            assert!(matches!(error.kind, ParseErrorKind::TreeTooDeep { .. }));
        });
    }
}

mod round_trip {
    use super::*;

    const QUERIES: &[&str] = &[
        "process where true",
        "any where a == 1 and not b : \"x*\" or c in~ (\"a\", \"b\")",
        "process where a + b in (1) and -x * 2 == 3",
        "process where a - b - c == a - (b - c)",
        "process where a * (b + c) / d % e > -1.5",
        "process where not (a or b) and not not c",
        "process where (a < b) == true",
        "file where ?file.`Ext`.`in` != null and `@timestamp` >= 0",
        "file where `it``s`.x == \"a\" and `` == 1",
        "file where file.path : (\"C:\\\\Windows\\\\*\", \"\"\"C:\\Temp\\*\"\"\") and x like~ \"a\"",
        "file where x regex \"[a-z]+\\\\.exe\" and y regex~ (\"a\", \"b\")",
        "file where x : -1 and y : (-1, +2, null, true, 1.5e10)",
        "network where cidrmatch(destination.ip, \"10.0.0.0/8\", \"192.168.0.0/16\")",
        "process where endsWith~(process.name, \".exe\") and length(x) > 2 and f()",
        "process where startsWith(concat(a, b), substring(c, 1, -1))",
        "process where a not in (1, 2) and b not in~ (\"x\") and c in ((1), 2)",
        "process where x : ((\"a\")) and x : -(1) and x : f(1)",
        "process where \"tab\\there\" == \"quote\\\"\" and \"\\u{01}\" != \"\\u{202E}\"",
        "process where 1. + .5 + 1e3 + 9223372036854775808 == 0.1",
        "\"my category\" where true",
        "\"any\" where true",
        "sequence by host.id with maxspan=5m [process where true] by a [file where true]",
        "sequence with maxspan=500ms [a where true] ![b where true] [c where true] until [d where x]",
        "sequence [a where true] by a, ?b with runs=3 [b where true] by c | head 3",
        "sequence by a, b [x where true] [y where true] until [z where true] by c | tail 1",
        "sample by host.id [a where true] [b where true] by x",
        "sample [a where true] [b where true]",
        "process where true | head 5 | tail 2",
        "process where true | unique_count a, b | filter x > 1",
        "process where -(-a) == --a and - 5 == -5",
        "process where +a == a and +(a) == a",
        "process where a == 1 // comment\n and /* block */ b == 2",
        "process where x : \"a\" == true",
        "process where (x : \"a\") == true",
        "process where f(x) in (1) and (a) : \"b\" and 1 in (1)",
        "registry where registry.data.strings : \"\"\"a\"b\"\"\"",
        "process where process.args : \"-enc\" and x % 2 == 0",
        "sequence by user.name\n  [process where process.name == \"cmd.exe\"]\n  [network where true]",
    ];

    #[test]
    fn queries_round_trip() {
        for query in QUERIES {
            assert_round_trip(query);
        }
    }

    #[test]
    fn printed_forms() {
        let cases = [
            ("any where a==1", "any where a == 1"),
            ("any where a in(1,2)", "any where a in (1, 2)"),
            ("any where a : (\"x\")", "any where a : \"x\""),
            ("any where a : ((\"x\"))", "any where a : ((\"x\"))"),
            (
                "any where \"\"\"C:\\x\"\"\" == 1",
                "any where \"C:\\\\x\" == 1",
            ),
            (
                "any where `a b`.c == `sequence`",
                "any where `a b`.c == `sequence`",
            ),
            ("any where +a", "any where a"),
            (
                "process  where a==1 or  b:\"x\"",
                "process where a == 1 or b : \"x\"",
            ),
            ("any where 1.", "any where 1.0"),
            ("\"a-b\" where true", "\"a-b\" where true"),
            (
                "sequence by a with maxspan = 5 s [x where true] [y where true] with runs=2",
                "sequence by a with maxspan=5s\n  [x where true]\n  [y where true] with runs=2",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(assert_round_trip(text), expected, "{text}");
        }
    }

    /// A small deterministic generator of random condition texts, so that
    /// the round trip is checked on shapes that the hand-written cases miss.
    struct Generator {
        state: u64,
    }

    impl Generator {
        /// Returns a number below `bound`, from a 64-bit linear congruential
        /// generator (Knuth's MMIX constants).
        fn below(&mut self, bound: usize) -> usize {
            self.state = self
                .state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.state >> 33) % bound as u64) as usize
        }

        fn pick<'t>(&mut self, choices: &[&'t str]) -> &'t str {
            choices[self.below(choices.len())]
        }

        fn primary(&mut self, depth: usize) -> String {
            let leaves = [
                "a",
                "?b.c",
                "`d e`",
                "1",
                "2.5",
                "\"s\"",
                "\"\"\"r\\\"\"\"\"",
                "null",
                "true",
            ];
            if depth == 0 {
                return self.pick(&leaves).to_owned();
            }
            match self.below(6) {
                0 => format!("({})", self.condition(depth - 1)),
                1 => format!(
                    "{}({}, {})",
                    self.pick(&["length", "endsWith~", "f"]),
                    self.value(depth - 1),
                    self.value(depth - 1)
                ),
                _ => self.pick(&leaves).to_owned(),
            }
        }

        fn value(&mut self, depth: usize) -> String {
            let mut text = self.primary(depth);
            match self.below(8) {
                0 => text = format!("-{text}"),
                1 => {
                    let op = self.pick(&["+", "-", "*", "/", "%"]);
                    text = format!("{text} {op} {}", self.primary(depth));
                }
                2 => {
                    let op = self.pick(&["in", "not in", "in~"]);
                    text = format!("{text} {op} ({}, {})", self.value(depth), self.primary(0));
                }
                3 => {
                    let op = self.pick(&[":", "like", "like~", "regex", "regex~"]);
                    text = format!(
                        "{text} {op} {}",
                        self.pick(&["\"x*\"", "-1", "(\"a\", \"b\")"])
                    );
                }
                _ => {}
            }
            text
        }

        fn condition(&mut self, depth: usize) -> String {
            let mut text = self.value(depth);
            if self.below(2) == 0 {
                let op = self.pick(&["==", "!=", "<", "<=", ">", ">="]);
                text = format!("{text} {op} {}", self.value(depth));
            }
            if self.below(4) == 0 {
                text = format!("not {text}");
            }
            for _ in 0..self.below(3) {
                let op = self.pick(&["and", "or"]);
                text = format!("{text} {op} {}", self.value(depth));
            }
            text
        }
    }

    #[test]
    fn generated_conditions_round_trip() {
        let mut generator = Generator { state: 42 };
        for _ in 0..500 {
            let condition = generator.condition(3);
            assert_round_trip(&format!("any where {condition}"));
        }
    }

    #[test]
    fn spans_are_cleared_for_comparison() {
        let mut first = parse_ok("process where a == 1");
        let mut second = parse_ok("process   where   a   ==   1");
        assert_ne!(first, second);
        clear_spans(&mut first);
        clear_spans(&mut second);
        assert_eq!(first, second);
    }
}

mod corpus {
    use super::*;
    use std::path::PathBuf;

    /// Returns the path of a file under the shared folder beside the
    /// workspace, or `None` (after saying so) when it is absent. When the
    /// environment variable `CI` is set, a missing file is a failure.
    fn shared_file(relative: &str) -> Option<PathBuf> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared")
            .join(relative);
        if path.is_file() {
            return Some(path);
        }
        if std::env::var_os("CI").is_some() {
            panic!("{} not found, and CI is set", path.display());
        }
        println!("skipped: {} not found", path.display());
        None
    }

    #[test]
    fn every_detection_rule_parses_and_round_trips() {
        let Some(path) = shared_file("corpus/eql-rules.jsonl") else {
            return;
        };
        let text = std::fs::read_to_string(&path).expect("read the rule corpus");
        let mut checked = 0;
        let mut failures = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let rule: serde_json::Value = serde_json::from_str(line).expect("rule is JSON");
            // Records may name their language and whether they are
            // deprecated; only live EQL rules must parse.
            let language = rule
                .get("language")
                .and_then(|v| v.as_str())
                .unwrap_or("eql");
            let deprecated = rule
                .get("deprecated")
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
                || rule
                    .get("path")
                    .and_then(|v| v.as_str())
                    .is_some_and(|path| path.contains("_deprecated"));
            if language != "eql" || deprecated {
                continue;
            }
            let Some(query) = rule.get("query").and_then(|v| v.as_str()) else {
                continue;
            };
            let name = rule.get("path").and_then(|v| v.as_str()).unwrap_or("?");
            match eql_parser::parse(query) {
                Ok(_) => {
                    assert_round_trip(query);
                    checked += 1;
                }
                Err(error) => failures.push(format!(
                    "line {} ({name}):\n{}",
                    number + 1,
                    error.render(query)
                )),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        assert!(checked > 0, "no rule was checked");
    }

    /// The QA files whose every query must parse. Some of these queries are
    /// rejected later by the compiler, but all are valid syntax.
    const QA_FILES: &[&str] = &[
        "test_queries.toml",
        "additional_test_queries.toml",
        "test_extra.toml",
        "test_missing_events.toml",
        "test_sample.toml",
        "test_sample_multi.toml",
    ];

    /// Quotes the bare `null` of `join_keys = [null]` lines. Elasticsearch's
    /// TOML reader accepts it, but TOML has no null.
    fn quote_bare_nulls(text: &str) -> String {
        text.lines()
            .map(|line| {
                if line.trim_start().starts_with("join_keys") {
                    line.replace("\"null\"", "null").replace("null", "\"null\"")
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_elasticsearch_qa_query_parses_and_round_trips() {
        let mut checked = 0;
        let mut failures = Vec::new();
        for file in QA_FILES {
            let Some(path) = shared_file(&format!("conformance/es-qa/{file}")) else {
                return;
            };
            let text = std::fs::read_to_string(&path).expect("read a QA file");
            let document: toml::Value =
                toml::from_str(&quote_bare_nulls(&text)).expect("QA file is TOML");
            let queries = document
                .get("queries")
                .and_then(|queries| queries.as_array())
                .expect("QA file has [[queries]]");
            for entry in queries {
                let Some(query) = entry.get("query").and_then(|query| query.as_str()) else {
                    continue;
                };
                match eql_parser::parse(query) {
                    Ok(_) => {
                        assert_round_trip(query);
                        checked += 1;
                    }
                    Err(error) => failures.push(format!("{file}:\n{}", error.render(query))),
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        assert!(checked > 200, "only {checked} QA queries were checked");
    }
}

#[test]
fn literal_kinds_in_tree() {
    let statement = parse_ok("any where a == 1 and b == 1.5 and c == \"s\" and d == null");
    let printed = sexp(condition(&statement));
    assert_eq!(
        printed,
        "(and (and (and (== a 1) (== b 1.5f)) (== c \"s\")) (== d null))"
    );
}
