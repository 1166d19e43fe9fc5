//! The read side for every member who reads a project: its overview and release comparison.

use crate::domain::trends::compare::Comparison;
use crate::domain::trends::overview::Overview;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, dashboards, db},
};

/// The project's overview of the last `days` days (UTC).
#[server(endpoint = "project_overview")]
pub async fn project_overview(project: String, days: u32) -> Result<Overview, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    dashboards::overview(
        &caller.pool,
        caller.project_id,
        days,
        chrono::Utc::now().date_naive(),
    )
    .await
}

/// A release comparison and what its form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparePage {
    /// The project's versions, in order of first appearance, with that day.
    pub versions: Vec<(String, Option<chrono::NaiveDate>)>,
    /// What the chooser offers first (A, B): see [`crate::domain::trends::compare::default_pair`].
    pub defaults: (String, String),
    /// The comparison, once two versions are chosen.
    pub comparison: Option<Comparison>,
}

/// Compares version `b` with version `a` from `from` to `to` (empty: the last 90 days); with
/// either version empty, only the versions to choose from.
#[server(endpoint = "compare_versions")]
pub async fn compare_versions(
    project: String,
    a: String,
    b: String,
    from: String,
    to: String,
) -> Result<ComparePage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let seen = db::trends::versions_seen(&caller.pool, caller.project_id).await?;
    let defaults = crate::domain::trends::compare::default_pair(
        &seen
            .iter()
            .map(|v| (v.label.clone(), v.first_day, v.last_day))
            .collect::<Vec<_>>(),
    );
    let versions = seen
        .into_iter()
        .map(|v| (v.label, v.first_day.map(|d| d.date_naive())))
        .collect();
    let comparison = if a.trim().is_empty() || b.trim().is_empty() {
        None
    } else {
        let query = dashboards::CompareQuery { a, b, from, to };
        let today = chrono::Utc::now().date_naive();
        Some(dashboards::compare(&caller.pool, caller.project_id, &query, today).await?)
    };
    Ok(ComparePage {
        versions,
        defaults,
        comparison,
    })
}

/// The trend of metric `key` as the metric page's address asks.
#[server(endpoint = "metric_trend")]
pub async fn metric_trend(
    project: String,
    key: String,
    #[server(default)] query: crate::domain::trends::trend::TrendAddress,
) -> Result<crate::domain::trends::trend::Trend, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    dashboards::trend(&caller.pool, caller.project_id, &key, &query, chrono::Utc::now()).await
}

/// The metadata keys the project's dashboards break traffic down by.
#[server(endpoint = "get_segment_keys")]
pub async fn get_segment_keys(project: String) -> Result<Vec<String>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    db::projects::segment_keys(&caller.pool, caller.project_id).await
}

/// Sets the segment keys (comma-separated) and recounts the project's rollups; owners only.
#[server(endpoint = "set_segment_keys")]
pub async fn set_segment_keys(project: String, keys: String) -> Result<Vec<String>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let keys: Vec<String> = keys
        .split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    db::projects::set_segment_keys(&caller.pool, caller.project_id, &keys).await?;
    tracing::info!(project = %project, keys = ?keys, "segment keys set");
    db::projects::segment_keys(&caller.pool, caller.project_id).await
}
