//! Helpers shared by the parser's integration tests.

use eql_parser::ast::{
    Category, EventFilter, Expr, ExprKind, FieldRef, Literal, Query, Span, Stage, Statement,
};

/// Parses `text`, panicking with the rendered error when it fails.
pub fn parse_ok(text: &str) -> Statement {
    match eql_parser::parse(text) {
        Ok(statement) => statement,
        Err(error) => panic!("failed to parse:\n{}", error.render(text)),
    }
}

/// Parses `text`, panicking when it succeeds.
pub fn parse_err(text: &str) -> eql_parser::ParseError {
    match eql_parser::parse(text) {
        Ok(statement) => panic!("expected an error for {text:?}, got {statement}"),
        Err(error) => error,
    }
}

/// Returns the condition of an event query.
pub fn condition(statement: &Statement) -> &Expr {
    match &statement.query {
        Query::Event(filter) => &filter.condition,
        other => panic!("expected an event query, got {other:?}"),
    }
}

/// Parses `any where CONDITION` and returns the condition as an
/// S-expression, which shows the structure of the tree at a glance.
pub fn tree(condition_text: &str) -> String {
    let statement = parse_ok(&format!("any where {condition_text}"));
    sexp(condition(&statement))
}

/// Renders an expression as an S-expression: `(and a (== b 1))`.
pub fn sexp(expr: &Expr) -> String {
    let list = |items: &[Expr]| {
        let items: Vec<String> = items.iter().map(sexp).collect();
        format!("[{}]", items.join(" "))
    };
    match &expr.kind {
        ExprKind::Literal(Literal::String(text)) => format!("{text:?}"),
        ExprKind::Literal(Literal::Float(value)) => format!("{value:?}f"),
        ExprKind::Literal(literal) => literal.to_string(),
        ExprKind::Field(field) => field.to_string(),
        ExprKind::Not(inner) => format!("(not {})", sexp(inner)),
        ExprKind::Neg(inner) => format!("(neg {})", sexp(inner)),
        ExprKind::Paren(inner) => format!("(paren {})", sexp(inner)),
        ExprKind::And(left, right) => format!("(and {} {})", sexp(left), sexp(right)),
        ExprKind::Or(left, right) => format!("(or {} {})", sexp(left), sexp(right)),
        ExprKind::Compare { op, left, right } => {
            format!("({op} {} {})", sexp(left), sexp(right))
        }
        ExprKind::Arith { op, left, right } => format!("({op} {} {})", sexp(left), sexp(right)),
        ExprKind::In {
            expr,
            list: items,
            insensitive,
            negated,
        } => {
            let not = if *negated { "not " } else { "" };
            let tilde = if *insensitive { "~" } else { "" };
            format!("({not}in{tilde} {} {})", sexp(expr), list(items))
        }
        ExprKind::Match { op, expr, patterns } => {
            format!("({op} {} {})", sexp(expr), list(patterns))
        }
        ExprKind::Call {
            name,
            insensitive,
            args,
            ..
        } => {
            let tilde = if *insensitive { "~" } else { "" };
            format!("(call {name}{tilde} {})", list(args))
        }
    }
}

/// Sets every span in `statement` to zero, so that trees parsed from
/// different texts can be compared.
pub fn clear_spans(statement: &mut Statement) {
    statement.span = Span::default();
    match &mut statement.query {
        Query::Event(filter) => clear_filter(filter),
        Query::Sequence(sequence) => {
            sequence.span = Span::default();
            sequence.by.iter_mut().for_each(clear_field);
            if let Some(maxspan) = &mut sequence.maxspan {
                maxspan.span = Span::default();
            }
            sequence.stages.iter_mut().for_each(clear_stage);
            if let Some(until) = &mut sequence.until {
                clear_stage(until);
            }
        }
        Query::Sample(sample) => {
            sample.span = Span::default();
            sample.by.iter_mut().for_each(clear_field);
            sample.stages.iter_mut().for_each(clear_stage);
        }
    }
    for pipe in &mut statement.pipes {
        pipe.span = Span::default();
        pipe.name_span = Span::default();
        pipe.args.iter_mut().for_each(clear_expr);
    }
}

fn clear_stage(stage: &mut Stage) {
    stage.span = Span::default();
    clear_filter(&mut stage.filter);
    stage.by.iter_mut().for_each(clear_field);
    if let Some(runs) = &mut stage.runs {
        runs.span = Span::default();
    }
}

fn clear_filter(filter: &mut EventFilter) {
    filter.span = Span::default();
    filter.category_span = Span::default();
    clear_expr(&mut filter.condition);
}

fn clear_field(field: &mut FieldRef) {
    field.span = Span::default();
}

/// Clears the spans of an expression with an explicit stack, so that a
/// tree thousands of levels deep does not exhaust a test thread's stack.
pub fn clear_expr(expr: &mut Expr) {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        expr.span = Span::default();
        match &mut expr.kind {
            ExprKind::Literal(_) => {}
            ExprKind::Field(field) => clear_field(field),
            ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::Paren(inner) => {
                stack.push(inner)
            }
            ExprKind::And(left, right)
            | ExprKind::Or(left, right)
            | ExprKind::Compare { left, right, .. }
            | ExprKind::Arith { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            ExprKind::In { expr, list, .. } => {
                stack.push(expr);
                stack.extend(list.iter_mut());
            }
            ExprKind::Match { expr, patterns, .. } => {
                stack.push(expr);
                stack.extend(patterns.iter_mut());
            }
            ExprKind::Call {
                name_span, args, ..
            } => {
                *name_span = Span::default();
                stack.extend(args.iter_mut());
            }
        }
    }
}

/// Parses `text`, prints the tree, parses the printed text, and checks
/// that both trees are equal apart from spans and that printing is stable.
/// Returns the printed text.
pub fn assert_round_trip(text: &str) -> String {
    let mut first = parse_ok(text);
    let printed = first.to_string();
    let mut second = match eql_parser::parse(&printed) {
        Ok(statement) => statement,
        Err(error) => panic!(
            "printed text does not parse\noriginal: {text}\nprinted:\n{}",
            error.render(&printed)
        ),
    };
    let reprinted = second.to_string();
    clear_spans(&mut first);
    clear_spans(&mut second);
    assert_eq!(
        first, second,
        "trees differ\noriginal: {text}\nprinted: {printed}"
    );
    assert_eq!(printed, reprinted, "printing is not stable for {text}");
    printed
}

/// Returns the category of an event filter as text, for short assertions.
pub fn category_name(filter: &EventFilter) -> String {
    match &filter.category {
        Category::Any => "any".to_owned(),
        Category::Named(name) => name.clone(),
    }
}
