//! Predicate bytecode: a flat instruction array that the runtime VM runs
//! over one event.
//!
//! The VM has a value stack. Leaf tests push `Bool` or `Null`, and `Not`,
//! `And`, `Or` combine them with Kleene logic. The jumps skip the right
//! operand of `and`/`or` once the left one decides the result. A condition
//! holds when the program leaves `Bool(true)` on the stack.
//!
//! Multi-valued fields follow Elasticsearch: a leaf test holds when any
//! value of the field satisfies it. [`Instr::TermMatch`] does this for the
//! common "field against constants" case; [`Instr::AnyOf`] runs a general
//! leaf once per combination of the values of the fields it reads.

use crate::functions::{ArithKind, Function};
use crate::matcher::Matcher;
use crate::value::OwnedValue;

/// The index of a field path in the rule set's field table.
pub type Slot = u32;

/// A comparison operator after normalization (`!=` is `not ==`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareKind {
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

/// The order [`Instr::CompareOrdered`] applies to two strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Semantic versions, as an Elasticsearch `version` field.
    Version,
    /// IP addresses, IPv4 before IPv6 as in an Elasticsearch `ip` field.
    Ip,
}

/// One VM instruction.
#[derive(Debug, Clone, PartialEq)]
pub enum Instr {
    /// Pushes the current value of a field. Inside [`Instr::AnyOf`] it is the
    /// value of the combination being tried, elsewhere the first value, and
    /// null when the field has no value.
    Load(Slot),
    /// Pushes a constant from the pool.
    Const(u32),
    /// Pops the right then the left operand and pushes the comparison.
    Compare(CompareKind),
    /// Like [`Instr::Compare`], ordering strings as versions or addresses.
    CompareOrdered(CompareKind, Order),
    /// Pops two operands and pushes the arithmetic result.
    Arith(ArithKind),
    /// Negates the number on top of the stack.
    Neg,
    /// Pops `argc` arguments (first argument deepest) and pushes the result.
    Call {
        /// The function.
        function: Function,
        /// The number of arguments on the stack.
        argc: u8,
        /// True for the `~` variant.
        insensitive: bool,
    },
    /// Pops a value and pushes whether the matcher accepts it.
    Match(u32),
    /// Pops a date in nanoseconds and pushes it as ISO 8601 text.
    DateText,
    /// Pops a value and pushes whether it is null.
    IsNull,
    /// Kleene negation of the top of the stack.
    Not,
    /// Pops two truth values and pushes their Kleene conjunction.
    And,
    /// Pops two truth values and pushes their Kleene disjunction.
    Or,
    /// Jumps to the target when the top of the stack is `Bool(false)`,
    /// leaving it there; used to skip the right operand of `and`.
    JumpIfFalse(u32),
    /// Jumps to the target when the top of the stack is `Bool(true)`,
    /// leaving it there; used to skip the right operand of `or`.
    JumpIfTrue(u32),
    /// Pushes true when any value of the field is accepted by the matcher,
    /// false otherwise, including when the field has no value.
    TermMatch {
        /// The field.
        slot: Slot,
        /// The matcher index.
        matcher: u32,
    },
    /// Pushes true when the field has no value.
    FieldIsNull(Slot),
    /// Runs the next `body_len` instructions once per combination of the
    /// values of `slots`, then pushes true if any run gave true. Otherwise it
    /// pushes false when `term` is set or some run gave false, else null.
    AnyOf {
        /// Start of the field list in [`Program::slot_lists`].
        slots_start: u32,
        /// Number of fields in the list.
        slots_len: u32,
        /// Length of the body that follows this instruction.
        body_len: u32,
        /// True for a field-against-constants test, which Elasticsearch
        /// runs as a Lucene query: a missing field gives false, not null,
        /// so its negation matches events without the field.
        term: bool,
    },
}

/// A compiled condition: instructions and the pools they index.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// The instructions.
    pub instrs: Vec<Instr>,
    /// Constants referenced by [`Instr::Const`].
    pub consts: Vec<OwnedValue>,
    /// Matchers referenced by [`Instr::Match`] and [`Instr::TermMatch`].
    pub matchers: Vec<Matcher>,
    /// Field lists referenced by [`Instr::AnyOf`].
    pub slot_lists: Vec<Slot>,
    /// The deepest the value stack gets.
    pub max_stack: usize,
}

impl Program {
    /// Returns true when the program is the constant `true`.
    pub fn is_always_true(&self) -> bool {
        matches!(self.instrs.as_slice(), [Instr::Const(i)]
            if matches!(self.consts[*i as usize], OwnedValue::Bool(true)))
    }

    /// Returns true when the program is the constant `false` or `null`.
    pub fn is_never_true(&self) -> bool {
        matches!(self.instrs.as_slice(), [Instr::Const(i)]
            if !matches!(self.consts[*i as usize], OwnedValue::Bool(true)))
    }
}
