//! `GET …/experiments/{key}`: an A/B test read as of today; `GET …/experiments/{key}/arm?user=`:
//! which version to serve an end user (stable hashing of their id), so a client can split
//! traffic without another tool.

use super::caller::ApiCaller;
use super::error::ApiError;
use super::query::Query;
use app::domain::experiment::analysis::ExperimentView;
use app::domain::membership::ProjectAccess;
use app::server::experiments::{self, ArmAnswer};
use axum::extract::Path;
use axum::Json;

/// The arm route's query.
#[derive(Debug, serde::Deserialize)]
pub struct ArmQuery {
    #[serde(default)]
    pub user: String,
}

/// The experiment as its page shows it.
pub async fn get(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
) -> Result<Json<ExperimentView>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let today = chrono::Utc::now().date_naive();
    Ok(Json(
        experiments::view(&caller.pool, caller.project_id, &key, today).await?,
    ))
}

/// The end user's arm.
pub async fn arm(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
    Query(query): Query<ArmQuery>,
) -> Result<Json<ArmAnswer>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let today = chrono::Utc::now().date_naive();
    Ok(Json(
        experiments::arm(&caller.pool, caller.project_id, &key, &query.user, today).await?,
    ))
}
