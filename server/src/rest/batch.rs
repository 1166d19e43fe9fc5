//! What the batch routes (outputs, feedback) share: reading a body of records — a JSON array
//! (or one object), or NDJSON — with its optional `Idempotency-Key`, and answering what the
//! batch became.

use super::error::ApiError;
use app::domain::output::{RecordError, MAX_BATCH};
use app::error::AppError;
use app::server::state::AppState;
use app::server::{api_keys, idempotent};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// A batch request's records and idempotency key.
pub struct Batch {
    pub values: Vec<Value>,
    pub idempotency: Option<idempotent::Idempotency>,
}

impl Batch {
    /// Reads the request; `what` names the records in errors ("outputs", "feedback").
    pub fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
        what: &str,
    ) -> Result<Batch, ApiError> {
        let body = body.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::TooLarge(format!("the body is larger than {} MiB", MAX_BODY >> 20))
            }
            _ => AppError::invalid("body", rejection.body_text()),
        })?;
        let values = records(headers, &body, what)?;
        if values.len() > MAX_BATCH {
            return Err(AppError::TooLarge(format!(
                "{} records; at most {MAX_BATCH} per request",
                values.len()
            ))
            .into());
        }
        // The digest is of the records as read, keys sorted (serde_json's maps are ordered):
        // the same records sent again replay, whatever their key order, spacing or framing
        // (an array, one object, NDJSON).
        let idempotency = idempotency_key(headers)?.map(|key| idempotent::Idempotency {
            key,
            digest: api_keys::digest(serde_json::to_vec(&values).unwrap_or_default()),
        });
        Ok(Batch { values, idempotency })
    }
}

/// The answer to a batch: what was stored (or the first answer, marked as replayed), or every
/// record's problems.
pub fn respond(
    state: &AppState,
    answer: Result<idempotent::Answer, idempotent::Refused>,
) -> Result<Response, ApiError> {
    let answer = answer.map_err(|refused| match refused {
        idempotent::Refused::Records(records) => ApiError::Records(records),
        idempotent::Refused::App(error) => error.into(),
    })?;
    if !answer.replayed {
        // Scores changed: the monitors of their metrics look again within seconds.
        state.alerting.wake.notify_one();
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, Json(answer.body)).into_response();
    if answer.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The records of the body: NDJSON (one per line) when the content type says so, else a JSON
/// array (or one object). A line that is not JSON is reported by its index.
fn records(headers: &HeaderMap, body: &[u8], what: &str) -> Result<Vec<Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = std::str::from_utf8(body).map_err(|_| AppError::invalid("body", "is not UTF-8"))?;
    let values = if content_type.contains("ndjson") || content_type.contains("jsonl") {
        let mut values = Vec::new();
        let mut errors = Vec::new();
        for (index, line) in text.lines().filter(|line| !line.trim().is_empty()).enumerate() {
            match serde_json::from_str(line) {
                Ok(value) => values.push(value),
                Err(e) => errors.push(RecordError {
                    index,
                    field: "record".into(),
                    message: format!("is not JSON: {e}"),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Records(errors));
        }
        values
    } else {
        match serde_json::from_str(text)
            .map_err(|e| AppError::invalid("body", format!("is not JSON: {e}")))?
        {
            Value::Array(values) => values,
            object @ Value::Object(_) => vec![object],
            _ => return Err(AppError::invalid("body", format!("must be an array of {what}")).into()),
        }
    };
    if values.is_empty() {
        return Err(AppError::invalid("body", format!("holds no {what}")).into());
    }
    Ok(values)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_bytes();
    if key.is_empty() || key.len() > 200 || !key.iter().all(|b| (0x21..=0x7E).contains(b)) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "must be 1 to 200 visible ASCII characters (no spaces)",
        )
        .into());
    }
    let key = String::from_utf8_lossy(key);
    Ok(Some(key.into_owned()))
}
