//! `/api/v1/projects/{project}/overview` and `…/compare`: the dashboards' numbers as JSON, or
//! as CSV with `format=csv` (the pages link to these for their downloads).

use super::caller::ApiCaller;
use super::csv_body;
use super::error::ApiError;
use super::query::Query;
use app::domain::membership::ProjectAccess;
use app::server::dashboards::{self, CompareQuery};
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// `format=json` (the default) or `format=csv`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// The overview's query.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default = "thirty")]
    pub days: u32,
    #[serde(default)]
    pub format: Format,
}

fn thirty() -> u32 {
    30
}

/// `GET …/overview?days=30&format=json|csv`
pub async fn overview(
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let today = chrono::Utc::now().date_naive();
    let overview = dashboards::overview(&caller.pool, caller.project_id, query.days, today).await?;
    Ok(match query.format {
        Format::Json => Json(overview).into_response(),
        Format::Csv => csv_body::download(&format!("{project}-overview.csv"), csv_body::overview(&overview)),
    })
}

/// The comparison's query.
#[derive(Debug, Deserialize)]
pub struct CompareParams {
    #[serde(flatten)]
    pub compare: CompareQuery,
    #[serde(default)]
    pub format: Format,
}

/// `GET …/compare?a=…&b=…&from=…&to=…&format=json|csv`
pub async fn compare(
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(query): Query<CompareParams>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let today = chrono::Utc::now().date_naive();
    let comparison = dashboards::compare(&caller.pool, caller.project_id, &query.compare, today).await?;
    Ok(match query.format {
        Format::Json => Json(comparison).into_response(),
        Format::Csv => {
            let name = format!("{project}-{}-vs-{}.csv", query.compare.b, query.compare.a);
            csv_body::download(&name, csv_body::comparison(&comparison))
        }
    })
}

/// The trend's query (written out: numbers inside a flattened struct would not decode).
#[derive(Debug, Deserialize)]
pub struct TrendParams {
    pub days: Option<u32>,
    #[serde(default)]
    pub grain: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub format: Format,
}

/// `GET …/metrics/{key}/trend?days=&grain=day|hour&version=&segment=&format=json|csv`
pub async fn trend(
    caller: ApiCaller,
    Path((project, key)): Path<(String, String)>,
    Query(query): Query<TrendParams>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Read).await?;
    let address = app::domain::trends::trend::TrendAddress {
        days: query.days,
        grain: query.grain,
        version: query.version,
        segment: query.segment,
    };
    let now = chrono::Utc::now();
    let trend = dashboards::trend(&caller.pool, caller.project_id, &key, &address, now).await?;
    Ok(match query.format {
        Format::Json => Json(trend).into_response(),
        Format::Csv => csv_body::download(&format!("{project}-{key}-trend.csv"), csv_body::trend(&trend)),
    })
}
