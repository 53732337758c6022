//! Loading of the Elasticsearch EQL QA spec files: TOML documents with an
//! array of `[[queries]]` tables.

use std::collections::HashSet;
use std::path::Path;

/// One `[[queries]]` entry of a spec file.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    /// The query text, trimmed.
    pub query: String,
    /// The acceptable id lists. The spec passes when the actual ids equal
    /// any one of them.
    pub expected_ids: Vec<Vec<i64>>,
    /// The expected join keys in string form, flattened over all results.
    /// An empty list means the join keys are not checked.
    pub join_keys: Vec<String>,
    /// The request `size`. The harness sends 50 when the spec has none.
    pub size: Option<u64>,
    /// The request `max_samples_per_key`, sent only when positive.
    pub max_samples_per_key: Option<usize>,
}

/// Loads the specs of several files, in file order, and rejects a name
/// that occurs twice, as the Elasticsearch loader does.
pub fn load_spec_files(paths: &[&Path]) -> Result<Vec<Spec>, String> {
    let mut specs = Vec::new();
    let mut names = HashSet::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for spec in parse_spec_file(&text).map_err(|e| format!("{}: {e}", path.display()))? {
            if !names.insert(spec.name.clone()) {
                return Err(format!(
                    "{}: duplicate spec name [{}]",
                    path.display(),
                    spec.name
                ));
            }
            specs.push(spec);
        }
    }
    Ok(specs)
}

/// Parses the text of one spec file.
pub fn parse_spec_file(text: &str) -> Result<Vec<Spec>, String> {
    let text = quote_bare_nulls(text);
    let document: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    let Some(queries) = document.get("queries") else {
        return Ok(Vec::new());
    };
    let queries = queries
        .as_array()
        .ok_or("`queries` is not an array of tables")?;
    queries
        .iter()
        .enumerate()
        .map(|(position, entry)| {
            parse_spec(entry).map_err(|e| format!("entry {} of [[queries]]: {e}", position + 1))
        })
        .collect()
}

fn parse_spec(entry: &toml::Value) -> Result<Spec, String> {
    let table = entry.as_table().ok_or("the entry is not a table")?;
    let name = table
        .get("name")
        .and_then(toml::Value::as_str)
        .ok_or("missing string `name`")?
        .to_string();
    let query = table
        .get("query")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| format!("[{name}]: missing string `query`"))?
        .trim()
        .to_string();
    let expected = table
        .get("expected_event_ids")
        .ok_or_else(|| format!("[{name}]: missing `expected_event_ids`"))?;
    let expected_ids =
        parse_expected_ids(expected).map_err(|e| format!("[{name}]: expected_event_ids: {e}"))?;
    let join_keys = match table.get("join_keys") {
        None => Vec::new(),
        Some(keys) => keys
            .as_array()
            .ok_or_else(|| format!("[{name}]: `join_keys` is not an array"))?
            .iter()
            .map(toml_scalar_to_string)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("[{name}]: join_keys: {e}"))?,
    };
    let size = optional_integer(table, "size")
        .map_err(|e| format!("[{name}]: {e}"))?
        .map(|n| u64::try_from(n).map_err(|_| format!("[{name}]: negative `size` {n}")))
        .transpose()?;
    let max_samples_per_key = optional_integer(table, "max_samples_per_key")
        .map_err(|e| format!("[{name}]: {e}"))?
        .filter(|&n| n > 0)
        .map(|n| n as usize);
    Ok(Spec {
        name,
        query,
        expected_ids,
        join_keys,
        size,
        max_samples_per_key,
    })
}

/// Reads `[]`, a flat list of integers, or a list of such lists.
fn parse_expected_ids(value: &toml::Value) -> Result<Vec<Vec<i64>>, String> {
    let items = value.as_array().ok_or("not an array")?;
    if items.is_empty() {
        return Ok(vec![Vec::new()]);
    }
    if items.iter().all(toml::Value::is_array) {
        return items.iter().map(integer_list).collect();
    }
    Ok(vec![integer_list(value)?])
}

fn integer_list(value: &toml::Value) -> Result<Vec<i64>, String> {
    value
        .as_array()
        .ok_or("not an array")?
        .iter()
        .map(|item| {
            item.as_integer()
                .ok_or_else(|| format!("[{item}] is not an integer"))
        })
        .collect()
}

fn optional_integer(table: &toml::Table, key: &str) -> Result<Option<i64>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(value) => value
            .as_integer()
            .map(Some)
            .ok_or_else(|| format!("`{key}` is not an integer: {value}")),
    }
}

/// Converts a join-key element to the string the Java spec loader makes of
/// it: strings unchanged, other scalars in their plain form.
fn toml_scalar_to_string(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("unsupported join key [{other}]")),
    }
}

/// Replaces every bare `null` outside strings and comments with `"null"`.
///
/// The Java TOML reader accepts a bare `null` (test_extra.toml uses it in
/// `join_keys`) and turns it into the string "null", but TOML has no null,
/// so a bare `null` is a syntax error for a strict parser wherever it
/// appears. Quoting it everywhere therefore cannot change a valid file.
pub fn quote_bare_nulls(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let skip_to = if rest.starts_with("'''") {
            find_end(text, i + 3, "'''", false)
        } else if rest.starts_with("\"\"\"") {
            find_end(text, i + 3, "\"\"\"", true)
        } else if rest.starts_with('\'') {
            find_end(text, i + 1, "'", false)
        } else if rest.starts_with('"') {
            find_end(text, i + 1, "\"", true)
        } else if rest.starts_with('#') {
            find_end(text, i + 1, "\n", false)
        } else if rest.starts_with("null")
            && !is_word_byte(i.checked_sub(1).map(|p| bytes[p]))
            && !is_word_byte(bytes.get(i + 4).copied())
        {
            out.push_str(&text[copied..i]);
            out.push_str("\"null\"");
            copied = i + 4;
            i + 4
        } else {
            i + rest.chars().next().map_or(1, char::len_utf8)
        };
        i = skip_to;
    }
    out.push_str(&text[copied..]);
    out
}

/// Returns the position just after the first `delimiter` at or after
/// `from`, or the end of the text when there is none. Backslash escapes are
/// skipped when `escapes` is set.
fn find_end(text: &str, from: usize, delimiter: &str, escapes: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if text[i..].starts_with(delimiter) {
            return i + delimiter.len();
        }
        i += 1;
    }
    bytes.len()
}

fn is_word_byte(byte: Option<u8>) -> bool {
    byte.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[test]
fn bare_nulls_are_quoted_outside_strings() {
    let text = "a = [null, \"null\", 'x null'] # null\nb = '''null'''\nc = nullable\n";
    assert_eq!(
        quote_bare_nulls(text),
        "a = [\"null\", \"null\", 'x null'] # null\nb = '''null'''\nc = nullable\n"
    );
}

#[test]
fn expected_ids_accept_flat_nested_and_empty() {
    let specs = parse_spec_file(
        "[[queries]]\nname = \"a\"\nquery = ''' x '''\nexpected_event_ids = []\n\
         [[queries]]\nname = \"b\"\nquery = 'y'\nexpected_event_ids = [1, 2]\njoin_keys = [null, 3]\n\
         [[queries]]\nname = \"c\"\nquery = 'z'\nexpected_event_ids = [[1], [2, 3]]\nsize = 2\n",
    )
    .unwrap();
    assert_eq!(specs[0].query, "x");
    assert_eq!(specs[0].expected_ids, vec![Vec::<i64>::new()]);
    assert_eq!(specs[1].expected_ids, vec![vec![1, 2]]);
    assert_eq!(specs[1].join_keys, ["null", "3"]);
    assert_eq!(specs[2].expected_ids, vec![vec![1], vec![2, 3]]);
    assert_eq!(specs[2].size, Some(2));
}
