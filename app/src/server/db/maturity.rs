//! Storage of the maturity review: the project's thresholds, known challenges, attestations in
//! force, and the history of reviews, sign-offs, attestations and computed-stage changes; and
//! the evidence queries the review is computed from.

use crate::domain::maturity::challenge::{Challenge, ChallengeDraft};
use crate::domain::maturity::history::{EventKind, MaturityEvent, SignOff};
use crate::domain::maturity::{
    AgreementFacts, Attestation, ChallengeFacts, Evidence, Item, MetricFacts, Review, Thresholds,
};
use crate::domain::metric::kinds::Stage;
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::metric::MetricView;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// The project's thresholds (defaults for what was never set).
pub async fn thresholds(pool: &PgPool, project_id: i64) -> Result<Thresholds, AppError> {
    let stored: sqlx::types::Json<Thresholds> =
        sqlx::query_scalar("SELECT maturity_thresholds FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(pool)
            .await?;
    Ok(stored.0)
}

/// Stores checked thresholds.
pub async fn set_thresholds(pool: &PgPool, project_id: i64, thresholds: &Thresholds) -> Result<(), AppError> {
    sqlx::query("UPDATE projects SET maturity_thresholds = $2 WHERE id = $1")
        .bind(project_id)
        .bind(sqlx::types::Json(thresholds))
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    id: i64,
    title: String,
    hypothesis: String,
    goal: String,
    metrics: Vec<String>,
}

/// The project's known challenges, oldest first, with the keys of the metrics that test them.
pub async fn challenges(pool: &PgPool, project_id: i64) -> Result<Vec<Challenge>, AppError> {
    let rows: Vec<ChallengeRow> = sqlx::query_as(
        "SELECT c.id, c.title, c.hypothesis, c.goal,
            COALESCE(array_agg(m.key ORDER BY m.key) FILTER (WHERE m.key IS NOT NULL), '{}') AS metrics
         FROM challenges c LEFT JOIN challenge_metrics cm ON cm.challenge_id = c.id
         LEFT JOIN metrics m ON m.id = cm.metric_id
         WHERE c.project_id = $1 GROUP BY c.id ORDER BY c.id",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Challenge {
            id: r.id,
            title: r.title,
            hypothesis: r.hypothesis,
            goal: r.goal,
            metrics: r.metrics,
        })
        .collect())
}

/// Adds a challenge (`id` none) or replaces one of the project's; the metric keys must be the
/// project's. Answers its id.
pub async fn save_challenge(
    pool: &PgPool,
    project_id: i64,
    id: Option<i64>,
    draft: &ChallengeDraft,
    by: i64,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let metric_ids: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, key FROM metrics WHERE project_id = $1 AND key = ANY($2)")
            .bind(project_id)
            .bind(&draft.metrics)
            .fetch_all(&mut *tx)
            .await?;
    if let Some(missing) = draft
        .metrics
        .iter()
        .find(|k| !metric_ids.iter().any(|(_, key)| key == *k))
    {
        return Err(AppError::invalid(
            "metrics",
            format!("'{missing}' is not a metric of this project"),
        ));
    }
    let saved: Option<i64> = match id {
        None => sqlx::query_scalar(
            "INSERT INTO challenges (project_id, title, hypothesis, goal, created_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (project_id, title) DO NOTHING RETURNING id",
        )
        .bind(project_id)
        .bind(&draft.title)
        .bind(&draft.hypothesis)
        .bind(&draft.goal)
        .bind(by)
        .fetch_optional(&mut *tx)
        .await?,
        Some(id) => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM challenges WHERE id = $1 AND project_id = $2")
                .bind(id)
                .bind(project_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(AppError::NotFound(format!("Challenge {id}")));
            }
            sqlx::query_scalar(
                "UPDATE challenges SET title = $3, hypothesis = $4, goal = $5 WHERE id = $1 AND project_id = $2
                   AND NOT EXISTS (SELECT FROM challenges o WHERE o.project_id = $2 AND o.title = $3 AND o.id <> $1)
                 RETURNING id",
            )
            .bind(id)
            .bind(project_id)
            .bind(&draft.title)
            .bind(&draft.hypothesis)
            .bind(&draft.goal)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    let id = saved.ok_or_else(|| AppError::invalid("title", "another challenge already has this title"))?;
    sqlx::query("DELETE FROM challenge_metrics WHERE challenge_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let ids: Vec<i64> = metric_ids.iter().map(|(id, _)| *id).collect();
    sqlx::query("INSERT INTO challenge_metrics (challenge_id, metric_id) SELECT $1, unnest($2::bigint[])")
        .bind(id)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes one of the project's challenges.
pub async fn delete_challenge(pool: &PgPool, project_id: i64, id: i64) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM challenges WHERE id = $1 AND project_id = $2")
        .bind(id)
        .bind(project_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound(format!("Challenge {id}")));
    }
    Ok(())
}

fn metric_facts(metric: &MetricView, with_goal: &[i64]) -> MetricFacts {
    let d = &metric.definition;
    MetricFacts {
        key: d.key.clone(),
        name: d.name.clone(),
        category: d.category,
        cadence: d.cadence,
        action: d.action_on_failure,
        owner: d.owner.clone(),
        cost_per_failure: d.cost_per_failure,
        review_date: d.review_date,
        has_goal: with_goal.contains(&metric.id),
        is_judge: matches!(d.scorer, ScorerSpec::LlmJudge { .. }),
    }
}

#[derive(sqlx::FromRow)]
struct AttestationRow {
    item: String,
    note: String,
    by: String,
    at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct MonitorRow {
    name: String,
    metric: String,
    channels: i64,
}

/// What the review of the project is computed from, as of `now`.
/// `active` are the project's active metrics and `agreement` what people's ratings of them
/// measure (computed by the annotation use case), both gathered by the caller.
pub async fn evidence(
    pool: &PgPool,
    project_id: i64,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    active: &[MetricView],
    agreement: Vec<AgreementFacts>,
) -> Result<Evidence, AppError> {
    let purpose: String = sqlx::query_scalar("SELECT purpose FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_one(pool)
        .await?;
    let with_goal: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT cm.metric_id FROM challenge_metrics cm JOIN challenges c ON c.id = cm.challenge_id
         WHERE c.project_id = $1 AND c.goal <> ''",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    let retired_or_revised: Vec<String> = sqlx::query_scalar(
        "SELECT m.key FROM metrics m WHERE m.project_id = $1 AND (m.status = 'retired'
            OR EXISTS (SELECT FROM metric_changes c WHERE c.metric_id = m.id AND c.field NOT IN ('created', 'status', 'review_date')))
         ORDER BY m.key",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    let output_since = now - chrono::Duration::days(i64::from(thresholds.output_days));
    let (outputs_recent, last_output): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM outputs WHERE project_id = $1 AND run_id IS NULL AND occurred_at >= $2 AND occurred_at <= $3),
                (SELECT max(occurred_at) FROM outputs WHERE project_id = $1 AND run_id IS NULL AND occurred_at <= $3)",
    )
    .bind(project_id)
    .bind(output_since)
    .bind(now)
    .fetch_one(pool)
    .await?;
    let rating_since = now - chrono::Duration::days(i64::from(thresholds.rating_days));
    let ratings_recent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ratings g JOIN metrics m ON m.id = g.metric_id
         WHERE m.project_id = $1 AND g.rated_at >= $2",
    )
    .bind(project_id)
    .bind(rating_since)
    .fetch_one(pool)
    .await?;
    let rated_outputs: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT s.output_id) FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE m.project_id = $1 AND m.scorer ->> 'kind' = 'human' AND s.passed IS NOT NULL",
    )
    .bind(project_id)
    .fetch_one(pool)
    .await?;
    let attested_since = now - chrono::Duration::days(i64::from(thresholds.attestation_days));
    let attestations: Vec<AttestationRow> = sqlx::query_as(
        "SELECT a.item, a.note, u.display_name AS by, a.attested_at AS at FROM maturity_attestations a
         JOIN users u ON u.id = a.attested_by WHERE a.project_id = $1 AND a.attested_at >= $2 ORDER BY a.item",
    )
    .bind(project_id)
    .bind(attested_since)
    .fetch_all(pool)
    .await?;
    let monitors: Vec<MonitorRow> = sqlx::query_as(
        "SELECT mo.name, m.key AS metric, (SELECT count(*) FROM monitor_channels mc JOIN alert_channels c ON c.id = mc.channel_id
                                 WHERE mc.monitor_id = mo.id AND c.disabled_at IS NULL) AS channels
         FROM monitors mo JOIN metrics m ON m.id = mo.metric_id
         WHERE mo.project_id = $1 AND m.status = 'active' ORDER BY mo.name",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    let feedback: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.key, (SELECT count(*) FROM feedback f WHERE f.metric_id = m.id AND f.received_at >= $2)
         FROM metrics m WHERE m.project_id = $1 AND m.status = 'active' AND m.scorer ->> 'kind' = 'user_feedback'
         ORDER BY m.key",
    )
    .bind(project_id)
    .bind(rating_since)
    .fetch_all(pool)
    .await?;
    let datasets: Vec<(String, i32)> = sqlx::query_as(
        "SELECT d.name, COALESCE((SELECT v.items FROM dataset_versions v WHERE v.dataset_id = d.id
                                  ORDER BY v.number DESC LIMIT 1), 0)
         FROM datasets d WHERE d.project_id = $1 ORDER BY d.name",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Evidence {
        datasets: datasets
            .into_iter()
            .map(|(name, items)| (name, count(i64::from(items))))
            .collect(),
        feedback: feedback
            .into_iter()
            .map(|(metric, answers)| crate::domain::maturity::FeedbackFacts {
                metric,
                answers: count(answers),
            })
            .collect(),
        monitors: monitors
            .into_iter()
            .map(|row| crate::domain::maturity::MonitorFacts {
                name: row.name,
                metric: row.metric,
                channels: u32::try_from(row.channels).unwrap_or(u32::MAX),
            })
            .collect(),
        purpose,
        active: active.iter().map(|m| metric_facts(m, &with_goal)).collect(),
        retired_or_revised,
        outputs_recent: count(outputs_recent),
        last_output,
        challenges: challenges(pool, project_id)
            .await?
            .into_iter()
            .map(|c| ChallengeFacts {
                title: c.title,
                hypothesis: c.hypothesis,
                goal: c.goal,
                metrics: c.metrics,
            })
            .collect(),
        ratings_recent: count(ratings_recent),
        agreement,
        rated_outputs: count(rated_outputs),
        attestations: attestations
            .into_iter()
            .filter_map(|row| {
                Item::parse(&row.item).ok().map(|item| Attestation {
                    item,
                    note: row.note,
                    by: row.by,
                    at: row.at,
                })
            })
            .collect(),
    })
}

/// Takes the project's stage-writer lock for `connection`'s transaction and answers the last
/// computed stage recorded (`Some(None)`: "no stage" was recorded; `None`: nothing ever was).
/// One writer per project at a time, so two readers do not record the same change twice
/// (advisory class -1: the rollups' score locks use classes 0 and up).
pub async fn last_stage_for_update(
    connection: &mut PgConnection,
    project_id: i64,
) -> Result<Option<Option<Stage>>, AppError> {
    sqlx::query("SELECT pg_advisory_xact_lock(-1, $1::int4)")
        .bind(project_id as i32)
        .execute(&mut *connection)
        .await?;
    let last: Option<Option<String>> = sqlx::query_scalar(
        "SELECT stage FROM maturity_events WHERE project_id = $1 AND kind = 'stage_change'
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(last.map(|stage| {
        stage
            .filter(|s| !s.is_empty())
            .and_then(|s| Stage::parse(&s).ok())
    }))
}

/// Records an event of the project's review history.
#[expect(
    clippy::too_many_arguments,
    reason = "one column each; the callers name every one"
)]
pub async fn record(
    connection: &mut PgConnection,
    project_id: i64,
    kind: EventKind,
    stage: Option<Stage>,
    item: Option<Item>,
    note: &str,
    actor: Option<i64>,
    snapshot: Option<&Review>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO maturity_events (project_id, kind, stage, item, note, actor_id, snapshot)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(project_id)
    .bind(kind.as_str())
    .bind(stage.map_or("", |s| s.as_str()))
    .bind(item.map(|i| i.as_str()))
    .bind(note)
    .bind(actor)
    .bind(snapshot.map(sqlx::types::Json))
    .execute(connection)
    .await?;
    Ok(())
}

/// Attests `item` (replacing an earlier attestation) and records it, with the review as it was.
pub async fn attest(
    pool: &PgPool,
    project_id: i64,
    item: Item,
    note: &str,
    by: i64,
    snapshot: &Review,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO maturity_attestations (project_id, item, note, attested_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, item) DO UPDATE SET note = EXCLUDED.note, attested_by = EXCLUDED.attested_by,
            attested_at = now()",
    )
    .bind(project_id)
    .bind(item.as_str())
    .bind(note)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        project_id,
        EventKind::Attestation,
        None,
        Some(item),
        note,
        Some(by),
        Some(snapshot),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws the attestation of `item` and records it; not found when there is none.
pub async fn withdraw(pool: &PgPool, project_id: i64, item: Item, by: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("DELETE FROM maturity_attestations WHERE project_id = $1 AND item = $2")
        .bind(project_id)
        .bind(item.as_str())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound(format!(
            "An attestation of '{}'",
            item.label()
        )));
    }
    record(
        &mut tx,
        project_id,
        EventKind::Withdrawal,
        None,
        Some(item),
        "",
        Some(by),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    kind: String,
    stage: Option<String>,
    item: Option<String>,
    note: String,
    by: Option<String>,
    at: DateTime<Utc>,
    snapshot: Option<sqlx::types::Json<Review>>,
}

impl EventRow {
    fn into_event(self) -> Result<MaturityEvent, AppError> {
        let stage = match self.stage.as_deref() {
            None | Some("") => None,
            Some(stage) => Some(Stage::parse(stage)?),
        };
        Ok(MaturityEvent {
            kind: EventKind::parse(&self.kind)?,
            stage,
            item: self.item.as_deref().map(Item::parse).transpose()?,
            note: self.note,
            by: self.by.unwrap_or_else(|| "Vernier".into()),
            at: self.at,
            snapshot: self.snapshot.map(|s| s.0),
        })
    }
}

const EVENTS: &str = "SELECT e.id, e.kind, e.stage, e.item, e.note, u.display_name AS by, e.at, e.snapshot
     FROM maturity_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.project_id = $1";

/// The project's review history, newest first (snapshots left out; see [`latest`]).
pub async fn history(pool: &PgPool, project_id: i64, limit: i64) -> Result<Vec<MaturityEvent>, AppError> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT kind, stage, item, note, by, at, NULL::jsonb AS snapshot FROM ({EVENTS}) e
         ORDER BY at DESC, id DESC LIMIT $2"
    ))
    .bind(project_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// The newest event of `kind`, with its snapshot.
pub async fn latest(
    pool: &PgPool,
    project_id: i64,
    kind: EventKind,
) -> Result<Option<MaturityEvent>, AppError> {
    let row: Option<EventRow> = sqlx::query_as(&format!(
        "{EVENTS} AND e.kind = $2 ORDER BY e.at DESC, e.id DESC LIMIT 1"
    ))
    .bind(project_id)
    .bind(kind.as_str())
    .fetch_optional(pool)
    .await?;
    row.map(EventRow::into_event).transpose()
}

/// The newest sign-off.
pub async fn sign_off(pool: &PgPool, project_id: i64) -> Result<Option<SignOff>, AppError> {
    Ok(latest(pool, project_id, EventKind::SignOff)
        .await?
        .and_then(SignOff::from_event))
}

/// When the project was last reviewed or signed off.
pub async fn last_reviewed(pool: &PgPool, project_id: i64) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT max(at) FROM maturity_events WHERE project_id = $1 AND kind IN ('review', 'sign_off')",
    )
    .bind(project_id)
    .fetch_one(pool)
    .await?)
}

#[cfg(test)]
mod tests;
