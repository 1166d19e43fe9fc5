//! Projects: each caller sees the projects they belong to (admins: every one); admins and
//! users whose global role is owner create them, and become their first owner.

use crate::domain::project::{ProjectListing, ProjectView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{membership::ProjectAccess, project::NewProject, role::Access},
    server::{auth, db},
};

/// The caller's projects with their role in each; admins see every project, as owners.
#[server(endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectListing>, AppError> {
    let caller = auth::require(Access::SignedIn).await?;
    auth::projects_of(&caller.pool, &caller.user).await
}

/// One project by its slug, for its viewers, managers and owners.
#[server(endpoint = "get_project")]
pub async fn get_project(slug: String) -> Result<ProjectView, AppError> {
    let caller = auth::require_project(&slug, ProjectAccess::Read).await?;
    db::projects::find_by_id(&caller.pool, caller.project_id)
        .await?
        .ok_or_else(|| crate::domain::membership::not_found(&slug))
}

/// Creates a project; the caller becomes its first owner.
#[server(endpoint = "create_project")]
pub async fn create_project(
    name: String,
    slug: String,
    description: String,
    purpose: String,
) -> Result<ProjectView, AppError> {
    let caller = auth::require(Access::EDITOR).await?;
    let project = NewProject::parse(&name, &slug, &description, &purpose)?;
    let created = db::projects::insert(&caller.pool, &project, caller.user.id).await?;
    tracing::info!(by = %caller.user.username, project = %created.slug, "project created");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ProjectCreated,
        Some(&created.slug),
        &created.name,
        "",
    )
    .await;
    Ok(created)
}
