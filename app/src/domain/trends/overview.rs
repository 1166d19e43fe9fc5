//! The project overview: per active metric, the pass rate of the last seven days, its change
//! against the seven before, failures and what they cost, what scoring cost, and a daily line;
//! the metric that loses the most money first.

use super::{Change, Counts, Point, Rate};
use crate::domain::money::Money;
use serde::{Deserialize, Serialize};

/// A metric as the overview needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFacts {
    pub key: String,
    pub name: String,
    pub cost_per_failure: Money,
    pub cost_per_evaluation: Money,
}

/// A metric's rollups for the overview: every day of the chosen range, oldest first, and the
/// two weeks the change compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub metric: MetricFacts,
    pub days: Vec<Point>,
    pub last_week: Counts,
    pub week_before: Counts,
}

/// One row of the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub key: String,
    pub name: String,
    /// The last seven days.
    pub now: Rate,
    /// Last seven days against the seven before.
    pub change: Change,
    pub significant: bool,
    /// Over the chosen range.
    pub failures: u64,
    pub evaluations: u64,
    pub dollar_impact: Money,
    pub evaluation_spend: Money,
    /// The daily pass rate over the chosen range (`None` where nothing was scored).
    pub days: Vec<DayRate>,
}

/// A day's pass rate and the verdicts it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRate {
    pub day: chrono::NaiveDate,
    pub rate: Option<f64>,
    pub n: u64,
    pub failures: u64,
    /// The day's failures × cost per failure.
    pub failure_cost: Money,
}

/// The overview: totals first, then a row per metric by dollar impact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub days: u32,
    pub rows: Vec<OverviewRow>,
    pub failures: u64,
    pub evaluations: u64,
    pub dollar_impact: Money,
    pub evaluation_spend: Money,
    /// Metrics whose last week is significantly worse than the week before.
    pub regressions: usize,
}

/// Significance level of the week-over-week change.
pub const ALPHA: f64 = 0.05;

/// Builds the overview of `days` days from each metric's series.
pub fn build(series: Vec<MetricSeries>, days: u32) -> Overview {
    let mut rows: Vec<OverviewRow> = series.into_iter().map(row).collect();
    rows.sort_by(|a, b| {
        b.dollar_impact
            .cmp(&a.dollar_impact)
            .then(b.failures.cmp(&a.failures))
            .then(a.key.cmp(&b.key))
    });
    Overview {
        days,
        failures: rows.iter().map(|r| r.failures).sum(),
        evaluations: rows.iter().map(|r| r.evaluations).sum(),
        dollar_impact: rows.iter().fold(Money::ZERO, |sum, r| sum.plus(r.dollar_impact)),
        evaluation_spend: rows
            .iter()
            .fold(Money::ZERO, |sum, r| sum.plus(r.evaluation_spend)),
        regressions: rows
            .iter()
            .filter(|r| r.significant && r.change.direction == super::Direction::Down)
            .count(),
        rows,
    }
}

/// Whether a metric's evaluation spend is covered by the failure cost it surfaces.
pub fn pays_for_itself(row: &OverviewRow) -> bool {
    row.dollar_impact >= row.evaluation_spend
}

fn row(series: MetricSeries) -> OverviewRow {
    let total = series
        .days
        .iter()
        .fold(Counts::default(), |sum, p| sum.plus(p.counts));
    let change = Change::between(series.week_before.pass_rate(), series.last_week.pass_rate());
    OverviewRow {
        key: series.metric.key,
        name: series.metric.name,
        now: Rate::of(series.last_week.pass_rate()),
        significant: change.is_significant(ALPHA),
        change,
        failures: total.failures,
        evaluations: total.evaluations,
        dollar_impact: total.failure_cost(series.metric.cost_per_failure),
        evaluation_spend: total.evaluation_spend(series.metric.cost_per_evaluation),
        days: series
            .days
            .iter()
            .map(|p| {
                let rate = p.counts.pass_rate();
                DayRate {
                    day: p.at.date_naive(),
                    rate: rate.rate(),
                    n: rate.n,
                    failures: p.counts.failures,
                    failure_cost: p.counts.failure_cost(series.metric.cost_per_failure),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn counts(passes: u64, failures: u64) -> Counts {
        Counts::verdicts(passes, failures)
    }

    fn series(
        key: &str,
        cost_cents: i64,
        days: &[(u64, u64)],
        weeks: ((u64, u64), (u64, u64)),
    ) -> MetricSeries {
        MetricSeries {
            metric: MetricFacts {
                key: key.into(),
                name: key.into(),
                cost_per_failure: Money::from_cents(cost_cents),
                cost_per_evaluation: Money::from_micros(1000),
            },
            days: days
                .iter()
                .enumerate()
                .map(|(i, &(p, f))| Point {
                    at: chrono::Utc
                        .with_ymd_and_hms(2026, 11, 1 + i as u32, 0, 0, 0)
                        .unwrap(),
                    counts: counts(p, f),
                })
                .collect(),
            last_week: counts(weeks.0 .0, weeks.0 .1),
            week_before: counts(weeks.1 .0, weeks.1 .1),
        }
    }

    #[test]
    fn rows_are_ranked_by_dollar_impact_with_totals_and_regressions_counted() {
        let overview = build(
            vec![
                // 10 failures at $1 = $10, and a significant drop.
                series("tone", 100, &[(90, 5), (0, 0), (95, 5)], ((80, 20), (97, 3))),
                // 4 failures at $5 = $20, stable.
                series("language", 500, &[(48, 2), (48, 2)], ((96, 4), (96, 4))),
            ],
            30,
        );
        let keys: Vec<&str> = overview.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["language", "tone"]);
        assert_eq!(overview.dollar_impact, Money::from_cents(3000));
        assert_eq!((overview.failures, overview.evaluations), (14, 295));
        assert_eq!(overview.evaluation_spend, Money::from_micros(295_000));
        assert_eq!(overview.regressions, 1);
        let tone = &overview.rows[1];
        assert_eq!((tone.now.passes, tone.now.n), (80, 100));
        assert!(tone.significant && tone.change.direction == super::super::Direction::Down);
        assert_eq!(tone.days[1].rate, None, "a day without verdicts has no rate");
        assert_eq!(tone.days[2].n, 100);
        assert_eq!(tone.days[2].failure_cost, Money::from_cents(500));
        assert!(pays_for_itself(tone));
        let costly = OverviewRow {
            evaluation_spend: Money::from_cents(1001),
            ..tone.clone()
        };
        assert!(
            !pays_for_itself(&costly),
            "spend above the $10 of failures it found"
        );
    }

    #[test]
    fn an_empty_project_has_an_empty_overview() {
        let overview = build(Vec::new(), 7);
        assert!(overview.rows.is_empty());
        assert_eq!((overview.failures, overview.dollar_impact), (0, Money::ZERO));
    }
}
