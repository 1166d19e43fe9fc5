//! The read side: the project overview, release comparison and metric trend, computed from the
//! rollups by the pure rules in `domain::trends`. Each takes a [`Source`]: a pool reads the
//! rollups; `Source::Scores` counts the raw scores instead (for the benchmark and the test that
//! both give the same answer).

use super::db;
use super::db::trends::{SeriesFilter, Source};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::Status;
use crate::domain::metric::MetricView;
use crate::domain::trends::compare::{self, Comparison, MetricCounts};
use crate::domain::trends::overview::{self, MetricFacts, MetricSeries, Overview};
use crate::domain::trends::{Counts, Point};
use crate::error::AppError;
use chrono::{Duration, DurationRound, NaiveDate, TimeZone, Utc};

use sqlx::PgPool;
use std::collections::HashMap;

/// The longest range a dashboard reads.
pub const MAX_DAYS: u32 = 366;

/// Checks a range length in days (1 to [`MAX_DAYS`]) for `field`.
pub fn parse_days(field: &str, days: u32) -> Result<u32, AppError> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(AppError::invalid(
            field,
            format!("must be from 1 to {MAX_DAYS} days"),
        ))
    }
}

async fn active_metrics(pool: &PgPool, project_id: i64) -> Result<Vec<MetricView>, AppError> {
    let filter = ParsedFilter {
        status: Some(Status::Active),
        ..ParsedFilter::default()
    };
    db::metrics::list(pool, Some(project_id), &filter).await
}

fn midnight(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The overview of the `days` days up to `today` (UTC).
pub async fn overview<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
    days: u32,
    today: NaiveDate,
) -> Result<Overview, AppError> {
    let source = source.into();
    let days = parse_days("days", days)?;
    let metrics = active_metrics(source.pool(), project_id).await?;
    let span = i64::from(days.max(14));
    let first = today - Duration::days(span - 1);
    let ids: Vec<i64> = metrics.iter().map(|m| m.id).collect();
    let buckets = db::trends::buckets(
        source,
        project_id,
        &ids,
        "day",
        (midnight(first), midnight(today + Duration::days(1))),
        &SeriesFilter::default(),
    )
    .await?;
    let mut by_day: HashMap<(i64, NaiveDate), Counts> = HashMap::new();
    for bucket in buckets {
        by_day.insert((bucket.metric_id, bucket.at.date_naive()), bucket.counts);
    }
    let sum = |metric: i64, from: i64, to: i64| {
        (from..=to).fold(Counts::default(), |sum, back| {
            sum.plus(
                by_day
                    .get(&(metric, today - Duration::days(back)))
                    .copied()
                    .unwrap_or_default(),
            )
        })
    };
    let series = metrics
        .iter()
        .map(|m| MetricSeries {
            metric: MetricFacts {
                key: m.definition.key.clone(),
                name: m.definition.name.clone(),
                cost_per_failure: m.definition.cost_per_failure,
                cost_per_evaluation: m.definition.cost_per_evaluation,
            },
            days: (0..i64::from(days))
                .rev()
                .map(|back| {
                    let day = today - Duration::days(back);
                    Point {
                        at: midnight(day),
                        counts: by_day.get(&(m.id, day)).copied().unwrap_or_default(),
                    }
                })
                .collect(),
            last_week: sum(m.id, 0, 6),
            week_before: sum(m.id, 7, 13),
        })
        .collect();
    Ok(overview::build(series, days))
}

pub use crate::domain::trends::compare::CompareQuery;

/// The range of a comparison, checked.
pub fn parse_range(query: &CompareQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |field: &str, text: &str, default: NaiveDate| match text.trim() {
        "" => Ok(default),
        text => crate::domain::metric::parse_date(field, text),
    };
    let to = day("to", &query.to, today)?;
    let from = day("from", &query.from, to - Duration::days(89))?;
    if from > to {
        return Err(AppError::invalid("from", "must not be after 'to'"));
    }
    if (to - from).num_days() >= i64::from(MAX_DAYS) {
        return Err(AppError::invalid(
            "from",
            format!("the range is at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// Version B against version A for every active metric and segment.
pub async fn compare<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
    query: &CompareQuery,
    today: NaiveDate,
) -> Result<Comparison, AppError> {
    let source = source.into();
    let (a, b) = (query.a.trim().to_owned(), query.b.trim().to_owned());
    let known: Vec<String> = db::trends::versions_seen(source, project_id)
        .await?
        .into_iter()
        .map(|v| v.label)
        .collect();
    for (field, label) in [("a", &a), ("b", &b)] {
        if !known.contains(label) {
            return Err(AppError::invalid(
                field,
                format!("'{label}' is not a version of this project"),
            ));
        }
    }
    if a == b {
        return Err(AppError::invalid("b", "choose a version other than A"));
    }
    let range = parse_range(query, today)?;
    let counts =
        db::trends::by_version_and_segment(source, project_id, &[a.clone(), b.clone()], range).await?;
    let metrics = active_metrics(source.pool(), project_id).await?;
    let metric_counts: Vec<MetricCounts> = metrics
        .iter()
        .map(|m| {
            let mut total = (Counts::default(), Counts::default());
            let mut segments: Vec<(compare::Segment, (Counts, Counts))> = Vec::new();
            for row in counts.iter().filter(|c| c.metric_id == m.id) {
                let side = |pair: &mut (Counts, Counts)| {
                    if row.version == a {
                        pair.0 = row.counts;
                    } else {
                        pair.1 = row.counts;
                    }
                };
                match &row.segment {
                    None => side(&mut total),
                    Some(segment) => match segments.iter_mut().find(|(s, _)| s == segment) {
                        Some((_, pair)) => side(pair),
                        None => {
                            let mut pair = (Counts::default(), Counts::default());
                            side(&mut pair);
                            segments.push((segment.clone(), pair));
                        }
                    },
                }
            }
            MetricCounts {
                key: m.definition.key.clone(),
                name: m.definition.name.clone(),
                total,
                segments,
            }
        })
        .collect();
    Ok(compare::compare(&metric_counts))
}

/// The trend of metric `key` as `query` asks, up to `now`.
pub async fn trend<'a>(
    source: impl Into<Source<'a>>,
    project_id: i64,
    key: &str,
    query: &crate::domain::trends::trend::TrendAddress,
    now: chrono::DateTime<Utc>,
) -> Result<crate::domain::trends::trend::Trend, AppError> {
    use crate::domain::trends::trend::{self, VersionMarker};
    let source = source.into();
    let metric = db::metrics::find(source.pool(), project_id, key)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Metric '{key}'")))?;
    let (grain, step) = match query.grain.trim() {
        "" | "day" => ("day", Duration::days(1)),
        "hour" => ("hour", Duration::hours(1)),
        other => {
            return Err(AppError::invalid(
                "grain",
                format!("'{other}' is neither day nor hour"),
            ))
        }
    };
    let days = parse_days("days", query.days.unwrap_or(if grain == "hour" { 2 } else { 30 }))?;
    if grain == "hour" && days > 2 {
        return Err(AppError::invalid("days", "hours are kept for the last 2 days"));
    }
    let segment = match query.segment.trim() {
        "" => None,
        text => {
            let (key, value) = text
                .split_once('=')
                .ok_or_else(|| AppError::invalid("segment", "write it as key=value, e.g. language=de"))?;
            Some(compare::Segment {
                key: key.trim().to_owned(),
                value: value.trim().to_owned(),
            })
        }
    };
    let version = Some(query.version.trim().to_owned()).filter(|v| !v.is_empty());
    let end = match grain {
        "hour" => now.duration_trunc(Duration::hours(1)).unwrap_or(now) + step,
        _ => midnight(now.date_naive()) + step,
    };
    let buckets = i64::from(days) * if grain == "hour" { 24 } else { 1 };
    let start = end - step * buckets as i32;
    let filter = SeriesFilter { version, segment };
    let found = db::trends::buckets(source, project_id, &[metric.id], grain, (start, end), &filter).await?;
    let points: Vec<Point> = (0..buckets)
        .map(|i| {
            let at = start + step * i as i32;
            let counts = found
                .iter()
                .find(|b| b.at == at)
                .map(|b| b.counts)
                .unwrap_or_default();
            Point { at, counts }
        })
        .collect();
    let markers = db::trends::versions_seen(source, project_id)
        .await?
        .into_iter()
        .filter_map(|v| {
            let first = match grain {
                "hour" => v.first_hour.or(v.first_day),
                _ => v.first_day,
            };
            first.map(|at| VersionMarker { version: v.label, at })
        })
        .collect();
    Ok(trend::build(
        metric.definition.key.clone(),
        metric.definition.name.clone(),
        grain,
        &points,
        metric.definition.cost_per_failure,
        markers,
    ))
}
