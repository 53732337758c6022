//! Lowering of AST expressions to a normalized tree: type checks, constant
//! folding, and Elasticsearch's rewrites (null tests, `!=` as `not ==`,
//! literals to the right, negation pushed into range comparisons).

use crate::error::{CompileError, CompileErrorKind as Kind};
use crate::fields::FieldTable;
use crate::functions::{arith, ArithKind, Cidr, Function, ValueKind};
use crate::matcher::MatchMode;
use crate::program::{CompareKind, Order, Slot};
use crate::schema::{FieldType, Schema};
use crate::value::{OwnedValue, Truth, Value};
use eql_parser::ast::{ArithOp, CompareOp, Expr, ExprKind, FieldRef, Literal, MatchOp};
use eql_parser::Span;
use std::borrow::Cow;

/// A normalized expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Const(OwnedValue),
    Field(Slot),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Compare(CompareKind, Box<Node>, Box<Node>),
    /// A range comparison on a `version` or `ip` field, which order their
    /// text by version or address rules.
    OrderedCompare(CompareKind, Order, Box<Node>, Box<Node>),
    Arith(ArithKind, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Match(MatchMode, Box<Node>, Vec<OwnedValue>),
    /// A date value (nanoseconds) rendered as ISO 8601 text, for
    /// `string()` and `concat()`.
    DateText(Box<Node>),
    Call(Function, bool, Vec<Node>),
    IsNull(Box<Node>),
}

impl Node {
    fn as_const(&self) -> Option<&OwnedValue> {
        match self {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Returns true when the expression reads a field.
    pub(crate) fn has_field(&self) -> bool {
        match self {
            Node::Const(_) => false,
            Node::Field(_) => true,
            Node::Not(a)
            | Node::Neg(a)
            | Node::IsNull(a)
            | Node::DateText(a)
            | Node::Match(_, a, _) => a.has_field(),
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Compare(_, a, b)
            | Node::OrderedCompare(_, _, a, b)
            | Node::Arith(_, a, b) => a.has_field() || b.has_field(),
            Node::Call(_, _, args) => args.iter().any(Node::has_field),
        }
    }
}

/// A lowered expression with its static kind.
pub(crate) struct Typed {
    pub node: Node,
    pub kind: ValueKind,
}

/// Lowers expressions of one statement.
pub(crate) struct Lowerer<'a> {
    pub fields: &'a mut FieldTable,
    pub schema: Option<&'a Schema>,
    pub source: &'a str,
    /// The event time field and its type, a date even without a schema.
    pub timestamp_field: Option<(&'a str, FieldType)>,
}

fn err(kind: Kind, span: Span, message: impl Into<String>) -> CompileError {
    CompileError::new(kind, span, message)
}

impl Lowerer<'_> {
    fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("?")
    }

    /// Lowers a `where` condition, which must be boolean.
    pub fn condition(&mut self, expr: &Expr) -> Result<Node, CompileError> {
        let typed = self.expr(expr)?;
        if !typed.kind.fits(ValueKind::Boolean) {
            return Err(err(
                Kind::TypeMismatch,
                expr.span,
                format!(
                    "condition [{}] is {}, not boolean; compare it with a value",
                    self.text(expr.span),
                    typed.kind.name()
                ),
            ));
        }
        Ok(push_negation(typed.node, false))
    }

    /// Returns the type of a slot's field: from the schema, or a date for
    /// the event time field.
    fn slot_type(&self, slot: Slot) -> Option<FieldType> {
        let dotted = &self.fields.path(slot).dotted;
        if let Some(t) = self.schema.and_then(|s| s.field_type(dotted)) {
            return Some(t);
        }
        self.timestamp_field
            .filter(|(name, _)| *name == dotted.as_str())
            .map(|(_, field_type)| field_type)
    }

    /// Converts a constant compared with a field to the field's type, as
    /// Elasticsearch converts a query term: dates (with the mapping's
    /// format) to nanoseconds, numbers to text for keyword fields, numeric
    /// text to numbers for numeric fields.
    fn typed_constant(
        &self,
        slot: Slot,
        value: OwnedValue,
        span: Span,
    ) -> Result<OwnedValue, CompileError> {
        let Some(field_type) = self.slot_type(slot) else {
            return Ok(value);
        };
        if value.is_null() {
            return Ok(value);
        }
        let dotted = &self.fields.path(slot).dotted;
        if matches!(field_type, FieldType::Long | FieldType::Double) {
            // Numeric text becomes a number, but a decimal constant stays
            // decimal: `serial_event_id < 4.5` must not become `< 4`.
            let Value::Str(text) = &value else {
                return Ok(value);
            };
            if let Ok(i) = text.trim().parse::<i64>() {
                return Ok(Value::Int(i));
            }
            return text.trim().parse::<f64>().map(Value::Float).map_err(|_| {
                err(
                    Kind::TypeMismatch,
                    span,
                    format!(
                        "[{}] is not a number, but field [{dotted}] is [{}]",
                        self.text(span),
                        field_type.name()
                    ),
                )
            });
        }
        if field_type == FieldType::Ip {
            if let Value::Str(text) = &value {
                if Cidr::parse(text.trim()).is_none() {
                    return Err(err(
                        Kind::TypeMismatch,
                        span,
                        format!(
                            "[{}] is not an IP address or CIDR block, but field [{dotted}] is [ip]",
                            self.text(span)
                        ),
                    ));
                }
            }
            return Ok(value);
        }
        if !field_type.is_date() {
            return Ok(field_type.coerce(value));
        }
        let format = self
            .schema
            .and_then(|s| s.field_info(dotted))
            .and_then(|info| info.format.as_deref());
        let parsed = format
            .and_then(|f| crate::time::DateFormat::from_mapping(f).parse(&value))
            .or_else(|| crate::time::parse_timestamp(&value));
        let nanos = parsed.ok_or_else(|| {
            err(
                Kind::TypeMismatch,
                span,
                format!(
                    "[{}] is not a date; write ISO 8601 such as \"2024-05-14T08:00:00Z\", epoch milliseconds, or the field's format",
                    self.text(span)
                ),
            )
        })?;
        let keep_nanos = field_type == FieldType::DateNanos;
        Ok(Value::Int(crate::time::truncate_to_precision(
            nanos, keep_nanos,
        )))
    }

    /// Resolves a field reference to a slot, or to null for an unmapped
    /// optional field.
    pub fn field(&mut self, field: &FieldRef) -> Result<Typed, CompileError> {
        let dotted = field.dotted();
        if let Some(schema) = self.schema {
            match schema.field_type(&dotted) {
                Some(t) => {
                    let kind = t.value_kind();
                    if t == FieldType::Text {
                        return Err(err(
                            Kind::TypeMismatch,
                            field.span,
                            format!("cannot operate on field [{dotted}] of type [text]: no keyword sub-field defined for exact matches"),
                        ));
                    }
                    let slot = self.fields.intern(&dotted);
                    return Ok(Typed {
                        node: Node::Field(slot),
                        kind,
                    });
                }
                None if field.optional => {
                    return Ok(Typed {
                        node: Node::Const(Value::Null),
                        kind: ValueKind::Null,
                    })
                }
                None => {
                    let hint = schema
                        .suggest(&dotted)
                        .map(|s| format!(", did you mean [{s}]?"))
                        .unwrap_or_else(|| "; write it as ?field if it may be absent".into());
                    return Err(err(
                        Kind::UnknownField,
                        field.span,
                        format!("unknown field [{dotted}]{hint}"),
                    ));
                }
            }
        }
        let slot = self.fields.intern(&dotted);
        let kind = if self.timestamp_field.is_some_and(|(name, _)| name == dotted) {
            ValueKind::Date
        } else {
            ValueKind::Unknown
        };
        Ok(Typed {
            node: Node::Field(slot),
            kind,
        })
    }

    pub fn expr(&mut self, expr: &Expr) -> Result<Typed, CompileError> {
        let typed = match &expr.kind {
            ExprKind::Literal(lit) => {
                let value = literal(lit);
                Typed {
                    kind: ValueKind::of(&value),
                    node: Node::Const(value),
                }
            }
            ExprKind::Field(f) => self.field(f)?,
            ExprKind::Paren(inner) => self.expr(inner)?,
            ExprKind::Not(inner) => {
                let t = self.boolean(inner)?;
                Typed {
                    node: fold(Node::Not(Box::new(t))),
                    kind: ValueKind::Boolean,
                }
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let (l, r) = (self.boolean(a)?, self.boolean(b)?);
                let node = if matches!(expr.kind, ExprKind::And(..)) {
                    Node::And(Box::new(l), Box::new(r))
                } else {
                    Node::Or(Box::new(l), Box::new(r))
                };
                Typed {
                    node: fold(node),
                    kind: ValueKind::Boolean,
                }
            }
            ExprKind::Compare { op, left, right } => self.compare(expr, *op, left, right)?,
            ExprKind::Arith { op, left, right } => {
                let (l, r) = (self.numeric(left)?, self.numeric(right)?);
                Typed {
                    node: fold(Node::Arith(arith_kind(*op), Box::new(l), Box::new(r))),
                    kind: ValueKind::Number,
                }
            }
            ExprKind::Neg(inner) => {
                let t = self.numeric(inner)?;
                Typed {
                    node: fold(Node::Neg(Box::new(t))),
                    kind: ValueKind::Number,
                }
            }
            ExprKind::In {
                expr: subject,
                list,
                insensitive,
                negated,
            } => {
                let subject_node = self.expr(subject)?;
                let mut values = Vec::with_capacity(list.len());
                for item in list {
                    let value = self.constant(item, "an element of [in]")?;
                    let value = match &subject_node.node {
                        Node::Field(slot) => self.typed_constant(*slot, value, item.span)?,
                        _ => value,
                    };
                    values.push(value);
                }
                let ip_field = match &subject_node.node {
                    Node::Field(slot) => self.slot_type(*slot) == Some(FieldType::Ip),
                    _ => false,
                };
                if ip_field && !*insensitive && values.iter().all(|v| v.as_str().is_some()) {
                    let mut args = vec![subject_node.node];
                    args.extend(values.into_iter().map(Node::Const));
                    let test = Node::Call(Function::CidrMatch, false, args);
                    return Ok(Typed {
                        node: if *negated {
                            Node::Not(Box::new(test))
                        } else {
                            test
                        },
                        kind: ValueKind::Boolean,
                    });
                }
                let mode = if *insensitive {
                    MatchMode::InInsensitive
                } else {
                    MatchMode::In
                };
                let node = fold(Node::Match(mode, Box::new(subject_node.node), values));
                let node = if *negated {
                    fold(Node::Not(Box::new(node)))
                } else {
                    node
                };
                Typed {
                    node,
                    kind: ValueKind::Boolean,
                }
            }
            ExprKind::Match {
                op,
                expr: subject,
                patterns,
            } => self.pattern_match(*op, subject, patterns)?,
            ExprKind::Call {
                name,
                name_span,
                insensitive,
                args,
            } => self.call(expr, name, *name_span, *insensitive, args)?,
        };
        Ok(typed)
    }

    fn boolean(&mut self, expr: &Expr) -> Result<Node, CompileError> {
        let t = self.expr(expr)?;
        if !t.kind.fits(ValueKind::Boolean) {
            return Err(err(
                Kind::TypeMismatch,
                expr.span,
                format!(
                    "[{}] is {}, but [and], [or] and [not] need boolean operands",
                    self.text(expr.span),
                    t.kind.name()
                ),
            ));
        }
        Ok(t.node)
    }

    fn numeric(&mut self, expr: &Expr) -> Result<Node, CompileError> {
        let t = self.expr(expr)?;
        if !t.kind.fits(ValueKind::Number) {
            return Err(err(
                Kind::TypeMismatch,
                expr.span,
                format!(
                    "[{}] is {}, but arithmetic needs numbers",
                    self.text(expr.span),
                    t.kind.name()
                ),
            ));
        }
        Ok(t.node)
    }

    fn constant(&mut self, expr: &Expr, role: &str) -> Result<OwnedValue, CompileError> {
        let t = self.expr(expr)?;
        match t.node {
            Node::Const(v) => Ok(v),
            _ => Err(err(
                Kind::NotConstant,
                expr.span,
                format!(
                    "{role} must be a constant, found [{}]",
                    self.text(expr.span)
                ),
            )),
        }
    }

    fn compare(
        &mut self,
        whole: &Expr,
        op: CompareOp,
        left: &Expr,
        right: &Expr,
    ) -> Result<Typed, CompileError> {
        let l = self.expr(left)?;
        let r = self.expr(right)?;
        let boolean = |node| Typed {
            node,
            kind: ValueKind::Boolean,
        };
        // `x == null` and `x != null` are null tests for any expression.
        for (subject, other) in [(&l, &r), (&r, &l)] {
            if matches!(other.node, Node::Const(Value::Null)) {
                let test = fold(Node::IsNull(Box::new(subject.node.clone())));
                return Ok(boolean(match op {
                    CompareOp::Eq => test,
                    CompareOp::NotEq => fold(Node::Not(Box::new(test))),
                    _ => Node::Const(Value::Null),
                }));
            }
        }
        if l.node.has_field() && r.node.has_field() {
            return Err(err(
                Kind::FieldComparison,
                whole.span,
                format!(
                    "comparisons against fields are not supported; offender [{}] in [{}]; compare the field with a constant",
                    self.text(right.span),
                    self.text(whole.span)
                ),
            ));
        }
        // Literals move to the right so that leaves read "field OP constant".
        let (mut left_node, mut right_node, mut op) = (l.node, r.node, op);
        if left_node.as_const().is_some() && right_node.as_const().is_none() {
            std::mem::swap(&mut left_node, &mut right_node);
            op = flip(op);
        }
        // `f == true` is `f`, `f == false` is `not f`, for boolean
        // expressions that are not plain fields (Elasticsearch's
        // boolean-function equality rewrite).
        if let (Node::Const(Value::Bool(b)), true) = (
            &right_node,
            l.kind == ValueKind::Boolean || r.kind == ValueKind::Boolean,
        ) {
            if !matches!(left_node, Node::Field(_) | Node::Const(_))
                && matches!(op, CompareOp::Eq | CompareOp::NotEq)
            {
                let keep = (*b) == (op == CompareOp::Eq);
                let node = if keep {
                    left_node
                } else {
                    Node::Not(Box::new(left_node))
                };
                return Ok(boolean(fold(node)));
            }
        }
        self.lower_comparison(op, left_node, right_node, right.span)
            .map(boolean)
    }

    /// Lowers `left OP right` after the rewrites above, converting a
    /// constant to the type of the field it is compared with and choosing
    /// the comparison that the field type orders by.
    fn lower_comparison(
        &mut self,
        op: CompareOp,
        left_node: Node,
        mut right_node: Node,
        right_span: Span,
    ) -> Result<Node, CompileError> {
        let field_type = match &left_node {
            Node::Field(slot) => self.slot_type(*slot),
            _ => None,
        };
        if let (Node::Field(slot), Node::Const(value)) = (&left_node, &right_node) {
            let typed = self.typed_constant(*slot, value.clone(), right_span)?;
            // An ip field equals a string as an address or a CIDR block, so
            // `==` is a CIDR match (which also ignores IPv6 spelling).
            if field_type == Some(FieldType::Ip)
                && matches!(op, CompareOp::Eq | CompareOp::NotEq)
                && matches!(typed, Value::Str(_))
            {
                let test = Node::Call(
                    Function::CidrMatch,
                    false,
                    vec![left_node, Node::Const(typed)],
                );
                return Ok(if op == CompareOp::NotEq {
                    Node::Not(Box::new(test))
                } else {
                    test
                });
            }
            right_node = Node::Const(typed);
        }
        let (kind, negate) = match op {
            CompareOp::Eq => (CompareKind::Eq, false),
            CompareOp::NotEq => (CompareKind::Eq, true),
            CompareOp::Lt => (CompareKind::Lt, false),
            CompareOp::LtEq => (CompareKind::LtEq, false),
            CompareOp::Gt => (CompareKind::Gt, false),
            CompareOp::GtEq => (CompareKind::GtEq, false),
        };
        let order = match field_type {
            Some(FieldType::Version) => Some(Order::Version),
            Some(FieldType::Ip) => Some(Order::Ip),
            _ => None,
        };
        let node = if let (Some(order), false) = (order, kind == CompareKind::Eq) {
            Node::OrderedCompare(kind, order, Box::new(left_node), Box::new(right_node))
        } else {
            fold(Node::Compare(
                kind,
                Box::new(left_node),
                Box::new(right_node),
            ))
        };
        Ok(if negate {
            fold(Node::Not(Box::new(node)))
        } else {
            node
        })
    }

    fn pattern_match(
        &mut self,
        op: MatchOp,
        subject: &Expr,
        patterns: &[Expr],
    ) -> Result<Typed, CompileError> {
        let s = self.expr(subject)?;
        // `ip` and `version` fields hold text but are not strings to
        // Elasticsearch, which rejects pattern operators on them.
        let field_type = match &s.node {
            Node::Field(slot) => self.slot_type(*slot),
            _ => None,
        };
        if let Some(found @ (FieldType::Ip | FieldType::Version)) = field_type {
            return Err(err(
                Kind::TypeMismatch,
                subject.span,
                format!(
                    "[{op}] needs a string on the left, found [{}] of type [{}]; use [==], or cidrMatch for ip fields",
                    self.text(subject.span),
                    found.name()
                ),
            ));
        }
        if !s.kind.fits(ValueKind::String) {
            return Err(err(
                Kind::TypeMismatch,
                subject.span,
                format!(
                    "[{op}] needs a string on the left, found [{}] ({}); consider using [==] instead",
                    self.text(subject.span),
                    s.kind.name()
                ),
            ));
        }
        let mut values = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let value = self.constant(pattern, &format!("the pattern of [{op}]"))?;
            if !matches!(value, Value::Str(_)) {
                return Err(err(
                    Kind::TypeMismatch,
                    pattern.span,
                    format!(
                        "[{op}] needs string patterns, found [{}]; consider using [==] instead",
                        self.text(pattern.span)
                    ),
                ));
            }
            values.push(value);
        }
        let mode = match op {
            MatchOp::Colon => MatchMode::Colon,
            MatchOp::Like => MatchMode::Like,
            MatchOp::LikeInsensitive => MatchMode::LikeInsensitive,
            MatchOp::Regex => MatchMode::Regex,
            MatchOp::RegexInsensitive => MatchMode::RegexInsensitive,
        };
        if matches!(mode, MatchMode::Regex | MatchMode::RegexInsensitive) {
            for (value, pattern) in values.iter().zip(patterns) {
                if let Some(text) = value.as_str() {
                    if let Err(e) = regex::Regex::new(text) {
                        return Err(err(
                            Kind::InvalidPattern,
                            pattern.span,
                            format!("invalid regular expression [{text}]: {e}"),
                        ));
                    }
                }
            }
        }
        Ok(Typed {
            node: fold(Node::Match(mode, Box::new(s.node), values)),
            kind: ValueKind::Boolean,
        })
    }

    fn call(
        &mut self,
        whole: &Expr,
        name: &str,
        name_span: Span,
        insensitive: bool,
        args: &[Expr],
    ) -> Result<Typed, CompileError> {
        let Some(function) = Function::lookup(name) else {
            let hint = closest_name(name, Function::names())
                .map(|s| format!(", did you mean [{s}]?"))
                .unwrap_or_default();
            return Err(err(
                Kind::UnknownFunction,
                name_span,
                format!("unknown function [{name}]{hint}"),
            ));
        };
        let signature = function.signature();
        if insensitive && !signature.has_insensitive {
            return Err(err(
                Kind::UnknownFunction,
                name_span,
                format!(
                    "function [{}] has no case-insensitive variant; remove the [~]",
                    signature.name
                ),
            ));
        }
        if args.len() < signature.min_args || args.len() > signature.max_args {
            let expected = if signature.max_args == usize::MAX {
                format!("at least {}", signature.min_args)
            } else if signature.min_args == signature.max_args {
                format!("{}", signature.min_args)
            } else {
                format!("{} to {}", signature.min_args, signature.max_args)
            };
            return Err(err(
                Kind::WrongArity,
                whole.span,
                format!(
                    "function [{}] expects {expected} arguments, found {}",
                    signature.name,
                    args.len()
                ),
            ));
        }
        let mut nodes = Vec::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            let t = self.expr(arg)?;
            let expected = function.param_kind(index);
            if expected != ValueKind::Unknown && !t.kind.fits(expected) {
                return Err(err(
                    Kind::TypeMismatch,
                    arg.span,
                    format!(
                        "{} argument of [{}] must be [{}], found [{}] ({})",
                        ordinal(index + 1),
                        self.text(whole.span),
                        expected.name(),
                        self.text(arg.span),
                        t.kind.name()
                    ),
                ));
            }
            if function == Function::CidrMatch && index == 0 {
                if let Node::Field(slot) = &t.node {
                    let found = self.slot_type(*slot);
                    if let Some(found) = found.filter(|f| *f != FieldType::Ip) {
                        return Err(err(
                            Kind::TypeMismatch,
                            arg.span,
                            format!(
                                "first argument of [{}] must be [ip], found [{}] of type [{}]",
                                self.text(whole.span),
                                self.text(arg.span),
                                found.name()
                            ),
                        ));
                    }
                }
            }
            let must_be_constant = match function {
                Function::CidrMatch => index > 0,
                Function::Between => index == 3,
                Function::Number => index == 1,
                _ => false,
            };
            if must_be_constant && t.node.as_const().is_none() {
                return Err(err(
                    Kind::NotConstant,
                    arg.span,
                    format!(
                        "{} argument of [{}] must be a constant, found [{}]",
                        ordinal(index + 1),
                        self.text(whole.span),
                        self.text(arg.span)
                    ),
                ));
            }
            if function == Function::CidrMatch && index > 0 {
                if let Some(Value::Str(block)) = t.node.as_const() {
                    if Cidr::parse(block).is_none() {
                        return Err(err(
                            Kind::InvalidPattern,
                            arg.span,
                            format!(
                                "invalid CIDR block [{block}]; write it as 10.0.0.0/8 or fe80::/10"
                            ),
                        ));
                    }
                }
            }
            // Elasticsearch passes a date to string() and concat() as its
            // ISO 8601 text, not as the number it is stored as.
            let node = if t.kind == ValueKind::Date
                && matches!(function, Function::String | Function::Concat)
            {
                Node::DateText(Box::new(t.node))
            } else {
                t.node
            };
            nodes.push(node);
        }
        Ok(Typed {
            node: fold(Node::Call(function, insensitive, nodes)),
            kind: signature.result,
        })
    }
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        n => format!("{n}th"),
    }
}

/// Returns the candidate closest to `name` when it is close enough to be
/// a likely typo: at most one edit (a swap of two letters counts as one)
/// per four characters, and fewer edits than `name` has characters.
fn closest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 1.max(c.len() / 4) && *d < lower.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn literal(lit: &Literal) -> OwnedValue {
    match lit {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int(*i),
        Literal::Float(f) => Value::Float(*f),
        Literal::String(s) => Value::Str(Cow::Owned(s.clone())),
    }
}

fn arith_kind(op: ArithOp) -> ArithKind {
    match op {
        ArithOp::Add => ArithKind::Add,
        ArithOp::Sub => ArithKind::Sub,
        ArithOp::Mul => ArithKind::Mul,
        ArithOp::Div => ArithKind::Div,
        ArithOp::Mod => ArithKind::Mod,
    }
}

fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::LtEq => CompareOp::GtEq,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::GtEq => CompareOp::LtEq,
        other => other,
    }
}

fn truth_value(t: Truth) -> OwnedValue {
    match t {
        Truth::True => Value::Bool(true),
        Truth::False => Value::Bool(false),
        Truth::Null => Value::Null,
    }
}

/// Returns the truth of a value used as a condition: only `true` is true,
/// null is unknown, anything else false.
pub fn truth_of(value: &Value<'_>) -> Truth {
    match value {
        Value::Bool(true) => Truth::True,
        Value::Null => Truth::Null,
        _ => Truth::False,
    }
}

/// Evaluates a comparison of two values with EQL's null rules.
pub fn compare_values(kind: CompareKind, left: &Value<'_>, right: &Value<'_>) -> Truth {
    use std::cmp::Ordering::*;
    match kind {
        CompareKind::Eq => Truth::from_option(left.sql_eq(right)),
        _ => Truth::from_option(left.sql_cmp(right).map(|o| match kind {
            CompareKind::Lt => o == Less,
            CompareKind::LtEq => o != Greater,
            CompareKind::Gt => o == Greater,
            CompareKind::GtEq => o != Less,
            CompareKind::Eq => o == Equal,
        })),
    }
}

/// Kleene conjunction.
pub fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::False, _) | (_, Truth::False) => Truth::False,
        (Truth::True, Truth::True) => Truth::True,
        _ => Truth::Null,
    }
}

/// Kleene disjunction.
pub fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::True, _) | (_, Truth::True) => Truth::True,
        (Truth::False, Truth::False) => Truth::False,
        _ => Truth::Null,
    }
}

/// Folds a node whose operands are all constants into a constant, and
/// simplifies `and`/`or` with one constant side.
fn fold(node: Node) -> Node {
    match node {
        Node::Not(inner) => match *inner {
            Node::Const(v) => Node::Const(truth_value(!truth_of(&v))),
            Node::Not(x) => *x,
            other => Node::Not(Box::new(other)),
        },
        Node::And(a, b) => match (&*a, &*b) {
            (Node::Const(x), Node::Const(y)) => {
                Node::Const(truth_value(and(truth_of(x), truth_of(y))))
            }
            (Node::Const(Value::Bool(false)), _) | (_, Node::Const(Value::Bool(false))) => {
                Node::Const(Value::Bool(false))
            }
            (Node::Const(Value::Bool(true)), _) => *b,
            (_, Node::Const(Value::Bool(true))) => *a,
            _ => Node::And(a, b),
        },
        Node::Or(a, b) => match (&*a, &*b) {
            (Node::Const(x), Node::Const(y)) => {
                Node::Const(truth_value(or(truth_of(x), truth_of(y))))
            }
            (Node::Const(Value::Bool(true)), _) | (_, Node::Const(Value::Bool(true))) => {
                Node::Const(Value::Bool(true))
            }
            (Node::Const(Value::Bool(false)), _) => *b,
            (_, Node::Const(Value::Bool(false))) => *a,
            _ => Node::Or(a, b),
        },
        Node::Compare(kind, a, b) => match (&*a, &*b) {
            (Node::Const(x), Node::Const(y)) => {
                Node::Const(truth_value(compare_values(kind, x, y)))
            }
            _ => Node::Compare(kind, a, b),
        },
        Node::Arith(op, a, b) => match (&*a, &*b) {
            (Node::Const(x), Node::Const(y)) => Node::Const(arith(op, x, y).into_owned()),
            _ => Node::Arith(op, a, b),
        },
        Node::Neg(a) => match &*a {
            Node::Const(x) => Node::Const(negate(x)),
            _ => Node::Neg(a),
        },
        Node::IsNull(a) => match &*a {
            Node::Const(x) => Node::Const(Value::Bool(x.is_null())),
            _ => Node::IsNull(a),
        },
        Node::Match(mode, a, patterns) => match &*a {
            Node::Const(x) => {
                let result = crate::matcher::Matcher::new(mode, &patterns)
                    .ok()
                    .and_then(|m| m.matches(x));
                Node::Const(truth_value(Truth::from_option(result)))
            }
            _ => Node::Match(mode, a, patterns),
        },
        Node::Call(function, insensitive, args) => {
            if let Some(values) = args.iter().map(Node::as_const).collect::<Option<Vec<_>>>() {
                let values: Vec<Value<'_>> = values.iter().map(|v| v.borrowed()).collect();
                Node::Const(function.call(&values, insensitive).into_owned())
            } else {
                Node::Call(function, insensitive, args)
            }
        }
        other => other,
    }
}

/// Negates a number; null and non-numbers give null.
pub fn negate(value: &Value<'_>) -> OwnedValue {
    match value {
        Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
        Value::Float(f) => Value::Float(-f),
        _ => Value::Null,
    }
}

/// Pushes `not` down through `and`/`or` (De Morgan, exact under Kleene
/// logic) into range comparisons, which become the opposite comparison as
/// in Elasticsearch's optimizer: `not (x > 1)` is `x <= 1`, so it does not
/// match events without `x`.
fn push_negation(node: Node, negated: bool) -> Node {
    match node {
        Node::Not(inner) => push_negation(*inner, !negated),
        Node::And(a, b) => {
            let (a, b) = (push_negation(*a, negated), push_negation(*b, negated));
            if negated {
                Node::Or(Box::new(a), Box::new(b))
            } else {
                Node::And(Box::new(a), Box::new(b))
            }
        }
        Node::Or(a, b) => {
            let (a, b) = (push_negation(*a, negated), push_negation(*b, negated));
            if negated {
                Node::And(Box::new(a), Box::new(b))
            } else {
                Node::Or(Box::new(a), Box::new(b))
            }
        }
        Node::Compare(kind, a, b) if negated && kind != CompareKind::Eq => {
            Node::Compare(opposite(kind), a, b)
        }
        Node::OrderedCompare(kind, order, a, b) if negated => {
            Node::OrderedCompare(opposite(kind), order, a, b)
        }
        other if negated => Node::Not(Box::new(other)),
        other => other,
    }
}

fn opposite(kind: CompareKind) -> CompareKind {
    match kind {
        CompareKind::Lt => CompareKind::GtEq,
        CompareKind::LtEq => CompareKind::Gt,
        CompareKind::Gt => CompareKind::LtEq,
        CompareKind::GtEq => CompareKind::Lt,
        CompareKind::Eq => CompareKind::Eq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_name_suggests_typos_only() {
        let names = || Function::names();
        assert_eq!(closest_name("lenght", names()), Some("length"));
        assert_eq!(closest_name("startwith", names()), Some("startsWith"));
        assert_eq!(closest_name("match", names()), None);
        assert_eq!(closest_name("foo", names()), None);
    }
}
