//! Loading rules from files: detection-rules TOML files, folders of them,
//! and `.eql` files holding one query.
//!
//! The loader keeps where each query starts in its file, so a compile
//! error can name the file, line and column a user has to edit.

use eql_parser::Span;
use eql_runtime::{RuleError, RuleSource};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A rule read from a file.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    /// The id, name and query.
    pub source: RuleSource,
    /// The file it came from.
    pub path: PathBuf,
    /// The 1-based line and column in the file where the query text
    /// starts.
    pub query_start: (usize, usize),
    /// The query as written in the file, when it differs from the decoded
    /// query because of escapes in a TOML basic string or CRLF line ends.
    /// Error positions are mapped back to the file through it.
    pub query_as_written: Option<String>,
    /// True when the query is a TOML basic string (`"..."` or `"""..."""`),
    /// whose backslashes are escapes; false for literal strings (`'''`).
    pub query_has_escapes: bool,
}

/// A file the loader passed over on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why: the rule's language or type, such as `kuery` or
    /// `machine_learning`.
    pub reason: String,
}

/// A file that could not be read as a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The problem and its fix.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// The result of loading a set of paths.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// The EQL rules found, in path order.
    pub rules: Vec<LoadedRule>,
    /// Rules in other languages or of other types.
    pub skipped: Vec<Skipped>,
    /// Files that could not be read.
    pub errors: Vec<LoadError>,
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Option<RuleTable>,
}

#[derive(Deserialize)]
struct RuleTable {
    name: Option<String>,
    rule_id: Option<String>,
    language: Option<String>,
    #[serde(rename = "type")]
    rule_type: Option<String>,
    query: Option<toml::Spanned<String>>,
}

impl LoadReport {
    /// Loads a file or a folder (recursively, `.toml` and `.eql` files in
    /// name order) and adds what it finds.
    pub fn load(&mut self, path: &Path) {
        if path.is_dir() {
            let mut files = Vec::new();
            collect_files(path, &mut files, &mut self.errors);
            files.sort();
            for file in files {
                self.load_file(&file);
            }
        } else {
            self.load_file(path);
        }
    }

    /// Returns the rules found, ready for [`eql_runtime::RuleSet::new`]; the
    /// index of each [`RuleError`] is the rule's position here and in
    /// [`LoadReport::rules`].
    pub fn sources(&self) -> Vec<RuleSource> {
        self.rules.iter().map(|rule| rule.source.clone()).collect()
    }

    /// Adds a query given as text, with the id and name `label`.
    pub fn add_query(&mut self, label: &str, query: &str) {
        self.rules.push(LoadedRule {
            source: RuleSource::new(label, label, query),
            path: PathBuf::from(label),
            query_start: (1, 1),
            query_as_written: None,
            query_has_escapes: false,
        });
    }

    fn load_file(&mut self, path: &Path) {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                self.errors.push(LoadError {
                    path: path.to_path_buf(),
                    position: None,
                    message: format!("cannot read the file: {e}"),
                });
                return;
            }
        };
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        if !is_toml {
            let stem = path
                .file_stem()
                .map_or_else(|| "query".into(), |s| s.to_string_lossy().into_owned());
            self.rules.push(LoadedRule {
                source: RuleSource::new(path.display().to_string(), stem, text),
                path: path.to_path_buf(),
                query_start: (1, 1),
                query_as_written: None,
                query_has_escapes: false,
            });
            return;
        }
        match parse_rule_file(path, &text) {
            Ok(Parsed::Rule(rule)) => self.rules.push(*rule),
            Ok(Parsed::Skip(reason)) => self.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason,
            }),
            Err(e) => self.errors.push(e),
        }
    }
}

enum Parsed {
    Rule(Box<LoadedRule>),
    Skip(String),
}

fn parse_rule_file(path: &Path, text: &str) -> Result<Parsed, LoadError> {
    let error = |position, message: String| LoadError {
        path: path.to_path_buf(),
        position,
        message,
    };
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let position = e
            .span()
            .map(|span| eql_parser::line_column(text, span.start));
        error(
            position,
            format!("invalid TOML: {}", e.message().trim_end()),
        )
    })?;
    let Some(rule) = file.rule else {
        return Err(error(
            None,
            "no [rule] table; a detection rule file needs [rule] with name, rule_id, language and query".into(),
        ));
    };
    let language = rule.language.as_deref().unwrap_or("");
    let rule_type = rule.rule_type.as_deref().unwrap_or("");
    if language != "eql" && rule_type != "eql" {
        let reason = if language.is_empty() {
            format!("rule type [{rule_type}]")
        } else {
            format!("language [{language}]")
        };
        return Ok(Parsed::Skip(reason));
    }
    let Some(query) = rule.query else {
        return Err(error(None, "the [rule] table has no query".into()));
    };
    let (query_start, written) = query_text_start(text, query.span());
    let query_as_written = (written != query.get_ref().as_str()).then(|| written.to_string());
    let query_has_escapes = text[query.span()].starts_with('"');
    let name = rule.name.unwrap_or_else(|| path.display().to_string());
    let id = rule.rule_id.unwrap_or_else(|| path.display().to_string());
    Ok(Parsed::Rule(Box::new(LoadedRule {
        source: RuleSource::new(id, name, query.into_inner()),
        path: path.to_path_buf(),
        query_start,
        query_as_written,
        query_has_escapes,
    })))
}

/// Returns where the text of a TOML string value starts (after its
/// opening quotes and, for multi-line strings, the newline TOML trims) and
/// that text as written, without the quotes.
fn query_text_start(text: &str, span: std::ops::Range<usize>) -> ((usize, usize), &str) {
    let raw = &text[span.clone()];
    let mut start = span.start;
    let mut end = span.end;
    for delimiter in ["'''", "\"\"\"", "'", "\""] {
        if raw.starts_with(delimiter) {
            start += delimiter.len();
            end = end.saturating_sub(delimiter.len()).max(start);
            if delimiter.len() == 3 {
                let rest = &text[start..];
                if rest.starts_with("\r\n") {
                    start += 2;
                } else if rest.starts_with('\n') {
                    start += 1;
                }
            }
            break;
        }
    }
    (
        eql_parser::line_column(text, start),
        &text[start..end.max(start)],
    )
}

/// Returns the byte offset in a TOML string as written that contains the
/// decoded string's byte `decoded`. A CRLF line end decodes to one `\n`.
/// With `escapes` (a basic string), escapes (`\t`, `\"`, `\u00e9`) take more
/// bytes as written, and a line-ending backslash drops the line break and
/// the indentation after it.
fn written_offset(written: &str, decoded: usize, escapes: bool) -> usize {
    let bytes = written.as_bytes();
    let (mut at, mut seen) = (0, 0);
    let continues_line = |at: usize| {
        escapes && bytes[at] == b'\\' && bytes.get(at + 1).is_some_and(u8::is_ascii_whitespace)
    };
    while at < written.len() && (seen < decoded || continues_line(at)) {
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            seen += 1;
            at += 2;
        } else if escapes && bytes[at] == b'\\' && at + 1 < written.len() {
            match bytes[at + 1] {
                b'u' | b'U' => {
                    let digits = if bytes[at + 1] == b'u' { 4 } else { 8 };
                    let hex = written.get(at + 2..at + 2 + digits).unwrap_or("");
                    let width = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .map_or(1, char::len_utf8);
                    seen += width;
                    at += 2 + digits;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    at += 1;
                    while at < written.len() && bytes[at].is_ascii_whitespace() {
                        at += 1;
                    }
                }
                _ => {
                    seen += 1;
                    at += 2;
                }
            }
        } else {
            let width = written[at..].chars().next().map_or(1, char::len_utf8);
            seen += width;
            at += width;
        }
    }
    at.min(written.len())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(LoadError {
                path: dir.to_path_buf(),
                position: None,
                message: format!("cannot read the folder: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out, errors);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "eql") {
            out.push(path);
        }
    }
}

impl LoadedRule {
    /// Returns the file position of a byte span of the query.
    pub fn file_position(&self, span: Span) -> (usize, usize) {
        let (line, column) = match &self.query_as_written {
            Some(written) => {
                let at = written_offset(written, span.start, self.query_has_escapes);
                eql_parser::line_column(written, at)
            }
            None => eql_parser::line_column(&self.source.query, span.start),
        };
        if line == 1 {
            (self.query_start.0, self.query_start.1 + column - 1)
        } else {
            (self.query_start.0 + line - 1, column)
        }
    }

    /// Renders a compile error of this rule as `file:line:column: message`
    /// followed by the query line and a caret.
    pub fn render_error(&self, error: &RuleError) -> String {
        let span = error.span();
        let (line, column) = self.file_position(span);
        let drawn = eql_parser::render_diagnostic(&self.source.query, span, &error.message());
        // Swap the query-relative header for the file position, and the
        // query line numbers in the gutter for file line numbers.
        let mut lines = drawn.lines();
        let _header = lines.next();
        let mut out = format!(
            "{}:{line}:{column}: rule [{}]: {}",
            self.path.display(),
            self.source.name,
            error.message()
        );
        let (query_line, _) = eql_parser::line_column(&self.source.query, span.start);
        let old_gutter = format!("{query_line} | ");
        let new_gutter = format!("{line} | ");
        let width_change = new_gutter.len() as isize - old_gutter.len() as isize;
        if let Some(source_line) = lines.next() {
            out.push('\n');
            out.push_str(&source_line.replacen(&old_gutter, &new_gutter, 1));
        }
        if let Some(carets) = lines.next() {
            out.push('\n');
            if width_change >= 0 {
                out.push_str(&" ".repeat(width_change as usize));
                out.push_str(carets);
            } else {
                out.push_str(&carets[(-width_change) as usize..]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_offsets_follow_escapes() {
        let file = "query = \"\"\"\nab\\tc \\u00e9 d\\\n   e\\\"f \\\\g\"\"\"\n";
        let table: toml::Table = toml::from_str(file).unwrap();
        let decoded = table["query"].as_str().unwrap();
        assert_eq!(decoded, "ab\tc \u{e9} de\"f \\g");
        let start = file.find("ab").unwrap();
        let written = &file[start..file.rfind("\"\"\"").unwrap()];
        for (offset, c) in decoded.char_indices() {
            if matches!(c, '\t' | '\u{e9}' | '"' | '\\') {
                continue;
            }
            let at = written_offset(written, offset, true);
            assert!(
                written[at..].starts_with(c),
                "decoded byte {offset} ({c:?}) maps to {at}: {:?}",
                &written[at..]
            );
        }
    }

    #[test]
    fn basic_string_errors_point_into_file() {
        let dir = std::env::temp_dir().join(format!("eql-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("escaped.toml");
        let text = "[rule]\nname = \"n\"\nrule_id = \"i\"\nlanguage = \"eql\"\nquery = \"process where process.name : \\\"x\\\" and foo(1)\"\n";
        std::fs::write(&path, text).unwrap();
        let mut report = LoadReport::default();
        report.load(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        let rule = &report.rules[0];
        let query = &rule.source.query;
        let foo = query.find("foo").unwrap();
        let (line, column) = rule.file_position(Span::new(foo, foo + 3));
        let file_line = text.lines().nth(line - 1).unwrap();
        assert_eq!(line, 5);
        assert_eq!(&file_line[column - 1..column + 2], "foo", "{file_line}");
    }

    #[test]
    fn crlf_literal_rule_points_into_file() {
        let dir = std::env::temp_dir().join(format!("eql-rules-crlf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("crlf.toml");
        let text = "[rule]\r\nname = \"n\"\r\nrule_id = \"i\"\r\nlanguage = \"eql\"\r\nquery = \'\'\'\r\nprocess where\r\n  process.name : \"C:\\Windows\\x\" and\r\n  lenght(x) == 1\r\n\'\'\'\r\n";
        std::fs::write(&path, text).unwrap();
        let mut report = LoadReport::default();
        report.load(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        let rule = &report.rules[0];
        let at = rule.source.query.find("lenght").unwrap();
        let (line, column) = rule.file_position(Span::new(at, at + 6));
        assert_eq!((line, column), (8, 3));
    }
}
