//! Result limits: the request `size` and the `head`/`tail` pipes.

use crate::options::ResultPosition;
use crate::session::Match;
use eql_compiler::Limit;
use std::collections::VecDeque;

/// Applies a rule's limits to its results as they arrive.
///
/// Limits compose like list slicing, applied in order: the implicit size
/// limit first (of the kind of the first pipe, or of the result position
/// when there is no pipe), then each pipe. When every limit is a head, the
/// limiter passes results through until the smallest count is reached;
/// otherwise it keeps them back until [`Limiter::flush`].
#[derive(Debug)]
pub(crate) struct Limiter {
    ops: Vec<Limit>,
    head_cap: Option<u64>,
    emitted: u64,
    buffer: VecDeque<Match>,
    ring: Option<usize>,
}

impl Limiter {
    pub fn new(pipes: &[Limit], size: Option<u64>, position: ResultPosition) -> Limiter {
        let mut ops = Vec::with_capacity(pipes.len() + 1);
        if let Some(size) = size {
            ops.push(match pipes.first() {
                Some(Limit::Head(_)) => Limit::Head(size),
                Some(Limit::Tail(_)) => Limit::Tail(size),
                None => match position {
                    ResultPosition::Head => Limit::Head(size),
                    ResultPosition::Tail => Limit::Tail(size),
                },
            });
        }
        ops.extend_from_slice(pipes);
        let all_heads = ops.iter().all(|op| matches!(op, Limit::Head(_)));
        let head_cap = if all_heads {
            ops.iter()
                .map(|op| match op {
                    Limit::Head(n) | Limit::Tail(n) => *n,
                })
                .min()
        } else {
            None
        };
        let ring = match ops.first() {
            Some(Limit::Tail(n)) => Some(*n as usize),
            _ => None,
        };
        Limiter {
            ops,
            head_cap,
            emitted: 0,
            buffer: VecDeque::new(),
            ring,
        }
    }

    fn streams(&self) -> bool {
        self.ops.iter().all(|op| matches!(op, Limit::Head(_)))
    }

    /// Returns true when no further result can be emitted.
    pub fn is_done(&self) -> bool {
        self.head_cap.is_some_and(|cap| self.emitted >= cap)
    }

    /// Returns the most results that can be emitted, when only heads apply.
    pub fn cap(&self) -> Option<u64> {
        self.head_cap
    }

    pub fn offer(&mut self, result: Match, out: &mut Vec<Match>) {
        if self.streams() {
            if !self.is_done() {
                self.emitted += 1;
                out.push(result);
            }
            return;
        }
        if self.ring == Some(0) {
            return;
        }
        self.buffer.push_back(result);
        if let Some(cap) = self.ring {
            if self.buffer.len() > cap {
                self.buffer.pop_front();
            }
        }
    }

    pub fn flush(&mut self, out: &mut Vec<Match>) {
        if self.streams() {
            return;
        }
        let mut items: Vec<Match> = std::mem::take(&mut self.buffer).into();
        for op in &self.ops {
            match *op {
                Limit::Head(n) => items.truncate(n as usize),
                Limit::Tail(n) => {
                    let n = n as usize;
                    if items.len() > n {
                        items.drain(..items.len() - n);
                    }
                }
            }
        }
        out.extend(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pipes: &[Limit], size: Option<u64>, position: ResultPosition, n: usize) -> Vec<usize> {
        let mut limiter = Limiter::new(pipes, size, position);
        let mut out = Vec::new();
        for rule in 0..n {
            limiter.offer(
                Match {
                    rule,
                    join_keys: Vec::new(),
                    events: Vec::new(),
                },
                &mut out,
            );
        }
        limiter.flush(&mut out);
        out.iter().map(|m| m.rule).collect()
    }

    #[test]
    fn pipes_compose_like_slices() {
        let got = run(
            &[Limit::Head(4), Limit::Tail(2)],
            Some(50),
            ResultPosition::Head,
            10,
        );
        assert_eq!(got, [2, 3]);
        let got = run(&[Limit::Tail(3)], Some(50), ResultPosition::Head, 10);
        assert_eq!(got, [7, 8, 9]);
        let got = run(&[], Some(3), ResultPosition::Tail, 10);
        assert_eq!(got, [7, 8, 9]);
        let got = run(&[], Some(3), ResultPosition::Head, 10);
        assert_eq!(got, [0, 1, 2]);
        let got = run(&[], None, ResultPosition::Tail, 4);
        assert_eq!(got, [0, 1, 2, 3]);
        let got = run(&[Limit::Tail(0)], None, ResultPosition::Tail, 4);
        assert!(got.is_empty());
    }
}
