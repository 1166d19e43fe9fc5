//! End-user feedback as a use case: a batch is checked whole (each record, then against the
//! project's feedback metrics and outputs), stored in one transaction, and every output it
//! touches gets its feedback score again — the answers combined by the metric's rule and
//! written through the score seam, so rollups, trends, monitors and hybrid metrics follow.
//! Feedback naming an output not logged yet waits for it ([`attach_waiting`]).

use super::db;
use super::idempotent::{self, Answer, Idempotency, Refused};
use crate::domain::feedback::record::{self, Resolved};
use crate::domain::feedback::{combine, Combine};
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::output::{NewOutput, RecordError};
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use db::outputs::Ingested;
use db::scores::ScoreChange;
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeSet;

/// Version recorded with feedback scores.
pub const VERSION: &str = "feedback-1";

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub index: usize,
    /// Vernier's id of the feedback.
    pub id: i64,
    /// Sent before with the same id and content; nothing was written.
    pub duplicate: bool,
    /// Its output is not logged yet; it is counted once the output arrives.
    pub waiting: bool,
}

/// The outcome of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submitted {
    pub accepted: usize,
    pub duplicates: usize,
    pub waiting: usize,
    /// Feedback scores written (one per output and metric touched).
    pub scores: usize,
    pub feedback: Vec<Stored>,
}

/// Stores a batch of feedback in the project: see the module documentation.
pub async fn submit(
    pool: &PgPool,
    project_id: i64,
    values: Vec<Value>,
    idempotency: Option<Idempotency>,
) -> Result<Answer, Refused> {
    if let Some(answer) = idempotent::replay(pool, project_id, idempotency.as_ref()).await? {
        return Ok(answer);
    }
    let now = chrono::Utc::now();
    let batch = record::validate(values, now).map_err(Refused::Records)?;
    let mut tx = pool.begin().await.map_err(AppError::from)?;
    db::feedback::drop_expired(&mut tx, project_id).await?;
    let keys: Vec<String> = batch.iter().map(|f| f.metric.clone()).collect();
    let metrics = db::feedback::metrics(&mut tx, project_id, &keys).await?;
    let (mut ids, mut external) = (Vec::new(), Vec::new());
    for feedback in &batch {
        match &feedback.target {
            record::Target::Output(id) => ids.push(*id),
            record::Target::External(e) => external.push(e.clone()),
        }
    }
    if !external.is_empty() {
        db::feedback::lock_waiting(&mut tx, project_id, true).await?;
    }
    let known = db::feedback::known_outputs(&mut tx, project_id, &ids, &external).await?;
    let resolved = record::resolve(batch, &metrics, &known, now).map_err(Refused::Records)?;

    // A record sent again under its id is a duplicate; the id used for other feedback is an error.
    let client_ids: Vec<String> = resolved.iter().filter_map(|r| r.feedback.id.clone()).collect();
    let earlier = db::feedback::earlier(&mut tx, project_id, &client_ids).await?;
    let mut fresh: Vec<Resolved> = Vec::new();
    let mut outcome: Vec<Stored> = Vec::new();
    let mut errors: Vec<RecordError> = Vec::new();
    for record in resolved {
        let before = record
            .feedback
            .id
            .as_ref()
            .and_then(|id| earlier.iter().find(|e| &e.client_id == id));
        match before {
            Some(e) if e.same_as(&record) => outcome.push(Stored {
                index: record.feedback.index,
                id: e.id,
                duplicate: true,
                waiting: e.output_id.is_none(),
            }),
            Some(e) => errors.push(RecordError {
                index: record.feedback.index,
                field: "id".into(),
                message: format!("was already used for different feedback (feedback {})", e.id),
            }),
            None => fresh.push(record),
        }
    }
    if !errors.is_empty() {
        return Err(Refused::Records(errors));
    }
    let stored = db::feedback::insert(&mut tx, project_id, &fresh).await?;
    for (record, id) in fresh.iter().zip(&stored) {
        outcome.push(Stored {
            index: record.feedback.index,
            id: *id,
            duplicate: false,
            waiting: record.output_id.is_none(),
        });
    }
    outcome.sort_by_key(|s| s.index);
    let pairs: BTreeSet<(i64, i64)> = fresh
        .iter()
        .filter_map(|r| r.output_id.map(|output| (output, r.metric_id)))
        .collect();
    let scores = rescore(&mut tx, &pairs.into_iter().collect::<Vec<_>>()).await?;
    let submitted = Submitted {
        accepted: fresh.len(),
        duplicates: outcome.iter().filter(|s| s.duplicate).count(),
        waiting: fresh.iter().filter(|r| r.output_id.is_none()).count(),
        scores,
        feedback: outcome,
    };
    let body = serde_json::to_value(&submitted).map_err(|e| AppError::internal("encode answer", e))?;
    idempotent::remember(&mut tx, project_id, idempotency.as_ref(), &body).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(Answer {
        status: idempotent::CREATED,
        body,
        replayed: false,
    })
}

/// Attaches waiting feedback to the outputs of a batch just stored and scores it; answers the
/// feedback metrics it scored (for the monitors).
pub async fn attach_waiting(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[NewOutput],
    ingested: &Ingested,
) -> Result<Vec<i64>, AppError> {
    let new: Vec<(String, i64)> = ingested
        .outputs
        .iter()
        .filter(|stored| !stored.duplicate)
        .filter_map(|stored| {
            let external = batch.get(stored.index)?.external_id.clone()?;
            Some((external, stored.id))
        })
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    db::feedback::lock_waiting(connection, project_id, false).await?;
    let pairs: BTreeSet<(i64, i64)> = db::feedback::attach_waiting(connection, project_id, &new)
        .await?
        .into_iter()
        .collect();
    let pairs: Vec<(i64, i64)> = pairs.into_iter().collect();
    rescore(connection, &pairs).await?;
    let metrics: BTreeSet<i64> = pairs.iter().map(|(_, metric)| *metric).collect();
    Ok(metrics.into_iter().collect())
}

/// Checks a change of a metric's scorer against what it scored: a metric with answers keeps
/// its scale (they were given on it) and stays a feedback metric; a metric with scores of
/// another kind (or rated in a queue) does not become a feedback metric, which would mix
/// end users' answers with other verdicts — both refused on `scorer`. Answers whether the
/// answers must be combined again (the rule changed).
pub async fn scorer_changes(
    connection: &mut PgConnection,
    metric_id: i64,
    before: &ScorerSpec,
    after: &ScorerSpec,
) -> Result<bool, AppError> {
    let ScorerSpec::UserFeedback { scale, combine } = before else {
        if after.scale().is_some() && db::feedback::scored_otherwise(connection, metric_id).await? {
            return Err(AppError::invalid(
                "scorer",
                "this metric already has scores (or is rated in a queue): create a new metric for end users' feedback",
            ));
        }
        return Ok(false);
    };
    let keeps_scale = after.scale() == Some(scale);
    if !keeps_scale && db::feedback::has_answers(connection, metric_id).await? {
        return Err(AppError::invalid(
            "scorer",
            "end users' answers were given on this metric's scale: keep the scale (and the kind), or create a new metric",
        ));
    }
    Ok(matches!(after, ScorerSpec::UserFeedback { combine: next, .. } if next != combine))
}

/// Writes the feedback score of each (output, metric) pair from all its answers, then the
/// hybrid metrics built on them; answers how many scores it wrote.
pub async fn rescore(connection: &mut PgConnection, pairs: &[(i64, i64)]) -> Result<usize, AppError> {
    if pairs.is_empty() {
        return Ok(0);
    }
    let answers = db::feedback::answers(connection, pairs).await?;
    let rows: Vec<(i64, ScoreRow)> = answers
        .iter()
        .filter_map(|a| {
            let ScorerSpec::UserFeedback { scale, combine: rule } = &a.scorer else {
                return None;
            };
            let value = combine(*rule, &a.answers)?;
            let mut rationale = match (rule, a.answers.len()) {
                (_, 1) => format!("end user: {}", scale.label(value)),
                (Combine::Latest, n) => format!("latest of {n} answers: {}", scale.label(value)),
                (Combine::Mean, n) => format!("mean of {n} answers: {}", scale.label(value)),
            };
            if let Some(comment) = &a.latest_comment {
                let short: String = comment.chars().take(200).collect();
                rationale.push_str(&format!(" — “{short}”"));
            }
            let row = ScoreRow {
                metric_id: a.metric_id,
                value: Some(value),
                passed: Some(a.rule.passes(value)),
                rationale,
                error: None,
                retry: None,
            };
            Some((a.output_id, row))
        })
        .collect();
    db::scores::apply(
        connection,
        ScoreChange::Write {
            rows: &rows,
            version: VERSION,
        },
    )
    .await?;
    let outputs: BTreeSet<i64> = rows.iter().map(|(output, _)| *output).collect();
    super::hybrid::refresh(connection, &outputs.into_iter().collect::<Vec<_>>()).await?;
    let metrics: Vec<i64> = rows.iter().map(|(_, row)| row.metric_id).collect();
    db::monitors::wake(connection, &metrics).await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests;
