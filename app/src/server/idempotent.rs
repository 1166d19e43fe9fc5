//! Idempotent batches, for every door that takes a batch with an `Idempotency-Key` (outputs,
//! feedback): the key and the digest of the records it came with, the first answer replayed for
//! the same records, remembered in the transaction that stored them, and why a batch was refused.

use super::db;
use crate::domain::output::RecordError;
use crate::error::AppError;
use serde_json::Value;
use sqlx::PgPool;

/// The status a stored batch answers with (and a replay repeats).
pub const CREATED: u16 = 201;

/// A client's idempotency key and the digest of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub digest: Vec<u8>,
}

/// What an ingest answers: its status and JSON body, and whether it is a replay of an earlier
/// request with the same idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

/// Why a batch was refused.
#[derive(Debug)]
pub enum Refused {
    /// Records that do not validate, each named by index and field; nothing was stored.
    Records(Vec<RecordError>),
    /// Anything else (a reused idempotency key, a database failure).
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

/// The first answer to a request with the same idempotency key, when there was one; a key
/// reused with another body is an error on `Idempotency-Key`.
pub async fn replay(
    pool: &PgPool,
    project_id: i64,
    idempotency: Option<&Idempotency>,
) -> Result<Option<Answer>, AppError> {
    let Some(Idempotency { key, digest }) = idempotency else {
        return Ok(None);
    };
    let Some(remembered) = db::idempotency::find(pool, project_id, key).await? else {
        return Ok(None);
    };
    if &remembered.digest != digest {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "was already used with a different request body",
        ));
    }
    Ok(Some(Answer {
        status: remembered.status,
        body: remembered.response,
        replayed: true,
    }))
}

/// Remembers a created answer under the request's idempotency key, in its transaction.
pub async fn remember(
    connection: &mut sqlx::PgConnection,
    project_id: i64,
    idempotency: Option<&Idempotency>,
    body: &Value,
) -> Result<(), AppError> {
    match idempotency {
        Some(Idempotency { key, digest }) => {
            db::idempotency::remember(connection, project_id, key, digest, CREATED, body).await
        }
        None => Ok(()),
    }
}
