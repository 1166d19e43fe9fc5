//! Scores of hybrid metrics: each combines the human metric's final label and the automated
//! metric's score of the same output ([`crate::domain::hybrid::combine`]).

use super::scores::ScoreChange;
use crate::domain::hybrid::combine;
use crate::domain::metric::kinds::Direction;
use crate::domain::metric::scorer::{PassRule, ScorerSpec};
use crate::domain::rubric::{value_range, Level};
use crate::error::AppError;
use crate::server::scoring::active::ScoreRow;
use sqlx::types::Json;
use sqlx::PgConnection;

/// The two parts of a hybrid score of one output, and the human rubric's levels.
#[derive(sqlx::FromRow)]
struct Parts {
    output_id: i64,
    human: f64,
    automated: f64,
    levels: Option<Json<Vec<Level>>>,
}

/// Version recorded with hybrid scores.
pub const VERSION: &str = "hybrid-1";

/// Recomputes the scores of every non-retired hybrid metric on `outputs` whose two parts are
/// both scored; a hybrid score whose parts are no longer both there is withdrawn.
pub async fn refresh(connection: &mut PgConnection, outputs: &[i64]) -> Result<(), AppError> {
    let metrics: Vec<(i64, i64, Json<ScorerSpec>, f64, String)> = sqlx::query_as(
        "SELECT DISTINCT m.id, m.project_id, m.scorer, m.threshold, m.direction
         FROM metrics m JOIN outputs o ON o.project_id = m.project_id
         WHERE o.id = ANY($1) AND m.status <> 'retired' AND m.scorer ->> 'kind' = 'hybrid'",
    )
    .bind(outputs)
    .fetch_all(&mut *connection)
    .await?;
    for (metric_id, project_id, spec, threshold, direction) in metrics {
        let ScorerSpec::Hybrid {
            human,
            automated,
            human_weight,
            automated_scale,
        } = spec.0
        else {
            continue;
        };
        let rule = PassRule {
            threshold,
            direction: Direction::parse(&direction)?,
        };
        let parts: Vec<Parts> = sqlx::query_as(
            "SELECT h.output_id, h.value AS human, a.value AS automated,
                (SELECT v.levels FROM rubric_versions v WHERE v.rubric_id = (hm.scorer ->> 'rubric_id')::int8
                 ORDER BY v.version DESC LIMIT 1) AS levels
             FROM metrics hm JOIN metrics am ON am.project_id = hm.project_id AND am.key = $3
             JOIN scores h ON h.metric_id = hm.id AND h.value IS NOT NULL
             JOIN scores a ON a.metric_id = am.id AND a.output_id = h.output_id AND a.value IS NOT NULL
             WHERE hm.project_id = $1 AND hm.key = $2 AND h.output_id = ANY($4)",
        )
        .bind(project_id)
        .bind(&human)
        .bind(&automated)
        .bind(outputs)
        .fetch_all(&mut *connection)
        .await?;
        let gone: Vec<i64> = outputs
            .iter()
            .copied()
            .filter(|id| !parts.iter().any(|p| p.output_id == *id))
            .collect();
        super::scores::apply(
            connection,
            ScoreChange::Remove {
                metric_id,
                outputs: &gone,
            },
        )
        .await?;
        let rows: Vec<(i64, ScoreRow)> = parts
            .into_iter()
            .map(
                |Parts {
                     output_id,
                     human: human_value,
                     automated: automated_value,
                     levels,
                 }| {
                    let range = levels.map_or((0.0, 1.0), |l| value_range(&l.0));
                    let value = combine(human_value, range, automated_value, automated_scale, human_weight);
                    let row = ScoreRow {
                        metric_id,
                        value: Some(value),
                        passed: Some(rule.passes(value)),
                        rationale: format!(
                            "{:.0}% {human} ({human_value}) + {:.0}% {automated} ({automated_value})",
                            human_weight * 100.0,
                            (1.0 - human_weight) * 100.0
                        ),
                        error: None,
                        retry: None,
                    };
                    (output_id, row)
                },
            )
            .collect();
        super::scores::apply(
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
