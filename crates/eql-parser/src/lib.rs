//! Parser for Elastic's Event Query Language (EQL).
//!
//! [`parse`] turns query text into a [`Statement`], a syntax tree with a
//! byte [`Span`] on every node. Errors carry a [`ParseErrorKind`] and a span;
//! [`ParseError::render`] draws the source line with a caret under it.
//!
//! ```
//! let statement = eql_parser::parse(r#"process where process.name : "cmd.exe""#).unwrap();
//! assert!(matches!(statement.query, eql_parser::ast::Query::Event(_)));
//! ```

#![deny(missing_docs)]

pub mod ast;
mod display;
pub mod error;
mod grammar;

pub use ast::{Span, Statement};
pub use error::{line_column, render_diagnostic, ParseError, ParseErrorKind};

/// The default maximum nesting depth of expressions and brackets.
///
/// Deep enough for every rule in Elastic's detection-rules repository, and
/// shallow enough that the recursive-descent parser, the compiler and the
/// drop of the tree stay far from the end of an 8 MiB thread stack.
pub const DEFAULT_NEST_LIMIT: usize = 128;

/// A configurable parser.
#[derive(Debug, Clone)]
pub struct Parser {
    nest_limit: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser {
            nest_limit: DEFAULT_NEST_LIMIT,
        }
    }
}

impl Parser {
    /// Creates a parser with the default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the maximum nesting depth of parentheses, `not`, operators and
    /// function calls (default [`DEFAULT_NEST_LIMIT`]).
    pub fn nest_limit(mut self, limit: usize) -> Self {
        self.nest_limit = limit;
        self
    }

    /// Parses one EQL statement.
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] pointing at the first syntax error.
    pub fn parse(&self, text: &str) -> Result<Statement, ParseError> {
        grammar::parse_statement(text, self.nest_limit)
    }
}

/// Parses one EQL statement with the default options.
///
/// # Errors
///
/// Returns a [`ParseError`] pointing at the first syntax error.
pub fn parse(text: &str) -> Result<Statement, ParseError> {
    Parser::new().parse(text)
}
