//! A pass rate whose unit of randomisation is the end user, not the verdict: each user gives
//! `passes` of `n` verdicts, the rate is the ratio of sums `R = Σ passes / Σ n`, and its
//! variance is the delta method's (Deng, Knoblich & Lu 2018, "Applying the Delta Method in
//! Metric Analytics"; the ratio estimator of Cochran's *Sampling Techniques*, eq. 6.9):
//!
//! ```text
//! Var(R) = Σ (passesᵤ − R·nᵤ)² / (K n̄)²       K users, n̄ = Σ n / K, so K n̄ = N verdicts
//! ```
//!
//! (the moments are the sample's own, as Deng et al. write them: no `K − 1`). Verdicts of one
//! user are correlated (a user whose questions the bot cannot answer fails again and again);
//! counting them as independent trials makes intervals too narrow. The **design effect**
//! `DE = Var(R) / (R(1 − R) / N)` says how many times wider the variance is than `N`
//! independent verdicts would give, and `N / DE` is the **effective sample size**.
//!
//! With one verdict per user the variance is exactly the binomial `R(1 − R)/K` (`DE = 1`).
//! Intervals are Wilson's at the effective sample size (Korn & Graubard 1998, for clustered
//! samples), so they stay inside `[0, 1]` and are Wilson's own at one verdict per user; a
//! difference of two rates uses Newcombe's method on those intervals (MOVER), Newcombe's own
//! interval at one verdict per user.
//!
//! Degenerate cases have one documented answer each:
//!
//! - fewer than two users: no variance can be estimated; the interval is `[0, 1]`;
//! - every verdict the same (`R` is 0 or 1): the delta variance is 0, which would claim
//!   certainty; the effective sample size is then the number of users (as if each gave one
//!   verdict, the most a positive within-user correlation can take away);
//! - every user with the same rate strictly inside `(0, 1)`: the variance is 0; the effective
//!   sample size is then `N`, as it is whenever the estimate would exceed it (never more
//!   information than independent verdicts, so `DE ≥ 1`).

use super::proportions::{wilson_at, Interval};
use serde::{Deserialize, Serialize};

/// One end user's verdicts of one metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTotals {
    pub passes: u64,
    pub n: u64,
}

/// A ratio of sums over users with its delta-method variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatioEstimate {
    /// Users with at least one verdict.
    pub users: u64,
    /// Their verdicts, and the passes among them.
    pub n: u64,
    pub passes: u64,
    /// `Σ passes / Σ n`; `None` without verdicts.
    pub rate: Option<f64>,
    /// The delta-method variance of the rate; `None` with fewer than two users.
    pub variance: Option<f64>,
}

impl RatioEstimate {
    /// The estimate over `users` (users without verdicts are left out: they change neither the
    /// rate nor its variance).
    pub fn of(users: &[UserTotals]) -> Self {
        let users: Vec<UserTotals> = users.iter().copied().filter(|u| u.n > 0).collect();
        let k = users.len() as u64;
        let n: u64 = users.iter().map(|u| u.n).sum();
        let passes: u64 = users.iter().map(|u| u.passes).sum();
        let rate = (n > 0).then(|| passes as f64 / n as f64);
        let variance = match rate {
            Some(r) if k >= 2 => {
                let residuals: f64 = users
                    .iter()
                    .map(|u| (u.passes as f64 - r * u.n as f64).powi(2))
                    .sum();
                Some(residuals / (n as f64).powi(2))
            }
            _ => None,
        };
        RatioEstimate {
            users: k,
            n,
            passes,
            rate,
            variance,
        }
    }

    /// The number of independent verdicts that would carry as much information (see the
    /// module's degenerate cases); 0 with fewer than two users.
    pub fn effective_n(&self) -> f64 {
        match (self.rate, self.variance) {
            (Some(r), Some(v)) if v > 0.0 => (r * (1.0 - r) / v).min(self.n as f64),
            (Some(r), Some(_)) if r == 0.0 || r == 1.0 => self.users as f64,
            (Some(_), Some(_)) => self.n as f64,
            _ => 0.0,
        }
    }

    /// `Var(R) / (R(1 − R)/N)`: 1 for independent verdicts, more when a user's verdicts agree
    /// with each other; `None` when undefined (fewer than two users, or no variation).
    pub fn design_effect(&self) -> Option<f64> {
        let effective = self.effective_n();
        (effective > 0.0 && self.rate.is_some_and(|r| r > 0.0 && r < 1.0)).then(|| self.n as f64 / effective)
    }

    /// Mean verdicts per user; `None` without users.
    pub fn verdicts_per_user(&self) -> Option<f64> {
        (self.users > 0).then(|| self.n as f64 / self.users as f64)
    }

    /// Wilson's interval at the effective sample size, at normal quantile `z`.
    pub fn interval(&self, z: f64) -> Interval {
        match self.rate {
            Some(r) if self.effective_n() > 0.0 => wilson_at(r, self.effective_n(), z),
            _ => Interval { low: 0.0, high: 1.0 },
        }
    }
}

/// `treatment − control` and its interval by Newcombe's method (MOVER) on the two arms'
/// intervals at normal quantile `z`; `None` when an arm has no verdicts (the interval is then
/// `[-1, 1]`).
pub fn difference(treatment: &RatioEstimate, control: &RatioEstimate, z: f64) -> (Option<f64>, Interval) {
    let (Some(t), Some(c)) = (treatment.rate, control.rate) else {
        return (None, Interval { low: -1.0, high: 1.0 });
    };
    let (ti, ci) = (treatment.interval(z), control.interval(z));
    let delta = t - c;
    let low = delta - ((t - ti.low).powi(2) + (ci.high - c).powi(2)).sqrt();
    let high = delta + ((ti.high - t).powi(2) + (c - ci.low).powi(2)).sqrt();
    (
        Some(delta),
        Interval {
            low: low.max(-1.0),
            high: high.min(1.0),
        },
    )
}

/// `n` users with one verdict each, `passes` of them passing (for tests).
#[cfg(test)]
pub(crate) fn one_each(passes: u64, n: u64) -> Vec<UserTotals> {
    (0..n)
        .map(|u| UserTotals {
            passes: u64::from(u < passes),
            n: 1,
        })
        .collect()
}

#[cfg(test)]
mod tests;
