//! Operands: the heads of primaries (literals, fields, function calls and
//! brackets) and the predicates that attach to a primary.
//!
//! Nothing here recurses into an expression. A bracket or call only reports
//! its opening, and the loop in the `expr` module reads what is inside.

use super::expr::Node;
use super::lex::{is_ident_start, is_keyword, split_word};
use super::{Ctx, Label, PResult};
use crate::ast::{ExprKind, FieldRef, Literal, MatchOp, Span};
use crate::error::ParseErrorKind;

/// The label recorded where an operand is missing.
const EXPRESSION: Label = Label::Text("an expression");

/// The pattern operators, longest spelling first so that `like~` is tried
/// before `like`.
const MATCH_OPERATORS: [(&str, MatchOp); 5] = [
    ("like~", MatchOp::LikeInsensitive),
    ("like", MatchOp::Like),
    ("regex~", MatchOp::RegexInsensitive),
    ("regex", MatchOp::Regex),
    (":", MatchOp::Colon),
];

/// The start of a primary.
pub(super) enum Head {
    /// A complete literal or field.
    Leaf(Node),
    /// The `(` of a parenthesized expression.
    Paren {
        /// The span of `(`.
        open: Span,
    },
    /// A function name and its `(`.
    Call {
        /// The name as written, without `~`.
        name: String,
        /// The span of the name and its `~`.
        name_span: Span,
        /// True for `name~(`.
        insensitive: bool,
        /// The span of `(`.
        open: Span,
    },
}

/// A predicate after a primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Suffix {
    /// `in`, `in~`, `not in` or `not in~`; a list follows.
    In {
        /// True after `not`.
        negated: bool,
        /// True for `in~`.
        insensitive: bool,
    },
    /// `:`, `like`, `like~`, `regex` or `regex~`; a pattern or a list
    /// follows.
    Match(MatchOp),
}

impl<'a> Ctx<'a> {
    /// Reads the head of a primary: a literal, a field, a function name
    /// with its `(`, or a `(`.
    pub(super) fn primary_head(&self, input: &'a str) -> PResult<'a, Head> {
        let (input, ()) = self.ws(input)?;
        let mut chars = input.chars();
        let first = chars.next();
        let second = chars.next();
        let starts_number = |c: char| {
            c.is_ascii_digit() || (c == '.' && second.is_some_and(|c| c.is_ascii_digit()))
        };
        match first {
            Some('(') => {
                let start = self.offset(input);
                Ok((
                    &input[1..],
                    Head::Paren {
                        open: Span::new(start, start + 1),
                    },
                ))
            }
            Some('"') => {
                let (rest, (value, span)) = self.string(input)?;
                let node = Node::leaf(ExprKind::Literal(Literal::String(value)), span);
                Ok((rest, Head::Leaf(node)))
            }
            Some('\'') => Err(self.rejected_string(input)),
            Some('?') if matches!(second, Some('"' | '\'')) => Err(self.rejected_string(input)),
            Some(c) if starts_number(c) => {
                let (rest, (literal, span)) = self.number(input)?;
                Ok((
                    rest,
                    Head::Leaf(Node::leaf(ExprKind::Literal(literal), span)),
                ))
            }
            Some('?' | '`') => self.field_primary(input),
            Some(c) if is_ident_start(c) => self.word_head(input),
            _ => Err(self.expected_error(input, EXPRESSION)),
        }
    }

    /// Reads a head that starts with a word: `true`, `false`, `null`, a
    /// function name, or a field.
    fn word_head(&self, input: &'a str) -> PResult<'a, Head> {
        let Some((word, after)) = split_word(input) else {
            return Err(self.expected_error(input, EXPRESSION));
        };
        let span = self.span_from(self.offset(input), after);
        let literal = match word {
            "true" => Some(Literal::Bool(true)),
            "false" => Some(Literal::Bool(false)),
            "null" => Some(Literal::Null),
            _ => None,
        };
        if let Some(literal) = literal {
            return Ok((
                after,
                Head::Leaf(Node::leaf(ExprKind::Literal(literal), span)),
            ));
        }
        if is_keyword(word) {
            return Err(self.expected_error(input, EXPRESSION));
        }
        // The `~` of a case-insensitive function must touch its name, as in
        // `endsWith~(...)`, and commits to a call.
        if let Some(after_tilde) = after.strip_prefix('~') {
            let (rest, open) = Self::commit(self.punct(after_tilde, "("))?;
            let head = Head::Call {
                name: word.to_owned(),
                name_span: Span::new(span.start, span.end + 1),
                insensitive: true,
                open,
            };
            return Ok((rest, head));
        }
        match self.punct_quiet(after, "(") {
            Ok((rest, open)) => {
                let head = Head::Call {
                    name: word.to_owned(),
                    name_span: span,
                    insensitive: false,
                    open,
                };
                Ok((rest, head))
            }
            Err(nom::Err::Error(_)) => self.field_primary(input),
            Err(error) => Err(error),
        }
    }

    /// Reads the predicate after a primary, if any.
    ///
    /// After a primary, `not` can only start `not in`, so it commits.
    pub(super) fn predicate_suffix(&self, input: &'a str) -> PResult<'a, Option<Suffix>> {
        match self.keyword_quiet(input, "not") {
            Ok((rest, _)) => {
                let (rest, insensitive) = Self::commit(self.in_keyword(rest))?;
                let suffix = Suffix::In {
                    negated: true,
                    insensitive,
                };
                return Ok((rest, Some(suffix)));
            }
            Err(nom::Err::Error(_)) => {}
            Err(error) => return Err(error),
        }
        if let Some((rest, insensitive)) = self.in_keyword_quiet(input)? {
            let suffix = Suffix::In {
                negated: false,
                insensitive,
            };
            return Ok((rest, Some(suffix)));
        }
        for (spelling, op) in MATCH_OPERATORS {
            let matched = if spelling == ":" {
                self.punct_quiet(input, spelling)
            } else {
                self.keyword_quiet(input, spelling)
            };
            match matched {
                Ok((rest, _)) => return Ok((rest, Some(Suffix::Match(op)))),
                Err(nom::Err::Error(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok((input, None))
    }

    /// Matches `in` or `in~` and returns true for `in~`, or `None` when
    /// neither follows.
    fn in_keyword_quiet(
        &self,
        input: &'a str,
    ) -> Result<Option<(&'a str, bool)>, nom::Err<super::Fail>> {
        for (keyword, insensitive) in [("in~", true), ("in", false)] {
            match self.keyword_quiet(input, keyword) {
                Ok((rest, _)) => return Ok(Some((rest, insensitive))),
                Err(nom::Err::Error(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    /// Matches `in` or `in~` and returns true for `in~`, recording both as
    /// expected when neither follows.
    fn in_keyword(&self, input: &'a str) -> PResult<'a, bool> {
        if let Some((rest, insensitive)) = self.in_keyword_quiet(input)? {
            return Ok((rest, insensitive));
        }
        let (input, ()) = self.ws(input)?;
        self.record(input, Label::Token("in"));
        Err(self.expected_error(input, Label::Token("in~")))
    }

    /// Parses `expr (, expr)*`, as in pipe arguments and join keys.
    pub(super) fn comma_separated(&self, input: &'a str) -> PResult<'a, Vec<Node>> {
        nom::multi::separated_list1(
            |input| self.punct(input, ","),
            nom::combinator::cut(|input| self.expr(input)),
        )(input)
    }

    /// Parses a field in expression position and rejects a following array
    /// subscript such as `[0]`, which Elasticsearch does not support.
    fn field_primary(&self, input: &'a str) -> PResult<'a, Head> {
        let (rest, field) = self.field_ref(input)?;
        let (after, ()) = self.ws(rest)?;
        if let Some(subscript) = after.strip_prefix('[') {
            let (digits, ()) = self.ws(subscript)?;
            if digits.starts_with(|c: char| c.is_ascii_digit()) {
                let start = self.offset(after);
                let end = after
                    .find(']')
                    .map_or(self.text.len(), |close| start + close + 1);
                return Err(self.failure(ParseErrorKind::ArrayIndex, Span::new(start, end)));
            }
        }
        let span = field.span;
        Ok((rest, Head::Leaf(Node::leaf(ExprKind::Field(field), span))))
    }

    /// Parses a field reference: an optional `?`, then segments separated by
    /// dots, each an identifier or a back-quoted name.
    fn field_ref(&self, input: &'a str) -> PResult<'a, FieldRef> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        let (rest, optional) = match input.strip_prefix('?') {
            Some(rest) => (rest, true),
            None => (input, false),
        };
        let first = self.segment(rest);
        let (mut rest, first) = if optional {
            Self::commit(first)?
        } else {
            first?
        };
        let mut path = vec![first];
        loop {
            match self.punct_quiet(rest, ".") {
                Ok((after_dot, _)) => {
                    let (after, segment) = Self::commit(self.segment(after_dot))?;
                    path.push(segment);
                    rest = after;
                }
                Err(nom::Err::Error(_)) => break,
                Err(error) => return Err(error),
            }
        }
        let span = self.span_from(start, rest);
        Ok((
            rest,
            FieldRef {
                path,
                optional,
                span,
            },
        ))
    }

    /// Parses one segment of a field path. A keyword cannot be a bare
    /// segment but can be back-quoted, as in `` `sequence` ``.
    fn segment(&self, input: &'a str) -> PResult<'a, String> {
        let (input, ()) = self.ws(input)?;
        if input.starts_with('`') {
            return self.quoted_segment(input);
        }
        let (rest, (word, _)) = self.identifier(input, Label::Text("a field name"))?;
        Ok((rest, word.to_owned()))
    }

    /// Parses `` `any text` ``, where a doubled back-quote stands for one.
    fn quoted_segment(&self, input: &'a str) -> PResult<'a, String> {
        let mut name = String::new();
        let mut rest = &input[1..];
        loop {
            if let Some(after) = rest.strip_prefix("``") {
                name.push('`');
                rest = after;
            } else if let Some(after) = rest.strip_prefix('`') {
                return Ok((after, name));
            } else if let Some(c) = rest.chars().next() {
                name.push(c);
                rest = &rest[c.len_utf8()..];
            } else {
                let start = self.offset(input);
                return Err(self.failure(
                    ParseErrorKind::Other(
                        "unterminated back-quoted name; close it with a back-quote [`]".to_owned(),
                    ),
                    Span::new(start, start + 1),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        let ctx = Ctx::new(text, 10);
        match ctx.primary_head(text) {
            Ok((_, head)) => head,
            Err(error) => panic!("{text}: {error:?}"),
        }
    }

    fn suffix(text: &str) -> Option<Suffix> {
        let ctx = Ctx::new(text, 10);
        match ctx.predicate_suffix(text) {
            Ok((_, suffix)) => suffix,
            Err(error) => panic!("{text}: {error:?}"),
        }
    }

    #[test]
    fn heads() {
        assert!(matches!(head(" (x"), Head::Paren { open } if open == Span::new(1, 2)));
        assert!(matches!(
            head("f (x"),
            Head::Call {
                insensitive: false,
                ..
            }
        ));
        assert!(matches!(
            head("f~(x"),
            Head::Call { insensitive: true, name_span, .. } if name_span == Span::new(0, 2)
        ));
        assert!(
            matches!(head("x.y"), Head::Leaf(node) if matches!(node.expr.kind, ExprKind::Field(_)))
        );
        assert!(matches!(
            head("null"),
            Head::Leaf(node) if node.expr.kind == ExprKind::Literal(Literal::Null)
        ));
    }

    #[test]
    fn suffixes() {
        let plain_in = Suffix::In {
            negated: false,
            insensitive: false,
        };
        assert_eq!(suffix(" in ("), Some(plain_in));
        let negated_insensitive = Suffix::In {
            negated: true,
            insensitive: true,
        };
        assert_eq!(suffix("not in~ ("), Some(negated_insensitive));
        assert_eq!(
            suffix("like~ \"a\""),
            Some(Suffix::Match(MatchOp::LikeInsensitive))
        );
        assert_eq!(suffix("like \"a\""), Some(Suffix::Match(MatchOp::Like)));
        assert_eq!(
            suffix("regex~ \"a\""),
            Some(Suffix::Match(MatchOp::RegexInsensitive))
        );
        assert_eq!(suffix(": \"a\""), Some(Suffix::Match(MatchOp::Colon)));
        assert_eq!(suffix("== 1"), None);
        assert_eq!(suffix("inx"), None);
        let ctx = Ctx::new("not like", 10);
        assert!(matches!(
            ctx.predicate_suffix("not like"),
            Err(nom::Err::Failure(_))
        ));
    }

    #[test]
    fn field_references() {
        let text = "?a.`b``c`.d == 1";
        let ctx = Ctx::new(text, 10);
        let (rest, field) = ctx.field_ref(text).expect("field");
        assert_eq!(field.path, ["a", "b`c", "d"]);
        assert!(field.optional);
        assert_eq!(field.span, Span::new(0, 11));
        assert_eq!(rest, " == 1");
        let ctx = Ctx::new("a.or", 10);
        assert!(matches!(ctx.field_ref("a.or"), Err(nom::Err::Failure(_))));
    }
}
