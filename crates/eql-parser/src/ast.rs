//! The source-faithful syntax tree of an EQL statement.
//!
//! Every node carries the byte [`Span`] of the text it was parsed from, so
//! later stages can point at the exact place of an error. The tree keeps
//! what the user wrote (`!=` stays `!=`, `x : ("a", "b")` stays one node);
//! normalization is the compiler's job.

use std::fmt;

/// A half-open byte range `start..end` into the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

impl Span {
    /// Creates a span from two byte offsets.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Returns the smallest span that covers both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A whole statement: one query followed by its pipes.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The event, sequence or sample query.
    pub query: Query,
    /// The `| head N` / `| tail N` pipes, in source order.
    pub pipes: Vec<Pipe>,
    /// The span of the whole statement.
    pub span: Span,
}

/// The query part of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `<category> where <condition>`.
    Event(EventFilter),
    /// `sequence ...`.
    Sequence(Sequence),
    /// `sample ...`.
    Sample(Sample),
}

/// The event category before `where`.
#[derive(Debug, Clone, PartialEq)]
pub enum Category {
    /// `any`: every event, including events without a category.
    Any,
    /// A named category, written as an identifier or a quoted string.
    Named(String),
}

/// `<category> where <condition>`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFilter {
    /// The category to match.
    pub category: Category,
    /// The span of the category token.
    pub category_span: Span,
    /// The condition after `where`.
    pub condition: Expr,
    /// The span of the whole filter.
    pub span: Span,
}

/// A `maxspan` duration as written, such as `1s` or `500ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxSpan {
    /// The number before the unit.
    pub value: u64,
    /// The time unit.
    pub unit: TimeUnit,
    /// The span of the value and unit.
    pub span: Span,
}

impl MaxSpan {
    /// Returns the duration in nanoseconds, saturating on overflow.
    pub fn as_nanos(&self) -> i64 {
        let nanos = (self.value as i128) * self.unit.nanos() as i128;
        nanos.min(i64::MAX as i128) as i64
    }
}

/// A time unit accepted by `maxspan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// `ms`
    Millis,
    /// `s`
    Seconds,
    /// `m`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
}

impl TimeUnit {
    /// Returns the length of one unit in nanoseconds.
    pub fn nanos(self) -> i64 {
        match self {
            TimeUnit::Millis => 1_000_000,
            TimeUnit::Seconds => 1_000_000_000,
            TimeUnit::Minutes => 60_000_000_000,
            TimeUnit::Hours => 3_600_000_000_000,
            TimeUnit::Days => 86_400_000_000_000,
        }
    }

    /// Returns the unit suffix as written in EQL.
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Millis => "ms",
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }
}

/// `sequence [by k, ...] [with maxspan=N] stage stage ... [until stage]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    /// Join keys shared by every stage (`sequence by ...`).
    pub by: Vec<FieldRef>,
    /// The `with maxspan=` window, if any.
    pub maxspan: Option<MaxSpan>,
    /// The stages in order, missing-event stages included.
    pub stages: Vec<Stage>,
    /// The `until` stage, if any.
    pub until: Option<Stage>,
    /// The span of the whole sequence.
    pub span: Span,
}

/// `sample [by k, ...] stage stage ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Join keys shared by every stage (`sample by ...`).
    pub by: Vec<FieldRef>,
    /// The stages in order.
    pub stages: Vec<Stage>,
    /// The span of the whole sample.
    pub span: Span,
}

/// One bracketed term of a sequence or sample: `[filter] [by ...] [with runs=N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The filter inside the brackets.
    pub filter: EventFilter,
    /// The stage's own join keys, appended after the shared ones.
    pub by: Vec<FieldRef>,
    /// `with runs=N`: the stage repeats N times.
    pub runs: Option<Runs>,
    /// True for a missing-event stage written `![ ... ]`.
    pub missing: bool,
    /// The span from the opening bracket to the end of the stage.
    pub span: Span,
}

/// A `with runs=N` clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runs {
    /// The repetition count as written.
    pub count: u64,
    /// The span of the clause.
    pub span: Span,
}

/// A pipe such as `| head 5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// The pipe name as written (`head`, `tail`, or an unsupported name).
    pub name: String,
    /// The span of the name.
    pub name_span: Span,
    /// The arguments.
    pub args: Vec<Expr>,
    /// The span of the whole pipe, from `|` to its last argument.
    pub span: Span,
}

/// A field reference such as `process.name`, `?user.id` or `` `my-field` ``.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The dotted path, one element per segment, without back-quotes.
    pub path: Vec<String>,
    /// True when written with a leading `?` (an optional field).
    pub optional: bool,
    /// The span of the reference, including `?` and back-quotes.
    pub span: Span,
}

impl FieldRef {
    /// Returns the path joined with dots, as Elasticsearch names a field.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The kind of expression.
    pub kind: ExprKind,
    /// The place it was written.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// An integer literal that fits in 64 bits.
    Int(i64),
    /// A decimal literal, or an integer too large for 64 bits.
    Float(f64),
    /// A string after escape processing.
    String(String),
}

/// A binary comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// A pattern operator whose right side is one constant or a list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `:`: case-insensitive equality, or a wildcard match when the
    /// pattern contains `*` or `?`.
    Colon,
    /// `like`: case-sensitive wildcard match.
    Like,
    /// `like~`: case-insensitive wildcard match.
    LikeInsensitive,
    /// `regex`: case-sensitive whole-string regular expression.
    Regex,
    /// `regex~`: case-insensitive whole-string regular expression.
    RegexInsensitive,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal constant.
    Literal(Literal),
    /// A field reference.
    Field(FieldRef),
    /// `not e`.
    Not(Box<Expr>),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// `a OP b` for `== != < <= > >=`.
    Compare {
        /// The operator.
        op: CompareOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `a OP b` for `+ - * / %`.
    Arith {
        /// The operator.
        op: ArithOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// Unary minus `-e`. A unary plus is dropped by the parser.
    Neg(Box<Expr>),
    /// `e in (...)`, `e in~ (...)`, `e not in (...)`, `e not in~ (...)`.
    In {
        /// The tested value.
        expr: Box<Expr>,
        /// The list elements.
        list: Vec<Expr>,
        /// True for `in~`.
        insensitive: bool,
        /// True for `not in`.
        negated: bool,
    },
    /// `e : p`, `e like p`, `e regex p` and their list and `~` forms.
    Match {
        /// The operator.
        op: MatchOp,
        /// The tested value.
        expr: Box<Expr>,
        /// The patterns; one element unless a list was written.
        patterns: Vec<Expr>,
    },
    /// A function call `name(args)` or `name~(args)`.
    Call {
        /// The function name as written, without `~`.
        name: String,
        /// The span of the name (and `~`).
        name_span: Span,
        /// True when written with `~` (case-insensitive variant).
        insensitive: bool,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A parenthesized expression, kept so that printing is faithful.
    Paren(Box<Expr>),
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "==",
            CompareOp::NotEq => "!=",
            CompareOp::Lt => "<",
            CompareOp::LtEq => "<=",
            CompareOp::Gt => ">",
            CompareOp::GtEq => ">=",
        })
    }
}

impl fmt::Display for ArithOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        })
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchOp::Colon => ":",
            MatchOp::Like => "like",
            MatchOp::LikeInsensitive => "like~",
            MatchOp::Regex => "regex",
            MatchOp::RegexInsensitive => "regex~",
        })
    }
}
