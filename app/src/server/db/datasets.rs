//! Datasets, their immutable versions and items, and the production counts their health is
//! measured against. Eval runs are in [`super::eval_runs`].

use super::map_unique;
use crate::domain::dataset::health::SegmentCount;
use crate::domain::dataset::{Dataset, Item, Version};
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

const DATASET: &str = "SELECT d.id, d.project_id, d.name, d.description, d.created_at,
        COALESCE(v.number, 0) AS latest, COALESCE(v.items, 0) AS items,
        COALESCE(v.created_at, d.created_at) AS changed_at, d.reviewed_at, r.display_name AS reviewed_by,
        (SELECT count(*) FROM eval_runs e JOIN dataset_versions dv ON dv.id = e.version_id
          WHERE dv.dataset_id = d.id) AS runs
     FROM datasets d
     LEFT JOIN LATERAL (SELECT number, items, created_at FROM dataset_versions
                        WHERE dataset_id = d.id ORDER BY number DESC LIMIT 1) v ON true
     LEFT JOIN users r ON r.id = d.reviewed_by";

/// Creates an empty dataset.
pub async fn create(
    pool: &PgPool,
    project_id: i64,
    name: &str,
    description: &str,
    user: i64,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "INSERT INTO datasets (project_id, name, description, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(project_id)
    .bind(name)
    .bind(description)
    .bind(user)
    .fetch_one(pool)
    .await
    .map_err(|e| map_unique(e, "datasets_project_name_key", "name", "a dataset of this project already has this name"))
}

/// The project's datasets, by name.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<Dataset>, AppError> {
    Ok(
        sqlx::query_as(&format!("{DATASET} WHERE d.project_id = $1 ORDER BY d.name"))
            .bind(project_id)
            .fetch_all(pool)
            .await?,
    )
}

/// The dataset called `name`, or not found.
pub async fn find(pool: &PgPool, project_id: i64, name: &str) -> Result<Dataset, AppError> {
    sqlx::query_as(&format!("{DATASET} WHERE d.project_id = $1 AND d.name = $2"))
        .bind(project_id)
        .bind(name)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Dataset '{name}'")))
}

/// Every version, newest first.
pub async fn versions(pool: &PgPool, dataset_id: i64) -> Result<Vec<Version>, AppError> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.number, v.note, v.items, u.display_name AS created_by, v.created_at
         FROM dataset_versions v LEFT JOIN users u ON u.id = v.created_by
         WHERE v.dataset_id = $1 ORDER BY v.number DESC",
    )
    .bind(dataset_id)
    .fetch_all(pool)
    .await?)
}

/// The items of a version, in their order, with their stored ids.
pub async fn items(connection: &mut PgConnection, version_id: i64) -> Result<Vec<(i64, Item)>, AppError> {
    let rows: Vec<(i64, sqlx::types::Json<Item>)> =
        sqlx::query_as("SELECT id, content FROM dataset_items WHERE version_id = $1 ORDER BY position")
            .bind(version_id)
            .fetch_all(connection)
            .await?;
    Ok(rows.into_iter().map(|(id, item)| (id, item.0)).collect())
}

/// The id of version `number` of the dataset (`None`: the latest), or not found.
pub async fn version_id(
    connection: &mut PgConnection,
    dataset_id: i64,
    number: Option<i32>,
) -> Result<Option<(i64, i32)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, number FROM dataset_versions WHERE dataset_id = $1 AND ($2::int IS NULL OR number = $2)
         ORDER BY number DESC LIMIT 1",
    )
    .bind(dataset_id)
    .bind(number)
    .fetch_optional(connection)
    .await?)
}

/// Locks the dataset against concurrent writers and answers its latest version's id and
/// number (0 without content).
pub async fn lock_latest(
    connection: &mut PgConnection,
    dataset_id: i64,
) -> Result<(Option<i64>, i32), AppError> {
    sqlx::query("SELECT 1 FROM datasets WHERE id = $1 FOR UPDATE")
        .bind(dataset_id)
        .execute(&mut *connection)
        .await?;
    Ok(version_id(connection, dataset_id, None)
        .await?
        .map_or((None, 0), |(id, n)| (Some(id), n)))
}

/// Writes `items` as the version after `previous`; answers its number.
pub async fn write_version(
    connection: &mut PgConnection,
    dataset_id: i64,
    previous: i32,
    items: &[Item],
    note: &str,
    user: i64,
) -> Result<i32, AppError> {
    let number = previous + 1;
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO dataset_versions (dataset_id, number, note, items, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(dataset_id)
    .bind(number)
    .bind(note)
    .bind(items.len() as i32)
    .bind(user)
    .fetch_one(&mut *connection)
    .await?;
    let keys: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let contents: Vec<serde_json::Value> = items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or_default())
        .collect();
    sqlx::query(
        "INSERT INTO dataset_items (version_id, position, item_key, content)
         SELECT $1, t.position, t.key, t.content FROM unnest($2::text[], $3::jsonb[]) WITH ORDINALITY AS t(key, content, position)",
    )
    .bind(version)
    .bind(&keys)
    .bind(&contents)
    .execute(&mut *connection)
    .await?;
    Ok(number)
}

/// Records that someone reviewed the dataset and found it current.
pub async fn mark_reviewed(pool: &PgPool, dataset_id: i64, user: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE datasets SET reviewed_at = now(), reviewed_by = $2 WHERE id = $1")
        .bind(dataset_id)
        .bind(user)
        .execute(pool)
        .await?;
    Ok(())
}

/// The last 30 days' production outputs (outside eval runs): their number, and per segment key
/// of the project the count of each value.
pub async fn production_segments(
    pool: &PgPool,
    project_id: i64,
) -> Result<(u64, Vec<SegmentCount>), AppError> {
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outputs WHERE project_id = $1 AND run_id IS NULL AND source = 'production'
           AND occurred_at >= now() - interval '30 days'",
    )
    .bind(project_id)
    .fetch_one(pool)
    .await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        key: String,
        value: String,
        outputs: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT k AS key, o.metadata ->> k AS value, count(*) AS outputs FROM outputs o JOIN projects p ON p.id = o.project_id
         CROSS JOIN unnest(p.segment_keys) k
         WHERE o.project_id = $1 AND o.run_id IS NULL AND o.source = 'production'
           AND o.occurred_at >= now() - interval '30 days' AND o.metadata ->> k IS NOT NULL
         GROUP BY 1, 2",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    Ok((
        total as u64,
        rows.into_iter()
            .map(|r| SegmentCount {
                key: r.key,
                value: r.value,
                outputs: r.outputs as u64,
            })
            .collect(),
    ))
}

/// One annotator's rating of one output on one metric.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UnitRating {
    /// The metric's key.
    pub metric: String,
    pub output_id: i64,
    pub value: f64,
}

/// Per metric (key), the ratings annotators gave the outputs `output_ids` (one unit per output,
/// each annotator's value), for agreement among them.
pub async fn ratings_of(
    pool: &PgPool,
    project_id: i64,
    output_ids: &[i64],
) -> Result<Vec<UnitRating>, AppError> {
    Ok(sqlx::query_as(
        "SELECT m.key AS metric, qi.output_id, r.value FROM ratings r
         JOIN assignments a ON a.id = r.assignment_id JOIN queue_items qi ON qi.id = a.item_id
         JOIN metrics m ON m.id = r.metric_id JOIN outputs o ON o.id = qi.output_id
         WHERE qi.output_id = ANY($1) AND o.project_id = $2 AND a.status = 'done'
         ORDER BY m.key, qi.output_id",
    )
    .bind(output_ids)
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// Of `ids`, those that are outputs of the project.
pub async fn known_outputs(pool: &PgPool, project_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM outputs WHERE project_id = $1 AND id = ANY($2)")
            .bind(project_id)
            .bind(ids)
            .fetch_all(pool)
            .await?,
    )
}

/// The project's outputs `ids` (not eval runs' answers) as dataset items taken from production (id `output-N`; the
/// input or conversation, the output's expected output, language and topic from its
/// metadata).
pub async fn outputs_as_items(pool: &PgPool, project_id: i64, ids: &[i64]) -> Result<Vec<Item>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        input: Option<String>,
        messages: Option<sqlx::types::Json<Vec<crate::domain::output::Message>>>,
        expected_output: Option<String>,
        metadata: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, input, messages, expected_output, metadata FROM outputs
         WHERE project_id = $1 AND id = ANY($2) AND run_id IS NULL ORDER BY id",
    )
    .bind(project_id)
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |Row {
                 id,
                 input,
                 messages,
                 expected_output,
                 metadata,
             }| {
                let tag = |key: &str| metadata.0.get(key).and_then(|v| v.as_str()).map(str::to_owned);
                Item {
                    id: format!("output-{id}"),
                    input,
                    messages: messages.map(|m| m.0),
                    expected_output,
                    expected_label: None,
                    tags: crate::domain::dataset::Tags {
                        language: tag("language"),
                        topic: tag("topic"),
                        ..Default::default()
                    },
                    case_id: None,
                    variant: None,
                    source: crate::domain::dataset::Origin::Production,
                    output_id: Some(id),
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests;
