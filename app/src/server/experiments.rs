//! A/B tests as a use case: creating one (its metrics and versions checked against the
//! project, the baseline and the clustering of users measured when not stated), reading one at
//! its horizon per end user ([`crate::domain::experiment::units`],
//! [`crate::domain::experiment::analysis`]), and telling a client which arm an end user is in.

use super::db;
use crate::domain::experiment::analysis::{self, analyse, Counted, ExperimentView, Frozen, Verdict};
use crate::domain::experiment::design::{comparison_alpha, Clustering, Design, ExperimentForm, History};
use crate::domain::experiment::units::{self, UserVerdicts};
use crate::domain::stats::ratio::{RatioEstimate, UserTotals};
use crate::domain::trends::compare::{self, MetricCounts};
use crate::domain::trends::Counts;
use crate::error::AppError;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::collections::HashMap;

/// Days of the control's history the baseline is measured over.
pub const BASELINE_DAYS: i64 = 30;

/// Creates an experiment from its form; answers its key.
pub async fn create(
    pool: &PgPool,
    project_id: i64,
    form: &ExperimentForm,
    today: NaiveDate,
    created_by: i64,
) -> Result<String, AppError> {
    let metrics = db::metrics::list(pool, Some(project_id), &Default::default()).await?;
    let id_of = |field: &str, key: &str| {
        metrics
            .iter()
            .find(|m| m.definition.key == key)
            .map(|m| m.id)
            .ok_or_else(|| AppError::invalid(field, format!("'{key}' is not a metric of this project")))
    };
    let primary = form.primary.trim();
    let primary_id = if primary.is_empty() {
        None
    } else {
        Some(id_of("primary", primary)?)
    };
    let control = crate::domain::text::list(&form.versions).into_iter().next();
    let since = today - Duration::days(BASELINE_DAYS);
    let history = match (primary_id, control) {
        (Some(metric), Some(control)) => History {
            pass_rate: if form.baseline.trim().is_empty() {
                db::experiments::recent_pass_rate(pool, metric, &control, since).await?
            } else {
                None
            },
            clustering: clustering(pool, project_id, metric, &control, (since, today)).await?,
        },
        _ => History::default(),
    };
    let design = Design::parse(form, &history, today)?;
    // The control is measured against, so it must have served outputs; the other arms may be
    // new versions, which the arm API is how they first get traffic.
    let known: Vec<String> = db::output_browse::versions(pool, project_id).await?;
    let control = &design.versions[0];
    if !known.contains(control) {
        return Err(AppError::invalid(
            "versions",
            format!(
                "the control '{control}' is not a version of this project (versions appear with their first outputs; only the other arms may be new)"
            ),
        ));
    }
    let guardrails = design
        .guardrails
        .iter()
        .map(|key| id_of("guardrails", key))
        .collect::<Result<Vec<i64>, AppError>>()?;
    let primary_id = id_of("primary", &design.primary)?;
    db::experiments::insert(pool, project_id, &design, (primary_id, &guardrails), created_by).await?;
    Ok(design.key)
}

/// How the verdicts of metric `metric` on `version` clustered by user over `days`.
async fn clustering(
    pool: &PgPool,
    project_id: i64,
    metric: i64,
    version: &str,
    days: (NaiveDate, NaiveDate),
) -> Result<Option<Clustering>, AppError> {
    let rows =
        db::experiments::user_verdicts(pool, project_id, &[metric], &[version.to_owned()], days).await?;
    let mut users: HashMap<&str, UserTotals> = HashMap::new();
    for row in &rows {
        let totals = users.entry(row.user.as_str()).or_default();
        totals.passes += row.passes;
        totals.n += row.n;
    }
    let totals: Vec<UserTotals> = users.into_values().collect();
    Ok(Clustering::of(&RatioEstimate::of(&totals)))
}

/// Experiment `key` read as of `today`.
pub async fn view(
    pool: &PgPool,
    project_id: i64,
    key: &str,
    today: NaiveDate,
) -> Result<ExperimentView, AppError> {
    let stored = db::experiments::find(pool, project_id, key).await?;
    read(pool, project_id, stored, today).await
}

/// Every experiment of the project, read as of `today`.
pub async fn list(pool: &PgPool, project_id: i64, today: NaiveDate) -> Result<Vec<ExperimentView>, AppError> {
    let mut views = Vec::new();
    for stored in db::experiments::list(pool, project_id).await? {
        views.push(read(pool, project_id, stored, today).await?);
    }
    Ok(views)
}

async fn read(
    pool: &PgPool,
    project_id: i64,
    stored: db::experiments::Stored,
    today: NaiveDate,
) -> Result<ExperimentView, AppError> {
    let design = stored.design();
    if let Some(kept) = &stored.result {
        return Ok(view_of(&stored, design, kept.0.clone(), Vec::new()));
    }
    let last = stored.ended_on.unwrap_or(today).min(today);
    let window = (design.started_on, last);
    let exposures = db::experiments::exposures(pool, project_id, &design.versions, window).await?;
    let metric_ids: Vec<i64> = std::iter::once(stored.primary_metric_id)
        .chain(stored.guardrail_metric_ids.iter().copied())
        .collect();
    let verdicts =
        db::experiments::user_verdicts(pool, project_id, &metric_ids, &design.versions, window).await?;
    let firsts = units::first_verdicts(&design, &verdicts, &design.primary);
    let horizon = analysis::horizon(&firsts, u64::from(design.sample_per_arm));
    let progress = running_totals(&firsts, horizon.unwrap_or(last), design.versions.len());
    let counted = units::count(&design, &exposures, horizon.unwrap_or(last));
    let frozen = match horizon {
        Some(horizon) if today >= analysis::readable_on(horizon) => {
            let result = result_at(pool, project_id, &design, horizon, counted, &verdicts).await?;
            db::experiments::freeze(pool, stored.id, &result).await?;
            result
        }
        Some(horizon) => Frozen {
            horizon,
            verdict: counted.problem().map_or(
                Verdict::Settling {
                    horizon,
                    read_on: analysis::readable_on(horizon),
                },
                Verdict::blocked,
            ),
            units: Some(counted),
            primary: None,
            guardrails: Vec::new(),
            segments: Vec::new(),
        },
        None => {
            let stopped = stored.ended_on.is_some_and(|end| end <= today);
            let (verdict, _, _) = analyse(&design, &progress, stopped, counted.mismatch(), None);
            return Ok(ExperimentView {
                id: stored.id,
                comparison_alpha: comparison_alpha(design.alpha, design.versions.len()),
                progress: design.versions.iter().cloned().zip(progress).collect(),
                units: Some(counted),
                design,
                ended_on: stored.ended_on,
                created_by: stored.created_by,
                horizon: None,
                verdict,
                primary: None,
                guardrails: Vec::new(),
                segments: Vec::new(),
            });
        }
    };
    Ok(view_of(&stored, design, frozen, progress))
}

/// Each arm's users with a first verdict up to `through`.
fn running_totals(firsts: &[(NaiveDate, Vec<u64>)], through: NaiveDate, arms: usize) -> Vec<u64> {
    let mut totals = vec![0_u64; arms];
    for (_, counts) in firsts.iter().filter(|(day, _)| *day <= through) {
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
    }
    totals
}

/// The view of an experiment whose horizon is known (`progress` empty: every arm had its sample).
fn view_of(
    stored: &db::experiments::Stored,
    design: Design,
    frozen: Frozen,
    progress: Vec<u64>,
) -> ExperimentView {
    let needed = u64::from(design.sample_per_arm);
    let progress = if progress.is_empty() {
        frozen
            .primary
            .as_ref()
            .map(|p| p.arms.iter().map(|a| a.users.max(needed)).collect())
            .unwrap_or_else(|| vec![needed; design.versions.len()])
    } else {
        progress
    };
    ExperimentView {
        id: stored.id,
        comparison_alpha: comparison_alpha(design.alpha, design.versions.len()),
        progress: design.versions.iter().cloned().zip(progress).collect(),
        units: frozen.units,
        design,
        ended_on: stored.ended_on,
        created_by: stored.created_by.clone(),
        horizon: Some(frozen.horizon),
        verdict: frozen.verdict,
        primary: frozen.primary,
        guardrails: frozen.guardrails,
        segments: frozen.segments,
    }
}

/// The result at `horizon`: each metric's users' totals from the first day up to it; the
/// segments from the rollups.
async fn result_at(
    pool: &PgPool,
    project_id: i64,
    design: &Design,
    horizon: NaiveDate,
    counted: units::Units,
    verdicts: &[UserVerdicts],
) -> Result<Frozen, AppError> {
    let metrics = db::metrics::list(pool, Some(project_id), &Default::default()).await?;
    let name = |key: &str| {
        metrics
            .iter()
            .find(|m| m.definition.key == key)
            .map(|m| (m.id, m.definition.name.clone()))
    };
    let metric_totals = |key: &str| -> Option<(String, String, Vec<Vec<UserTotals>>)> {
        let (_, name) = name(key)?;
        Some((
            key.to_owned(),
            name,
            units::totals(design, verdicts, key, horizon),
        ))
    };
    let primary = metric_totals(&design.primary);
    let guardrails: Vec<(String, String, Vec<Vec<UserTotals>>)> = design
        .guardrails
        .iter()
        .filter_map(|key| metric_totals(key))
        .collect();
    let problem = counted.problem();
    let segments = match (name(&design.primary), &problem) {
        (Some(primary), None) => segments(pool, project_id, design, horizon, primary).await?,
        _ => Vec::new(),
    };
    let at_horizon = primary
        .as_ref()
        .map(|primary| (counted_of(primary), guardrails.iter().map(counted_of).collect()));
    let needed = u64::from(design.sample_per_arm);
    let progress = vec![needed; design.versions.len()];
    let (verdict, primary, guardrails) = analyse(design, &progress, false, problem, at_horizon);
    Ok(Frozen {
        horizon,
        units: Some(counted),
        verdict,
        primary,
        guardrails,
        segments,
    })
}

/// The primary metric inside every segment, each treatment against the control, as the release
/// comparison reads versions (from the rollups, per output: for understanding the result, not
/// for declaring it).
async fn segments(
    pool: &PgPool,
    project_id: i64,
    design: &Design,
    horizon: NaiveDate,
    (primary_id, primary_name): (i64, String),
) -> Result<Vec<compare::ComparisonRow>, AppError> {
    let counts =
        db::trends::by_version_and_segment(pool, project_id, &design.versions, (design.started_on, horizon))
            .await?;
    let arms_of = |segment: Option<&compare::Segment>| -> Vec<Counts> {
        design
            .versions
            .iter()
            .map(|version| {
                counts
                    .iter()
                    .find(|c| {
                        c.metric_id == primary_id && &c.version == version && c.segment.as_ref() == segment
                    })
                    .map(|c| c.counts)
                    .unwrap_or_default()
            })
            .collect()
    };
    let mut seen: Vec<compare::Segment> = counts
        .iter()
        .filter(|c| c.metric_id == primary_id)
        .filter_map(|c| c.segment.clone())
        .collect();
    seen.sort();
    seen.dedup();
    let mut rows = Vec::new();
    for (arm, version) in design.versions.iter().enumerate().skip(1) {
        let pair = |segment: Option<&compare::Segment>| {
            let arms = arms_of(segment);
            (arms[0], arms[arm])
        };
        let metric = MetricCounts {
            key: format!("{} ({version})", design.primary),
            name: primary_name.clone(),
            total: pair(None),
            segments: seen.iter().map(|s| (s.clone(), pair(Some(s)))).collect(),
        };
        rows.extend(
            compare::compare(&[metric])
                .rows
                .into_iter()
                .filter(|row| row.segment.is_some()),
        );
    }
    Ok(rows)
}

/// A metric's (key, name, arms) as the analysis reads them.
fn counted_of((key, name, arms): &(String, String, Vec<Vec<UserTotals>>)) -> Counted<'_> {
    Counted {
        key: key.as_str(),
        name: name.as_str(),
        arms: arms.clone(),
    }
}

/// Which arm an end user is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmAnswer {
    pub experiment: String,
    /// The version to serve the user.
    pub version: String,
    /// Its position among the experiment's versions (0 is the control).
    pub arm: usize,
    /// Whether the experiment still runs (to the end of the day it was stopped, which is still
    /// counted); after it, serve whichever version it decided on.
    pub running: bool,
}

/// The arm of `user` (their pseudonymous id) in experiment `key`, stable across calls.
pub async fn arm(
    pool: &PgPool,
    project_id: i64,
    key: &str,
    user: &str,
    today: NaiveDate,
) -> Result<ArmAnswer, AppError> {
    let user = user.trim();
    if user.is_empty() || user.chars().count() > 200 {
        return Err(AppError::invalid(
            "user",
            "give the end user's pseudonymous id (1 to 200 characters)",
        ));
    }
    let stored = db::experiments::find(pool, project_id, key).await?;
    let index = crate::domain::experiment::arm(&stored.key, user, stored.versions.len()).unwrap_or(0);
    Ok(ArmAnswer {
        version: stored.versions[index].clone(),
        experiment: stored.key,
        arm: index,
        running: stored.ended_on.is_none_or(|end| end >= today),
    })
}

#[cfg(test)]
mod tests;
