//! Parse errors and the caret rendering shared by every stage.

use crate::ast::Span;
use std::fmt;

/// The kind of a parse failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A token other than the expected ones; the text lists what would fit.
    Unexpected {
        /// The expected token, such as "`where`" or "an expression".
        expected: String,
        /// The token found instead, such as "`=`" or "end of input".
        found: String,
    },
    /// A string literal without its closing quote.
    UnterminatedString,
    /// A `/* ... */` comment without its closing `*/`.
    UnterminatedComment,
    /// A string written with single quotes, which Elasticsearch rejects.
    SingleQuotedString,
    /// A `?"..."` raw string from the Endgame dialect.
    QuestionMarkString,
    /// An invalid escape such as `\u{D800}` or `\u{1}`.
    InvalidEscape(String),
    /// A numeric literal that cannot be represented.
    InvalidNumber(String),
    /// `=` used as a comparison; EQL spells it `==` or `:`.
    SingleEquals,
    /// A `maxspan` without a valid positive integer and unit.
    InvalidMaxSpan(String),
    /// A `with` parameter other than `maxspan` or `runs`, or a bad value.
    InvalidParameter(String),
    /// `sequence with maxspan=... by ...`: the keys must come first.
    ByAfterWith,
    /// Array subscripts like `field[0]`.
    ArrayIndex,
    /// `child of`, `descendant of`, `event of`.
    ProcessRelationship,
    /// The expression nests deeper than the configured limit.
    NestTooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// A chain of operators builds a tree deeper than the fixed maximum,
    /// beyond which dropping or walking the tree could overflow the stack.
    TreeTooDeep {
        /// The maximum tree height.
        limit: usize,
    },
    /// Any other syntax error, with its message.
    Other(String),
}

/// A parse error: a kind plus the span of the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The kind of failure.
    pub kind: ParseErrorKind,
    /// Where, as a byte range of the query text.
    pub span: Span,
}

impl ParseError {
    /// Creates an error of `kind` at `span`.
    pub fn new(kind: ParseErrorKind, span: Span) -> Self {
        ParseError { kind, span }
    }

    /// Renders the error as `line:column: message` followed by the source
    /// line and a caret under the span.
    pub fn render(&self, source: &str) -> String {
        render_diagnostic(source, self.span, &self.to_string())
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Unexpected { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ParseErrorKind::UnterminatedString => {
                f.write_str("unterminated string; close it with a double quote on the same line")
            }
            ParseErrorKind::UnterminatedComment => {
                f.write_str("unterminated comment; close it with */")
            }
            ParseErrorKind::SingleQuotedString => f.write_str(
                "use double quotes [\"] to define string literals, not single quotes [']",
            ),
            ParseErrorKind::QuestionMarkString => f.write_str(
                "use triple double quotes [\"\"\"] to define unescaped string literals, not [?\"]",
            ),
            ParseErrorKind::InvalidEscape(msg) => write!(f, "invalid escape: {msg}"),
            ParseErrorKind::InvalidNumber(text) => write!(f, "invalid number [{text}]"),
            ParseErrorKind::SingleEquals => {
                f.write_str("found [=]; use [==] for equality or [:] for case-insensitive equality")
            }
            ParseErrorKind::InvalidMaxSpan(msg) => f.write_str(msg),
            ParseErrorKind::InvalidParameter(msg) => f.write_str(msg),
            ParseErrorKind::ByAfterWith => {
                f.write_str("please specify sequence [by] before [with] not after")
            }
            ParseErrorKind::ArrayIndex => f.write_str("array indexes are not supported"),
            ParseErrorKind::ProcessRelationship => {
                f.write_str("process relationships are not supported")
            }
            ParseErrorKind::NestTooDeep { limit } => write!(
                f,
                "expression nests deeper than the limit of {limit}; simplify the query"
            ),
            ParseErrorKind::TreeTooDeep { limit } => write!(
                f,
                "expression is more than {limit} operators deep; \
                 replace long `or` chains with a list such as `x in (...)` or `x : (...)`"
            ),
            ParseErrorKind::Other(msg) => f.write_str(msg),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for ParseError {}

/// Returns the 1-based line and column (in characters) of a byte offset.
///
/// An offset past the end of `source` is clamped to the end.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
    while offset > 0 && !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Renders `message` at `span` of `source`: a `line:column: message` header,
/// the source line, and a caret line under the span.
///
/// A span that runs over several lines is underlined to the end of its
/// first line. An empty span gets a single caret.
pub fn render_diagnostic(source: &str, span: Span, message: &str) -> String {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let (line, column) = line_column(source, start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let text = source[line_start..line_end].trim_end_matches('\r');
    let end = floor_char_boundary(source, span.end.clamp(start, line_end));
    let width = source[start..end].chars().count().max(1);
    let gutter = format!("{line} | ");
    // A very long line (a generated query on one line) is cut to a window
    // around the error, with `...` marking the cuts.
    let chars: Vec<char> = text.chars().collect();
    let (shown, offset) = if chars.len() > MAX_SHOWN_LINE {
        let first = (column - 1).saturating_sub(SHOWN_BEFORE_ERROR);
        let last = (first + MAX_SHOWN_LINE).min(chars.len());
        let head = if first > 0 { "..." } else { "" };
        let tail = if last < chars.len() { "..." } else { "" };
        let middle: String = chars[first..last].iter().collect();
        (
            format!("{head}{middle}{tail}"),
            first as isize - head.len() as isize,
        )
    } else {
        (text.to_string(), 0)
    };
    // Tabs in the line stay tabs under it, so the caret lines up in a
    // terminal whatever its tab width.
    let before = (column as isize - 1 - offset) as usize;
    let pad: String = " ".repeat(gutter.len())
        + &shown
            .chars()
            .take(before)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect::<String>();
    let width = width.min(MAX_SHOWN_LINE);
    format!(
        "{line}:{column}: {message}\n{gutter}{shown}\n{pad}{carets}",
        carets = "^".repeat(width)
    )
}

/// The maximum length, in characters, of a source line that a diagnostic
/// shows whole.
const MAX_SHOWN_LINE: usize = 120;
/// How many characters before the error a cut line keeps.
const SHOWN_BEFORE_ERROR: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let source = "process where\n  x == 1";
        assert_eq!(line_column(source, 0), (1, 1));
        assert_eq!(line_column(source, 16), (2, 3));
        assert_eq!(line_column(source, 999), (2, 9));
    }

    #[test]
    fn long_line_is_cut_around_error() {
        let source = format!("{} x = 1 {}", "a".repeat(300), "b".repeat(300));
        let text = render_diagnostic(&source, Span::new(303, 304), "bad");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].len() < 140, "{}", lines[1]);
        assert!(lines[1].starts_with("1 | ..."), "{}", lines[1]);
        assert!(lines[1].ends_with("..."), "{}", lines[1]);
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[1][caret..caret + 1], "=", "{text}");
    }

    #[test]
    fn caret_follows_tabs() {
        let text = render_diagnostic("a\tb == c", Span::new(2, 3), "bad");
        assert_eq!(text.lines().nth(2), Some("     \t^"));
    }

    #[test]
    fn caret_sits_under_span() {
        let source = "process where\n  x = 1";
        let text = render_diagnostic(source, Span::new(18, 19), "bad");
        assert_eq!(text, "2:5: bad\n2 |   x = 1\n        ^");
    }
}
