//! Annotation as a use case: an annotator's rating or skip, or a manager's adjudication, is
//! stored and the item settled in one transaction — each of its metrics gets (or loses) the
//! final label as its score of the output, through the score seam, and hybrid metrics follow.
//! The decision is [`crate::domain::annotation::settle`]; persistence is [`db::ratings`] and
//! [`db::adjudications`].

use super::db;
use crate::domain::annotation::settle::{settle as label_of, ItemRatings};
use crate::domain::metric::scorer::PassRule;
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use db::scores::ScoreChange;
use sqlx::{PgConnection, PgPool};

/// Saves the caller's ratings of an item and marks it done; all or nothing.
pub async fn rate(
    pool: &PgPool,
    queue_id: i64,
    annotator: i64,
    assignment_id: i64,
    values: &[(i64, f64)],
    comment: &str,
) -> Result<(), AppError> {
    let metrics = db::ratings::queue_metrics(pool, queue_id).await?;
    let mut tx = pool.begin().await?;
    let (item, output) = db::ratings::rate_in(
        &mut tx,
        &metrics,
        queue_id,
        annotator,
        assignment_id,
        values,
        comment,
    )
    .await?;
    settle(&mut tx, item, output).await?;
    tx.commit().await?;
    Ok(())
}

/// Skips the caller's item.
pub async fn skip(
    pool: &PgPool,
    queue_id: i64,
    annotator: i64,
    assignment_id: i64,
    comment: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let (item, output) = db::ratings::skip_in(&mut tx, queue_id, annotator, assignment_id, comment).await?;
    settle(&mut tx, item, output).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the final label of a disputed item.
pub async fn adjudicate(
    pool: &PgPool,
    queue_id: i64,
    item_id: i64,
    metric_id: i64,
    value: f64,
    note: &str,
    user_id: i64,
) -> Result<(), AppError> {
    db::adjudications::check_level(pool, queue_id, metric_id, value).await?;
    let mut tx = pool.begin().await?;
    let output =
        db::adjudications::adjudicate_in(&mut tx, queue_id, item_id, metric_id, value, note, user_id).await?;
    settle(&mut tx, item_id, output).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes (or withdraws) the item's final label of each of its metrics as that metric's score
/// of the output; hybrid metrics follow.
pub(super) async fn settle(
    connection: &mut PgConnection,
    item_id: i64,
    output_id: i64,
) -> Result<(), AppError> {
    for metric in db::ratings::settling(connection, item_id).await? {
        let ratings = ItemRatings {
            rated: &metric.rated,
            adjudicated: metric.adjudicated,
            judge: metric.judge.as_deref(),
            pending: metric.pending,
        };
        let rule = PassRule {
            threshold: metric.threshold,
            direction: metric.direction,
        };
        let outputs = [output_id];
        let Some(label) = label_of(&ratings, &rule) else {
            let change = ScoreChange::Remove {
                metric_id: metric.metric_id,
                outputs: &outputs,
            };
            db::scores::apply(connection, change).await?;
            continue;
        };
        let row = ScoreRow {
            metric_id: metric.metric_id,
            value: Some(label.value),
            passed: Some(label.passed),
            rationale: label.rationale,
            error: None,
            retry: None,
        };
        let version = format!("human:rubric-{}", metric.rubric.unwrap_or_default());
        let rows = [(output_id, row)];
        db::scores::apply(
            connection,
            ScoreChange::Write {
                rows: &rows,
                version: &version,
            },
        )
        .await?;
    }
    super::hybrid::refresh(connection, &[output_id]).await
}

/// The rubric of a human metric; `None` for other metrics.
pub async fn rubric_of(
    pool: &PgPool,
    project_id: i64,
    metric: &crate::domain::metric::MetricView,
) -> Result<Option<crate::domain::rubric::RubricView>, AppError> {
    use crate::domain::metric::scorer::ScorerSpec;
    let ScorerSpec::Human {
        rubric_id: Some(rubric_id),
    } = metric.definition.scorer
    else {
        return Ok(None);
    };
    Ok(Some(db::rubrics::get(pool, project_id, rubric_id).await?))
}

/// Agreement on a human metric over every queue that rated it (items are outputs); `None` for
/// other metrics.
pub async fn metric_agreement(
    pool: &PgPool,
    project_id: i64,
    metric: &crate::domain::metric::MetricView,
) -> Result<Option<crate::domain::annotation::agreement::Agreement>, AppError> {
    use crate::domain::annotation::agreement::{agreement, RatedMetricInfo};
    let Some(rubric) = rubric_of(pool, project_id, metric).await? else {
        return Ok(None);
    };
    let ratings = db::adjudications::of_metric(pool, metric.id, None).await?;
    let info = RatedMetricInfo {
        metric_id: metric.id,
        key: metric.definition.key.clone(),
        name: metric.definition.name.clone(),
        scale: rubric.scale,
        levels: rubric.levels,
    };
    Ok(Some(agreement(info, &ratings, &Default::default())))
}
