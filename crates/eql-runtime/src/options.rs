//! The options of a rule set, with Elasticsearch's names and meanings.

/// The end of the results that a size limit keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultPosition {
    /// Keep the first results.
    Head,
    /// Keep the last results (Elasticsearch's default).
    #[default]
    Tail,
}

/// Everything configurable about compiling and running rules.
///
/// Build it with [`Options::new`] and the chained setters; every setter
/// documents its default.
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) timestamp_field: String,
    pub(crate) tiebreaker_field: Option<String>,
    pub(crate) event_category_field: String,
    pub(crate) size: Option<u64>,
    pub(crate) result_position: ResultPosition,
    pub(crate) max_samples_per_key: usize,
    pub(crate) nanosecond_timestamps: bool,
    pub(crate) reorder_window: i64,
    pub(crate) nest_limit: usize,
    pub(crate) max_pending_per_stage: usize,
    pub(crate) max_key_combinations: usize,
    pub(crate) schema: Option<eql_compiler::Schema>,
    pub(crate) aliases: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timestamp_field: "@timestamp".to_string(),
            tiebreaker_field: None,
            event_category_field: "event.category".to_string(),
            size: None,
            result_position: ResultPosition::Tail,
            max_samples_per_key: 1,
            nanosecond_timestamps: false,
            reorder_window: 0,
            nest_limit: eql_parser::DEFAULT_NEST_LIMIT,
            max_pending_per_stage: 100_000,
            max_key_combinations: 64,
            schema: None,
            aliases: Vec::new(),
        }
    }
}

impl Options {
    /// Creates the default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field that contains the event time (default `@timestamp`): an
    /// ISO 8601 string, epoch milliseconds as a number, or epoch
    /// milliseconds as a string with an optional fraction.
    pub fn timestamp_field(mut self, field: &str) -> Self {
        self.timestamp_field = field.to_string();
        self
    }

    /// Keeps the nanoseconds of the timestamp field, as an Elasticsearch
    /// `date_nanos` field does (default false: times are truncated to
    /// milliseconds, as a `date` field, ECS's type for `@timestamp`, stores
    /// them). A schema that maps the timestamp field decides instead.
    pub fn nanosecond_timestamps(mut self, keep: bool) -> Self {
        self.nanosecond_timestamps = keep;
        self
    }

    /// Sets how late, in milliseconds of event time, a pushed event may
    /// arrive and still be processed in order (default 0: sessions expect
    /// events in time order). A session keeps each event until it has seen
    /// an event this much newer, then releases kept events by timestamp,
    /// tiebreaker and arrival. `flush` releases the rest. Results are
    /// delayed by up to the window.
    pub fn reorder_window_ms(mut self, millis: u64) -> Self {
        self.reorder_window = i64::try_from(millis)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        self
    }

    /// Sets the field that orders events with equal timestamps (default
    /// none: input order breaks ties).
    pub fn tiebreaker_field(mut self, field: Option<&str>) -> Self {
        self.tiebreaker_field = field.map(str::to_string);
        self
    }

    /// Sets the field that contains the event category (default
    /// `event.category`).
    pub fn event_category_field(mut self, field: &str) -> Self {
        self.event_category_field = field.to_string();
        self
    }

    /// Sets the maximum number of results per rule: events, sequences or
    /// samples (default unlimited; Elasticsearch's API defaults to 10).
    pub fn size(mut self, size: Option<u64>) -> Self {
        self.size = size;
        self
    }

    /// Sets which results the size limit keeps (default
    /// [`ResultPosition::Tail`], as in Elasticsearch).
    pub fn result_position(mut self, position: ResultPosition) -> Self {
        self.result_position = position;
        self
    }

    /// Sets how many samples each join key may produce (default 1).
    pub fn max_samples_per_key(mut self, max: usize) -> Self {
        self.max_samples_per_key = max.max(1);
        self
    }

    /// Sets the maximum nesting depth of a query (default
    /// [`eql_parser::DEFAULT_NEST_LIMIT`]).
    pub fn nest_limit(mut self, limit: usize) -> Self {
        self.nest_limit = limit;
        self
    }

    /// Sets how many pending partial sequences one stage of one rule may
    /// hold (default 100,000, roughly 100 MB for events of about 1 kB).
    /// When full, the stage drops its oldest partial sequence; the session
    /// counts the drops in [`SessionStats::evicted_partials`](crate::SessionStats).
    pub fn max_pending_per_stage(mut self, max: usize) -> Self {
        self.max_pending_per_stage = max.max(1);
        self
    }

    /// Sets how many join-key tuples one event may produce for one stage
    /// when its key fields hold arrays (default 64). Tuples past the limit
    /// are dropped.
    pub fn max_key_combinations(mut self, max: usize) -> Self {
        self.max_key_combinations = max.max(1);
        self
    }

    /// Sets an Elasticsearch mapping as the schema: field types come from
    /// it, and a field it does not know is a compile error unless written
    /// `?field` (default none: fields are typed by their JSON values).
    pub fn schema(mut self, schema: Option<eql_compiler::Schema>) -> Self {
        self.schema = schema;
        self
    }

    /// Makes queries that name `alias` read the field `target`, like an
    /// Elasticsearch field alias (default none).
    pub fn alias(mut self, alias: &str, target: &str) -> Self {
        self.aliases.push((alias.to_string(), target.to_string()));
        self
    }
}
