//! A/B tests: their stored designs, and what their versions' outputs say per end user (which
//! users each version served on which day, and their verdicts). The reading itself is the use
//! case [`crate::server::experiments`].

use super::map_unique;
use crate::domain::experiment::analysis::Frozen;
use crate::domain::experiment::design::Design;
use crate::domain::experiment::units::{Exposure, UserVerdicts};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::PgPool;

/// An experiment as stored, with its metrics' keys.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub hypothesis: String,
    pub versions: Vec<String>,
    pub primary_metric_id: i64,
    pub primary_key: String,
    pub guardrail_metric_ids: Vec<i64>,
    pub guardrail_keys: Vec<String>,
    pub baseline: f64,
    pub minimum_change: f64,
    pub alpha: f64,
    pub power: f64,
    pub sample_per_arm: i32,
    pub verdicts_per_arm: i32,
    pub verdicts_per_user: f64,
    pub design_effect: f64,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_by: String,
    /// The result, once read at the horizon.
    pub result: Option<sqlx::types::Json<Frozen>>,
}

impl Stored {
    /// The design it was created with.
    pub fn design(&self) -> Design {
        Design {
            key: self.key.clone(),
            name: self.name.clone(),
            hypothesis: self.hypothesis.clone(),
            versions: self.versions.clone(),
            primary: self.primary_key.clone(),
            guardrails: self.guardrail_keys.clone(),
            baseline: self.baseline,
            minimum_change: self.minimum_change,
            alpha: self.alpha,
            power: self.power,
            sample_per_arm: u32::try_from(self.sample_per_arm).unwrap_or(0),
            verdicts_per_arm: u32::try_from(self.verdicts_per_arm).unwrap_or(0),
            verdicts_per_user: self.verdicts_per_user,
            design_effect: self.design_effect,
            started_on: self.started_on,
        }
    }
}

const SELECT: &str =
    "SELECT e.id, e.key, e.name, e.hypothesis, e.versions, e.primary_metric_id, pm.key AS primary_key, e.guardrail_metric_ids,
        ARRAY(SELECT m.key FROM unnest(e.guardrail_metric_ids) WITH ORDINALITY g(id, n)
              JOIN metrics m ON m.id = g.id ORDER BY g.n) AS guardrail_keys,
        e.baseline, e.minimum_change, e.alpha, e.power, e.sample_per_arm, e.verdicts_per_arm, e.verdicts_per_user, e.design_effect, e.started_on, e.ended_on,
        u.username AS created_by, e.result
     FROM experiments e JOIN metrics pm ON pm.id = e.primary_metric_id JOIN users u ON u.id = e.created_by";

/// Stores a design whose metrics were resolved to ids; a taken key is an error on `key`.
pub async fn insert(
    pool: &PgPool,
    project_id: i64,
    design: &Design,
    (primary, guardrails): (i64, &[i64]),
    created_by: i64,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "INSERT INTO experiments (project_id, key, name, hypothesis, versions, primary_metric_id, guardrail_metric_ids,
            baseline, minimum_change, alpha, power, sample_per_arm, started_on, created_by, verdicts_per_arm,
            verdicts_per_user, design_effect)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(project_id)
    .bind(&design.key)
    .bind(&design.name)
    .bind(&design.hypothesis)
    .bind(&design.versions)
    .bind(primary)
    .bind(guardrails)
    .bind(design.baseline)
    .bind(design.minimum_change)
    .bind(design.alpha)
    .bind(design.power)
    .bind(i32::try_from(design.sample_per_arm).unwrap_or(i32::MAX))
    .bind(design.started_on)
    .bind(created_by)
    .bind(i32::try_from(design.verdicts_per_arm).unwrap_or(i32::MAX))
    .bind(design.verdicts_per_user)
    .bind(design.design_effect)
    .fetch_one(pool)
    .await
    .map_err(|e| map_unique(e, "experiments_project_key_key", "key", "an experiment of this project has this key"))
}

/// The project's experiments, running first, newest first.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<Stored>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE e.project_id = $1 ORDER BY e.ended_on IS NOT NULL, e.started_on DESC, e.id DESC"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// The project's experiment `key`.
pub async fn find(pool: &PgPool, project_id: i64, key: &str) -> Result<Stored, AppError> {
    sqlx::query_as(&format!("{SELECT} WHERE e.project_id = $1 AND e.key = $2"))
        .bind(project_id)
        .bind(key.trim())
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Experiment '{}'", key.trim())))
}

/// Ends a running experiment on `day`; one already ended keeps its day.
pub async fn stop(pool: &PgPool, project_id: i64, key: &str, day: NaiveDate) -> Result<(), AppError> {
    let stopped = sqlx::query(
        "UPDATE experiments SET ended_on = COALESCE(ended_on, GREATEST($3, started_on)) WHERE project_id = $1 AND key = $2",
    )
    .bind(project_id)
    .bind(key.trim())
    .bind(day)
    .execute(pool)
    .await?
    .rows_affected();
    super::found(stopped, || format!("Experiment '{}'", key.trim()))
}

/// Keeps the result read at the horizon; a result kept before stays (answers whether this one
/// was kept).
pub async fn freeze(pool: &PgPool, id: i64, result: &Frozen) -> Result<bool, AppError> {
    let kept =
        sqlx::query("UPDATE experiments SET horizon = $2, result = $3 WHERE id = $1 AND result IS NULL")
            .bind(id)
            .bind(result.horizon)
            .bind(sqlx::types::Json(result))
            .execute(pool)
            .await?
            .rows_affected();
    Ok(kept > 0)
}

/// The start of UTC day `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

/// The instant UTC day `day` ends (the next day's start): days `[from, to]` are the instants
/// `[midnight(from), end_of(to))`.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    midnight(day) + chrono::Duration::days(1)
}

/// The UTC day of an output, as the queries below group by it.
const DAY: &str = "(o.occurred_at AT TIME ZONE 'UTC')::date";

/// Production outputs of `versions` over the days `[from, to]`, per end user (`None`: outputs
/// that named none), version and day.
pub async fn exposures(
    pool: &PgPool,
    project_id: i64,
    versions: &[String],
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<Exposure>, AppError> {
    let rows: Vec<(Option<String>, String, NaiveDate, i64)> = sqlx::query_as(&format!(
        "SELECT o.end_user, v.label, {DAY} AS day, count(*)::int8 FROM outputs o
         JOIN system_versions v ON v.id = o.version_id
         WHERE o.project_id = $1 AND v.project_id = $1 AND v.label = ANY($2) AND o.source = 'production'
           AND o.occurred_at >= $3 AND o.occurred_at < $4
         GROUP BY 1, 2, 3"
    ))
    .bind(project_id)
    .bind(versions)
    .bind(midnight(from))
    .bind(end_of(to))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, version, day, outputs)| Exposure {
            user,
            version,
            day,
            outputs: u64::try_from(outputs).unwrap_or(0),
        })
        .collect())
}

/// Verdicts (passes and failures) of the metrics `metric_ids` on production outputs of
/// `versions` over the days `[from, to]` that named their end user, per user, version, metric
/// key and day.
pub async fn user_verdicts(
    pool: &PgPool,
    project_id: i64,
    metric_ids: &[i64],
    versions: &[String],
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<UserVerdicts>, AppError> {
    let rows: Vec<(String, String, String, NaiveDate, i64, i64)> = sqlx::query_as(&format!(
        "SELECT o.end_user, v.label, m.key, {DAY} AS day, count(*) FILTER (WHERE s.passed)::int8, count(*)::int8
         FROM scores s JOIN outputs o ON o.id = s.output_id JOIN system_versions v ON v.id = o.version_id
         JOIN metrics m ON m.id = s.metric_id
         WHERE o.project_id = $1 AND v.label = ANY($3) AND s.metric_id = ANY($2) AND s.passed IS NOT NULL
           AND o.end_user IS NOT NULL AND o.source = 'production' AND o.occurred_at >= $4 AND o.occurred_at < $5
         GROUP BY 1, 2, 3, 4"
    ))
    .bind(project_id)
    .bind(metric_ids)
    .bind(versions)
    .bind(midnight(from))
    .bind(end_of(to))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, version, metric, day, passes, n)| UserVerdicts {
            user,
            version,
            metric,
            day,
            passes: u64::try_from(passes).unwrap_or(0),
            n: u64::try_from(n).unwrap_or(0),
        })
        .collect())
}

/// The pass rate of metric `metric_id` for `version` over the days since `since`, from the
/// rollups; `None` without verdicts.
pub async fn recent_pass_rate(
    pool: &PgPool,
    metric_id: i64,
    version: &str,
    since: NaiveDate,
) -> Result<Option<f64>, AppError> {
    let (passes, n): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT sum(r.passes)::int8, sum(r.passes + r.failures)::int8 FROM score_rollups r
         JOIN system_versions v ON v.id = r.version_id
         WHERE r.metric_id = $1 AND v.label = $2 AND r.grain = 'day' AND r.segment_key = '' AND r.bucket >= $3",
    )
    .bind(metric_id)
    .bind(version)
    .bind(midnight(since))
    .fetch_one(pool)
    .await?;
    Ok(match (passes, n) {
        (Some(passes), Some(n)) if n > 0 => Some(passes as f64 / n as f64),
        _ => None,
    })
}

#[cfg(test)]
mod tests;
