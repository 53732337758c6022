//! Samples: groups of events that share join keys, one event per stage,
//! in any time order.
//!
//! Elasticsearch builds samples from a composite aggregation over the keys,
//! so results come in ascending key order. For each key it takes, per
//! stage, the first `stages × max_samples_per_key` matching events in index
//! order, then chooses one distinct event per stage depth-first, yielding
//! at most `max_samples_per_key` samples for the key.

use crate::event::Event;
use crate::sequence::{event_keys, Key};
use crate::session::MatchEvent;
use eql_compiler::{OwnedValue, SamplePlan};
use hashbrown::HashMap;
use std::sync::Arc;

pub(crate) struct SampleState {
    plan: SamplePlan,
    /// Matching events per key, per stage, in input order.
    groups: HashMap<Key, Vec<Vec<Arc<Event>>>>,
}

impl SampleState {
    pub fn new(plan: &SamplePlan) -> SampleState {
        SampleState {
            plan: plan.clone(),
            groups: HashMap::new(),
        }
    }

    pub fn push(&mut self, event: &Arc<Event>, hits: &[bool], max_keys: usize) {
        let stages = self.plan.stages.len();
        for (index, stage) in self.plan.stages.iter().enumerate() {
            if !hits[stage.filter] {
                continue;
            }
            for key in event_keys(event, &stage.keys, max_keys) {
                let group = self
                    .groups
                    .entry(key)
                    .or_insert_with(|| vec![Vec::new(); stages]);
                group[index].push(event.clone());
            }
        }
    }

    /// Builds the samples, in key order, stopping after `cap` of them.
    pub fn finish(
        &mut self,
        max_per_key: usize,
        cap: Option<u64>,
    ) -> Vec<(Vec<OwnedValue>, Vec<MatchEvent>)> {
        let stages = self.plan.stages.len();
        let mut keys: Vec<Key> = self
            .groups
            .iter()
            .filter(|(_, g)| g.iter().all(|events| !events.is_empty()))
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort_by(|a, b| {
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| x.key_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut out = Vec::new();
        let limit = cap.map_or(usize::MAX, |c| c as usize);
        for key in keys {
            if out.len() >= limit {
                break;
            }
            let group = &mut self.groups.get_mut(&key).expect("key taken from the map");
            let take = stages * max_per_key;
            for events in group.iter_mut() {
                events.sort_by_key(|e| e.seq);
                events.truncate(take);
            }
            let mut chosen: Vec<Arc<Event>> = Vec::with_capacity(stages);
            let mut samples = Vec::new();
            choose(group, &mut chosen, max_per_key, &mut samples);
            for sample in samples {
                if out.len() >= limit {
                    break;
                }
                out.push((
                    key.to_vec(),
                    sample.into_iter().map(MatchEvent::Event).collect(),
                ));
            }
        }
        self.groups.clear();
        out
    }
}

/// Depth-first choice of one event per stage, no event twice in a sample.
fn choose(
    group: &[Vec<Arc<Event>>],
    chosen: &mut Vec<Arc<Event>>,
    max: usize,
    samples: &mut Vec<Vec<Arc<Event>>>,
) {
    if samples.len() >= max {
        return;
    }
    let stage = chosen.len();
    if stage == group.len() {
        samples.push(chosen.clone());
        return;
    }
    for event in &group[stage] {
        if chosen.iter().any(|c| Arc::ptr_eq(c, event)) {
            continue;
        }
        chosen.push(event.clone());
        choose(group, chosen, max, samples);
        chosen.pop();
        if samples.len() >= max {
            return;
        }
    }
}
