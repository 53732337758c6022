//! Parses arbitrary UTF-8. The parser must return `Ok` or `Err` for every
//! input, so libFuzzer reports a panic, a stack overflow or a timeout as a
//! failure.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = eql_parser::parse(text);
});
