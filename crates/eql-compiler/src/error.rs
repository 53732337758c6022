//! Compile errors: what Elasticsearch rejects at verification and planning.

use eql_parser::{render_diagnostic, Span};
use std::fmt;

/// The kind of a compile error; each has a stable code for tooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// A function name that the library does not have.
    UnknownFunction,
    /// A function called with too few or too many arguments.
    WrongArity,
    /// An operand or argument of the wrong type.
    TypeMismatch,
    /// A position that needs a constant contains a field or computed value.
    NotConstant,
    /// A comparison with fields on both sides.
    FieldComparison,
    /// An invalid pattern for `regex`, or an invalid CIDR block.
    InvalidPattern,
    /// A pipe other than `head` or `tail`, or a bad pipe argument.
    InvalidPipe,
    /// A malformed sequence or sample: too few stages, join keys of
    /// different arity, missing events without `maxspan`, `runs` out of
    /// range.
    InvalidSequence,
    /// A field that the schema does not know.
    UnknownField,
    /// A construct Elasticsearch does not support.
    Unsupported,
}

impl CompileErrorKind {
    /// Returns the stable code of the kind, such as `E101`.
    pub fn code(self) -> &'static str {
        match self {
            CompileErrorKind::UnknownFunction => "E101",
            CompileErrorKind::WrongArity => "E102",
            CompileErrorKind::TypeMismatch => "E103",
            CompileErrorKind::NotConstant => "E104",
            CompileErrorKind::FieldComparison => "E105",
            CompileErrorKind::InvalidPattern => "E106",
            CompileErrorKind::InvalidPipe => "E107",
            CompileErrorKind::InvalidSequence => "E108",
            CompileErrorKind::UnknownField => "E109",
            CompileErrorKind::Unsupported => "E110",
        }
    }
}

/// A compile error: a kind, a message and the span it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The kind of error.
    pub kind: CompileErrorKind,
    /// The message, naming the offending text and the fix where one exists.
    pub message: String,
    /// The place in the query text.
    pub span: Span,
}

impl CompileError {
    /// Creates an error.
    pub fn new(kind: CompileErrorKind, span: Span, message: impl Into<String>) -> Self {
        CompileError {
            kind,
            message: message.into(),
            span,
        }
    }

    /// Renders the error with the source line and a caret under the span.
    pub fn render(&self, source: &str) -> String {
        render_diagnostic(source, self.span, &self.to_string())
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.kind.code())
    }
}

impl std::error::Error for CompileError {}
