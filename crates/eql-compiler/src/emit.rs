//! Code generation: a normalized expression tree to predicate bytecode.

use crate::functions::Function;
use crate::lower::Node;
use crate::matcher::{MatchMode, Matcher};
use crate::program::{CompareKind, Instr, Program, Slot};
use crate::value::OwnedValue;

/// Emits the bytecode of a condition.
///
/// `and`/`or`/`not` become jumps and logic instructions; every other node
/// is a leaf test, emitted as [`Instr::TermMatch`], [`Instr::FieldIsNull`]
/// or an [`Instr::AnyOf`] block around its value computation.
pub(crate) fn emit_condition(node: &Node) -> Result<Program, crate::matcher::PatternError> {
    let mut emitter = Emitter {
        program: Program::default(),
        depth: 0,
    };
    emitter.logic(node)?;
    Ok(emitter.program)
}

struct Emitter {
    program: Program,
    depth: usize,
}

impl Emitter {
    fn push(&mut self, instr: Instr) -> usize {
        self.program.instrs.push(instr);
        self.program.instrs.len() - 1
    }

    fn grow(&mut self, by: isize) {
        self.depth = (self.depth as isize + by).max(0) as usize;
        self.program.max_stack = self.program.max_stack.max(self.depth);
    }

    fn constant(&mut self, value: OwnedValue) -> u32 {
        if let Some(i) = self.program.consts.iter().position(|c| {
            c == &value && std::mem::discriminant(c) == std::mem::discriminant(&value)
        }) {
            return i as u32;
        }
        self.program.consts.push(value);
        (self.program.consts.len() - 1) as u32
    }

    fn matcher(
        &mut self,
        mode: MatchMode,
        patterns: &[OwnedValue],
    ) -> Result<u32, crate::matcher::PatternError> {
        self.program.matchers.push(Matcher::new(mode, patterns)?);
        Ok((self.program.matchers.len() - 1) as u32)
    }

    fn logic(&mut self, node: &Node) -> Result<(), crate::matcher::PatternError> {
        match node {
            Node::And(a, b) | Node::Or(a, b) => {
                let is_and = matches!(node, Node::And(..));
                self.logic(a)?;
                let jump = self.push(if is_and {
                    Instr::JumpIfFalse(0)
                } else {
                    Instr::JumpIfTrue(0)
                });
                self.logic(b)?;
                self.push(if is_and { Instr::And } else { Instr::Or });
                self.grow(-1);
                let target = self.program.instrs.len() as u32;
                self.program.instrs[jump] = if is_and {
                    Instr::JumpIfFalse(target)
                } else {
                    Instr::JumpIfTrue(target)
                };
            }
            // A negated computed test stays one leaf, so that on arrays it
            // holds when some value combination fails the test, as
            // Elasticsearch evaluates its scripts per value.
            Node::Not(inner) if is_script(inner) => self.leaf(node)?,
            Node::Not(inner) => {
                self.logic(inner)?;
                self.push(Instr::Not);
            }
            Node::Const(value) => {
                let index = self.constant(value.clone());
                self.push(Instr::Const(index));
                self.grow(1);
            }
            leaf => self.leaf(leaf)?,
        }
        Ok(())
    }

    fn leaf(&mut self, node: &Node) -> Result<(), crate::matcher::PatternError> {
        match node {
            Node::Match(mode, subject, patterns) if matches!(**subject, Node::Field(_)) => {
                let Node::Field(slot) = **subject else {
                    unreachable!("guarded by the match arm")
                };
                let matcher = self.matcher(*mode, patterns)?;
                self.push(Instr::TermMatch { slot, matcher });
                self.grow(1);
                return Ok(());
            }
            Node::Compare(CompareKind::Eq, subject, value)
                if matches!(**subject, Node::Field(_)) && matches!(**value, Node::Const(_)) =>
            {
                let (Node::Field(slot), Node::Const(constant)) = (&**subject, &**value) else {
                    unreachable!("guarded by the match arm")
                };
                let matcher = self.matcher(MatchMode::In, std::slice::from_ref(constant))?;
                self.push(Instr::TermMatch {
                    slot: *slot,
                    matcher,
                });
                self.grow(1);
                return Ok(());
            }
            Node::IsNull(subject) if matches!(**subject, Node::Field(_)) => {
                let Node::Field(slot) = **subject else {
                    unreachable!("guarded by the match arm")
                };
                self.push(Instr::FieldIsNull(slot));
                self.grow(1);
                return Ok(());
            }
            _ => {}
        }
        let mut slots = Vec::new();
        collect_slots(node, &mut slots);
        let term = is_term(node);
        let header = self.push(Instr::AnyOf {
            slots_start: self.program.slot_lists.len() as u32,
            slots_len: slots.len() as u32,
            body_len: 0,
            term,
        });
        self.program.slot_lists.extend_from_slice(&slots);
        let saved = self.depth;
        self.value(node)?;
        self.depth = saved;
        self.grow(1);
        let body_len = (self.program.instrs.len() - header - 1) as u32;
        if let Instr::AnyOf { body_len: b, .. } = &mut self.program.instrs[header] {
            *b = body_len;
        }
        Ok(())
    }

    /// Emits code that computes the value of `node` onto the stack.
    fn value(&mut self, node: &Node) -> Result<(), crate::matcher::PatternError> {
        match node {
            Node::Const(value) => {
                let index = self.constant(value.clone());
                self.push(Instr::Const(index));
                self.grow(1);
            }
            Node::Field(slot) => {
                self.push(Instr::Load(*slot));
                self.grow(1);
            }
            Node::Not(inner) => {
                self.value(inner)?;
                self.push(Instr::Not);
            }
            Node::And(a, b) | Node::Or(a, b) => {
                self.value(a)?;
                self.value(b)?;
                self.push(if matches!(node, Node::And(..)) {
                    Instr::And
                } else {
                    Instr::Or
                });
                self.grow(-1);
            }
            Node::Compare(kind, a, b) => {
                self.value(a)?;
                self.value(b)?;
                self.push(Instr::Compare(*kind));
                self.grow(-1);
            }
            Node::OrderedCompare(kind, order, a, b) => {
                self.value(a)?;
                self.value(b)?;
                self.push(Instr::CompareOrdered(*kind, *order));
                self.grow(-1);
            }
            Node::Arith(op, a, b) => {
                self.value(a)?;
                self.value(b)?;
                self.push(Instr::Arith(*op));
                self.grow(-1);
            }
            Node::Neg(a) => {
                self.value(a)?;
                self.push(Instr::Neg);
            }
            Node::IsNull(a) => {
                self.value(a)?;
                self.push(Instr::IsNull);
            }
            Node::DateText(a) => {
                self.value(a)?;
                self.push(Instr::DateText);
            }
            Node::Match(mode, a, patterns) => {
                self.value(a)?;
                let matcher = self.matcher(*mode, patterns)?;
                self.push(Instr::Match(matcher));
            }
            Node::Call(function, insensitive, args) => {
                for arg in args {
                    self.value(arg)?;
                }
                self.push(Instr::Call {
                    function: *function,
                    argc: args.len() as u8,
                    insensitive: *insensitive,
                });
                self.grow(1 - args.len() as isize);
            }
        }
        Ok(())
    }
}

fn collect_slots(node: &Node, out: &mut Vec<Slot>) {
    match node {
        Node::Field(slot) => {
            if !out.contains(slot) {
                out.push(*slot);
            }
        }
        Node::Const(_) => {}
        Node::Not(a)
        | Node::Neg(a)
        | Node::IsNull(a)
        | Node::DateText(a)
        | Node::Match(_, a, _) => collect_slots(a, out),
        Node::And(a, b)
        | Node::Or(a, b)
        | Node::Compare(_, a, b)
        | Node::OrderedCompare(_, _, a, b)
        | Node::Arith(_, a, b) => {
            collect_slots(a, out);
            collect_slots(b, out);
        }
        Node::Call(_, _, args) => args.iter().for_each(|a| collect_slots(a, out)),
    }
}

/// Returns true for leaves that Elasticsearch evaluates as a script:
/// anything but logic, constants, term tests and null tests on a field.
fn is_script(node: &Node) -> bool {
    let logic_or_const = matches!(
        node,
        Node::And(..) | Node::Or(..) | Node::Not(_) | Node::Const(_)
    );
    let field_null_test =
        matches!(node, Node::IsNull(subject) if matches!(**subject, Node::Field(_)));
    !logic_or_const && !field_null_test && !is_term(node)
}

/// Returns true for leaves that Elasticsearch runs as Lucene queries on a
/// field: a missing field makes them false rather than null, so their
/// negation matches events without the field.
fn is_term(node: &Node) -> bool {
    let on_field = |n: &Node| matches!(n, Node::Field(_));
    match node {
        Node::Field(_) => true,
        Node::Match(_, subject, _) => on_field(subject),
        Node::Compare(CompareKind::Eq, subject, value) => {
            on_field(subject) && matches!(**value, Node::Const(_))
        }
        Node::Call(function, _, args) => {
            matches!(
                function,
                Function::CidrMatch
                    | Function::StartsWith
                    | Function::EndsWith
                    | Function::StringContains
            ) && on_field(&args[0])
                && args[1..].iter().all(|a| matches!(a, Node::Const(_)))
        }
        _ => false,
    }
}
