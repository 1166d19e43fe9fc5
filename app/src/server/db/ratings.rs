//! The annotator's side of a queue: their items in order, their ratings (never anyone
//! else's), skipping, and where an item stands for settling its final labels (the settling
//! itself is the use case [`crate::server::annotation`]).

use crate::domain::annotation::work::{Progress, RatedMetric, WorkItem, Workspace};
use crate::domain::metric::kinds::Direction;
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::output::Message;
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// The queue's metrics with the current version of each one's rubric, in queue order.
pub async fn queue_metrics(pool: &PgPool, queue_id: i64) -> Result<Vec<RatedMetric>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        metric_id: i64,
        key: String,
        name: String,
        scorer: Json<ScorerSpec>,
        project_id: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.id AS metric_id, m.key, m.name, m.scorer, q.project_id FROM queue_metrics qm
         JOIN metrics m ON m.id = qm.metric_id JOIN annotation_queues q ON q.id = qm.queue_id
         WHERE qm.queue_id = $1 ORDER BY qm.position",
    )
    .bind(queue_id)
    .fetch_all(pool)
    .await?;
    let mut metrics = Vec::with_capacity(rows.len());
    for row in rows {
        let ScorerSpec::Human {
            rubric_id: Some(rubric_id),
        } = row.scorer.0
        else {
            return Err(AppError::Internal(format!("metric {} has no rubric", row.key)));
        };
        let rubric = super::rubrics::get(pool, row.project_id, rubric_id).await?;
        metrics.push(RatedMetric {
            metric_id: row.metric_id,
            key: row.key,
            name: row.name,
            rubric,
        });
    }
    Ok(metrics)
}

#[derive(sqlx::FromRow)]
struct Assigned {
    id: i64,
    status: String,
    comment: String,
    position: i64,
    total: i64,
    done: i64,
    skipped: i64,
    queue_name: String,
    input: Option<String>,
    messages: Option<Json<Vec<Message>>>,
    output: String,
    expected_output: Option<String>,
}

/// The caller's item at `position` (from 1) of their items in the queue, or, without a
/// position, the first one still pending (resume where they left off). The caller must be an
/// annotator of the queue (checked by the server function).
pub async fn work_item(
    pool: &PgPool,
    queue_id: i64,
    annotator: i64,
    position: Option<i64>,
) -> Result<Workspace, AppError> {
    let row: Option<Assigned> = sqlx::query_as(
        "WITH mine AS (
            SELECT a.id, a.status, a.comment, i.output_id,
                row_number() OVER (ORDER BY i.position) AS position,
                count(*) OVER () AS total,
                count(*) FILTER (WHERE a.status = 'done') OVER () AS done,
                count(*) FILTER (WHERE a.status = 'skipped') OVER () AS skipped
            FROM assignments a JOIN queue_items i ON i.id = a.item_id
            WHERE i.queue_id = $1 AND a.annotator_id = $2)
         SELECT mine.id, mine.status, mine.comment, mine.position, mine.total, mine.done, mine.skipped,
            q.name AS queue_name, o.input, o.messages, o.output, o.expected_output
         FROM mine JOIN outputs o ON o.id = mine.output_id JOIN annotation_queues q ON q.id = $1
         WHERE ($3::int8 IS NULL AND mine.status = 'pending') OR mine.position = $3
         ORDER BY mine.position LIMIT 1",
    )
    .bind(queue_id)
    .bind(annotator)
    .bind(position)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        if position.is_some() {
            return Err(AppError::NotFound(format!(
                "item {} of this queue",
                position.unwrap_or_default()
            )));
        }
        let summary = super::queues::get_for_annotator(pool, queue_id, annotator).await?;
        return Ok(Workspace::Finished {
            queue_name: summary.name,
            progress: summary.progress,
        });
    };
    let ratings: Vec<(i64, f64)> =
        sqlx::query_as("SELECT metric_id, value FROM ratings WHERE assignment_id = $1")
            .bind(row.id)
            .fetch_all(pool)
            .await?;
    Ok(Workspace::Item(Box::new(WorkItem {
        queue_id,
        queue_name: row.queue_name,
        assignment_id: row.id,
        position: row.position,
        total: row.total,
        progress: Progress {
            done: row.done,
            skipped: row.skipped,
            pending: row.total - row.done - row.skipped,
        },
        status: row.status,
        conversation: row.messages.map(|m| m.0).unwrap_or_default(),
        input: row.input,
        output: row.output,
        expected_output: row.expected_output,
        metrics: queue_metrics(pool, queue_id).await?,
        ratings,
        comment: row.comment,
    })))
}

/// The item and output of the caller's assignment in the queue; 404 for anyone else's.
async fn own_assignment(
    connection: &mut PgConnection,
    queue_id: i64,
    annotator: i64,
    assignment_id: i64,
) -> Result<(i64, i64), AppError> {
    sqlx::query_as(
        "SELECT i.id, i.output_id FROM assignments a JOIN queue_items i ON i.id = a.item_id
         WHERE a.id = $1 AND i.queue_id = $2 AND a.annotator_id = $3 FOR UPDATE OF a",
    )
    .bind(assignment_id)
    .bind(queue_id)
    .bind(annotator)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("assignment {assignment_id} of yours in this queue")))
}

/// Saves the caller's ratings of an item (one per queue metric, each a level of its rubric)
/// and marks it done, within the caller's transaction; answers the item and its output (whose
/// final labels the use case settles next).
pub async fn rate_in(
    tx: &mut PgConnection,
    metrics: &[RatedMetric],
    queue_id: i64,
    annotator: i64,
    assignment_id: i64,
    values: &[(i64, f64)],
    comment: &str,
) -> Result<(i64, i64), AppError> {
    for metric in metrics {
        let value = values
            .iter()
            .find(|(id, _)| *id == metric.metric_id)
            .map(|(_, v)| *v)
            .ok_or_else(|| AppError::invalid("ratings", format!("rate {} too", metric.name)))?;
        if !metric.rubric.levels.iter().any(|l| l.value == value) {
            return Err(AppError::invalid(
                "ratings",
                format!("{value} is not a level of the rubric of {}", metric.name),
            ));
        }
    }
    let (item_id, output_id) = own_assignment(&mut *tx, queue_id, annotator, assignment_id).await?;
    for metric in metrics {
        let value = values
            .iter()
            .find(|(id, _)| *id == metric.metric_id)
            .map(|(_, v)| *v);
        sqlx::query(
            "INSERT INTO ratings (assignment_id, metric_id, rubric_version_id, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (assignment_id, metric_id) DO UPDATE SET
                value = EXCLUDED.value, rubric_version_id = EXCLUDED.rubric_version_id, rated_at = now()",
        )
        .bind(assignment_id)
        .bind(metric.metric_id)
        .bind(metric.rubric.version_id)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    set_status(tx, assignment_id, "done", comment).await?;
    Ok((item_id, output_id))
}

/// Skips the caller's item (their earlier ratings of it stay out of the final label) within the
/// caller's transaction; answers the item and its output.
pub async fn skip_in(
    tx: &mut PgConnection,
    queue_id: i64,
    annotator: i64,
    assignment_id: i64,
    comment: &str,
) -> Result<(i64, i64), AppError> {
    let (item_id, output_id) = own_assignment(&mut *tx, queue_id, annotator, assignment_id).await?;
    set_status(tx, assignment_id, "skipped", comment).await?;
    Ok((item_id, output_id))
}

/// Marks every pending assignment of `annotator` in the project's queues as skipped, saying
/// why; answers each released (item, output).
pub async fn release_pending(
    connection: &mut PgConnection,
    project_id: i64,
    annotator: i64,
    why: &str,
) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "UPDATE assignments a SET status = 'skipped', comment = $3, updated_at = now()
         FROM queue_items i JOIN annotation_queues q ON q.id = i.queue_id
         WHERE a.item_id = i.id AND q.project_id = $1 AND a.annotator_id = $2 AND a.status = 'pending'
         RETURNING i.id, i.output_id",
    )
    .bind(project_id)
    .bind(annotator)
    .bind(why)
    .fetch_all(connection)
    .await?)
}

async fn set_status(
    connection: &mut PgConnection,
    assignment_id: i64,
    status: &str,
    comment: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE assignments SET status = $2, comment = $3, updated_at = now() WHERE id = $1")
        .bind(assignment_id)
        .bind(status)
        .bind(comment.trim())
        .execute(connection)
        .await?;
    Ok(())
}

/// What settling an item needs to know of one of its metrics.
#[derive(Debug, sqlx::FromRow)]
pub struct Settling {
    pub metric_id: i64,
    /// Ratings of those who finished the item (skips left out).
    pub rated: Vec<f64>,
    pub adjudicated: Option<f64>,
    /// Who adjudicated, if anyone.
    pub judge: Option<String>,
    pub pending: bool,
    pub threshold: f64,
    pub direction: Direction,
    pub rubric: Option<String>,
}

/// Where an item stands on each of its metrics, for settling its final labels.
pub async fn settling(connection: &mut PgConnection, item_id: i64) -> Result<Vec<Settling>, AppError> {
    Ok(sqlx::query_as(
        "SELECT qm.metric_id,
            ARRAY(SELECT g.value FROM ratings g JOIN assignments a ON a.id = g.assignment_id
                  WHERE a.item_id = i.id AND a.status = 'done' AND g.metric_id = qm.metric_id) AS rated,
            d.value AS adjudicated, u.display_name AS judge,
            EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.status = 'pending') AS pending,
            m.threshold, m.direction, m.scorer ->> 'rubric_id' AS rubric
         FROM queue_items i
         JOIN queue_metrics qm ON qm.queue_id = i.queue_id
         JOIN metrics m ON m.id = qm.metric_id
         LEFT JOIN adjudications d ON d.item_id = i.id AND d.metric_id = qm.metric_id
         LEFT JOIN users u ON u.id = d.decided_by
         WHERE i.id = $1",
    )
    .bind(item_id)
    .fetch_all(&mut *connection)
    .await?)
}

#[cfg(test)]
mod tests;
