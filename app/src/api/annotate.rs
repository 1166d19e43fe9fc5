//! The annotator's workspace. Anyone signed in may call these, but only on queues they are
//! assigned to in projects they still belong to; answers hold the caller's own ratings and
//! nobody else's.

use crate::domain::annotation::work::{QueueSummary, Workspace};
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    domain::role::Access,
    server::{auth, db},
};

/// The caller's queues with their own progress.
#[server(endpoint = "my_queues")]
pub async fn my_queues() -> Result<Vec<QueueSummary>, AppError> {
    let caller = auth::require(Access::SignedIn).await?;
    db::queues::list(&caller.pool, None, Some(caller.user.id)).await
}

/// The caller's item at `position`, or the first one pending.
#[server(endpoint = "work_item")]
pub async fn work_item(queue: i64, position: Option<i64>) -> Result<Workspace, AppError> {
    let caller = auth::require_queue(queue).await?;
    db::ratings::work_item(&caller.pool, queue, caller.user.id, position).await
}

/// Saves the caller's ratings of an item (metric id, level value) and a comment.
#[server(endpoint = "rate_item", input = Json)]
pub async fn rate_item(
    queue: i64,
    assignment: i64,
    ratings: Vec<(i64, f64)>,
    comment: String,
) -> Result<(), AppError> {
    let caller = auth::require_queue(queue).await?;
    crate::domain::text::bounded("comment", &comment, 0, 2_000)?;
    crate::server::annotation::rate(
        &caller.pool,
        queue,
        caller.user.id,
        assignment,
        &ratings,
        &comment,
    )
    .await
}

/// Skips the caller's item.
#[server(endpoint = "skip_item", input = Json)]
pub async fn skip_item(queue: i64, assignment: i64, comment: String) -> Result<(), AppError> {
    let caller = auth::require_queue(queue).await?;
    crate::domain::text::bounded("comment", &comment, 0, 2_000)?;
    crate::server::annotation::skip(&caller.pool, queue, caller.user.id, assignment, &comment).await
}
