//! Checking an automated judge against people on the outputs both scored.

use crate::domain::judge_check::JudgeCheck;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::{
        judge_check::{judge_check as check, parse_bias_level},
        membership::ProjectAccess,
        metric::scorer::ScorerSpec,
    },
    server::{auth, db},
};

/// The metrics a check may compare, and the check when both are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCheckData {
    pub human_metrics: Vec<(String, String)>,
    pub automated_metrics: Vec<(String, String)>,
    pub check: Option<JudgeCheck>,
}

/// Compares human metric `human` with automated metric `automated` (keys; empty: not chosen
/// yet), flagging length bias from `bias_level` (empty: the default).
#[server(endpoint = "check_judge")]
pub async fn check_judge(
    project: String,
    human: String,
    automated: String,
    bias_level: String,
) -> Result<JudgeCheckData, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let level = parse_bias_level(&bias_level)?;
    let project_id = caller.project_id;
    let metrics = db::metrics::list(&caller.pool, Some(project_id), &Default::default()).await?;
    let pick = |keep: fn(&ScorerSpec) -> bool| -> Vec<(String, String)> {
        metrics
            .iter()
            .filter(|m| keep(&m.definition.scorer))
            .map(|m| (m.definition.key.clone(), m.definition.name.clone()))
            .collect()
    };
    let human_metrics = pick(ScorerSpec::is_people);
    let automated_metrics = pick(ScorerSpec::is_automated);
    let check = if human.trim().is_empty() || automated.trim().is_empty() {
        None
    } else {
        let find = |key: &str, field: &str, among: &[(String, String)]| {
            among.iter().any(|(k, _)| k == key).then_some(()).ok_or_else(|| {
                AppError::invalid(field, format!("'{key}' is not such a metric of this project"))
            })
        };
        find(&human, "human", &human_metrics)?;
        find(&automated, "automated", &automated_metrics)?;
        let pairs = db::scores::paired(&caller.pool, project_id, &human, &automated).await?;
        let levels = ordinal_levels(&caller.pool, project_id, &human).await?;
        Some(check(&pairs, level, levels.as_deref()))
    };
    Ok(JudgeCheckData {
        human_metrics,
        automated_metrics,
        check,
    })
}

/// The level values of the human metric's rubric when that rubric is ordinal, or of its
/// feedback scale.
#[cfg(feature = "ssr")]
async fn ordinal_levels(
    pool: &sqlx::PgPool,
    project_id: i64,
    human: &str,
) -> Result<Option<Vec<f64>>, AppError> {
    let metric = db::metrics::get(pool, project_id, human).await?;
    // A feedback scale is ordinal: thumbs, stars, categories worst first.
    if let Some(scale) = metric.definition.scorer.scale() {
        return Ok(Some(scale.levels()));
    }
    let rubric = crate::server::annotation::rubric_of(pool, project_id, &metric).await?;
    Ok(rubric
        .filter(|r| r.scale == crate::domain::rubric::Scale::Ordinal)
        .map(|r| r.levels.iter().map(|level| level.value).collect()))
}
