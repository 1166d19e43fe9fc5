//! `POST /api/v1/projects/{project}/feedback`: end users' feedback on outputs, in batches like
//! outputs (validated whole, stored atomically, idempotent by feedback id and by
//! `Idempotency-Key`). The use case is [`app::server::feedback`].

use super::batch::{self, Batch};
use super::caller::ApiCaller;
use super::error::ApiError;
use app::domain::membership::ProjectAccess;
use app::server::feedback;
use app::server::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

/// The handler; see the module documentation.
pub async fn submit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let mut batch = Batch::read(&headers, body, "feedback")?;
    super::contract::admit("FeedbackRecord", &mut batch.values, |copy| {
        app::domain::feedback::record::validate(copy, chrono::Utc::now())
            .err()
            .unwrap_or_default()
    })
    .map_err(super::error::ApiError::Records)?;
    // Keys are per route: a client may number its outputs and its feedback alike.
    let idempotency = batch.idempotency.map(|i| app::server::idempotent::Idempotency {
        key: format!("feedback:{}", i.key),
        ..i
    });
    let answer = feedback::submit(&caller.pool, caller.project_id, batch.values, idempotency).await;
    batch::respond(&state, answer)
}
