//! Storing a validated batch with the scores of the project's active automated metrics; shared
//! by the ingestion API and the recording of real-time checks.

use super::db;
use super::scoring::active::{self, ActiveScorer};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::Status;
use crate::domain::output::NewOutput;
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

/// Stores `batch` and its scores in one transaction.
pub async fn store(
    pool: &PgPool,
    project_id: i64,
    batch: &[NewOutput],
) -> Result<db::outputs::Ingested, AppError> {
    let scorers = scorers(pool, project_id).await?;
    let mut tx = pool.begin().await.map_err(db::database)?;
    let ingested = db::outputs::ingest(&mut tx, project_id, batch, &scorers).await?;
    tx.commit().await.map_err(db::database)?;
    Ok(ingested)
}
