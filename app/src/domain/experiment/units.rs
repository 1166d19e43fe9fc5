//! Counting an A/B test at its unit of randomisation, the end user, from what the outputs say:
//! which users each arm served, on which days, and what each user's verdicts were.
//!
//! - An output of an arm's version from a user the assignment did not put in that arm (a cached
//!   prompt, a staff account, a redirect) is **excluded** and counted: it would mix arms.
//! - An output without a user id cannot be attributed and is counted as **anonymous**.
//! - The users per arm are checked against the design's even split
//!   ([`crate::domain::stats::sample_ratio`]); a mismatch blocks the verdict.
//! - The arms must have run over the same days: a day up to the horizon on which one arm served
//!   users and another none makes the result unreadable (the arms saw different weeks,
//!   holidays, incidents).

use super::arm;
use super::design::Design;
use crate::domain::stats::ratio::UserTotals;
use crate::domain::stats::sample_ratio::{self, SampleRatio};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A user's outputs of one version on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// `None`: the outputs named no user.
    pub user: Option<String>,
    pub version: String,
    pub day: NaiveDate,
    pub outputs: u64,
}

/// A user's verdicts of one metric on outputs of one version on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVerdicts {
    pub user: String,
    pub version: String,
    pub metric: String,
    pub day: NaiveDate,
    pub passes: u64,
    pub n: u64,
}

/// One arm's users and outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmUnits {
    pub version: String,
    /// Users assigned to the arm that it served, and their outputs.
    pub users: u64,
    pub outputs: u64,
    /// Outputs of the arm's version from users assigned elsewhere, and those users.
    pub excluded_users: u64,
    pub excluded_outputs: u64,
    /// Outputs of the arm's version that named no user.
    pub anonymous_outputs: u64,
}

/// What the units say about the test so far (or at its horizon).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Counted up to and including this day.
    pub through: NaiveDate,
    pub arms: Vec<ArmUnits>,
    /// Users per arm against the design's even split.
    pub sample_ratio: SampleRatio,
    /// The first day on which some arm served users and these arms none.
    pub uneven_day: Option<(NaiveDate, Vec<String>)>,
}

impl Units {
    /// What blocks a verdict while the test collects: a sample ratio mismatch (a day on which
    /// one arm served nobody is normal in the first hours of a test, and is judged at the
    /// horizon).
    pub fn mismatch(&self) -> Option<Problem> {
        self.sample_ratio
            .mismatch()
            .then(|| Problem::SampleRatioMismatch {
                users: self.sample_ratio.observed.clone(),
                p: self.sample_ratio.p,
            })
    }

    /// Whether the arms can be compared at the horizon: the split holds and they ran on the
    /// same days.
    pub fn problem(&self) -> Option<Problem> {
        if let Some(mismatch) = self.mismatch() {
            return Some(mismatch);
        }
        self.uneven_day
            .as_ref()
            .map(|(day, arms)| Problem::ArmsOnDifferentDays {
                day: *day,
                missing: arms.clone(),
            })
    }
}

/// Why the arms cannot be compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Problem {
    SampleRatioMismatch { users: Vec<u64>, p: f64 },
    ArmsOnDifferentDays { day: NaiveDate, missing: Vec<String> },
}

/// The arm (index into the design's versions) `user` is assigned to, if `version` is that arm's.
fn assigned(design: &Design, user: &str, version: &str) -> Option<usize> {
    let index = design.versions.iter().position(|v| v == version)?;
    (arm(&design.key, user, design.versions.len()) == Some(index)).then_some(index)
}

/// Counts the exposures up to `through`.
pub fn count(design: &Design, exposures: &[Exposure], through: NaiveDate) -> Units {
    let arms_len = design.versions.len();
    let mut arms: Vec<ArmUnits> = design
        .versions
        .iter()
        .map(|version| ArmUnits {
            version: version.clone(),
            ..Default::default()
        })
        .collect();
    let mut users: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); arms_len];
    let mut excluded: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); arms_len];
    let mut days: BTreeMap<NaiveDate, Vec<bool>> = BTreeMap::new();
    for e in exposures
        .iter()
        .filter(|e| e.day >= design.started_on && e.day <= through)
    {
        let Some(index) = design.versions.iter().position(|v| *v == e.version) else {
            continue;
        };
        match &e.user {
            None => arms[index].anonymous_outputs += e.outputs,
            Some(user) if assigned(design, user, &e.version).is_some() => {
                arms[index].outputs += e.outputs;
                users[index].insert(user);
                days.entry(e.day).or_insert_with(|| vec![false; arms_len])[index] = true;
            }
            Some(user) => {
                arms[index].excluded_outputs += e.outputs;
                excluded[index].insert(user);
            }
        }
    }
    for (arm, (users, excluded)) in arms.iter_mut().zip(users.iter().zip(&excluded)) {
        arm.users = users.len() as u64;
        arm.excluded_users = excluded.len() as u64;
    }
    let uneven_day = days
        .iter()
        .find(|(_, served)| served.contains(&false))
        .map(|(day, served)| {
            let missing = design
                .versions
                .iter()
                .zip(served)
                .filter(|(_, s)| !**s)
                .map(|(v, _)| v.clone())
                .collect();
            (*day, missing)
        });
    let observed: Vec<u64> = arms.iter().map(|a| a.users).collect();
    Units {
        through,
        sample_ratio: sample_ratio::check(&observed, &vec![1.0; arms_len]),
        arms,
        uneven_day,
    }
}

/// Per day (oldest first), the assigned users per arm whose first verdict of `metric` came that
/// day: the running totals find the horizon ([`super::analysis::horizon`]).
pub fn first_verdicts(
    design: &Design,
    verdicts: &[UserVerdicts],
    metric: &str,
) -> Vec<(NaiveDate, Vec<u64>)> {
    let mut first: HashMap<(&str, usize), NaiveDate> = HashMap::new();
    for v in verdicts
        .iter()
        .filter(|v| v.metric == metric && v.n > 0 && v.day >= design.started_on)
    {
        if let Some(index) = assigned(design, &v.user, &v.version) {
            let day = first.entry((v.user.as_str(), index)).or_insert(v.day);
            *day = (*day).min(v.day);
        }
    }
    let mut days: BTreeMap<NaiveDate, Vec<u64>> = BTreeMap::new();
    for ((_, index), day) in first {
        days.entry(day).or_insert_with(|| vec![0; design.versions.len()])[index] += 1;
    }
    days.into_iter().collect()
}

/// Each arm's users' totals of `metric` up to `through` (assigned users only), in the design's
/// version order.
pub fn totals(
    design: &Design,
    verdicts: &[UserVerdicts],
    metric: &str,
    through: NaiveDate,
) -> Vec<Vec<UserTotals>> {
    let mut per_user: Vec<BTreeMap<&str, UserTotals>> = vec![BTreeMap::new(); design.versions.len()];
    for v in verdicts
        .iter()
        .filter(|v| v.metric == metric && v.day >= design.started_on && v.day <= through)
    {
        if let Some(index) = assigned(design, &v.user, &v.version) {
            let totals = per_user[index].entry(v.user.as_str()).or_default();
            totals.passes += v.passes;
            totals.n += v.n;
        }
    }
    per_user
        .into_iter()
        .map(|users| users.into_values().collect())
        .collect()
}

#[cfg(test)]
mod tests;
