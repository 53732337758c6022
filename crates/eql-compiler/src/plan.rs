//! The compiled form of a statement: filters, the sequence or sample state
//! machine description, and the result limits.

use crate::program::{Program, Slot};

/// One event filter: a category test and a condition.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The category the event must have; `None` for `any`.
    pub category: Option<String>,
    /// The condition's bytecode.
    pub program: Program,
}

/// A join key of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The field.
    pub slot: Slot,
    /// True for `?field`: an event without a value joins under null
    /// instead of being left out of the stage.
    pub optional: bool,
}

/// One stage of a sequence or sample, after `runs` expansion.
#[derive(Debug, Clone)]
pub struct StagePlan {
    /// Index into [`CompiledQuery::filters`]; stages expanded from one
    /// `runs` term share the filter, so it runs once per event.
    pub filter: usize,
    /// The join keys: the shared keys, then the stage's own.
    pub keys: Vec<KeySpec>,
    /// True for a missing-event stage `![ ... ]`.
    pub missing: bool,
}

/// A sequence: ordered stages joined on keys within a time window.
#[derive(Debug, Clone)]
pub struct SequencePlan {
    /// The stages in order, with `runs` expanded.
    pub stages: Vec<StagePlan>,
    /// The `until` stage.
    pub until: Option<StagePlan>,
    /// The `maxspan` window in nanoseconds; a gap equal to it is allowed.
    pub maxspan: Option<i64>,
}

impl SequencePlan {
    /// Returns the number of join keys (the same for every stage).
    pub fn key_count(&self) -> usize {
        self.stages.first().map_or(0, |s| s.keys.len())
    }

    /// Returns true when some stage is a missing-event stage.
    pub fn has_missing(&self) -> bool {
        self.stages.iter().any(|s| s.missing)
    }
}

/// A sample: events that share join keys, in any order.
#[derive(Debug, Clone)]
pub struct SamplePlan {
    /// The stages (filters) in order.
    pub stages: Vec<StagePlan>,
}

/// The shape of a statement's query.
#[derive(Debug, Clone)]
pub enum QueryPlan {
    /// An event query; the filter index.
    Event {
        /// Index into [`CompiledQuery::filters`].
        filter: usize,
    },
    /// A sequence.
    Sequence(SequencePlan),
    /// A sample.
    Sample(SamplePlan),
}

/// A `head`/`tail` pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Keep the first N results.
    Head(u64),
    /// Keep the last N results.
    Tail(u64),
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub struct CompiledQuery {
    /// The distinct filters the plan refers to.
    pub filters: Vec<Filter>,
    /// The query shape.
    pub plan: QueryPlan,
    /// The pipes, in order.
    pub limits: Vec<Limit>,
}
