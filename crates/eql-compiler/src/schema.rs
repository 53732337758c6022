//! Field types from an Elasticsearch mapping.
//!
//! Without a schema every field is accepted and typed by its JSON values.
//! With one, an unknown field is an error unless written `?field`, as in
//! Elasticsearch.

use crate::functions::ValueKind;
use crate::value::{OwnedValue, Value};
use hashbrown::HashMap;
use std::borrow::Cow;

/// The Elasticsearch field types that change how EQL treats a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// `keyword`, `constant_keyword`, `wildcard`, or `text` with a keyword
    /// sub-field.
    Keyword,
    /// `text` without a keyword sub-field: not usable in EQL.
    Text,
    /// Integer types (`long`, `integer`, `short`, `byte`, `unsigned_long`).
    Long,
    /// Floating-point types (`double`, `float`, `half_float`, `scaled_float`).
    Double,
    /// `boolean`
    Boolean,
    /// `date`: millisecond precision.
    Date,
    /// `date_nanos`: nanosecond precision.
    DateNanos,
    /// `ip`
    Ip,
    /// `version`
    Version,
    /// Any other type (objects, geo points, ...).
    Other,
}

impl FieldType {
    /// Parses a mapping `type` string.
    pub fn from_mapping(name: &str) -> FieldType {
        match name {
            "keyword" | "constant_keyword" | "wildcard" | "[runtime_random_keyword_type]" => {
                FieldType::Keyword
            }
            "text" | "match_only_text" => FieldType::Text,
            "long" | "integer" | "short" | "byte" | "unsigned_long" => FieldType::Long,
            "double" | "float" | "half_float" | "scaled_float" => FieldType::Double,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "date_nanos" => FieldType::DateNanos,
            "ip" => FieldType::Ip,
            "version" => FieldType::Version,
            _ => FieldType::Other,
        }
    }

    /// Returns the Elasticsearch name of the type, for messages.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Keyword => "keyword",
            FieldType::Text => "text",
            FieldType::Long => "long",
            FieldType::Double => "double",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::DateNanos => "date_nanos",
            FieldType::Ip => "ip",
            FieldType::Version => "version",
            FieldType::Other => "object",
        }
    }

    /// Returns true for `date` and `date_nanos`.
    pub fn is_date(self) -> bool {
        matches!(self, FieldType::Date | FieldType::DateNanos)
    }

    /// Converts a value to this type the way Elasticsearch indexes a JSON
    /// value into a field of it. A number in a keyword field becomes its
    /// text, a numeric string in a numeric field the number, and `"true"` in
    /// a boolean field `true`. Values that do not convert stay as they are.
    /// Dates are converted elsewhere, with their format.
    pub fn coerce(self, value: OwnedValue) -> OwnedValue {
        match (self, value) {
            (
                FieldType::Keyword | FieldType::Version,
                v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)),
            ) => Value::Str(Cow::Owned(v.to_string())),
            (FieldType::Long, Value::Str(text)) => {
                let text = text.trim();
                match text.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => text.parse::<f64>().map_or_else(
                        |_| Value::Str(Cow::Owned(text.to_string())),
                        |f| Value::Int(f as i64),
                    ),
                }
            }
            (FieldType::Long, Value::Float(f)) => Value::Int(f as i64),
            (FieldType::Double, Value::Str(text)) => match text.trim().parse::<f64>() {
                Ok(f) => Value::Float(f),
                Err(_) => Value::Str(text),
            },
            (FieldType::Boolean, Value::Str(text)) => match text.as_ref() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Str(text),
            },
            (_, v) => v,
        }
    }

    /// Returns the kind the type checker uses for the type.
    pub fn value_kind(self) -> ValueKind {
        match self {
            FieldType::Keyword | FieldType::Text | FieldType::Ip | FieldType::Version => {
                ValueKind::String
            }
            FieldType::Long | FieldType::Double => ValueKind::Number,
            FieldType::Boolean => ValueKind::Boolean,
            FieldType::Date | FieldType::DateNanos => ValueKind::Date,
            FieldType::Other => ValueKind::Unknown,
        }
    }
}

/// The mapping of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    /// The field type.
    pub field_type: FieldType,
    /// The `format` of a date field, such as `dd-MM-yyyy`.
    pub format: Option<String>,
    /// The `null_value` that replaces an explicit JSON `null`.
    pub null_value: Option<serde_json::Value>,
}

/// Field names with their types.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    types: HashMap<String, FieldInfo>,
    aliases: HashMap<String, String>,
}

impl Schema {
    /// Creates an empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a field.
    pub fn insert(&mut self, dotted: &str, field_type: FieldType) {
        self.insert_info(
            dotted,
            FieldInfo {
                field_type,
                format: None,
                null_value: None,
            },
        );
    }

    /// Adds or replaces a field with its format and null value.
    pub fn insert_info(&mut self, dotted: &str, info: FieldInfo) {
        self.types.insert(dotted.to_string(), info);
    }

    /// Adds a field alias.
    pub fn insert_alias(&mut self, alias: &str, target: &str) {
        self.aliases.insert(alias.to_string(), target.to_string());
    }

    /// Returns the aliases, as (alias, target) pairs.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &str)> {
        self.aliases.iter().map(|(a, t)| (a.as_str(), t.as_str()))
    }

    /// Returns the type of a field, following aliases.
    pub fn field_type(&self, dotted: &str) -> Option<FieldType> {
        self.field_info(dotted).map(|info| info.field_type)
    }

    /// Returns the mapping of a field, following aliases.
    pub fn field_info(&self, dotted: &str) -> Option<&FieldInfo> {
        let dotted = self.aliases.get(dotted).map_or(dotted, String::as_str);
        self.types.get(dotted)
    }

    /// Returns the closest known field name, for "did you mean" hints.
    pub fn suggest(&self, dotted: &str) -> Option<&str> {
        self.types
            .keys()
            .chain(self.aliases.keys())
            .map(|k| (strsim::levenshtein(dotted, k), k.as_str()))
            .filter(|(d, k)| *d <= 2.max(k.len() / 4))
            .min_by_key(|(d, k)| (*d, *k))
            .map(|(_, k)| k)
    }

    /// Reads an Elasticsearch mapping: `{"properties": {...}}`, optionally
    /// wrapped in `{"mappings": ...}`, with a `runtime` section.
    ///
    /// # Errors
    ///
    /// Returns a message when the document has no `properties` object.
    pub fn from_mapping(mapping: &serde_json::Value) -> Result<Schema, String> {
        let root = mapping.get("mappings").unwrap_or(mapping);
        let properties = root
            .get("properties")
            .and_then(|p| p.as_object())
            .ok_or("the mapping has no \"properties\" object")?;
        let mut schema = Schema::new();
        schema.add_properties("", properties);
        if let Some(runtime) = root.get("runtime").and_then(|r| r.as_object()) {
            for (name, field) in runtime {
                let t = field
                    .get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or("keyword");
                schema.insert(name, FieldType::from_mapping(t));
            }
        }
        Ok(schema)
    }

    fn add_properties(
        &mut self,
        prefix: &str,
        properties: &serde_json::Map<String, serde_json::Value>,
    ) {
        for (name, field) in properties {
            let dotted = format!("{prefix}{name}");
            let type_name = field.get("type").and_then(|t| t.as_str());
            if type_name == Some("alias") {
                if let Some(path) = field.get("path").and_then(|p| p.as_str()) {
                    self.insert_alias(&dotted, path);
                }
                continue;
            }
            if let Some(children) = field.get("properties").and_then(|p| p.as_object()) {
                self.add_properties(&format!("{dotted}."), children);
                if type_name.is_none() {
                    continue;
                }
            }
            let mut field_type = FieldType::from_mapping(type_name.unwrap_or("object"));
            // A text field is usable through an exact sub-field of a
            // keyword family type (keyword, wildcard, constant_keyword).
            let has_keyword = field
                .get("fields")
                .and_then(|f| f.as_object())
                .is_some_and(|f| {
                    f.values().any(|sub| {
                        let sub_type = sub.get("type").and_then(|t| t.as_str()).unwrap_or("");
                        FieldType::from_mapping(sub_type) == FieldType::Keyword
                    })
                });
            if field_type == FieldType::Text && has_keyword {
                field_type = FieldType::Keyword;
            }
            let format = field
                .get("format")
                .and_then(|f| f.as_str())
                .map(str::to_string);
            let null_value = field.get("null_value").cloned();
            self.insert_info(
                &dotted,
                FieldInfo {
                    field_type,
                    format,
                    null_value,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_reads_nested_aliases_and_subfields() {
        let mapping = serde_json::json!({
            "properties": {
                "event_type": {"type": "keyword"},
                "event": {"properties": {"category": {"type": "alias", "path": "event_type"}}},
                "file_name": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
                "process": {"properties": {"pid": {"type": "long"}}},
                "source_address": {"type": "ip"}
            }
        });
        let schema = Schema::from_mapping(&mapping).unwrap();
        assert_eq!(
            schema.field_type("event.category"),
            Some(FieldType::Keyword)
        );
        assert_eq!(schema.field_type("file_name"), Some(FieldType::Keyword));
        assert_eq!(schema.field_type("process.pid"), Some(FieldType::Long));
        assert_eq!(schema.field_type("source_address"), Some(FieldType::Ip));
        assert_eq!(schema.field_type("missing"), None);
        assert_eq!(schema.suggest("proces.pid"), Some("process.pid"));
    }
}
