//! Compilation of whole statements: filters, sequences, samples and pipes.

use crate::emit::emit_condition;
use crate::error::{CompileError, CompileErrorKind as Kind};
use crate::fields::FieldTable;
use crate::lower::Lowerer;
use crate::plan::{
    CompiledQuery, Filter, KeySpec, Limit, QueryPlan, SamplePlan, SequencePlan, StagePlan,
};
use crate::schema::{FieldType, Schema};
use eql_parser::ast::{
    Category, EventFilter, ExprKind, FieldRef, Literal, Pipe, Query, Stage, Statement,
};

/// The maximum repetition count `with runs=N` accepts, as in Elasticsearch.
pub const MAX_RUNS: u64 = 100;

/// Compiles statements against a shared field table.
pub struct Compiler<'a> {
    fields: &'a mut FieldTable,
    schema: Option<&'a Schema>,
    timestamp_field: Option<(&'a str, FieldType)>,
}

impl<'a> Compiler<'a> {
    /// Creates a compiler that interns fields into `fields`, checking them
    /// against `schema` when one is given.
    pub fn new(fields: &'a mut FieldTable, schema: Option<&'a Schema>) -> Self {
        Compiler {
            fields,
            schema,
            timestamp_field: None,
        }
    }

    /// Names the event time field and its type (`Date` or `DateNanos`), so
    /// that comparing it with a string reads the string as a date even
    /// without a schema.
    pub fn timestamp_field(mut self, field: &'a str, field_type: FieldType) -> Self {
        self.timestamp_field = Some((field, field_type));
        self
    }

    /// Compiles a parsed statement; `source` is its text, quoted in errors.
    ///
    /// # Errors
    ///
    /// Returns the first [`CompileError`] found.
    pub fn compile(
        &mut self,
        statement: &Statement,
        source: &str,
    ) -> Result<CompiledQuery, CompileError> {
        let mut filters = Vec::new();
        let plan = match &statement.query {
            Query::Event(filter) => QueryPlan::Event {
                filter: self.filter(filter, source, &mut filters)?,
            },
            Query::Sequence(sequence) => {
                let mut stages = Vec::new();
                for stage in &sequence.stages {
                    let plan = self.stage(stage, &sequence.by, source, &mut filters)?;
                    let runs = self.runs(stage)?;
                    for _ in 0..runs {
                        stages.push(plan.clone());
                    }
                }
                let until = match &sequence.until {
                    Some(stage) => {
                        if stage.missing || stage.runs.is_some() {
                            return Err(CompileError::new(
                                Kind::InvalidSequence,
                                stage.span,
                                "an [until] stage cannot be a missing event or repeat with [runs]",
                            ));
                        }
                        Some(self.stage(stage, &sequence.by, source, &mut filters)?)
                    }
                    None => None,
                };
                let plan = SequencePlan {
                    stages,
                    until,
                    maxspan: sequence.maxspan.map(|m| m.as_nanos()),
                };
                check_sequence(&plan, sequence)?;
                QueryPlan::Sequence(plan)
            }
            Query::Sample(sample) => {
                let mut stages = Vec::new();
                for stage in &sample.stages {
                    if stage.missing || stage.runs.is_some() {
                        return Err(CompileError::new(
                            Kind::InvalidSequence,
                            stage.span,
                            "a [sample] stage cannot be a missing event or repeat with [runs]",
                        ));
                    }
                    stages.push(self.stage(stage, &sample.by, source, &mut filters)?);
                }
                if stages.len() < 2 {
                    return Err(CompileError::new(
                        Kind::InvalidSequence,
                        sample.span,
                        "a sample needs at least 2 stages",
                    ));
                }
                check_key_arity(&stages, None, &sample.stages)?;
                QueryPlan::Sample(SamplePlan { stages })
            }
        };
        let limits = statement
            .pipes
            .iter()
            .map(pipe_limit)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CompiledQuery {
            filters,
            plan,
            limits,
        })
    }

    fn filter(
        &mut self,
        filter: &EventFilter,
        source: &str,
        filters: &mut Vec<Filter>,
    ) -> Result<usize, CompileError> {
        let mut lowerer = Lowerer {
            fields: self.fields,
            schema: self.schema,
            source,
            timestamp_field: self.timestamp_field,
        };
        let node = lowerer.condition(&filter.condition)?;
        let program = emit_condition(&node).map_err(|e| {
            CompileError::new(Kind::InvalidPattern, filter.condition.span, e.message)
        })?;
        let category = match &filter.category {
            Category::Any => None,
            Category::Named(name) => Some(name.clone()),
        };
        filters.push(Filter { category, program });
        Ok(filters.len() - 1)
    }

    fn keys(&mut self, keys: &[FieldRef]) -> Result<Vec<KeySpec>, CompileError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let dotted = key.dotted();
            if let Some(schema) = self.schema {
                if schema.field_type(&dotted).is_none() && !key.optional {
                    let mut lowerer = Lowerer {
                        fields: self.fields,
                        schema: self.schema,
                        source: "",
                        timestamp_field: self.timestamp_field,
                    };
                    lowerer.field(key)?;
                }
            }
            out.push(KeySpec {
                slot: self.fields.intern(&dotted),
                optional: key.optional,
            });
        }
        Ok(out)
    }

    fn stage(
        &mut self,
        stage: &Stage,
        shared: &[FieldRef],
        source: &str,
        filters: &mut Vec<Filter>,
    ) -> Result<StagePlan, CompileError> {
        let filter = self.filter(&stage.filter, source, filters)?;
        let mut keys = self.keys(shared)?;
        keys.extend(self.keys(&stage.by)?);
        Ok(StagePlan {
            filter,
            keys,
            missing: stage.missing,
        })
    }

    fn runs(&self, stage: &Stage) -> Result<u64, CompileError> {
        match stage.runs {
            None => Ok(1),
            Some(runs) if (1..=MAX_RUNS).contains(&runs.count) => Ok(runs.count),
            Some(runs) => Err(CompileError::new(
                Kind::InvalidSequence,
                runs.span,
                format!(
                    "[runs] must be between 1 and {MAX_RUNS}, found [{}]",
                    runs.count
                ),
            )),
        }
    }
}

fn check_key_arity(
    stages: &[StagePlan],
    until: Option<&StagePlan>,
    ast_stages: &[Stage],
) -> Result<(), CompileError> {
    let expected = stages.first().map_or(0, |s| s.keys.len());
    let mut ast_iter = ast_stages.iter();
    for stage in stages.iter().chain(until) {
        let span = ast_iter.next().map(|s| s.span).unwrap_or_default();
        if stage.keys.len() != expected {
            return Err(CompileError::new(
                Kind::InvalidSequence,
                span,
                format!(
                    "inconsistent number of join keys specified; expected [{expected}] but found [{}]",
                    stage.keys.len()
                ),
            ));
        }
    }
    Ok(())
}

fn check_sequence(
    plan: &SequencePlan,
    sequence: &eql_parser::ast::Sequence,
) -> Result<(), CompileError> {
    let mut ast_stages: Vec<Stage> = Vec::new();
    for stage in &sequence.stages {
        let runs = stage.runs.map_or(1, |r| r.count);
        for _ in 0..runs {
            ast_stages.push(stage.clone());
        }
    }
    ast_stages.extend(sequence.until.iter().cloned());
    check_key_arity(&plan.stages, plan.until.as_ref(), &ast_stages)?;
    if plan.stages.len() < 2 {
        return Err(CompileError::new(
            Kind::InvalidSequence,
            sequence.span,
            "a sequence needs at least 2 stages; use an event query for one",
        ));
    }
    if plan.has_missing() {
        if plan.maxspan.is_none() {
            return Err(CompileError::new(
                Kind::InvalidSequence,
                sequence.span,
                "a sequence with missing events [![...]] needs [with maxspan=...]",
            ));
        }
        if plan.stages.iter().all(|s| s.missing) {
            return Err(CompileError::new(
                Kind::InvalidSequence,
                sequence.span,
                "a sequence needs at least one stage that is not a missing event",
            ));
        }
    }
    Ok(())
}

fn pipe_limit(pipe: &Pipe) -> Result<Limit, CompileError> {
    let name = pipe.name.as_str();
    let make: fn(u64) -> Limit = match name {
        "head" => Limit::Head,
        "tail" => Limit::Tail,
        "count" | "filter" | "sort" | "unique" | "unique_count" => {
            return Err(CompileError::new(
                Kind::InvalidPipe,
                pipe.name_span,
                format!("pipe [{name}] is not supported; only [head] and [tail] are"),
            ))
        }
        _ => {
            return Err(CompileError::new(
                Kind::InvalidPipe,
                pipe.name_span,
                format!("unrecognized pipe [{name}]; use [head N] or [tail N]"),
            ))
        }
    };
    let [arg] = pipe.args.as_slice() else {
        return Err(CompileError::new(
            Kind::InvalidPipe,
            pipe.span,
            format!(
                "pipe [{name}] expects exactly one argument but found [{}]",
                pipe.args.len()
            ),
        ));
    };
    match &arg.kind {
        ExprKind::Literal(Literal::Int(n)) if *n >= 0 => Ok(make(*n as u64)),
        _ => Err(CompileError::new(
            Kind::InvalidPipe,
            arg.span,
            format!("pipe [{name}] expects a positive integer, such as [{name} 10]"),
        )),
    }
}

impl CompiledQuery {
    /// Returns true when the statement's filters can never match, for
    /// example `process where false`.
    pub fn never_matches(&self) -> bool {
        match &self.plan {
            QueryPlan::Event { filter } => self.filters[*filter].program.is_never_true(),
            _ => false,
        }
    }
}
