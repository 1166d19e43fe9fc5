//! Reads of the rollups for dashboards: daily counts per metric, counts per version and
//! segment over a range, and when each version first appeared. Dashboards read the rollups;
//! the same reads can count raw scores instead ([`Source::Scores`]), which is how the
//! benchmark measures what the rollups save and how tests check that both give one answer.

use crate::domain::trends::compare::Segment;
use crate::domain::trends::Counts;
use crate::error::AppError;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// The sums every read selects, as `bigint` (Postgres sums `bigint` as `numeric`).
const SUMS: &str = "sum(r.evaluations)::bigint AS evaluations, sum(r.passes)::bigint AS passes,
    sum(r.failures)::bigint AS failures, sum(r.not_applicable)::bigint AS not_applicable,
    sum(r.errors)::bigint AS errors, sum(r.value_sum) AS value_sum, sum(r.value_sum_squares) AS value_sum_squares";

#[derive(sqlx::FromRow)]
struct Sums {
    evaluations: i64,
    passes: i64,
    failures: i64,
    not_applicable: i64,
    errors: i64,
    value_sum: f64,
    value_sum_squares: f64,
}

impl From<Sums> for Counts {
    fn from(s: Sums) -> Self {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Counts {
            evaluations: n(s.evaluations),
            passes: n(s.passes),
            failures: n(s.failures),
            not_applicable: n(s.not_applicable),
            errors: n(s.errors),
            value_sum: s.value_sum,
            value_sum_squares: s.value_sum_squares,
        }
    }
}

/// Where the reads count from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The rollups (what every dashboard reads).
    Rollups(&'a PgPool),
    /// The raw scores, counted as the rollups count them, within the read's range.
    Scores(&'a PgPool),
}

impl<'a> From<&'a PgPool> for Source<'a> {
    fn from(pool: &'a PgPool) -> Self {
        Source::Rollups(pool)
    }
}

impl<'a> Source<'a> {
    pub fn pool(self) -> &'a PgPool {
        match self {
            Source::Rollups(pool) | Source::Scores(pool) => pool,
        }
    }

    /// Pushes the table the read aggregates, as `r`: the rollups, or the project's scores
    /// within what the read asks for, counted as rollup rows.
    fn push_table<'q>(self, query: &mut QueryBuilder<'q, Postgres>, project_id: i64, within: Within<'_>) {
        match self {
            Source::Rollups(_) => {
                query.push("score_rollups r");
            }
            Source::Scores(_) => {
                query.push("(");
                super::rollups::push_counts(query, 1, |query| {
                    let (from, to) = within.range;
                    query
                        .push("o.project_id = ")
                        .push_bind(project_id)
                        .push(" AND o.occurred_at >= ")
                        .push_bind(from)
                        .push(" AND o.occurred_at < ")
                        .push_bind(to);
                    if let Some(metrics) = within.metrics {
                        query
                            .push(" AND s.metric_id = ANY(")
                            .push_bind(metrics.to_vec())
                            .push(")");
                    }
                    if let Some(version) = within.version {
                        query
                            .push(" AND o.version_id IN (SELECT id FROM system_versions WHERE project_id = ")
                            .push_bind(project_id)
                            .push(" AND label = ANY(")
                            .push_bind(version.to_vec())
                            .push("))");
                    }
                });
                query.push(") r");
            }
        }
    }
}

/// What a read from raw scores may skip: outside the range, other metrics, other versions.
#[derive(Clone, Copy)]
struct Within<'q> {
    range: (DateTime<Utc>, DateTime<Utc>),
    metrics: Option<&'q [i64]>,
    version: Option<&'q [String]>,
}

/// Which rollups a series reads: a version (else all), a segment (else all traffic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesFilter {
    pub version: Option<String>,
    pub segment: Option<Segment>,
}

/// A metric's counts in one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub metric_id: i64,
    pub at: DateTime<Utc>,
    pub counts: Counts,
}

#[derive(sqlx::FromRow)]
struct BucketRow {
    metric_id: i64,
    at: DateTime<Utc>,
    #[sqlx(flatten)]
    sums: Sums,
}

/// Counts per metric of the project and `grain` bucket (`day` or `hour`) in `[from, to)`.
pub async fn buckets<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
    metrics: &[i64],
    grain: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    filter: &SeriesFilter,
) -> Result<Vec<Bucket>, AppError> {
    let source = source.into();
    let mut query: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT r.metric_id, r.bucket AS at, {SUMS} FROM "));
    let version = filter.version.clone().map(|v| vec![v]);
    let within = Within {
        range: (from, to),
        metrics: Some(metrics),
        version: version.as_deref(),
    };
    source.push_table(&mut query, project_id, within);
    query.push(" JOIN system_versions v ON v.id = r.version_id WHERE v.project_id = ");
    query.push_bind(project_id);
    query
        .push(" AND r.metric_id = ANY(")
        .push_bind(metrics.to_vec())
        .push(")");
    query.push(" AND r.grain = ").push_bind(grain.to_owned());
    query.push(" AND r.bucket >= ").push_bind(from);
    query.push(" AND r.bucket < ").push_bind(to);
    let (key, value) = filter
        .segment
        .as_ref()
        .map_or((String::new(), String::new()), |s| {
            (s.key.clone(), s.value.clone())
        });
    query.push(" AND r.segment_key = ").push_bind(key);
    query.push(" AND r.segment_value = ").push_bind(value);
    if let Some(version) = &filter.version {
        query.push(" AND v.label = ").push_bind(version.clone());
    }
    query.push(" GROUP BY r.metric_id, r.bucket ORDER BY r.metric_id, r.bucket");
    let rows: Vec<BucketRow> = query.build_query_as().fetch_all(source.pool()).await?;
    Ok(rows
        .into_iter()
        .map(|row| Bucket {
            metric_id: row.metric_id,
            at: row.at,
            counts: row.sums.into(),
        })
        .collect())
}

/// A metric's counts for one version in all traffic (`segment` none) or one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionCounts {
    pub metric_id: i64,
    pub version: String,
    pub segment: Option<Segment>,
    pub counts: Counts,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    metric_id: i64,
    version: String,
    segment_key: String,
    segment_value: String,
    #[sqlx(flatten)]
    sums: Sums,
}

/// Counts per metric, version (of `versions`) and segment over the days `[from, to]`.
pub async fn by_version_and_segment<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
    versions: &[String],
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<VersionCounts>, AppError> {
    let source = source.into();
    let start = Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN));
    let end = Utc.from_utc_datetime(&to.and_time(NaiveTime::MIN)) + Duration::days(1);
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT r.metric_id, v.label AS version, r.segment_key, r.segment_value, {SUMS} FROM "
    ));
    let within = Within {
        range: (start, end),
        metrics: None,
        version: Some(versions),
    };
    source.push_table(&mut query, project_id, within);
    query
        .push(" JOIN system_versions v ON v.id = r.version_id WHERE v.project_id = ")
        .push_bind(project_id)
        .push(" AND v.label = ANY(")
        .push_bind(versions.to_vec())
        .push(") AND r.grain = 'day' AND r.bucket >= ")
        .push_bind(start)
        .push(" AND r.bucket < ")
        .push_bind(end)
        .push(
            " GROUP BY r.metric_id, v.label, r.segment_key, r.segment_value
             ORDER BY r.metric_id, r.segment_key, r.segment_value, v.label",
        );
    let rows: Vec<VersionRow> = query.build_query_as().fetch_all(source.pool()).await?;
    Ok(rows
        .into_iter()
        .map(|row| VersionCounts {
            metric_id: row.metric_id,
            version: row.version,
            segment: (!row.segment_key.is_empty()).then_some(Segment {
                key: row.segment_key,
                value: row.segment_value,
            }),
            counts: row.sums.into(),
        })
        .collect())
}

/// A system version and when its scored outputs first appeared.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VersionSeen {
    pub label: String,
    /// The first UTC day.
    pub first_day: Option<DateTime<Utc>>,
    /// The first hour, when that day began within the last 48 hours (hours are kept no longer).
    pub first_hour: Option<DateTime<Utc>>,
    /// The last UTC day with scored outputs.
    pub last_day: Option<DateTime<Utc>>,
}

/// The project's versions, oldest first appearance first.
pub async fn versions_seen<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
) -> Result<Vec<VersionSeen>, AppError> {
    let source = source.into();
    let first = match source {
        Source::Rollups(_) => {
            "SELECT d.first AS first_day, CASE WHEN d.first >= now() - interval '48 hours' THEN
                (SELECT min(r.bucket) FROM score_rollups r
                 WHERE r.version_id = v.id AND r.grain = 'hour' AND r.segment_key = '') END AS first_hour,
                d.last AS last_day
             FROM (SELECT min(r.bucket) AS first, max(r.bucket) AS last FROM score_rollups r
                   WHERE r.version_id = v.id AND r.grain = 'day' AND r.segment_key = '') d"
        }
        Source::Scores(_) => {
            "SELECT date_trunc('day', f.first, 'UTC') AS first_day,
                CASE WHEN date_trunc('day', f.first, 'UTC') >= now() - interval '48 hours'
                     THEN date_trunc('hour', f.first, 'UTC') END AS first_hour,
                date_trunc('day', f.last, 'UTC') AS last_day
             FROM (SELECT min(o.occurred_at) AS first, max(o.occurred_at) AS last FROM outputs o
                   WHERE o.version_id = v.id AND o.run_id IS NULL AND EXISTS (SELECT FROM scores s WHERE s.output_id = o.id)) f"
        }
    };
    Ok(sqlx::query_as(&format!(
        "SELECT v.label, seen.first_day, seen.first_hour, seen.last_day
         FROM system_versions v CROSS JOIN LATERAL ({first}) seen
         WHERE v.project_id = $1 ORDER BY seen.first_day NULLS LAST, v.id"
    ))
    .bind(project_id)
    .fetch_all(source.pool())
    .await?)
}

/// The segment keys and values seen in the project's rollups (for filters).
pub async fn segments(pool: &PgPool, project_id: i64) -> Result<Vec<Segment>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT r.segment_key, r.segment_value FROM score_rollups r
         JOIN metrics m ON m.id = r.metric_id
         WHERE m.project_id = $1 AND r.segment_key <> '' AND r.grain = 'day'
         ORDER BY 1, 2 LIMIT 500",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, value)| Segment { key, value })
        .collect())
}

#[cfg(test)]
mod tests;
