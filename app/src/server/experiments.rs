//! A/B tests as a use case: creating one (its metrics and versions checked against the
//! project, the baseline measured when not stated), reading one at its horizon from the
//! rollups ([`crate::domain::experiment::analysis`]), and telling a client which arm an end user
//! is in.

use super::db;
use crate::domain::experiment::analysis::{self, analyse, Counted, ExperimentView, Frozen, Verdict};
use crate::domain::experiment::design::{comparison_alpha, Design, ExperimentForm};
use crate::domain::stats::proportions::Proportion;
use crate::domain::trends::compare::{self, MetricCounts};
use crate::domain::trends::Counts;
use crate::error::AppError;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

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
    let measured = match (primary_id, control, form.baseline.trim().is_empty()) {
        (Some(metric), Some(control), true) => {
            db::experiments::recent_pass_rate(pool, metric, &control, today - Duration::days(BASELINE_DAYS))
                .await?
        }
        _ => None,
    };
    let design = Design::parse(form, measured, today)?;
    let known: Vec<String> = db::output_browse::versions(pool, project_id).await?;
    if let Some(unknown) = design.versions.iter().find(|v| !known.contains(v)) {
        return Err(AppError::invalid(
            "versions",
            format!(
                "'{unknown}' is not a version of this project (versions appear with their first outputs)"
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
    let last = stored.ended_on.unwrap_or(today).min(today);
    let days = db::experiments::daily_verdicts(
        pool,
        project_id,
        stored.primary_metric_id,
        &design.versions,
        (design.started_on, last),
    )
    .await?;
    let mut progress = vec![0_u64; design.versions.len()];
    for (_, counts) in &days {
        for (total, n) in progress.iter_mut().zip(counts) {
            *total += n;
        }
    }
    let frozen = match (
        &stored.result,
        analysis::horizon(&days, u64::from(design.sample_per_arm)),
    ) {
        (Some(kept), _) => Some(kept.0.clone()),
        (None, Some(horizon)) if today >= analysis::readable_on(horizon) => {
            let result = result_at(pool, project_id, &design, horizon).await?;
            db::experiments::freeze(pool, stored.id, &result).await?;
            Some(result)
        }
        (None, Some(horizon)) => Some(Frozen {
            horizon,
            verdict: Verdict::Settling {
                horizon,
                read_on: analysis::readable_on(horizon),
            },
            primary: None,
            guardrails: Vec::new(),
            segments: Vec::new(),
        }),
        (None, None) => None,
    };
    let (horizon, verdict, primary, guardrails, segments) = match frozen {
        Some(f) => (Some(f.horizon), f.verdict, f.primary, f.guardrails, f.segments),
        None => {
            let stopped = stored.ended_on.is_some_and(|end| end <= today);
            let (verdict, _, _) = analyse(&design, &progress, stopped, None);
            (None, verdict, None, Vec::new(), Vec::new())
        }
    };
    Ok(ExperimentView {
        id: stored.id,
        comparison_alpha: comparison_alpha(design.alpha, design.versions.len()),
        progress: design.versions.iter().cloned().zip(progress).collect(),
        design,
        ended_on: stored.ended_on,
        created_by: stored.created_by,
        horizon,
        verdict,
        primary,
        guardrails,
        segments,
    })
}

/// The result at `horizon`: counts from the first day up to it, from the rollups.
async fn result_at(
    pool: &PgPool,
    project_id: i64,
    design: &Design,
    horizon: NaiveDate,
) -> Result<Frozen, AppError> {
    let mut segments = Vec::new();
    let counted = {
        let counts = db::trends::by_version_and_segment(
            pool,
            project_id,
            &design.versions,
            (design.started_on, horizon),
        )
        .await?;
        let metrics = db::metrics::list(pool, Some(project_id), &Default::default()).await?;
        let name = |key: &str| {
            metrics
                .iter()
                .find(|m| m.definition.key == key)
                .map(|m| (m.id, m.definition.name.clone()))
        };
        let arms_of = |metric_id: i64, segment: Option<&compare::Segment>| -> Vec<Counts> {
            design
                .versions
                .iter()
                .map(|version| {
                    counts
                        .iter()
                        .find(|c| {
                            c.metric_id == metric_id && &c.version == version && c.segment.as_ref() == segment
                        })
                        .map(|c| c.counts)
                        .unwrap_or_default()
                })
                .collect()
        };
        let metric_counts = |key: &str| -> Option<(String, String, Vec<Proportion>)> {
            let (id, name) = name(key)?;
            let arms = arms_of(id, None).iter().map(Counts::pass_rate).collect();
            Some((key.to_owned(), name, arms))
        };
        let primary = metric_counts(&design.primary);
        let guardrails: Vec<(String, String, Vec<Proportion>)> = design
            .guardrails
            .iter()
            .filter_map(|key| metric_counts(key))
            .collect();
        // The primary metric inside every segment, each treatment against the control.
        if let Some((primary_id, primary_name)) = name(&design.primary) {
            let mut seen: Vec<compare::Segment> = counts
                .iter()
                .filter(|c| c.metric_id == primary_id)
                .filter_map(|c| c.segment.clone())
                .collect();
            seen.sort();
            seen.dedup();
            for (arm, version) in design.versions.iter().enumerate().skip(1) {
                let pair = |segment: Option<&compare::Segment>| {
                    let arms = arms_of(primary_id, segment);
                    (arms[0], arms[arm])
                };
                let metric = MetricCounts {
                    key: format!("{} ({version})", design.primary),
                    name: primary_name.clone(),
                    total: pair(None),
                    segments: seen.iter().map(|s| (s.clone(), pair(Some(s)))).collect(),
                };
                segments.extend(
                    compare::compare(&[metric])
                        .rows
                        .into_iter()
                        .filter(|row| row.segment.is_some()),
                );
            }
        }
        primary.map(|p| (p, guardrails))
    };
    let at_horizon = counted
        .as_ref()
        .map(|(primary, guardrails)| (counted_of(primary), guardrails.iter().map(counted_of).collect()));
    let needed = u64::from(design.sample_per_arm);
    let progress = vec![needed; design.versions.len()];
    let (verdict, primary, guardrails) = analyse(design, &progress, false, at_horizon);
    Ok(Frozen {
        horizon,
        verdict,
        primary,
        guardrails,
        segments,
    })
}

/// A metric's (key, name, arms) as the analysis reads them.
fn counted_of((key, name, arms): &(String, String, Vec<Proportion>)) -> Counted<'_> {
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
