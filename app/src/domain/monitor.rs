//! Monitors: a condition on a metric over a window, evaluated again and again, and the state
//! machine that turns those evaluations into alerts that do not flap. Pure: the worker reads
//! the window's counts from the rollups and stores what [`step`] answers.
//!
//! States: OK → PENDING (the condition holds, not yet for N evaluations in a row) → FIRING →
//! RESOLVED (the value crossed the separate recovery threshold) → OK. Too few verdicts in the
//! window is "not enough data": the state is kept, or after a while becomes NO_DATA, as the
//! monitor says. MUTED until a time. Notifications go out when an alert starts firing, resolves,
//! or loses its data, and as reminders while it fires; never for PENDING or a return to OK.

pub mod backtest;
pub mod channel;
pub mod channel_draft;
pub mod delivery;
pub mod draft;
pub mod notice;
pub mod span;
pub mod view;

use crate::domain::money::Money;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

crate::choice!(
    /// Where a monitor stands.
    MonitorState, "state" {
        Ok = "ok", "OK";
        Pending = "pending", "Pending";
        Firing = "firing", "Firing";
        Resolved = "resolved", "Resolved";
        NoData = "no_data", "No data";
        Muted = "muted", "Muted";
    }
);

/// What a monitor watches in its window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// Failures ÷ verdicts above this (0..1); recovers below `recovery`.
    FailureRateAbove { threshold: f64, recovery: f64 },
    /// Passes ÷ verdicts below this (0..1); recovers above `recovery`.
    PassRateBelow { threshold: f64, recovery: f64 },
    /// Failures × cost per failure above this; recovers below `recovery`.
    DollarImpactAbove { threshold: Money, recovery: Money },
}

/// What to do when a window has fewer verdicts than the minimum sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoDataPolicy {
    /// Keep the current state.
    KeepState,
    /// Go to NO_DATA once data has been missing this long.
    NoDataAfter { minutes: i64 },
}

/// A monitor's rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub condition: Condition,
    /// Verdicts a window needs before it is judged at all.
    pub min_sample: u64,
    /// Evaluations in a row the condition must hold before firing (1: at once).
    pub for_evaluations: u32,
    pub no_data: NoDataPolicy,
    /// Remind while firing every this many minutes; `None`: never.
    pub reminder_minutes: Option<i64>,
}

/// A window's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Window {
    /// Verdicts (passes and failures).
    pub verdicts: u64,
    pub failures: u64,
    /// Failures × the metric's cost per failure.
    pub dollar_impact: Money,
}

/// What the monitor remembers between evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub state: MonitorState,
    /// Evaluations in a row whose window met the condition.
    pub breaching: u32,
    /// When the current run of breaches began. Firing waits until the run has lasted as long as
    /// N evaluations a minute apart, so extra evaluations (after an ingest) do not shorten it.
    #[serde(default)]
    pub breaching_since: Option<DateTime<Utc>>,
    /// Whether an alert is open: it fired and has not resolved (it may have lost its data since).
    #[serde(default)]
    pub alerted: bool,
    /// When the state last changed.
    pub since: DateTime<Utc>,
    /// The last evaluation with enough data.
    pub last_data: Option<DateTime<Utc>>,
    /// The last notification sent.
    pub last_notified: Option<DateTime<Utc>>,
    pub muted_until: Option<DateTime<Utc>>,
}

impl Status {
    /// A new monitor's status.
    pub fn new(now: DateTime<Utc>) -> Self {
        Status {
            state: MonitorState::Ok,
            breaching: 0,
            breaching_since: None,
            alerted: false,
            since: now,
            last_data: None,
            last_notified: None,
            muted_until: None,
        }
    }
}

crate::choice!(
    /// Why a notification goes out.
    Reason, "reason" {
        /// The state changed to the one notified.
        Changed = "changed", "State changed";
        /// Still firing, and the reminder interval passed.
        Reminder = "reminder", "Reminder";
    }
);

/// A notification to send, with what was observed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub previous: MonitorState,
    pub state: MonitorState,
    pub reason: Reason,
    /// The observed value: a rate (0..1) or micro-dollars; `None` without data.
    pub observed: Option<f64>,
    pub verdicts: u64,
}

impl Condition {
    /// The window's value in the condition's unit: a rate, or micro-dollars.
    pub fn value(self, w: &Window) -> f64 {
        let rate = |part: u64| {
            if w.verdicts == 0 {
                0.0
            } else {
                part as f64 / w.verdicts as f64
            }
        };
        match self {
            Condition::FailureRateAbove { .. } => rate(w.failures),
            Condition::PassRateBelow { .. } => rate(w.verdicts - w.failures.min(w.verdicts)),
            Condition::DollarImpactAbove { .. } => w.dollar_impact.micros() as f64,
        }
    }

    /// Whether `value` meets the condition.
    pub fn breached(self, value: f64) -> bool {
        match self {
            Condition::FailureRateAbove { threshold, .. } => value > threshold,
            Condition::PassRateBelow { threshold, .. } => value < threshold,
            Condition::DollarImpactAbove { threshold, .. } => value > threshold.micros() as f64,
        }
    }

    /// Whether `value` is back on the safe side of the recovery threshold.
    pub fn recovered(self, value: f64) -> bool {
        match self {
            Condition::FailureRateAbove { recovery, .. } => value < recovery,
            Condition::PassRateBelow { recovery, .. } => value > recovery,
            Condition::DollarImpactAbove { recovery, .. } => value < recovery.micros() as f64,
        }
    }

    /// Checks the thresholds: rates within 0..1, the recovery threshold on the safe side of
    /// (or at) the firing one.
    pub fn check(self) -> Result<Self, crate::error::AppError> {
        use crate::error::AppError;
        let rate = |field: &str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(AppError::invalid(field, "must be from 0 to 1 (a rate)"))
            }
        };
        match self {
            Condition::FailureRateAbove { threshold, recovery } => {
                rate("threshold", threshold)?;
                rate("recovery", recovery)?;
                if recovery > threshold {
                    return Err(AppError::invalid("recovery", "must not be above the threshold"));
                }
            }
            Condition::PassRateBelow { threshold, recovery } => {
                rate("threshold", threshold)?;
                rate("recovery", recovery)?;
                if recovery < threshold {
                    return Err(AppError::invalid("recovery", "must not be below the threshold"));
                }
            }
            Condition::DollarImpactAbove { threshold, recovery } => {
                if threshold <= Money::ZERO {
                    return Err(AppError::invalid("threshold", "must be more than $0"));
                }
                if recovery > threshold {
                    return Err(AppError::invalid("recovery", "must not be above the threshold"));
                }
            }
        }
        Ok(self)
    }
}

/// One evaluation: the new status, and the notification to send if any. `window` is `None`
/// when nothing was scored in it.
pub fn step(
    rule: &Rule,
    status: &Status,
    window: Option<&Window>,
    now: DateTime<Utc>,
) -> (Status, Option<Notification>) {
    let mut next = *status;
    // Muted: nothing is judged until the mute ends, then the monitor starts afresh.
    if let Some(until) = status.muted_until {
        if now < until {
            if status.state != MonitorState::Muted {
                next.state = MonitorState::Muted;
                next.since = now;
            }
            return (next, None);
        }
        next.muted_until = None;
        if status.state == MonitorState::Muted {
            next.state = MonitorState::Ok;
            next.breaching = 0;
            next.breaching_since = None;
            next.alerted = false;
            next.since = now;
        }
    }
    let change = |next: &mut Status, state: MonitorState| {
        next.state = state;
        next.since = now;
    };
    let notify =
        |next: &mut Status, previous: MonitorState, reason: Reason, observed: Option<f64>, verdicts: u64| {
            next.last_notified = Some(now);
            Some(Notification {
                previous,
                state: next.state,
                reason,
                observed,
                verdicts,
            })
        };
    let previous = next.state;
    let enough = window.filter(|w| w.verdicts >= rule.min_sample.max(1));
    let Some(window) = enough else {
        // Not enough data: judge nothing; maybe declare the data missing.
        if let NoDataPolicy::NoDataAfter { minutes } = rule.no_data {
            let missing_since = status.last_data.unwrap_or(status.since);
            if now - missing_since >= Duration::minutes(minutes) && previous != MonitorState::NoData {
                change(&mut next, MonitorState::NoData);
                next.breaching = 0;
                next.breaching_since = None;
                // Only an alert that was firing is worth a message about its data.
                if previous == MonitorState::Firing {
                    let verdicts = window.map_or(0, |w| w.verdicts);
                    let sent = notify(&mut next, previous, Reason::Changed, None, verdicts);
                    return (next, sent);
                }
            }
        }
        return (next, None);
    };
    next.last_data = Some(now);
    let value = rule.condition.value(window);
    let breached = rule.condition.breached(value);
    let observed = Some(value);
    match previous {
        MonitorState::Firing => {
            if rule.condition.recovered(value) {
                next.breaching = 0;
                next.breaching_since = None;
                next.alerted = false;
                change(&mut next, MonitorState::Resolved);
                let sent = notify(&mut next, previous, Reason::Changed, observed, window.verdicts);
                return (next, sent);
            }
            let due = rule.reminder_minutes.is_some_and(|minutes| {
                status
                    .last_notified
                    .is_none_or(|at| now - at >= Duration::minutes(minutes))
            });
            if due {
                let sent = notify(&mut next, previous, Reason::Reminder, observed, window.verdicts);
                return (next, sent);
            }
            (next, None)
        }
        // Data is back for an alert that lost it: it resolves, or fires on.
        MonitorState::NoData if status.alerted => {
            next.breaching = 0;
            next.breaching_since = None;
            let state = if rule.condition.recovered(value) {
                next.alerted = false;
                MonitorState::Resolved
            } else {
                MonitorState::Firing
            };
            change(&mut next, state);
            let sent = notify(&mut next, previous, Reason::Changed, observed, window.verdicts);
            (next, sent)
        }
        _ => {
            if !breached {
                next.breaching = 0;
                next.breaching_since = None;
                // A resolved alert stays resolved until the next breach; the rest return to OK.
                if !matches!(previous, MonitorState::Ok | MonitorState::Resolved) {
                    change(&mut next, MonitorState::Ok);
                }
                return (next, None);
            }
            next.breaching = status.breaching.saturating_add(1);
            let began = *next.breaching_since.get_or_insert(now);
            let lasted = now - began >= Duration::minutes(i64::from(rule.for_evaluations.max(1)) - 1);
            if lasted {
                change(&mut next, MonitorState::Firing);
                next.alerted = true;
                let sent = notify(&mut next, previous, Reason::Changed, observed, window.verdicts);
                return (next, sent);
            }
            if previous != MonitorState::Pending {
                change(&mut next, MonitorState::Pending);
            }
            (next, None)
        }
    }
}

#[cfg(test)]
mod tests;
