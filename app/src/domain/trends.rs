//! The read side's arithmetic: rollup counts added up, pass rates with their intervals, the
//! change of a rate between two periods, and money at stake. Pure; the pages and the API get
//! these from the rollups through the dashboards use case.

pub mod compare;
pub mod explain;
pub mod overview;
pub mod segment;
pub mod trend;

use crate::domain::money::Money;
use crate::domain::stats::proportions::{self, Interval, Proportion, TestResult, Z95};
use serde::{Deserialize, Serialize};

/// Fewer evaluations than this in a point or a group and a rate is "too little data", not a
/// confident 0% or 100%.
pub const MIN_EVALUATIONS: u64 = 30;

/// Scores counted in rollups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Scores with a verdict or not applicable.
    pub evaluations: u64,
    pub passes: u64,
    pub failures: u64,
    pub not_applicable: u64,
    /// Scorer errors (no verdict).
    pub errors: u64,
    pub value_sum: f64,
    pub value_sum_squares: f64,
}

impl Counts {
    /// `passes` and `failures` verdicts and nothing else.
    pub fn verdicts(passes: u64, failures: u64) -> Counts {
        Counts {
            evaluations: passes + failures,
            passes,
            failures,
            ..Counts::default()
        }
    }

    /// These counts and `other`'s together.
    pub fn plus(self, other: Counts) -> Counts {
        Counts {
            evaluations: self.evaluations + other.evaluations,
            passes: self.passes + other.passes,
            failures: self.failures + other.failures,
            not_applicable: self.not_applicable + other.not_applicable,
            errors: self.errors + other.errors,
            value_sum: self.value_sum + other.value_sum,
            value_sum_squares: self.value_sum_squares + other.value_sum_squares,
        }
    }

    /// These counts without `other`'s (for "the rest" of a total).
    pub fn minus(self, other: Counts) -> Counts {
        Counts {
            evaluations: self.evaluations.saturating_sub(other.evaluations),
            passes: self.passes.saturating_sub(other.passes),
            failures: self.failures.saturating_sub(other.failures),
            not_applicable: self.not_applicable.saturating_sub(other.not_applicable),
            errors: self.errors.saturating_sub(other.errors),
            value_sum: self.value_sum - other.value_sum,
            value_sum_squares: self.value_sum_squares - other.value_sum_squares,
        }
    }

    /// Passes out of the scores with a verdict (not-applicable and errors left out).
    pub fn pass_rate(&self) -> Proportion {
        Proportion::new(self.passes, self.passes + self.failures)
    }

    /// Money lost to failures at `cost_per_failure`.
    pub fn failure_cost(&self, cost_per_failure: Money) -> Money {
        cost_per_failure.times(self.failures as i64)
    }

    /// Money spent scoring at `cost_per_evaluation` (errors cost a call too).
    pub fn evaluation_spend(&self, cost_per_evaluation: Money) -> Money {
        cost_per_evaluation.times((self.evaluations + self.errors) as i64)
    }
}

/// A pass rate with its 95% Wilson interval and how many verdicts it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub passes: u64,
    pub n: u64,
    /// `None` without verdicts.
    pub rate: Option<f64>,
    pub interval: Interval,
}

impl Rate {
    pub fn of(proportion: Proportion) -> Self {
        Rate {
            passes: proportion.passes,
            n: proportion.n,
            rate: proportion.rate(),
            interval: proportion.wilson95(),
        }
    }

    /// Whether the rate rests on too few verdicts to read as a number.
    pub fn is_thin(&self) -> bool {
        self.n < MIN_EVALUATIONS
    }

    pub fn proportion(&self) -> Proportion {
        Proportion::new(self.passes, self.n)
    }
}

/// Which way a pass rate moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// The change of a pass rate from `before` to `after`: the difference with Newcombe's 95%
/// interval and a test of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `after − before`; `None` when either side has no verdicts.
    pub delta: Option<f64>,
    pub interval: Interval,
    pub test: TestResult,
    pub direction: Direction,
}

impl Change {
    pub fn between(before: Proportion, after: Proportion) -> Self {
        let delta = after.rate().zip(before.rate()).map(|(b, a)| b - a);
        let direction = match delta {
            Some(d) if d > 0.0 => Direction::Up,
            Some(d) if d < 0.0 => Direction::Down,
            _ => Direction::Flat,
        };
        Change {
            delta,
            interval: proportions::newcombe(after, before, Z95),
            test: proportions::compare(before, after),
            direction,
        }
    }

    /// Whether the change is significant at `alpha` (the interval then excludes 0 too, but the
    /// test decides).
    pub fn is_significant(&self, alpha: f64) -> bool {
        self.test.p < alpha
    }
}

/// One day (or hour) of one series: its counts, from the rollups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The bucket's start (UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    pub counts: Counts,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passes: u64, failures: u64) -> Counts {
        Counts::verdicts(passes, failures)
    }

    #[test]
    fn a_pass_rate_leaves_out_not_applicable_and_errors() {
        let c = Counts {
            not_applicable: 5,
            errors: 2,
            evaluations: 15,
            ..counts(6, 4)
        };
        assert_eq!(c.pass_rate(), Proportion::new(6, 10));
        assert_eq!(c.failure_cost(Money::from_cents(250)), Money::from_cents(1000));
        assert_eq!(c.evaluation_spend(Money::from_cents(1)), Money::from_cents(17));
    }

    #[test]
    fn a_rate_without_verdicts_is_unknown_and_thin() {
        let rate = Rate::of(Proportion::new(0, 0));
        assert_eq!((rate.rate, rate.is_thin()), (None, true));
        assert_eq!((rate.interval.low, rate.interval.high), (0.0, 1.0));
        assert!(!Rate::of(Proportion::new(30, 30)).is_thin());
    }

    #[test]
    fn a_change_has_its_direction_interval_and_test() {
        let change = Change::between(Proportion::new(56, 70), Proportion::new(48, 80));
        assert!((change.delta.unwrap() + 0.2).abs() < 1e-12);
        assert_eq!(change.direction, Direction::Down);
        // Newcombe's 56/70 − 48/80 = [0.0524, 0.3339], mirrored for after − before.
        assert!((change.interval.low + 0.333_872_654_0).abs() < 1e-9);
        assert!((change.interval.high + 0.052_431_472_4).abs() < 1e-9);
        assert!(change.is_significant(0.05));
        let none = Change::between(Proportion::new(0, 0), Proportion::new(3, 4));
        assert_eq!(
            (none.delta, none.direction, none.test.p),
            (None, Direction::Flat, 1.0)
        );
    }

    #[test]
    fn counts_add_up_and_the_rest_of_a_total_is_what_remains() {
        let total = counts(10, 5).plus(counts(3, 2));
        assert_eq!(total, counts(13, 7));
        assert_eq!(total.minus(counts(3, 2)), counts(10, 5));
    }
}
