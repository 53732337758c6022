//! A JSON reader that materializes only the fields a rule set reads.
//!
//! The wanted paths form a trie of key segments. Deserialization walks the
//! document with serde, descends only into keys on a wanted path and skips
//! everything else without allocating. A key holding dots (`"process.pid"`)
//! walks several trie levels at once, so nested, dotted and mixed
//! spellings of a path all reach the same slot.

use crate::event::FieldValues;
use eql_compiler::{OwnedValue, Value};
use hashbrown::HashMap;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

/// The error text used to signal a document that is not an object.
pub(crate) const NOT_AN_OBJECT: &str = "the event is not a JSON object";

#[derive(Debug, Clone, Default)]
struct Node {
    children: HashMap<Box<str>, usize>,
    /// Output buffers filled by a scalar at this node.
    targets: SmallVec<[usize; 1]>,
}

/// The trie of wanted paths; target `i` is output buffer `i`.
#[derive(Debug, Clone)]
pub(crate) struct PathTrie {
    nodes: Vec<Node>,
    targets: usize,
    /// Per target, the value an explicit JSON `null` becomes.
    null_values: Vec<Option<OwnedValue>>,
}

impl PathTrie {
    /// Builds the trie; path `i` fills output buffer `i`.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a [String]>) -> PathTrie {
        let mut nodes = vec![Node::default()];
        let mut targets = 0;
        for (target, path) in paths.into_iter().enumerate() {
            let mut node = 0;
            for segment in path {
                node = match nodes[node].children.get(segment.as_str()) {
                    Some(&child) => child,
                    None => {
                        nodes.push(Node::default());
                        let child = nodes.len() - 1;
                        nodes[node]
                            .children
                            .insert(segment.clone().into_boxed_str(), child);
                        child
                    }
                };
            }
            nodes[node].targets.push(target);
            targets = target + 1;
        }
        PathTrie {
            nodes,
            targets,
            null_values: vec![None; targets],
        }
    }

    /// Makes an explicit `null` at `target` read as `value`, like a
    /// mapping's `null_value`.
    pub fn set_null_value(&mut self, target: usize, value: OwnedValue) {
        self.null_values[target] = Some(value);
    }

    /// Returns the number of output buffers.
    pub fn targets(&self) -> usize {
        self.targets
    }

    fn follow(&self, mut node: usize, key: &str) -> Option<usize> {
        for segment in key.split('.') {
            node = *self.nodes[node].children.get(segment)?;
        }
        Some(node)
    }

    /// Parses one JSON document into `out`, one buffer per target.
    pub fn read(&self, text: &str, out: &mut [FieldValues]) -> Result<(), serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        NodeSeed {
            trie: self,
            node: 0,
            out,
            root: true,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()
    }
}

struct NodeSeed<'t, 'o> {
    trie: &'t PathTrie,
    node: usize,
    out: &'o mut [FieldValues],
    root: bool,
}

impl NodeSeed<'_, '_> {
    fn push<E: de::Error>(self, value: OwnedValue) -> Result<(), E> {
        if self.root {
            return Err(E::custom(NOT_AN_OBJECT));
        }
        let targets = &self.trie.nodes[self.node].targets;
        if let Some((last, rest)) = targets.split_last() {
            for &target in rest {
                self.out[target].push(value.clone());
            }
            self.out[*last].push(value);
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.push(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.push(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.push(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(v as f64),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.push(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.push(Value::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.push(Value::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.root {
            return Err(E::custom(NOT_AN_OBJECT));
        }
        for &target in &self.trie.nodes[self.node].targets {
            if let Some(value) = &self.trie.null_values[target] {
                self.out[target].push(value.clone());
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.root {
            return Err(de::Error::custom(NOT_AN_OBJECT));
        }
        loop {
            let seed = NodeSeed {
                trie: self.trie,
                node: self.node,
                out: &mut *self.out,
                root: false,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            match self.trie.follow(self.node, key.as_str()) {
                Some(child) => map.next_value_seed(NodeSeed {
                    trie: self.trie,
                    node: child,
                    out: &mut *self.out,
                    root: false,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A map key, borrowed from the input unless it had escapes.
enum KeyText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl KeyText<'_> {
    fn as_str(&self) -> &str {
        match self {
            KeyText::Borrowed(s) => s,
            KeyText::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<KeyText<'de>, E> {
                Ok(KeyText::Borrowed(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText<'de>, E> {
                Ok(KeyText::Owned(v.to_string()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText<'de>, E> {
                Ok(KeyText::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(paths: &[&str], text: &str) -> Result<Vec<FieldValues>, serde_json::Error> {
        let split: Vec<Vec<String>> = paths
            .iter()
            .map(|p| p.split('.').map(str::to_string).collect())
            .collect();
        let trie = PathTrie::new(split.iter().map(Vec::as_slice));
        let mut out = vec![FieldValues::new(); trie.targets()];
        trie.read(text, &mut out)?;
        Ok(out)
    }

    #[test]
    fn reads_nested_dotted_and_mixed_keys() {
        let out = read(
            &["a.b.c", "x"],
            r#"{"a": {"b.c": 1}, "a.b": {"c": 2}, "a.b.c": 3, "x": [true, null, ["s"]], "skip": {"a": 1}}"#,
        )
        .unwrap();
        assert_eq!(
            out[0].as_slice(),
            [Value::Int(1), Value::Int(2), Value::Int(3)]
        );
        assert_eq!(
            out[1].as_slice(),
            [Value::Bool(true), Value::Str("s".into())]
        );
    }

    #[test]
    fn escaped_keys_and_big_numbers() {
        let out = read(&["k\"y"], r#"{"k\"y": 18446744073709551615}"#).unwrap();
        assert_eq!(out[0].as_slice(), [Value::Float(18446744073709551615.0)]);
    }

    #[test]
    fn rejects_non_objects_and_trailing_text() {
        let err = read(&["a"], "[1]").unwrap_err();
        assert!(err.to_string().contains(NOT_AN_OBJECT));
        assert!(read(&["a"], r#"{"a": 1} x"#).is_err());
        assert!(read(&["a"], r#"{"a": "#).is_err());
    }
}
