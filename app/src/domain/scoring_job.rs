//! Re-scoring jobs: one metric applied again to the stored outputs of a time range.

use crate::choice;
use crate::error::AppError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How far back a job started by a metric change reaches.
pub const AUTOMATIC_WINDOW_DAYS: i64 = 30;
/// The longest range a job may cover.
pub const MAX_RANGE_DAYS: i64 = 3_660;

choice!(
    /// Where a job is in its life.
    JobStatus, "status" {
        Queued = "queued", "Queued";
        Running = "running", "Running";
        Done = "done", "Done";
        Failed = "failed", "Failed";
        Cancelled = "cancelled", "Cancelled";
    }
);

choice!(
    /// Why a job was started.
    JobReason, "reason" {
        Activated = "activated", "Metric activated";
        ScorerChanged = "scorer_changed", "Scorer changed";
        Requested = "requested", "Requested";
    }
);

impl JobStatus {
    /// Whether the job may still make progress.
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// A job as pages and clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
    pub metric_key: String,
    pub reason: JobReason,
    pub from_time: DateTime<Utc>,
    pub to_time: DateTime<Utc>,
    pub status: JobStatus,
    /// Outputs in the range; known once the job has started.
    pub total: Option<i32>,
    pub done: i32,
    /// Outputs whose scorer failed (they are retried later, like any failed score).
    pub errors: i32,
    pub message: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobView {
    /// Progress in whole percent: 100 for a finished job, 0 before the total is known.
    pub fn percent(&self) -> u8 {
        match (self.status, self.total) {
            (JobStatus::Done, _) => 100,
            (_, Some(total)) if total > 0 => ((self.done.max(0) as i64 * 100) / total as i64).min(100) as u8,
            _ => 0,
        }
    }
}

/// The range of a job started by a metric change: the last [`AUTOMATIC_WINDOW_DAYS`] days.
pub fn automatic_range(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - Duration::days(AUTOMATIC_WINDOW_DAYS), now)
}

/// Parses a requested range of whole days (`YYYY-MM-DD`, both included); an empty `to` means
/// up to now.
pub fn parse_range(
    from: &str,
    to: &str,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let day = |field: &str, value: &str| {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid(field, "must be a date as YYYY-MM-DD"))
    };
    let start = day("from", from)?
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let end = if to.trim().is_empty() {
        now
    } else {
        (day("to", to)? + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            - Duration::microseconds(1)
    };
    if start > end {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if end - start > Duration::days(MAX_RANGE_DAYS) {
        return Err(AppError::invalid(
            "from",
            format!("the range may span at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn job(status: JobStatus, total: Option<i32>, done: i32) -> JobView {
        JobView {
            id: 1,
            metric_key: "m".into(),
            reason: JobReason::Requested,
            from_time: at("2026-01-01T00:00:00Z"),
            to_time: at("2026-01-02T00:00:00Z"),
            status,
            total,
            done,
            errors: 0,
            message: String::new(),
            created_by: None,
            created_at: at("2026-01-02T00:00:00Z"),
            finished_at: None,
        }
    }

    #[test]
    fn a_range_covers_whole_days_and_an_empty_end_means_now() {
        let now = at("2026-11-24T10:00:00Z");
        let (from, to) = parse_range("2026-11-01", "2026-11-02", now).unwrap();
        assert_eq!(from, at("2026-11-01T00:00:00Z"));
        assert_eq!(to, at("2026-11-02T23:59:59.999999Z"));
        assert_eq!(parse_range("2026-11-01", " ", now).unwrap().1, now);
    }

    #[test]
    fn bad_ranges_name_their_field() {
        let now = at("2026-11-24T10:00:00Z");
        let field = |from: &str, to: &str| match parse_range(from, to, now) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field("01.11.2026", ""), "from");
        assert_eq!(field("2026-11-02", "2026-13-01"), "to");
        assert_eq!(field("2026-11-02", "2026-11-01"), "to");
        assert_eq!(field("1990-01-01", ""), "from");
    }

    #[test]
    fn progress_is_a_whole_percentage() {
        assert_eq!(job(JobStatus::Queued, None, 0).percent(), 0);
        assert_eq!(job(JobStatus::Running, Some(3), 1).percent(), 33);
        assert_eq!(job(JobStatus::Running, Some(0), 0).percent(), 0);
        assert_eq!(job(JobStatus::Done, Some(0), 0).percent(), 100);
        assert_eq!(
            automatic_range(at("2026-11-24T00:00:00Z")).0,
            at("2026-10-25T00:00:00Z")
        );
    }
}
