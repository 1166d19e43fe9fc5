//! Eval runs: created by the first output that names them, pinned to one dataset version, and
//! read back item by item with their metrics' verdicts.

use crate::domain::dataset::run::{ItemResult, RunInfo};
use crate::domain::dataset::Item;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, HashMap};

const RUN: &str = "SELECT e.id, e.name, d.name AS dataset, v.number AS version, v.id AS version_id, v.items,
        (SELECT count(*) FROM outputs o WHERE o.run_id = e.id) AS outputs, e.created_at
     FROM eval_runs e JOIN dataset_versions v ON v.id = e.version_id JOIN datasets d ON d.id = v.dataset_id";

/// Takes the transaction's lock on each of the project's runs `names` (sorted).
pub async fn lock(connection: &mut PgConnection, project_id: i64, names: &[String]) -> Result<(), AppError> {
    for name in names {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))")
            .bind(format!("eval run {name}"))
            .bind(project_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// The id of version `number` of the project's dataset `name`, if both exist.
pub async fn version_of(
    connection: &mut PgConnection,
    project_id: i64,
    name: &str,
    number: i32,
) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT v.id FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
         WHERE d.project_id = $1 AND d.name = $2 AND v.number = $3",
    )
    .bind(project_id)
    .bind(name)
    .bind(number)
    .fetch_optional(connection)
    .await?)
}

/// Whether the project has a dataset called `name`.
pub async fn dataset_exists(
    connection: &mut PgConnection,
    project_id: i64,
    name: &str,
) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM datasets WHERE project_id = $1 AND name = $2)")
            .bind(project_id)
            .bind(name)
            .fetch_one(connection)
            .await?,
    )
}

/// The items of version `version_id` with the given keys: key → (stored id, item).
pub async fn items_by_key(
    connection: &mut PgConnection,
    version_id: i64,
    keys: &[String],
) -> Result<HashMap<String, (i64, Item)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        item_key: String,
        id: i64,
        content: sqlx::types::Json<Item>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT item_key, id, content FROM dataset_items WHERE version_id = $1 AND item_key = ANY($2)",
    )
    .bind(version_id)
    .bind(keys)
    .fetch_all(connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.item_key, (row.id, row.content.0)))
        .collect())
}

/// The run called `name`, created on `version_id` when new: its id and the version it pinned.
pub async fn find_or_create(
    connection: &mut PgConnection,
    project_id: i64,
    name: &str,
    version_id: i64,
) -> Result<(i64, i64), AppError> {
    sqlx::query(
        "INSERT INTO eval_runs (project_id, version_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, name) DO NOTHING",
    )
    .bind(project_id)
    .bind(version_id)
    .bind(name)
    .execute(&mut *connection)
    .await?;
    Ok(
        sqlx::query_as("SELECT id, version_id FROM eval_runs WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(name)
            .fetch_one(connection)
            .await?,
    )
}

/// Of the items `item_ids`, those that already have an output in run `run_id`: item → the
/// output's external id.
pub async fn answered(
    connection: &mut PgConnection,
    run_id: i64,
    item_ids: &[i64],
) -> Result<HashMap<i64, Option<String>>, AppError> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT dataset_item_id, external_id FROM outputs WHERE run_id = $1 AND dataset_item_id = ANY($2)",
    )
    .bind(run_id)
    .bind(item_ids)
    .fetch_all(connection)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The project's runs, newest first.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<RunInfo>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{RUN} WHERE e.project_id = $1 ORDER BY e.created_at DESC, e.id DESC"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// The run called `name`, or not found.
pub async fn find(pool: &PgPool, project_id: i64, name: &str) -> Result<RunInfo, AppError> {
    sqlx::query_as(&format!("{RUN} WHERE e.project_id = $1 AND e.name = $2"))
        .bind(project_id)
        .bind(name)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Eval run '{name}'")))
}

/// Each answered item of the run, in the version's order, with its metrics' verdicts (`None`
/// where the scorer did not apply or failed).
pub async fn results(pool: &PgPool, run_id: i64) -> Result<Vec<ItemResult>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        output_id: i64,
        content: sqlx::types::Json<Item>,
        metric: Option<String>,
        passed: Option<bool>,
        /// Whether the scorer failed.
        failed: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT o.id AS output_id, di.content, m.key AS metric, s.passed, s.error IS NOT NULL AS failed
         FROM outputs o JOIN dataset_items di ON di.id = o.dataset_item_id
         LEFT JOIN scores s ON s.output_id = o.id LEFT JOIN metrics m ON m.id = s.metric_id
         WHERE o.run_id = $1 ORDER BY di.position, m.key",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    let mut results: Vec<ItemResult> = Vec::new();
    for Row {
        output_id,
        content,
        metric,
        passed,
        failed,
    } in rows
    {
        if results.last().is_none_or(|r| r.output_id != output_id) {
            let item = content.0;
            results.push(ItemResult {
                item_id: item.id,
                output_id,
                tags: item.tags,
                case_id: item.case_id,
                variant: item.variant,
                verdicts: BTreeMap::new(),
            });
        }
        if let (Some(metric), Some(last)) = (metric, results.last_mut()) {
            last.verdicts.insert(metric, if failed { None } else { passed });
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests;
