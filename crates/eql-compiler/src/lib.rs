//! Compiler from the EQL syntax tree to predicate bytecode and a sequence
//! state machine description.
//!
//! The [`Compiler`] checks what Elasticsearch rejects (unknown functions,
//! wrong arity or argument types, `:` on non-strings, comparisons between
//! fields, bad pipes and sequences), folds constants, applies
//! Elasticsearch's rewrites, and emits each condition as a flat
//! [`Program`] for the runtime's VM. Field paths become slots of a shared
//! [`FieldTable`].
//!
//! ```
//! use eql_compiler::{Compiler, FieldTable};
//! let text = r#"process where process.name : "cmd.exe""#;
//! let statement = eql_parser::parse(text).unwrap();
//! let mut fields = FieldTable::new();
//! let query = Compiler::new(&mut fields, None).compile(&statement, text).unwrap();
//! assert_eq!(query.filters.len(), 1);
//! assert_eq!(fields.len(), 1);
//! ```

#![deny(missing_docs)]

mod compile;
mod emit;
pub mod error;
pub mod fields;
pub mod functions;
mod lower;
pub mod matcher;
pub mod plan;
pub mod program;
pub mod schema;
pub mod time;
pub mod value;
pub mod version;

pub use compile::{Compiler, MAX_RUNS};
pub use error::{CompileError, CompileErrorKind};
pub use fields::FieldTable;
pub use lower::{and, compare_values, negate, or, truth_of};
pub use plan::{
    CompiledQuery, Filter, KeySpec, Limit, QueryPlan, SamplePlan, SequencePlan, StagePlan,
};
pub use program::{CompareKind, Instr, Order, Program, Slot};
pub use schema::{FieldInfo, FieldType, Schema};
pub use value::{OwnedValue, Truth, Value};
