//! Project API keys: a project's owners create, list and revoke them.

use crate::domain::api_key::{ApiKeyView, CreatedKey};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{api_key::parse_name, membership::ProjectAccess},
    server::{api_keys, auth, db},
};

/// A project's keys (prefixes only).
#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys(project: String) -> Result<Vec<ApiKeyView>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    db::api_keys::list(&caller.pool, project_id).await
}

/// Creates a key and returns its secret, which is never shown again.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(project: String, name: String) -> Result<CreatedKey, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let name = parse_name(&name)?;
    let project_id = caller.project_id;
    let (secret, prefix) = api_keys::generate();
    let key = db::api_keys::insert(
        &caller.pool,
        project_id,
        &name,
        &prefix,
        &api_keys::digest(&secret),
        caller.user.id,
    )
    .await?;
    tracing::info!(by = %caller.user.username, project = %project, key = %prefix, "API key created");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ApiKeyCreated,
        Some(&project),
        &prefix,
        format!("\"{name}\""),
    )
    .await;
    Ok(CreatedKey { key, secret })
}

/// Revokes a key; requests with it are refused from then on.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(project: String, id: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    db::api_keys::revoke(&caller.pool, project_id, id).await?;
    // Other servers hear of it through NOTIFY; this one forgets the key before answering.
    auth::state()?.keys.forget_keys();
    tracing::info!(by = %caller.user.username, project = %project, id, "API key revoked");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ApiKeyRevoked,
        Some(&project),
        &format!("key {id}"),
        "",
    )
    .await;
    Ok(())
}
