//! Sessions: the per-stream state of a rule set, and the matches they emit.

use crate::event::Event;
use crate::limit::Limiter;
use crate::ruleset::RuleSet;
use crate::sample::SampleState;
use crate::sequence::SequenceState;
use crate::vm::evaluate;
use eql_compiler::{OwnedValue, QueryPlan, Truth};
use std::cmp::Ordering;
use std::sync::Arc;

/// One element of a match: an event, or the placeholder of a missing-event
/// stage.
#[derive(Debug, Clone)]
pub enum MatchEvent {
    /// An event of the input.
    Event(Arc<Event>),
    /// A `![ ... ]` stage: no event matched it, as required.
    Missing,
}

impl MatchEvent {
    /// Returns the event, or `None` for a missing-event placeholder.
    pub fn event(&self) -> Option<&Event> {
        match self {
            MatchEvent::Event(e) => Some(e),
            MatchEvent::Missing => None,
        }
    }
}

/// A result of one rule: one event for an event query, the events of a
/// sequence or sample in stage order otherwise.
#[derive(Debug, Clone)]
pub struct Match {
    /// The index of the rule in [`RuleSet::rules`].
    pub rule: usize,
    /// The join key values (empty for event queries).
    pub join_keys: Vec<OwnedValue>,
    /// The events.
    pub events: Vec<MatchEvent>,
}

impl Match {
    /// Returns the input position ([`Event::seq`]) of each event of the
    /// match, `None` for a missing-event stage.
    pub fn positions(&self) -> Vec<Option<u64>> {
        self.events
            .iter()
            .map(|e| e.event().map(|event| event.seq))
            .collect()
    }
}

/// Counters of one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Events pushed.
    pub events: u64,
    /// Events that arrived with an older timestamp than the one before;
    /// sequences may miss them (use the batch API to sort first).
    pub out_of_order: u64,
    /// Partial sequences dropped because a stage reached its limit.
    pub evicted_partials: u64,
}

pub(crate) enum RuleState {
    Event { filter: usize },
    Sequence(Box<SequenceState>),
    Sample(SampleState),
}

/// The state of one event stream: pending sequences, sample candidates
/// and result limits of every rule.
///
/// Push events in time order with [`Session::push`]; call
/// [`Session::flush`] at the end of the stream to receive the results that
/// wait for it (tail limits, samples, sequences ending in a missing-event
/// stage).
pub struct Session {
    rules: RuleSet,
    states: Vec<RuleState>,
    /// Per rule, which join-key positions hold dates.
    date_keys: Vec<Vec<bool>>,
    limiters: Vec<Limiter>,
    filter_hits: Vec<Vec<bool>>,
    /// Scratch lists reused across events: candidate filter ids, and the
    /// rules that had a filter match.
    candidates: Vec<usize>,
    touched: Vec<usize>,
    /// The sequence rules with missing-event stages.
    missing_event_rules: Vec<usize>,
    last_timestamp: Option<i64>,
    stats: SessionStats,
    /// Events held back by the reorder window, oldest first.
    reorder: std::collections::BinaryHeap<std::cmp::Reverse<Held>>,
    /// The newest timestamp pushed, for the reorder window.
    newest_pushed: Option<i64>,
}

/// An event held by the reorder window, ordered as Elasticsearch orders
/// events.
struct Held(Event);

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        compare_events(&self.0, &other.0).is_eq()
    }
}

impl Eq for Held {}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_events(&self.0, &other.0)
    }
}

impl Session {
    pub(crate) fn new(rules: RuleSet) -> Session {
        let options = &rules.inner.options;
        let mut states = Vec::new();
        let mut limiters = Vec::new();
        let mut filter_hits = Vec::new();
        let mut date_keys = Vec::new();
        let mut missing_event_rules = Vec::new();
        for rule in &rules.inner.rules {
            let compiled = &rule.compiled;
            date_keys.push(date_key_positions(&rules, &compiled.plan));
            states.push(match &compiled.plan {
                QueryPlan::Event { filter } => RuleState::Event { filter: *filter },
                QueryPlan::Sequence(plan) => {
                    if plan.has_missing() {
                        missing_event_rules.push(states.len());
                    }
                    RuleState::Sequence(Box::new(SequenceState::new(plan, options)))
                }
                QueryPlan::Sample(plan) => RuleState::Sample(SampleState::new(plan)),
            });
            limiters.push(Limiter::new(
                &compiled.limits,
                options.size,
                options.result_position,
            ));
            filter_hits.push(vec![false; compiled.filters.len()]);
        }
        Session {
            rules,
            states,
            date_keys,
            limiters,
            filter_hits,
            candidates: Vec::new(),
            touched: Vec::new(),
            missing_event_rules,
            last_timestamp: None,
            stats: SessionStats::default(),
            reorder: std::collections::BinaryHeap::new(),
            newest_pushed: None,
        }
    }

    /// Returns the session's counters.
    pub fn stats(&self) -> SessionStats {
        let mut stats = self.stats.clone();
        stats.evicted_partials += self
            .states
            .iter()
            .map(|s| match s {
                RuleState::Sequence(seq) => seq.evicted,
                _ => 0,
            })
            .sum::<u64>();
        stats
    }

    /// Processes one event and appends the results it completes to `out`.
    ///
    /// With a reorder window ([`Options::reorder_window_ms`](crate::Options::reorder_window_ms)),
    /// the event may be held and processed by a later push or by
    /// [`Session::flush`]. The event must come from a reader of this session's rule set
    /// ([`RuleSet::reader`]): slots are numbered per rule set.
    ///
    /// # Panics
    ///
    /// Panics when the event was read for a rule set with a different
    /// number of fields, which would otherwise give wrong results.
    pub fn push(&mut self, event: Event, out: &mut Vec<Match>) {
        assert_eq!(
            event.slot_count(),
            self.rules.inner.fields.len(),
            "the event was read by another rule set's reader; read it with this rule set's reader"
        );
        let window = self.rules.inner.options.reorder_window;
        let Some(ts) = event.timestamp.filter(|_| window > 0) else {
            self.process(event, out);
            return;
        };
        self.newest_pushed = Some(self.newest_pushed.map_or(ts, |n| n.max(ts)));
        self.reorder.push(std::cmp::Reverse(Held(event)));
        let release_before = self.newest_pushed.unwrap_or(ts).saturating_sub(window);
        while let Some(std::cmp::Reverse(held)) = self.reorder.peek() {
            if held.0.timestamp.is_some_and(|t| t > release_before) {
                break;
            }
            let Some(std::cmp::Reverse(Held(event))) = self.reorder.pop() else {
                break;
            };
            self.process(event, out);
        }
    }

    /// Runs every rule on one event, in the order events are released.
    fn process(&mut self, event: Event, out: &mut Vec<Match>) {
        self.stats.events += 1;
        if let (Some(last), Some(ts)) = (self.last_timestamp, event.timestamp) {
            if ts < last {
                self.stats.out_of_order += 1;
            }
        }
        if event.timestamp.is_some() {
            self.last_timestamp = event.timestamp.max(self.last_timestamp);
        }
        let event = Arc::new(event);
        self.run_filters(&event);
        // A sequence waiting out a missing-event window needs the time of
        // every event, matched or not, to release its candidates.
        for &rule in &self.missing_event_rules {
            if let RuleState::Sequence(state) = &mut self.states[rule] {
                if state.has_waiting() && !self.filter_hits[rule].contains(&true) {
                    let mut completed = Vec::new();
                    state.advance_time(&event, &mut completed);
                    let limiter = &mut self.limiters[rule];
                    offer_all(limiter, rule, completed, &self.date_keys[rule], false, out);
                }
            }
        }
        for &index in &self.touched {
            let hits = &mut self.filter_hits[index];
            let limiter = &mut self.limiters[index];
            match &mut self.states[index] {
                RuleState::Event { filter } => {
                    if hits[*filter] {
                        limiter.offer(
                            Match {
                                rule: index,
                                join_keys: Vec::new(),
                                events: vec![MatchEvent::Event(event.clone())],
                            },
                            out,
                        );
                    }
                }
                RuleState::Sequence(state) => {
                    let mut completed = Vec::new();
                    state.push(&event, hits, &mut completed);
                    let date_keys = &self.date_keys[index];
                    offer_all(limiter, index, completed, date_keys, false, out);
                }
                RuleState::Sample(state) => {
                    let max_keys = self.rules.inner.options.max_key_combinations;
                    state.push(&event, hits, max_keys);
                }
            }
            hits.fill(false);
        }
    }

    /// Runs the filters that can match the event and records which rules
    /// had a filter match in `touched`, in rule order.
    fn run_filters(&mut self, event: &Event) {
        let inner = &self.rules.inner;
        let index = &inner.filter_index;
        // Only the filters of the event's categories (and `any`) can match,
        // and a rule none of whose filters matched has nothing to do.
        index.candidates(event.values(inner.category_slot), &mut self.candidates);
        self.touched.clear();
        for &id in &self.candidates {
            let (rule, filter) = index.filters[id];
            if self.limiters[rule].is_done() {
                continue;
            }
            let program = &inner.rules[rule].compiled.filters[filter].program;
            if evaluate(program, event) == Truth::True {
                if !self.filter_hits[rule].contains(&true) {
                    self.touched.push(rule);
                }
                self.filter_hits[rule][filter] = true;
            }
        }
        self.touched.sort_unstable();
    }

    /// Ends the stream: appends every result still held back and resets
    /// the session for a new stream. The counters of [`Session::stats`]
    /// keep counting across streams.
    pub fn flush(&mut self, out: &mut Vec<Match>) {
        while let Some(std::cmp::Reverse(Held(event))) = self.reorder.pop() {
            self.process(event, out);
        }
        let max_samples = self.rules.inner.options.max_samples_per_key;
        for (index, state) in self.states.iter_mut().enumerate() {
            let limiter = &mut self.limiters[index];
            match state {
                RuleState::Event { .. } => {}
                RuleState::Sequence(state) => {
                    let mut completed = Vec::new();
                    state.flush(&mut completed);
                    offer_all(
                        limiter,
                        index,
                        completed,
                        &self.date_keys[index],
                        false,
                        out,
                    );
                }
                RuleState::Sample(state) => {
                    let samples = state.finish(max_samples, limiter.cap());
                    offer_all(limiter, index, samples, &self.date_keys[index], true, out);
                }
            }
            limiter.flush(out);
        }
        let stats = self.stats();
        let rules = self.rules.clone();
        *self = Session::new(rules);
        self.stats = stats;
    }
}

/// Orders events as Elasticsearch does: by timestamp, then tiebreaker,
/// then input order. Events without a timestamp come first.
pub fn compare_events(a: &Event, b: &Event) -> Ordering {
    a.timestamp
        .cmp(&b.timestamp)
        .then_with(|| match (&a.tiebreaker, &b.tiebreaker) {
            (x, y) if x.is_null() && y.is_null() => Ordering::Equal,
            (x, _) if x.is_null() => Ordering::Less,
            (_, y) if y.is_null() => Ordering::Greater,
            (x, y) => x.key_cmp(y),
        })
        .then_with(|| a.seq.cmp(&b.seq))
}

impl RuleSet {
    /// Returns true when some filter of some rule matches the event.
    ///
    /// Only such events can take part in a result, so a caller that
    /// collects a batch may drop the others early to save memory. The
    /// results stay the same.
    pub fn is_relevant(&self, event: &Event) -> bool {
        let inner = &self.inner;
        let index = &inner.filter_index;
        let mut candidates = Vec::new();
        index.candidates(event.values(inner.category_slot), &mut candidates);
        candidates.into_iter().any(|id| {
            let (rule, filter) = index.filters[id];
            let program = &inner.rules[rule].compiled.filters[filter].program;
            evaluate(program, event) == Truth::True
        })
    }

    /// Runs every rule over a batch of events: sorts them by timestamp,
    /// tiebreaker and input order, pushes them through one session and
    /// flushes it.
    pub fn run_batch(&self, mut events: Vec<Event>) -> Vec<Match> {
        events.sort_by(compare_events);
        let mut session = self.session();
        let mut out = Vec::new();
        for event in events {
            session.push(event, &mut out);
        }
        session.flush(&mut out);
        out
    }
}

/// Passes the completed sequences or samples of rule `index` through its
/// limiter, with date keys rendered.
fn offer_all(
    limiter: &mut Limiter,
    index: usize,
    completed: Vec<(Vec<OwnedValue>, Vec<MatchEvent>)>,
    date_keys: &[bool],
    sample: bool,
    out: &mut Vec<Match>,
) {
    for (join_keys, events) in completed {
        let result = Match {
            rule: index,
            join_keys: render_date_keys(join_keys, date_keys, sample),
            events,
        };
        limiter.offer(result, out);
    }
}

/// Returns, per join-key position of a sequence or sample, whether the key
/// is a date in some stage (stages may name different fields).
fn date_key_positions(rules: &RuleSet, plan: &QueryPlan) -> Vec<bool> {
    let stages = match plan {
        QueryPlan::Event { .. } => return Vec::new(),
        QueryPlan::Sequence(plan) => &plan.stages,
        QueryPlan::Sample(plan) => &plan.stages,
    };
    let specs = &rules.inner.slot_specs;
    let width = stages.first().map_or(0, |s| s.keys.len());
    (0..width)
        .map(|position| {
            stages
                .iter()
                .any(|stage| specs[stage.keys[position].slot as usize].date.is_some())
        })
        .collect()
}

/// Renders date join keys as Elasticsearch does: ISO 8601 with
/// milliseconds in sequences, epoch milliseconds as a string in samples.
fn render_date_keys(
    mut keys: Vec<OwnedValue>,
    date_positions: &[bool],
    sample: bool,
) -> Vec<OwnedValue> {
    for (key, is_date) in keys.iter_mut().zip(date_positions) {
        if let (true, OwnedValue::Int(nanos)) = (*is_date, &*key) {
            let text = if sample {
                nanos.div_euclid(1_000_000).to_string()
            } else {
                crate::event::format_timestamp(*nanos)
            };
            *key = OwnedValue::Str(text.into());
        }
    }
    keys
}
