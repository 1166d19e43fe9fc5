//! A metric's life as a use case: creating, changing and moving it through its statuses, with
//! what each sets off — stored verdicts follow a new pass rule (through the score seam), and an
//! active automated metric whose scorer changes, or that is activated, re-scores its recent
//! outputs (a job the worker runs). The rules are in [`crate::domain::metric::lifecycle`];
//! persistence is [`db::metrics`].

use super::db;
use crate::domain::actor::Actor;
use crate::domain::metric::kinds::Status;
use crate::domain::metric::lifecycle::{consequences, transition, StatusReason};
use crate::domain::metric::{MetricDefinition, MetricView};
use crate::domain::scoring_job::{automatic_range, JobReason};
use crate::error::AppError;
use db::scores::ScoreChange;
use sqlx::{PgConnection, PgPool};

/// Creates a metric (as a draft).
pub async fn create(
    pool: &PgPool,
    project_id: i64,
    definition: &MetricDefinition,
    by: impl Into<Actor>,
) -> Result<MetricView, AppError> {
    let mut tx = pool.begin().await?;
    let id = db::metrics::insert_in(&mut tx, project_id, definition, by.into()).await?;
    tx.commit().await?;
    db::metrics::find_by_id(pool, id).await
}

/// Creates a metric within a caller's transaction (imports); answers its id.
pub async fn create_in(
    connection: &mut PgConnection,
    project_id: i64,
    definition: &MetricDefinition,
    by: impl Into<Actor>,
) -> Result<i64, AppError> {
    db::metrics::insert_in(connection, project_id, definition, by.into()).await
}

/// Replaces a metric's definition; every changed field is recorded.
pub async fn update(
    pool: &PgPool,
    project_id: i64,
    key: &str,
    definition: &MetricDefinition,
    by: impl Into<Actor>,
) -> Result<MetricView, AppError> {
    let mut tx = pool.begin().await?;
    let id = update_in(&mut tx, project_id, key, definition, by).await?;
    tx.commit().await?;
    db::metrics::find_by_id(pool, id).await
}

/// Replaces a metric's definition within a caller's transaction (imports); answers its id.
pub async fn update_in(
    connection: &mut PgConnection,
    project_id: i64,
    key: &str,
    definition: &MetricDefinition,
    by: impl Into<Actor>,
) -> Result<i64, AppError> {
    let by = by.into();
    let before = db::metrics::update_in(connection, project_id, key, definition, by).await?;
    let feedback_changed = super::feedback::scorer_changes(
        connection,
        before.id,
        &before.definition.scorer,
        &definition.scorer,
    )
    .await?;
    let follow = consequences(&before.definition, before.status, definition);
    if follow.reapply_pass_rule {
        let rule = &definition.pass_rule;
        let change = ScoreChange::ReapplyPassRule {
            metric_id: before.id,
            rule,
        };
        db::scores::apply(connection, change).await?;
    }
    if feedback_changed {
        let pairs = db::feedback::pairs_of_metric(connection, before.id).await?;
        super::feedback::rescore(connection, &pairs).await?;
    }
    if follow.rescore {
        rescore(connection, project_id, before.id, JobReason::ScorerChanged, by).await?;
    }
    Ok(before.id)
}

/// Moves a metric to `next`: retiring needs a reason, which is kept and shown; activating an
/// automated metric re-scores its recent outputs.
pub async fn set_status(
    pool: &PgPool,
    project_id: i64,
    key: &str,
    next: Status,
    reason: &str,
    by: impl Into<Actor>,
) -> Result<MetricView, AppError> {
    let by = by.into();
    let mut tx = pool.begin().await?;
    let current = db::metrics::lock(&mut tx, project_id, key.trim()).await?;
    transition(current.status, next)?;
    let reason = StatusReason::parse(next, reason)?;
    db::metrics::write_status(&mut tx, &current, next, reason.as_str(), by).await?;
    if next == Status::Active && current.definition.scorer.is_scored_here() {
        rescore(&mut tx, project_id, current.id, JobReason::Activated, by).await?;
    }
    tx.commit().await?;
    db::metrics::find_by_id(pool, current.id).await
}

/// Queues a job that scores the recent outputs with the metric's automated scorer.
async fn rescore(
    connection: &mut PgConnection,
    project_id: i64,
    metric_id: i64,
    reason: JobReason,
    by: Actor,
) -> Result<(), AppError> {
    let range = automatic_range(chrono::Utc::now());
    db::scoring_jobs::enqueue_in(connection, project_id, metric_id, reason, range, Some(by.user_id)).await?;
    Ok(())
}
