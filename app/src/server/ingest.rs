//! Which scorers score new outputs: those of the project's active automated metrics.

use super::db;
use super::scoring::active::{self, ActiveScorer};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::Status;
use crate::error::AppError;
use sqlx::PgPool;

/// The scorers of every active automated metric of a project.
pub async fn scorers(pool: &PgPool, project_id: i64) -> Result<Vec<ActiveScorer>, AppError> {
    let filter = ParsedFilter {
        status: Some(Status::Active),
        ..Default::default()
    };
    Ok(active::from_metrics(
        &db::metrics::list(pool, Some(project_id), &filter).await?,
    ))
}
