//! A/B tests over REST, so a CI pipeline or the app's backend can run them as the page does:
//! `GET …/experiments` (every test, read as of today), `POST …/experiments` (create one from
//! its design), `GET …/experiments/{key}`, `POST …/experiments/{key}/stop`, and
//! `GET …/experiments/{key}/arm?user=`: which version to serve an end user (stable hashing of
//! their id), so a client can split traffic without another tool.

use super::caller::ApiCaller;
use super::contract;
use super::error::{ApiError, ApiResult};
use super::query::Query;
use app::domain::experiment::analysis::ExperimentView;
use app::domain::experiment::design::ExperimentForm;
use app::domain::membership::ProjectAccess;
use app::error::AppError;
use app::server::db;
use app::server::experiments::{self, ArmAnswer};
use axum::extract::rejection::JsonRejection;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The arm route's query.
#[derive(Debug, serde::Deserialize)]
pub struct ArmQuery {
    #[serde(default)]
    pub user: String,
}

/// A design as JSON: lists as arrays, rates as fractions (`0.05` is five points).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentDesign {
    key: String,
    name: String,
    #[serde(default)]
    hypothesis: String,
    versions: Vec<String>,
    primary: String,
    #[serde(default)]
    guardrails: Vec<String>,
    baseline: Option<f64>,
    minimum_change: f64,
    alpha: Option<f64>,
    power: Option<f64>,
    started_on: Option<chrono::NaiveDate>,
}

impl ExperimentDesign {
    /// The page's form with the same content (the domain checks both alike).
    fn into_form(self) -> ExperimentForm {
        let defaults = ExperimentForm::new();
        let number = |n: Option<f64>, default: String| n.map_or(default, |n| n.to_string());
        ExperimentForm {
            key: self.key,
            name: self.name,
            hypothesis: self.hypothesis,
            versions: self.versions.join(", "),
            primary: self.primary,
            guardrails: self.guardrails.join(", "),
            baseline: number(self.baseline, String::new()),
            minimum_change: self.minimum_change.to_string(),
            alpha: number(self.alpha, defaults.alpha),
            power: number(self.power, defaults.power),
            started_on: self.started_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// `GET …/experiments`: every experiment, running first.
#[derive(Debug, Serialize)]
pub struct ExperimentList {
    experiments: Vec<ExperimentView>,
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Every experiment of the project, read as of today.
pub async fn list(caller: ApiCaller, Path(project): Path<String>) -> ApiResult<Json<ExperimentList>> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    Ok(Json(ExperimentList {
        experiments: experiments::list(&caller.pool, caller.project_id, today()).await?,
    }))
}

/// `POST …/experiments` with a design; answers 201 with the experiment as read today.
pub async fn create(
    caller: ApiCaller,
    Path(project): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ExperimentView>)> {
    let caller = caller.for_project(&project, ProjectAccess::Manage).await?;
    let Json(mut value) = body?;
    contract::whole_numbers(&mut value);
    let design: ExperimentDesign = contract::deserialize(&value)?;
    if let Some(problem) = contract::problem("ExperimentDesign", &value) {
        return Err(AppError::invalid(&problem.field, problem.message).into());
    }
    let key = experiments::create(
        &caller.pool,
        caller.project_id,
        &design.into_form(),
        today(),
        caller.actor.user_id,
    )
    .await?;
    let view = experiments::view(&caller.pool, caller.project_id, &key, today()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The experiment as its page shows it.
pub async fn get(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
) -> Result<Json<ExperimentView>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    Ok(Json(
        experiments::view(&caller.pool, caller.project_id, &key, today()).await?,
    ))
}

/// `POST …/experiments/{key}/stop`: stops counting after today (a stopped one keeps its day);
/// answers the experiment.
pub async fn stop(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
) -> Result<Json<ExperimentView>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Manage).await?;
    db::experiments::stop(&caller.pool, caller.project_id, &key, today()).await?;
    Ok(Json(
        experiments::view(&caller.pool, caller.project_id, &key, today()).await?,
    ))
}

/// The end user's arm.
pub async fn arm(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
    Query(query): Query<ArmQuery>,
) -> Result<Json<ArmAnswer>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    Ok(Json(
        experiments::arm(&caller.pool, caller.project_id, &key, &query.user, today()).await?,
    ))
}
