//! Benchmarks of the runtime on generated Elastic Defend events: reading
//! JSON lines into events, running the reference rule's filters in the VM,
//! and the whole sequence pipeline.
//!
//! Run with `cargo bench --bench runtime`. Results are in events per
//! second; `docs/benchmarks.md` records a run.

mod ecs_events;

mod settings;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use eql::compiler::{Slot, Truth};
use eql::runtime::vm::evaluate;
use eql::{Event, Match, Options, RuleSet, RuleSource};
use std::hint::black_box;
use std::time::Duration;

const REFERENCE_QUERY: &str = include_str!("reference_rule.eql");

/// Events per iteration of the reading and VM benchmarks.
const READ_EVENTS: usize = 2_000;

/// Events per iteration of the pipeline benchmarks: enough for about 40
/// planted sequences and a steady amount of pending state.
const PIPELINE_EVENTS: usize = 10_000;

const SEED: u64 = 1;

fn reference_rules() -> RuleSet {
    let source = RuleSource::new(
        "reference",
        "Remotely Started Services via RPC",
        REFERENCE_QUERY,
    );
    RuleSet::new(&[source], Options::new()).expect("the reference rule compiles")
}

fn read_all(rules: &RuleSet, lines: &[String]) -> Vec<Event> {
    let mut reader = rules.reader();
    lines
        .iter()
        .map(|line| reader.read_line(line).expect("generated events are valid"))
        .collect()
}

/// Runs the generated events through one session and checks that exactly
/// the planted true positives match, so the pipeline benchmarks measure a
/// run that does the right thing.
fn check_planted_matches(rules: &RuleSet, events: &[Event], planted: usize) {
    let mut session = rules.session();
    let mut matches = Vec::new();
    for event in events {
        session.push(event.clone(), &mut matches);
    }
    session.flush(&mut matches);
    eprintln!(
        "pipeline: {} events, {planted} planted true positives, {} sequence matches",
        events.len(),
        matches.len()
    );
    if matches.len() != planted {
        eprintln!(
            "warning: the reference rule matched {} sequence(s) in the generated events, \
             expected the {planted} planted ones",
            matches.len()
        );
    }
}

fn bench_read(c: &mut Criterion) {
    let rules = reference_rules();
    let generated = ecs_events::generate(READ_EVENTS, SEED);
    let bytes: usize = generated.lines.iter().map(|line| line.len() + 1).sum();
    let shortest = generated.lines.iter().map(String::len).min().unwrap_or(0);
    let longest = generated.lines.iter().map(String::len).max().unwrap_or(0);
    eprintln!(
        "read: {READ_EVENTS} generated events of {shortest} to {longest} bytes, {} bytes on average",
        bytes / READ_EVENTS
    );

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(READ_EVENTS as u64));
    group.bench_function("json_line_to_event", |b| {
        b.iter(|| {
            // Each event is dropped right after it is read, as in a session
            // that keeps no partial sequence, so the measurement includes
            // the drop and the working set stays small.
            let mut reader = rules.reader();
            for line in &generated.lines {
                black_box(
                    reader
                        .read_line(black_box(line))
                        .expect("generated events are valid"),
                );
            }
        })
    });
    group.bench_function("json_line_to_relevant_event", |b| {
        b.iter(|| {
            // The batch mode of the hunt example reads this way: the reader
            // copies the line into the event only when some filter matches.
            let mut reader = rules.reader();
            for line in &generated.lines {
                let event = reader.read_line_if(black_box(line), |event| rules.is_relevant(event));
                black_box(event.expect("generated events are valid"));
            }
        })
    });
    group.finish();
}

fn bench_eval(c: &mut Criterion) {
    let rules = reference_rules();
    let generated = ecs_events::generate(READ_EVENTS, SEED);
    let events = read_all(&rules, &generated.lines);
    let category_slot = rules.fields().get("event.category");
    let filters = &rules.rules()[0].compiled.filters;

    let mut group = c.benchmark_group("eval");
    for (index, filter) in filters.iter().enumerate() {
        let category = filter.category.as_deref().unwrap_or("any");
        // The session runs a filter's program only on events of the
        // filter's category, so the VM is measured on those.
        let selected: Vec<&Event> = events
            .iter()
            .filter(|event| has_category(event, category_slot, category))
            .collect();
        group.throughput(Throughput::Elements(selected.len() as u64));
        group.bench_function(format!("stage{}_{category}", index + 1), |b| {
            b.iter(|| {
                selected
                    .iter()
                    .filter(|event| evaluate(&filter.program, black_box(event)) == Truth::True)
                    .count()
            })
        });
    }
    group.finish();
}

fn has_category(event: &Event, slot: Option<Slot>, category: &str) -> bool {
    match slot {
        Some(slot) => event
            .values(slot)
            .iter()
            .any(|value| value.as_str() == Some(category)),
        None => category == "any",
    }
}

fn bench_pipeline(c: &mut Criterion) {
    let rules = reference_rules();
    let generated = ecs_events::generate(PIPELINE_EVENTS, SEED);
    let events = read_all(&rules, &generated.lines);
    check_planted_matches(&rules, &events, generated.planted_matches);

    let mut group = c.benchmark_group("pipeline");
    // An iteration takes milliseconds; flat sampling runs every sample the
    // same number of times, so 20 samples fit in the measurement time.
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(PIPELINE_EVENTS as u64));
    group.bench_function("session_push", |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let mut session = rules.session();
                let mut matches: Vec<Match> = Vec::new();
                for event in events {
                    session.push(event, &mut matches);
                }
                session.flush(&mut matches);
                matches
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("read_and_push", |b| {
        b.iter(|| {
            let mut reader = rules.reader();
            let mut session = rules.session();
            let mut matches: Vec<Match> = Vec::new();
            for line in black_box(&generated.lines) {
                let event = reader.read_line(line).expect("generated events are valid");
                session.push(event, &mut matches);
            }
            session.flush(&mut matches);
            matches
        })
    });
    group.bench_function("run_batch", |b| {
        b.iter_batched(
            || events.clone(),
            |events| rules.run_batch(events),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = runtime;
    config = settings::config();
    targets = bench_read, bench_eval, bench_pipeline
}
criterion_main!(runtime);
