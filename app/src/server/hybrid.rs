//! Hybrid scores as a use case: when either part of a hybrid metric changes on some outputs,
//! its score of those outputs is recomputed ([`crate::domain::hybrid::combine`]) and written
//! through the score seam; a hybrid score whose parts are no longer both there is withdrawn.

use super::db;
use crate::domain::hybrid::combine;
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use db::scores::ScoreChange;
use sqlx::PgConnection;

/// Version recorded with hybrid scores.
pub const VERSION: &str = "hybrid-1";

/// Recomputes every non-retired hybrid metric's score of `outputs`.
pub async fn refresh(connection: &mut PgConnection, outputs: &[i64]) -> Result<(), AppError> {
    for metric in db::hybrid::metrics_on(connection, outputs).await? {
        let ScorerSpec::Hybrid {
            human,
            automated,
            human_weight,
            automated_scale,
        } = &metric.scorer.0
        else {
            continue;
        };
        let rule = metric.rule();
        let parts = db::hybrid::parts(connection, metric.project_id, (human, automated), outputs).await?;
        let gone: Vec<i64> = outputs
            .iter()
            .copied()
            .filter(|id| !parts.iter().any(|p| p.output_id == *id))
            .collect();
        db::scores::apply(
            connection,
            ScoreChange::Remove {
                metric_id: metric.id,
                outputs: &gone,
            },
        )
        .await?;
        let rows: Vec<(i64, ScoreRow)> = parts
            .into_iter()
            .map(|part| {
                let range = part.human_range();
                let value = combine(part.human, range, part.automated, *automated_scale, *human_weight);
                let row = ScoreRow {
                    metric_id: metric.id,
                    value: Some(value),
                    passed: Some(rule.passes(value)),
                    rationale: format!(
                        "{:.0}% {human} ({}) + {:.0}% {automated} ({})",
                        human_weight * 100.0,
                        part.human,
                        (1.0 - human_weight) * 100.0,
                        part.automated
                    ),
                    error: None,
                    retry: None,
                };
                (part.output_id, row)
            })
            .collect();
        db::scores::apply(
            connection,
            ScoreChange::Write {
                rows: &rows,
                version: VERSION,
            },
        )
        .await?;
    }
    Ok(())
}
