//! The OpenTelemetry mapping page: a project's attribute mapping and its recent trace batches.

use crate::domain::otlp::{Mapping, Overview};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, db},
};

/// Batches the page lists.
pub const SHOWN: i64 = 50;

/// The mapping and the newest batches (managers and owners).
#[server(endpoint = "otlp_overview")]
pub async fn otlp_overview(project: String) -> Result<Overview, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    Ok(Overview {
        public_url: auth::state()?.alerting.public_url.clone(),
        mapping: db::otlp::mapping(&caller.pool, caller.project_id).await?,
        batches: db::otlp::recent(&caller.pool, caller.project_id, SHOWN).await?,
    })
}

/// Replaces the mapping (owners); it applies to spans received from then on.
#[server(endpoint = "save_otlp_mapping")]
pub async fn save_otlp_mapping(
    project: String,
    version_attribute: String,
    segments: String,
) -> Result<Mapping, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let mapping = Mapping::parse(&version_attribute, &segments)?;
    db::otlp::set_mapping(&caller.pool, caller.project_id, &mapping).await?;
    tracing::info!(by = %caller.user.username, project = %project, "OTLP mapping changed");
    Ok(mapping)
}
