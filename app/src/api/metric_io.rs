//! Metrics as code (export, import with preview) and the starter catalogue.

use crate::domain::metric::catalogue::TemplateSummary;
use crate::domain::metric::document::ImportPlan;
use crate::domain::metric::MetricView;
use crate::domain::person::Person;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    domain::metric::{catalogue, document},
    domain::role::Access,
    server::{auth, db, metric_lifecycle},
};

/// A project's metric definitions as YAML or JSON text.
#[server(endpoint = "export_metrics")]
pub async fn export_metrics(project: String, format: String) -> Result<String, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let format = document::Format::parse(&format)?;
    let metrics = db::metrics::list(&caller.pool, Some(caller.project_id), &Default::default()).await?;
    document::write_file(format, &document::file_of(project.trim(), &metrics))
}

/// What importing `text` would change, with every error by item and field. Changes nothing.
#[server(endpoint = "preview_import")]
pub async fn preview_import(project: String, format: String, text: String) -> Result<ImportPlan, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    plan_import(&caller.pool, caller.project_id, &format, &text).await
}

/// Imports `text`: creates or updates each metric by key, all or nothing.
#[server(endpoint = "apply_import")]
pub async fn apply_import(project: String, format: String, text: String) -> Result<ImportPlan, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let project_id = caller.project_id;
    let plan = plan_import(&caller.pool, project_id, &format, &text).await?;
    if let Some(first) = plan.errors.first() {
        return Err(AppError::invalid(
            "file",
            format!(
                "{} error(s); nothing was imported. First: item {} ({}), {}: {}",
                plan.errors.len(),
                first.index + 1,
                first.key,
                first.field,
                first.message
            ),
        ));
    }
    let mut tx = caller
        .pool
        .begin()
        .await
        .map_err(|e| AppError::internal("begin import", e))?;
    for (item, definition) in plan.items.iter().zip(&plan.definitions) {
        match item.change {
            document::PlannedChange::Create => {
                metric_lifecycle::create_in(&mut tx, project_id, definition, caller.user.id).await?;
            }
            document::PlannedChange::Update(_) => {
                metric_lifecycle::update_in(&mut tx, project_id, &definition.key, definition, caller.user.id)
                    .await?;
            }
            document::PlannedChange::Unchanged => {}
        }
    }
    tx.commit()
        .await
        .map_err(|e| AppError::internal("commit import", e))?;
    Ok(plan)
}

#[cfg(feature = "ssr")]
async fn plan_import(
    pool: &sqlx::PgPool,
    project_id: i64,
    format: &str,
    text: &str,
) -> Result<ImportPlan, AppError> {
    if text.len() > 2 * 1024 * 1024 {
        return Err(AppError::invalid("file", "is larger than 2 MiB"));
    }
    let format = document::Format::parse(format)?;
    let file = document::read_file(format, text)?;
    let existing = db::metrics::list(pool, Some(project_id), &Default::default()).await?;
    let mut plan = document::plan(&file, &existing);
    let people = db::members::people(pool, project_id).await?;
    let mut kept = Vec::new();
    for (item, definition) in plan.items.drain(..).zip(plan.definitions.drain(..)) {
        if people.iter().any(|person| person.username == definition.owner) {
            kept.push((item, definition));
        } else {
            plan.errors.push(document::ItemError {
                index: item.index,
                key: item.key,
                field: "owner".into(),
                message: format!(
                    "'{}' is not an active member of this project (nor an admin)",
                    definition.owner
                ),
            });
        }
    }
    (plan.items, plan.definitions) = kept.into_iter().unzip();
    plan.errors.sort_by_key(|error| error.index);
    Ok(plan)
}

/// The starter catalogue.
#[server(endpoint = "metric_templates")]
pub async fn metric_templates() -> Result<Vec<TemplateSummary>, AppError> {
    auth::require(Access::SignedIn).await?;
    Ok(catalogue::templates()
        .iter()
        .map(catalogue::Template::summary)
        .collect())
}

/// Adds a catalogue template to a project as a draft owned by the caller.
#[server(endpoint = "add_template")]
pub async fn add_template(project: String, template: String) -> Result<MetricView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let template = catalogue::template(template.trim())
        .ok_or_else(|| AppError::invalid("template", "is not in the catalogue"))?;
    let project_id = caller.project_id;
    let review = chrono::Utc::now().date_naive() + chrono::Duration::days(catalogue::FIRST_REVIEW_DAYS);
    let definition = template.to_input(&caller.user.username, review).parse()?;
    metric_lifecycle::create(&caller.pool, project_id, &definition, caller.user.id).await
}

/// The people who may own metrics, for owner pickers: the project's members and the admins, or
/// (no project: a list spanning the caller's projects) everyone who shares a project with the
/// caller.
#[server(endpoint = "list_people")]
pub async fn list_people(project: String) -> Result<Vec<Person>, AppError> {
    if project.trim().is_empty() {
        let caller = auth::require(Access::SignedIn).await?;
        return db::members::people_near(&caller.pool, caller.user.id, caller.user.role.is_admin()).await;
    }
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    db::members::people(&caller.pool, caller.project_id).await
}
