//! Annotation queues: creation (sample, items and assignments in one transaction), lists with
//! progress, and who may open a queue.

use super::{database, map_unique};
use crate::domain::annotation::queue::{allocate, assign, QueueDraft, Sampling};
use crate::domain::annotation::work::{AnnotatorProgress, Progress, QueueSummary};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::metric::MetricView;
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// The human metrics named by key, each with a rubric of this project; unknown or unsuitable
/// keys are refused on the `metrics` field.
async fn rated_metrics(pool: &PgPool, project_id: i64, keys: &[String]) -> Result<Vec<i64>, AppError> {
    let all = super::metrics::list(pool, Some(project_id), &ParsedFilter::default()).await?;
    let rubrics: Vec<i64> = super::rubrics::list(pool, project_id)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    keys.iter()
        .map(|key| {
            let metric: &MetricView = all.iter().find(|m| &m.definition.key == key).ok_or_else(|| {
                AppError::invalid("metrics", format!("'{key}' is not a metric of this project"))
            })?;
            match metric.definition.scorer {
                ScorerSpec::Human {
                    rubric_id: Some(rubric),
                } if rubrics.contains(&rubric) => Ok(metric.id),
                ScorerSpec::Human {
                    rubric_id: Some(rubric),
                } => Err(AppError::invalid(
                    "metrics",
                    format!("'{key}' uses rubric {rubric}, which is not a rubric of this project"),
                )),
                _ => Err(AppError::invalid(
                    "metrics",
                    format!("'{key}' is not a human metric with a rubric"),
                )),
            }
        })
        .collect()
}

/// The active project members named, in order; unknown, deactivated or outside users are refused.
async fn annotator_ids(pool: &PgPool, project_id: i64, usernames: &[String]) -> Result<Vec<i64>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Candidate {
        username: String,
        id: i64,
        member: bool,
    }
    let found: Vec<Candidate> = sqlx::query_as(
        "SELECT u.username, u.id,
            EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = $2 AND m.user_id = u.id) AS member
         FROM users u WHERE u.username = ANY($1) AND u.active",
    )
    .bind(usernames)
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    usernames
        .iter()
        .map(|name| match found.iter().find(|c| &c.username == name) {
            None => Err(AppError::invalid(
                "annotators",
                format!("'{name}' is not an active user"),
            )),
            Some(Candidate { member: false, .. }) => Err(AppError::invalid(
                "annotators",
                format!("'{name}' is not a member of this project; add them on the Members page first"),
            )),
            Some(Candidate { id, .. }) => Ok(*id),
        })
        .collect()
}

/// Draws the sample: output ids with their stratum.
async fn sample(
    connection: &mut PgConnection,
    project_id: i64,
    sampling: &Sampling,
) -> Result<Vec<(i64, Option<String>)>, AppError> {
    let (stratum, key) = match sampling {
        Sampling::Random { n } => {
            return sqlx::query_as(
                "SELECT id, NULL::text FROM outputs WHERE project_id = $1 ORDER BY random() LIMIT $2",
            )
            .bind(project_id)
            .bind(i64::from(*n))
            .fetch_all(&mut *connection)
            .await
            .map_err(database);
        }
        // Negative feedback is a failing score of the feedback metric.
        Sampling::Failed { metric, n } | Sampling::NegativeFeedback { metric, n } => {
            return sqlx::query_as(
                "SELECT o.id, NULL::text FROM scores s
                 JOIN outputs o ON o.id = s.output_id
                 JOIN metrics m ON m.id = s.metric_id
                 WHERE o.project_id = $1 AND m.key = $2 AND s.passed = false
                 ORDER BY o.occurred_at DESC, o.id DESC LIMIT $3",
            )
            .bind(project_id)
            .bind(metric)
            .bind(i64::from(*n))
            .fetch_all(&mut *connection)
            .await
            .map_err(database);
        }
        Sampling::Segment { key, .. } => ("o.metadata ->> $2::text", key.as_str()),
        // `$2` is unused by a version stratum; `left(…, 0)` keeps its type known to Postgres.
        Sampling::Version { .. } => ("v.label || left($2::text, 0)", ""),
    };
    let from = "FROM outputs o JOIN system_versions v ON v.id = o.version_id WHERE o.project_id = $1 AND o.run_id IS NULL";
    let strata: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT {stratum}, count(*) {from} AND {stratum} IS NOT NULL GROUP BY 1 ORDER BY 1"
    ))
    .bind(project_id)
    .bind(key)
    .fetch_all(&mut *connection)
    .await?;
    let sizes: Vec<usize> = strata.iter().map(|(_, n)| *n as usize).collect();
    let quotas = allocate(&sizes, sampling.n() as usize);
    sqlx::query_as(&format!(
        "SELECT t.id, t.s FROM (
            SELECT o.id, {stratum} AS s, row_number() OVER (PARTITION BY {stratum} ORDER BY random()) AS rn
            {from} AND {stratum} IS NOT NULL) t
         JOIN UNNEST($3::text[], $4::int8[]) AS q(stratum, quota) ON q.stratum = t.s
         WHERE t.rn <= q.quota ORDER BY random()"
    ))
    .bind(project_id)
    .bind(key)
    .bind(strata.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>())
    .bind(quotas.iter().map(|&q| q as i64).collect::<Vec<_>>())
    .fetch_all(&mut *connection)
    .await
    .map_err(database)
}

/// Creates a queue: checks its metrics, annotators and the failing metric against the
/// project, draws the sample and assigns `overlap` distinct annotators to each item.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    draft: &QueueDraft,
    user_id: i64,
) -> Result<i64, AppError> {
    let metrics = rated_metrics(pool, project_id, &draft.metrics).await?;
    let annotators = annotator_ids(pool, project_id, &draft.annotators).await?;
    if let Sampling::Failed { metric, .. } = &draft.sampling {
        let found = super::metrics::find(pool, project_id, metric).await?;
        if !found.is_some_and(|m| m.definition.scorer.is_automated()) {
            return Err(AppError::invalid(
                "failed_metric",
                format!("'{metric}' is not an automated metric of this project"),
            ));
        }
    }
    if let Sampling::NegativeFeedback { metric, .. } = &draft.sampling {
        let found = super::metrics::find(pool, project_id, metric).await?;
        if found.is_none_or(|m| m.definition.scorer.scale().is_none()) {
            return Err(AppError::invalid(
                "feedback_metric",
                format!("'{metric}' is not a feedback metric of this project"),
            ));
        }
    }
    let mut tx = pool.begin().await?;
    let items = sample(&mut tx, project_id, &draft.sampling).await?;
    if items.is_empty() {
        return Err(AppError::invalid(
            "sampling",
            "no outputs of this project match this sample",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO annotation_queues (project_id, name, sampling, overlap, due_date, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(&draft.name)
    .bind(Json(&draft.sampling))
    .bind(draft.overlap as i32)
    .bind(draft.due_date)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        map_unique(
            e,
            "annotation_queues_project_name_key",
            "name",
            "another queue of this project has this name",
        )
    })?;
    sqlx::query(
        "INSERT INTO queue_metrics (queue_id, metric_id, position)
         SELECT $1, m, p FROM UNNEST($2::int8[]) WITH ORDINALITY AS t(m, p)",
    )
    .bind(id)
    .bind(&metrics)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO queue_annotators (queue_id, user_id) SELECT $1, UNNEST($2::int8[])")
        .bind(id)
        .bind(&annotators)
        .execute(&mut *tx)
        .await?;
    let item_ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO queue_items (queue_id, output_id, position, stratum)
         SELECT $1, o, p, s FROM UNNEST($2::int8[], $3::text[]) WITH ORDINALITY AS t(o, s, p)
         ORDER BY p RETURNING id",
    )
    .bind(id)
    .bind(items.iter().map(|(o, _)| *o).collect::<Vec<_>>())
    .bind(items.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    let plan = assign(item_ids.len(), &annotators, draft.overlap as usize);
    let (assigned_items, assigned_to): (Vec<i64>, Vec<i64>) = item_ids
        .iter()
        .zip(&plan)
        .flat_map(|(item, raters)| raters.iter().map(move |r| (*item, *r)))
        .unzip();
    sqlx::query(
        "INSERT INTO assignments (item_id, annotator_id) SELECT * FROM UNNEST($1::int8[], $2::int8[])",
    )
    .bind(&assigned_items)
    .bind(&assigned_to)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    project: String,
    name: String,
    sampling: Json<Sampling>,
    overlap: i32,
    due_date: Option<chrono::NaiveDate>,
    items: i64,
    metrics: Vec<String>,
    done: i64,
    skipped: i64,
    pending: i64,
}

/// Queues with progress: every queue of `project_id` (when given), and only the queues
/// `annotator` is assigned to in projects they still belong to, counting only their
/// assignments (when given).
pub async fn list(
    pool: &PgPool,
    project_id: Option<i64>,
    annotator: Option<i64>,
) -> Result<Vec<QueueSummary>, AppError> {
    select(pool, project_id, annotator, None).await
}

/// Queues with progress, narrowed as [`list`] says and, when given, to queue `only`.
async fn select(
    pool: &PgPool,
    project_id: Option<i64>,
    annotator: Option<i64>,
    only: Option<i64>,
) -> Result<Vec<QueueSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT q.id, p.slug AS project, q.name, q.sampling, q.overlap, q.due_date,
            (SELECT count(*) FROM queue_items i WHERE i.queue_id = q.id) AS items,
            ARRAY(SELECT m.key FROM queue_metrics qm JOIN metrics m ON m.id = qm.metric_id
                  WHERE qm.queue_id = q.id ORDER BY qm.position) AS metrics,
            count(a.id) FILTER (WHERE a.status = 'done') AS done,
            count(a.id) FILTER (WHERE a.status = 'skipped') AS skipped,
            count(a.id) FILTER (WHERE a.status = 'pending') AS pending
         FROM annotation_queues q
         JOIN projects p ON p.id = q.project_id
         LEFT JOIN queue_items i ON i.queue_id = q.id
         LEFT JOIN assignments a ON a.item_id = i.id AND ($2::int8 IS NULL OR a.annotator_id = $2)
         WHERE ($1::int8 IS NULL OR q.project_id = $1) AND ($3::int8 IS NULL OR q.id = $3)
           AND ($2::int8 IS NULL OR EXISTS (SELECT 1 FROM queue_annotators qa WHERE qa.queue_id = q.id AND qa.user_id = $2))
           -- An annotator removed from the project no longer sees its queues.
           AND ($2::int8 IS NULL OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = q.project_id AND m.user_id = $2))
         GROUP BY q.id, p.slug ORDER BY q.due_date NULLS LAST, q.id",
    )
    .bind(project_id)
    .bind(annotator)
    .bind(only)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QueueSummary {
            id: r.id,
            project: r.project,
            name: r.name,
            sampling: r.sampling.0,
            overlap: r.overlap,
            due_date: r.due_date,
            items: r.items,
            metrics: r.metrics,
            progress: Progress {
                done: r.done,
                skipped: r.skipped,
                pending: r.pending,
            },
        })
        .collect())
}

/// One queue of the project with everyone's progress, or 404.
pub async fn get(pool: &PgPool, project_id: i64, id: i64) -> Result<QueueSummary, AppError> {
    select(pool, Some(project_id), None, Some(id))
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("queue {id}")))
}

/// One queue with `annotator`'s own progress, or 404 when they are not assigned to it.
pub async fn get_for_annotator(pool: &PgPool, id: i64, annotator: i64) -> Result<QueueSummary, AppError> {
    select(pool, None, Some(annotator), Some(id))
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("queue {id}")))
}

/// Each annotator's progress in a queue.
pub async fn progress_by_annotator(pool: &PgPool, queue_id: i64) -> Result<Vec<AnnotatorProgress>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        username: String,
        display_name: String,
        done: i64,
        skipped: i64,
        pending: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.username, u.display_name,
            count(a.id) FILTER (WHERE a.status = 'done') AS done,
            count(a.id) FILTER (WHERE a.status = 'skipped') AS skipped,
            count(a.id) FILTER (WHERE a.status = 'pending') AS pending
         FROM queue_annotators qa JOIN users u ON u.id = qa.user_id
         LEFT JOIN queue_items i ON i.queue_id = qa.queue_id
         LEFT JOIN assignments a ON a.item_id = i.id AND a.annotator_id = qa.user_id
         WHERE qa.queue_id = $1 GROUP BY u.username, u.display_name ORDER BY u.username",
    )
    .bind(queue_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AnnotatorProgress {
            username: row.username,
            display_name: row.display_name,
            progress: Progress {
                done: row.done,
                skipped: row.skipped,
                pending: row.pending,
            },
        })
        .collect())
}

/// Where a user stands with a queue: its project, whether they may still see that project
/// (a member, or `admin`), and whether they are one of its annotators. `None`: no such queue.
pub async fn annotator_standing(
    pool: &PgPool,
    queue_id: i64,
    user_id: i64,
    admin: bool,
) -> Result<Option<QueueStanding>, AppError> {
    Ok(sqlx::query_as(
        "SELECT q.project_id,
            $3 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = q.project_id AND m.user_id = $2)
                AS in_project,
            EXISTS (SELECT 1 FROM queue_annotators qa WHERE qa.queue_id = q.id AND qa.user_id = $2) AS assigned
         FROM annotation_queues q WHERE q.id = $1",
    )
    .bind(queue_id)
    .bind(user_id)
    .bind(admin)
    .fetch_optional(pool)
    .await?)
}

/// See [`annotator_standing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueStanding {
    pub project_id: i64,
    pub in_project: bool,
    pub assigned: bool,
}

#[cfg(test)]
mod tests;

/// The outputs of queue `queue_id` whose score on one of the queue's metrics fails (the final
/// label once rated), by id.
pub async fn failed_outputs(pool: &PgPool, queue_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT qi.output_id FROM queue_items qi
         JOIN queue_metrics qm ON qm.queue_id = qi.queue_id
         JOIN scores s ON s.output_id = qi.output_id AND s.metric_id = qm.metric_id
         WHERE qi.queue_id = $1 AND s.passed = false AND s.error IS NULL
         ORDER BY 1",
    )
    .bind(queue_id)
    .fetch_all(pool)
    .await?)
}
