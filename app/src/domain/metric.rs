//! Metrics: the small, specific, business-owned checks at the centre of Vernier.

pub mod catalogue;
pub mod document;
pub mod filter;
pub mod kinds;
pub mod lifecycle;
pub mod review;
pub mod scorer;

use super::money::Money;
use super::text::{bounded, identifier};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use kinds::{Cadence, Category, FailureAction, Paradigm, Stage, Status};
use scorer::{PassRule, ScorerSpec};
use serde::{Deserialize, Serialize};

/// Most tags on one metric.
pub const MAX_TAGS: usize = 12;

/// A metric's definition as a form (or an import) submits it: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricInput {
    pub key: String,
    pub name: String,
    pub description: String,
    pub question: String,
    pub paradigm: String,
    pub category: String,
    pub cadence: String,
    pub action_on_failure: String,
    pub scorer: String,
    pub threshold: String,
    pub direction: String,
    pub stage: String,
    pub owner: String,
    pub cost_per_failure: String,
    pub cost_per_evaluation: String,
    pub review_date: String,
    pub retirement_date: String,
    pub tags: String,
}

/// A validated metric definition: everything an owner edits (status has its own actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDefinition {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The user issue or business question the metric answers.
    pub question: String,
    pub paradigm: Paradigm,
    pub category: Category,
    pub cadence: Cadence,
    pub action_on_failure: FailureAction,
    pub scorer: ScorerSpec,
    pub pass_rule: PassRule,
    pub stage: Stage,
    /// The owner's username.
    pub owner: String,
    pub cost_per_failure: Money,
    pub cost_per_evaluation: Money,
    pub review_date: NaiveDate,
    pub retirement_date: Option<NaiveDate>,
    pub tags: Vec<String>,
}

/// A stored metric as pages and the API see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricView {
    pub id: i64,
    pub project_slug: String,
    pub definition: MetricDefinition,
    pub owner_name: String,
    pub status: Status,
    pub status_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A metric with its change history, for the metric page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDetail {
    pub metric: MetricView,
    pub history: Vec<MetricChange>,
}

/// One recorded change of a metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MetricChange {
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

impl MetricInput {
    /// Parses every field; the first invalid one is reported, by name.
    pub fn parse(&self) -> Result<MetricDefinition, AppError> {
        let paradigm = Paradigm::parse(&self.paradigm)?;
        let scorer = ScorerSpec::parse_json(&self.scorer)?;
        scorer.fits(paradigm)?;
        let cadence = Cadence::parse(&self.cadence)?;
        if cadence == Cadence::RealTime && !scorer.is_builtin() {
            return Err(AppError::invalid(
                "cadence",
                "a real-time metric needs a built-in scorer; LLM judges, embeddings and people score asynchronously",
            ));
        }
        let review_date = parse_date("review_date", &self.review_date)?;
        let retirement_date = match self.retirement_date.trim() {
            "" => None,
            text => Some(parse_date("retirement_date", text)?),
        };
        if retirement_date.is_some_and(|retire| retire < review_date) {
            return Err(AppError::invalid(
                "retirement_date",
                "must not be before the review date",
            ));
        }
        Ok(MetricDefinition {
            key: parse_key(&self.key)?,
            name: bounded("name", &self.name, 1, 120)?,
            description: bounded("description", &self.description, 0, 4000)?,
            question: bounded("question", &self.question, 1, 1000)?,
            paradigm,
            category: Category::parse(&self.category)?,
            cadence,
            action_on_failure: FailureAction::parse(&self.action_on_failure)?,
            scorer,
            pass_rule: PassRule::parse(&self.threshold, &self.direction)?,
            stage: Stage::parse(&self.stage)?,
            owner: bounded("owner", &self.owner.to_lowercase(), 1, 40)?,
            cost_per_failure: Money::parse("cost_per_failure", &self.cost_per_failure)?,
            cost_per_evaluation: Money::parse("cost_per_evaluation", or_zero(&self.cost_per_evaluation))?,
            review_date,
            retirement_date,
            tags: parse_tags(&self.tags)?,
        })
    }
}

impl From<&MetricDefinition> for MetricInput {
    fn from(definition: &MetricDefinition) -> Self {
        Self {
            key: definition.key.clone(),
            name: definition.name.clone(),
            description: definition.description.clone(),
            question: definition.question.clone(),
            paradigm: definition.paradigm.as_str().into(),
            category: definition.category.as_str().into(),
            cadence: definition.cadence.as_str().into(),
            action_on_failure: definition.action_on_failure.as_str().into(),
            scorer: definition.scorer.to_json(),
            threshold: definition.pass_rule.threshold.to_string(),
            direction: definition.pass_rule.direction.as_str().into(),
            stage: definition.stage.as_str().into(),
            owner: definition.owner.clone(),
            cost_per_failure: definition.cost_per_failure.to_decimal(),
            cost_per_evaluation: definition.cost_per_evaluation.to_decimal(),
            review_date: definition.review_date.to_string(),
            retirement_date: definition
                .retirement_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            tags: definition.tags.join(", "),
        }
    }
}

impl MetricDefinition {
    /// Every field as display text, in a fixed order; the history compares these.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("description", self.description.clone()),
            ("question", self.question.clone()),
            ("paradigm", self.paradigm.as_str().into()),
            ("category", self.category.as_str().into()),
            ("cadence", self.cadence.as_str().into()),
            ("action_on_failure", self.action_on_failure.as_str().into()),
            ("scorer", self.scorer.to_json()),
            ("pass_rule", self.pass_rule.to_string()),
            ("stage", self.stage.as_str().into()),
            ("owner", self.owner.clone()),
            ("cost_per_failure", self.cost_per_failure.to_string()),
            ("cost_per_evaluation", self.cost_per_evaluation.to_string()),
            ("review_date", self.review_date.to_string()),
            (
                "retirement_date",
                self.retirement_date
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
            ),
            ("tags", self.tags.join(", ")),
        ]
    }

    /// The fields that differ from `old` to `self`: (field, old value, new value).
    pub fn changes_from(&self, old: &MetricDefinition) -> Vec<(&'static str, String, String)> {
        old.fields()
            .into_iter()
            .zip(self.fields())
            .filter(|((_, before), (_, after))| before != after)
            .map(|((field, before), (_, after))| (field, before, after))
            .collect()
    }
}

/// Parses a metric key: 2–64 characters of `a-z 0-9 _ -`, unique within its project.
pub fn parse_key(value: &str) -> Result<String, AppError> {
    let key = identifier("key", value, 2, 64, &['_', '-'])?;
    // `/projects/<slug>/metrics/new` is the create form, so no metric may be called "new".
    if key == "new" {
        return Err(AppError::invalid("key", "'new' is reserved; choose another key"));
    }
    Ok(key)
}

/// Parses an ISO date (YYYY-MM-DD) for `field`.
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, "must be a date (YYYY-MM-DD)"));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, format!("'{value}' is not a date (YYYY-MM-DD)")))
}

/// Parses comma-separated tags: lower case, deduplicated, in the order given.
pub fn parse_tags(value: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for raw in value.split(',').map(str::trim).filter(|tag| !tag.is_empty()) {
        let tag = identifier("tags", &raw.to_lowercase(), 1, 32, &['-', '_'])?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(AppError::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

fn or_zero(text: &str) -> &str {
    if text.trim().is_empty() {
        "0"
    } else {
        text
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn input() -> MetricInput {
        MetricInput {
            key: "no-delve".into(),
            name: "Never says delve".into(),
            question: "Do replies sound machine-written?".into(),
            paradigm: "model".into(),
            category: "quality".into(),
            cadence: "real-time".into(),
            action_on_failure: "retry".into(),
            scorer: r#"{"kind": "not_contains", "words": ["delve"]}"#.into(),
            threshold: "1".into(),
            direction: "at_least".into(),
            stage: "crawl".into(),
            owner: "Owner".into(),
            cost_per_failure: "$2.50".into(),
            review_date: "2027-01-31".into(),
            tags: "tone, Style, tone".into(),
            ..MetricInput::default()
        }
    }

    #[test]
    fn a_complete_input_parses() {
        let definition = input().parse().unwrap();
        assert_eq!(definition.cost_per_failure, Money::from_cents(250));
        assert_eq!(definition.cost_per_evaluation, Money::ZERO);
        assert_eq!(definition.owner, "owner");
        assert_eq!(definition.tags, ["tone", "style"]);
        assert_eq!(definition.retirement_date, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut MetricInput);
        let cases: [(Spoil, &str); 10] = [
            (
                |i| i.scorer = r#"{"kind": "embedding_similarity"}"#.into(),
                "cadence",
            ),
            (|i| i.key = "No Spaces".into(), "key"),
            (|i| i.name = " ".into(), "name"),
            (|i| i.question = String::new(), "question"),
            (|i| i.cadence = "hourly".into(), "cadence"),
            (|i| i.scorer = "{}".into(), "scorer"),
            (|i| i.cost_per_failure = "-3".into(), "cost_per_failure"),
            (|i| i.review_date = "31/01/2027".into(), "review_date"),
            (|i| i.retirement_date = "2026-12-01".into(), "retirement_date"),
            (|i| i.tags = "ok, not ok".into(), "tags"),
        ];
        for (spoil, field) in cases {
            let mut bad = input();
            spoil(&mut bad);
            assert_eq!(bad.parse().unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn the_key_new_is_reserved_for_the_create_form() {
        assert!(parse_key("new").is_err());
        assert_eq!(parse_key("news"), Ok("news".into()));
    }

    #[test]
    fn a_human_metric_with_an_automated_scorer_is_refused() {
        let mut bad = input();
        bad.paradigm = "human".into();
        assert_eq!(bad.parse().unwrap_err().field(), Some("scorer"));
    }

    #[test]
    fn a_definition_round_trips_through_its_input() {
        let definition = input().parse().unwrap();
        assert_eq!(MetricInput::from(&definition).parse().unwrap(), definition);
    }

    #[test]
    fn changes_list_exactly_the_fields_that_differ() {
        let old = input().parse().unwrap();
        let mut edited = input();
        edited.cost_per_failure = "3".into();
        edited.threshold = "0.5".into();
        let new = edited.parse().unwrap();
        assert_eq!(
            new.changes_from(&old),
            vec![
                (
                    "pass_rule",
                    "score at least 1".into(),
                    "score at least 0.5".into()
                ),
                ("cost_per_failure", "$2.50".into(), "$3.00".into()),
            ]
        );
        assert!(old.changes_from(&old).is_empty());
    }
}
