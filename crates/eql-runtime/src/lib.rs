//! Runtime of the EQL engine: reads events, runs the predicate VM, the
//! sequence state machine and samples, and emits matches.
//!
//! Compile rules into a [`RuleSet`], open a [`Session`] per event stream,
//! push events in time order, and flush at the end:
//!
//! ```
//! use eql_runtime::{Options, RuleSet, RuleSource};
//! let rules = RuleSet::new(
//!     &[RuleSource::new("r1", "cmd", r#"process where process.name : "CMD.exe""#)],
//!     Options::new(),
//! )
//! .unwrap();
//! let mut reader = rules.reader();
//! let mut session = rules.session();
//! let mut matches = Vec::new();
//! let line = r#"{"@timestamp": "2024-01-01T00:00:00Z", "event": {"category": "process"}, "process": {"name": "cmd.exe"}}"#;
//! session.push(reader.read_line(line).unwrap(), &mut matches);
//! session.flush(&mut matches);
//! assert_eq!(matches.len(), 1);
//! ```

#![deny(missing_docs)]

pub mod event;
mod fast_read;
mod limit;
pub mod options;
pub mod ruleset;
mod sample;
mod sequence;
pub mod session;
pub mod vm;

pub use event::{format_timestamp, parse_timestamp, Event, EventReader, ReadError};
pub use options::{Options, ResultPosition};
pub use ruleset::{Rule, RuleError, RuleErrorKind, RuleErrors, RuleSet, RuleSource};
pub use session::{compare_events, Match, MatchEvent, Session, SessionStats};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn rule_set_is_send_and_sync() {
        assert_send_sync::<super::RuleSet>();
        assert_send_sync::<super::Session>();
    }
}
