//! `Display` for the syntax tree, printing canonical EQL.
//!
//! Printing a tree made by the parser and parsing the text again gives an
//! equal tree, apart from spans. The parser keeps every pair of parentheses
//! as [`ExprKind::Paren`], so the printer adds none to such a tree. A tree
//! built by other code may need parentheses to keep its meaning, and the
//! printer adds them there. The reparsed tree then contains extra `Paren`
//! nodes.
//!
//! Chains of `and`, `or` and arithmetic operators, and runs of `not` or `-`,
//! are printed in a loop, as the parser reads them, so they cost no stack.
//! Printing recurses once per bracket, call or list, a depth that the
//! parser's nest limit bounds.

use crate::ast::{
    ArithOp, Category, EventFilter, Expr, ExprKind, FieldRef, Literal, MatchOp, MaxSpan, Pipe,
    Query, Sample, Sequence, Stage, Statement,
};
use crate::grammar::{is_identifier, is_keyword};
use std::fmt::{self, Display, Formatter, Write};

/// Binding strength of each kind of expression, loosest first. A child
/// printed where a stronger level is required gets parentheses.
mod level {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const COMPARE: u8 = 4;
    pub const ADDITIVE: u8 = 5;
    pub const MULTIPLICATIVE: u8 = 6;
    pub const UNARY: u8 = 7;
    pub const PREDICATE: u8 = 8;
    pub const PRIMARY: u8 = 9;
}

/// Returns the binding strength of `expr` as printed.
fn level_of(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Or(..) => level::OR,
        ExprKind::And(..) => level::AND,
        ExprKind::Not(_) => level::NOT,
        ExprKind::Compare { .. } => level::COMPARE,
        ExprKind::Arith { op, .. } if is_additive(*op) => level::ADDITIVE,
        ExprKind::Arith { .. } => level::MULTIPLICATIVE,
        ExprKind::Neg(_) => level::UNARY,
        ExprKind::In { .. } | ExprKind::Match { .. } => level::PREDICATE,
        // A negative number prints with a leading `-`, which the parser
        // reads as a unary minus.
        ExprKind::Literal(Literal::Int(value)) if *value < 0 => level::UNARY,
        ExprKind::Literal(Literal::Float(value)) if value.is_sign_negative() => level::UNARY,
        ExprKind::Literal(_) | ExprKind::Field(_) | ExprKind::Call { .. } | ExprKind::Paren(_) => {
            level::PRIMARY
        }
    }
}

fn is_additive(op: ArithOp) -> bool {
    matches!(op, ArithOp::Add | ArithOp::Sub)
}

/// Writes `expr`, in parentheses when it binds more loosely than `min`.
fn write_expr(f: &mut Formatter<'_>, expr: &Expr, min: u8) -> fmt::Result {
    if level_of(expr) < min {
        f.write_char('(')?;
        write_bare(f, expr)?;
        f.write_char(')')
    } else {
        write_bare(f, expr)
    }
}

/// Writes `expr` without parentheses around it.
fn write_bare(f: &mut Formatter<'_>, expr: &Expr) -> fmt::Result {
    match &expr.kind {
        ExprKind::Literal(literal) => literal.fmt(f),
        ExprKind::Field(field) => field.fmt(f),
        ExprKind::Or(..) => write_chain(f, expr, level::OR),
        ExprKind::And(..) => write_chain(f, expr, level::AND),
        ExprKind::Arith { op, .. } if is_additive(*op) => write_chain(f, expr, level::ADDITIVE),
        ExprKind::Arith { .. } => write_chain(f, expr, level::MULTIPLICATIVE),
        ExprKind::Not(_) => {
            let mut operand = expr;
            while let ExprKind::Not(inner) = &operand.kind {
                f.write_str("not ")?;
                operand = inner;
            }
            write_expr(f, operand, level::NOT)
        }
        ExprKind::Neg(_) => {
            let mut operand = expr;
            while let ExprKind::Neg(inner) = &operand.kind {
                f.write_char('-')?;
                operand = inner;
            }
            write_expr(f, operand, level::UNARY)
        }
        ExprKind::Compare { op, left, right } => {
            write_expr(f, left, level::ADDITIVE)?;
            write!(f, " {op} ")?;
            write_expr(f, right, level::ADDITIVE)
        }
        ExprKind::In {
            expr,
            list,
            insensitive,
            negated,
        } => {
            write_expr(f, expr, level::PRIMARY)?;
            f.write_str(if *negated { " not in" } else { " in" })?;
            f.write_str(if *insensitive { "~ " } else { " " })?;
            write_list(f, list)
        }
        ExprKind::Match { op, expr, patterns } => write_match(f, *op, expr, patterns),
        ExprKind::Call {
            name,
            insensitive,
            args,
            ..
        } => {
            f.write_str(name)?;
            if *insensitive {
                f.write_char('~')?;
            }
            write_list(f, args)
        }
        ExprKind::Paren(inner) => {
            f.write_char('(')?;
            write_expr(f, inner, 0)?;
            f.write_char(')')
        }
    }
}

/// Writes a left-associative chain of operators of one `level`, walking
/// the left spine in a loop instead of recursing.
fn write_chain(f: &mut Formatter<'_>, expr: &Expr, level: u8) -> fmt::Result {
    let mut rights = Vec::new();
    let mut leftmost = expr;
    loop {
        let (op, left, right): (&dyn Display, &Expr, &Expr) = match &leftmost.kind {
            ExprKind::Or(left, right) if level == level::OR => (&"or", left, right),
            ExprKind::And(left, right) if level == level::AND => (&"and", left, right),
            ExprKind::Arith { op, left, right } if level_of(leftmost) == level => (op, left, right),
            _ => break,
        };
        rights.push((op, right));
        leftmost = left;
    }
    write_expr(f, leftmost, level)?;
    for (op, right) in rights.into_iter().rev() {
        write!(f, " {op} ")?;
        write_expr(f, right, level + 1)?;
    }
    Ok(())
}

/// Writes `(a, b, ...)` with each element printed in full.
fn write_list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    f.write_char('(')?;
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        write_expr(f, item, 0)?;
    }
    f.write_char(')')
}

/// Writes `expr OP pattern` or `expr OP (pattern, ...)`.
fn write_match(f: &mut Formatter<'_>, op: MatchOp, expr: &Expr, patterns: &[Expr]) -> fmt::Result {
    write_expr(f, expr, level::PRIMARY)?;
    write!(f, " {op} ")?;
    match patterns {
        [single] if is_inline_pattern(single) => write_expr(f, single, 0),
        _ => write_list(f, patterns),
    }
}

/// Returns true when `pattern` can be printed without a list around it.
///
/// The parser reads a single pattern as signs followed by a primary. A bare
/// parenthesized pattern would read back as a list, so it does not count.
fn is_inline_pattern(pattern: &Expr) -> bool {
    if matches!(pattern.kind, ExprKind::Paren(_)) {
        return false;
    }
    let mut operand = pattern;
    while let ExprKind::Neg(inner) = &operand.kind {
        operand = inner;
    }
    // Below the signs, only a primary may remain. A negative number counts,
    // because it prints as a sign and a primary.
    level_of(operand) == level::PRIMARY || matches!(operand.kind, ExprKind::Literal(_))
}

/// Writes `text` as a double-quoted EQL string with escapes.
fn write_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            c if c.is_control() => write!(f, "\\u{{{:02X}}}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Writes a field segment or category name bare when it is an identifier
/// that is not a keyword, and otherwise with `quote`.
fn write_name(
    f: &mut Formatter<'_>,
    name: &str,
    quote: fn(&mut Formatter<'_>, &str) -> fmt::Result,
) -> fmt::Result {
    if is_identifier(name) && !is_keyword(name) {
        f.write_str(name)
    } else {
        quote(f, name)
    }
}

/// Writes `` `name` `` with each back-quote doubled.
fn write_back_quoted(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    f.write_char('`')?;
    f.write_str(&name.replace('`', "``"))?;
    f.write_char('`')
}

/// Writes `, `-separated join keys after ` by `, if there are any.
fn write_keys(f: &mut Formatter<'_>, keys: &[FieldRef]) -> fmt::Result {
    for (index, key) in keys.iter().enumerate() {
        f.write_str(if index == 0 { " by " } else { ", " })?;
        key.fmt(f)?;
    }
    Ok(())
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(value) => value.fmt(f),
            Literal::Int(value) => value.fmt(f),
            // Debug output is the shortest text that reads back to the same
            // value, and it always has a `.` or an exponent, so it stays a
            // float when reparsed: `1.0`, `0.1`, `1e20`.
            // NOTE: NaN and infinities print as `NaN` and `inf`, which do not
            // parse as numbers; the parser never produces them.
            Literal::Float(value) => write!(f, "{value:?}"),
            Literal::String(text) => write_string(f, text),
        }
    }
}

impl Display for FieldRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.optional {
            f.write_char('?')?;
        }
        for (index, segment) in self.path.iter().enumerate() {
            if index > 0 {
                f.write_char('.')?;
            }
            write_name(f, segment, write_back_quoted)?;
        }
        Ok(())
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 0)
    }
}

impl Display for Category {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Category::Any => f.write_str("any"),
            Category::Named(name) => write_name(f, name, write_string),
        }
    }
}

impl Display for EventFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} where {}", self.category, self.condition)
    }
}

impl Display for MaxSpan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.suffix())
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let open = if self.missing { "![" } else { "[" };
        write!(f, "{open}{}]", self.filter)?;
        write_keys(f, &self.by)?;
        if let Some(runs) = &self.runs {
            write!(f, " with runs={}", runs.count)?;
        }
        Ok(())
    }
}

impl Display for Sequence {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("sequence")?;
        write_keys(f, &self.by)?;
        if let Some(maxspan) = &self.maxspan {
            write!(f, " with maxspan={maxspan}")?;
        }
        for stage in &self.stages {
            write!(f, "\n  {stage}")?;
        }
        if let Some(until) = &self.until {
            write!(f, "\nuntil {until}")?;
        }
        Ok(())
    }
}

impl Display for Sample {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("sample")?;
        write_keys(f, &self.by)?;
        for stage in &self.stages {
            write!(f, "\n  {stage}")?;
        }
        Ok(())
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Query::Event(filter) => filter.fmt(f),
            Query::Sequence(sequence) => sequence.fmt(f),
            Query::Sample(sample) => sample.fmt(f),
        }
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "| {}", self.name)?;
        for (index, arg) in self.args.iter().enumerate() {
            f.write_str(if index == 0 { " " } else { ", " })?;
            write_expr(f, arg, 0)?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.query.fmt(f)?;
        for pipe in &self.pipes {
            write!(f, " {pipe}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{CompareOp, Span};

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    fn field(name: &str) -> Expr {
        expr(ExprKind::Field(FieldRef {
            path: vec![name.to_owned()],
            optional: false,
            span: Span::default(),
        }))
    }

    fn int(value: i64) -> Expr {
        expr(ExprKind::Literal(Literal::Int(value)))
    }

    fn boxed(kind: ExprKind) -> Box<Expr> {
        Box::new(expr(kind))
    }

    fn arith(op: ArithOp, left: Expr, right: Expr) -> Expr {
        expr(ExprKind::Arith {
            op,
            left: Box::new(left),
            right: Box::new(right),
        })
    }

    #[test]
    fn built_trees_get_needed_parentheses() {
        let or = ExprKind::Or(Box::new(field("a")), Box::new(field("b")));
        let and = expr(ExprKind::And(boxed(or), Box::new(field("c"))));
        assert_eq!(and.to_string(), "(a or b) and c");

        let inner = ExprKind::And(Box::new(field("b")), Box::new(field("c")));
        let right_nested = expr(ExprKind::And(Box::new(field("a")), boxed(inner)));
        assert_eq!(right_nested.to_string(), "a and (b and c)");

        let compare = |left, right| ExprKind::Compare {
            op: CompareOp::Eq,
            left: Box::new(left),
            right: Box::new(right),
        };
        let chained = expr(compare(expr(compare(field("a"), field("b"))), field("c")));
        assert_eq!(chained.to_string(), "(a == b) == c");

        let minus = arith(ArithOp::Sub, field("b"), field("c"));
        assert_eq!(
            arith(ArithOp::Sub, field("a"), minus).to_string(),
            "a - (b - c)"
        );
        let sum = arith(ArithOp::Add, field("a"), field("b"));
        assert_eq!(
            arith(ArithOp::Mul, sum, field("c")).to_string(),
            "(a + b) * c"
        );

        let sum = arith(ArithOp::Add, field("a"), field("b"));
        assert_eq!(expr(ExprKind::Neg(Box::new(sum))).to_string(), "-(a + b)");

        let or = ExprKind::Or(Box::new(field("a")), Box::new(field("b")));
        assert_eq!(expr(ExprKind::Not(boxed(or))).to_string(), "not (a or b)");
    }

    #[test]
    fn predicate_bases_must_be_primaries() {
        let negated = expr(ExprKind::In {
            expr: boxed(ExprKind::Neg(Box::new(field("a")))),
            list: vec![int(1)],
            insensitive: false,
            negated: false,
        });
        assert_eq!(negated.to_string(), "(-a) in (1)");
        let negative_literal = expr(ExprKind::In {
            expr: Box::new(int(-5)),
            list: vec![int(1)],
            insensitive: true,
            negated: true,
        });
        assert_eq!(negative_literal.to_string(), "(-5) not in~ (1)");
    }

    #[test]
    fn single_patterns_print_inline_when_they_can() {
        let matching = |pattern: Expr| {
            expr(ExprKind::Match {
                op: MatchOp::Colon,
                expr: Box::new(field("x")),
                patterns: vec![pattern],
            })
            .to_string()
        };
        assert_eq!(matching(int(1)), "x : 1");
        assert_eq!(matching(int(-1)), "x : -1");
        assert_eq!(matching(expr(ExprKind::Neg(Box::new(int(1))))), "x : -1");
        assert_eq!(
            matching(expr(ExprKind::Paren(Box::new(int(1))))),
            "x : ((1))"
        );
        let in_list = expr(ExprKind::In {
            expr: Box::new(field("a")),
            list: vec![int(1)],
            insensitive: false,
            negated: false,
        });
        assert_eq!(matching(in_list), "x : (a in (1))");
    }

    #[test]
    fn literals() {
        assert_eq!(Literal::Float(1.0).to_string(), "1.0");
        assert_eq!(Literal::Float(0.1).to_string(), "0.1");
        assert_eq!(Literal::Float(1e20).to_string(), "1e20");
        assert_eq!(Literal::Float(1.5e-7).to_string(), "1.5e-7");
        assert_eq!(Literal::Int(-3).to_string(), "-3");
        assert_eq!(Literal::Null.to_string(), "null");
        assert_eq!(Literal::Bool(false).to_string(), "false");
        let text = "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{7f}é";
        assert_eq!(
            Literal::String(text.to_owned()).to_string(),
            r#""a\"b\\c\n\r\t\b\f\u{01}\u{7F}é""#
        );
    }

    #[test]
    fn names_are_quoted_when_needed() {
        let reference = FieldRef {
            path: vec![
                "a b".into(),
                "in".into(),
                "x`y".into(),
                "ok".into(),
                "".into(),
            ],
            optional: true,
            span: Span::default(),
        };
        assert_eq!(reference.to_string(), "?`a b`.`in`.`x``y`.ok.``");
        assert_eq!(Category::Any.to_string(), "any");
        assert_eq!(Category::Named("process".into()).to_string(), "process");
        assert_eq!(Category::Named("my-cat".into()).to_string(), "\"my-cat\"");
        assert_eq!(Category::Named("any".into()).to_string(), "\"any\"");
    }
}
