//! Runs EQL rules over log files and prints one JSON line per result.
//!
//! With no arguments it runs the rules in `rules/` over the sample logs in
//! `examples/data/`. See `--help` for the options.

use clap::Parser;
use eql::rules::{LoadReport, LoadedRule};
use eql::{Options, ResultPosition, RuleSet, Schema};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const DEFAULT_RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
const DEFAULT_LOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

/// How many rejected events the summary lists by position.
const REJECTS_SHOWN: usize = 5;
/// How many skipped rule files the summary names.
const SKIPS_SHOWN: usize = 5;

#[derive(Parser, Debug)]
#[command(
    name = "hunt",
    about = "Run EQL rules over log files and print one JSON line per result.",
    long_about = "Run EQL rules over log files and print one JSON line per result.\n\n\
        With no arguments at all, runs the rules in rules/ over the sample logs in examples/data/."
)]
struct Args {
    /// Log files: NDJSON or a JSON array, optionally gzip-compressed; - reads stdin.
    logs: Vec<PathBuf>,

    /// A detection-rules TOML file, a folder of them (searched recursively), or a .eql file
    /// holding one query. Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,

    /// An EQL query given inline. Repeatable.
    #[arg(long = "query", value_name = "TEXT")]
    queries: Vec<String>,

    /// Compile the rules only; print each failure with file, line, column and a caret.
    #[arg(long)]
    check: bool,

    /// Field holding the event time: ISO 8601 or epoch milliseconds.
    #[arg(long, default_value = "@timestamp", value_name = "FIELD")]
    timestamp_field: String,

    /// Field that orders events with equal timestamps [default: none, input order].
    #[arg(long, value_name = "FIELD")]
    tiebreaker_field: Option<String>,

    /// Field holding the event category.
    #[arg(long, default_value = "event.category", value_name = "FIELD")]
    event_category_field: String,

    /// Maximum number of results per rule [default: unlimited].
    #[arg(long, value_name = "N")]
    size: Option<u64>,

    /// Keep the nanoseconds of the timestamp field (an Elasticsearch date_nanos field); by
    /// default times are truncated to milliseconds, as a date field stores them.
    #[arg(long)]
    nanosecond_timestamps: bool,

    /// The end of the results that --size keeps.
    #[arg(long, value_enum, default_value = "tail", value_name = "POSITION")]
    result_position: Position,

    /// Maximum number of samples per join key for sample queries.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_samples_per_key: u32,

    /// Maximum number of pending partial sequences per stage of each rule; the oldest is
    /// dropped, and counted in the summary, when a stage is full.
    #[arg(long, default_value_t = 100_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_pending_per_stage: u64,

    /// An Elasticsearch mapping (JSON) giving field types; unknown fields become errors.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,

    /// Process events in input order as they are read, without sorting them first. Use it
    /// for inputs already in time order that are too large to hold in memory.
    #[arg(long)]
    stream: bool,

    /// With --stream, how many milliseconds of event time an event may arrive late and still
    /// be processed in order. Events wait that long before they run.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    reorder_window: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Position {
    Head,
    Tail,
}

/// Exit status for bad usage or an unreadable input file.
const EXIT_USAGE: u8 = 2;
/// Exit status when a rule fails to compile.
const EXIT_RULES: u8 = 1;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("hunt: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(mut args: Args) -> Result<u8, String> {
    for (flag, value) in [
        ("--timestamp-field", &args.timestamp_field),
        ("--event-category-field", &args.event_category_field),
    ] {
        if value.trim().is_empty() {
            return Err(format!("{flag} needs a field name, such as @timestamp"));
        }
    }
    apply_defaults(&mut args)?;

    let report = load_rules(&args)?;
    let options = options(&args)?;
    let started = Instant::now();
    let sources = report.sources();
    let rules = match RuleSet::new(&sources, options) {
        Ok(rules) => rules,
        Err(errors) => {
            print_rule_errors(&report.rules, &errors);
            eprintln!(
                "hunt: {} of {} rule(s) failed to compile; no rule was run",
                errors.len(),
                sources.len()
            );
            return Ok(EXIT_RULES);
        }
    };

    if args.check {
        eprintln!(
            "hunt: {} rule(s) compiled in {:.1} ms",
            rules.rules().len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        return Ok(if report.errors.is_empty() {
            0
        } else {
            EXIT_RULES
        });
    }
    if !report.errors.is_empty() {
        eprintln!(
            "hunt: {} rule file(s) could not be read; no rule was run",
            report.errors.len()
        );
        return Ok(EXIT_RULES);
    }
    if args.logs.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err("no log files given; pass files, or - to read stdin".into());
        }
        args.logs.push(PathBuf::from("-"));
    }
    hunt(&rules, &args)
}

/// Fills in the rules and logs of the no-argument run, and the default
/// rules of `--check`.
fn apply_defaults(args: &mut Args) -> Result<(), String> {
    let embedded_default = args.logs.is_empty() && args.rules.is_empty() && args.queries.is_empty();
    if embedded_default && !args.check {
        args.rules.push(PathBuf::from(DEFAULT_RULES));
        args.logs = sample_logs()?;
        eprintln!(
            "hunt: no arguments; running the rules in {} over the sample logs in {}",
            DEFAULT_RULES, DEFAULT_LOGS
        );
    } else if args.rules.is_empty() && args.queries.is_empty() {
        if !args.check {
            return Err("no rules given; pass --rules PATH or --query TEXT".into());
        }
        args.rules.push(PathBuf::from(DEFAULT_RULES));
    }
    Ok(())
}

/// Loads the rule files and inline queries, reporting files that could not
/// be read, files skipped as not EQL, and ids used twice.
fn load_rules(args: &Args) -> Result<LoadReport, String> {
    let mut report = LoadReport::default();
    for path in &args.rules {
        if !path.exists() {
            return Err(format!("rules path {} not found", path.display()));
        }
        report.load(path);
    }
    for (index, query) in args.queries.iter().enumerate() {
        report.add_query(&format!("--query {}", index + 1), query);
    }
    for error in &report.errors {
        eprintln!("{error}");
    }
    if !report.skipped.is_empty() {
        eprintln!(
            "hunt: skipped {} rule file(s) that are not EQL:",
            report.skipped.len()
        );
        for skipped in report.skipped.iter().take(SKIPS_SHOWN) {
            eprintln!("hunt:   {}: {}", skipped.path.display(), skipped.reason);
        }
        if report.skipped.len() > SKIPS_SHOWN {
            eprintln!(
                "hunt:   ... and {} more",
                report.skipped.len() - SKIPS_SHOWN
            );
        }
    }
    if report.rules.is_empty() && report.errors.is_empty() {
        let paths: Vec<String> = args.rules.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "no EQL rule found in {}; give .toml detection rules, .eql files or --query",
            paths.join(", ")
        ));
    }
    warn_duplicate_ids(&report.rules);
    Ok(report)
}

fn options(args: &Args) -> Result<Options, String> {
    let schema = match &args.schema {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read schema {}: {e}", path.display()))?;
            let cleaned: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n");
            let json: serde_json::Value = serde_json::from_str(&cleaned).map_err(|e| {
                format!(
                    "{}:{}:{}: invalid JSON in the schema: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?;
            Some(Schema::from_mapping(&json).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    Ok(Options::new()
        .timestamp_field(&args.timestamp_field)
        .tiebreaker_field(args.tiebreaker_field.as_deref())
        .event_category_field(&args.event_category_field)
        .size(args.size)
        .result_position(match args.result_position {
            Position::Head => ResultPosition::Head,
            Position::Tail => ResultPosition::Tail,
        })
        .max_samples_per_key(args.max_samples_per_key as usize)
        .max_pending_per_stage(args.max_pending_per_stage as usize)
        .nanosecond_timestamps(args.nanosecond_timestamps)
        .reorder_window_ms(args.reorder_window)
        .schema(schema))
}

fn sample_logs() -> Result<Vec<PathBuf>, String> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(DEFAULT_LOGS)
        .map_err(|e| format!("cannot read the sample logs in {DEFAULT_LOGS}: {e}"))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".ndjson") || name.ends_with(".ndjson.gz") || name.ends_with(".json")
        })
        .collect();
    logs.sort();
    Ok(logs)
}

/// Warns about rules that share an id, because their results look the
/// same and a rule file given twice runs twice.
fn warn_duplicate_ids(rules: &[LoadedRule]) {
    let mut first_seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for rule in rules {
        let id = rule.source.id.as_str();
        match first_seen.get(id) {
            Some(first) => eprintln!(
                "hunt: warning: rule id [{id}] appears in {} and {}",
                first.display(),
                rule.path.display()
            ),
            None => {
                first_seen.insert(id, &rule.path);
            }
        }
    }
}

fn print_rule_errors(loaded: &[LoadedRule], errors: &[eql::RuleError]) {
    for error in errors {
        match loaded.get(error.index) {
            Some(rule) => eprintln!("{}\n", rule.render_error(error)),
            None => eprintln!("{error}\n{}\n", error.render()),
        }
    }
}

/// Counts of the events that could not be read.
#[derive(Default)]
struct Rejects {
    count: u64,
    shown: Vec<String>,
}

impl Rejects {
    fn add(&mut self, place: String) {
        self.count += 1;
        if self.shown.len() < REJECTS_SHOWN {
            self.shown.push(place);
        }
    }
}

fn hunt(rules: &RuleSet, args: &Args) -> Result<u8, String> {
    let started = Instant::now();
    let mut reader = rules.reader();
    let mut rejects = Rejects::default();
    let mut output = Output::new(rules);
    let mut input_errors: Vec<String> = Vec::new();
    let mut matches = Vec::new();
    let mut session = rules.session();
    if args.stream {
        for path in &args.logs {
            let result = read_events(path, &mut reader, &mut rejects, None, &mut |event| {
                session.push(event, &mut matches);
            });
            input_errors.extend(result.err());
            output.emit(&mut matches)?;
        }
    } else {
        let mut events = Vec::new();
        for path in &args.logs {
            let relevant_to = Some(rules);
            let result = read_events(path, &mut reader, &mut rejects, relevant_to, &mut |event| {
                events.push(event)
            });
            input_errors.extend(result.err());
        }
        // As RuleSet::run_batch, but keeping the session for its counters.
        events.sort_by(eql::runtime::compare_events);
        for event in events {
            session.push(event, &mut matches);
        }
    }
    let stats = session.stats();
    session.flush(&mut matches);
    output.emit(&mut matches)?;
    output.finish()?;

    let elapsed = started.elapsed().as_secs_f64();
    print_summary(
        rules,
        args,
        &reader,
        &rejects,
        &stats,
        &output.per_rule,
        elapsed,
    );
    if !input_errors.is_empty() {
        for error in &input_errors {
            eprintln!("hunt: {error}");
        }
        eprintln!(
            "hunt: {} input file(s) could not be read to the end; the results above cover what was read",
            input_errors.len()
        );
        return Ok(EXIT_USAGE);
    }
    Ok(0)
}

/// Writes results to stdout as JSON lines and counts them per rule.
struct Output<'a> {
    rules: &'a RuleSet,
    out: BufWriter<std::io::StdoutLock<'static>>,
    per_rule: BTreeMap<usize, u64>,
}

impl<'a> Output<'a> {
    fn new(rules: &'a RuleSet) -> Self {
        Output {
            rules,
            out: BufWriter::new(std::io::stdout().lock()),
            per_rule: BTreeMap::new(),
        }
    }

    fn emit(&mut self, matches: &mut Vec<eql::Match>) -> Result<(), String> {
        for m in matches.drain(..) {
            *self.per_rule.entry(m.rule).or_default() += 1;
            let line = eql::output::match_to_json(self.rules, &m);
            if let Err(e) = writeln!(self.out, "{line}") {
                return Err(write_error(e));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), String> {
        self.out.flush().map_err(write_error)
    }
}

/// Turns a write error into a message. A closed pipe (`hunt ... | head`)
/// means the reader is done, so the process stops quietly, like other
/// command-line tools.
fn write_error(error: std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    format!("cannot write the results: {error}")
}

/// Prints the run's summary on stderr.
fn print_summary(
    rules: &RuleSet,
    args: &Args,
    reader: &eql::EventReader,
    rejects: &Rejects,
    stats: &eql::SessionStats,
    per_rule: &BTreeMap<usize, u64>,
    elapsed: f64,
) {
    let read = reader.events_read();
    eprintln!("hunt: rules: {}", rules.rules().len());
    eprintln!("hunt: events read: {read}");
    eprintln!("hunt: events rejected: {}", rejects.count);
    for place in &rejects.shown {
        eprintln!("hunt:   {place}");
    }
    if rejects.count > rejects.shown.len() as u64 {
        eprintln!(
            "hunt:   ... and {} more",
            rejects.count - rejects.shown.len() as u64
        );
    }

    let undated = reader.events_without_timestamp();
    if undated > 0 {
        eprintln!(
            "hunt: {undated} event(s) have no {}; sequences skip them (set --timestamp-field)",
            args.timestamp_field
        );
    }
    if stats.out_of_order > 0 {
        eprintln!(
            "hunt: {} event(s) arrived out of time order; sequences may miss them (drop --stream to sort, or set --reorder-window)",
            stats.out_of_order
        );
    }
    if stats.evicted_partials > 0 {
        eprintln!(
            "hunt: warning: {} pending sequence(s) were dropped at the limit of {} per stage; sequences may be missed (raise --max-pending-per-stage)",
            stats.evicted_partials, args.max_pending_per_stage
        );
    }

    for (index, rule) in rules.rules().iter().enumerate() {
        let count = per_rule.get(&index).copied().unwrap_or(0);
        eprintln!("hunt: results: {count}  {} ({})", rule.name, rule.id);
    }
    let rate = if elapsed > 0.0 {
        read as f64 / elapsed
    } else {
        0.0
    };
    eprintln!("hunt: time: {:.3} s, {:.0} events/s", elapsed, rate);
}

/// Reads the events of one input, calling `sink` for each one that parses
/// and recording the position and reason of each one that does not. With
/// `relevant_to`, events that no rule of that set can use are dropped
/// before their text is copied; the results stay the same.
fn read_events(
    path: &Path,
    reader: &mut eql::EventReader,
    rejects: &mut Rejects,
    relevant_to: Option<&RuleSet>,
    sink: &mut dyn FnMut(eql::Event),
) -> Result<(), String> {
    let name = path.display().to_string();
    let input: Box<dyn Read> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        Box::new(file)
    };
    // Gzip is recognized by its magic bytes, so `.gz` files and compressed
    // data on stdin both work whatever their name.
    let mut sniffer = BufReader::new(input);
    let magic = sniffer
        .fill_buf()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let raw: Box<dyn Read> = if magic.starts_with(&[0x1F, 0x8B]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(sniffer))
    } else {
        Box::new(sniffer)
    };
    let mut buffered = BufReader::with_capacity(1 << 20, raw);
    skip_byte_order_mark(&mut buffered).map_err(|e| format!("cannot read {name}: {e}"))?;
    let first = first_non_space(&mut buffered).map_err(|e| format!("cannot read {name}: {e}"))?;
    if first == Some(b'[') {
        let mut text = String::new();
        buffered
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        return read_array(&name, &text, reader, rejects, sink);
    }
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = buffered
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read {name} after line {number}: {e}"))?;
        if n == 0 {
            break;
        }
        number += 1;
        let Ok(text) = std::str::from_utf8(&line) else {
            rejects.add(format!("{name}:{number}: the line is not valid UTF-8"));
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let result = match relevant_to {
            Some(rules) => reader.read_line_if(text, |event| rules.is_relevant(event)),
            None => reader.read_line(text).map(Some),
        };
        match result {
            Ok(Some(event)) => sink(event),
            Ok(None) => {}
            Err(e) => rejects.add(format!("{name}:{number}: {e}")),
        }
    }
    Ok(())
}

/// Skips a UTF-8 byte order mark, which Windows tools often write first.
fn skip_byte_order_mark(reader: &mut impl BufRead) -> std::io::Result<()> {
    if reader.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    Ok(())
}

fn first_non_space(reader: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(None);
        }
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => return Ok(Some(buffer[i])),
            None => {
                let len = buffer.len();
                reader.consume(len);
            }
        }
    }
}

fn read_array(
    name: &str,
    text: &str,
    reader: &mut eql::EventReader,
    rejects: &mut Rejects,
    sink: &mut dyn FnMut(eql::Event),
) -> Result<(), String> {
    let items: Vec<&serde_json::value::RawValue> = match serde_json::from_str(text) {
        Ok(items) => items,
        Err(e) => {
            return Err(format!(
                "{name}:{}:{}: invalid JSON array, no event read from the file: {e}",
                e.line(),
                e.column()
            ));
        }
    };
    let base = text.as_ptr() as usize;
    // Line numbers are counted forward from the previous element, so a
    // large array costs one pass over its text.
    let (mut counted_to, mut line) = (0, 1);
    for item in items {
        let offset = item.get().as_ptr() as usize - base;
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..offset]).count();
        counted_to = offset;
        let value: serde_json::Value = match serde_json::from_str(item.get()) {
            Ok(v) => v,
            Err(e) => {
                rejects.add(format!("{name}:{line}: {e}"));
                continue;
            }
        };
        match reader.read_value(&value, item.get().into()) {
            Ok(event) => sink(event),
            Err(e) => rejects.add(format!("{name}:{line}: {e}")),
        }
    }
    Ok(())
}
