//! End-user feedback: the answers stored, the ones waiting for their output, and the reads
//! the feedback score, the output page and the comments list are made from. Turning answers
//! into scores is the use case [`crate::server::feedback`].

use crate::domain::feedback::record::{FeedbackMetric, KnownOutputs, Resolved, Target, WAIT_HOURS};
use crate::domain::feedback::{Answer, CommentFilter, FeedbackView, COMMENTS_PAGE};
use crate::domain::metric::kinds::{Direction, Status};
use crate::domain::metric::scorer::{PassRule, ScorerSpec};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};

/// The project's metrics named by `keys`, as feedback is checked against them.
pub async fn metrics(
    connection: &mut PgConnection,
    project_id: i64,
    keys: &[String],
) -> Result<HashMap<String, FeedbackMetric>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        key: String,
        id: i64,
        scorer: Json<ScorerSpec>,
        status: Status,
    }
    let rows: Vec<Row> =
        sqlx::query_as("SELECT key, id, scorer, status FROM metrics WHERE project_id = $1 AND key = ANY($2)")
            .bind(project_id)
            .bind(keys)
            .fetch_all(&mut *connection)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let scale = row.scorer.0.scale().cloned();
            let metric = FeedbackMetric {
                id: row.id,
                is_feedback: scale.is_some(),
                scale: scale.unwrap_or(crate::domain::feedback::Scale::Thumbs),
                retired: row.status == Status::Retired,
            };
            (row.key, metric)
        })
        .collect())
}

/// Which of the named outputs the project has.
pub async fn known_outputs(
    connection: &mut PgConnection,
    project_id: i64,
    ids: &[i64],
    external: &[String],
) -> Result<KnownOutputs, AppError> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT id, external_id FROM outputs
         WHERE project_id = $1 AND (id = ANY($2) OR external_id = ANY($3))",
    )
    .bind(project_id)
    .bind(ids)
    .bind(external)
    .fetch_all(&mut *connection)
    .await?;
    let wanted: HashSet<&i64> = ids.iter().collect();
    let mut known = KnownOutputs::default();
    for (id, external_id) in rows {
        if wanted.contains(&id) {
            known.ids.insert(id);
        }
        if let Some(external_id) = external_id {
            known.external.insert(external_id, id);
        }
    }
    Ok(known)
}

/// Feedback stored earlier under one of the client ids, as a retry is compared with it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Earlier {
    pub id: i64,
    pub client_id: String,
    pub metric_id: i64,
    pub output_id: Option<i64>,
    pub external_id: Option<String>,
    pub value: f64,
    pub comment: Option<String>,
    pub end_user: Option<String>,
}

impl Earlier {
    /// Whether `record` says the same as this (a retry), whenever it was given.
    pub fn same_as(&self, record: &Resolved) -> bool {
        // The same output, however it is named now (waiting feedback may have been attached).
        let target = match &record.feedback.target {
            Target::Output(id) => self.output_id == Some(*id),
            Target::External(external) => self.external_id.as_ref() == Some(external),
        };
        // The same answer on the scale (`true` and "up" are one thumbs up).
        target
            && self.metric_id == record.metric_id
            && self.value == record.value
            && self.comment == record.feedback.comment
            && self.end_user == record.feedback.user
    }
}

/// The feedback stored under any of `client_ids`.
pub async fn earlier(
    connection: &mut PgConnection,
    project_id: i64,
    client_ids: &[String],
) -> Result<Vec<Earlier>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, client_id, metric_id, output_id, external_id, value, comment, end_user
         FROM feedback WHERE project_id = $1 AND client_id = ANY($2)",
    )
    .bind(project_id)
    .bind(client_ids)
    .fetch_all(&mut *connection)
    .await?)
}

/// Stores the records; answers each one's id (in order).
pub async fn insert(
    connection: &mut PgConnection,
    project_id: i64,
    records: &[Resolved],
) -> Result<Vec<i64>, AppError> {
    let column = |f: fn(&Resolved) -> Option<String>| records.iter().map(f).collect::<Vec<_>>();
    let external = column(|r| match &r.feedback.target {
        Target::External(e) => Some(e.clone()),
        Target::Output(_) => None,
    });
    let client = column(|r| r.feedback.id.clone());
    let comment = column(|r| r.feedback.comment.clone());
    let user = column(|r| r.feedback.user.clone());
    let metric: Vec<i64> = records.iter().map(|r| r.metric_id).collect();
    let output: Vec<Option<i64>> = records.iter().map(|r| r.output_id).collect();
    let answer: Vec<serde_json::Value> = records.iter().map(|r| r.feedback.answer.clone()).collect();
    let value: Vec<f64> = records.iter().map(|r| r.value).collect();
    let at: Vec<DateTime<Utc>> = records.iter().map(|r| r.feedback.at).collect();
    sqlx::query_scalar(
        "INSERT INTO feedback (project_id, metric_id, output_id, external_id, client_id, answer, value, comment, end_user, given_at)
         SELECT $1, metric, output, external, client, answer, value, comment, end_user, at FROM unnest($2::int8[], $3::int8[], $4::text[], $5::text[], $6::jsonb[], $7::float8[], $8::text[], $9::text[], $10::timestamptz[])
             WITH ORDINALITY AS r(metric, output, external, client, answer, value, comment, end_user, at, n)
         ORDER BY n
         RETURNING id",
    )
    .bind(project_id)
    .bind(&metric)
    .bind(&output)
    .bind(&external)
    .bind(&client)
    .bind(&answer)
    .bind(&value)
    .bind(&comment)
    .bind(&user)
    .bind(&at)
    .fetch_all(&mut *connection)
    .await
    .map_err(|e| {
        super::map_unique(
            e,
            "feedback_project_client_key",
            "id",
            "feedback with this id is being stored by another request; retry",
        )
    })
}

/// Serialises "is this output logged?" between feedback and outputs of a project: a feedback
/// batch that may leave answers waiting takes it exclusively before it looks its outputs up; a
/// batch of outputs takes it shared before it attaches waiting answers. So either the feedback
/// sees the output committed, or the outputs' transaction sees the waiting answer committed —
/// never neither. Held to the end of the transaction.
pub async fn lock_waiting(
    connection: &mut PgConnection,
    project_id: i64,
    exclusive: bool,
) -> Result<(), AppError> {
    let function = if exclusive {
        "pg_advisory_xact_lock"
    } else {
        "pg_advisory_xact_lock_shared"
    };
    sqlx::query(&format!("SELECT {function}(-2, $1::int4)"))
        .bind(project_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Attaches the project's waiting feedback to newly logged outputs (external id, Vernier id),
/// unless it waited longer than [`WAIT_HOURS`]; answers the (output, metric) pairs it scored.
pub async fn attach_waiting(
    connection: &mut PgConnection,
    project_id: i64,
    outputs: &[(String, i64)],
) -> Result<Vec<(i64, i64)>, AppError> {
    let (external, ids): (Vec<String>, Vec<i64>) = outputs.iter().cloned().unzip();
    Ok(sqlx::query_as(
        "UPDATE feedback f SET output_id = o.id
         FROM unnest($2::text[], $3::int8[]) AS o(external_id, id)
         WHERE f.project_id = $1 AND f.output_id IS NULL AND f.external_id = o.external_id
           AND f.given_at > now() - make_interval(hours => $4)
         RETURNING f.output_id, f.metric_id",
    )
    .bind(project_id)
    .bind(&external)
    .bind(&ids)
    .bind(WAIT_HOURS as i32)
    .fetch_all(&mut *connection)
    .await?)
}

/// Drops the project's feedback that waited longer than [`WAIT_HOURS`] for its output.
pub async fn drop_expired(connection: &mut PgConnection, project_id: i64) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "DELETE FROM feedback WHERE project_id = $1 AND output_id IS NULL
         AND given_at <= now() - make_interval(hours => $2)",
    )
    .bind(project_id)
    .bind(WAIT_HOURS as i32)
    .execute(connection)
    .await?
    .rows_affected())
}

/// The answers behind some (output, metric) scores, with what the score is made by.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub output_id: i64,
    pub metric_id: i64,
    pub scorer: ScorerSpec,
    pub rule: PassRule,
    /// Oldest first (received order within a time).
    pub answers: Vec<Answer>,
    /// The newest answer's comment, if it has one.
    pub latest_comment: Option<String>,
}

/// The answers of each of the (output, metric) `pairs` that has any.
pub async fn answers(connection: &mut PgConnection, pairs: &[(i64, i64)]) -> Result<Vec<Answers>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        output_id: i64,
        metric_id: i64,
        value: f64,
        given_at: DateTime<Utc>,
        comment: Option<String>,
        scorer: Json<ScorerSpec>,
        threshold: f64,
        direction: Direction,
    }
    let (outputs, metrics): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.output_id, f.metric_id, f.value, f.given_at, f.comment, m.scorer, m.threshold, m.direction
         FROM feedback f JOIN metrics m ON m.id = f.metric_id
         WHERE (f.output_id, f.metric_id) IN (SELECT * FROM unnest($1::int8[], $2::int8[]))
         ORDER BY f.output_id, f.metric_id, f.given_at, f.id",
    )
    .bind(&outputs)
    .bind(&metrics)
    .fetch_all(&mut *connection)
    .await?;
    let mut grouped: Vec<Answers> = Vec::new();
    for row in rows {
        let answer = Answer {
            value: row.value,
            at: row.given_at,
        };
        match grouped.last_mut() {
            Some(last) if last.output_id == row.output_id && last.metric_id == row.metric_id => {
                last.answers.push(answer);
                last.latest_comment = row.comment;
            }
            _ => grouped.push(Answers {
                output_id: row.output_id,
                metric_id: row.metric_id,
                scorer: row.scorer.0,
                rule: PassRule {
                    threshold: row.threshold,
                    direction: row.direction,
                },
                answers: vec![answer],
                latest_comment: row.comment,
            }),
        }
    }
    Ok(grouped)
}

/// Every (output, metric) pair with feedback on metric `metric_id`.
pub async fn pairs_of_metric(
    connection: &mut PgConnection,
    metric_id: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT output_id, metric_id FROM feedback WHERE metric_id = $1 AND output_id IS NOT NULL",
    )
    .bind(metric_id)
    .fetch_all(&mut *connection)
    .await?)
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    #[sqlx(flatten)]
    view: FeedbackView,
    scorer: Json<ScorerSpec>,
}

const VIEW: &str = "SELECT f.id, f.output_id, m.key AS metric_key, m.name AS metric_name, v.label AS version,
        f.value, CASE WHEN m.direction = 'at_least' THEN f.value >= m.threshold ELSE f.value <= m.threshold END AS passed,
        f.comment, f.given_at, m.scorer
     FROM feedback f JOIN metrics m ON m.id = f.metric_id
     JOIN outputs o ON o.id = f.output_id JOIN system_versions v ON v.id = o.version_id";

fn views(rows: Vec<ViewRow>) -> Vec<FeedbackView> {
    rows.into_iter()
        .map(|row| {
            let value = row.view.value;
            FeedbackView {
                label: row
                    .scorer
                    .0
                    .scale()
                    .map_or_else(|| value.to_string(), |scale| scale.label(value)),
                ..row.view
            }
        })
        .collect()
}

/// The feedback on one output of the project, newest first.
pub async fn of_output(
    pool: &PgPool,
    project_id: i64,
    output_id: i64,
) -> Result<Vec<FeedbackView>, AppError> {
    let rows = sqlx::query_as(&format!(
        "{VIEW} WHERE f.project_id = $1 AND f.output_id = $2 ORDER BY f.given_at DESC, f.id DESC"
    ))
    .bind(project_id)
    .bind(output_id)
    .fetch_all(pool)
    .await?;
    Ok(views(rows))
}

/// The project's negative answers (those that fail their metric's rule) that carry a comment,
/// most recently given first; `before` continues after that answer.
pub async fn negative_comments(
    pool: &PgPool,
    project_id: i64,
    filter: &CommentFilter,
) -> Result<Vec<FeedbackView>, AppError> {
    let pattern = format!(
        "%{}%",
        filter
            .search
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query_as(&format!(
        "SELECT * FROM ({VIEW}
           WHERE f.project_id = $1 AND f.comment IS NOT NULL
             AND ($2 = '' OR m.key = $2) AND ($3 = '' OR v.label = $3)
             AND f.comment ILIKE $4
             AND ($5::int8 IS NULL OR (f.given_at, f.id) < (SELECT b.given_at, b.id FROM feedback b WHERE b.id = $5 AND b.project_id = $1))) c
         WHERE NOT c.passed ORDER BY c.given_at DESC, c.id DESC LIMIT {COMMENTS_PAGE}"
    ))
    .bind(project_id)
    .bind(filter.metric.trim())
    .bind(filter.version.trim())
    .bind(pattern)
    .bind(filter.before)
    .fetch_all(pool)
    .await?;
    Ok(views(rows))
}

/// Whether the metric has scores or is rated in an annotation queue.
pub async fn scored_otherwise(connection: &mut PgConnection, metric_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM scores WHERE metric_id = $1)
             OR EXISTS (SELECT 1 FROM queue_metrics WHERE metric_id = $1)",
    )
    .bind(metric_id)
    .fetch_one(connection)
    .await?)
}

/// Whether the metric has any answers (waiting ones included).
pub async fn has_answers(connection: &mut PgConnection, metric_id: i64) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM feedback WHERE metric_id = $1)")
            .bind(metric_id)
            .fetch_one(connection)
            .await?,
    )
}

#[cfg(test)]
mod tests;
