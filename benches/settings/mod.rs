//! Criterion settings shared by the bench targets.

use criterion::Criterion;
use std::time::Duration;

/// Short warm-up and measurement times, so `cargo bench` finishes in a few
/// minutes on a 2-core machine.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}
