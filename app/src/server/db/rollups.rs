//! Rollups: the scores counted per metric × system version × segment × UTC day (and hour for
//! the last 48 hours). Only the score seam ([`super::scores::apply`]) shifts them, in the same
//! transaction as the scores, so they never drift; [`rebuild`] recounts a project from its
//! scores (after its segment keys change, and at start-up for projects never counted). Eval
//! runs' outputs are not production traffic: they are never counted.

use crate::error::AppError;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

/// Which scores a shift counts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope<'a> {
    /// These (output, metric) scores.
    Scores { outputs: &'a [i64], metrics: &'a [i64] },
    /// These (output, metric) scores, of outputs no other transaction can see yet: counted like
    /// [`Scope::Scores`], locked by metric only.
    NewScores { outputs: &'a [i64], metrics: &'a [i64] },
    /// Every score of a metric that has a value (what a pass-rule change touches).
    ValuedScoresOf(i64),
    /// Every score of a project.
    Project(i64),
}

/// The rollups' columns, in the order [`push_counts`] selects them.
const COLUMNS: &str = "metric_id, grain, segment_key, segment_value, version_id, bucket,
    evaluations, passes, failures, not_applicable, errors, value_sum, value_sum_squares";

/// The segments an output `o` of project `p` counts in, as rows `seg(key, value)`: all traffic
/// ('' and ''), each of the project's segment keys its metadata carries, and its turn bucket.
pub(super) const SEGMENTS: &str = "CROSS JOIN LATERAL (
            SELECT '' AS key, '' AS value
            UNION ALL
            SELECT k, left(o.metadata ->> k, 100) FROM unnest(p.segment_keys) k WHERE o.metadata ->> k IS NOT NULL
            UNION ALL
            SELECT 'turn', CASE WHEN o.turn_index <= 4 THEN '1-4' ELSE '5+' END WHERE o.turn_index IS NOT NULL
         ) seg";

/// Pushes the SELECT that counts `sign` (1 or -1) times the scores `filter` picks, in the
/// rollups' [`COLUMNS`]. Each score counts in its day (and hour, when recent) for all traffic,
/// for each of the project's segment keys its output carries, and for its turn bucket. The
/// dashboards' reads from raw scores (`db::trends::Source::Scores`) use the same counting.
pub(super) fn push_counts<'a>(
    query: &mut QueryBuilder<'a, Postgres>,
    sign: i64,
    filter: impl FnOnce(&mut QueryBuilder<'a, Postgres>),
) {
    let sign = sign.signum();
    query.push(format!(
        "SELECT s.metric_id, g.grain, seg.key AS segment_key, seg.value AS segment_value, o.version_id,
            date_trunc(g.grain, o.occurred_at, 'UTC') AS bucket,
            {sign} * count(*) FILTER (WHERE s.error IS NULL AND (s.passed IS NOT NULL OR s.retry_at IS NULL)) AS evaluations,
            {sign} * count(*) FILTER (WHERE s.error IS NULL AND s.passed) AS passes,
            {sign} * count(*) FILTER (WHERE s.error IS NULL AND NOT s.passed) AS failures,
            {sign} * count(*) FILTER (WHERE s.error IS NULL AND s.passed IS NULL AND s.retry_at IS NULL) AS not_applicable,
            {sign} * count(*) FILTER (WHERE s.error IS NOT NULL) AS errors,
            {sign} * COALESCE(sum(s.value) FILTER (WHERE s.error IS NULL AND s.passed IS NOT NULL), 0) AS value_sum,
            {sign} * COALESCE(sum(s.value * s.value) FILTER (WHERE s.error IS NULL AND s.passed IS NOT NULL), 0)
                AS value_sum_squares
         FROM scores s JOIN outputs o ON o.id = s.output_id JOIN projects p ON p.id = o.project_id
         {SEGMENTS}
         CROSS JOIN LATERAL (
            SELECT 'day' AS grain
            UNION ALL
            SELECT 'hour' WHERE o.occurred_at >= now() - interval '48 hours'
         ) g
         WHERE o.run_id IS NULL AND "
    ));
    filter(query);
    query.push(" GROUP BY 1, 2, 3, 4, 5, 6");
}

/// Adds `sign` times the scores `filter` picks to the rollups.
async fn add_counts<'a>(
    connection: &mut PgConnection,
    sign: i64,
    filter: impl FnOnce(&mut QueryBuilder<'a, Postgres>),
) -> Result<(), AppError> {
    let mut query = QueryBuilder::new(format!("INSERT INTO score_rollups AS r ({COLUMNS}) "));
    push_counts(&mut query, sign, filter);
    query.push(
        " ORDER BY 1, 2, 3, 4, 5, 6
         ON CONFLICT (metric_id, grain, segment_key, segment_value, version_id, bucket) DO UPDATE SET
            evaluations = r.evaluations + EXCLUDED.evaluations,
            passes = r.passes + EXCLUDED.passes,
            failures = r.failures + EXCLUDED.failures,
            not_applicable = r.not_applicable + EXCLUDED.not_applicable,
            errors = r.errors + EXCLUDED.errors,
            value_sum = r.value_sum + EXCLUDED.value_sum,
            value_sum_squares = r.value_sum_squares + EXCLUDED.value_sum_squares",
    );
    query.build().execute(connection).await?;
    Ok(())
}

/// Serialises changes that touch the same scores, so that no two of them interleave their
/// withdrawal and addition (which would count a change twice or not at all). Held to the end
/// of the transaction: the projects' rows `FOR SHARE` (a recount takes them `FOR UPDATE`), then
/// advisory locks per metric (exclusive for a change of every valued score of a metric, shared
/// otherwise), then per score, each set in one fixed order. Colliding lock keys only make
/// unrelated changes wait.
pub(super) async fn lock(connection: &mut PgConnection, scope: Scope<'_>) -> Result<(), AppError> {
    let (mut metrics, exclusive, mut keys): (Vec<i64>, bool, Vec<(i32, i32)>) = match scope {
        Scope::Scores { outputs, metrics } => {
            // Metric locks use class 0; score locks the classes from 1 up.
            let keys = outputs
                .iter()
                .zip(metrics)
                .map(|(output, metric)| ((metric.rem_euclid(1 << 30) + 1) as i32, *output as i32))
                .collect();
            (metrics.to_vec(), false, keys)
        }
        Scope::NewScores { metrics, .. } => (metrics.to_vec(), false, Vec::new()),
        Scope::ValuedScoresOf(metric) => (vec![metric], true, Vec::new()),
        // A recount locks its project itself.
        Scope::Project(_) => return Ok(()),
    };
    metrics.sort_unstable();
    metrics.dedup();
    keys.sort_unstable();
    keys.dedup();
    sqlx::query("SELECT id FROM projects WHERE id IN (SELECT project_id FROM metrics WHERE id = ANY($1)) ORDER BY id FOR SHARE")
        .bind(&metrics)
        .execute(&mut *connection)
        .await?;
    let metric_lock = if exclusive {
        "SELECT count(pg_advisory_xact_lock(0, m)) FROM unnest($1::int4[]) AS t(m)"
    } else {
        "SELECT count(pg_advisory_xact_lock_shared(0, m)) FROM unnest($1::int4[]) AS t(m)"
    };
    let metric_keys: Vec<i32> = metrics.iter().map(|m| *m as i32).collect();
    sqlx::query(metric_lock)
        .bind(&metric_keys)
        .execute(&mut *connection)
        .await?;
    if !keys.is_empty() {
        let (classes, objects): (Vec<i32>, Vec<i32>) = keys.into_iter().unzip();
        sqlx::query(
            "SELECT count(pg_advisory_xact_lock(c, o)) FROM unnest($1::int4[], $2::int4[]) AS t(c, o)",
        )
        .bind(&classes)
        .bind(&objects)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Adds (`sign` 1) or withdraws (`sign` -1) the scores in `scope` as they are now.
pub(super) async fn shift(
    connection: &mut PgConnection,
    scope: Scope<'_>,
    sign: i64,
) -> Result<(), AppError> {
    match scope {
        Scope::Scores { outputs, metrics } | Scope::NewScores { outputs, metrics } => {
            if outputs.is_empty() {
                return Ok(());
            }
            add_counts(connection, sign, |query| {
                query
                    .push("(s.output_id, s.metric_id) IN (SELECT * FROM UNNEST(")
                    .push_bind(outputs.to_vec())
                    .push("::bigint[], ")
                    .push_bind(metrics.to_vec())
                    .push("::bigint[]))");
            })
            .await
        }
        Scope::ValuedScoresOf(metric) => {
            add_counts(connection, sign, |query| {
                query
                    .push("s.metric_id = ")
                    .push_bind(metric)
                    .push(" AND s.value IS NOT NULL");
            })
            .await
        }
        Scope::Project(project) => {
            add_counts(connection, sign, |query| {
                query.push("o.project_id = ").push_bind(project);
            })
            .await
        }
    }
}

/// Recounts a project's rollups from its scores, within the caller's transaction.
pub async fn rebuild(connection: &mut PgConnection, project_id: i64) -> Result<(), AppError> {
    // Locks the project row: score changes of the project (which take it `FOR SHARE`, see
    // [`lock`]) wait for the recount.
    sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
        .bind(project_id)
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "DELETE FROM score_rollups WHERE metric_id IN (SELECT id FROM metrics WHERE project_id = $1)",
    )
    .bind(project_id)
    .execute(&mut *connection)
    .await?;
    shift(connection, Scope::Project(project_id), 1).await?;
    sqlx::query("UPDATE projects SET rollups_built_at = now() WHERE id = $1")
        .bind(project_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Rebuilds the rollups of every project never counted (run at start-up); answers how many.
pub async fn rebuild_missing(pool: &PgPool) -> Result<usize, AppError> {
    let projects: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM projects WHERE rollups_built_at IS NULL ORDER BY id")
            .fetch_all(pool)
            .await?;
    for project in &projects {
        let mut tx = pool.begin().await?;
        rebuild(&mut tx, *project).await?;
        tx.commit().await?;
    }
    Ok(projects.len())
}

/// Drops hourly rollups older than 49 hours (hours are kept for the last 48); answers how many.
pub async fn prune_hours(pool: &PgPool) -> Result<u64, AppError> {
    let done = sqlx::query(
        "DELETE FROM score_rollups WHERE grain = 'hour' AND bucket < now() - interval '49 hours'",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests;
