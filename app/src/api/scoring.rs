//! Scoring after ingest: a project's LLM endpoints and a metric's re-scoring jobs.

use crate::domain::endpoint::EndpointsView;
use crate::domain::scoring_job::JobView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{
        endpoint::{self, EndpointFields},
        membership::ProjectAccess,
        metric::kinds::Status,
        scoring_job::{parse_range, JobReason},
    },
    server::{auth, db},
};

/// The project's endpoints; keys only as "set" or not.
#[server(endpoint = "get_endpoints")]
pub async fn get_endpoints(project: String) -> Result<EndpointsView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    db::endpoints::view(&caller.pool, project_id).await
}

/// The endpoints form as submitted (`input[chat_url]`, …); a ticked "clear" box sends "on".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EndpointsInput {
    pub chat_url: String,
    pub chat_model: String,
    pub chat_key: String,
    #[serde(default)]
    pub chat_clear_key: Option<String>,
    pub embeddings_url: String,
    pub embeddings_model: String,
    pub embeddings_key: String,
    #[serde(default)]
    pub embeddings_clear_key: Option<String>,
    pub timeout_ms: String,
}

/// Saves the endpoints. An empty key field keeps the stored key; a ticked "clear" removes it.
#[server(endpoint = "save_endpoints")]
pub async fn save_endpoints(project: String, input: EndpointsInput) -> Result<EndpointsView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    let chat = EndpointFields {
        url: input.chat_url,
        model: input.chat_model,
        key: input.chat_key,
        clear_key: input.chat_clear_key.is_some(),
    };
    let embeddings = EndpointFields {
        url: input.embeddings_url,
        model: input.embeddings_model,
        key: input.embeddings_key,
        clear_key: input.embeddings_clear_key.is_some(),
    };
    let parsed = endpoint::parse(&chat, &embeddings, &input.timeout_ms)?;
    db::endpoints::save(&caller.pool, project_id, &parsed, caller.user.id).await?;
    tracing::info!(by = %caller.user.username, project = %project, "LLM endpoints saved");
    let keys = [
        ("chat key", &parsed.chat.key),
        ("embeddings key", &parsed.embeddings.key),
    ]
    .iter()
    .filter_map(|(what, change)| match change {
        crate::domain::endpoint::KeyChange::Replace(_) => Some(format!("{what} replaced")),
        crate::domain::endpoint::KeyChange::Clear => Some(format!("{what} cleared")),
        crate::domain::endpoint::KeyChange::Keep => None,
    })
    .collect::<Vec<_>>()
    .join(", ");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::EndpointsSaved,
        Some(&project),
        "LLM endpoints",
        keys,
    )
    .await;
    db::endpoints::view(&caller.pool, project_id).await
}

/// The latest re-scoring jobs of a metric.
#[server(endpoint = "list_scoring_jobs")]
pub async fn list_scoring_jobs(project: String, key: String) -> Result<Vec<JobView>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    let metric = db::metrics::get(&caller.pool, project_id, &key).await?;
    db::scoring_jobs::of_metric(&caller.pool, metric.id, 10).await
}

/// Scores the outputs of a date range (`to` empty: up to now) with an active automated metric.
#[server(endpoint = "start_scoring_job")]
pub async fn start_scoring_job(
    project: String,
    key: String,
    from: String,
    to: String,
) -> Result<i64, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    let metric = db::metrics::get(&caller.pool, project_id, &key).await?;
    if metric.status != Status::Active {
        return Err(AppError::invalid(
            "metric",
            "only an active metric can score outputs; activate it first",
        ));
    }
    if !metric.definition.scorer.is_scored_here() {
        let why = if metric.definition.scorer.is_people() {
            "people score this metric in annotation queues"
        } else {
            "this metric's scores are computed elsewhere and reported with the outputs"
        };
        return Err(AppError::invalid("metric", why));
    }
    let range = parse_range(&from, &to, chrono::Utc::now())?;
    let mut connection = caller.pool.acquire().await.map_err(db::database)?;
    let id = db::scoring_jobs::enqueue_in(
        &mut connection,
        project_id,
        metric.id,
        JobReason::Requested,
        range,
        Some(caller.user.id),
    )
    .await?;
    tracing::info!(by = %caller.user.username, project = %project, metric = %key, job = id, "re-scoring requested");
    Ok(id)
}
