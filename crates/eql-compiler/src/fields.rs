//! The field table: every field path that a rule set reads gets a slot
//! number, and the runtime fills slots instead of walking JSON per test.

use crate::program::Slot;
use hashbrown::HashMap;

/// A field path split into its dotted segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The path as written, joined with dots.
    pub dotted: String,
    /// The segments.
    pub segments: Vec<String>,
}

/// Interns field paths into slots.
#[derive(Debug, Clone, Default)]
pub struct FieldTable {
    paths: Vec<FieldPath>,
    index: HashMap<String, Slot>,
    aliases: HashMap<String, String>,
}

impl FieldTable {
    /// Creates an empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `alias` read the field `target`, as an Elasticsearch field
    /// alias does. Takes effect for paths interned afterwards.
    pub fn add_alias(&mut self, alias: &str, target: &str) {
        self.aliases.insert(alias.to_string(), target.to_string());
    }

    /// Returns the slot of a dotted path, adding it when new.
    pub fn intern(&mut self, dotted: &str) -> Slot {
        let dotted = self.aliases.get(dotted).map_or(dotted, String::as_str);
        if let Some(&slot) = self.index.get(dotted) {
            return slot;
        }
        let slot = self.paths.len() as Slot;
        self.paths.push(FieldPath {
            dotted: dotted.to_string(),
            segments: dotted.split('.').map(str::to_string).collect(),
        });
        self.index.insert(dotted.to_string(), slot);
        slot
    }

    /// Returns the slot of a path that was interned before.
    pub fn get(&self, dotted: &str) -> Option<Slot> {
        let dotted = self.aliases.get(dotted).map_or(dotted, String::as_str);
        self.index.get(dotted).copied()
    }

    /// Returns the path of a slot.
    pub fn path(&self, slot: Slot) -> &FieldPath {
        &self.paths[slot as usize]
    }

    /// Returns all paths, indexed by slot.
    pub fn paths(&self) -> &[FieldPath] {
        &self.paths
    }

    /// Returns the number of slots.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Returns true when no path was interned.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_reuses_slots_and_follows_aliases() {
        let mut table = FieldTable::new();
        table.add_alias("event.category", "event_type");
        let a = table.intern("process.name");
        let b = table.intern("event.category");
        assert_eq!(table.intern("process.name"), a);
        assert_eq!(table.intern("event_type"), b);
        assert_eq!(table.path(b).segments, ["event_type"]);
        assert_eq!(table.len(), 2);
    }
}
