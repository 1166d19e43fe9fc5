//! Datasets and eval runs over REST: a version's items as JSONL or CSV (they import back
//! unchanged), a run's results, and two runs compared item by item — so a CI job can fail a
//! release that is significantly worse on the golden set.

use super::caller::ApiCaller;
use super::error::ApiError;
use super::query::Query;
use app::domain::dataset::file;
use app::domain::dataset::report::{RunComparison, RunView};
use app::domain::membership::ProjectAccess;
use app::server::{datasets, db};
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The export's query: `format=jsonl` (the default) or `csv`.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub format: String,
}

/// `GET …/datasets/{name}/versions/{version}/items`.
pub async fn export(
    caller: ApiCaller,
    Path((project, name, version)): Path<(String, String, String)>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    // Versions are numbered from 1: any other segment names no version.
    let version: i32 = version
        .parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| app::error::AppError::NotFound(format!("Version '{version}' of '{name}'")))?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    let mut connection = caller.pool.acquire().await.map_err(app::error::AppError::from)?;
    let Some((id, _)) = db::datasets::version_id(&mut connection, dataset.id, Some(version)).await? else {
        return Err(app::error::AppError::NotFound(format!("Version {version} of '{name}'")).into());
    };
    let items: Vec<_> = db::datasets::items(&mut connection, id)
        .await?
        .into_iter()
        .map(|(_, item)| item)
        .collect();
    let (body, content_type, extension) = match query.format.as_str() {
        "csv" => (file::write_csv(&items), "text/csv; charset=utf-8", "csv"),
        "" | "jsonl" => (file::write_jsonl(&items), "application/x-ndjson", "jsonl"),
        other => {
            return Err(app::error::AppError::invalid(
                "format",
                format!("'{other}' is not one of: jsonl, csv"),
            )
            .into())
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-v{version}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET …/runs/{run}`: pass rates per metric and tag, variant sensitivity, every item.
pub async fn run(
    caller: ApiCaller,
    Path((project, run)): Path<(String, String)>,
) -> Result<Json<RunView>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    Ok(Json(
        datasets::run_view(&caller.pool, caller.project_id, &run).await?,
    ))
}

/// The comparison's query: the baseline run and the candidate.
#[derive(Debug, serde::Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    pub first: String,
    #[serde(default)]
    pub second: String,
}

/// `GET …/runs/compare?first=&second=`: McNemar's exact test per metric, with the items newly
/// failing and newly passing.
pub async fn compare(
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(query): Query<CompareQuery>,
) -> Result<Json<RunComparison>, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    Ok(Json(
        datasets::compare_runs(&caller.pool, caller.project_id, &query.first, &query.second).await?,
    ))
}
