//! The EQL grammar: a hand-written parser built from nom combinators.
//!
//! Statements, queries and stages are parsed top-down by one method each.
//! Expressions are parsed by an iterative operator-precedence loop (see the
//! [`expr`] module), so no input can nest deeply enough to exhaust the stack.
//!
//! Every parser is a method on [`Ctx`]. The context stores the whole query
//! text, so that a remaining-input slice can be turned back into a byte
//! offset. It also tracks the nesting depth and the tokens that would have
//! fitted at the furthest position the parser reached, which become the
//! `expected` text of a [`ParseErrorKind::Unexpected`] error.
//!
//! The submodules follow the grammar's layers. [`lex`] skips whitespace and
//! comments and matches words and punctuation. [`literal`] reads strings and
//! numbers. [`expr`] handles operators and precedence. [`operand`] reads
//! primaries and the predicates attached to them. [`query`] handles event
//! filters, sequences, samples and pipes.

mod expr;
mod lex;
mod literal;
mod operand;
mod query;

use crate::ast::{Span, Statement};
use crate::error::{ParseError, ParseErrorKind};
use std::cell::{Cell, RefCell};

pub(crate) use lex::{is_identifier, is_keyword};

/// The maximum height of an expression tree.
///
/// The parser itself uses no stack per level, but dropping, printing or
/// compiling a tree recurses once per level. The nest limit bounds brackets
/// and prefix operators, yet a chain such as `a or b or ...` builds a
/// left-deep tree as tall as it is long, so the height needs its own bound.
/// 6,000 admits a 5,000-term chain. In a debug build, a 2 MiB thread drops
/// about 9,900 levels of nested function calls, the costliest node to drop,
/// and about 18,000 levels of `or` (measured with rustc 1.95 on x86-64). The
/// tests check the drop at this height.
pub(crate) const MAX_TREE_HEIGHT: usize = 6_000;

/// The result type of every parser in this module.
type PResult<'a, T> = nom::IResult<&'a str, T, Fail>;

/// The error type threaded through the nom parsers.
#[derive(Debug)]
pub(crate) enum Fail {
    /// A token did not match. The labels of the tokens that would have fitted
    /// are kept in [`Ctx::expected`]. This variant stores only how much input
    /// was left, because nom's error trait gives no access to the context.
    Unexpected {
        /// The length of the input that remained at the failure.
        remaining: usize,
    },
    /// A specific error with its own kind and span.
    Error(ParseError),
}

impl<'a> nom::error::ParseError<&'a str> for Fail {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        Fail::Unexpected {
            remaining: input.len(),
        }
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    /// Keeps the error that got further into the input, the usual choice
    /// for reporting errors of a backtracking parser.
    fn or(self, other: Self) -> Self {
        let remaining = |fail: &Fail| match fail {
            Fail::Unexpected { remaining } => *remaining,
            Fail::Error(_) => 0,
        };
        if remaining(&other) <= remaining(&self) {
            other
        } else {
            self
        }
    }
}

/// A description of something that would have fitted where parsing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// A literal token, shown in back-quotes, such as `where`.
    Token(&'static str),
    /// A class of tokens, shown as is, such as "an expression".
    Text(&'static str),
}

impl Label {
    fn render(self) -> String {
        match self {
            Label::Token(token) => format!("`{token}`"),
            Label::Text(text) => text.to_owned(),
        }
    }
}

/// The labels recorded at the furthest offset where a token failed to match.
#[derive(Debug, Default)]
struct Expected {
    offset: usize,
    labels: Vec<Label>,
}

/// The parsing context shared by all parser methods.
pub(crate) struct Ctx<'a> {
    /// The whole query text. Every input slice is a suffix of it.
    text: &'a str,
    /// The maximum nesting depth of brackets and prefix operators.
    nest_limit: usize,
    /// The current nesting depth.
    depth: Cell<usize>,
    /// The labels that would have fitted at the furthest failure so far.
    expected: RefCell<Expected>,
}

/// Decrements the nesting depth when a nested construct has been parsed,
/// whether it succeeded or failed.
pub(crate) struct DepthGuard<'c> {
    depth: &'c Cell<usize>,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str, nest_limit: usize) -> Self {
        Ctx {
            text,
            nest_limit,
            depth: Cell::new(0),
            expected: RefCell::new(Expected::default()),
        }
    }

    /// Returns the byte offset of `rest`, a suffix of the query text.
    fn offset(&self, rest: &str) -> usize {
        self.text.len() - rest.len()
    }

    /// Returns the span from `start` to the start of `rest`.
    fn span_from(&self, start: usize, rest: &str) -> Span {
        Span::new(start, self.offset(rest))
    }

    /// Records that `label` would have fitted at the start of `rest`.
    fn record(&self, rest: &str, label: Label) {
        let offset = self.offset(rest);
        let mut expected = self.expected.borrow_mut();
        if offset > expected.offset {
            expected.offset = offset;
            expected.labels.clear();
        }
        if offset == expected.offset && !expected.labels.contains(&label) {
            expected.labels.push(label);
        }
    }

    /// Records `label` at `rest` and returns a recoverable error there.
    fn expected_error(&self, rest: &'a str, label: Label) -> nom::Err<Fail> {
        self.record(rest, label);
        nom::Err::Error(Fail::Unexpected {
            remaining: rest.len(),
        })
    }

    /// Records `label` at `rest` and returns an unrecoverable error there,
    /// for a token that must follow once a construct has started.
    fn expected_failure(&self, rest: &'a str, label: Label) -> nom::Err<Fail> {
        self.record(rest, label);
        nom::Err::Failure(Fail::Unexpected {
            remaining: rest.len(),
        })
    }

    /// Turns a recoverable error into an unrecoverable one, like nom's
    /// `cut`, for a branch that is committed once its first token matched.
    fn commit<T>(result: PResult<'a, T>) -> PResult<'a, T> {
        result.map_err(|error| match error {
            nom::Err::Error(fail) => nom::Err::Failure(fail),
            other => other,
        })
    }

    /// Returns an unrecoverable error of `kind` at `span`.
    fn failure(&self, kind: ParseErrorKind, span: Span) -> nom::Err<Fail> {
        nom::Err::Failure(Fail::Error(ParseError::new(kind, span)))
    }

    /// Enters one level of nesting for the token at byte `offset`, or fails
    /// with [`ParseErrorKind::NestTooDeep`] when that would pass the limit.
    fn nest(&self, offset: usize) -> Result<DepthGuard<'_>, nom::Err<Fail>> {
        let depth = self.depth.get() + 1;
        if depth > self.nest_limit {
            let (_, span) = lex::describe_token(self.text, offset);
            return Err(self.failure(
                ParseErrorKind::NestTooDeep {
                    limit: self.nest_limit,
                },
                span,
            ));
        }
        self.depth.set(depth);
        Ok(DepthGuard { depth: &self.depth })
    }

    /// Turns the final nom error into a [`ParseError`].
    fn into_error(self, fail: Fail) -> ParseError {
        let remaining = match fail {
            Fail::Error(error) => return error,
            Fail::Unexpected { remaining } => remaining,
        };
        let offset = self.text.len().saturating_sub(remaining);
        let expected = self.expected.into_inner();
        // The recorded labels describe the furthest failure. A failure from a
        // nom primitive that recorded nothing can only be reported generically.
        let (offset, labels) = if expected.offset >= offset && !expected.labels.is_empty() {
            (expected.offset, expected.labels)
        } else {
            (offset, vec![Label::Text("valid EQL syntax")])
        };
        let (found, span) = lex::describe_token(self.text, offset);
        ParseError::new(
            ParseErrorKind::Unexpected {
                expected: join_labels(&labels),
                found,
            },
            span,
        )
    }
}

/// Joins labels as "a", "a or b", or "a, b or c".
fn join_labels(labels: &[Label]) -> String {
    let rendered: Vec<String> = labels.iter().map(|label| label.render()).collect();
    match rendered.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    }
}

/// Parses one EQL statement and checks that it uses all of `text`.
///
/// `nest_limit` bounds the depth of parentheses, `not`, unary signs, lists
/// and function calls, which bounds the recursion of code that walks the
/// tree, such as `Display` and the compiler.
pub(crate) fn parse_statement(text: &str, nest_limit: usize) -> Result<Statement, ParseError> {
    let ctx = Ctx::new(text, nest_limit);
    match ctx.statement(text) {
        Ok((_, statement)) => Ok(statement),
        Err(nom::Err::Error(fail) | nom::Err::Failure(fail)) => Err(ctx.into_error(fail)),
        // Only nom's streaming parsers return Incomplete, and none is used
        // here, but the conversion must still produce an error.
        Err(nom::Err::Incomplete(_)) => Err(ctx.into_error(Fail::Unexpected { remaining: 0 })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_join_with_commas_and_or() {
        assert_eq!(join_labels(&[Label::Token("a")]), "`a`");
        assert_eq!(
            join_labels(&[Label::Token("a"), Label::Text("an expression")]),
            "`a` or an expression"
        );
        assert_eq!(
            join_labels(&[Label::Token("a"), Label::Token("b"), Label::Token("c")]),
            "`a`, `b` or `c`"
        );
    }

    #[test]
    fn furthest_failure_wins() {
        let ctx = Ctx::new("abc def", 10);
        ctx.record("def", Label::Token("x"));
        ctx.record("c def", Label::Token("y"));
        ctx.record("def", Label::Token("z"));
        let error = ctx.into_error(Fail::Unexpected { remaining: 3 });
        assert_eq!(
            error.kind,
            ParseErrorKind::Unexpected {
                expected: "`x` or `z`".into(),
                found: "`def`".into()
            }
        );
        assert_eq!(error.span, Span::new(4, 7));
    }
}
