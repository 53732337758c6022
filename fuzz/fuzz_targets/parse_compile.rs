//! Parses arbitrary UTF-8 and compiles every statement that parses. The
//! compiler must reject what it cannot compile with an error, never with a
//! panic.

#![no_main]

use eql_compiler::{Compiler, FieldTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(statement) = eql_parser::parse(text) {
        let mut fields = FieldTable::new();
        let _ = Compiler::new(&mut fields, None).compile(&statement, text);
    }
});
