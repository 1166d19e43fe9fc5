//! The scorers of a project's active model-centric metrics, compiled once per batch (and, for
//! the real-time check, cached), and the score rows they produce.

use super::{Compiled, ScoringInput, Skip, VERSION};
use crate::domain::metric::kinds::{Cadence, FailureAction, Paradigm, Status};
use crate::domain::metric::scorer::PassRule;
use crate::domain::metric::MetricView;

/// One metric ready to score.
#[derive(Debug, Clone)]
pub struct ActiveScorer {
    pub metric_id: i64,
    pub key: String,
    pub rule: PassRule,
    pub cadence: Cadence,
    pub action: FailureAction,
    /// `Err` holds why the scorer could not be compiled; it is recorded on every score.
    pub scorer: Result<Compiled, String>,
}

/// A score to store: `value` and `passed` are `None` when the scorer did not apply or failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub metric_id: i64,
    pub value: Option<f64>,
    pub passed: Option<bool>,
    pub rationale: String,
    pub error: Option<String>,
}

/// The automated scorers among `metrics`: active, and not scored by people.
pub fn from_metrics(metrics: &[MetricView]) -> Vec<ActiveScorer> {
    metrics
        .iter()
        .filter(|m| m.status == Status::Active && m.definition.paradigm != Paradigm::Human)
        .map(|m| ActiveScorer {
            metric_id: m.id,
            key: m.definition.key.clone(),
            rule: m.definition.pass_rule,
            cadence: m.definition.cadence,
            action: m.definition.action_on_failure,
            scorer: Compiled::new(&m.definition.scorer),
        })
        .collect()
}

impl ActiveScorer {
    /// Scores one output; `None` when another part of Vernier scores it (judges, people).
    pub fn score(&self, input: &ScoringInput<'_>) -> Option<ScoreRow> {
        let row = |value: Option<f64>, rationale: String, error: Option<String>| ScoreRow {
            metric_id: self.metric_id,
            passed: value.map(|v| self.rule.passes(v)),
            value,
            rationale,
            error,
        };
        match &self.scorer {
            Err(reason) => Some(row(
                None,
                String::new(),
                Some(format!("scorer cannot run: {reason}")),
            )),
            Ok(compiled) => match compiled.score(input) {
                Ok(outcome) => Some(row(Some(outcome.value), outcome.rationale, None)),
                Err(Skip::NotApplicable(reason)) => {
                    Some(row(None, format!("not applicable: {reason}"), None))
                }
                Err(Skip::External(_)) => None,
            },
        }
    }
}

/// The version recorded with built-in scores.
pub fn scorer_version() -> &'static str {
    VERSION
}
