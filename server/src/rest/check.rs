//! `POST /api/v1/projects/{project}/check`: scores one reply against the project's real-time
//! metrics and answers the action to take (block, retry, flag, alert or none), within
//! milliseconds. Scorers come from an in-memory cache; the check is recorded after answering.

use super::caller::ApiCaller;
use super::error::ApiError;
use app::domain::membership::ProjectAccess;
use app::domain::output;
use app::error::AppError;
use app::server::realtime::{self, CheckAnswer};
use app::server::scoring::ScoringInput;
use app::server::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Instant;

/// The answer, with the server-side time it took.
#[derive(Debug, Serialize)]
pub struct CheckResponse {
    #[serde(flatten)]
    pub answer: CheckAnswer,
    pub elapsed_us: u128,
}

/// The query: `record=false` answers without storing the reply as an output (for a caller that
/// sends its outputs through `/outputs` anyway, or a load test).
#[derive(Debug, Deserialize)]
pub struct CheckOptions {
    #[serde(default = "recorded_by_default")]
    record: bool,
}

fn recorded_by_default() -> bool {
    true
}

/// The handler; the body is one output record (`version` and `input` may be omitted).
pub async fn check(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(project): Path<String>,
    options: Result<Query<CheckOptions>, QueryRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<CheckResponse>, ApiError> {
    let started = Instant::now();
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let Query(options) = options.map_err(|_| AppError::invalid("record", "must be true or false"))?;
    let Json(mut record) = body?;
    let Value::Object(fields) = &mut record else {
        return Err(AppError::invalid("body", "must be one output object").into());
    };
    fields.entry("version").or_insert_with(|| "unversioned".into());
    if !fields.contains_key("messages") {
        fields.entry("input").or_insert_with(|| "".into());
    }
    let mut valid = output::validate(vec![record], chrono::Utc::now()).map_err(ApiError::Records)?;
    let output = valid.remove(0);
    if output.eval.is_some() {
        return Err(AppError::invalid(
            "run",
            "the real-time check takes production replies; send an eval run's outputs to /outputs",
        )
        .into());
    }
    let scorers = state.scorers.get(&caller.pool, caller.project_id).await?;
    let users = output.user_messages();
    let input = ScoringInput::of(&output, &users);
    let (answer, rows) = realtime::check(&scorers.realtime, &input);
    if options.record {
        state.recorder.record(caller.project_id, output, rows);
    }
    Ok(Json(CheckResponse {
        answer,
        elapsed_us: started.elapsed().as_micros(),
    }))
}
