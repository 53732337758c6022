//! The sequence state machine.
//!
//! It follows Elasticsearch's matching model. Each positive stage keeps at
//! most one pending partial sequence per join key, and a newer partial
//! replaces an older one. An event that matches stage `i` takes the partial
//! of stage `i - 1` with the same key and moves it one stage on, unless
//! `maxspan` or `until` rule it out. Stages are tried from last to first,
//! so one event can never fill two stages of the same sequence.
//!
//! Missing-event stages (`![ ... ]`) are not part of the chain. The machine
//! records when events matching them occur, per join key, and checks each
//! complete candidate against that history. A matching event strictly
//! between two positive events rejects it. Leading or trailing hits reject
//! it when no `maxspan` window can contain the positive events without
//! them.

use crate::event::Event;
use crate::options::Options;
use crate::session::MatchEvent;
use eql_compiler::{KeySpec, OwnedValue, SequencePlan, Value};
use hashbrown::HashMap;
use smallvec::SmallVec;
use std::sync::Arc;

/// A join-key tuple.
pub(crate) type Key = SmallVec<[OwnedValue; 2]>;

/// A completed sequence: its join keys and its events in stage order.
pub(crate) type Completed = (Vec<OwnedValue>, Vec<MatchEvent>);

/// The interval, in events, between sweeps of stale partial sequences.
const SWEEP_INTERVAL: u64 = 4096;

#[derive(Debug, Clone)]
struct Partial {
    /// The events of the positive stages filled so far.
    events: SmallVec<[Arc<Event>; 4]>,
    /// Timestamp of the first event, in nanoseconds.
    first_ts: i64,
    /// Ordinal (push position) of the last event.
    last_ordinal: u64,
}

/// A sequence whose positive stages are complete but whose missing-event
/// stages still need checking.
#[derive(Debug)]
struct Candidate {
    key: Key,
    events: SmallVec<[Arc<Event>; 4]>,
    last_ordinal: u64,
}

pub(crate) struct SequenceState {
    plan: SequencePlan,
    /// Positions of the positive stages in `plan.stages`.
    positive: Vec<usize>,
    /// Pending partials, indexed like `positive`.
    pending: Vec<HashMap<Key, Partial>>,
    /// Ordinal of the latest `until` event per key.
    until: HashMap<Key, u64>,
    /// Timestamps of events matching each missing stage, per key, oldest
    /// first; indexed like `plan.stages` (empty maps for positive stages).
    missing_history: Vec<HashMap<Key, Vec<i64>>>,
    /// Candidates waiting for the missing-event checks.
    candidates: Vec<Candidate>,
    /// Results held back so they come out ordered by their last event.
    held: Vec<(u64, Completed)>,
    ordinal: u64,
    watermark: i64,
    max_pending: usize,
    max_keys: usize,
    pub evicted: u64,
}

impl SequenceState {
    pub fn new(plan: &SequencePlan, options: &Options) -> SequenceState {
        let positive: Vec<usize> = (0..plan.stages.len())
            .filter(|&i| !plan.stages[i].missing)
            .collect();
        SequenceState {
            pending: positive.iter().map(|_| HashMap::new()).collect(),
            positive,
            until: HashMap::new(),
            missing_history: plan.stages.iter().map(|_| HashMap::new()).collect(),
            candidates: Vec::new(),
            held: Vec::new(),
            plan: plan.clone(),
            ordinal: 0,
            watermark: i64::MIN,
            max_pending: options.max_pending_per_stage,
            max_keys: options.max_key_combinations,
            evicted: 0,
        }
    }

    /// Processes one event that matched at least one of the rule's filters;
    /// `hits[f]` is true when filter `f` matched it. Events that match
    /// none need not be pushed: they cannot change the state.
    pub fn push(&mut self, event: &Arc<Event>, hits: &[bool], out: &mut Vec<Completed>) {
        let Some(ts) = event.timestamp else {
            return;
        };
        self.ordinal += 1;
        let ordinal = self.ordinal;
        self.watermark = self.watermark.max(ts);
        if self.ordinal % SWEEP_INTERVAL == 0 {
            self.sweep();
        }
        self.record_missing(event, hits, ts);
        let mut completed = Vec::new();
        for index in (0..self.positive.len()).rev() {
            let stage = &self.plan.stages[self.positive[index]];
            if !hits[stage.filter] {
                continue;
            }
            for key in event_keys(event, &stage.keys, self.max_keys) {
                self.advance(index, key, event, ts, ordinal, &mut completed);
            }
        }
        if let Some(until) = &self.plan.until {
            if hits[until.filter] {
                for key in event_keys(event, &until.keys, self.max_keys) {
                    self.until.insert(key, ordinal);
                }
            }
        }
        completed.sort_by(|a: &Candidate, b| compare_keys(&a.key, &b.key));
        self.candidates.extend(completed);
        self.resolve(false, out);
    }

    /// Returns true while some candidate waits for its missing-event window
    /// to pass.
    pub fn has_waiting(&self) -> bool {
        !self.candidates.is_empty()
    }

    /// Advances the stream time for an event that matched none of the
    /// rule's filters, releasing candidates whose window has passed.
    pub fn advance_time(&mut self, event: &Event, out: &mut Vec<Completed>) {
        if let Some(ts) = event.timestamp {
            self.watermark = self.watermark.max(ts);
            self.resolve(false, out);
        }
    }

    /// Emits what is still held at the end of the stream.
    pub fn flush(&mut self, out: &mut Vec<Completed>) {
        self.resolve(true, out);
        let mut held = std::mem::take(&mut self.held);
        held.sort_by_key(|(ordinal, _)| *ordinal);
        out.extend(held.into_iter().map(|(_, c)| c));
    }

    fn advance(
        &mut self,
        index: usize,
        key: Key,
        event: &Arc<Event>,
        ts: i64,
        ordinal: u64,
        completed: &mut Vec<Candidate>,
    ) {
        let last = index + 1 == self.positive.len();
        let partial = if index == 0 {
            let mut events = SmallVec::new();
            events.push(event.clone());
            Partial {
                events,
                first_ts: ts,
                last_ordinal: ordinal,
            }
        } else {
            let Some(mut partial) = self.pending[index - 1].remove(&key) else {
                return;
            };
            if partial.last_ordinal >= ordinal {
                self.pending[index - 1].insert(key, partial);
                return;
            }
            if let Some(maxspan) = self.plan.maxspan {
                if ts.saturating_sub(partial.first_ts) > maxspan {
                    return;
                }
            }
            if let Some(&until) = self.until.get(&key) {
                if partial.last_ordinal <= until {
                    return;
                }
            }
            partial.events.push(event.clone());
            partial.last_ordinal = ordinal;
            partial
        };
        if last {
            completed.push(Candidate {
                key,
                events: partial.events,
                last_ordinal: ordinal,
            });
            return;
        }
        let slot = &mut self.pending[index];
        if slot.len() >= self.max_pending && !slot.contains_key(&key) {
            evict_oldest(slot);
            self.evicted += 1;
        }
        slot.insert(key, partial);
    }

    fn record_missing(&mut self, event: &Arc<Event>, hits: &[bool], ts: i64) {
        for (index, stage) in self.plan.stages.iter().enumerate() {
            if !stage.missing || !hits[stage.filter] {
                continue;
            }
            for key in event_keys(event, &stage.keys, self.max_keys) {
                self.missing_history[index].entry(key).or_default().push(ts);
            }
        }
    }

    /// Checks candidates whose missing-event window has passed (all of
    /// them when `at_end`), emitting the survivors in order.
    fn resolve(&mut self, at_end: bool, out: &mut Vec<Completed>) {
        if self.candidates.is_empty() {
            return;
        }
        let has_missing = self.plan.has_missing();
        let maxspan = self.plan.maxspan.unwrap_or(i64::MAX);
        let watermark = self.watermark;
        let mut waiting = Vec::new();
        for candidate in std::mem::take(&mut self.candidates) {
            if !has_missing {
                out.push(self.render(&candidate));
                continue;
            }
            let first_ts = candidate.events[0].timestamp.unwrap_or(0);
            if !at_end && watermark <= first_ts.saturating_add(maxspan) {
                waiting.push(candidate);
                continue;
            }
            if self.passes_missing_checks(&candidate) {
                let rendered = self.render(&candidate);
                self.held.push((candidate.last_ordinal, rendered));
            }
        }
        self.candidates = waiting;
        if has_missing && !at_end {
            // Results can be released once no waiting candidate can end
            // before them.
            let horizon = self
                .candidates
                .iter()
                .map(|c| c.last_ordinal)
                .min()
                .unwrap_or(u64::MAX);
            self.held.sort_by_key(|(ordinal, _)| *ordinal);
            let ready = self.held.partition_point(|(ordinal, _)| *ordinal < horizon);
            out.extend(self.held.drain(..ready).map(|(_, c)| c));
        }
    }

    fn passes_missing_checks(&self, candidate: &Candidate) -> bool {
        let maxspan = self.plan.maxspan.unwrap_or(i64::MAX);
        let stamps: Vec<i64> = candidate
            .events
            .iter()
            .map(|e| e.timestamp.unwrap_or(0))
            .collect();
        let first_positive = self.positive[0];
        let last_positive = *self.positive.last().unwrap_or(&0);
        let mut leading_hit: Option<i64> = None;
        let mut trailing_hit: Option<i64> = None;
        let mut has_leading = false;
        let mut has_trailing = false;
        for (index, stage) in self.plan.stages.iter().enumerate() {
            if !stage.missing {
                continue;
            }
            let history = self.missing_history[index].get(&candidate.key);
            let history = history.map_or(&[][..], Vec::as_slice);
            if index < first_positive {
                has_leading = true;
                let first = stamps[0];
                let hit = history.iter().rev().find(|&&t| t < first).copied();
                leading_hit = leading_hit.max(hit);
            } else if index > last_positive {
                has_trailing = true;
                let last = *stamps.last().unwrap_or(&0);
                let hit = history.iter().find(|&&t| t > last).copied();
                trailing_hit = match (trailing_hit, hit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            } else {
                // An inner stage sits between the positive events before
                // and after it; any hit strictly between them rejects.
                let before = self.positive.iter().filter(|&&p| p < index).count() - 1;
                let (low, high) = (stamps[before], stamps[before + 1]);
                if history.iter().any(|&t| t > low && t < high) {
                    return false;
                }
            }
        }
        let first = stamps[0];
        let last = *stamps.last().unwrap_or(&0);
        match (has_leading, has_trailing) {
            (true, true) => match (leading_hit, trailing_hit) {
                (Some(l), Some(t)) => t.saturating_sub(l) > maxspan,
                _ => true,
            },
            (true, false) => leading_hit.is_none_or(|l| last.saturating_sub(l) > maxspan),
            (false, true) => trailing_hit.is_none_or(|t| t.saturating_sub(first) > maxspan),
            (false, false) => true,
        }
    }

    fn render(&self, candidate: &Candidate) -> Completed {
        let mut events = Vec::with_capacity(self.plan.stages.len());
        let mut positive = candidate.events.iter();
        for stage in &self.plan.stages {
            if stage.missing {
                events.push(MatchEvent::Missing);
            } else if let Some(event) = positive.next() {
                events.push(MatchEvent::Event(event.clone()));
            }
        }
        (candidate.key.to_vec(), events)
    }

    /// Drops partials and history that no future event can use.
    fn sweep(&mut self) {
        let Some(maxspan) = self.plan.maxspan else {
            return;
        };
        let horizon = self.watermark.saturating_sub(maxspan);
        for slot in &mut self.pending {
            slot.retain(|_, p| p.first_ts >= horizon);
        }
        let keep_from = horizon.saturating_sub(maxspan);
        for history in &mut self.missing_history {
            history.retain(|_, stamps| {
                let cut = stamps.partition_point(|&t| t < keep_from);
                stamps.drain(..cut);
                !stamps.is_empty()
            });
        }
    }
}

fn evict_oldest(slot: &mut HashMap<Key, Partial>) {
    if let Some(oldest) = slot
        .iter()
        .min_by_key(|(_, p)| p.last_ordinal)
        .map(|(k, _)| k.clone())
    {
        slot.remove(&oldest);
    }
}

fn compare_keys(a: &Key, b: &Key) -> std::cmp::Ordering {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| x.key_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Returns the join-key tuples of an event for a stage: the cartesian
/// product of each key's distinct values. A required key without a value
/// gives no tuple; an optional one contributes null.
pub(crate) fn event_keys(event: &Event, keys: &[KeySpec], max: usize) -> SmallVec<[Key; 1]> {
    let mut tuples: SmallVec<[Key; 1]> = SmallVec::new();
    tuples.push(Key::new());
    for spec in keys {
        let values = event.values(spec.slot);
        // Only the first `max` distinct values can take part, so a huge
        // array costs at most `max` comparisons per value.
        let mut distinct: SmallVec<[&OwnedValue; 2]> = SmallVec::new();
        for value in values {
            if distinct.len() >= max {
                break;
            }
            if !distinct.contains(&value) {
                distinct.push(value);
            }
        }
        if distinct.is_empty() {
            if !spec.optional {
                return SmallVec::new();
            }
            for tuple in &mut tuples {
                tuple.push(Value::Null);
            }
            continue;
        }
        if distinct.len() == 1 {
            for tuple in &mut tuples {
                tuple.push(distinct[0].clone());
            }
            continue;
        }
        let mut next: SmallVec<[Key; 1]> = SmallVec::new();
        'outer: for tuple in &tuples {
            for value in &distinct {
                if next.len() >= max {
                    break 'outer;
                }
                let mut extended = tuple.clone();
                extended.push((*value).clone());
                next.push(extended);
            }
        }
        tuples = next;
    }
    tuples
}
