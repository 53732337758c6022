//! Matchers compiled once from the constant right side of `:`, `like`,
//! `regex`, `in` and their `~` forms.

use crate::functions::fold_case;
use crate::value::{OwnedValue, Value};
use hashbrown::HashSet;
use regex::Regex;

/// The comparison a matcher applies between a value and its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// `in`: exact, case-sensitive equality with any element.
    In,
    /// `in~`: case-insensitive equality; `*` and `?` are literal.
    InInsensitive,
    /// `:`: case-insensitive equality, or a wildcard match when the pattern
    /// contains `*` or `?`.
    Colon,
    /// `like`: case-sensitive wildcard match.
    Like,
    /// `like~`: case-insensitive wildcard match.
    LikeInsensitive,
    /// `regex`: whole-string regular expression.
    Regex,
    /// `regex~`: case-insensitive whole-string regular expression.
    RegexInsensitive,
}

impl MatchMode {
    fn case_insensitive(self) -> bool {
        matches!(
            self,
            MatchMode::InInsensitive
                | MatchMode::Colon
                | MatchMode::LikeInsensitive
                | MatchMode::RegexInsensitive
        )
    }
}

/// A compiled set of patterns: exact strings in a hash set, wildcard and
/// regular-expression patterns in one anchored regex, other constants in a
/// short list.
#[derive(Debug, Clone)]
pub struct Matcher {
    case_insensitive: bool,
    exact: HashSet<Box<str>>,
    /// The same strings as `exact` when there are few of them: comparing
    /// a handful directly is faster than hashing, and needs no lower-cased
    /// copy of an ASCII value.
    exact_few: Vec<Box<str>>,
    others: Vec<OwnedValue>,
    /// Exact string patterns that read as numbers, tested against numeric
    /// values: Elasticsearch converts a term to the field's type, so a
    /// number field equals "1234".
    numeric_strings: Vec<OwnedValue>,
    regex: Option<Regex>,
}

/// Up to this many exact strings are compared one by one instead of hashed.
const FEW_STRINGS: usize = 8;

/// A pattern that could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The index of the offending pattern in the list.
    pub index: usize,
    /// The reason, from the regex compiler.
    pub message: String,
}

impl Matcher {
    /// Compiles `patterns` for `mode`.
    ///
    /// # Errors
    ///
    /// Returns a [`PatternError`] for an invalid regular expression.
    pub fn new(mode: MatchMode, patterns: &[OwnedValue]) -> Result<Matcher, PatternError> {
        let case_insensitive = mode.case_insensitive();
        let mut exact = HashSet::new();
        let mut others = Vec::new();
        let mut numeric_strings = Vec::new();
        let mut alternatives = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let Value::Str(text) = pattern else {
                if !pattern.is_null() {
                    others.push(pattern.clone());
                }
                continue;
            };
            let wildcard = matches!(
                mode,
                MatchMode::Like | MatchMode::LikeInsensitive | MatchMode::Colon
            ) && text.contains(['*', '?']);
            match mode {
                MatchMode::Regex | MatchMode::RegexInsensitive => {
                    Regex::new(text).map_err(|e| PatternError {
                        index,
                        message: e.to_string(),
                    })?;
                    alternatives.push(format!("(?:{text})"));
                }
                _ if wildcard => alternatives.push(wildcard_to_regex(text)),
                _ => {
                    if let Ok(number) = text.trim().parse::<f64>() {
                        numeric_strings.push(Value::Float(number));
                    }
                    let stored = if case_insensitive {
                        fold_case(text).into_owned()
                    } else {
                        text.to_string()
                    };
                    exact.insert(stored.into_boxed_str());
                }
            }
        }
        let regex = if alternatives.is_empty() {
            None
        } else {
            let flags = if case_insensitive { "(?si)" } else { "(?s)" };
            let source = format!("{flags}^(?:{})$", alternatives.join("|"));
            Some(Regex::new(&source).map_err(|e| PatternError {
                index: 0,
                message: e.to_string(),
            })?)
        };
        let exact_few = if exact.len() <= FEW_STRINGS {
            exact.iter().cloned().collect()
        } else {
            Vec::new()
        };
        Ok(Matcher {
            case_insensitive,
            exact_few,
            exact,
            others,
            numeric_strings,
            regex,
        })
    }

    /// Tests one value; null gives `None`.
    pub fn matches(&self, value: &Value<'_>) -> Option<bool> {
        match value {
            Value::Null => None,
            Value::Str(s) => Some(
                self.matches_str(s) || self.others.iter().any(|c| c.sql_eq(value) == Some(true)),
            ),
            other => Some(
                self.others
                    .iter()
                    .chain(&self.numeric_strings)
                    .any(|c| c.sql_eq(other) == Some(true)),
            ),
        }
    }

    /// Tests one string.
    pub fn matches_str(&self, s: &str) -> bool {
        if !self.exact.is_empty() && self.matches_exact(s) {
            return true;
        }
        self.regex.as_ref().is_some_and(|r| r.is_match(s))
    }

    fn matches_exact(&self, s: &str) -> bool {
        if !self.case_insensitive {
            return if self.exact_few.is_empty() {
                self.exact.contains(s)
            } else {
                self.exact_few.iter().any(|e| e.as_ref() == s)
            };
        }
        // Stored strings are lower case, so an ASCII value compares without
        // a lower-cased copy.
        if s.is_ascii() && !self.exact_few.is_empty() {
            return self.exact_few.iter().any(|e| e.eq_ignore_ascii_case(s));
        }
        self.exact.contains(fold_case(s).as_ref())
    }
}

/// Translates a wildcard pattern into regex syntax: `*` is any run of
/// characters, `?` exactly one, everything else literal.
fn wildcard_to_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut literal = String::new();
    for c in pattern.chars() {
        if c == '*' || c == '?' {
            out.push_str(&regex::escape(&literal));
            literal.clear();
            out.push_str(if c == '*' { ".*" } else { "." });
        } else {
            literal.push(c);
        }
    }
    out.push_str(&regex::escape(&literal));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn strings(list: &[&str]) -> Vec<OwnedValue> {
        list.iter()
            .map(|s| Value::Str(Cow::Owned(s.to_string())))
            .collect()
    }

    #[test]
    fn colon_folds_case_and_expands_wildcards() {
        let m = Matcher::new(MatchMode::Colon, &strings(&["services.exe", "*\\cmd.exe"])).unwrap();
        assert!(m.matches_str("SERVICES.EXE"));
        assert!(m.matches_str("C:\\Windows\\CMD.exe"));
        assert!(!m.matches_str("services.exe.bak"));
    }

    #[test]
    fn in_is_case_sensitive_and_literal() {
        let m = Matcher::new(MatchMode::In, &strings(&["start", "a*"])).unwrap();
        assert!(m.matches_str("start"));
        assert!(!m.matches_str("Start"));
        assert!(m.matches_str("a*"));
        assert!(!m.matches_str("ab"));
    }

    #[test]
    fn in_insensitive_keeps_wildcards_literal() {
        let m = Matcher::new(MatchMode::InInsensitive, &strings(&["A*"])).unwrap();
        assert!(m.matches_str("a*"));
        assert!(!m.matches_str("ab"));
    }

    #[test]
    fn like_question_mark_is_one_char() {
        let m = Matcher::new(MatchMode::Like, &strings(&["a?c", "100%"])).unwrap();
        assert!(m.matches_str("abc"));
        assert!(!m.matches_str("ac"));
        assert!(!m.matches_str("ABC"));
        assert!(m.matches_str("100%"));
        assert!(!m.matches_str("1000"));
    }

    #[test]
    fn regex_is_anchored() {
        let m = Matcher::new(MatchMode::Regex, &strings(&["a.c"])).unwrap();
        assert!(m.matches_str("abc"));
        assert!(!m.matches_str("xabc"));
        let i = Matcher::new(MatchMode::RegexInsensitive, &strings(&["a.c"])).unwrap();
        assert!(i.matches_str("ABC"));
    }

    #[test]
    fn numbers_and_numeric_strings_meet() {
        let m = Matcher::new(MatchMode::In, &strings(&["1234"])).unwrap();
        assert_eq!(m.matches(&Value::Int(1234)), Some(true));
        assert_eq!(m.matches(&Value::Int(1235)), Some(false));
        let n = Matcher::new(MatchMode::In, &[Value::Int(5)]).unwrap();
        assert_eq!(n.matches(&Value::Str("5".into())), Some(true));
        assert_eq!(n.matches(&Value::Str("6".into())), Some(false));
    }

    #[test]
    fn numbers_match_by_value() {
        let m = Matcher::new(MatchMode::In, &[Value::Int(445), Value::Float(1.5)]).unwrap();
        assert_eq!(m.matches(&Value::Float(445.0)), Some(true));
        assert_eq!(m.matches(&Value::Int(1)), Some(false));
        assert_eq!(m.matches(&Value::Null), None);
    }
}
