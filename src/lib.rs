//! An embeddable engine for Elastic's Event Query Language (EQL).
//!
//! The crate re-exports the three stages, [`parser`], [`compiler`] and
//! [`runtime`], and adds [`rules`], which loads detection-rules TOML files.
//! Most users need only the names re-exported at the top:
//!
//! ```
//! use eql::{Options, RuleSet, RuleSource};
//! let query = r#"
//!     sequence by host.id with maxspan=1s
//!       [network where process.name : "services.exe"]
//!       [process where process.parent.name : "services.exe"]"#;
//! let rules = RuleSet::new(&[RuleSource::new("rpc", "rpc", query)], Options::new()).unwrap();
//! let mut reader = rules.reader();
//! let lines = [
//!     r#"{"@timestamp": "2024-05-14T08:00:00.000Z", "event": {"category": "network"}, "host": {"id": "h1"}, "process": {"name": "services.exe"}}"#,
//!     r#"{"@timestamp": "2024-05-14T08:00:00.500Z", "event": {"category": "process"}, "host": {"id": "h1"}, "process": {"parent": {"name": "services.exe"}}}"#,
//! ];
//! let events = lines.iter().map(|l| reader.read_line(l).unwrap()).collect();
//! let matches = rules.run_batch(events);
//! assert_eq!(matches.len(), 1);
//! assert_eq!(matches[0].events.len(), 2);
//! ```

#![deny(missing_docs)]

pub mod output;
pub mod rules;

pub use eql_compiler as compiler;
pub use eql_parser as parser;
pub use eql_runtime as runtime;
/// The JSON library the engine reads events with, for
/// [`Schema::from_mapping`] and [`EventReader::read_value`].
pub use serde_json;

pub use eql_compiler::{FieldType, OwnedValue, Schema, Value};
pub use eql_runtime::{
    Event, EventReader, Match, MatchEvent, Options, ReadError, ResultPosition, Rule, RuleError,
    RuleErrorKind, RuleErrors, RuleSet, RuleSource, Session, SessionStats,
};

// Compiles the README's Rust examples as doctests, so they stay correct.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
