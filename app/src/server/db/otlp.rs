//! OpenTelemetry traces in: each project's attribute mapping and the log of received batches.

use crate::domain::otlp::{BatchReport, BatchView, Mapping};
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Batches kept per project; older ones are pruned as new ones arrive.
pub const KEPT: i64 = 200;

/// The project's mapping.
pub async fn mapping(pool: &PgPool, project_id: i64) -> Result<Mapping, AppError> {
    let (version_attribute, Json(segments)): (String, Json<BTreeMap<String, String>>) =
        sqlx::query_as("SELECT otlp_version_attribute, otlp_segments FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(pool)
            .await?;
    Ok(Mapping {
        version_attribute,
        segments,
    })
}

/// Replaces the project's mapping.
pub async fn set_mapping(pool: &PgPool, project_id: i64, mapping: &Mapping) -> Result<(), AppError> {
    sqlx::query("UPDATE projects SET otlp_version_attribute = $2, otlp_segments = $3 WHERE id = $1")
        .bind(project_id)
        .bind(&mapping.version_attribute)
        .bind(Json(&mapping.segments))
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a received batch and prunes the project's log to the newest [`KEPT`].
pub async fn record(
    pool: &PgPool,
    project_id: i64,
    encoding: &str,
    report: &BatchReport,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO otlp_batches (project_id, encoding, report) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(project_id)
    .bind(encoding)
    .bind(Json(report))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM otlp_batches WHERE project_id = $1 AND id <= (
            SELECT id FROM otlp_batches WHERE project_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)",
    )
    .bind(project_id)
    .bind(KEPT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The project's most recent batches, newest first.
pub async fn recent(pool: &PgPool, project_id: i64, limit: i64) -> Result<Vec<BatchView>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        received_at: chrono::DateTime<chrono::Utc>,
        encoding: String,
        report: Json<BatchReport>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, received_at, encoding, report FROM otlp_batches
         WHERE project_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(project_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| BatchView {
            id: row.id,
            received_at: row.received_at,
            encoding: row.encoding,
            report: row.report.0,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::fixture::fixture;

    #[sqlx::test(migrations = "../migrations")]
    async fn a_project_starts_with_the_default_mapping_and_keeps_what_is_saved(pool: PgPool) {
        let f = fixture(&pool).await;
        assert_eq!(mapping(&pool, f.project).await.unwrap(), Mapping::default());
        let changed = Mapping::parse("deployment.version", "app.customer = customer").unwrap();
        set_mapping(&pool, f.project, &changed).await.unwrap();
        assert_eq!(mapping(&pool, f.project).await.unwrap(), changed);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_batch_log_keeps_the_newest_batches(pool: PgPool) {
        let f = fixture(&pool).await;
        for spans in 0..(KEPT as u32 + 5) {
            let report = BatchReport {
                spans,
                ..Default::default()
            };
            record(&pool, f.project, "json", &report).await.unwrap();
        }
        let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM otlp_batches")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(kept, KEPT);
        let newest = recent(&pool, f.project, 2).await.unwrap();
        assert_eq!(newest[0].report.spans, KEPT as u32 + 4);
        assert_eq!(newest[1].report.spans, KEPT as u32 + 3);
    }
}
