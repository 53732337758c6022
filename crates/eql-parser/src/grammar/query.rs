//! Statements, event filters, sequences, samples, stages and pipes.

use super::lex::{is_keyword, split_word};
use super::literal::scan_number;
use super::{Ctx, Label, PResult};
use crate::ast::{
    Category, EventFilter, ExprKind, FieldRef, MaxSpan, Pipe, Query, Runs, Sample, Sequence, Span,
    Stage, Statement, TimeUnit,
};
use crate::error::ParseErrorKind;

/// The label recorded where a stage could start.
const STAGE_OPEN: [Label; 2] = [Label::Token("["), Label::Token("![")];

impl<'a> Ctx<'a> {
    /// Parses `query (| pipe)*` and checks that no input is left.
    pub(super) fn statement(&self, input: &'a str) -> PResult<'a, Statement> {
        let (input, query) = self.query(input)?;
        let (input, pipes) = nom::multi::many0(|input| self.pipe(input))(input)?;
        let (input, ()) = self.end_of_input(input)?;
        let start = query_span(&query).start;
        let end = pipes
            .last()
            .map_or(query_span(&query).end, |pipe| pipe.span.end);
        let span = Span::new(start, end);
        Ok((input, Statement { query, pipes, span }))
    }

    /// Parses an event filter, a `sequence` or a `sample`, and rejects
    /// `join`, which Elasticsearch does not support.
    fn query(&self, input: &'a str) -> PResult<'a, Query> {
        if let Ok((rest, keyword)) = self.keyword_quiet(input, "sequence") {
            return Self::commit(self.sequence(rest, keyword.start))
                .map(|(rest, sequence)| (rest, Query::Sequence(sequence)));
        }
        if let Ok((rest, keyword)) = self.keyword_quiet(input, "sample") {
            return Self::commit(self.sample(rest, keyword.start))
                .map(|(rest, sample)| (rest, Query::Sample(sample)));
        }
        if let Ok((_, keyword)) = self.keyword_quiet(input, "join") {
            let message = "JOIN command is not supported".to_owned();
            return Err(self.failure(ParseErrorKind::Other(message), keyword));
        }
        let (rest, filter) = self.event_filter(input)?;
        Ok((rest, Query::Event(filter)))
    }

    /// Parses `category where condition`.
    fn event_filter(&self, input: &'a str) -> PResult<'a, EventFilter> {
        let (rest, (category, category_span)) = self.category(input)?;
        let (rest, _) = Self::commit(self.keyword(rest, "where"))?;
        let (rest, condition) = Self::commit(self.expr(rest))?;
        let span = category_span.to(condition.expr.span);
        let filter = EventFilter {
            category,
            category_span,
            condition: condition.expr,
            span,
        };
        Ok((rest, filter))
    }

    /// Parses `any`, an identifier, or a double-quoted string, which may
    /// contain characters such as `-` or spaces.
    fn category(&self, input: &'a str) -> PResult<'a, (Category, Span)> {
        let (input, ()) = self.ws(input)?;
        if let Ok((rest, span)) = self.keyword_quiet(input, "any") {
            return Ok((rest, (Category::Any, span)));
        }
        if input.starts_with('"') {
            let (rest, (name, span)) = self.string(input)?;
            return Ok((rest, (Category::Named(name), span)));
        }
        if input.starts_with('\'') || input.starts_with("?\"") || input.starts_with("?'") {
            return Err(self.rejected_string(input));
        }
        let (rest, (name, span)) = self.identifier(input, Label::Text("an event category"))?;
        Ok((rest, (Category::Named(name.to_owned()), span)))
    }

    /// Parses a sequence after its keyword, which starts at `start`:
    /// `[by keys] [with maxspan=N] stage+ [until stage]`.
    fn sequence(&self, input: &'a str, start: usize) -> PResult<'a, Sequence> {
        let mut by = Vec::new();
        let mut maxspan = None;
        let mut input = input;
        if let Ok((rest, _)) = self.keyword(input, "by") {
            (input, by) = Self::commit(self.join_keys(rest))?;
            if let Ok((rest, _)) = self.keyword(input, "with") {
                let (rest, span) = Self::commit(self.sequence_parameter(rest))?;
                (input, maxspan) = (rest, Some(span));
            }
        } else if let Ok((rest, _)) = self.keyword(input, "with") {
            let (rest, span) = Self::commit(self.sequence_parameter(rest))?;
            (input, maxspan) = (rest, Some(span));
            if let Ok((_, by_span)) = self.keyword_quiet(input, "by") {
                return Err(self.failure(ParseErrorKind::ByAfterWith, by_span));
            }
        }
        let (input, stages) = self.stages(input)?;
        let (input, until) = match self.keyword(input, "until") {
            Ok((rest, _)) => {
                let (rest, stage) = Self::commit(self.stage(rest))?;
                (rest, Some(stage))
            }
            Err(nom::Err::Error(_)) => (input, None),
            Err(error) => return Err(error),
        };
        let end = until
            .as_ref()
            .or(stages.last())
            .map_or(start, |stage| stage.span.end);
        let sequence = Sequence {
            by,
            maxspan,
            stages,
            until,
            span: Span::new(start, end),
        };
        Ok((input, sequence))
    }

    /// Parses a sample after its keyword, which starts at `start`:
    /// `[by keys] stage+`.
    fn sample(&self, input: &'a str, start: usize) -> PResult<'a, Sample> {
        let (input, by) = match self.keyword(input, "by") {
            Ok((rest, _)) => Self::commit(self.join_keys(rest))?,
            Err(nom::Err::Error(_)) => (input, Vec::new()),
            Err(error) => return Err(error),
        };
        let (input, stages) = self.stages(input)?;
        let end = stages.last().map_or(start, |stage| stage.span.end);
        let sample = Sample {
            by,
            stages,
            span: Span::new(start, end),
        };
        Ok((input, sample))
    }

    /// Parses one or more stages. How many a query needs is the compiler's
    /// check.
    fn stages(&self, input: &'a str) -> PResult<'a, Vec<Stage>> {
        nom::multi::many1(|input| self.stage(input))(input)
    }

    /// Parses `[filter]` or `![filter]`, then optional `by keys` and
    /// `with runs=N`.
    fn stage(&self, input: &'a str) -> PResult<'a, Stage> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        let (rest, missing) = if let Some(rest) = input.strip_prefix("![") {
            (rest, true)
        } else if let Some(rest) = input.strip_prefix('[') {
            (rest, false)
        } else {
            self.record(input, STAGE_OPEN[0]);
            return Err(self.expected_error(input, STAGE_OPEN[1]));
        };
        let (rest, filter) = Self::commit(self.event_filter(rest))?;
        let (mut rest, _) = Self::commit(self.punct(rest, "]"))?;
        let mut by = Vec::new();
        if let Ok((after, _)) = self.keyword(rest, "by") {
            (rest, by) = Self::commit(self.join_keys(after))?;
        }
        let mut runs = None;
        if let Ok((after, with)) = self.keyword(rest, "with") {
            let (after, count) = Self::commit(self.runs(after, with.start))?;
            (rest, runs) = (after, Some(count));
            if let Ok((_, by_span)) = self.keyword_quiet(rest, "by") {
                return Err(self.failure(ParseErrorKind::ByAfterWith, by_span));
            }
        }
        let stage = Stage {
            filter,
            by,
            runs,
            missing,
            span: self.span_from(start, rest),
        };
        Ok((rest, stage))
    }

    /// Parses `key (, key)*` after `by`. Each key is parsed as an expression
    /// so that a non-field key gets a precise error instead of a confusing
    /// syntax error further on.
    fn join_keys(&self, input: &'a str) -> PResult<'a, Vec<FieldRef>> {
        let (rest, nodes) = self.comma_separated(input)?;
        let mut keys = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node.expr.kind {
                ExprKind::Field(field) => keys.push(field),
                _ => {
                    let span = node.expr.span;
                    let text = self.text.get(span.start..span.end).unwrap_or_default();
                    let message =
                        format!("Unsupported join key [{text}]; a join key must be a field");
                    return Err(self.failure(ParseErrorKind::Other(message), span));
                }
            }
        }
        Ok((rest, keys))
    }

    /// Parses the parameter after `sequence ... with`: `maxspan = N unit`.
    fn sequence_parameter(&self, input: &'a str) -> PResult<'a, MaxSpan> {
        let (input, ()) = self.ws(input)?;
        if let Ok((rest, _)) = self.keyword_quiet(input, "maxspan") {
            let (rest, _) = Self::commit(self.punct(rest, "="))?;
            return self.time_span(rest);
        }
        if let Some((word, rest)) = split_word(input) {
            let span = self.span_from(self.offset(input), rest);
            let message = format!("unknown sequence parameter [{word}]; the only one is [maxspan]");
            return Err(self.failure(ParseErrorKind::InvalidParameter(message), span));
        }
        Err(self.expected_error(input, Label::Token("maxspan")))
    }

    /// Parses the `maxspan` value: a positive integer and a unit among `ms`,
    /// `s`, `m`, `h` and `d`, as in `5m`. Whitespace may separate the two,
    /// as in Elasticsearch, where they are separate tokens.
    fn time_span(&self, input: &'a str) -> PResult<'a, MaxSpan> {
        let (input, ()) = self.ws(input)?;
        let start = self.offset(input);
        let (sign, unsigned) = match input.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", input),
        };
        let Some(number) = scan_number(unsigned) else {
            return Err(self.expected_error(input, Label::Text("a time span such as `5m`")));
        };
        let (digits, after_number) = unsigned.split_at(number.length);
        let (rest, unit) = self.time_unit(after_number)?;

        // Every message quotes the value as written, without the whitespace
        // that may separate the number from its unit.
        let span = self.span_from(start, rest);
        let written = format!("{sign}{digits}{}", unit.unwrap_or(""));
        let invalid =
            |message: String| Err(self.failure(ParseErrorKind::InvalidMaxSpan(message), span));

        if number.decimal {
            return invalid(format!(
                "Decimal time interval [{written}] not supported; please use an positive integer"
            ));
        }
        let Some(unit_text) = unit else {
            return invalid(format!(
                "No time unit specified, did you mean [s] as in [{sign}{digits}s]?"
            ));
        };
        let Some(unit) = parse_time_unit(unit_text) else {
            return invalid(format!(
                "Unrecognized time unit [{unit_text}] in [{written}], please specify one of [ms, s, m, h, d]"
            ));
        };
        let value = match digits.parse::<u64>() {
            Ok(value) if value > 0 && sign.is_empty() => value,
            Ok(_) => {
                return invalid(format!(
                    "A positive maxspan value is required; found [{written}]"
                ))
            }
            Err(_) => return invalid(format!("maxspan value [{written}] is too large")),
        };
        Ok((rest, MaxSpan { value, unit, span }))
    }

    /// Reads the unit after a `maxspan` number: a word right after it, or a
    /// word after whitespace that is not a keyword.
    fn time_unit(&self, input: &'a str) -> PResult<'a, Option<&'a str>> {
        if let Some((unit, rest)) = split_word(input) {
            return Ok((rest, Some(unit)));
        }
        let (after_ws, ()) = self.ws(input)?;
        match split_word(after_ws) {
            Some((unit, rest)) if !is_keyword(unit) => Ok((rest, Some(unit))),
            _ => Ok((input, None)),
        }
    }

    /// Parses the parameter after a stage's `with`, which starts at
    /// `start`: `runs = N` with N a positive integer. The upper bound is
    /// the compiler's check.
    fn runs(&self, input: &'a str, start: usize) -> PResult<'a, Runs> {
        let (input, ()) = self.ws(input)?;
        let Some((word, rest)) = split_word(input) else {
            return Err(self.expected_error(input, Label::Token("runs")));
        };
        if word != "runs" {
            let hint = if word == "maxspan" {
                "; [maxspan] belongs after [sequence], as in [sequence with maxspan=5m]"
            } else {
                ""
            };
            let message = format!("unknown stage parameter [{word}]; the only one is [runs]{hint}");
            let span = self.span_from(self.offset(input), rest);
            return Err(self.failure(ParseErrorKind::InvalidParameter(message), span));
        }

        let (rest, _) = Self::commit(self.punct(rest, "="))?;
        let (rest, count) = self.runs_count(rest)?;
        Ok((
            rest,
            Runs {
                count,
                span: self.span_from(start, rest),
            },
        ))
    }

    /// Parses the count of `runs = N`, a positive integer.
    fn runs_count(&self, input: &'a str) -> PResult<'a, u64> {
        let (input, ()) = self.ws(input)?;
        // Take a signed or decimal number whole, so that the error quotes
        // all of `-1` or `1.5`.
        let length = input
            .char_indices()
            .find(|&(index, c)| {
                let sign = index == 0 && c == '-';
                !(sign || c.is_ascii_alphanumeric() || c == '.' || c == '_')
            })
            .map_or(input.len(), |(index, _)| index);
        let (token, rest) = input.split_at(length);
        let count = token
            .parse::<u64>()
            .ok()
            .filter(|&count| count > 0 && token.bytes().all(|b| b.is_ascii_digit()));
        match count {
            Some(count) => Ok((rest, count)),
            None => {
                let (found, span) = if token.is_empty() {
                    super::lex::describe_token(self.text, self.offset(input))
                } else {
                    (
                        format!("`{token}`"),
                        self.span_from(self.offset(input), rest),
                    )
                };
                let message = format!("[runs] must be a positive integer; found {found}");
                Err(self.failure(ParseErrorKind::InvalidParameter(message), span))
            }
        }
    }

    /// Parses `| name [arg (, arg)*]`. The parser accepts any name, and the
    /// compiler checks which pipes exist.
    fn pipe(&self, input: &'a str) -> PResult<'a, Pipe> {
        let (rest, bar) = self.punct(input, "|")?;
        let (rest, (name, name_span)) =
            Self::commit(self.identifier(rest, Label::Text("a pipe name")))?;
        let (after_ws, ()) = self.ws(rest)?;
        let (rest, args) = if after_ws.is_empty() || after_ws.starts_with('|') {
            (rest, Vec::new())
        } else {
            let (rest, nodes) = Self::commit(self.comma_separated(rest))?;
            (rest, nodes.into_iter().map(|node| node.expr).collect())
        };
        let end = args
            .last()
            .map_or(name_span.end, |arg: &crate::ast::Expr| arg.span.end);
        let pipe = Pipe {
            name: name.to_owned(),
            name_span,
            args,
            span: Span::new(bar.start, end),
        };
        Ok((rest, pipe))
    }
}

/// Returns the span of a query.
fn query_span(query: &Query) -> Span {
    match query {
        Query::Event(filter) => filter.span,
        Query::Sequence(sequence) => sequence.span,
        Query::Sample(sample) => sample.span,
    }
}

/// Returns the time unit spelled `text`, case-sensitively.
fn parse_time_unit(text: &str) -> Option<TimeUnit> {
    match text {
        "ms" => Some(TimeUnit::Millis),
        "s" => Some(TimeUnit::Seconds),
        "m" => Some(TimeUnit::Minutes),
        "h" => Some(TimeUnit::Hours),
        "d" => Some(TimeUnit::Days),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Fail;
    use super::*;

    fn time_span(text: &str) -> Result<(u64, TimeUnit, String), ParseErrorKind> {
        let ctx = Ctx::new(text, 10);
        match ctx.time_span(text) {
            Ok((rest, maxspan)) => Ok((maxspan.value, maxspan.unit, rest.to_owned())),
            Err(nom::Err::Failure(Fail::Error(error))) => Err(error.kind),
            Err(other) => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn time_units() {
        assert_eq!(parse_time_unit("ms"), Some(TimeUnit::Millis));
        assert_eq!(parse_time_unit("s"), Some(TimeUnit::Seconds));
        assert_eq!(parse_time_unit("m"), Some(TimeUnit::Minutes));
        assert_eq!(parse_time_unit("h"), Some(TimeUnit::Hours));
        assert_eq!(parse_time_unit("d"), Some(TimeUnit::Days));
        assert_eq!(parse_time_unit("w"), None);
        assert_eq!(parse_time_unit("M"), None);
    }

    #[test]
    fn time_spans() {
        assert_eq!(time_span("5m ["), Ok((5, TimeUnit::Minutes, " [".into())));
        assert_eq!(time_span("5 m ["), Ok((5, TimeUnit::Minutes, " [".into())));
        assert_eq!(time_span("10ms"), Ok((10, TimeUnit::Millis, String::new())));
        // A keyword after whitespace is not a unit.
        assert!(matches!(
            time_span("5 by x"),
            Err(ParseErrorKind::InvalidMaxSpan(m)) if m.starts_with("No time unit")
        ));
    }

    #[test]
    fn runs_clause() {
        let text = "with runs = 12 [";
        let ctx = Ctx::new(text, 10);
        let (rest, runs) = ctx.runs(&text[4..], 0).expect("runs");
        assert_eq!(runs.count, 12);
        assert_eq!(runs.span, Span::new(0, 14));
        assert_eq!(rest, " [");
    }

    #[test]
    fn join_keys_must_be_fields() {
        let text = "a, ?b.c [";
        let ctx = Ctx::new(text, 10);
        let (rest, keys) = ctx.join_keys(text).expect("keys");
        assert_eq!(keys.len(), 2);
        assert_eq!(rest, " [");
        let ctx = Ctx::new("a, 1", 10);
        match ctx.join_keys("a, 1") {
            Err(nom::Err::Failure(Fail::Error(error))) => {
                assert_eq!(error.span, Span::new(3, 4));
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}
