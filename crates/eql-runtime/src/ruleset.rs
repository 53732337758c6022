//! Rule sets: many rules compiled at once into one immutable, shareable
//! object.

use crate::event::{DateFormat, EventReader, SlotSpec};
use crate::options::Options;
use crate::session::Session;
use eql_compiler::{CompileError, CompiledQuery, Compiler, FieldTable, Slot};
use eql_compiler::{FieldType, Value};
use eql_parser::ParseError;
use std::fmt;
use std::sync::Arc;

/// A rule to compile: an id, a display name and the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    /// A stable identifier, such as the detection rule's `rule_id`.
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// The EQL query.
    pub query: String,
}

impl RuleSource {
    /// Creates a rule source.
    pub fn new(id: impl Into<String>, name: impl Into<String>, query: impl Into<String>) -> Self {
        RuleSource {
            id: id.into(),
            name: name.into(),
            query: query.into(),
        }
    }
}

/// The reason a rule failed to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleErrorKind {
    /// A syntax error.
    Parse(ParseError),
    /// A semantic error found by the compiler.
    Compile(CompileError),
}

/// A rule that failed to compile, with the rule it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule's position in the list given to [`RuleSet::new`]; unlike
    /// the id, it is unique even when two rule files share an id.
    pub index: usize,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// The query text, for rendering.
    pub query: String,
    /// The failure.
    pub kind: RuleErrorKind,
}

impl RuleError {
    /// Returns the byte span of the error in the query.
    pub fn span(&self) -> eql_parser::Span {
        match &self.kind {
            RuleErrorKind::Parse(e) => e.span,
            RuleErrorKind::Compile(e) => e.span,
        }
    }

    /// Returns the message without position.
    pub fn message(&self) -> String {
        match &self.kind {
            RuleErrorKind::Parse(e) => e.to_string(),
            RuleErrorKind::Compile(e) => e.to_string(),
        }
    }

    /// Renders `line:column: message`, the query line and a caret.
    pub fn render(&self) -> String {
        eql_parser::render_diagnostic(&self.query, self.span(), &self.message())
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, column) = eql_parser::line_column(&self.query, self.span().start);
        write!(
            f,
            "rule [{}] ({}): {line}:{column}: {}",
            self.rule_name,
            self.rule_id,
            self.message()
        )
    }
}

impl std::error::Error for RuleError {}

/// The rules of a set that failed to compile: one [`RuleError`] per rule.
///
/// It dereferences to a slice of the errors and implements
/// [`std::error::Error`], so `?` works in a function returning
/// `Box<dyn Error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleErrors(pub Vec<RuleError>);

impl std::ops::Deref for RuleErrors {
    type Target = [RuleError];

    fn deref(&self) -> &[RuleError] {
        &self.0
    }
}

impl IntoIterator for RuleErrors {
    type Item = RuleError;
    type IntoIter = std::vec::IntoIter<RuleError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rule(s) failed to compile", self.0.len())?;
        for error in &self.0 {
            write!(f, "\n{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleErrors {}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's id.
    pub id: String,
    /// The rule's name.
    pub name: String,
    /// The query text.
    pub query: String,
    /// The compiled form.
    pub compiled: CompiledQuery,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub rules: Vec<Rule>,
    pub fields: FieldTable,
    pub options: Options,
    pub category_slot: Slot,
    pub tiebreaker_slot: Option<Slot>,
    /// The reader's treatment of each slot, indexed by slot.
    pub slot_specs: Vec<SlotSpec>,
    /// Every filter of every rule, found by category.
    pub filter_index: FilterIndex,
}

/// The filters of all rules, indexed by the category they require, so an
/// event only runs the filters of its own categories and of `any`.
#[derive(Debug, Default)]
pub(crate) struct FilterIndex {
    /// (rule, filter) for each global filter id.
    pub filters: Vec<(usize, usize)>,
    /// Global filter ids per category.
    pub by_category: hashbrown::HashMap<String, Vec<usize>>,
    /// Global filter ids of `any` filters.
    pub any: Vec<usize>,
}

impl FilterIndex {
    fn new(rules: &[Rule]) -> FilterIndex {
        let mut index = FilterIndex::default();
        for (rule_index, rule) in rules.iter().enumerate() {
            for (filter_index, filter) in rule.compiled.filters.iter().enumerate() {
                let id = index.filters.len();
                index.filters.push((rule_index, filter_index));
                match &filter.category {
                    Some(category) => index
                        .by_category
                        .entry(category.clone())
                        .or_default()
                        .push(id),
                    None => index.any.push(id),
                }
            }
        }
        index
    }

    /// Collects into `out` the ids of the filters that apply to an event
    /// with the given category values, in ascending order and each once.
    pub fn candidates(&self, categories: &[eql_compiler::OwnedValue], out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.any);
        for category in categories {
            if let Some(ids) = category.as_str().and_then(|c| self.by_category.get(c)) {
                out.extend_from_slice(ids);
            }
        }
        if categories.len() > 1 {
            out.sort_unstable();
            out.dedup();
        } else if !self.any.is_empty() {
            out.sort_unstable();
        }
    }
}

/// An immutable set of compiled rules; cheap to clone and `Send + Sync`,
/// so many threads can open sessions on one set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) inner: Arc<Inner>,
}

impl RuleSet {
    /// Compiles every rule; returns all the rules that failed, each
    /// naming its rule.
    ///
    /// # Errors
    ///
    /// Returns [`RuleErrors`], one [`RuleError`] per failed rule, when any
    /// rule fails.
    pub fn new(rules: &[RuleSource], options: Options) -> Result<RuleSet, RuleErrors> {
        let mut fields = FieldTable::new();
        for (alias, target) in &options.aliases {
            fields.add_alias(alias, target);
        }
        if let Some(schema) = &options.schema {
            for (alias, target) in schema.aliases() {
                fields.add_alias(alias, target);
            }
        }
        let category_slot = fields.intern(&options.event_category_field);
        let tiebreaker_slot = options
            .tiebreaker_field
            .as_deref()
            .map(|f| fields.intern(f));
        let parser = eql_parser::Parser::new().nest_limit(options.nest_limit);
        let mut compiled = Vec::with_capacity(rules.len());
        let mut errors = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let result = parser
                .parse(&rule.query)
                .map_err(RuleErrorKind::Parse)
                .and_then(|statement| {
                    Compiler::new(&mut fields, options.schema.as_ref())
                        .timestamp_field(&options.timestamp_field, timestamp_type(&options))
                        .compile(&statement, &rule.query)
                        .map_err(RuleErrorKind::Compile)
                });
            match result {
                Ok(query) => compiled.push(Rule {
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    query: rule.query.clone(),
                    compiled: query,
                }),
                Err(kind) => errors.push(RuleError {
                    index,
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    query: rule.query.clone(),
                    kind,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
        let slot_specs = slot_specs(&fields, &options);
        let filter_index = FilterIndex::new(&compiled);
        Ok(RuleSet {
            inner: Arc::new(Inner {
                rules: compiled,
                fields,
                options,
                category_slot,
                tiebreaker_slot,
                slot_specs,
                filter_index,
            }),
        })
    }

    /// Compiles one query with the id and name `query`.
    ///
    /// # Errors
    ///
    /// Returns the [`RuleError`] when the query fails to compile.
    pub fn single(query: &str, options: Options) -> Result<RuleSet, Box<RuleError>> {
        RuleSet::new(&[RuleSource::new("query", "query", query)], options)
            .map_err(|mut errors| Box::new(errors.0.remove(0)))
    }

    /// Returns the compiled rules, in the order given.
    pub fn rules(&self) -> &[Rule] {
        &self.inner.rules
    }

    /// Returns the field table shared by the rules.
    pub fn fields(&self) -> &FieldTable {
        &self.inner.fields
    }

    /// Returns the options the set was built with.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// Creates a reader that turns JSON into events for this set.
    pub fn reader(&self) -> EventReader {
        let options = &self.inner.options;
        EventReader::new(
            &self.inner.fields,
            &options.timestamp_field,
            self.inner.tiebreaker_slot,
            self.inner.slot_specs.clone(),
            slot_spec(&options.timestamp_field, options),
        )
    }

    /// Opens a session: the state of one event stream.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }
}

/// Returns the type of the timestamp field: the schema's, else `date`
/// unless the options ask for nanoseconds.
fn timestamp_type(options: &Options) -> FieldType {
    let mapped = options
        .schema
        .as_ref()
        .and_then(|s| s.field_type(&options.timestamp_field))
        .filter(|t| t.is_date());
    match mapped {
        Some(field_type) => field_type,
        None if options.nanosecond_timestamps => FieldType::DateNanos,
        None => FieldType::Date,
    }
}

/// Derives how to read each slot from the schema: date fields (and the
/// timestamp field) parse into nanoseconds at their precision, and
/// `null_value` replaces nulls.
fn slot_specs(fields: &FieldTable, options: &Options) -> Vec<SlotSpec> {
    fields
        .paths()
        .iter()
        .map(|path| slot_spec(&path.dotted, options))
        .collect()
}

fn slot_spec(dotted: &str, options: &Options) -> SlotSpec {
    let info = options.schema.as_ref().and_then(|s| s.field_info(dotted));
    let date_type = if dotted == options.timestamp_field {
        Some(timestamp_type(options))
    } else {
        info.map(|i| i.field_type).filter(|t| t.is_date())
    };
    SlotSpec {
        date: date_type.map(|_| {
            info.and_then(|i| i.format.as_deref())
                .map(DateFormat::from_mapping)
                .unwrap_or_default()
        }),
        nanos: date_type == Some(FieldType::DateNanos),
        coerce: info.map(|i| i.field_type).filter(|t| {
            matches!(
                t,
                FieldType::Keyword | FieldType::Long | FieldType::Double | FieldType::Boolean
            )
        }),
        null_value: info
            .and_then(|i| i.null_value.as_ref())
            .and_then(Value::from_json),
    }
}
