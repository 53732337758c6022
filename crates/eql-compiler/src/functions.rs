//! The EQL function library: signatures for checking, and implementations
//! shared by constant folding and the runtime VM.
//!
//! Semantics follow Elasticsearch's string and math processors: string
//! positions count UTF-16 code units, integer arithmetic stays integral,
//! and a null argument gives a null result unless stated otherwise.

use crate::value::Value;
use std::borrow::Cow;
use std::net::IpAddr;

/// A function of the EQL library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `add(a, b)`
    Add,
    /// `subtract(a, b)`
    Subtract,
    /// `multiply(a, b)`
    Multiply,
    /// `divide(a, b)`
    Divide,
    /// `modulo(a, b)`
    Modulo,
    /// `between(source, left, right [, greedy])`
    Between,
    /// `cidrMatch(ip, cidr, ...)`
    CidrMatch,
    /// `concat(value, ...)`
    Concat,
    /// `endsWith(source, suffix)`
    EndsWith,
    /// `indexOf(source, substring [, start])`
    IndexOf,
    /// `length(source)`
    Length,
    /// `number(source [, base])`
    Number,
    /// `startsWith(source, prefix)`
    StartsWith,
    /// `string(value)`
    String,
    /// `stringContains(source, substring)`
    StringContains,
    /// `substring(source, start [, end])`
    Substring,
}

/// The static type of an argument or result, as far as the checker can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// The null literal.
    Null,
    /// A date field: comparable with date constants, rendered as ISO 8601
    /// text by `string()` and `concat()`, and not a string or a number.
    Date,
    /// Not known before run time (a field without a schema).
    Unknown,
}

impl ValueKind {
    /// Returns the kind of a constant.
    pub fn of(value: &Value<'_>) -> ValueKind {
        match value {
            Value::Null => ValueKind::Null,
            Value::Bool(_) => ValueKind::Boolean,
            Value::Int(_) | Value::Float(_) => ValueKind::Number,
            Value::Str(_) => ValueKind::String,
        }
    }

    /// Returns true when a value of this kind may be used where `expected`
    /// is required; null and unknown fit anywhere.
    pub fn fits(self, expected: ValueKind) -> bool {
        matches!(self, ValueKind::Null | ValueKind::Unknown) || self == expected
    }

    /// Returns the Elasticsearch name of the kind, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::Number => "numeric",
            ValueKind::Boolean => "boolean",
            ValueKind::Null => "null",
            ValueKind::Date => "date",
            ValueKind::Unknown => "any",
        }
    }
}

/// The signature of a function: how many arguments it takes and of what kind.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// The canonical camel-case name.
    pub name: &'static str,
    /// Minimum argument count.
    pub min_args: usize,
    /// Maximum argument count; `usize::MAX` for variadic functions.
    pub max_args: usize,
    /// The kind of each positional argument; the last one repeats for
    /// variadic functions. `Unknown` accepts anything.
    pub params: &'static [ValueKind],
    /// The kind of the result.
    pub result: ValueKind,
    /// True when a `~` (case-insensitive) variant exists.
    pub has_insensitive: bool,
}

use ValueKind::{Boolean as B, Number as N, String as S, Unknown as U};

const SIGNATURES: &[(Function, Signature)] = &[
    (Function::Add, sig("add", 2, 2, &[N, N], N, false)),
    (Function::Subtract, sig("subtract", 2, 2, &[N, N], N, false)),
    (Function::Multiply, sig("multiply", 2, 2, &[N, N], N, false)),
    (Function::Divide, sig("divide", 2, 2, &[N, N], N, false)),
    (Function::Modulo, sig("modulo", 2, 2, &[N, N], N, false)),
    (
        Function::Between,
        sig("between", 3, 4, &[S, S, S, B], S, true),
    ),
    (
        Function::CidrMatch,
        sig("cidrMatch", 2, usize::MAX, &[S, S], B, false),
    ),
    (
        Function::Concat,
        sig("concat", 1, usize::MAX, &[U], S, false),
    ),
    (Function::EndsWith, sig("endsWith", 2, 2, &[S, S], B, true)),
    (Function::IndexOf, sig("indexOf", 2, 3, &[S, S, N], N, true)),
    (Function::Length, sig("length", 1, 1, &[S], N, false)),
    (Function::Number, sig("number", 1, 2, &[S, N], N, false)),
    (
        Function::StartsWith,
        sig("startsWith", 2, 2, &[S, S], B, true),
    ),
    (Function::String, sig("string", 1, 1, &[U], S, false)),
    (
        Function::StringContains,
        sig("stringContains", 2, 2, &[S, S], B, true),
    ),
    (
        Function::Substring,
        sig("substring", 2, 3, &[S, N, N], S, false),
    ),
];

const fn sig(
    name: &'static str,
    min_args: usize,
    max_args: usize,
    params: &'static [ValueKind],
    result: ValueKind,
    has_insensitive: bool,
) -> Signature {
    Signature {
        name,
        min_args,
        max_args,
        params,
        result,
        has_insensitive,
    }
}

impl Function {
    /// Looks a function up by name, ignoring case as Elasticsearch does.
    pub fn lookup(name: &str) -> Option<Function> {
        SIGNATURES
            .iter()
            .find(|(_, s)| s.name.eq_ignore_ascii_case(name))
            .map(|(f, _)| *f)
    }

    /// Returns the names of all functions, for "did you mean" hints.
    pub fn names() -> impl Iterator<Item = &'static str> {
        SIGNATURES.iter().map(|(_, s)| s.name)
    }

    /// Returns the function's signature.
    pub fn signature(self) -> &'static Signature {
        SIGNATURES
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, s)| s)
            .expect("every function has a signature")
    }

    /// Returns the expected kind of the argument at `index`.
    pub fn param_kind(self, index: usize) -> ValueKind {
        let params = self.signature().params;
        params
            .get(index)
            .or(params.last())
            .copied()
            .unwrap_or(ValueKind::Unknown)
    }

    /// Applies the function to evaluated arguments.
    ///
    /// Errors that Elasticsearch raises at run time (integer overflow,
    /// division by zero, a string that is not a number) give null here.
    pub fn call<'a>(self, args: &[Value<'a>], insensitive: bool) -> Value<'a> {
        match self {
            Function::Add => arith(ArithKind::Add, &args[0], &args[1]),
            Function::Subtract => arith(ArithKind::Sub, &args[0], &args[1]),
            Function::Multiply => arith(ArithKind::Mul, &args[0], &args[1]),
            Function::Divide => arith(ArithKind::Div, &args[0], &args[1]),
            Function::Modulo => arith(ArithKind::Mod, &args[0], &args[1]),
            Function::Between => between(args, insensitive),
            Function::CidrMatch => cidr_match(args),
            Function::Concat => concat(args),
            Function::EndsWith => string_test(args, insensitive, |s, p| s.ends_with(p)),
            Function::StartsWith => string_test(args, insensitive, |s, p| s.starts_with(p)),
            Function::StringContains => string_contains(args, insensitive),
            Function::IndexOf => index_of(args, insensitive),
            Function::Length => match &args[0] {
                Value::Str(s) => Value::Int(utf16_len(s) as i64),
                _ => Value::Null,
            },
            Function::Number => number(args),
            Function::String => match &args[0] {
                Value::Null => Value::Null,
                Value::Str(s) => Value::Str(s.clone()),
                other => Value::Str(Cow::Owned(other.to_string())),
            },
            Function::Substring => substring(args),
        }
    }
}

/// The arithmetic operations shared by operators and functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithKind {
    /// Addition.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
    /// Division; integer division truncates toward zero.
    Div,
    /// Remainder with the sign of the dividend.
    Mod,
}

/// Applies an arithmetic operation with Elasticsearch's typing: integers
/// stay integers (checked), any double operand makes the result a double.
///
/// A null or non-numeric operand, an integer overflow, or an integer
/// division by zero gives null.
pub fn arith<'a>(op: ArithKind, left: &Value<'_>, right: &Value<'_>) -> Value<'a> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => {
            let result = match op {
                ArithKind::Add => a.checked_add(*b),
                ArithKind::Sub => a.checked_sub(*b),
                ArithKind::Mul => a.checked_mul(*b),
                ArithKind::Div => a.checked_div(*b),
                ArithKind::Mod => a.checked_rem(*b),
            };
            result.map_or(Value::Null, Value::Int)
        }
        (a, b) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => Value::Float(match op {
                ArithKind::Add => x + y,
                ArithKind::Sub => x - y,
                ArithKind::Mul => x * y,
                ArithKind::Div => x / y,
                ArithKind::Mod => x % y,
            }),
            _ => Value::Null,
        },
    }
}

/// Returns the length of `s` in UTF-16 code units, as Java counts it.
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Folds a string for case-insensitive comparison, borrowing when it is
/// already folded.
///
/// Each character maps to the lower case of its upper case, one character
/// for one, as in the character-by-character comparison of Java that
/// Elasticsearch uses. So `ς`, `σ` and `Σ` fold alike. A character whose
/// upper case has several characters (`ß` to `SS`) stays itself, and only
/// the first character of a longer lower case (`İ` to `i` and a dot) is
/// kept.
pub fn fold_case(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.chars().map(fold_char).collect())
    }
}

fn fold_char(c: char) -> char {
    let mut upper = c.to_uppercase();
    let up = match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    };
    up.to_lowercase().next().unwrap_or(up)
}

fn two_strings<'b>(args: &'b [Value<'_>]) -> Option<(&'b str, &'b str)> {
    Some((args[0].as_str()?, args[1].as_str()?))
}

fn string_test<'a>(
    args: &[Value<'_>],
    insensitive: bool,
    test: fn(&str, &str) -> bool,
) -> Value<'a> {
    let Some((source, pattern)) = two_strings(args) else {
        return Value::Null;
    };
    if insensitive {
        Value::Bool(test(&fold_case(source), &fold_case(pattern)))
    } else {
        Value::Bool(test(source, pattern))
    }
}

fn string_contains<'a>(args: &[Value<'_>], insensitive: bool) -> Value<'a> {
    let Some((source, sub)) = two_strings(args) else {
        return Value::Null;
    };
    // Elasticsearch returns false when either string is empty.
    if source.is_empty() || sub.is_empty() {
        return Value::Bool(false);
    }
    string_test(args, insensitive, |s, p| s.contains(p))
}

fn between<'a>(args: &[Value<'a>], insensitive: bool) -> Value<'a> {
    let (Some(source), Some(left), Some(right)) =
        (args[0].as_str(), args[1].as_str(), args[2].as_str())
    else {
        return Value::Null;
    };
    let greedy = matches!(args.get(3), Some(Value::Bool(true)));
    if source.is_empty() || left.is_empty() || right.is_empty() {
        return args[0].clone();
    }
    // Case folding may change byte lengths outside ASCII, so positions found
    // in folded text are only valid for the original when lengths agree.
    let (hay, l, r) = if insensitive {
        (fold_case(source), fold_case(left), fold_case(right))
    } else {
        (
            Cow::Borrowed(source),
            Cow::Borrowed(left),
            Cow::Borrowed(right),
        )
    };
    if hay.len() != source.len() {
        return Value::Null;
    }
    let Some(start) = hay.find(l.as_ref()).map(|i| i + l.len()) else {
        return Value::Str(Cow::Borrowed(""));
    };
    let end = if greedy {
        hay.rfind(r.as_ref()).filter(|&i| i >= start)
    } else {
        hay[start..].find(r.as_ref()).map(|i| i + start)
    };
    match end {
        Some(end) => Value::Str(Cow::Owned(source[start..end].to_string())),
        None => Value::Str(Cow::Borrowed("")),
    }
}

fn concat<'a>(args: &[Value<'_>]) -> Value<'a> {
    let mut out = String::new();
    for arg in args {
        if arg.is_null() {
            return Value::Null;
        }
        out.push_str(&arg.to_string());
    }
    Value::Str(Cow::Owned(out))
}

fn index_of<'a>(args: &[Value<'_>], insensitive: bool) -> Value<'a> {
    let Some((source, sub)) = two_strings(args) else {
        return Value::Null;
    };
    let start = match args.get(2) {
        None | Some(Value::Null) => 0,
        Some(Value::Int(i)) => (*i).max(0) as usize,
        Some(Value::Float(f)) => f.max(0.0) as usize,
        Some(_) => return Value::Null,
    };
    let (hay, needle) = if insensitive {
        (fold_case(source), fold_case(sub))
    } else {
        (Cow::Borrowed(source), Cow::Borrowed(sub))
    };
    let units: Vec<u16> = hay.encode_utf16().collect();
    let needle: Vec<u16> = needle.encode_utf16().collect();
    if needle.is_empty() {
        return if start <= units.len() {
            Value::Int(start as i64)
        } else {
            Value::Null
        };
    }
    if start >= units.len() {
        return Value::Null;
    }
    units[start..]
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .map_or(Value::Null, |i| Value::Int((i + start) as i64))
}

fn number<'a>(args: &[Value<'_>]) -> Value<'a> {
    let Some(text) = args[0].as_str() else {
        return Value::Null;
    };
    let base = match args.get(1) {
        None | Some(Value::Null) => None,
        Some(Value::Int(b)) => Some(*b),
        Some(_) => return Value::Null,
    };
    let trimmed = text.trim();
    let has_hex_prefix = trimmed.starts_with("0x") || trimmed.starts_with("0X");
    let base = base.unwrap_or(if has_hex_prefix { 16 } else { 10 });
    if base == 10 {
        if let Ok(i) = trimmed.parse::<i64>() {
            return Value::Int(i);
        }
        return trimmed.parse::<f64>().map_or(Value::Null, Value::Float);
    }
    if !(2..=36).contains(&base) {
        return Value::Null;
    }
    let digits = if base == 16 && has_hex_prefix {
        &trimmed[2..]
    } else {
        trimmed
    };
    i64::from_str_radix(digits, base as u32).map_or(Value::Null, Value::Int)
}

fn substring<'a>(args: &[Value<'a>]) -> Value<'a> {
    let Some(source) = args[0].as_str() else {
        return Value::Null;
    };
    let position = |v: Option<&Value<'_>>| match v {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Float(f)) => Some(*f as i64),
        _ => None,
    };
    let Some(start) = position(args.get(1)) else {
        return args[0].clone();
    };
    let units: Vec<u16> = source.encode_utf16().collect();
    let len = units.len() as i64;
    let end = position(args.get(2)).unwrap_or(len);
    // Python slice rules: negative positions count from the end, and
    // out-of-range positions clamp to the string.
    let clamp = |p: i64| if p < 0 { (p + len).max(0) } else { p.min(len) };
    let (start, end) = (clamp(start), clamp(end));
    if start >= end {
        return Value::Str(Cow::Borrowed(""));
    }
    Value::Str(Cow::Owned(String::from_utf16_lossy(
        &units[start as usize..end as usize],
    )))
}

fn cidr_match<'a>(args: &[Value<'_>]) -> Value<'a> {
    let Some(text) = args[0].as_str() else {
        return Value::Null;
    };
    let Ok(address) = text.trim().parse::<IpAddr>() else {
        return Value::Bool(false);
    };
    let matched = args[1..]
        .iter()
        .filter_map(|block| block.as_str().and_then(Cidr::parse))
        .any(|cidr| cidr.contains(address));
    Value::Bool(matched)
}

/// A parsed CIDR block such as `10.0.0.0/8` or `fe80::/10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: u128,
    prefix: u32,
    v4: bool,
}

impl Cidr {
    /// Parses `address/prefix`, or a bare address as a single host.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
            None => (text, None),
        };
        let (bits, width, v4) = match addr.trim().parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => (u32::from(a) as u128, 32, true),
            IpAddr::V6(a) => (u128::from(a), 128, false),
        };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return None;
        }
        Some(Cidr {
            network: bits & mask(prefix, width),
            prefix,
            v4,
        })
    }

    /// Returns true when `address` lies in the block. An IPv4-mapped IPv6
    /// address matches IPv4 blocks.
    pub fn contains(&self, address: IpAddr) -> bool {
        let (bits, width) = match address {
            IpAddr::V4(a) if self.v4 => (u32::from(a) as u128, 32),
            IpAddr::V6(a) if self.v4 => match a.to_ipv4_mapped() {
                Some(v4) => (u32::from(v4) as u128, 32),
                None => return false,
            },
            IpAddr::V6(a) => (u128::from(a), 128),
            IpAddr::V4(_) => return false,
        };
        bits & mask(self.prefix, width) == self.network
    }
}

fn mask(prefix: u32, width: u32) -> u128 {
    if prefix == 0 {
        0
    } else {
        let ones = u128::MAX << (128 - prefix);
        ones >> (128 - width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value<'static> {
        Value::Str(Cow::Owned(text.to_string()))
    }

    #[test]
    fn fold_case_maps_char_by_char() {
        assert_eq!(fold_case("ΟΔΟΣ"), fold_case("οδος"));
        assert_eq!(fold_case("οδοσ"), fold_case("οδος"));
        assert_eq!(fold_case("Straße"), "straße");
        assert_eq!(fold_case("İ").chars().count(), 1);
        assert_eq!(fold_case("CMD.exe"), "cmd.exe");
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(Function::lookup("ENDSWITH"), Some(Function::EndsWith));
        assert_eq!(Function::lookup("cidrmatch"), Some(Function::CidrMatch));
        assert_eq!(Function::lookup("match"), None);
    }

    #[test]
    fn modulo_keeps_dividend_sign() {
        assert_eq!(
            arith(ArithKind::Mod, &Value::Int(-10), &Value::Int(-6)),
            Value::Int(-4)
        );
        assert_eq!(
            arith(ArithKind::Mod, &Value::Int(10), &Value::Int(-6)),
            Value::Int(4)
        );
    }

    #[test]
    fn integer_division_truncates() {
        assert_eq!(
            arith(ArithKind::Div, &Value::Int(-7), &Value::Int(2)),
            Value::Int(-3)
        );
        assert!(arith(ArithKind::Div, &Value::Int(1), &Value::Int(0)).is_null());
        assert_eq!(
            arith(ArithKind::Div, &Value::Int(4), &Value::Float(2.0)),
            Value::Float(2.0)
        );
    }

    #[test]
    fn between_greedy_and_lazy() {
        let args = [s("a[b]c[d]e"), s("["), s("]")];
        assert_eq!(Function::Between.call(&args, false), s("b"));
        let greedy = [s("a[b]c[d]e"), s("["), s("]"), Value::Bool(true)];
        assert_eq!(Function::Between.call(&greedy, false), s("b]c[d"));
        let missing = [s("abc"), s("x"), s("c")];
        assert_eq!(Function::Between.call(&missing, false), s(""));
        let insensitive = [s("A-B-C"), s("a-"), s("-c")];
        assert_eq!(Function::Between.call(&insensitive, true), s("B"));
    }

    #[test]
    fn substring_uses_slice_rules() {
        assert_eq!(
            Function::Substring.call(&[s("hello.exe"), Value::Int(-4)], false),
            s(".exe")
        );
        assert_eq!(
            Function::Substring.call(&[s("hello"), Value::Int(1), Value::Int(-1)], false),
            s("ell")
        );
        assert_eq!(
            Function::Substring.call(&[s("hi"), Value::Int(5)], false),
            s("")
        );
    }

    #[test]
    fn string_contains_rejects_empty() {
        assert_eq!(
            Function::StringContains.call(&[s("abc"), s("")], false),
            Value::Bool(false)
        );
        assert_eq!(
            Function::StringContains.call(&[s("aBc"), s("b")], true),
            Value::Bool(true)
        );
        assert_eq!(
            Function::StringContains.call(&[s("aBc"), s("b")], false),
            Value::Bool(false)
        );
    }

    #[test]
    fn index_of_edges() {
        assert_eq!(
            Function::IndexOf.call(&[s("abcabc"), s("c"), Value::Int(3)], false),
            Value::Int(5)
        );
        assert!(Function::IndexOf.call(&[s("abc"), s("z")], false).is_null());
        assert_eq!(
            Function::IndexOf.call(&[s("abc"), s(""), Value::Int(9)], false),
            Value::Null
        );
        assert_eq!(
            Function::IndexOf.call(&[s("abc"), s(""), Value::Int(2)], false),
            Value::Int(2)
        );
    }

    #[test]
    fn number_parses_bases() {
        assert_eq!(
            Function::Number.call(&[s("0x32"), Value::Int(16)], false),
            Value::Int(50)
        );
        assert_eq!(Function::Number.call(&[s("0x32")], false), Value::Int(50));
        assert_eq!(
            Function::Number.call(&[s("  1337  ")], false),
            Value::Int(1337)
        );
        assert_eq!(Function::Number.call(&[s("1.5")], false), Value::Float(1.5));
        assert!(Function::Number.call(&[s("abc")], false).is_null());
    }

    #[test]
    fn cidr_matches_v4_and_v6() {
        let ip = |a: &str, c: &str| Function::CidrMatch.call(&[s(a), s(c)], false);
        assert_eq!(ip("10.1.2.3", "10.0.0.0/8"), Value::Bool(true));
        assert_eq!(ip("11.1.2.3", "10.0.0.0/8"), Value::Bool(false));
        assert_eq!(ip("fe80::1", "fe80::/10"), Value::Bool(true));
        assert_eq!(ip("2001:db8::1", "fe80::/10"), Value::Bool(false));
        assert_eq!(ip("::ffff:10.0.0.1", "10.0.0.0/8"), Value::Bool(true));
        assert_eq!(ip("10.0.0.1", "0.0.0.0/0"), Value::Bool(true));
    }

    #[test]
    fn concat_renders_plain_forms() {
        let args = [s("a"), Value::Int(5), Value::Float(42.5), Value::Bool(true)];
        assert_eq!(Function::Concat.call(&args, false), s("a542.5true"));
        assert!(Function::Concat
            .call(&[s("a"), Value::Null], false)
            .is_null());
    }
}
