//! Browsing stored outputs: a project's managers and owners (viewers read metrics and
//! dashboards, annotators only their queues).

use crate::domain::output_browse::{OutputDetail, OutputFilter, OutputPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{membership::ProjectAccess, metric::filter::ParsedFilter},
    server::{auth, db},
};

/// A page of a project's outputs, newest first, with the versions and metrics to filter by.
#[server(endpoint = "list_outputs")]
pub async fn list_outputs(
    project: String,
    #[server(default)] filter: OutputFilter,
) -> Result<OutputPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    let parsed = filter.parse()?;
    let (rows, next_before) = db::output_browse::list(&caller.pool, project_id, &parsed).await?;
    let metrics = db::metrics::list(&caller.pool, Some(project_id), &ParsedFilter::default())
        .await?
        .into_iter()
        .map(|m| (m.definition.key, m.definition.name))
        .collect();
    Ok(OutputPage {
        rows,
        next_before,
        versions: db::output_browse::versions(&caller.pool, project_id).await?,
        metrics,
    })
}

/// One output with its conversation, metadata and scores.
#[server(endpoint = "get_output")]
pub async fn get_output(project: String, id: i64) -> Result<OutputDetail, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    db::output_browse::detail(&caller.pool, project_id, id).await
}
