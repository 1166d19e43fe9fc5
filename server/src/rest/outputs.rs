//! `POST /api/v1/projects/{project}/outputs`: a batch of outputs (a JSON array, or NDJSON),
//! validated whole, stored atomically, scored by every active automated metric, idempotent by
//! external id and by `Idempotency-Key`. This module reads the HTTP request; the ingest itself
//! is [`app::server::ingest`], which every door shares.

use super::batch::{self, Batch};
use super::caller::ApiCaller;
use super::error::ApiError;
use app::domain::membership::ProjectAccess;
use app::server::ingest;
use app::server::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The handler; see the module documentation.
pub async fn ingest(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let mut batch = Batch::read(&headers, body, "outputs")?;
    super::contract::admit("OutputRecord", &mut batch.values, |copy| {
        app::domain::output::validate(copy, chrono::Utc::now())
            .err()
            .unwrap_or_default()
    })
    .map_err(ApiError::Records)?;
    let answer = ingest::ingest(
        &caller.pool,
        &state.scorers,
        caller.project_id,
        batch.values,
        batch.idempotency,
    )
    .await;
    batch::respond(&state, answer)
}

/// One output of a page, with its scores.
#[derive(Debug, serde::Serialize)]
pub struct OutputWithScores {
    #[serde(flatten)]
    pub row: app::domain::output_browse::OutputRow,
    pub scores: Vec<app::domain::output_browse::ScoreView>,
}

/// A page of outputs and where the next one starts.
#[derive(Debug, serde::Serialize)]
pub struct OutputsPage {
    pub outputs: Vec<OutputWithScores>,
    /// Pass as `before` for the next (older) page; `null` on the last.
    pub next_before: Option<i64>,
}

/// The outputs list's query: the browser's filters and a format.
#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    pub filter: app::domain::output_browse::OutputFilter,
    #[serde(default)]
    pub format: super::dashboards::Format,
}

/// `GET …/outputs?version=&source=&segment=&metric=&verdict=&before=&format=json|csv`: the
/// outputs browser's page (newest first, 50 at a time) with every score of each output.
pub async fn list(
    caller: ApiCaller,
    Path(project): Path<String>,
    super::query::Query(query): super::query::Query<ListQuery>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Manage).await?;
    let filter = query.filter.parse()?;
    let (rows, next_before) =
        app::server::db::output_browse::list(&caller.pool, caller.project_id, &filter).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    // Scores come ordered by output; each output takes its own, once.
    let mut by_output: std::collections::HashMap<i64, Vec<app::domain::output_browse::ScoreView>> =
        std::collections::HashMap::new();
    for (output, score) in app::server::db::scores::of_outputs(&caller.pool, &ids).await? {
        by_output.entry(output).or_default().push(score);
    }
    let outputs: Vec<OutputWithScores> = rows
        .into_iter()
        .map(|row| OutputWithScores {
            scores: by_output.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect();
    Ok(match query.format {
        super::dashboards::Format::Json => Json(OutputsPage { outputs, next_before }).into_response(),
        super::dashboards::Format::Csv => {
            let lines = outputs.iter().flat_map(|o| {
                let base = vec![
                    o.row.id.to_string(),
                    o.row.occurred_at.to_rfc3339(),
                    o.row.version.clone(),
                    o.row.source.clone(),
                    o.row.conversation_id.clone().unwrap_or_default(),
                    o.row.turn_index.map(|t| t.to_string()).unwrap_or_default(),
                    o.row.segments.join("; "),
                    o.row.excerpt.clone(),
                ];
                let none = [String::new(), String::new(), String::new(), String::new()];
                let scores: Vec<[String; 4]> = if o.scores.is_empty() {
                    vec![none]
                } else {
                    o.scores
                        .iter()
                        .map(|s| {
                            [
                                s.metric_key.clone(),
                                s.value.map(|v| v.to_string()).unwrap_or_default(),
                                s.passed.map(|p| p.to_string()).unwrap_or_default(),
                                s.error.clone().unwrap_or_default(),
                            ]
                        })
                        .collect()
                };
                scores
                    .into_iter()
                    .map(move |score| [base.clone(), score.to_vec()].concat())
            });
            let body = super::csv_body::table(
                &[
                    "output_id",
                    "occurred_at",
                    "version",
                    "source",
                    "conversation_id",
                    "turn_index",
                    "segments",
                    "reply_start",
                    "metric",
                    "value",
                    "passed",
                    "error",
                ],
                lines,
            );
            super::csv_body::download(&format!("{project}-outputs.csv"), body)
        }
    })
}
