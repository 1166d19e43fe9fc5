//! What hybrid metrics are made of: the hybrid metrics scoring some outputs, and for one of them
//! the two parts of each output's score (the human final label and the automated score). The
//! recomputation itself is the use case [`crate::server::hybrid`].

use crate::domain::metric::scorer::{PassRule, ScorerSpec};
use crate::domain::rubric::Level;
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::PgConnection;

/// A hybrid metric of the projects of some outputs.
#[derive(Debug, sqlx::FromRow)]
pub struct HybridMetric {
    pub id: i64,
    pub project_id: i64,
    pub scorer: Json<ScorerSpec>,
    pub threshold: f64,
    pub direction: crate::domain::metric::kinds::Direction,
}

impl HybridMetric {
    /// The metric's pass rule.
    pub fn rule(&self) -> PassRule {
        PassRule {
            threshold: self.threshold,
            direction: self.direction,
        }
    }
}

/// The two parts of a hybrid score of one output, and the human rubric's levels.
#[derive(Debug, sqlx::FromRow)]
pub struct Parts {
    pub output_id: i64,
    pub human: f64,
    pub automated: f64,
    pub levels: Option<Json<Vec<Level>>>,
    /// The human metric's scorer (a feedback metric brings its scale).
    pub human_scorer: Json<ScorerSpec>,
}

impl Parts {
    /// The lowest and highest value of the human side: its feedback scale, else its rubric's
    /// levels, else 0..1.
    pub fn human_range(&self) -> (f64, f64) {
        match (self.human_scorer.0.scale(), &self.levels) {
            (Some(scale), _) => scale.range(),
            (None, Some(levels)) => crate::domain::rubric::value_range(&levels.0),
            (None, None) => (0.0, 1.0),
        }
    }
}

/// The non-retired hybrid metrics of the projects `outputs` belong to.
pub async fn metrics_on(
    connection: &mut PgConnection,
    outputs: &[i64],
) -> Result<Vec<HybridMetric>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT m.id, m.project_id, m.scorer, m.threshold, m.direction
         FROM metrics m JOIN outputs o ON o.project_id = m.project_id
         WHERE o.id = ANY($1) AND m.status <> 'retired' AND m.scorer ->> 'kind' = 'hybrid'",
    )
    .bind(outputs)
    .fetch_all(&mut *connection)
    .await?)
}

/// The outputs among `outputs` scored by both `human` and `automated` (metric keys of the
/// project), with both values, the human rubric's current levels and the human scorer.
pub async fn parts(
    connection: &mut PgConnection,
    project_id: i64,
    (human, automated): (&str, &str),
    outputs: &[i64],
) -> Result<Vec<Parts>, AppError> {
    Ok(sqlx::query_as(
        "SELECT h.output_id, h.value AS human, a.value AS automated,
            (SELECT v.levels FROM rubric_versions v WHERE v.rubric_id = (hm.scorer ->> 'rubric_id')::int8
             ORDER BY v.version DESC LIMIT 1) AS levels, hm.scorer AS human_scorer
         FROM metrics hm JOIN metrics am ON am.project_id = hm.project_id AND am.key = $3
         JOIN scores h ON h.metric_id = hm.id AND h.value IS NOT NULL
         JOIN scores a ON a.metric_id = am.id AND a.output_id = h.output_id AND a.value IS NOT NULL
         WHERE hm.project_id = $1 AND hm.key = $2 AND h.output_id = ANY($4)",
    )
    .bind(project_id)
    .bind(human)
    .bind(automated)
    .bind(outputs)
    .fetch_all(&mut *connection)
    .await?)
}

#[cfg(test)]
mod tests;
