//! The retirement queue: metrics that must justify themselves now.

use super::kinds::Status;
use super::MetricView;
use crate::domain::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many days ahead a coming retirement date puts a metric in the queue.
pub const RETIREMENT_HORIZON_DAYS: i64 = 14;
/// The default window for "no failing score": a metric that has not failed in this many days
/// may no longer pay for itself.
pub const QUIET_DAYS_DEFAULT: i64 = 30;
/// The longest window that may be asked for.
pub const QUIET_DAYS_MAX: i64 = 365;

/// What the queue is computed against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueContext {
    pub today: NaiveDate,
    /// Active metrics older than the window with no failing score within it.
    pub quiet: std::collections::HashSet<i64>,
    pub quiet_days: i64,
    /// Active metrics whose evaluation spend in the window exceeds the cost of the failures
    /// they found there: (spend, found).
    pub costly: std::collections::HashMap<i64, (Money, Money)>,
}

/// Checks a requested quiet window (days).
pub fn parse_quiet_days(days: i64) -> Result<i64, crate::error::AppError> {
    if (1..=QUIET_DAYS_MAX).contains(&days) {
        Ok(days)
    } else {
        Err(crate::error::AppError::invalid(
            "quiet_days",
            format!("must be between 1 and {QUIET_DAYS_MAX} days"),
        ))
    }
}

/// Why a metric is in the retirement queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueReason {
    /// The review date passed this many days ago (0 = today).
    ReviewOverdue { days: i64 },
    /// The retirement date is this many days away (0 = today, negative = passed).
    RetiringSoon { days: i64 },
    /// Active, scored, and not one failing score in this many days.
    NoFailures { days: i64 },
    /// Scoring it cost `spend` in `days` days; the failures it found cost `found`, less.
    CostsMoreThanItFinds { days: i64, spend: Money, found: Money },
}

impl QueueReason {
    /// A sentence for the queue row.
    pub fn describe(self) -> String {
        match self {
            QueueReason::ReviewOverdue { days: 0 } => "review due today".into(),
            QueueReason::ReviewOverdue { days } => {
                format!("review overdue by {days} day{}", plural(days))
            }
            QueueReason::RetiringSoon { days } if days < 0 => {
                format!("retirement date passed {} day{} ago", -days, plural(-days))
            }
            QueueReason::RetiringSoon { days: 0 } => "retirement date is today".into(),
            QueueReason::RetiringSoon { days } => {
                format!("retirement date in {days} day{}", plural(days))
            }
            QueueReason::NoFailures { days } => format!("no failing score in {days} day{}", plural(days)),
            QueueReason::CostsMoreThanItFinds { days, spend, found } => format!(
                "costs more than it finds: {spend} of evaluation in {days} day{} for {found} of failures",
                plural(days)
            ),
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub metric: MetricView,
    pub reasons: Vec<QueueReason>,
}

/// Why `metric` belongs in the queue; empty when it does not. Retired metrics never do.
pub fn reasons(metric: &MetricView, context: &QueueContext) -> Vec<QueueReason> {
    let today = context.today;
    if metric.status == Status::Retired {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    let overdue = (today - metric.definition.review_date).num_days();
    if overdue >= 0 {
        reasons.push(QueueReason::ReviewOverdue { days: overdue });
    }
    if let Some(retire) = metric.definition.retirement_date {
        let until = (retire - today).num_days();
        if until <= RETIREMENT_HORIZON_DAYS {
            reasons.push(QueueReason::RetiringSoon { days: until });
        }
    }
    if context.quiet.contains(&metric.id) {
        reasons.push(QueueReason::NoFailures {
            days: context.quiet_days,
        });
    }
    if let Some(&(spend, found)) = context.costly.get(&metric.id) {
        reasons.push(QueueReason::CostsMoreThanItFinds {
            days: context.quiet_days,
            spend,
            found,
        });
    }
    reasons
}

/// The queue from candidate metrics, most urgent first (by review date).
pub fn queue(metrics: Vec<MetricView>, context: &QueueContext) -> Vec<QueueItem> {
    let mut items: Vec<QueueItem> = metrics
        .into_iter()
        .filter_map(|metric| {
            let reasons = reasons(&metric, context);
            (!reasons.is_empty()).then_some(QueueItem { metric, reasons })
        })
        .collect();
    items.sort_by_key(|item| {
        let retire = item.metric.definition.retirement_date.unwrap_or(NaiveDate::MAX);
        item.metric.definition.review_date.min(retire)
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metric::tests::input;

    fn metric(review: &str, retire: &str, status: Status) -> MetricView {
        let mut definition = input();
        definition.review_date = review.into();
        definition.retirement_date = retire.into();
        MetricView {
            id: 1,
            project_slug: "bot".into(),
            definition: definition.parse().unwrap(),
            owner_name: "Otto".into(),
            status,
            status_reason: String::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn at(text: &str) -> QueueContext {
        QueueContext {
            today: text.parse().unwrap(),
            quiet: Default::default(),
            quiet_days: QUIET_DAYS_DEFAULT,
            costly: Default::default(),
        }
    }

    #[test]
    fn a_passed_review_date_is_overdue_by_whole_days() {
        let reasons = reasons(&metric("2026-11-20", "", Status::Active), &at("2026-11-24"));
        assert_eq!(reasons, vec![QueueReason::ReviewOverdue { days: 4 }]);
        assert_eq!(reasons[0].describe(), "review overdue by 4 days");
    }

    #[test]
    fn a_retirement_within_fourteen_days_is_listed_and_fifteen_is_not() {
        let soon = metric("2026-12-01", "2026-12-08", Status::Draft);
        assert_eq!(
            reasons(&soon, &at("2026-11-24")),
            vec![QueueReason::RetiringSoon { days: 14 }]
        );
        let later = metric("2026-12-01", "2026-12-09", Status::Active);
        assert!(reasons(&later, &at("2026-11-24")).is_empty());
    }

    #[test]
    fn retired_metrics_are_never_queued() {
        assert!(reasons(&metric("2020-01-01", "", Status::Retired), &at("2026-11-24")).is_empty());
    }

    #[test]
    fn the_most_urgent_metric_comes_first() {
        let queued = queue(
            vec![
                metric("2026-11-23", "", Status::Active),
                metric("2026-10-01", "", Status::Active),
                metric("2027-01-01", "", Status::Active),
            ],
            &at("2026-11-24"),
        );
        let dates: Vec<String> = queued
            .iter()
            .map(|i| i.metric.definition.review_date.to_string())
            .collect();
        assert_eq!(dates, ["2026-10-01", "2026-11-23"]);
    }

    #[test]
    fn a_metric_that_never_fails_any_more_is_queued_with_its_window() {
        let quiet = metric("2027-06-01", "", Status::Active);
        let mut context = at("2026-11-24");
        context.quiet.insert(quiet.id);
        context.quiet_days = 45;
        let reasons = reasons(&quiet, &context);
        assert_eq!(reasons, vec![QueueReason::NoFailures { days: 45 }]);
        assert_eq!(reasons[0].describe(), "no failing score in 45 days");
    }

    #[test]
    fn a_metric_whose_scoring_costs_more_than_its_failures_is_queued_with_both_sums() {
        let costly = metric("2027-06-01", "", Status::Active);
        let mut context = at("2026-11-24");
        context
            .costly
            .insert(costly.id, (Money::from_cents(1200), Money::from_cents(250)));
        let reasons = reasons(&costly, &context);
        assert_eq!(
            reasons[0].describe(),
            "costs more than it finds: $12.00 of evaluation in 30 days for $2.50 of failures"
        );
    }

    #[test]
    fn the_quiet_window_is_bounded() {
        assert_eq!(parse_quiet_days(30), Ok(30));
        assert_eq!(parse_quiet_days(0).unwrap_err().field(), Some("quiet_days"));
        assert!(parse_quiet_days(366).is_err());
    }
}
