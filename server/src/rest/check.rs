//! `POST /api/v1/projects/{project}/check`: scores one reply against the project's real-time
//! metrics and answers the action to take (block, retry, flag, alert or none), within
//! milliseconds. Scorers come from an in-memory cache; the check is recorded after answering.

use super::caller::ApiCaller;
use super::error::ApiError;
use super::query::Query;
use app::domain::membership::ProjectAccess;
use app::domain::output;
use app::server::realtime::{self, CheckAnswer};
use app::server::recording;
use app::server::scoring::ScoringInput;
use app::server::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Instant;

/// The answer, with whether the check will be stored and the server-side time it took.
#[derive(Debug, Serialize)]
pub struct CheckResponse {
    #[serde(flatten)]
    pub answer: CheckAnswer,
    /// `true`: the check is queued or journaled and will be stored; `false`: `record=false`,
    /// or it could not be taken (counted in `/metrics` by reason).
    pub recorded: bool,
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

/// What a check may leave out: `version` is "unversioned", and a reply without an input (or
/// messages) is checked as is.
fn with_defaults(record: &mut Value) {
    let Value::Object(fields) = record else { return };
    fields.entry("version").or_insert_with(|| "unversioned".into());
    let has_messages = fields
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|m| !m.is_empty());
    if !has_messages {
        fields.entry("input").or_insert_with(|| "".into());
    }
}

/// The handler; the body is one output record (`version` and `input` may be omitted).
pub async fn check(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(project): Path<String>,
    Query(options): Query<CheckOptions>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<CheckResponse>, ApiError> {
    let started = Instant::now();
    let caller = caller.for_project(&project, ProjectAccess::Edit).await?;
    let Json(record) = body?;
    let mut records = [record];
    super::contract::admit("CheckRecord", &mut records, |mut copy| {
        copy.iter_mut().for_each(with_defaults);
        match output::validate(copy, chrono::Utc::now()) {
            Err(problems) => problems,
            Ok(outputs) if outputs.iter().any(|o| o.eval.is_some()) => vec![output::RecordError {
                index: 0,
                field: "run".into(),
                message:
                    "the real-time check takes production replies; send an eval run's outputs to /outputs"
                        .into(),
            }],
            Ok(_) => Vec::new(),
        }
    })
    .map_err(ApiError::Records)?;
    let [mut record] = records;
    with_defaults(&mut record);
    let mut valid = output::validate(vec![record], chrono::Utc::now()).map_err(ApiError::Records)?;
    let output = valid.remove(0);
    let scorers = state.scorers.get(&caller.pool, caller.project_id).await?;
    let users = output.user_messages();
    let input = ScoringInput::of(&output, &users);
    let (answer, rows) = realtime::check(&scorers.realtime, &input);
    let recorded = options.record
        && state.recorder.record(recording::Check {
            project_id: caller.project_id,
            output,
            realtime: rows,
        });
    Ok(Json(CheckResponse {
        answer,
        recorded,
        elapsed_us: started.elapsed().as_micros(),
    }))
}
