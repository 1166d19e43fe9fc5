//! The scorers of a project's active model-centric metrics, compiled once per batch (and, for
//! the real-time check, cached), and the score rows they produce.

use super::{Compiled, ScoringInput, Skip};
use crate::domain::metric::kinds::{Cadence, FailureAction, Paradigm, Status};
use crate::domain::metric::scorer::PassRule;
use crate::domain::metric::MetricView;
use crate::domain::output::NewOutput;
use crate::domain::score_row::{Retry, ScoreRow};

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

#[cfg(test)]
impl ActiveScorer {
    /// A real-time scorer of metric `metric_id` passing from 1, from a scorer document.
    pub(crate) fn for_test(metric_id: i64, key: &str, spec: &str, action: FailureAction) -> Self {
        use crate::domain::metric::kinds::Direction;
        Self {
            metric_id,
            key: key.into(),
            rule: PassRule {
                threshold: 1.0,
                direction: Direction::AtLeast,
            },
            cadence: Cadence::RealTime,
            action,
            scorer: Compiled::new(&crate::domain::metric::scorer::ScorerSpec::parse_json(spec).unwrap()),
        }
    }
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
    /// Scores one output with a built-in scorer; an endpoint scorer gives a pending row for the
    /// worker, and `None` means people score it.
    pub fn score(&self, input: &ScoringInput<'_>) -> Option<ScoreRow> {
        let row = |value, rationale, error| self.row(value, rationale, error);
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
                Err(Skip::External(_)) if matches!(compiled, Compiled::External(_)) => Some(ScoreRow {
                    retry: Some(Retry::NOW),
                    ..row(None, "waiting for the endpoint".into(), None)
                }),
                Err(Skip::External(_)) => None,
            },
        }
    }
}

/// Every score `scorers` give `output`.
pub fn score_all(scorers: &[ActiveScorer], output: &NewOutput) -> Vec<ScoreRow> {
    let users = output.user_messages();
    let input = ScoringInput::of(output, &users);
    scorers.iter().filter_map(|s| s.score(&input)).collect()
}

impl ActiveScorer {
    /// A row of this metric; `passed` follows from the value and the pass rule.
    pub fn row(&self, value: Option<f64>, rationale: String, error: Option<String>) -> ScoreRow {
        ScoreRow {
            metric_id: self.metric_id,
            passed: value.map(|v| self.rule.passes(v)),
            value,
            rationale,
            error,
            retry: None,
        }
    }
}
