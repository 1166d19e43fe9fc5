//! `GET /api/v1/audit?category=&actor=&project=&from=&to=&before=&format=json|csv`: the audit
//! log, newest first, for admins (JSON: a page of 100; CSV: up to 10,000 entries).

use super::caller::ApiCaller;
use super::csv_body;
use super::dashboards::Format;
use super::error::ApiError;
use super::query::Query;
use app::domain::audit::AuditFilter;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The query: the page's filters and a format.
#[derive(Debug, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(flatten)]
    pub filter: AuditFilter,
    #[serde(default)]
    pub format: Format,
}

/// The handler; see the module documentation.
pub async fn list(caller: ApiCaller, Query(query): Query<AuditQuery>) -> Result<Response, ApiError> {
    let pool = caller.admin().await?;
    let filter = query.filter.parse()?;
    Ok(match query.format {
        Format::Json => Json(app::server::db::audit::list(&pool, &filter, 100).await?).into_response(),
        Format::Csv => {
            let entries = app::server::db::audit::list(&pool, &filter, 10_000).await?;
            let rows = entries.into_iter().map(|e| {
                vec![
                    e.id.to_string(),
                    e.at.to_rfc3339(),
                    e.actor,
                    e.action.as_str().to_owned(),
                    e.project.unwrap_or_default(),
                    e.target,
                    e.detail,
                    e.address,
                ]
            });
            let body = csv_body::table(
                &[
                    "id", "at", "actor", "action", "project", "target", "detail", "address",
                ],
                rows,
            );
            csv_body::download("audit-log.csv", body)
        }
    })
}
