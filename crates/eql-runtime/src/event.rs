//! Events: the field values a rule set reads, filled from JSON.

use crate::fast_read::{PathTrie, NOT_AN_OBJECT};
pub use eql_compiler::time::{
    format_timestamp, parse_timestamp, truncate_to_precision, DateFormat,
};
use eql_compiler::{FieldTable, FieldType, OwnedValue, Slot, Value};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The values of one field: none, one, or several for an array.
pub type FieldValues = SmallVec<[OwnedValue; 1]>;

/// One event: the values of every slot the rule set reads, its time and
/// its original JSON text.
#[derive(Debug, Clone)]
pub struct Event {
    /// The values of all slots, slot after slot.
    values: Vec<OwnedValue>,
    /// The end offset of each slot's values in `values`: slot `i` is
    /// `values[ends[i - 1]..ends[i]]`. Four bytes a slot keep events small
    /// when a large rule set reads hundreds of fields.
    ends: Vec<u32>,
    /// The event time in nanoseconds since the Unix epoch; `None` when the
    /// event has no timestamp field.
    pub timestamp: Option<i64>,
    /// The tiebreaker value, null when absent or not configured.
    pub tiebreaker: OwnedValue,
    /// The position of the event in its input, counting from 0.
    pub seq: u64,
    /// The event exactly as read.
    pub source: Arc<str>,
}

impl Event {
    /// Returns the number of slots the event was read with.
    pub fn slot_count(&self) -> usize {
        self.ends.len()
    }

    /// Returns the values of a slot; empty when the field is missing, null,
    /// or an empty array.
    pub fn values(&self, slot: Slot) -> &[OwnedValue] {
        let slot = slot as usize;
        let Some(&end) = self.ends.get(slot) else {
            return &[];
        };
        let start = if slot == 0 { 0 } else { self.ends[slot - 1] };
        &self.values[start as usize..end as usize]
    }
}

/// The reason an event could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The text is not valid JSON.
    InvalidJson {
        /// The 1-based column of the error in the line.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The JSON is valid but not an object.
    NotAnObject,
    /// The timestamp field contains a value that is not a date.
    InvalidTimestamp {
        /// The field name.
        field: String,
        /// The value found.
        value: String,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::InvalidJson { column, message } => {
                write!(f, "column {column}: invalid JSON: {message}")
            }
            ReadError::NotAnObject => f.write_str("the event is not a JSON object"),
            ReadError::InvalidTimestamp { field, value } => write!(
                f,
                "invalid timestamp [{value}] in [{field}]; expected ISO 8601 or epoch milliseconds"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// A field path prepared for lookups in JSON objects that may spell it
/// nested (`{"process": {"pid": 1}}`), dotted (`{"process.pid": 1}`) or
/// mixed.
#[derive(Debug, Clone)]
struct PathLookup {
    segments: Vec<String>,
    /// `joined[i][j]` is `segments[i..=i+j]` joined with dots.
    joined: Vec<Vec<String>>,
}

impl PathLookup {
    fn new(segments: &[String]) -> Self {
        let joined = (0..segments.len())
            .map(|i| {
                (i..segments.len())
                    .map(|j| segments[i..=j].join("."))
                    .collect()
            })
            .collect();
        PathLookup {
            segments: segments.to_vec(),
            joined,
        }
    }

    fn collect(
        &self,
        value: &serde_json::Value,
        start: usize,
        null_value: Option<&OwnedValue>,
        out: &mut FieldValues,
    ) {
        if start == self.segments.len() {
            push_scalars(value, null_value, out);
            return;
        }
        match value {
            serde_json::Value::Object(map) => {
                for (offset, key) in self.joined[start].iter().enumerate() {
                    if let Some(child) = map.get(key) {
                        self.collect(child, start + offset + 1, null_value, out);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.collect(item, start, null_value, out);
                }
            }
            _ => {}
        }
    }
}

/// Adds the scalars of a value, flattening arrays. A null becomes the
/// mapping's `null_value` when there is one and is dropped otherwise.
/// Objects are skipped because Elasticsearch cannot match them.
fn push_scalars(value: &serde_json::Value, null_value: Option<&OwnedValue>, out: &mut FieldValues) {
    match value {
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| push_scalars(v, null_value, out))
        }
        serde_json::Value::Null => out.extend(null_value.cloned()),
        serde_json::Value::Object(_) => {}
        scalar => {
            if let Some(v) = Value::from_json(scalar) {
                out.push(v);
            }
        }
    }
}

/// The reader's treatment of one slot's values, from the schema.
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotSpec {
    /// For a date field: how to parse its values into nanoseconds.
    pub date: Option<DateFormat>,
    /// For a date field: true to keep nanoseconds (`date_nanos`), false to
    /// truncate to milliseconds (`date`).
    pub nanos: bool,
    /// The value that replaces an explicit JSON `null`.
    pub null_value: Option<OwnedValue>,
    /// The mapped type that values convert to, as Elasticsearch converts
    /// them when indexing (a number in a keyword field becomes text).
    pub coerce: Option<FieldType>,
}

impl SlotSpec {
    /// Parses a date value with the slot's format and precision; the
    /// default format when the slot is not a date.
    fn parse_date(&self, value: &Value<'_>) -> Option<i64> {
        let nanos = match &self.date {
            Some(format) => format.parse(value)?,
            None => parse_timestamp(value)?,
        };
        Some(truncate_to_precision(nanos, self.nanos))
    }
}

/// Reads events for one rule set: fills exactly the slots its rules use.
#[derive(Debug, Clone)]
pub struct EventReader {
    lookups: Vec<PathLookup>,
    specs: Vec<SlotSpec>,
    timestamp_spec: SlotSpec,
    /// The slot paths followed by the timestamp path, for [`Self::read_line`].
    trie: PathTrie,
    timestamp: PathLookup,
    timestamp_field: String,
    tiebreaker: Option<Slot>,
    next_seq: u64,
    without_timestamp: u64,
    /// Per-slot buffers reused across lines.
    scratch: Vec<FieldValues>,
}

impl EventReader {
    pub(crate) fn new(
        fields: &FieldTable,
        timestamp_field: &str,
        tiebreaker: Option<Slot>,
        specs: Vec<SlotSpec>,
        timestamp_spec: SlotSpec,
    ) -> Self {
        let segments: Vec<String> = timestamp_field.split('.').map(str::to_string).collect();
        let mut trie = PathTrie::new(
            fields
                .paths()
                .iter()
                .map(|p| p.segments.as_slice())
                .chain(std::iter::once(segments.as_slice())),
        );
        for (target, spec) in specs.iter().enumerate() {
            if let Some(null_value) = &spec.null_value {
                trie.set_null_value(target, null_value.clone());
            }
        }
        EventReader {
            trie,
            lookups: fields
                .paths()
                .iter()
                .map(|p| PathLookup::new(&p.segments))
                .collect(),
            specs,
            timestamp_spec,
            timestamp: PathLookup::new(&segments),
            timestamp_field: timestamp_field.to_string(),
            tiebreaker,
            next_seq: 0,
            without_timestamp: 0,
            scratch: Vec::new(),
        }
    }

    /// Returns how many events this reader has built, kept or not.
    pub fn events_read(&self) -> u64 {
        self.next_seq
    }

    /// Returns how many of those events had no timestamp field. Sequences
    /// skip such events, so a high count usually means the timestamp
    /// field option names the wrong field.
    pub fn events_without_timestamp(&self) -> u64 {
        self.without_timestamp
    }

    /// Parses one line of NDJSON into an event.
    ///
    /// # Errors
    ///
    /// Returns a [`ReadError`] for invalid JSON, a non-object, or a
    /// timestamp that is not a date.
    pub fn read_line(&mut self, line: &str) -> Result<Event, ReadError> {
        let mut event = self.read_fields(line)?;
        event.source = Arc::from(line);
        Ok(event)
    }

    /// Parses one line of NDJSON and keeps the event only when `keep`
    /// accepts it; the line's text is copied only for kept events.
    ///
    /// A batch of millions of events saves most of its memory this
    /// way: pass [`RuleSet::is_relevant`](crate::RuleSet::is_relevant).
    /// Dropped events still count in the input positions ([`Event::seq`]).
    ///
    /// # Errors
    ///
    /// Returns a [`ReadError`] as [`EventReader::read_line`] does.
    pub fn read_line_if(
        &mut self,
        line: &str,
        keep: impl FnOnce(&Event) -> bool,
    ) -> Result<Option<Event>, ReadError> {
        let mut event = self.read_fields(line)?;
        if !keep(&event) {
            return Ok(None);
        }
        event.source = Arc::from(line);
        Ok(Some(event))
    }

    /// Reads the slots and the timestamp of a line, with an empty source.
    fn read_fields(&mut self, line: &str) -> Result<Event, ReadError> {
        let mut slots = std::mem::take(&mut self.scratch);
        slots.resize(self.trie.targets(), FieldValues::new());
        for values in &mut slots {
            values.clear();
        }
        let result = match self.trie.read(line, &mut slots) {
            Ok(()) => {
                let stamp = slots.pop().unwrap_or_default();
                self.finish(&mut slots, &stamp, Arc::from(""))
            }
            Err(e) => Err(json_error(&e)),
        };
        self.scratch = slots;
        result
    }

    /// Builds an event from parsed JSON; `source` is the text kept for
    /// output.
    ///
    /// # Errors
    ///
    /// Returns a [`ReadError`] for a non-object or an invalid timestamp.
    pub fn read_value(
        &mut self,
        value: &serde_json::Value,
        source: Arc<str>,
    ) -> Result<Event, ReadError> {
        if !value.is_object() {
            return Err(ReadError::NotAnObject);
        }
        let mut slots: Vec<FieldValues> = self
            .lookups
            .iter()
            .zip(&self.specs)
            .map(|(lookup, spec)| {
                let mut out = FieldValues::new();
                lookup.collect(value, 0, spec.null_value.as_ref(), &mut out);
                out
            })
            .collect();
        let mut stamp = FieldValues::new();
        self.timestamp.collect(value, 0, None, &mut stamp);
        self.finish(&mut slots, &stamp, source)
    }

    /// Converts the values read into `slots` and moves them into an event;
    /// `slots` is left empty for reuse.
    fn finish(
        &mut self,
        slots: &mut [FieldValues],
        stamp: &[OwnedValue],
        source: Arc<str>,
    ) -> Result<Event, ReadError> {
        // Date fields hold nanoseconds since the epoch, so they compare and
        // join by instant whatever format each document used.
        for (values, spec) in slots.iter_mut().zip(&self.specs) {
            if let Some(field_type) = spec.coerce {
                for value in values.iter_mut() {
                    *value = field_type.coerce(std::mem::replace(value, Value::Null));
                }
            }
            if let Some(format) = &spec.date {
                for value in values.iter_mut() {
                    if let Some(nanos) = format.parse(value) {
                        *value = Value::Int(truncate_to_precision(nanos, spec.nanos));
                    }
                }
            }
        }
        let timestamp = match stamp.first() {
            None => None,
            Some(v) => Some(self.timestamp_spec.parse_date(v).ok_or_else(|| {
                ReadError::InvalidTimestamp {
                    field: self.timestamp_field.clone(),
                    value: v.to_string(),
                }
            })?),
        };
        let tiebreaker = self
            .tiebreaker
            .and_then(|slot| slots[slot as usize].first().cloned())
            .unwrap_or(Value::Null);
        let total: usize = slots.iter().map(|v| v.len()).sum();
        let mut values = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(slots.len());
        for slot in slots.iter_mut() {
            values.extend(slot.drain(..));
            ends.push(values.len() as u32);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if timestamp.is_none() {
            self.without_timestamp += 1;
        }
        Ok(Event {
            values,
            ends,
            timestamp,
            tiebreaker,
            seq,
            source,
        })
    }
}

/// Converts a serde error of the line reader into a [`ReadError`].
fn json_error(error: &serde_json::Error) -> ReadError {
    let message = strip_position(&error.to_string());
    if message == NOT_AN_OBJECT {
        ReadError::NotAnObject
    } else {
        ReadError::InvalidJson {
            column: error.column().max(1),
            message,
        }
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Returns the string form of a value for display: strings as they are,
/// other values in their plain form.
pub fn display_value<'a>(value: &'a Value<'_>) -> Cow<'a, str> {
    match value {
        Value::Str(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(paths: &[&str]) -> (EventReader, FieldTable) {
        let mut fields = FieldTable::new();
        for p in paths {
            fields.intern(p);
        }
        let specs = vec![SlotSpec::default(); fields.len()];
        let timestamp = SlotSpec {
            nanos: true,
            ..SlotSpec::default()
        };
        let reader = EventReader::new(&fields, "@timestamp", None, specs, timestamp);
        (reader, fields)
    }

    #[test]
    fn nested_and_dotted_keys_resolve_alike() {
        let (mut r, f) = reader(&["process.pid", "process.name"]);
        let a = r
            .read_line(r#"{"process": {"pid": 5, "name": "a"}}"#)
            .unwrap();
        let b = r
            .read_line(r#"{"process.pid": 5, "process": {"name": "a"}}"#)
            .unwrap();
        for e in [&a, &b] {
            assert_eq!(e.values(f.get("process.pid").unwrap()), [Value::Int(5)]);
            assert_eq!(
                e.values(f.get("process.name").unwrap()),
                [Value::Str("a".into())]
            );
        }
        assert_eq!(b.seq, 1);
    }

    #[test]
    fn line_and_value_readers_agree() {
        let (mut r, f) = reader(&["a.b", "a.c", "list.x", "n", "esc\"aped"]);
        let lines = [
            r#"{"a": {"b": 1, "c": [1.5, "x"]}, "a.b": 2, "list": [{"x": true}, {"x": null}]}"#,
            r#"{"@timestamp": 5, "n": 18446744073709551615, "esc\"aped": "\u00e9"}"#,
            r#"{"a": [{"b": [1, [2]]}], "unused": {"deep": [1, 2, {"k": "v"}]}}"#,
        ];
        for line in lines {
            let from_line = r.read_line(line).unwrap();
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let from_value = r.read_value(&value, Arc::from(line)).unwrap();
            for slot in 0..f.len() as Slot {
                assert_eq!(from_line.values(slot), from_value.values(slot), "{line}");
            }
            assert_eq!(from_line.timestamp, from_value.timestamp, "{line}");
        }
    }

    #[test]
    fn read_line_if_drops_but_counts() {
        let (mut r, f) = reader(&["a"]);
        let slot = f.get("a").unwrap();
        let dropped = r
            .read_line_if(r#"{"a": 1}"#, |e| e.values(slot) == [Value::Int(2)])
            .unwrap();
        assert!(dropped.is_none());
        let kept = r
            .read_line_if(r#"{"a": 2}"#, |e| e.values(slot) == [Value::Int(2)])
            .unwrap()
            .expect("event with a = 2 is kept");
        assert_eq!(kept.seq, 1);
        assert_eq!(&*kept.source, r#"{"a": 2}"#);
        assert_eq!(r.events_read(), 2);
    }

    #[test]
    fn arrays_flatten_and_drop_nulls() {
        let (mut r, f) = reader(&["tags", "obj.x"]);
        let e = r
            .read_line(r#"{"tags": ["a", null, ["b"]], "obj": [{"x": 1}, {"x": 2}]}"#)
            .unwrap();
        assert_eq!(e.values(f.get("tags").unwrap()).len(), 2);
        assert_eq!(
            e.values(f.get("obj.x").unwrap()),
            [Value::Int(1), Value::Int(2)]
        );
    }

    #[test]
    fn invalid_lines_report_reason() {
        let (mut r, _) = reader(&["a"]);
        assert!(matches!(
            r.read_line("{bad"),
            Err(ReadError::InvalidJson { .. })
        ));
        assert_eq!(r.read_line("[1]").unwrap_err(), ReadError::NotAnObject);
        assert!(matches!(
            r.read_line(r#"{"@timestamp": "soon"}"#),
            Err(ReadError::InvalidTimestamp { .. })
        ));
    }
}
