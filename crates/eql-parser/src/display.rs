//! PLACEHOLDER: Display for the AST, printing canonical EQL.
