//! The predicate VM: runs a compiled [`Program`] over one [`Event`].

use crate::event::Event;
use eql_compiler::functions::arith;
use eql_compiler::time::format_timestamp;
use eql_compiler::version::{compare_addresses, compare_versions};
use eql_compiler::{
    and, compare_values, negate, or, truth_of, CompareKind, Instr, Order, OwnedValue, Program,
    Slot, Truth, Value,
};
use smallvec::SmallVec;

/// The maximum number of value combinations one leaf test tries when the fields it
/// reads hold arrays; further combinations are not tried.
const MAX_COMBINATIONS: usize = 4096;

type Stack<'a> = SmallVec<[Value<'a>; 16]>;

/// The value index each field of the leaf being run is bound to.
type Bindings = SmallVec<[(Slot, u32); 4]>;

/// Evaluates a condition; only `Truth::True` selects the event.
pub fn evaluate(program: &Program, event: &Event) -> Truth {
    let mut stack = Stack::new();
    run(
        program,
        event,
        0,
        program.instrs.len(),
        &Bindings::new(),
        &mut stack,
    );
    stack.pop().map_or(Truth::Null, |v| truth_of(&v))
}

fn truth_value<'a>(t: Truth) -> Value<'a> {
    match t {
        Truth::True => Value::Bool(true),
        Truth::False => Value::Bool(false),
        Truth::Null => Value::Null,
    }
}

fn pop<'a>(stack: &mut Stack<'a>) -> Value<'a> {
    stack.pop().unwrap_or(Value::Null)
}

fn load<'a>(event: &'a Event, slot: Slot, bindings: &Bindings) -> Value<'a> {
    let values = event.values(slot);
    let index = bindings
        .iter()
        .find(|(s, _)| *s == slot)
        .map_or(0, |(_, i)| *i as usize);
    values.get(index).map_or(Value::Null, OwnedValue::borrowed)
}

fn run<'a>(
    program: &'a Program,
    event: &'a Event,
    start: usize,
    end: usize,
    bindings: &Bindings,
    stack: &mut Stack<'a>,
) {
    let mut pc = start;
    while pc < end {
        match &program.instrs[pc] {
            Instr::Load(slot) => stack.push(load(event, *slot, bindings)),
            Instr::Const(i) => stack.push(program.consts[*i as usize].borrowed()),
            Instr::Compare(kind) => {
                let right = pop(stack);
                let left = pop(stack);
                stack.push(truth_value(compare_values(*kind, &left, &right)));
            }
            Instr::CompareOrdered(kind, order) => {
                let right = pop(stack);
                let left = pop(stack);
                let ordering = match (left.as_str(), right.as_str(), order) {
                    (Some(a), Some(b), Order::Version) => Some(compare_versions(a, b)),
                    (Some(a), Some(b), Order::Ip) => compare_addresses(a, b),
                    _ => None,
                };
                let result = match ordering {
                    Some(order) => Truth::from_bool(match kind {
                        CompareKind::Eq => order.is_eq(),
                        CompareKind::Lt => order.is_lt(),
                        CompareKind::LtEq => order.is_le(),
                        CompareKind::Gt => order.is_gt(),
                        CompareKind::GtEq => order.is_ge(),
                    }),
                    _ => compare_values(*kind, &left, &right),
                };
                stack.push(truth_value(result));
            }
            Instr::Arith(op) => {
                let right = pop(stack);
                let left = pop(stack);
                stack.push(arith(*op, &left, &right));
            }
            Instr::Neg => {
                let value = pop(stack);
                stack.push(negate(&value));
            }
            Instr::Call {
                function,
                argc,
                insensitive,
            } => {
                let at = stack.len().saturating_sub(*argc as usize);
                let args: SmallVec<[Value<'a>; 4]> = stack.drain(at..).collect();
                stack.push(function.call(&args, *insensitive));
            }
            Instr::Match(m) => {
                let value = pop(stack);
                let result = program.matchers[*m as usize].matches(&value);
                stack.push(truth_value(Truth::from_option(result)));
            }
            Instr::DateText => {
                let value = pop(stack);
                stack.push(match value {
                    Value::Int(nanos) => Value::Str(format_timestamp(nanos).into()),
                    other => other,
                });
            }
            Instr::IsNull => {
                let value = pop(stack);
                stack.push(Value::Bool(value.is_null()));
            }
            Instr::Not => {
                let value = pop(stack);
                stack.push(truth_value(!truth_of(&value)));
            }
            Instr::And | Instr::Or => {
                let right = truth_of(&pop(stack));
                let left = truth_of(&pop(stack));
                let result = if matches!(program.instrs[pc], Instr::And) {
                    and(left, right)
                } else {
                    or(left, right)
                };
                stack.push(truth_value(result));
            }
            Instr::JumpIfFalse(target) => {
                if matches!(stack.last(), Some(Value::Bool(false))) {
                    pc = *target as usize;
                    continue;
                }
            }
            Instr::JumpIfTrue(target) => {
                if matches!(stack.last(), Some(Value::Bool(true))) {
                    pc = *target as usize;
                    continue;
                }
            }
            Instr::TermMatch { slot, matcher } => {
                let matcher = &program.matchers[*matcher as usize];
                let hit = event
                    .values(*slot)
                    .iter()
                    .any(|v| matcher.matches(v) == Some(true));
                stack.push(Value::Bool(hit));
            }
            Instr::FieldIsNull(slot) => stack.push(Value::Bool(event.values(*slot).is_empty())),
            Instr::AnyOf {
                slots_start,
                slots_len,
                body_len,
                term,
            } => {
                let slots = &program.slot_lists
                    [*slots_start as usize..(*slots_start + *slots_len) as usize];
                let body = pc + 1..pc + 1 + *body_len as usize;
                let result = any_of(program, event, slots, body.clone(), *term, bindings);
                stack.push(truth_value(result));
                pc = body.end;
                continue;
            }
        }
        pc += 1;
    }
}

/// Runs a leaf body once per combination of the values of `slots` and
/// combines the results: true if any is true.
fn any_of(
    program: &Program,
    event: &Event,
    slots: &[Slot],
    body: std::ops::Range<usize>,
    term: bool,
    outer: &Bindings,
) -> Truth {
    let counts: SmallVec<[usize; 4]> = slots.iter().map(|s| event.values(*s).len()).collect();
    if term && counts.contains(&0) {
        return Truth::False;
    }
    let mut bindings: Bindings = outer.clone();
    let base = bindings.len();
    bindings.extend(slots.iter().map(|s| (*s, 0)));
    let mut saw_false = false;
    let mut saw_null = false;
    for _ in 0..MAX_COMBINATIONS {
        let mut stack = Stack::new();
        run(program, event, body.start, body.end, &bindings, &mut stack);
        match stack.pop().map_or(Truth::Null, |v| truth_of(&v)) {
            Truth::True => return Truth::True,
            Truth::False => saw_false = true,
            Truth::Null => saw_null = true,
        }
        // Advance the odometer over the value indices.
        let mut position = 0;
        loop {
            if position == slots.len() {
                return finish(term, saw_false, saw_null);
            }
            let entry = &mut bindings[base + position];
            entry.1 += 1;
            if (entry.1 as usize) < counts[position].max(1) {
                break;
            }
            entry.1 = 0;
            position += 1;
        }
    }
    finish(term, saw_false, saw_null)
}

fn finish(term: bool, saw_false: bool, saw_null: bool) -> Truth {
    if term || saw_false || !saw_null {
        Truth::False
    } else {
        Truth::Null
    }
}
