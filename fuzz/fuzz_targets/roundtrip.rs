//! Checks that printing is faithful: when arbitrary UTF-8 parses, printing
//! the statement with `Display` and parsing the output must succeed and
//! give the same tree, apart from spans.

#![no_main]

use eql_parser::ast::{
    EventFilter, Expr, ExprKind, FieldRef, MaxSpan, Pipe, Query, Runs, Sample, Sequence, Stage,
    Statement,
};
use eql_parser::Span;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(statement) = eql_parser::parse(text) else {
        return;
    };
    let printed = statement.to_string();
    let reparsed = match eql_parser::parse(&printed) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!(
            "the printed statement does not parse: {e}\ninput:   {text:?}\nprinted: {printed:?}"
        ),
    };
    let mut expected = statement;
    let mut actual = reparsed;
    clear_statement(&mut expected);
    clear_statement(&mut actual);
    assert!(
        expected == actual,
        "the printed statement parses to a different tree\ninput:   {text:?}\nprinted: {printed:?}\n\
         before:  {expected:?}\nafter:   {actual:?}"
    );
});

// The functions below set every span to `Span::default()`. They destructure
// each struct in full, so a field added to the syntax tree breaks this build
// instead of escaping the comparison.

fn clear_statement(statement: &mut Statement) {
    let Statement { query, pipes, span } = statement;
    *span = Span::default();
    match query {
        Query::Event(filter) => clear_filter(filter),
        Query::Sequence(sequence) => clear_sequence(sequence),
        Query::Sample(sample) => clear_sample(sample),
    }
    pipes.iter_mut().for_each(clear_pipe);
}

fn clear_sequence(sequence: &mut Sequence) {
    let Sequence {
        by,
        maxspan,
        stages,
        until,
        span,
    } = sequence;
    *span = Span::default();
    by.iter_mut().for_each(clear_field);
    if let Some(MaxSpan {
        value: _,
        unit: _,
        span,
    }) = maxspan
    {
        *span = Span::default();
    }
    stages.iter_mut().for_each(clear_stage);
    if let Some(until) = until {
        clear_stage(until);
    }
}

fn clear_sample(sample: &mut Sample) {
    let Sample { by, stages, span } = sample;
    *span = Span::default();
    by.iter_mut().for_each(clear_field);
    stages.iter_mut().for_each(clear_stage);
}

fn clear_stage(stage: &mut Stage) {
    let Stage {
        filter,
        by,
        runs,
        missing: _,
        span,
    } = stage;
    *span = Span::default();
    clear_filter(filter);
    by.iter_mut().for_each(clear_field);
    if let Some(Runs { count: _, span }) = runs {
        *span = Span::default();
    }
}

fn clear_filter(filter: &mut EventFilter) {
    let EventFilter {
        category: _,
        category_span,
        condition,
        span,
    } = filter;
    *category_span = Span::default();
    *span = Span::default();
    clear_expr(condition);
}

fn clear_pipe(pipe: &mut Pipe) {
    let Pipe {
        name: _,
        name_span,
        args,
        span,
    } = pipe;
    *name_span = Span::default();
    *span = Span::default();
    args.iter_mut().for_each(clear_expr);
}

fn clear_field(field: &mut FieldRef) {
    let FieldRef {
        path: _,
        optional: _,
        span,
    } = field;
    *span = Span::default();
}

/// Clears an expression tree. It recurses once per level; the parser
/// bounds the height of a tree, so the stack suffices.
fn clear_expr(expr: &mut Expr) {
    let Expr { kind, span } = expr;
    *span = Span::default();
    match kind {
        ExprKind::Literal(_) => {}
        ExprKind::Field(field) => clear_field(field),
        ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::Paren(inner) => clear_expr(inner),
        ExprKind::And(left, right) | ExprKind::Or(left, right) => {
            clear_expr(left);
            clear_expr(right);
        }
        ExprKind::Compare { op: _, left, right } | ExprKind::Arith { op: _, left, right } => {
            clear_expr(left);
            clear_expr(right);
        }
        ExprKind::In {
            expr,
            list,
            insensitive: _,
            negated: _,
        } => {
            clear_expr(expr);
            list.iter_mut().for_each(clear_expr);
        }
        ExprKind::Match {
            op: _,
            expr,
            patterns,
        } => {
            clear_expr(expr);
            patterns.iter_mut().for_each(clear_expr);
        }
        ExprKind::Call {
            name: _,
            name_span,
            insensitive: _,
            args,
        } => {
            *name_span = Span::default();
            args.iter_mut().for_each(clear_expr);
        }
    }
}
