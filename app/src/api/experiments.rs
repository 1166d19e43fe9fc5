//! A/B tests: every reader of the project reads them; managers and owners run them (create and
//! stop), as they run the releases they compare.

use crate::domain::experiment::analysis::ExperimentView;
use crate::domain::experiment::design::ExperimentForm;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, db, experiments},
};

/// The experiments page: every experiment with its verdict, and what the form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentList {
    pub experiments: Vec<ExperimentView>,
    /// The project's metrics (key, name).
    pub metrics: Vec<(String, String)>,
    pub versions: Vec<String>,
    /// Managers and owners may create and stop experiments.
    pub can_run: bool,
}

/// The project's experiments, running first.
#[server(endpoint = "list_experiments")]
pub async fn list_experiments(project: String) -> Result<ExperimentList, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let today = chrono::Utc::now().date_naive();
    let metrics = db::metrics::list(&caller.pool, Some(caller.project_id), &Default::default())
        .await?
        .into_iter()
        .map(|m| (m.definition.key, m.definition.name))
        .collect();
    Ok(ExperimentList {
        experiments: experiments::list(&caller.pool, caller.project_id, today).await?,
        metrics,
        versions: db::output_browse::versions(&caller.pool, caller.project_id).await?,
        can_run: ProjectAccess::Manage.allows(caller.role),
    })
}

/// Creates an experiment; answers its key.
#[server(endpoint = "create_experiment")]
pub async fn create_experiment(project: String, input: ExperimentForm) -> Result<String, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let today = chrono::Utc::now().date_naive();
    experiments::create(&caller.pool, caller.project_id, &input, today, caller.user.id).await
}

/// One experiment, read as of today.
#[server(endpoint = "get_experiment")]
pub async fn get_experiment(project: String, key: String) -> Result<ExperimentView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    experiments::view(
        &caller.pool,
        caller.project_id,
        &key,
        chrono::Utc::now().date_naive(),
    )
    .await
}

/// Ends an experiment today (its arms stop being counted after today).
#[server(endpoint = "stop_experiment")]
pub async fn stop_experiment(project: String, key: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    db::experiments::stop(
        &caller.pool,
        caller.project_id,
        &key,
        chrono::Utc::now().date_naive(),
    )
    .await
}
