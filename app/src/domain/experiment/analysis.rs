//! Reading an A/B test at its fixed horizon: the first day on which every arm has the users
//! its design asked for. Until then the verdict is "keep collecting" and no rate is shown (a
//! test read every day and stopped on a good one finds winners that are not there). At the
//! horizon, each treatment is compared with the control on the primary metric and on every
//! guardrail, **per end user** (the unit of randomisation, [`super::units`]): pass rates as
//! ratios of per-user sums with delta-method intervals, the difference by Newcombe's method on
//! them ([`crate::domain::stats::ratio`]), both at the design's level split over the
//! comparisons (Bonferroni). A treatment wins when its interval lies above zero and every
//! guardrail is measured and not worse. A sample ratio mismatch, or arms that ran on different
//! days, blocks any verdict.
//!
//! The result is read [`SETTLE_DAYS`] after the horizon, when late feedback on the horizon's
//! outputs is in, and then kept: it does not move as more traffic or feedback arrives.

use super::design::{comparison_alpha, Design};
use super::units::{Problem, Units};
use crate::domain::stats::power::normal_quantile;
use crate::domain::stats::proportions::Interval;
use crate::domain::stats::ratio::{difference, RatioEstimate, UserTotals};
use crate::domain::trends::compare::ComparisonRow;
use crate::domain::trends::MIN_EVALUATIONS;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Days after the horizon on which the result is read.
pub const SETTLE_DAYS: i64 = 2;

/// The day the result of a test whose horizon is `horizon` is read.
pub fn readable_on(horizon: NaiveDate) -> NaiveDate {
    horizon + chrono::Duration::days(SETTLE_DAYS)
}

/// The first day on which every arm's running total of verdicts reached `needed`; `days` holds
/// each day's verdicts per arm (in the design's order), oldest first.
pub fn horizon(days: &[(NaiveDate, Vec<u64>)], needed: u64) -> Option<NaiveDate> {
    let mut totals: Vec<u64> = Vec::new();
    for (day, counts) in days {
        totals.resize(totals.len().max(counts.len()), 0);
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
        if !totals.is_empty() && totals.iter().all(|t| *t >= needed) {
            return Some(*day);
        }
    }
    None
}

/// One arm's pass rate at the comparison level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmRate {
    pub version: String,
    /// Users with verdicts (results read before users were counted have 0).
    #[serde(default)]
    pub users: u64,
    pub passes: u64,
    pub n: u64,
    pub rate: Option<f64>,
    pub interval: Interval,
    /// How much wider than independent verdicts the users make the variance.
    #[serde(default)]
    pub design_effect: Option<f64>,
}

/// What a comparison with the control found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Better,
    Worse,
    NoDetectableDifference,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Better => "better",
            Outcome::Worse => "worse",
            Outcome::NoDetectableDifference => "no detectable difference",
        }
    }
}

/// A treatment against the control: `treatment − control` with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub version: String,
    pub delta: Option<f64>,
    pub interval: Interval,
    pub outcome: Outcome,
}

/// One metric's arms and differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    pub key: String,
    pub name: String,
    pub arms: Vec<ArmRate>,
    /// One per treatment (every version after the control).
    pub differences: Vec<Difference>,
}

/// Compares every arm of one metric with the first (the control) at level `alpha` per
/// comparison; `users` holds each arm's users' totals, in the design's version order.
pub fn compare_arms(
    key: &str,
    name: &str,
    versions: &[String],
    users: &[Vec<UserTotals>],
    alpha: f64,
) -> MetricResult {
    let z = normal_quantile(1.0 - alpha / 2.0);
    let estimates: Vec<RatioEstimate> = users.iter().map(|u| RatioEstimate::of(u)).collect();
    let arms: Vec<ArmRate> = versions
        .iter()
        .zip(&estimates)
        .map(|(version, e)| ArmRate {
            version: version.clone(),
            users: e.users,
            passes: e.passes,
            n: e.n,
            rate: e.rate,
            interval: e.interval(z),
            design_effect: e.design_effect(),
        })
        .collect();
    let control = estimates
        .first()
        .copied()
        .unwrap_or_else(|| RatioEstimate::of(&[]));
    let differences = versions
        .iter()
        .zip(&estimates)
        .skip(1)
        .map(|(version, e)| {
            let (delta, interval) = difference(e, &control, z);
            let outcome = match delta {
                Some(_) if interval.low > 0.0 => Outcome::Better,
                Some(_) if interval.high < 0.0 => Outcome::Worse,
                _ => Outcome::NoDetectableDifference,
            };
            Difference {
                version: version.clone(),
                delta,
                interval,
                outcome,
            }
        })
        .collect();
    MetricResult {
        key: key.to_owned(),
        name: name.to_owned(),
        arms,
        differences,
    }
}

/// What the test concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The arms do not hold the users the design's split expects (p below
    /// [`crate::domain::stats::sample_ratio::MISMATCH_P`]): users were lost or moved after
    /// assignment, and no comparison can be trusted.
    SampleRatioMismatch { users: Vec<u64>, p: f64 },
    /// On `day` some arm served users and `missing` none: the arms did not run over the same days.
    ArmsOnDifferentDays { day: NaiveDate, missing: Vec<String> },
    /// Not every arm has its sample: `smallest` is the smallest arm's users so far.
    KeepCollecting { smallest: u64, needed: u64 },
    /// Stopped before every arm had its sample: no result can be declared.
    StoppedEarly { smallest: u64, needed: u64 },
    /// Every arm has its sample since `horizon`; the result is read on `read_on`.
    Settling { horizon: NaiveDate, read_on: NaiveDate },
    /// `version` is better on the primary metric and breaks no guardrail.
    Ship { version: String },
    /// `version` is better on the primary metric but worse on these guardrails.
    GuardrailBroken {
        version: String,
        guardrails: Vec<String>,
    },
    /// `version` is better on the primary metric, but these guardrails have too few verdicts
    /// (under [`MIN_EVALUATIONS`] in its arm or the control's) to show they are not worse.
    GuardrailUnmeasured {
        version: String,
        guardrails: Vec<String>,
    },
    /// Every treatment is worse than the control.
    KeepControl,
    /// No treatment is better than the control; `worse` are those found worse.
    NoDetectableDifference { worse: Vec<String> },
}

/// The verdict at the horizon from the primary metric and the guardrails.
pub fn decide(primary: &MetricResult, guardrails: &[MetricResult]) -> Verdict {
    let broken = |version: &str| -> Vec<String> {
        guardrails
            .iter()
            .filter(|g| {
                g.differences
                    .iter()
                    .any(|d| d.version == version && d.outcome == Outcome::Worse)
            })
            .map(|g| g.key.clone())
            .collect()
    };
    let unmeasured = |version: &str| -> Vec<String> {
        let thin = |g: &MetricResult, v: &str| g.arms.iter().any(|a| a.version == v && a.n < MIN_EVALUATIONS);
        let control = primary
            .arms
            .first()
            .map(|a| a.version.as_str())
            .unwrap_or_default();
        guardrails
            .iter()
            .filter(|g| thin(g, version) || thin(g, control))
            .map(|g| g.key.clone())
            .collect()
    };
    // Among the treatments better than the control, the one with the highest pass rate.
    let best = primary
        .differences
        .iter()
        .filter(|d| d.outcome == Outcome::Better)
        .max_by(|a, b| a.delta.unwrap_or(0.0).total_cmp(&b.delta.unwrap_or(0.0)));
    match best {
        Some(winner) => {
            let version = winner.version.clone();
            match (broken(&version), unmeasured(&version)) {
                (broken, _) if !broken.is_empty() => Verdict::GuardrailBroken {
                    version,
                    guardrails: broken,
                },
                (_, thin) if !thin.is_empty() => Verdict::GuardrailUnmeasured {
                    version,
                    guardrails: thin,
                },
                _ => Verdict::Ship { version },
            }
        }
        None if !primary.differences.is_empty()
            && primary.differences.iter().all(|d| d.outcome == Outcome::Worse) =>
        {
            Verdict::KeepControl
        }
        None => Verdict::NoDetectableDifference {
            worse: primary
                .differences
                .iter()
                .filter(|d| d.outcome == Outcome::Worse)
                .map(|d| d.version.clone())
                .collect(),
        },
    }
}

impl Verdict {
    /// A headline for the page.
    pub fn headline(&self, design: &Design) -> String {
        let control = design
            .versions
            .first()
            .map(String::as_str)
            .unwrap_or("the control");
        match self {
            Verdict::SampleRatioMismatch { users, p } => format!(
                "No result can be read: the arms hold {} users where the design splits them evenly (sample ratio mismatch, p = {}). Users were lost, duplicated or moved between arms after assignment; find out why before trusting any comparison.",
                users.iter().map(u64::to_string).collect::<Vec<_>>().join(" and "),
                crate::domain::stats::sample_ratio::show_p(*p)
            ),
            Verdict::ArmsOnDifferentDays { day, missing } => format!(
                "No result can be read: on {day} {} served no users while another arm did, so the arms were not measured over the same days.",
                missing.join(", ")
            ),
            Verdict::KeepCollecting { smallest, needed } => format!(
                "Keep collecting: the smallest arm has {smallest} of the {needed} users it needs; no result until every arm has them."
            ),
            Verdict::StoppedEarly { smallest, needed } => format!(
                "Stopped before the sample was reached ({smallest} of {needed} users in the smallest arm): no result can be declared."
            ),
            Verdict::Settling { horizon, read_on } => format!(
                "Every arm reached its sample on {horizon}. The result is read on {read_on}, once late feedback on those days is in, and then kept."
            ),
            Verdict::Ship { version } => format!(
                "{version} is better than {control} on {} and breaks no guardrail: ship it.",
                design.primary
            ),
            Verdict::GuardrailBroken { version, guardrails } => format!(
                "{version} is better than {control} on {} but worse on {}: do not ship it as it is.",
                design.primary,
                guardrails.join(", ")
            ),
            Verdict::GuardrailUnmeasured { version, guardrails } => format!(
                "{version} is better than {control} on {}, but {} has fewer than {MIN_EVALUATIONS} verdicts in an arm: not enough to show it is not worse. Do not ship on this alone.",
                design.primary,
                guardrails.join(", ")
            ),
            Verdict::KeepControl => format!(
                "Every variant is worse than {control} on {}: keep {control}.",
                design.primary
            ),
            Verdict::NoDetectableDifference { worse } if worse.is_empty() => format!(
                "No variant is detectably better or worse than {control} on {} (the test could find a change of {} points with {} power): keep {control}, or choose on other grounds.",
                design.primary,
                crate::domain::monitor::draft::percent(design.minimum_change).trim_end_matches('%'),
                crate::domain::monitor::draft::percent(design.power)
            ),
            Verdict::NoDetectableDifference { worse } => format!(
                "No variant is better than {control} on {}, and {} is worse: keep {control}.",
                design.primary,
                worse.join(", ")
            ),
        }
    }

    /// Whether a result was declared.
    pub fn is_decided(&self) -> bool {
        !matches!(
            self,
            Verdict::KeepCollecting { .. }
                | Verdict::StoppedEarly { .. }
                | Verdict::Settling { .. }
                | Verdict::SampleRatioMismatch { .. }
                | Verdict::ArmsOnDifferentDays { .. }
        )
    }

    /// The verdict a problem with the units forces.
    pub fn blocked(problem: Problem) -> Self {
        match problem {
            Problem::SampleRatioMismatch { users, p } => Verdict::SampleRatioMismatch { users, p },
            Problem::ArmsOnDifferentDays { day, missing } => Verdict::ArmsOnDifferentDays { day, missing },
        }
    }
}

/// An experiment as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentView {
    pub id: i64,
    pub design: Design,
    pub ended_on: Option<NaiveDate>,
    pub created_by: String,
    /// Users with a verdict of the primary metric per arm so far (design order).
    pub progress: Vec<(String, u64)>,
    /// Users and outputs per arm, the sample ratio check and the days (at the horizon once
    /// read, else so far).
    pub units: Option<Units>,
    /// The day the sample was reached; results are counted up to it.
    pub horizon: Option<NaiveDate>,
    pub verdict: Verdict,
    /// At the horizon: the primary metric, then the guardrails.
    pub primary: Option<MetricResult>,
    pub guardrails: Vec<MetricResult>,
    /// At the horizon: each treatment against the control on the primary metric in every segment,
    /// as the release comparison reads them (Benjamini–Hochberg over the segments).
    pub segments: Vec<ComparisonRow>,
    /// The level each comparison is read at.
    pub comparison_alpha: f64,
}

/// The result as read at the horizon, kept with the experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frozen {
    pub horizon: NaiveDate,
    /// The units at the horizon (results read before users were counted have none).
    #[serde(default)]
    pub units: Option<Units>,
    pub verdict: Verdict,
    pub primary: Option<MetricResult>,
    pub guardrails: Vec<MetricResult>,
    pub segments: Vec<ComparisonRow>,
}

/// The counts an analysis reads: per metric key, the arms' users' totals over the horizon.
pub struct Counted<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub arms: Vec<Vec<UserTotals>>,
}

/// The verdict and results of a design given its progress (users per arm), what its units say
/// is wrong, and, at the horizon, its counts. A problem blocks the verdict before the horizon
/// as at it.
pub fn analyse(
    design: &Design,
    progress: &[u64],
    stopped: bool,
    problem: Option<Problem>,
    at_horizon: Option<(Counted<'_>, Vec<Counted<'_>>)>,
) -> (Verdict, Option<MetricResult>, Vec<MetricResult>) {
    let needed = u64::from(design.sample_per_arm);
    let smallest = progress.iter().copied().min().unwrap_or(0);
    let alpha = comparison_alpha(design.alpha, design.versions.len());
    if let Some(problem) = problem {
        return (Verdict::blocked(problem), None, Vec::new());
    }
    match at_horizon {
        None if stopped => (Verdict::StoppedEarly { smallest, needed }, None, Vec::new()),
        None => (Verdict::KeepCollecting { smallest, needed }, None, Vec::new()),
        Some((primary, guardrails)) => {
            let result = |c: &Counted<'_>| compare_arms(c.key, c.name, &design.versions, &c.arms, alpha);
            let primary = result(&primary);
            let guardrails: Vec<MetricResult> = guardrails.iter().map(result).collect();
            (decide(&primary, &guardrails), Some(primary), guardrails)
        }
    }
}

#[cfg(test)]
mod tests;
