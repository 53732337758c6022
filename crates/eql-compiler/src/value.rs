//! Values that expressions compute, and the orderings Elasticsearch uses.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A scalar value: a constant, a field value or an intermediate result.
///
/// Strings borrow from the event where they can, so evaluating a predicate
/// on a field does not copy it.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// A missing field, a JSON `null`, or the result of an operation on null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer (JSON integers, integer arithmetic).
    Int(i64),
    /// A double (JSON decimals, arithmetic with a decimal operand).
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
}

/// A value that owns its string, as stored in events and constant pools.
pub type OwnedValue = Value<'static>;

impl<'a> Value<'a> {
    /// Returns true for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Returns the string slice of a [`Value::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the value as a double when it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Returns a value that borrows from `self`.
    pub fn borrowed(&self) -> Value<'_> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Str(s) => Value::Str(Cow::Borrowed(s)),
        }
    }

    /// Returns a copy that owns its string.
    pub fn into_owned(self) -> OwnedValue {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
        }
    }

    /// Returns the name of the value's type, as used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "long",
            Value::Float(_) => "double",
            Value::Str(_) => "keyword",
        }
    }

    /// Compares two values for `==`: numbers by value, strings exactly.
    ///
    /// Returns `None` when either side is null. Values of unrelated types
    /// are unequal.
    pub fn sql_eq(&self, other: &Value<'_>) -> Option<bool> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Bool(a), Value::Bool(b)) => Some(a == b),
            (Value::Int(a), Value::Int(b)) => Some(a == b),
            (Value::Str(a), Value::Str(b)) => Some(a == b),
            (a, b) => match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => Some(x == y),
                _ => Some(false),
            },
        }
    }

    /// Returns the value as a double when it is a number or a string that
    /// parses as one: Elasticsearch converts a query term to the field's
    /// type, so `pid == "1234"` matches the number 1234 and `code == 5`
    /// matches the keyword "5".
    fn as_number(&self) -> Option<f64> {
        match self {
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            other => other.as_f64(),
        }
    }

    /// Orders two values for `<`, `<=`, `>`, `>=`: numbers numerically,
    /// strings by code point, booleans with false first.
    ///
    /// Returns `None` when either side is null or the types do not compare.
    pub fn sql_cmp(&self, other: &Value<'_>) -> Option<Ordering> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Str(a), Value::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (a, b) => match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => None,
            },
        }
    }

    /// Orders values the way Elasticsearch sorts composite keys: null first,
    /// then booleans (false first), numbers, and strings by UTF-8 bytes.
    pub fn key_cmp(&self, other: &Value<'_>) -> Ordering {
        fn rank(v: &Value<'_>) -> u8 {
            match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Int(_) | Value::Float(_) => 2,
                Value::Str(_) => 3,
            }
        }
        match rank(self).cmp(&rank(other)) {
            Ordering::Equal => self.sql_cmp(other).unwrap_or(Ordering::Equal),
            unequal => unequal,
        }
    }

    /// Converts a JSON scalar into a value; arrays and objects give `None`.
    pub fn from_json(json: &serde_json::Value) -> Option<OwnedValue> {
        Some(match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(Cow::Owned(s.clone())),
            _ => return None,
        })
    }

    /// Converts the value into JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
        }
    }
}

/// Join keys compare by value: an integer equals the same float, so
/// equality and hashing treat integral floats as integers. A string never
/// equals a number here (unlike [`Value::sql_eq`]), so equal values hash
/// alike.
impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits() || a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Int(i), Value::Float(f)) | (Value::Float(f), Value::Int(i)) => *i as f64 == *f,
            _ => false,
        }
    }
}

impl Eq for Value<'_> {}

impl Hash for Value<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => state.write_u8(0),
            Value::Bool(b) => {
                state.write_u8(1);
                b.hash(state);
            }
            Value::Int(i) => {
                state.write_u8(2);
                i.hash(state);
            }
            Value::Float(f) => {
                if f.fract() == 0.0 && *f >= i64::MIN as f64 && *f <= i64::MAX as f64 {
                    state.write_u8(2);
                    (*f as i64).hash(state);
                } else {
                    state.write_u8(3);
                    f.to_bits().hash(state);
                }
            }
            Value::Str(s) => {
                state.write_u8(4);
                s.hash(state);
            }
        }
    }
}

/// Prints the value the way `string()` and `concat()` render it.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&java_double(*x)),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// Formats a double as Java's `Double.toString` does, which is how
/// Elasticsearch's `string()` and `concat()` render it: plain decimals with
/// at least one fractional digit between 10^-3 and 10^7, scientific
/// notation such as `1.0E7` outside that range.
fn java_double(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = x.abs();
    if x == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{x}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

/// A three-valued truth value (Kleene logic), as EQL conditions evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Definitely false.
    False,
    /// Unknown: a comparison involving null.
    Null,
    /// Definitely true.
    True,
}

impl Truth {
    /// Converts a boolean.
    pub fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Converts an optional boolean, with `None` as null.
    pub fn from_option(b: Option<bool>) -> Truth {
        b.map_or(Truth::Null, Truth::from_bool)
    }
}

/// Kleene negation: `not null` is null.
impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::False => Truth::True,
            Truth::Null => Truth::Null,
            Truth::True => Truth::False,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_and_float_keys_are_equal() {
        let a = Value::Int(5);
        let b = Value::Float(5.0);
        assert_eq!(a, b);
        let hash = |v: &Value<'_>| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            v.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&a), hash(&b));
    }

    #[test]
    fn key_order_puts_null_first() {
        let mut keys = [
            Value::Str("doom".into()),
            Value::Int(3),
            Value::Null,
            Value::Str("GTA".into()),
            Value::Bool(false),
        ];
        keys.sort_by(|a, b| a.key_cmp(b));
        let rendered: Vec<String> = keys.iter().map(|v| v.to_string()).collect();
        assert_eq!(rendered, ["null", "false", "3", "GTA", "doom"]);
    }

    #[test]
    fn float_display_follows_java() {
        assert_eq!(Value::Float(42.5).to_string(), "42.5");
        assert_eq!(Value::Float(2.0).to_string(), "2.0");
        assert_eq!(Value::Float(10000000.0).to_string(), "1.0E7");
        assert_eq!(Value::Float(0.0001).to_string(), "1.0E-4");
        assert_eq!(Value::Float(-1.25e-5).to_string(), "-1.25E-5");
        assert_eq!(Value::Float(0.001).to_string(), "0.001");
        assert_eq!(Value::Float(0.0).to_string(), "0.0");
    }

    #[test]
    fn strings_never_equal_numbers_as_keys() {
        assert_ne!(Value::Str("5".into()), Value::Int(5));
        assert_eq!(Value::Str("5".into()).sql_eq(&Value::Int(5)), Some(true));
    }
}
