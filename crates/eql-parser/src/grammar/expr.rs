//! Expressions and operator precedence.
//!
//! Operators, from loosest to tightest binding:
//!
//! | precedence | syntax | kind |
//! |---|---|---|
//! | 1 | `a or b` | binary, left-associative |
//! | 2 | `a and b` | binary, left-associative |
//! | 3 | `not a` | prefix |
//! | 4 | `a == b`, `!=`, `<`, `<=`, `>`, `>=` | binary, at most one in a row |
//! | 5 | `a + b`, `a - b` | binary, left-associative |
//! | 6 | `a * b`, `a / b`, `a % b` | binary, left-associative |
//! | 7 | `-a`, `+a` | prefix |
//!
//! Tighter still, a predicate such as `in (...)`, `:`, `like` or `regex`
//! attaches to a single primary. So `not a and b` is `(not a) and b`,
//! `not a == 1` is `not (a == 1)`, and `a + b in (1)` is `a + (b in (1))`.
//!
//! The parser is iterative. It resolves operators with an explicit stack
//! (the shunting-yard method), and the open bracket of a parenthesized
//! expression, a function call or a list is a marker on that stack rather
//! than a recursive call. So no input exhausts the thread's stack while it is
//! parsed, however deep it nests. The nest limit and the tree height limit
//! protect the code that later walks and drops the tree.

use super::operand::{Head, Suffix};
use super::{Ctx, DepthGuard, Label, PResult, MAX_TREE_HEIGHT};
use crate::ast::{ArithOp, CompareOp, Expr, ExprKind, MatchOp, Span};
use crate::error::ParseErrorKind;

/// An expression together with the height of its tree, which bounds the
/// recursion needed to drop or walk it.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) expr: Expr,
    pub(super) height: usize,
}

impl Node {
    pub(super) fn leaf(kind: ExprKind, span: Span) -> Node {
        Node {
            expr: Expr { kind, span },
            height: 1,
        }
    }
}

/// The label recorded wherever an operator could have continued an
/// expression. One label for all operators keeps messages short.
pub(super) const OPERATOR: Label = Label::Text("an operator");

/// The comparison operators, two-character spellings first.
const COMPARE_OPERATORS: [(&str, CompareOp); 6] = [
    ("==", CompareOp::Eq),
    ("!=", CompareOp::NotEq),
    ("<=", CompareOp::LtEq),
    (">=", CompareOp::GtEq),
    ("<", CompareOp::Lt),
    (">", CompareOp::Gt),
];

/// The arithmetic operators.
const ARITH_OPERATORS: [(char, ArithOp); 5] = [
    ('+', ArithOp::Add),
    ('-', ArithOp::Sub),
    ('*', ArithOp::Mul),
    ('/', ArithOp::Div),
    ('%', ArithOp::Mod),
];

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    Or,
    And,
    Compare(CompareOp),
    Arith(ArithOp),
}

impl Binary {
    fn precedence(self) -> u8 {
        match self {
            Binary::Or => 1,
            Binary::And => 2,
            Binary::Compare(_) => 4,
            Binary::Arith(ArithOp::Add | ArithOp::Sub) => 5,
            Binary::Arith(_) => 6,
        }
    }
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Not,
    Minus,
    Plus,
}

impl Prefix {
    fn precedence(self) -> u8 {
        match self {
            Prefix::Not => 3,
            Prefix::Minus | Prefix::Plus => 7,
        }
    }
}

/// The kind of node that an open bracket on the stack becomes when it closes.
enum GroupKind {
    /// `( expr )`.
    Paren,
    /// `name( args )` or `name~( args )`.
    Call {
        name: String,
        name_span: Span,
        insensitive: bool,
    },
    /// `base [not] in[~] ( list )`.
    In {
        base: Node,
        negated: bool,
        insensitive: bool,
    },
    /// `base OP ( patterns )` for `:`, `like` and `regex`.
    MatchList { base: Node, op: MatchOp },
}

/// An entry of the operator stack.
enum Frame<'c> {
    /// A prefix operator, which keeps one level of nesting until applied.
    Prefix {
        operator: Prefix,
        span: Span,
        _guard: DepthGuard<'c>,
    },
    /// A binary operator whose right operand is being read.
    Binary { operator: Binary },
    /// An open bracket with the elements read so far.
    Group {
        kind: GroupKind,
        open: Span,
        elements: Vec<Node>,
        _guard: DepthGuard<'c>,
    },
    /// `base OP` waiting for a single pattern: signs, then one primary.
    Pattern {
        base: Node,
        op: MatchOp,
        signs: Vec<(bool, Span, DepthGuard<'c>)>,
    },
}

/// Where an operand is about to be read, which decides the prefixes
/// allowed before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// A condition may start: `not` and the signs are allowed.
    Boolean,
    /// After a comparison or arithmetic operator: only signs.
    Value,
    /// A single pattern after `:`, `like` or `regex`: signs, then a primary
    /// without a predicate of its own.
    Pattern,
}

/// The next step of the parsing loop.
enum Step {
    /// Reading prefixes and an operand.
    Operand(Position),
    /// A complete primary, which a predicate may follow.
    Primary(Node),
    /// A complete operand, which a binary operator, a comma or a closing
    /// bracket may follow.
    Operator,
    /// The end of the expression.
    Done,
}

/// The state of one expression being parsed.
struct Shunting<'c, 'a> {
    ctx: &'c Ctx<'a>,
    operands: Vec<Node>,
    frames: Vec<Frame<'c>>,
    /// True once any token of the expression has been read, after which a
    /// missing operand is a hard error.
    consumed: bool,
}

impl<'a> Ctx<'a> {
    /// Parses a whole expression.
    pub(super) fn expr(&self, input: &'a str) -> PResult<'a, Node> {
        let mut state = Shunting {
            ctx: self,
            operands: Vec::new(),
            frames: Vec::new(),
            consumed: false,
        };
        state.run(input)
    }

    /// Wraps children of the given heights in a node of `kind`, or fails
    /// with [`ParseErrorKind::TreeTooDeep`] when the tree gets too tall.
    pub(super) fn branch(
        &self,
        kind: ExprKind,
        span: Span,
        children: &[usize],
    ) -> Result<Node, nom::Err<super::Fail>> {
        let height = children.iter().copied().max().unwrap_or(0) + 1;
        if height > MAX_TREE_HEIGHT {
            return Err(self.failure(
                ParseErrorKind::TreeTooDeep {
                    limit: MAX_TREE_HEIGHT,
                },
                span,
            ));
        }
        Ok(Node {
            expr: Expr { kind, span },
            height,
        })
    }

    /// Wraps `operand` in a prefix node whose operator sits at `span`.
    fn prefix_node(
        &self,
        wrap: fn(Box<Expr>) -> ExprKind,
        span: Span,
        operand: Node,
    ) -> Result<Node, nom::Err<super::Fail>> {
        let span = span.to(operand.expr.span);
        self.branch(wrap(Box::new(operand.expr)), span, &[operand.height])
    }

    /// Matches a binary operator, or returns `None` when none follows.
    ///
    /// A lone `=` is an error rather than a mismatch, because users coming
    /// from other languages write it for `==`.
    fn binary_operator(&self, input: &'a str) -> PResult<'a, Option<(Binary, Span)>> {
        for (keyword, operator) in [("or", Binary::Or), ("and", Binary::And)] {
            match self.keyword_quiet(input, keyword) {
                Ok((rest, span)) => return Ok((rest, Some((operator, span)))),
                Err(nom::Err::Error(_)) => {}
                Err(error) => return Err(error),
            }
        }
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        for (symbol, op) in COMPARE_OPERATORS {
            if let Some(rest) = input.strip_prefix(symbol) {
                let span = self.span_from(start, rest);
                return Ok((rest, Some((Binary::Compare(op), span))));
            }
        }
        if input.starts_with('=') {
            let span = Span::new(start, start + 1);
            return Err(self.failure(ParseErrorKind::SingleEquals, span));
        }
        for (symbol, op) in ARITH_OPERATORS {
            if let Some(rest) = input.strip_prefix(symbol) {
                let span = self.span_from(start, rest);
                return Ok((rest, Some((Binary::Arith(op), span))));
            }
        }
        Ok((input, None))
    }

    /// Rejects the Endgame process relationships `child of [...]`,
    /// `descendant of [...]` and `event of [...]`, which Elasticsearch
    /// does not support: any `name of` where a condition starts.
    fn reject_relationship(&self, input: &'a str) -> Result<(), nom::Err<super::Fail>> {
        let (word_input, ()) = self.ws(input)?;
        let Some((word, rest)) = super::lex::split_word(word_input) else {
            return Ok(());
        };
        if super::lex::is_keyword(word) {
            return Ok(());
        }
        match self.keyword_quiet(rest, "of") {
            Ok((_, of_span)) => {
                let span = Span::new(self.offset(word_input), of_span.end);
                Err(self.failure(ParseErrorKind::ProcessRelationship, span))
            }
            Err(nom::Err::Error(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

impl<'c, 'a> Shunting<'c, 'a> {
    /// Runs the parsing loop until the expression is complete.
    fn run(&mut self, mut input: &'a str) -> PResult<'a, Node> {
        let mut step = Step::Operand(Position::Boolean);
        loop {
            let (rest, next) = match step {
                Step::Operand(position) => self.operand(input, position)?,
                Step::Primary(node) => self.after_primary(input, node)?,
                Step::Operator => self.operator(input)?,
                Step::Done => break,
            };
            input = rest;
            step = next;
        }
        while let Some(frame) = self.frames.pop() {
            self.apply(frame)?;
        }
        match self.operands.pop() {
            Some(node) => Ok((input, node)),
            None => Err(self.ctx.expected_error(input, Label::Text("an expression"))),
        }
    }

    /// Reads the prefixes allowed at `position`, then the head of a primary.
    fn operand(&mut self, input: &'a str, position: Position) -> PResult<'a, Step> {
        let (input, boolean) = self.prefixes(input, position)?;
        if boolean {
            self.ctx.reject_relationship(input)?;
        }
        let head = self.ctx.primary_head(input);
        let (rest, head) = if self.consumed {
            Ctx::commit(head)?
        } else {
            head?
        };
        self.consumed = true;
        match head {
            Head::Leaf(node) => Ok((rest, Step::Primary(node))),
            Head::Paren { open } => self.open(rest, GroupKind::Paren, open),
            Head::Call {
                name,
                name_span,
                insensitive,
                open,
            } => {
                let kind = GroupKind::Call {
                    name,
                    name_span,
                    insensitive,
                };
                // A call without arguments closes at once.
                match self.ctx.punct_quiet(rest, ")") {
                    Ok((rest, close)) => {
                        let node = self.close(kind, open, Vec::new(), close)?;
                        Ok((rest, Step::Primary(node)))
                    }
                    Err(nom::Err::Error(_)) => self.open(rest, kind, open),
                    Err(error) => Err(error),
                }
            }
        }
    }

    /// Reads prefix operators and returns whether the operand after them
    /// starts a condition. Each prefix is a level of nesting, so a long run
    /// of `not` or `-` ends at the nest limit.
    fn prefixes(&mut self, mut input: &'a str, position: Position) -> PResult<'a, bool> {
        let mut boolean = position == Position::Boolean;
        loop {
            if boolean {
                match self.ctx.keyword_quiet(input, "not") {
                    Ok((rest, span)) => {
                        let guard = self.ctx.nest(span.start)?;
                        self.frames.push(Frame::Prefix {
                            operator: Prefix::Not,
                            span,
                            _guard: guard,
                        });
                        self.consumed = true;
                        input = rest;
                        continue;
                    }
                    Err(nom::Err::Error(_)) => {}
                    Err(error) => return Err(error),
                }
            }
            let (rest, ()) = self.ctx.ws(input)?;
            let negative = match rest.chars().next() {
                Some('-') => true,
                Some('+') => false,
                _ => return Ok((rest, boolean)),
            };
            let start = self.ctx.offset(rest);
            let span = Span::new(start, start + 1);
            let guard = self.ctx.nest(start)?;
            if position == Position::Pattern {
                if let Some(Frame::Pattern { signs, .. }) = self.frames.last_mut() {
                    signs.push((negative, span, guard));
                }
            } else {
                let operator = if negative {
                    Prefix::Minus
                } else {
                    Prefix::Plus
                };
                self.frames.push(Frame::Prefix {
                    operator,
                    span,
                    _guard: guard,
                });
            }
            self.consumed = true;
            input = &rest[1..];
            // Elasticsearch does not accept `not` after a sign, as in `-not a`.
            boolean = false;
        }
    }

    /// Pushes an open bracket and starts reading its first element.
    fn open(&mut self, input: &'a str, kind: GroupKind, open: Span) -> PResult<'a, Step> {
        let guard = self.ctx.nest(open.start)?;
        self.frames.push(Frame::Group {
            kind,
            open,
            elements: Vec::new(),
            _guard: guard,
        });
        Ok((input, Step::Operand(Position::Boolean)))
    }

    /// Handles a complete primary: it may be the pattern that a `:`, `like`
    /// or `regex` waits for, or it may take a predicate of its own.
    fn after_primary(&mut self, input: &'a str, node: Node) -> PResult<'a, Step> {
        if matches!(self.frames.last(), Some(Frame::Pattern { .. })) {
            if let Some(Frame::Pattern { base, op, signs }) = self.frames.pop() {
                let node = self.finish_pattern(base, op, signs, node)?;
                self.operands.push(node);
            }
            return Ok((input, Step::Operator));
        }
        let (rest, suffix) = self.ctx.predicate_suffix(input)?;
        match suffix {
            None => {
                self.operands.push(node);
                Ok((input, Step::Operator))
            }
            Some(Suffix::In {
                negated,
                insensitive,
            }) => {
                let (rest, open) = Ctx::commit(self.ctx.punct(rest, "("))?;
                let kind = GroupKind::In {
                    base: node,
                    negated,
                    insensitive,
                };
                self.open(rest, kind, open)
            }
            Some(Suffix::Match(op)) => match self.ctx.punct_quiet(rest, "(") {
                Ok((rest, open)) => self.open(rest, GroupKind::MatchList { base: node, op }, open),
                Err(nom::Err::Error(_)) => {
                    self.frames.push(Frame::Pattern {
                        base: node,
                        op,
                        signs: Vec::new(),
                    });
                    Ok((rest, Step::Operand(Position::Pattern)))
                }
                Err(error) => Err(error),
            },
        }
    }

    /// Builds `base OP pattern` from a single pattern and its signs.
    fn finish_pattern(
        &self,
        base: Node,
        op: MatchOp,
        signs: Vec<(bool, Span, DepthGuard<'c>)>,
        mut pattern: Node,
    ) -> Result<Node, nom::Err<super::Fail>> {
        for (negative, span, _guard) in signs.into_iter().rev() {
            if negative {
                pattern = self.ctx.prefix_node(ExprKind::Neg, span, pattern)?;
            }
        }
        let span = base.expr.span.to(pattern.expr.span);
        let heights = [base.height, pattern.height];
        let kind = ExprKind::Match {
            op,
            expr: Box::new(base.expr),
            patterns: vec![pattern.expr],
        };
        self.ctx.branch(kind, span, &heights)
    }

    /// Reads what follows a complete operand: a binary operator, or a comma
    /// or closing bracket of the innermost open bracket, or nothing.
    fn operator(&mut self, input: &'a str) -> PResult<'a, Step> {
        let (rest, binary) = self.ctx.binary_operator(input)?;
        if let Some((operator, span)) = binary {
            self.push_binary(operator, span)?;
            let position = match operator {
                Binary::Or | Binary::And => Position::Boolean,
                _ => Position::Value,
            };
            return Ok((rest, Step::Operand(position)));
        }
        let group = self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Group { kind, .. } => Some(matches!(kind, GroupKind::Paren)),
            _ => None,
        });
        let Some(is_paren) = group else {
            self.ctx.note_expected(input, OPERATOR)?;
            return Ok((input, Step::Done));
        };
        self.reduce_operators()?;
        if !is_paren {
            match self.ctx.punct_quiet(input, ",") {
                Ok((rest, _)) => {
                    self.push_element();
                    return Ok((rest, Step::Operand(Position::Boolean)));
                }
                Err(nom::Err::Error(_)) => {}
                Err(error) => return Err(error),
            }
        }
        match self.ctx.punct_quiet(input, ")") {
            Ok((rest, close)) => self.close_innermost(rest, close),
            Err(nom::Err::Error(_)) => {
                let (input, ()) = self.ctx.ws(input)?;
                self.ctx.record(input, OPERATOR);
                if !is_paren {
                    self.ctx.record(input, Label::Token(","));
                }
                Err(self.ctx.expected_failure(input, Label::Token(")")))
            }
            Err(error) => Err(error),
        }
    }

    /// Applies the operators on the stack that bind at least as tightly as
    /// `operator`, then pushes it. Two comparisons in a row are an error.
    fn push_binary(&mut self, operator: Binary, span: Span) -> Result<(), nom::Err<super::Fail>> {
        loop {
            let top = match self.frames.last() {
                Some(Frame::Prefix { operator: top, .. }) => top.precedence(),
                Some(Frame::Binary { operator: top }) => {
                    if let (Binary::Compare(_), Binary::Compare(_)) = (top, operator) {
                        let message = "comparisons cannot be chained; \
                                       join them with `and`, as in `a < b and b < c`";
                        let kind = ParseErrorKind::Other(message.to_owned());
                        return Err(self.ctx.failure(kind, span));
                    }
                    top.precedence()
                }
                _ => break,
            };
            if top < operator.precedence() {
                break;
            }
            if let Some(frame) = self.frames.pop() {
                self.apply(frame)?;
            }
        }
        self.frames.push(Frame::Binary { operator });
        Ok(())
    }

    /// Applies every operator above the innermost open bracket.
    fn reduce_operators(&mut self) -> Result<(), nom::Err<super::Fail>> {
        while matches!(
            self.frames.last(),
            Some(Frame::Prefix { .. } | Frame::Binary { .. })
        ) {
            if let Some(frame) = self.frames.pop() {
                self.apply(frame)?;
            }
        }
        Ok(())
    }

    /// Moves the finished operand into the innermost open bracket.
    fn push_element(&mut self) {
        let element = self.operands.pop();
        if let (Some(Frame::Group { elements, .. }), Some(element)) =
            (self.frames.last_mut(), element)
        {
            elements.push(element);
        }
    }

    /// Closes the innermost open bracket at `close`.
    fn close_innermost(&mut self, input: &'a str, close: Span) -> PResult<'a, Step> {
        self.push_element();
        let Some(Frame::Group {
            kind,
            open,
            elements,
            _guard,
        }) = self.frames.pop()
        else {
            return Err(self.ctx.expected_error(input, OPERATOR));
        };
        let is_primary = matches!(kind, GroupKind::Paren | GroupKind::Call { .. });
        let node = self.close(kind, open, elements, close)?;
        if is_primary {
            Ok((input, Step::Primary(node)))
        } else {
            self.operands.push(node);
            Ok((input, Step::Operator))
        }
    }

    /// Builds the node of a bracket that opened at `open` and closed at
    /// `close`.
    fn close(
        &self,
        kind: GroupKind,
        open: Span,
        elements: Vec<Node>,
        close: Span,
    ) -> Result<Node, nom::Err<super::Fail>> {
        let tallest = elements.iter().map(|node| node.height).max().unwrap_or(0);
        let mut exprs: Vec<Expr> = elements.into_iter().map(|node| node.expr).collect();
        match kind {
            GroupKind::Paren => {
                // The operand step rejects `()` before it gets here.
                let Some(inner) = exprs.pop() else {
                    let kind = ParseErrorKind::Other("empty parentheses".to_owned());
                    return Err(self.ctx.failure(kind, open.to(close)));
                };
                let kind = ExprKind::Paren(Box::new(inner));
                self.ctx.branch(kind, open.to(close), &[tallest])
            }
            GroupKind::Call {
                name,
                name_span,
                insensitive,
            } => {
                let kind = ExprKind::Call {
                    name,
                    name_span,
                    insensitive,
                    args: exprs,
                };
                self.ctx.branch(kind, name_span.to(close), &[tallest])
            }
            GroupKind::In {
                base,
                negated,
                insensitive,
            } => {
                let span = base.expr.span.to(close);
                let kind = ExprKind::In {
                    expr: Box::new(base.expr),
                    list: exprs,
                    insensitive,
                    negated,
                };
                self.ctx.branch(kind, span, &[base.height, tallest])
            }
            GroupKind::MatchList { base, op } => {
                let span = base.expr.span.to(close);
                let kind = ExprKind::Match {
                    op,
                    expr: Box::new(base.expr),
                    patterns: exprs,
                };
                self.ctx.branch(kind, span, &[base.height, tallest])
            }
        }
    }

    /// Applies one operator frame to the operands it takes.
    fn apply(&mut self, frame: Frame<'c>) -> Result<(), nom::Err<super::Fail>> {
        let node = match frame {
            Frame::Prefix { operator, span, .. } => {
                let Some(operand) = self.operands.pop() else {
                    return Ok(());
                };
                match operator {
                    // A unary plus leaves its operand unchanged.
                    Prefix::Plus => operand,
                    Prefix::Not => self.ctx.prefix_node(ExprKind::Not, span, operand)?,
                    Prefix::Minus => self.ctx.prefix_node(ExprKind::Neg, span, operand)?,
                }
            }
            Frame::Binary { operator } => {
                let (Some(right), Some(left)) = (self.operands.pop(), self.operands.pop()) else {
                    return Ok(());
                };
                self.binary_node(operator, left, right)?
            }
            // Brackets and patterns are closed by their own steps, and the
            // loop ends only when none is open.
            Frame::Group { .. } | Frame::Pattern { .. } => return Ok(()),
        };
        self.operands.push(node);
        Ok(())
    }

    /// Builds `left OP right`.
    fn binary_node(
        &self,
        operator: Binary,
        left: Node,
        right: Node,
    ) -> Result<Node, nom::Err<super::Fail>> {
        let span = left.expr.span.to(right.expr.span);
        let heights = [left.height, right.height];
        let (left, right) = (Box::new(left.expr), Box::new(right.expr));
        let kind = match operator {
            Binary::Or => ExprKind::Or(left, right),
            Binary::And => ExprKind::And(left, right),
            Binary::Compare(op) => ExprKind::Compare { op, left, right },
            Binary::Arith(op) => ExprKind::Arith { op, left, right },
        };
        self.ctx.branch(kind, span, &heights)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Fail;
    use super::*;

    /// Parses one expression at the start of `text` and returns its height
    /// and the input left after it.
    fn parse(text: &str) -> (usize, String) {
        let ctx = Ctx::new(text, 50);
        match ctx.expr(text) {
            Ok((rest, node)) => (node.height, rest.to_owned()),
            Err(error) => panic!("{text}: {error:?}"),
        }
    }

    fn failure_kind(text: &str) -> Option<ParseErrorKind> {
        let ctx = Ctx::new(text, 50);
        match ctx.expr(text) {
            Err(nom::Err::Failure(Fail::Error(error))) => Some(error.kind),
            _ => None,
        }
    }

    #[test]
    fn expression_stops_before_what_cannot_continue_it() {
        assert_eq!(parse("a == 1 ] x").1, " ] x");
        assert_eq!(parse("a, b").1, ", b");
        assert_eq!(parse("f(a, b) | head").1, " | head");
        assert_eq!(parse("a by b").1, " by b");
        assert_eq!(parse("a ![b]").1, " ![b]");
    }

    #[test]
    fn heights_follow_the_tree() {
        assert_eq!(parse("a").0, 1);
        assert_eq!(parse("a or b").0, 2);
        assert_eq!(parse("a or b or c").0, 3);
        assert_eq!(parse("(a)").0, 2);
        assert_eq!(parse("f(a, (b))").0, 3);
        assert_eq!(parse("not -a").0, 3);
        assert_eq!(parse("+a").0, 1);
        assert_eq!(parse("x in (a, (b))").0, 3);
        assert_eq!(parse("x : -1").0, 3);
    }

    #[test]
    fn tree_height_limit_is_exact() {
        let chain = |terms: usize| vec!["a"; terms].join(" or ");
        assert_eq!(parse(&chain(MAX_TREE_HEIGHT)).0, MAX_TREE_HEIGHT);
        assert_eq!(
            failure_kind(&chain(MAX_TREE_HEIGHT + 1)),
            Some(ParseErrorKind::TreeTooDeep {
                limit: MAX_TREE_HEIGHT
            })
        );
    }

    #[test]
    fn missing_first_operand_is_recoverable() {
        let ctx = Ctx::new("]", 50);
        assert!(matches!(ctx.expr("]"), Err(nom::Err::Error(_))));
        let ctx = Ctx::new("not ]", 50);
        assert!(matches!(ctx.expr("not ]"), Err(nom::Err::Failure(_))));
        let ctx = Ctx::new("a or ]", 50);
        assert!(matches!(ctx.expr("a or ]"), Err(nom::Err::Failure(_))));
    }

    #[test]
    fn nest_depth_is_released_after_brackets() {
        let text = "((a)) and ((b)) and not not c";
        let ctx = Ctx::new(text, 2);
        assert!(ctx.expr(text).is_ok());
        assert_eq!(ctx.depth.get(), 0);
    }
}
