//! Loading of the QA indices: documents, mappings and the transforms the
//! Elasticsearch data loader applies before indexing.

use eql::{FieldType, Schema};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// The change the data loader makes to each document of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Documents are indexed as they are.
    None,
    /// Endgame events: `@timestamp` becomes epoch milliseconds computed
    /// from the Windows FILETIME in `timestamp`.
    EndgameMillis,
    /// Endgame events with nanosecond timestamps: the 18 FILETIME digits
    /// are read as 12 digits of epoch milliseconds and 6 digits of fraction.
    EndgameNanos,
}

/// One index to load: a data file, its mapping file and its transform,
/// with paths relative to the QA folder.
#[derive(Debug, Clone, Copy)]
pub struct IndexSource {
    pub data: &'static str,
    pub mapping: &'static str,
    pub transform: Transform,
}

/// One document, ready for the engine's reader.
#[derive(Debug)]
pub struct Document {
    /// The transformed document.
    pub json: Value,
    /// The transformed document as JSON text, the event's `source`.
    pub source: Arc<str>,
    /// The value of the suite's id field in the document.
    pub id: i64,
}

/// The documents of one or more indices searched together, in index order
/// then insertion order, with the schema of their merged mappings.
#[derive(Debug)]
pub struct Corpus {
    pub documents: Vec<Document>,
    pub schema: Schema,
}

/// The number of 100 ns FILETIME ticks in one millisecond.
const FILETIME_TICKS_PER_MILLI: i64 = 10_000;
/// The milliseconds between the FILETIME epoch (1601-01-01) and the Unix
/// epoch (1970-01-01).
const FILETIME_EPOCH_OFFSET_MILLIS: i64 = 11_644_473_600_000;

/// Loads the indices of a suite and builds the schema Elasticsearch would
/// have for them: the merged mappings plus dynamic mappings for the fields
/// that only the documents contain.
pub fn load_corpus(root: &Path, sources: &[IndexSource], id_field: &str) -> Result<Corpus, String> {
    let mut documents = Vec::new();
    let mut merged_mapping = Map::new();
    for source in sources {
        let mapping = read_mapping(&root.join(source.mapping))?;
        merge_objects(&mut merged_mapping, &mapping);
        for json in read_documents(&root.join(source.data))? {
            let json = apply_transform(json, source.transform)
                .map_err(|e| format!("{}: {e}", source.data))?;
            let id = json.get(id_field).and_then(Value::as_i64).ok_or_else(|| {
                format!(
                    "{}: a document has no integer id field [{id_field}]: {json}",
                    source.data
                )
            })?;
            let source_text: Arc<str> = Arc::from(json.to_string());
            documents.push(Document {
                json,
                source: source_text,
                id,
            });
        }
    }
    let mut schema = Schema::from_mapping(&Value::Object(merged_mapping))?;
    for document in &documents {
        add_dynamic_fields(&mut schema, "", &document.json);
    }
    Ok(Corpus { documents, schema })
}

/// Reads a JSON array of documents. Whole-line `//` comments are removed
/// first because data/missing-events.data has them.
fn read_documents(path: &Path) -> Result<Vec<Value>, String> {
    let text = read_without_comment_lines(path, "//")?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(format!("{}: not a JSON array", path.display())),
    }
}

/// The type placeholder of the QA mappings, and the type the harness puts
/// in its place. Elasticsearch's data loader picks `keyword` or `wildcard`
/// at random per run because both must give the same results. The harness
/// always takes `keyword`, the loader's choice when it runs stand-alone.
const RANDOM_KEYWORD_PLACEHOLDER: &str = "[runtime_random_keyword_type]";
const RANDOM_KEYWORD_CHOICE: &str = "keyword";

/// Reads a mapping as Elasticsearch's data loader does: whole-line `#`
/// comments are removed and the type placeholder is replaced.
fn read_mapping(path: &Path) -> Result<Value, String> {
    let text = read_without_comment_lines(path, "#")?
        .replace(RANDOM_KEYWORD_PLACEHOLDER, RANDOM_KEYWORD_CHOICE);
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_without_comment_lines(path: &Path, marker: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|line| !line.trim_start().starts_with(marker))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Adds the keys of `from` to `into`, recursing into objects present in
/// both. On a conflict the value already in `into` wins, except that two
/// different date `format`s are joined with `||`, Elasticsearch's syntax
/// for alternative formats.
///
/// NOTE: one schema serves all indices of a suite, so per-index mapping
/// differences are merged. The sample indices map `@timestamp_pretty` as
/// `dd-MM-yyyy` and as `yyyy-MM-dd`, so the merged field accepts both. For
/// the QA data that gives the same instants as per-index parsing.
fn merge_objects(into: &mut Map<String, Value>, from: &Value) {
    let Some(from) = from.as_object() else {
        return;
    };
    for (key, value) in from {
        match (into.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(_)) => merge_objects(existing, value),
            (Some(Value::String(existing)), Value::String(format))
                if key == "format" && existing != format =>
            {
                *existing = format!("{existing}||{format}");
            }
            (Some(_), _) => {}
            (None, _) => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

fn apply_transform(mut json: Value, transform: Transform) -> Result<Value, String> {
    if transform == Transform::None {
        return Ok(json);
    }
    let object = json
        .as_object_mut()
        .ok_or("an Endgame document is not an object")?;
    let filetime = object
        .get("timestamp")
        .and_then(Value::as_i64)
        .ok_or("an Endgame document has no integer `timestamp`")?;
    match transform {
        Transform::None => {}
        Transform::EndgameMillis => {
            let millis = filetime / FILETIME_TICKS_PER_MILLI - FILETIME_EPOCH_OFFSET_MILLIS;
            object.insert("@timestamp".to_string(), Value::from(millis));
        }
        Transform::EndgameNanos => {
            let digits = filetime.to_string();
            if digits.len() != 18 {
                return Err(format!(
                    "Endgame `timestamp` {digits} does not have 18 digits"
                ));
            }
            let (millis, fraction) = digits.split_at(12);
            let stamp = if fraction == "000000" {
                millis.to_string()
            } else {
                format!("{millis}.{fraction}")
            };
            object.insert("@timestamp".to_string(), Value::from(stamp));
            object.insert("timestamp".to_string(), Value::from(filetime / 1_000_000));
        }
    }
    Ok(json)
}

/// Adds the type Elasticsearch's dynamic mapping gives to each field of a
/// document that the schema does not know: strings become `text` with a
/// `keyword` sub-field (keyword for EQL), integers `long`, decimals
/// `float`, booleans `boolean`. The first document that has a field fixes
/// its type, and null values map nothing.
///
/// NOTE: Elasticsearch would also map strings that look like dates as
/// `date`; the QA data has no unmapped field that depends on it.
fn add_dynamic_fields(schema: &mut Schema, prefix: &str, value: &Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                // A dotted key such as "process.pid" is an object path, so
                // prefix and key join into the same path as nested objects.
                add_dynamic_fields(schema, &format!("{prefix}{key}."), child);
            }
        }
        Value::Array(items) => {
            for item in items {
                add_dynamic_fields(schema, prefix, item);
            }
        }
        Value::Null => {}
        scalar => {
            let path = prefix.trim_end_matches('.');
            if schema.field_type(path).is_some() {
                return;
            }
            let field_type = match scalar {
                Value::String(_) => FieldType::Keyword,
                Value::Bool(_) => FieldType::Boolean,
                Value::Number(n) if n.is_i64() || n.is_u64() => FieldType::Long,
                _ => FieldType::Double,
            };
            schema.insert(path, field_type);
        }
    }
}

#[test]
fn endgame_timestamps_convert_to_millis_and_nanos() {
    let event = serde_json::json!({"timestamp": 131485996510000000_i64});
    let millis = apply_transform(event.clone(), Transform::EndgameMillis).unwrap();
    assert_eq!(millis["@timestamp"], 1504126051000_i64);
    let nanos = apply_transform(event, Transform::EndgameNanos).unwrap();
    assert_eq!(nanos["@timestamp"], "131485996510");
    assert_eq!(nanos["timestamp"], 131485996510_i64);
    let fraction = serde_json::json!({"timestamp": 131485996510123456_i64});
    let nanos = apply_transform(fraction, Transform::EndgameNanos).unwrap();
    assert_eq!(nanos["@timestamp"], "131485996510.123456");
}

#[test]
fn dynamic_fields_follow_dotted_and_nested_paths() {
    let mut schema = Schema::new();
    schema.insert("mapped", FieldType::Ip);
    let document = serde_json::json!({
        "mapped": "10.0.0.1",
        "process.pid": 1,
        "host": {"name": ["a", null]},
        "ratio": 0.5,
        "flag": true,
        "nothing": null
    });
    add_dynamic_fields(&mut schema, "", &document);
    assert_eq!(schema.field_type("mapped"), Some(FieldType::Ip));
    assert_eq!(schema.field_type("process.pid"), Some(FieldType::Long));
    assert_eq!(schema.field_type("host.name"), Some(FieldType::Keyword));
    assert_eq!(schema.field_type("ratio"), Some(FieldType::Double));
    assert_eq!(schema.field_type("flag"), Some(FieldType::Boolean));
    assert_eq!(schema.field_type("nothing"), None);
}

#[test]
fn merged_mappings_join_date_formats() {
    let mut merged = Map::new();
    merge_objects(
        &mut merged,
        &serde_json::json!({"properties": {"d": {"type": "date", "format": "dd-MM-yyyy"}}}),
    );
    merge_objects(
        &mut merged,
        &serde_json::json!({"properties": {
            "d": {"type": "date", "format": "yyyy-MM-dd"},
            "k": {"type": "keyword"}
        }}),
    );
    assert_eq!(
        merged["properties"]["d"]["format"],
        "dd-MM-yyyy||yyyy-MM-dd"
    );
    assert_eq!(merged["properties"]["k"]["type"], "keyword");
}
