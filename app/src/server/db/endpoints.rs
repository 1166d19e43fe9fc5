//! A project's LLM endpoints. Keys are stored sealed (`server::secrets`) and opened only by
//! [`load`], for the worker; pages get [`view`], which says whether a key is set.

use super::database;
use crate::domain::endpoint::{Endpoint, Endpoints};
use crate::domain::endpoint::{EndpointInput, EndpointView, EndpointsInput, EndpointsView, KeyChange};
use crate::error::AppError;
use sqlx::PgPool;
use std::time::Duration;

#[derive(sqlx::FromRow)]
struct Row {
    chat_url: Option<String>,
    chat_model: Option<String>,
    chat_api_key: Option<String>,
    embeddings_url: Option<String>,
    embeddings_model: Option<String>,
    embeddings_api_key: Option<String>,
    timeout_ms: i32,
}

async fn row(pool: &PgPool, project_id: i64) -> Result<Option<Row>, AppError> {
    sqlx::query_as(
        "SELECT chat_url, chat_model, chat_api_key, embeddings_url, embeddings_model, embeddings_api_key, timeout_ms
         FROM project_endpoints WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_optional(pool)
    .await
    .map_err(database)
}

/// The endpoints with their keys, for calling them.
pub async fn load(pool: &PgPool, project_id: i64) -> Result<Endpoints, AppError> {
    let Some(row) = row(pool, project_id).await? else {
        return Ok(Endpoints::default());
    };
    let open = |key: Option<String>| key.as_deref().map(crate::server::secrets::open).transpose();
    let endpoint = |url: Option<String>, model: Option<String>, api_key: Option<String>| {
        Some(Endpoint {
            url: url?,
            model: model.unwrap_or_default(),
            api_key,
        })
    };
    Ok(Endpoints {
        chat: endpoint(row.chat_url, row.chat_model, open(row.chat_api_key)?),
        embeddings: endpoint(
            row.embeddings_url,
            row.embeddings_model,
            open(row.embeddings_api_key)?,
        ),
        timeout: Duration::from_millis(row.timeout_ms as u64),
    })
}

/// The endpoints as a page sees them: no keys.
pub async fn view(pool: &PgPool, project_id: i64) -> Result<EndpointsView, AppError> {
    let Some(row) = row(pool, project_id).await? else {
        return Ok(EndpointsView::default());
    };
    let view = |url: Option<String>, model: Option<String>, key: Option<String>| EndpointView {
        url: url.unwrap_or_default(),
        model: model.unwrap_or_default(),
        key_set: key.is_some(),
    };
    Ok(EndpointsView {
        chat: view(row.chat_url, row.chat_model, row.chat_api_key),
        embeddings: view(row.embeddings_url, row.embeddings_model, row.embeddings_api_key),
        timeout_ms: row.timeout_ms,
    })
}

/// Saves the endpoints; a key is replaced, kept or cleared as the input says.
pub async fn save(pool: &PgPool, project_id: i64, input: &EndpointsInput, by: i64) -> Result<(), AppError> {
    let key = |endpoint: &EndpointInput| -> Result<(bool, Option<String>), AppError> {
        Ok(match &endpoint.key {
            KeyChange::Keep => (true, None),
            KeyChange::Replace(key) => (false, Some(crate::server::secrets::seal(key)?)),
            KeyChange::Clear => (false, None),
        })
    };
    let (keep_chat, chat_key) = key(&input.chat)?;
    let (keep_embeddings, embeddings_key) = key(&input.embeddings)?;
    sqlx::query(
        "INSERT INTO project_endpoints (project_id, chat_url, chat_model, chat_api_key,
            embeddings_url, embeddings_model, embeddings_api_key, timeout_ms, updated_by)
         VALUES ($1, $2, $3, $5, $6, $7, $9, $10, $11)
         ON CONFLICT (project_id) DO UPDATE SET
            chat_url = EXCLUDED.chat_url, chat_model = EXCLUDED.chat_model,
            chat_api_key = CASE WHEN $4 THEN project_endpoints.chat_api_key ELSE EXCLUDED.chat_api_key END,
            embeddings_url = EXCLUDED.embeddings_url, embeddings_model = EXCLUDED.embeddings_model,
            embeddings_api_key = CASE WHEN $8 THEN project_endpoints.embeddings_api_key
                                 ELSE EXCLUDED.embeddings_api_key END,
            timeout_ms = EXCLUDED.timeout_ms, updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(project_id)
    .bind(&input.chat.url)
    .bind(&input.chat.model)
    .bind(keep_chat)
    .bind(chat_key)
    .bind(&input.embeddings.url)
    .bind(&input.embeddings.model)
    .bind(keep_embeddings)
    .bind(embeddings_key)
    .bind(input.timeout_ms)
    .bind(by)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
