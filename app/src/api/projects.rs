//! Projects: everyone signed in reads them; admins and owners create them.

use crate::domain::project::ProjectView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{project::NewProject, role::Access},
    server::{auth, db},
};

/// Every project.
#[server(endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectView>, AppError> {
    let caller = auth::require(Access::SignedIn).await?;
    db::projects::list(&caller.pool).await
}

/// One project by its slug.
#[server(endpoint = "get_project")]
pub async fn get_project(slug: String) -> Result<ProjectView, AppError> {
    let caller = auth::require(Access::SignedIn).await?;
    db::projects::find_by_slug(&caller.pool, slug.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Project '{slug}'")))
}

/// Creates a project.
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
    Ok(created)
}
