//! String and number literals.

use super::{Ctx, PResult};
use crate::ast::{Literal, Span};
use crate::error::ParseErrorKind;

/// The shape of a numeric token, before its value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NumberToken {
    /// The byte length of the token.
    pub(super) length: usize,
    /// True when the token has a decimal point or an exponent.
    pub(super) decimal: bool,
}

/// Scans a number at the start of `input`: `123`, `1.`, `1.5`, `.5`, each
/// optionally followed by an exponent such as `e10`, `E-3` or `e+2`.
///
/// An `e` that is not followed by digits is not part of the number, so
/// `5e` scans as `5`.
pub(super) fn scan_number(input: &str) -> Option<NumberToken> {
    let bytes = input.as_bytes();
    let digits_from = |start: usize| {
        bytes[start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let integer = digits_from(0);
    let mut length = integer;
    let mut decimal = false;
    if bytes.get(length) == Some(&b'.') {
        let fraction = digits_from(length + 1);
        if integer == 0 && fraction == 0 {
            return None;
        }
        length += 1 + fraction;
        decimal = true;
    } else if integer == 0 {
        return None;
    }
    if matches!(bytes.get(length), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(length + 1), Some(b'+' | b'-')));
        let exponent = digits_from(length + 1 + sign);
        if exponent > 0 {
            length += 1 + sign + exponent;
            decimal = true;
        }
    }
    Some(NumberToken { length, decimal })
}

impl<'a> Ctx<'a> {
    /// Parses a number at `input`, which starts at the token.
    ///
    /// A whole number becomes [`Literal::Int`] when it fits in an `i64` and
    /// [`Literal::Float`] otherwise. A number too large for an `f64` is an
    /// [`ParseErrorKind::InvalidNumber`] error, as in Elasticsearch.
    pub(super) fn number(&self, input: &'a str) -> PResult<'a, (Literal, Span)> {
        let start = self.offset(input);
        let Some(token) = scan_number(input) else {
            return Err(self.expected_error(input, super::Label::Text("a number")));
        };
        let (text, rest) = input.split_at(token.length);
        let span = self.span_from(start, rest);
        if !token.decimal {
            if let Ok(value) = text.parse::<i64>() {
                return Ok((rest, (Literal::Int(value), span)));
            }
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok((rest, (Literal::Float(value), span))),
            _ => Err(self.failure(ParseErrorKind::InvalidNumber(text.to_owned()), span)),
        }
    }

    /// Parses a double-quoted string, `"..."` with escapes or `"""..."""`
    /// without, at `input`, which starts at the opening quote.
    pub(super) fn string(&self, input: &'a str) -> PResult<'a, (String, Span)> {
        if input.starts_with("\"\"\"") {
            self.raw_string(input)
        } else {
            self.escaped_string(input)
        }
    }

    /// Parses `"..."`, decoding `\t \b \f \n \r \" \' \\` and `\u{XX}`.
    ///
    /// A backslash before any other character stays in the string, so the
    /// Windows path `"C:\Windows\System32"` means `C:\Windows\System32`.
    /// Elasticsearch's unquoting keeps such a backslash too.
    /// A path such as `"C:\temp"` still contains the escape `\t`. A raw line
    /// break ends the line before the string is closed, which is an error.
    fn escaped_string(&self, input: &'a str) -> PResult<'a, (String, Span)> {
        let start = self.offset(input);
        let mut value = String::new();
        let mut chars = input.char_indices().skip(1).peekable();
        while let Some((index, c)) = chars.next() {
            match c {
                '"' => {
                    let rest = &input[index + 1..];
                    return Ok((rest, (value, self.span_from(start, rest))));
                }
                '\r' | '\n' => break,
                '\\' => {
                    let Some(&(_, next)) = chars.peek() else {
                        break;
                    };
                    let simple = match next {
                        't' => Some('\t'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        '"' | '\'' | '\\' => Some(next),
                        _ => None,
                    };
                    if let Some(decoded) = simple {
                        value.push(decoded);
                        chars.next();
                    } else if input[index + 1..].starts_with("u{") {
                        let (decoded, length) = self.unicode_escape(&input[index..])?;
                        value.push(decoded);
                        // Skip the rest of `\u{...}`; the backslash is consumed.
                        while chars.peek().is_some_and(|&(at, _)| at < index + length) {
                            chars.next();
                        }
                    } else {
                        value.push('\\');
                    }
                }
                _ => value.push(c),
            }
        }
        Err(self.unterminated(input))
    }

    /// Decodes `\u{X...}` at the start of `escape` and returns the character
    /// and the byte length of the escape.
    fn unicode_escape(&self, escape: &'a str) -> Result<(char, usize), nom::Err<super::Fail>> {
        let start = self.offset(escape);
        let body = &escape[3..];
        let digits = body
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(body.len());
        let hex = &body[..digits];
        if !body[digits..].starts_with('}') {
            let written: String = escape.chars().take(3 + digits + 1).collect();
            let span = Span::new(start, start + written.len());
            let message = format!(
                "Unicode sequence [{written}] must be hex digits in braces, such as [\\u{{2028}}]"
            );
            return Err(self.failure(ParseErrorKind::InvalidEscape(message), span));
        }
        let length = 3 + digits + 1;
        let span = Span::new(start, start + length);
        if !(2..=8).contains(&digits) {
            let message =
                format!("Unicode sequence should use [2-8] hex digits, [{hex}] has [{digits}]");
            return Err(self.failure(ParseErrorKind::InvalidEscape(message), span));
        }
        let code = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
        if (0xD800..=0xDFFF).contains(&code) {
            let message = format!("Invalid unicode character code, [{hex}] is a surrogate code");
            return Err(self.failure(ParseErrorKind::InvalidEscape(message), span));
        }
        match char::from_u32(code) {
            Some(decoded) => Ok((decoded, length)),
            None => {
                let message = format!("Invalid unicode character code [{hex}]");
                Err(self.failure(ParseErrorKind::InvalidEscape(message), span))
            }
        }
    }

    /// Parses `"""..."""`: no escapes, one line, and up to two quotes right
    /// after the closing `"""` still belong to the string, so `"""a""""`
    /// means `a"`.
    fn raw_string(&self, input: &'a str) -> PResult<'a, (String, Span)> {
        let start = self.offset(input);
        let body = &input[3..];
        let line_end = body.find(['\r', '\n']).unwrap_or(body.len());
        let Some(close) = body[..line_end].find("\"\"\"") else {
            return Err(self.unterminated(input));
        };
        let extra = body[close + 3..line_end]
            .bytes()
            .take(2)
            .take_while(|&b| b == b'"')
            .count();
        let content_end = close + extra;
        let rest = &body[content_end + 3..];
        let value = body[..content_end].to_owned();
        Ok((rest, (value, self.span_from(start, rest))))
    }

    /// Returns [`ParseErrorKind::UnterminatedString`] spanning from the
    /// opening quote to the end of its line.
    fn unterminated(&self, input: &'a str) -> nom::Err<super::Fail> {
        let start = self.offset(input);
        let line_end = input.find(['\r', '\n']).unwrap_or(input.len());
        self.failure(
            ParseErrorKind::UnterminatedString,
            Span::new(start, start + line_end),
        )
    }

    /// Returns the error for a literal that Elasticsearch rejects: `'...'`
    /// is [`ParseErrorKind::SingleQuotedString`] and `?"..."` or `?'...'`
    /// is [`ParseErrorKind::QuestionMarkString`]. The span covers the whole
    /// literal, or the rest of the line when it is not closed.
    pub(super) fn rejected_string(&self, input: &'a str) -> nom::Err<super::Fail> {
        let start = self.offset(input);
        let (kind, quoted) = match input.strip_prefix('?') {
            Some(quoted) => (ParseErrorKind::QuestionMarkString, quoted),
            None => (ParseErrorKind::SingleQuotedString, input),
        };
        let prefix = input.len() - quoted.len();
        let quote = if quoted.starts_with('\'') { '\'' } else { '"' };
        let triple = quoted.starts_with("\"\"\"");
        let line_end = quoted.find(['\r', '\n']).unwrap_or(quoted.len());
        let line = &quoted[..line_end];
        let length = if triple {
            line[3..].find("\"\"\"").map_or(line_end, |close| close + 6)
        } else {
            closing_quote(line, quote).unwrap_or(line_end)
        };
        self.failure(kind, Span::new(start, start + prefix + length))
    }
}

/// Returns the byte length of a quoted literal on one line, up to and
/// including its closing quote, skipping backslash escapes.
fn closing_quote(line: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (index, c) in line.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(index + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> Result<(String, &str), ParseErrorKind> {
        let ctx = Ctx::new(text, 10);
        match ctx.string(text) {
            Ok((rest, (value, _))) => Ok((value, rest)),
            Err(nom::Err::Failure(super::super::Fail::Error(error))) => Err(error.kind),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    fn number(text: &str) -> Result<Literal, ParseErrorKind> {
        let ctx = Ctx::new(text, 10);
        match ctx.number(text) {
            Ok((_, (literal, _))) => Ok(literal),
            Err(nom::Err::Failure(super::super::Fail::Error(error))) => Err(error.kind),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn escapes_are_decoded() {
        let (value, rest) = string(r#""a\tb\nc\"d\\e\'f\r\b\f" x"#).unwrap();
        assert_eq!(value, "a\tb\nc\"d\\e'f\r\u{8}\u{c}");
        assert_eq!(rest, " x");
    }

    #[test]
    fn unknown_escape_keeps_backslash() {
        let (value, _) = string(r#""C:\Windows\System32\users\x""#).unwrap();
        assert_eq!(value, r"C:\Windows\System32\users\x");
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(string(r#""\u{41}\u{202E}""#).unwrap().0, "A\u{202E}");
        assert_eq!(string(r#""\u{0001F600}""#).unwrap().0, "\u{1F600}");
        let surrogate = string(r#""\u{D800}""#).unwrap_err();
        assert!(matches!(&surrogate, ParseErrorKind::InvalidEscape(m) if m.contains("surrogate")));
        let short = string(r#""\u{1}""#).unwrap_err();
        assert!(
            matches!(&short, ParseErrorKind::InvalidEscape(m) if m.contains("[2-8] hex digits"))
        );
        let long = string(r#""\u{123456789}""#).unwrap_err();
        assert!(
            matches!(&long, ParseErrorKind::InvalidEscape(m) if m.contains("[2-8] hex digits"))
        );
        let large = string(r#""\u{110000}""#).unwrap_err();
        assert!(matches!(&large, ParseErrorKind::InvalidEscape(m) if m.contains("[110000]")));
        let open = string(r#""\u{zz}""#).unwrap_err();
        assert!(matches!(&open, ParseErrorKind::InvalidEscape(m) if m.contains("braces")));
    }

    #[test]
    fn unterminated_strings() {
        assert_eq!(string("\"abc"), Err(ParseErrorKind::UnterminatedString));
        assert_eq!(string("\"ab\nc\""), Err(ParseErrorKind::UnterminatedString));
        assert_eq!(string(r#""abc\""#), Err(ParseErrorKind::UnterminatedString));
        assert_eq!(string("\"\"\"abc"), Err(ParseErrorKind::UnterminatedString));
        assert_eq!(
            string("\"\"\"a\nb\"\"\""),
            Err(ParseErrorKind::UnterminatedString)
        );
    }

    #[test]
    fn raw_strings() {
        assert_eq!(string(r#""""a\b""" x"#).unwrap(), (r"a\b".into(), " x"));
        assert_eq!(string(r#""""a"""""#).unwrap().0, "a\"");
        assert_eq!(string(r#""""a""""""#).unwrap().0, "a\"\"");
        assert_eq!(string(r#""""""""#).unwrap().0, "");
        assert_eq!(string(r#""""say "hi" now""""#).unwrap().0, "say \"hi\" now");
    }

    #[test]
    fn numbers() {
        assert_eq!(number("42"), Ok(Literal::Int(42)));
        assert_eq!(number("1."), Ok(Literal::Float(1.0)));
        assert_eq!(number("1.5"), Ok(Literal::Float(1.5)));
        assert_eq!(number(".5"), Ok(Literal::Float(0.5)));
        assert_eq!(number("1e3"), Ok(Literal::Float(1000.0)));
        assert_eq!(number("1.5E-1"), Ok(Literal::Float(0.15)));
        assert_eq!(number("2e+2"), Ok(Literal::Float(200.0)));
        assert_eq!(number("1.e2"), Ok(Literal::Float(100.0)));
        assert_eq!(
            number("9223372036854775808"),
            Ok(Literal::Float(9223372036854775808.0))
        );
        assert_eq!(
            number("1e999"),
            Err(ParseErrorKind::InvalidNumber("1e999".into()))
        );
    }

    #[test]
    fn number_scan_stops_before_bare_exponent() {
        assert_eq!(
            scan_number("5e"),
            Some(NumberToken {
                length: 1,
                decimal: false
            })
        );
        assert_eq!(scan_number("."), None);
        assert_eq!(scan_number("x"), None);
    }
}
