//! Token-level helpers: whitespace and comments, words, keywords and
//! punctuation, and the description of a token for error messages.
//!
//! EQL has no separate lexer here. Each token parser first skips whitespace
//! and comments, so the offset of a failure is the start of the offending
//! token rather than the end of the previous one.

use super::{Ctx, Label, PResult};
use crate::ast::Span;
use crate::error::ParseErrorKind;

/// The reserved words of EQL. They are lower case only: `AND` is an
/// identifier. `in~`, `like~` and `regex~` are the same words followed
/// directly by a tilde.
const KEYWORDS: &[&str] = &[
    "and", "any", "by", "false", "in", "join", "like", "maxspan", "not", "null", "of", "or",
    "regex", "sample", "sequence", "true", "until", "where", "with",
];

/// Returns true for a reserved word, which cannot be a bare field name or
/// event category.
pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Returns true when `c` can start an identifier. `@` is allowed so that
/// `@timestamp` needs no back-quotes.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@'
}

/// Returns true when `c` can continue an identifier.
pub(crate) fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Returns true when all of `text` is one identifier, keyword or not.
pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_continue)
}

/// Splits a leading identifier-shaped word off `input`, which must not
/// start with whitespace.
pub(crate) fn split_word(input: &str) -> Option<(&str, &str)> {
    let mut chars = input.char_indices();
    match chars.next() {
        Some((_, c)) if is_ident_start(c) => {}
        _ => return None,
    }
    let end = chars
        .find(|&(_, c)| !is_ident_continue(c))
        .map_or(input.len(), |(index, _)| index);
    Some(input.split_at(end))
}

/// Returns the byte length of the token at the start of `input`, which
/// must not be empty or start with whitespace.
///
/// The rules are loose on purpose: the result only chooses what an error
/// message quotes and underlines.
fn token_length(input: &str) -> usize {
    let first = input.chars().next().map_or(0, char::len_utf8);
    if let Some((word, rest)) = split_word(input) {
        return word.len() + usize::from(rest.starts_with('~'));
    }
    let starts_number = input.starts_with(|c: char| c.is_ascii_digit())
        || (input.starts_with('.') && input[1..].starts_with(|c: char| c.is_ascii_digit()));
    if starts_number {
        return input
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(input.len());
    }
    if let Some(quote @ ('"' | '\'' | '`')) = input.chars().next() {
        return quoted_length(input, quote);
    }
    let two_char = ["==", "!=", "<=", ">=", "![", "/*", "//"];
    if two_char.iter().any(|op| input.starts_with(op)) {
        return 2;
    }
    first
}

/// Returns the length of a quoted token up to its closing quote, or up to
/// the end of the line when it is not closed there.
fn quoted_length(input: &str, quote: char) -> usize {
    let mut escaped = false;
    for (index, c) in input.char_indices().skip(1) {
        match c {
            '\r' | '\n' => return index,
            '\\' if quote != '`' => escaped = !escaped,
            _ if c == quote && !escaped => return index + 1,
            _ => escaped = false,
        }
    }
    input.len()
}

/// Describes the token at `offset` of `text` for an error message, as
/// "`token`" or "end of input", together with its span.
pub(crate) fn describe_token(text: &str, offset: usize) -> (String, Span) {
    let offset = offset.min(text.len());
    let Some(rest) = text.get(offset..).filter(|rest| !rest.is_empty()) else {
        return ("end of input".to_owned(), Span::new(text.len(), text.len()));
    };
    let length = token_length(rest);
    let span = Span::new(offset, offset + length);
    // Quote at most 40 characters so that a long string does not swamp
    // the message; the span still covers the whole token.
    let token = &rest[..length];
    let excerpt: String = token.chars().take(40).collect();
    let ellipsis = if excerpt.len() < token.len() {
        "..."
    } else {
        ""
    };
    (format!("`{excerpt}{ellipsis}`"), span)
}

impl<'a> Ctx<'a> {
    /// Skips whitespace (space, tab, CR, LF), `// line` comments and
    /// `/* block */` comments, which may nest.
    pub(super) fn ws(&self, mut input: &'a str) -> PResult<'a, ()> {
        loop {
            input = input.trim_start_matches([' ', '\t', '\r', '\n']);
            if let Some(comment) = input.strip_prefix("//") {
                let end = comment.find(['\r', '\n']).unwrap_or(comment.len());
                input = &comment[end..];
            } else if input.starts_with("/*") {
                input = self.block_comment(input)?;
            } else {
                return Ok((input, ()));
            }
        }
    }

    /// Skips one block comment starting at `input`, counting nested
    /// `/* ... */` pairs, and returns the rest.
    fn block_comment(&self, input: &'a str) -> Result<&'a str, nom::Err<super::Fail>> {
        let start = self.offset(input);
        let mut depth = 0usize;
        let mut rest = input;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("/*") {
                depth += 1;
                rest = after;
            } else if let Some(after) = rest.strip_prefix("*/") {
                depth -= 1;
                rest = after;
                if depth == 0 {
                    return Ok(rest);
                }
            } else {
                let skip = rest.chars().next().map_or(1, char::len_utf8);
                rest = &rest[skip..];
            }
        }
        Err(self.failure(
            ParseErrorKind::UnterminatedComment,
            Span::new(start, start + 2),
        ))
    }

    /// Matches the exact token `keyword` without recording a label on
    /// failure, for optional tokens and lookahead.
    ///
    /// A keyword must end at a word boundary, and `in`, `like` and `regex`
    /// must not be followed by the `~` of their case-insensitive forms.
    pub(super) fn keyword_quiet(&self, input: &'a str, keyword: &str) -> PResult<'a, Span> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        let (base, tilde) = match keyword.strip_suffix('~') {
            Some(base) => (base, true),
            None => (keyword, false),
        };
        let matched = split_word(input).and_then(|(word, rest)| {
            let rest = if tilde {
                rest.strip_prefix('~')?
            } else if rest.starts_with('~') {
                return None;
            } else {
                rest
            };
            (word == base).then_some(rest)
        });
        match matched {
            Some(rest) => Ok((rest, self.span_from(start, rest))),
            None => Err(nom::Err::Error(super::Fail::Unexpected {
                remaining: input.len(),
            })),
        }
    }

    /// Matches the token `keyword`, recording it as expected on failure.
    pub(super) fn keyword(&self, input: &'a str, keyword: &'static str) -> PResult<'a, Span> {
        match self.keyword_quiet(input, keyword) {
            Err(nom::Err::Error(_)) => {
                let (input, ()) = self.ws(input)?;
                Err(self.expected_error(input, Label::Token(keyword)))
            }
            result => result,
        }
    }

    /// Matches the punctuation `token` without recording a label.
    pub(super) fn punct_quiet(&self, input: &'a str, token: &str) -> PResult<'a, Span> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        match input.strip_prefix(token) {
            Some(rest) => Ok((rest, self.span_from(start, rest))),
            None => Err(nom::Err::Error(super::Fail::Unexpected {
                remaining: input.len(),
            })),
        }
    }

    /// Matches the punctuation `token`, recording it as expected on failure.
    pub(super) fn punct(&self, input: &'a str, token: &'static str) -> PResult<'a, Span> {
        match self.punct_quiet(input, token) {
            Err(nom::Err::Error(_)) => {
                let (input, ()) = self.ws(input)?;
                Err(self.expected_error(input, Label::Token(token)))
            }
            result => result,
        }
    }

    /// Matches an identifier that is not a keyword, recording `label` as
    /// expected on failure.
    pub(super) fn identifier(&self, input: &'a str, label: Label) -> PResult<'a, (&'a str, Span)> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        match split_word(input) {
            Some((word, rest)) if !is_keyword(word) => {
                Ok((rest, (word, self.span_from(start, rest))))
            }
            _ => Err(self.expected_error(input, label)),
        }
    }

    /// Records `label` at the next token, for a place where an optional
    /// construct such as an operator could have continued the input.
    pub(super) fn note_expected(&self, input: &'a str, label: Label) -> PResult<'a, ()> {
        let (rest, ()) = self.ws(input)?;
        self.record(rest, label);
        Ok((input, ()))
    }

    /// Succeeds at the end of the input, after trailing whitespace.
    pub(super) fn end_of_input(&self, input: &'a str) -> PResult<'a, ()> {
        let (input, ()) = self.ws(input)?;
        if input.is_empty() {
            Ok((input, ()))
        } else {
            Err(self.expected_error(input, Label::Text("end of input")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Result<&str, ParseErrorKind> {
        let ctx = Ctx::new(text, 10);
        match ctx.ws(text) {
            Ok((rest, ())) => Ok(rest),
            Err(nom::Err::Failure(super::super::Fail::Error(error))) => Err(error.kind),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn whitespace_and_comments_are_skipped() {
        assert_eq!(skip(" \t\r\n x"), Ok("x"));
        assert_eq!(skip("// note\nx"), Ok("x"));
        assert_eq!(skip("// note at the end"), Ok(""));
        assert_eq!(skip("/* a */ x"), Ok("x"));
        assert_eq!(skip("/* a /* nested */ still */x"), Ok("x"));
        assert_eq!(skip("/* a */ // b\n /* c */ x"), Ok("x"));
    }

    #[test]
    fn unterminated_comment_fails() {
        assert_eq!(skip("/* a"), Err(ParseErrorKind::UnterminatedComment));
        assert_eq!(
            skip("/* a /* b */"),
            Err(ParseErrorKind::UnterminatedComment)
        );
    }

    #[test]
    fn keyword_respects_word_boundaries() {
        let ctx = Ctx::new("and andx like~ like in~", 10);
        let text = ctx.text;
        assert!(ctx.keyword_quiet(text, "and").is_ok());
        assert!(ctx.keyword_quiet(&text[4..], "and").is_err());
        assert!(ctx.keyword_quiet(&text[9..], "like").is_err());
        assert!(ctx.keyword_quiet(&text[9..], "like~").is_ok());
        assert!(ctx.keyword_quiet(&text[15..], "like").is_ok());
        assert!(ctx.keyword_quiet(&text[20..], "in~").is_ok());
    }

    #[test]
    fn identifiers_and_keywords() {
        assert!(is_identifier("@timestamp"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
        assert!(is_keyword("sequence"));
        assert!(!is_keyword("AND"));
    }

    #[test]
    fn tokens_are_described() {
        assert_eq!(
            describe_token("a == b", 2),
            ("`==`".to_owned(), Span::new(2, 4))
        );
        assert_eq!(
            describe_token("x like~ y", 2),
            ("`like~`".to_owned(), Span::new(2, 7))
        );
        assert_eq!(
            describe_token("x \"a\\\"b\" y", 2),
            ("`\"a\\\"b\"`".to_owned(), Span::new(2, 8))
        );
        assert_eq!(
            describe_token("x", 1),
            ("end of input".to_owned(), Span::new(1, 1))
        );
        assert_eq!(describe_token("1.5e3s", 0).1, Span::new(0, 6));
        assert_eq!(describe_token("é", 0).1, Span::new(0, 2));
    }
}
