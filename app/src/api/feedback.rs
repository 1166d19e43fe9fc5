//! End users' feedback as pages read it: the negative answers with a comment, per metric and
//! version, searchable.

use crate::domain::feedback::{CommentFilter, FeedbackView};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, db},
};

/// A page of negative comments and what the filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentsPage {
    pub comments: Vec<FeedbackView>,
    /// The project's feedback metrics (key, name).
    pub metrics: Vec<(String, String)>,
    pub versions: Vec<String>,
    /// Pass as `before` for the next (older) page; `None` on the last.
    pub next_before: Option<i64>,
}

/// The project's negative feedback with comments, newest first (managers and owners: comments
/// are what end users wrote).
#[server(endpoint = "feedback_comments")]
pub async fn feedback_comments(
    project: String,
    #[server(default)] filter: CommentFilter,
) -> Result<CommentsPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    if filter.search.chars().count() > 200 {
        return Err(AppError::invalid("search", "must be at most 200 characters"));
    }
    let comments = db::feedback::negative_comments(&caller.pool, project_id, &filter).await?;
    let next_before = (comments.len() as i64 == crate::domain::feedback::COMMENTS_PAGE)
        .then(|| comments.last().map(|c| c.id))
        .flatten();
    let metrics = db::metrics::list(&caller.pool, Some(project_id), &Default::default())
        .await?
        .into_iter()
        .filter(|m| m.definition.scorer.scale().is_some())
        .map(|m| (m.definition.key, m.definition.name))
        .collect();
    Ok(CommentsPage {
        comments,
        metrics,
        versions: db::output_browse::versions(&caller.pool, project_id).await?,
        next_before,
    })
}
