//! The backtest: how a monitor would have behaved over past data, so owners tune thresholds
//! before saving. The past is replayed through the same [`step`](super::step) the worker runs,
//! once per backtest step (5 to 60 minutes, by the window's length) instead of once a minute.
//! "For N evaluations" is a time in the state machine (the breach must last N − 1 minutes), so
//! it means the same at either pace.

use super::{step, MonitorState, Notification, Rule, Status, Window};
use crate::domain::money::Money;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

/// Days a backtest replays.
pub const DAYS: i64 = 30;

/// Verdicts counted in one step-long bucket starting at `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub verdicts: u64,
    pub failures: u64,
}

/// One replayed evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub at: DateTime<Utc>,
    /// The condition's value, or `None` below the minimum sample.
    pub value: Option<f64>,
    pub verdicts: u64,
    pub state: MonitorState,
}

/// What the replay found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub step_minutes: i64,
    pub points: Vec<Point>,
    /// The notifications that would have gone out, with when.
    pub notifications: Vec<(DateTime<Utc>, Notification)>,
}

impl Backtest {
    /// How many times the monitor would have started firing.
    pub fn firings(&self) -> usize {
        self.notifications
            .iter()
            .filter(|(_, n)| n.state == MonitorState::Firing && n.previous != MonitorState::Firing)
            .count()
    }

    /// The spans spent firing: from the first firing evaluation to the first that was not
    /// (`None`: still firing at the end).
    pub fn firing_periods(&self) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let mut periods = Vec::new();
        let mut open: Option<DateTime<Utc>> = None;
        for point in &self.points {
            match (point.state == MonitorState::Firing, open) {
                (true, None) => open = Some(point.at),
                (false, Some(from)) => {
                    periods.push((from, Some(point.at)));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(from) = open {
            periods.push((from, None));
        }
        periods
    }

    /// Minutes spent firing.
    pub fn minutes_firing(&self) -> i64 {
        let firing = self
            .points
            .iter()
            .filter(|p| p.state == MonitorState::Firing)
            .count();
        firing as i64 * self.step_minutes
    }
}

/// The backtest step for a window: a twelfth of it, in whole 5 minutes, from 5 to 60.
pub fn step_minutes(window_minutes: i64) -> i64 {
    ((window_minutes / 12) / 5 * 5).clamp(5, 60)
}

/// Replays `rule` over the `buckets` (each `step` long and starting at a whole multiple of the
/// step since the Unix epoch; sparse, in any order) for the evaluations at `to - DAYS days +
/// step`, …, `to`, with `to` rounded down to a whole step. Each window sums the buckets that end
/// within it.
pub fn replay(
    rule: &Rule,
    window_minutes: i64,
    cost_per_failure: Money,
    buckets: &[Bucket],
    to: DateTime<Utc>,
) -> Backtest {
    let every = step_minutes(window_minutes);
    let to = to.duration_trunc(Duration::minutes(every)).unwrap_or(to);
    let evaluations = (DAYS * 24 * 60 / every) as usize;
    let span = ((window_minutes + every - 1) / every) as usize;
    // Slot j holds the bucket ending at `first_end + j steps`; evaluation i sums slots
    // i ..= i + span - 1, and the last evaluation (at `to`) ends with the last slot.
    let slots = evaluations + span - 1;
    let first_end = to - Duration::minutes(every * (slots as i64 - 1));
    let mut counts = vec![(0u64, 0u64); slots];
    for bucket in buckets {
        let end = bucket.start + Duration::minutes(every);
        let offset = (end - first_end).num_minutes();
        if offset < 0 || offset % every != 0 {
            continue;
        }
        if let Some(slot) = counts.get_mut((offset / every) as usize) {
            slot.0 += bucket.verdicts;
            slot.1 += bucket.failures;
        }
    }
    let live = Rule {
        reminder_minutes: None,
        ..*rule
    };
    let evaluation_at = |i: usize| first_end + Duration::minutes(every * (i + span - 1) as i64);
    let mut status = Status::new(evaluation_at(0) - Duration::minutes(every));
    let mut points = Vec::with_capacity(evaluations);
    let mut notifications = Vec::new();
    let (mut verdicts, mut failures) = counts[..span - 1]
        .iter()
        .fold((0, 0), |(v, f), c| (v + c.0, f + c.1));
    for i in 0..evaluations {
        let entering = counts[i + span - 1];
        verdicts += entering.0;
        failures += entering.1;
        let at = evaluation_at(i);
        let window = Window {
            verdicts,
            failures,
            dollar_impact: cost_per_failure.times(failures as i64),
        };
        let (next, sent) = step(&live, &status, Some(&window), at);
        status = next;
        if let Some(n) = sent {
            notifications.push((at, n));
        }
        let enough = verdicts >= live.min_sample.max(1);
        points.push(Point {
            at,
            value: enough.then(|| live.condition.value(&window)),
            verdicts,
            state: status.state,
        });
        let leaving = counts[i];
        verdicts -= leaving.0;
        failures -= leaving.1;
    }
    Backtest {
        step_minutes: every,
        points,
        notifications,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Condition, NoDataPolicy};
    use super::*;
    use chrono::TimeZone;

    fn rule(for_minutes: u32) -> Rule {
        Rule {
            condition: Condition::FailureRateAbove {
                threshold: 0.2,
                recovery: 0.1,
            },
            min_sample: 10,
            for_evaluations: for_minutes,
            no_data: NoDataPolicy::KeepState,
            reminder_minutes: Some(30),
        }
    }

    fn to() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    /// Hourly buckets (window 12 hours → step 60) of 20 verdicts, failing `rate` of them while
    /// `bad(hours_ago)` holds.
    fn hourly(bad: impl Fn(i64) -> bool) -> Vec<Bucket> {
        (1..=(DAYS * 24 + 12))
            .map(|hours_ago| Bucket {
                start: to() - Duration::hours(hours_ago),
                verdicts: 20,
                failures: if bad(hours_ago) { 10 } else { 0 },
            })
            .collect()
    }

    fn result_of(buckets: &[Bucket]) -> Backtest {
        replay(&rule(1), 720, Money::ZERO, buckets, to())
    }

    #[test]
    fn the_step_follows_the_window() {
        assert_eq!(step_minutes(5), 5);
        assert_eq!(step_minutes(60), 5);
        assert_eq!(step_minutes(180), 15);
        assert_eq!(step_minutes(720), 60);
        assert_eq!(step_minutes(10080), 60);
    }

    #[test]
    fn a_regression_fires_once_and_resolves_after_the_window_clears() {
        // Ten days ago, for two days, half the verdicts failed.
        let bad = |hours_ago: i64| (192..240).contains(&hours_ago);
        let result = replay(&rule(1), 720, Money::from_cents(100), &hourly(bad), to());
        assert_eq!(result.step_minutes, 60);
        assert_eq!(result.points.len(), 720);
        assert_eq!(result.points.last().unwrap().at, to());
        assert_eq!(result.firings(), 1);
        let (fired, n) = result.notifications[0];
        assert_eq!(n.state, MonitorState::Firing);
        // Window of 12 hourly buckets, 20 verdicts each: above 20% once 5 bad hours are in it
        // (50 of 240 failed): the window ending 234 hours ago.
        assert_eq!(fired, to() - Duration::hours(234));
        let (resolved, r) = result.notifications[1];
        assert_eq!(r.state, MonitorState::Resolved);
        // Below 10% once at most 2 bad hours remain (20 of 240): 181 hours ago.
        assert_eq!(resolved, to() - Duration::hours(181));
        assert_eq!(result.notifications.len(), 2, "reminders are not replayed");
        assert_eq!(result.minutes_firing(), 53 * 60);
        assert_eq!(
            result.firing_periods(),
            vec![(to() - Duration::hours(234), Some(to() - Duration::hours(181)))]
        );
    }

    #[test]
    fn pending_minutes_become_steps_and_thin_windows_are_not_judged() {
        let bad = |hours_ago: i64| (192..240).contains(&hours_ago);
        // 120 evaluations a minute apart: the breach must last 119 minutes, two hourly steps.
        let slow = replay(&rule(120), 720, Money::ZERO, &hourly(bad), to());
        assert_eq!(slow.notifications[0].0, to() - Duration::hours(232));
        // Nothing at all: no judgement, no notification.
        let empty = replay(&rule(1), 720, Money::ZERO, &[], to());
        assert!(empty
            .points
            .iter()
            .all(|p| p.value.is_none() && p.state == MonitorState::Ok));
        assert!(empty.notifications.is_empty());
        // An end between steps is rounded down to the step.
        let late = replay(
            &rule(1),
            720,
            Money::ZERO,
            &hourly(bad),
            to() + Duration::milliseconds(59 * 60_000 + 999),
        );
        assert_eq!(late.points.last().unwrap().at, to());
        assert_eq!(late.notifications, result_of(&hourly(bad)).notifications);
        // Buckets off the step grid or outside the range are ignored.
        let stray = [
            Bucket {
                start: to() - Duration::minutes(90),
                verdicts: 100,
                failures: 100,
            },
            Bucket {
                start: to() + Duration::hours(1),
                verdicts: 100,
                failures: 100,
            },
        ];
        assert_eq!(replay(&rule(1), 720, Money::ZERO, &stray, to()).firings(), 0);
    }
}
