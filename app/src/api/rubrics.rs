//! Rubrics of human metrics: a project's managers and owners read them; its owners create and
//! edit them.

use crate::domain::rubric::{RubricInput, RubricView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{membership::ProjectAccess, rubric::RubricDraft},
    server::{auth, db},
};

/// The project's rubrics at their current versions.
#[server(endpoint = "list_rubrics")]
pub async fn list_rubrics(project: String) -> Result<Vec<RubricView>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    db::rubrics::list(&caller.pool, project_id).await
}

/// Creates a rubric (no `id`) or edits one; an edit of a rubric with ratings adds a version.
#[server(endpoint = "save_rubric")]
pub async fn save_rubric(
    project: String,
    id: Option<i64>,
    input: RubricInput,
) -> Result<RubricView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let draft = RubricDraft::parse(&input)?;
    let project_id = caller.project_id;
    let rubric = match id {
        Some(id) => db::rubrics::update(&caller.pool, project_id, id, &draft, caller.user.id).await?,
        None => {
            let id = db::rubrics::insert(&caller.pool, project_id, &draft, caller.user.id).await?;
            db::rubrics::get(&caller.pool, project_id, id).await?
        }
    };
    tracing::info!(by = %caller.user.username, project = %project, rubric = rubric.id, version = rubric.version, "rubric saved");
    Ok(rubric)
}
