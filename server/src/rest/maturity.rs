//! `/api/v1/projects/{project}/maturity`: the project's review as JSON, or as Markdown to share
//! (`format=markdown`); `/api/v1/maturity`: the managers' overview of every project the caller
//! reads, as JSON or CSV.

use super::caller::ApiCaller;
use super::csv_body;
use super::dashboards::Format;
use super::error::ApiError;
use super::query::Query;
use app::domain::maturity::markdown::markdown;
use app::domain::membership::ProjectAccess;
use app::server::{db, maturity};
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// The review's `format`: `json` (the default) or `markdown`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReviewFormat {
    #[default]
    Json,
    Markdown,
}

/// The review's query.
#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    pub format: ReviewFormat,
}

/// The overview's query: `format=json|csv`.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    pub format: Format,
}

/// `GET …/maturity?format=json|markdown`
pub async fn review(
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let now = chrono::Utc::now();
    let page = maturity::review(&caller.pool, caller.project_id, now).await?;
    Ok(match query.format {
        ReviewFormat::Json => Json(page).into_response(),
        ReviewFormat::Markdown => {
            let name = db::projects::find_by_id(&caller.pool, caller.project_id)
                .await?
                .map_or(project.clone(), |p| p.name);
            (
                [
                    (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{project}-maturity.md\""),
                    ),
                ],
                markdown(&name, &page, now.date_naive()),
            )
                .into_response()
        }
    })
}

/// `GET /api/v1/maturity?format=json|csv`
pub async fn overview(caller: ApiCaller, Query(query): Query<OverviewQuery>) -> Result<Response, ApiError> {
    let (pool, projects) = caller.readable_projects().await?;
    let rows = maturity::overview(&pool, &projects, chrono::Utc::now()).await?;
    Ok(match query.format {
        Format::Json => Json(rows).into_response(),
        Format::Csv => csv_body::download("maturity.csv", csv_body::maturity(&rows)),
    })
}
