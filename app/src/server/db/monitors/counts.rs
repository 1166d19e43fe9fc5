//! Counting the verdicts of a monitor's scope (its metric, and its segment and version if any):
//! from the scores themselves over a time range, in buckets for the backtest, or from the
//! rollups over whole hours or days.

use super::NewMonitor;
use crate::domain::monitor::backtest::Bucket;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgConnection, PgPool, Postgres};

/// A monitor's scope as the queries bind it.
pub(super) struct Scope<'a> {
    pub project_id: i64,
    pub metric_id: i64,
    /// '' for every version.
    pub version: &'a str,
    /// '' and '' for all traffic.
    pub key: &'a str,
    pub value: &'a str,
}

/// The verdicts and failures among the scores selected by `SCORES`.
const VERDICTS: &str = "count(*) FILTER (WHERE s.passed IS NOT NULL AND s.error IS NULL) AS verdicts,
        count(*) FILTER (WHERE s.passed = false AND s.error IS NULL) AS failures";

/// The scope's scores outside eval runs from `$3` (included) to `$4` (excluded): project `$1`,
/// metric `$2`, version label `$5`, segment key `$6` and value `$7` ('' for none; `turn` is the
/// turn bucket the rollups count).
const SCORES: &str = "FROM outputs o JOIN scores s ON s.output_id = o.id AND s.metric_id = $2
     LEFT JOIN system_versions v ON v.id = o.version_id
     WHERE o.project_id = $1 AND o.run_id IS NULL AND o.occurred_at >= $3 AND o.occurred_at < $4
       AND ($5 = '' OR v.label = $5) AND ($6 = '' OR (CASE WHEN $6 = 'turn'
           THEN CASE WHEN o.turn_index IS NULL THEN NULL WHEN o.turn_index <= 4 THEN '1-4' ELSE '5+' END
           ELSE o.metadata ->> $6 END) = $7)";

/// Binds `$1` to `$7` of [`SCORES`].
fn bind_scores<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    scope: &'q Scope<'q>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    query
        .bind(scope.project_id)
        .bind(scope.metric_id)
        .bind(from)
        .bind(to)
        .bind(scope.version)
        .bind(scope.key)
        .bind(scope.value)
}

/// Verdicts and failures of the scope's scores in `[from, to)`.
pub(super) async fn scores(
    connection: &mut PgConnection,
    scope: &Scope<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(i64, i64), AppError> {
    let sql = format!("SELECT {VERDICTS} {SCORES}");
    Ok(bind_scores(sqlx::query_as(&sql), scope, from, to)
        .fetch_one(connection)
        .await?)
}

/// Verdicts and failures of the scope in the `grain` ('hour' or 'day') rollups whose buckets
/// start in `[from, to)`.
pub(super) async fn rollups(
    connection: &mut PgConnection,
    scope: &Scope<'_>,
    grain: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(sum(r.passes + r.failures), 0)::bigint, COALESCE(sum(r.failures), 0)::bigint
         FROM score_rollups r JOIN system_versions v ON v.id = r.version_id
         WHERE r.metric_id = $1 AND r.grain = $2 AND r.bucket >= $3 AND r.bucket < $4
           AND r.segment_key = $5 AND r.segment_value = $6 AND ($7 = '' OR v.label = $7)",
    )
    .bind(scope.metric_id)
    .bind(grain)
    .bind(from)
    .bind(to)
    .bind(scope.key)
    .bind(scope.value)
    .bind(scope.version)
    .fetch_one(connection)
    .await?)
}

/// The verdicts of a monitor's scope in `step`-minute buckets (counted from the Unix epoch) from
/// `from` to `to`, from the scores themselves (hourly rollups are kept for two days only).
pub async fn buckets(
    pool: &PgPool,
    project_id: i64,
    monitor: &NewMonitor,
    step_minutes: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Bucket>, AppError> {
    let (key, value) = monitor.segment.clone().unwrap_or_default();
    let version = monitor.version.clone().unwrap_or_default();
    let scope = Scope {
        project_id,
        metric_id: monitor.metric_id,
        version: &version,
        key: &key,
        value: &value,
    };
    let sql = format!(
        "SELECT date_bin(make_interval(mins => $8::int), o.occurred_at, '1970-01-01 00:00:00+00'::timestamptz) AS start,
            {VERDICTS} {SCORES} GROUP BY 1 ORDER BY 1"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        start: DateTime<Utc>,
        verdicts: i64,
        failures: i64,
    }
    let rows: Vec<Row> = bind_scores(sqlx::query_as(&sql), &scope, from, to)
        .bind(step_minutes as i32)
        .fetch_all(pool)
        .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|row| Bucket {
            start: row.start,
            verdicts: count(row.verdicts),
            failures: count(row.failures),
        })
        .collect())
}
