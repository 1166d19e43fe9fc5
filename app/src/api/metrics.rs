//! Metrics: a project's viewers, managers and owners read them; its owners create, edit and
//! retire them.

use crate::domain::metric::filter::MetricFilter;
use crate::domain::metric::review::QueueItem;
use crate::domain::metric::{MetricDetail, MetricInput, MetricView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    domain::metric::{kinds::Status, parse_date, review, MetricDefinition},
    domain::role::Access,
    server::{auth, db, metric_lifecycle},
};

/// The metrics of a project that pass the filter.
#[server(endpoint = "list_metrics")]
pub async fn list_metrics(project: String, filter: MetricFilter) -> Result<Vec<MetricView>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    db::metrics::list(&caller.pool, Some(caller.project_id), &filter.parse()?).await
}

/// One metric with its change history.
#[server(endpoint = "get_metric")]
pub async fn get_metric(project: String, key: String) -> Result<MetricDetail, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let metric = db::metrics::get(&caller.pool, caller.project_id, &key).await?;
    let history = db::metric_history::list(&caller.pool, metric.id).await?;
    Ok(MetricDetail { metric, history })
}

/// Creates a metric (as a draft).
#[server(endpoint = "create_metric")]
pub async fn create_metric(project: String, input: MetricInput) -> Result<MetricView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    metric_lifecycle::create(&caller.pool, caller.project_id, &input.parse()?, caller.user.id).await
}

/// Replaces a metric's definition; every changed field is recorded.
#[server(endpoint = "update_metric")]
pub async fn update_metric(project: String, key: String, input: MetricInput) -> Result<MetricView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    metric_lifecycle::update(
        &caller.pool,
        caller.project_id,
        key.trim(),
        &input.parse()?,
        caller.user.id,
    )
    .await
}

/// Activates a draft or reactivates a retired metric.
#[server(endpoint = "activate_metric")]
pub async fn activate_metric(project: String, key: String) -> Result<MetricView, AppError> {
    set_status(&project, &key, Status::Active, "").await
}

/// Retires a metric; the reason is required and kept.
#[server(endpoint = "retire_metric")]
pub async fn retire_metric(project: String, key: String, reason: String) -> Result<MetricView, AppError> {
    set_status(&project, &key, Status::Retired, &reason).await
}

#[cfg(feature = "ssr")]
async fn set_status(project: &str, key: &str, next: Status, reason: &str) -> Result<MetricView, AppError> {
    let caller = auth::require_project(project, ProjectAccess::Edit).await?;
    metric_lifecycle::set_status(
        &caller.pool,
        caller.project_id,
        key.trim(),
        next,
        reason,
        caller.user.id,
    )
    .await
}

/// Moves a metric's review date (one click from the retirement queue).
#[server(endpoint = "extend_review")]
pub async fn extend_review(
    project: String,
    key: String,
    review_date: String,
) -> Result<MetricView, AppError> {
    let review_date = parse_date("review_date", &review_date)?;
    edit(&project, &key, move |definition| {
        if definition
            .retirement_date
            .is_some_and(|retire| retire < review_date)
        {
            return Err(AppError::invalid(
                "review_date",
                "must not be after the retirement date",
            ));
        }
        definition.review_date = review_date;
        Ok(())
    })
    .await
}

/// Hands a metric to another owner (one click from the retirement queue).
#[server(endpoint = "change_owner")]
pub async fn change_owner(project: String, key: String, owner: String) -> Result<MetricView, AppError> {
    edit(&project, &key, move |definition| {
        definition.owner = owner.trim().to_lowercase();
        Ok(())
    })
    .await
}

/// Applies a partial edit through the full update, so history and validation are the same.
#[cfg(feature = "ssr")]
async fn edit(
    project: &str,
    key: &str,
    change: impl FnOnce(&mut MetricDefinition) -> Result<(), AppError>,
) -> Result<MetricView, AppError> {
    let caller = auth::require_project(project, ProjectAccess::Edit).await?;
    let current = db::metrics::get(&caller.pool, caller.project_id, key).await?;
    let mut definition = current.definition;
    change(&mut definition)?;
    metric_lifecycle::update(
        &caller.pool,
        caller.project_id,
        key.trim(),
        &definition,
        caller.user.id,
    )
    .await
}

/// Metrics that must justify themselves now, in one project (a slug) or in every project the
/// caller reads (empty): review overdue, retirement close, no failing score in `quiet_days`
/// days, or evaluation spend above the cost of the failures found in those days.
#[server(endpoint = "retirement_queue")]
pub async fn retirement_queue(project: String, quiet_days: i64) -> Result<Vec<QueueItem>, AppError> {
    let quiet_days = review::parse_quiet_days(quiet_days)?;
    let (pool, projects) = match project.trim() {
        "" => {
            let caller = auth::require(Access::SignedIn).await?;
            let readable = readable_projects(&caller).await?;
            (caller.pool, readable)
        }
        slug => {
            let caller = auth::require_project(slug, ProjectAccess::Read).await?;
            (caller.pool, Some(vec![caller.project_id]))
        }
    };
    let quiet = db::metrics::quiet(&pool, projects.as_deref(), quiet_days).await?;
    let costly = db::metrics::costly(&pool, projects.as_deref(), quiet_days).await?;
    let today = chrono::Utc::now().date_naive();
    let flagged: Vec<i64> = quiet.iter().copied().chain(costly.iter().map(|c| c.id)).collect();
    let candidates = db::metrics::queue_candidates(&pool, projects.as_deref(), today, &flagged).await?;
    let context = review::QueueContext {
        today,
        quiet: quiet.into_iter().collect(),
        quiet_days,
        costly: costly.into_iter().map(|c| (c.id, (c.spend, c.found))).collect(),
    };
    Ok(review::queue(candidates, &context))
}

/// The ids of the projects whose metrics the caller reads; `None` for admins (every project).
#[cfg(feature = "ssr")]
async fn readable_projects(caller: &auth::Authorized) -> Result<Option<Vec<i64>>, AppError> {
    if caller.user.role.is_admin() {
        return Ok(None);
    }
    let listed = db::projects::list_for_member(&caller.pool, caller.user.id).await?;
    Ok(Some(
        listed
            .into_iter()
            .filter(|listing| ProjectAccess::Read.allows(listing.role))
            .map(|listing| listing.project.id)
            .collect(),
    ))
}
