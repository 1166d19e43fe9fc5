//! `/api/v1/projects/{project}/metrics`: list, get, create, update, retire, activate.
//! Bodies use the same document format as metrics-as-code files.

use super::caller::{Allowed, ApiCaller};
use super::contract;
use super::error::ApiResult;
use super::query::Query;
use app::domain::membership::ProjectAccess;
use app::domain::metric::document::MetricDocument;
use app::domain::metric::filter::MetricFilter;
use app::domain::metric::kinds::Status;
use app::domain::metric::{MetricDefinition, MetricView};
use app::error::AppError;
use app::server::{db, metric_lifecycle};
use axum::extract::rejection::JsonRejection;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;

/// A metric as the API returns it: the document fields plus its lifecycle.
#[derive(Debug, Serialize)]
pub struct MetricResource {
    #[serde(flatten)]
    pub definition: MetricDocument,
    pub status: Status,
    pub status_reason: String,
    pub owner_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<MetricView> for MetricResource {
    fn from(metric: MetricView) -> Self {
        Self {
            definition: MetricDocument::from(&metric.definition),
            status: metric.status,
            status_reason: metric.status_reason,
            owner_name: metric.owner_name,
            created_at: metric.created_at,
            updated_at: metric.updated_at,
        }
    }
}

fn not_found(key: &str) -> AppError {
    AppError::NotFound(format!("Metric '{key}'"))
}

/// `GET …/metrics?status=&stage=&cadence=&category=&owner=&tag=&q=`
pub async fn list(
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(filter): Query<MetricFilter>,
) -> ApiResult<Json<Vec<MetricResource>>> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let metrics = db::metrics::list(&caller.pool, Some(caller.project_id), &filter.parse()?).await?;
    Ok(Json(metrics.into_iter().map(MetricResource::from).collect()))
}

/// `GET …/metrics/{key}`
pub async fn get(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
) -> ApiResult<Json<MetricResource>> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let metric = db::metrics::find(&caller.pool, caller.project_id, &key)
        .await?
        .ok_or_else(|| not_found(&key))?;
    Ok(Json(metric.into()))
}

/// A metric document as the API takes it: the schema `MetricDocument` of the OpenAPI document,
/// then the domain's own rules (which name the field in their own words where they find a
/// problem too).
fn definition(body: Result<Json<Value>, JsonRejection>) -> ApiResult<MetricDefinition> {
    let Json(mut value) = body?;
    contract::whole_numbers(&mut value);
    let document: Result<MetricDocument, AppError> = contract::deserialize(&value);
    let parsed = document.and_then(|document| document.to_input().parse());
    match (contract::problem("MetricDocument", &value), parsed) {
        (_, Err(error)) => Err(error.into()),
        (Some(problem), Ok(_)) => Err(AppError::invalid(&problem.field, problem.message).into()),
        (None, Ok(definition)) => Ok(definition),
    }
}

/// `POST …/metrics` with a metric document; answers 201 with the created draft.
pub async fn create(
    caller: ApiCaller,
    Path(project): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<MetricResource>)> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let definition = definition(body)?;
    let metric = metric_lifecycle::create(&caller.pool, caller.project_id, &definition, caller.actor).await?;
    Ok((StatusCode::CREATED, Json(metric.into())))
}

/// `PUT …/metrics/{key}` with the whole document; every changed field is recorded.
pub async fn update(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<MetricResource>> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let definition = definition(body)?;
    let metric =
        metric_lifecycle::update(&caller.pool, caller.project_id, &key, &definition, caller.actor).await?;
    Ok(Json(metric.into()))
}

/// `POST …/metrics/{key}/retire` with `{"reason": "…"}` (required).
pub async fn retire(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<MetricResource>> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let Json(body) = body?;
    if let Some(problem) = contract::problem("RetireBody", &body) {
        return Err(AppError::invalid(&problem.field, problem.message).into());
    }
    let reason = body["reason"].as_str().unwrap_or_default();
    set_status(caller, &key, Status::Retired, reason).await
}

/// `POST …/metrics/{key}/activate`
pub async fn activate(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
) -> ApiResult<Json<MetricResource>> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    set_status(caller, &key, Status::Active, "").await
}

async fn set_status(
    caller: Allowed,
    key: &str,
    next: Status,
    reason: &str,
) -> ApiResult<Json<MetricResource>> {
    let metric =
        metric_lifecycle::set_status(&caller.pool, caller.project_id, key, next, reason, caller.actor)
            .await?;
    Ok(Json(metric.into()))
}
