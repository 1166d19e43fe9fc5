//! Golden datasets and eval runs: every reader of the project reads them; managers and owners
//! curate them (create, import, add and remove items, mark reviewed).

use crate::domain::dataset::form::{DatasetForm, ItemForm};
use crate::domain::dataset::health::ThresholdForm;
use crate::domain::dataset::run::RunInfo;
use crate::domain::dataset::{Dataset, Item, Version};
use crate::domain::output_browse::OutputFilter;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::dataset::report::{Change, DuplicatePair, Health, RunComparison, RunMetric, RunView};

#[cfg(feature = "ssr")]
use crate::{
    domain::dataset::edit::Mode,
    domain::membership::ProjectAccess,
    server::{auth, datasets, db},
};

/// Items a dataset page lists (export for all).
pub const PAGE_ITEMS: usize = 500;

/// The datasets page: every dataset and every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetList {
    pub datasets: Vec<Dataset>,
    pub runs: Vec<RunInfo>,
    /// Managers and owners curate datasets.
    pub can_edit: bool,
}

#[server(endpoint = "list_datasets")]
pub async fn list_datasets(project: String) -> Result<DatasetList, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    Ok(DatasetList {
        datasets: db::datasets::list(&caller.pool, caller.project_id).await?,
        runs: db::eval_runs::list(&caller.pool, caller.project_id).await?,
        can_edit: ProjectAccess::Manage.allows(caller.role),
    })
}

/// Creates an empty dataset; answers its name.
#[server(endpoint = "create_dataset")]
pub async fn create_dataset(project: String, input: DatasetForm) -> Result<String, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let (name, description) = input.parse()?;
    db::datasets::create(
        &caller.pool,
        caller.project_id,
        &name,
        &description,
        caller.user.id,
    )
    .await?;
    Ok(name)
}

/// One dataset page: a version's items (the latest unless `version`), its history and runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetPage {
    pub dataset: Dataset,
    pub versions: Vec<Version>,
    /// The version shown (0: no content yet).
    pub shown: i32,
    /// Its first [`PAGE_ITEMS`] items, and how many it has.
    pub items: Vec<Item>,
    pub total: usize,
    pub runs: Vec<RunInfo>,
    pub can_edit: bool,
}

#[server(endpoint = "get_dataset")]
pub async fn get_dataset(
    project: String,
    name: String,
    #[server(default)] version: Option<i32>,
) -> Result<DatasetPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    let mut connection = caller.pool.acquire().await?;
    let (items, shown) = match db::datasets::version_id(&mut connection, dataset.id, version).await? {
        Some((id, number)) => (db::datasets::items(&mut connection, id).await?, number),
        None if version.is_some() => {
            return Err(AppError::NotFound(format!(
                "Version {} of '{name}'",
                version.unwrap_or_default()
            )))
        }
        None => (Vec::new(), 0),
    };
    drop(connection);
    let total = items.len();
    let runs = db::eval_runs::list(&caller.pool, caller.project_id)
        .await?
        .into_iter()
        .filter(|r| r.dataset == dataset.name)
        .collect();
    Ok(DatasetPage {
        versions: db::datasets::versions(&caller.pool, dataset.id).await?,
        dataset,
        shown,
        items: items.into_iter().take(PAGE_ITEMS).map(|(_, i)| i).collect(),
        total,
        runs,
        can_edit: ProjectAccess::Manage.allows(caller.role),
    })
}

/// A file to import: previewed (nothing written) unless `confirm` is "yes".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    pub file_name: String,
    pub text: String,
    /// "upsert" (add new ids, update known ones) or "replace" (the file is the whole content).
    pub mode: String,
    pub note: String,
    pub confirm: String,
    /// With `confirm`: the version the preview was made on; a dataset changed since is refused.
    pub base: String,
}

#[server(endpoint = "import_dataset")]
pub async fn import_dataset(project: String, name: String, input: ImportForm) -> Result<Change, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    let confirm = input.confirm == "yes";
    if let (true, Ok(base)) = (confirm, input.base.trim().parse::<i32>()) {
        if base != dataset.latest {
            return Ok(Change {
                errors: vec![crate::domain::dataset::LineError {
                    line: 0,
                    field: "base".into(),
                    message: format!(
                        "the dataset changed since your preview of version {base} (it is at version {} now): preview again",
                        dataset.latest
                    ),
                }],
                ..Change::default()
            });
        }
    }
    datasets::import(
        &caller.pool,
        &dataset,
        &input.file_name,
        &input.text,
        Mode::parse(&input.mode),
        &input.note,
        caller.user.id,
        confirm,
    )
    .await
}

/// Adds an item written by hand, or updates the item with its id.
#[server(endpoint = "save_dataset_item")]
pub async fn save_dataset_item(project: String, name: String, input: ItemForm) -> Result<Change, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    let item = input.item()?;
    let note = format!("item {} written by hand", item.id);
    let change = datasets::change(
        &caller.pool,
        &dataset,
        datasets::Edit::Apply(vec![(1, item)], Mode::Upsert),
        &note,
        caller.user.id,
        true,
    )
    .await?;
    // A form has one item: its problems are the form's fields.
    match change.errors.first() {
        Some(e) => Err(AppError::invalid(&e.field, e.message.clone())),
        None => Ok(change),
    }
}

/// Writes the next version without the item `item`.
#[server(endpoint = "remove_dataset_item")]
pub async fn remove_dataset_item(project: String, name: String, item: String) -> Result<Change, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    datasets::remove(&caller.pool, &dataset, &item, caller.user.id).await
}

/// Adds outputs to a dataset as items from production: the outputs `ids`, else up to 1,000
/// outputs the browser's `filter` picks.
#[server(endpoint = "add_outputs_to_dataset")]
pub async fn add_outputs_to_dataset(
    project: String,
    name: String,
    #[server(default)] ids: Vec<i64>,
    #[server(default)] filter: Option<OutputFilter>,
) -> Result<Change, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    let ids = match filter {
        Some(filter) if ids.is_empty() => {
            db::output_browse::ids(
                &caller.pool,
                caller.project_id,
                &filter.parse()?,
                datasets::MAX_ADD as i64,
            )
            .await?
        }
        _ => ids,
    };
    datasets::add_outputs(&caller.pool, caller.project_id, &dataset, &ids, caller.user.id).await
}

/// Records that the caller reviewed the dataset and found it current.
#[server(endpoint = "review_dataset")]
pub async fn review_dataset(project: String, name: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    db::datasets::mark_reviewed(&caller.pool, dataset.id, caller.user.id).await
}

#[server(endpoint = "dataset_health")]
pub async fn dataset_health(
    project: String,
    name: String,
    #[server(default)] thresholds: ThresholdForm,
) -> Result<Health, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let dataset = db::datasets::find(&caller.pool, caller.project_id, &name).await?;
    datasets::health(
        &caller.pool,
        caller.project_id,
        &dataset,
        thresholds.parse()?,
        chrono::Utc::now(),
    )
    .await
}

#[server(endpoint = "get_run")]
pub async fn get_run(project: String, run: String) -> Result<RunView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    datasets::run_view(&caller.pool, caller.project_id, &run).await
}

#[server(endpoint = "compare_runs")]
pub async fn compare_runs(project: String, first: String, second: String) -> Result<RunComparison, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    datasets::compare_runs(&caller.pool, caller.project_id, &first, &second).await
}
