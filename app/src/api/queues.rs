//! Annotation queues as a project's managers and owners see them: create, list with progress,
//! agreement, adjudication.

use crate::domain::annotation::agreement::Agreement;
use crate::domain::annotation::queue::QueueInput;
use crate::domain::annotation::work::{AnnotatorProgress, QueueSummary};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::{
        annotation::{
            agreement::{agreement, RatedMetricInfo},
            queue::QueueDraft,
        },
        membership::{ProjectAccess, ProjectRole},
    },
    server::{auth, db},
};

/// What the queue form offers: human metrics with a rubric, automated metrics and people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueFormChoices {
    pub human_metrics: Vec<String>,
    pub automated_metrics: Vec<String>,
    pub feedback_metrics: Vec<String>,
    pub annotators: Vec<String>,
}

/// A queue's page: progress overall and per annotator, and agreement per metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueReportView {
    pub queue: QueueSummary,
    pub annotators: Vec<AnnotatorProgress>,
    pub agreements: Vec<Agreement>,
    /// The outputs whose final label on one of the queue's metrics fails, to collect into a
    /// dataset.
    pub failed: Vec<i64>,
}

/// Every queue of the project with progress.
#[server(endpoint = "list_queues")]
pub async fn list_queues(project: String) -> Result<Vec<QueueSummary>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    db::queues::list(&caller.pool, Some(project_id), None).await
}

/// The choices of the queue form.
#[server(endpoint = "queue_choices")]
pub async fn queue_choices(project: String) -> Result<QueueFormChoices, AppError> {
    use crate::domain::metric::scorer::ScorerSpec;
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    let metrics = db::metrics::list(&caller.pool, Some(project_id), &Default::default()).await?;
    let keys = |keep: fn(&ScorerSpec) -> bool| {
        metrics
            .iter()
            .filter(|m| keep(&m.definition.scorer))
            .map(|m| m.definition.key.clone())
            .collect()
    };
    let annotators =
        db::members::usernames_with_role(&caller.pool, project_id, ProjectRole::Annotator).await?;
    Ok(QueueFormChoices {
        human_metrics: keys(|s| matches!(s, ScorerSpec::Human { rubric_id: Some(_) })),
        automated_metrics: keys(ScorerSpec::is_automated),
        feedback_metrics: keys(|s| s.scale().is_some()),
        annotators,
    })
}

/// Creates a queue; the project's managers and owners.
#[server(endpoint = "create_queue")]
pub async fn create_queue(project: String, input: QueueInput) -> Result<i64, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let draft = QueueDraft::parse(&input)?;
    let project_id = caller.project_id;
    let id = db::queues::insert(&caller.pool, project_id, &draft, caller.user.id).await?;
    tracing::info!(by = %caller.user.username, project = %project, queue = id, "annotation queue created");
    Ok(id)
}

/// A queue's progress and agreement, with every annotator's ratings (managers and owners).
#[server(endpoint = "queue_report")]
pub async fn queue_report(project: String, id: i64) -> Result<QueueReportView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let project_id = caller.project_id;
    let queue = db::queues::get(&caller.pool, project_id, id).await?;
    let mut agreements = Vec::new();
    for metric in db::ratings::queue_metrics(&caller.pool, id).await? {
        let ratings = db::adjudications::of_metric(&caller.pool, metric.metric_id, Some(id)).await?;
        let adjudicated = db::adjudications::adjudicated(&caller.pool, id, metric.metric_id).await?;
        let info = RatedMetricInfo {
            metric_id: metric.metric_id,
            key: metric.key,
            name: metric.name,
            scale: metric.rubric.scale,
            levels: metric.rubric.levels,
        };
        agreements.push(agreement(info, &ratings, &adjudicated));
    }
    Ok(QueueReportView {
        failed: db::queues::failed_outputs(&caller.pool, id).await?,
        annotators: db::queues::progress_by_annotator(&caller.pool, id).await?,
        queue,
        agreements,
    })
}

/// Agreement on a human metric over every queue that rated it (items are outputs); `None` for
/// other metrics.
#[server(endpoint = "metric_agreement")]
pub async fn metric_agreement(project: String, key: String) -> Result<Option<Agreement>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let metric = db::metrics::get(&caller.pool, caller.project_id, &key).await?;
    crate::server::annotation::metric_agreement(&caller.pool, caller.project_id, &metric).await
}

/// Sets the final label of a disputed item; the project's managers and owners.
#[server(endpoint = "adjudicate")]
pub async fn adjudicate(
    project: String,
    queue: i64,
    item: i64,
    metric: i64,
    value: String,
    note: String,
) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("value", "choose a level"))?;
    let project_id = caller.project_id;
    db::queues::get(&caller.pool, project_id, queue).await?;
    crate::server::annotation::adjudicate(&caller.pool, queue, item, metric, value, &note, caller.user.id)
        .await?;
    tracing::info!(by = %caller.user.username, queue, item, metric, "adjudicated");
    Ok(())
}
