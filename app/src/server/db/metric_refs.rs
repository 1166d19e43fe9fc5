//! What a metric's scorer refers to must exist in the same project: the rubric of a human
//! metric, and the two metrics a hybrid one combines.

use crate::domain::metric::scorer::ScorerSpec;
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::PgConnection;

/// Refuses (on the `scorer` field) a scorer that names a rubric or metric the project lacks.
pub async fn check(
    connection: &mut PgConnection,
    project_id: i64,
    scorer: &ScorerSpec,
) -> Result<(), AppError> {
    match scorer {
        ScorerSpec::Human {
            rubric_id: Some(rubric),
        } => {
            let found: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rubrics WHERE id = $1 AND project_id = $2)")
                    .bind(rubric)
                    .bind(project_id)
                    .fetch_one(&mut *connection)
                    .await?;
            if !found {
                return Err(AppError::invalid(
                    "scorer",
                    format!("rubric {rubric} is not a rubric of this project"),
                ));
            }
        }
        ScorerSpec::Hybrid { human, automated, .. } => {
            for (key, wants_human) in [(human, true), (automated, false)] {
                let spec: Option<Json<ScorerSpec>> =
                    sqlx::query_scalar("SELECT scorer FROM metrics WHERE project_id = $1 AND key = $2")
                        .bind(project_id)
                        .bind(key)
                        .fetch_optional(&mut *connection)
                        .await?;
                let fits = spec.is_some_and(|s| {
                    if wants_human {
                        s.0.is_people()
                    } else {
                        s.0.is_automated()
                    }
                });
                if !fits {
                    let what = if wants_human { "a human" } else { "an automated" };
                    return Err(AppError::invalid(
                        "scorer",
                        format!("'{key}' is not {what} metric of this project"),
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
