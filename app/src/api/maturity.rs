//! The crawl-walk-run review: reading it (every reader of the project), keeping the known
//! challenges (managers and owners), attesting, reviewing and signing off (managers and
//! admins), and the managers' overview of every project they belong to.

use crate::domain::maturity::challenge::Challenge;
use crate::domain::maturity::history::MaturityEvent;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::maturity::standing::{MaturityRow, ProjectReview};

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, db, maturity},
};

/// The review page: the review, the challenges, the history, and what the caller may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPage {
    pub name: String,
    pub review: ProjectReview,
    pub challenges: Vec<Challenge>,
    pub history: Vec<MaturityEvent>,
    /// Whether the caller may attest, review and sign off (managers and admins).
    pub can_sign: bool,
    /// Whether the caller may edit the challenges (managers and owners).
    pub can_edit_challenges: bool,
}

/// The project's review as of now.
#[server(endpoint = "get_review")]
pub async fn get_review(project: String) -> Result<ReviewPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let now = chrono::Utc::now();
    let review = maturity::review(&caller.pool, caller.project_id, now).await?;
    let name = db::projects::find_by_id(&caller.pool, caller.project_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(ReviewPage {
        name,
        review,
        challenges: db::maturity::challenges(&caller.pool, caller.project_id).await?,
        history: db::maturity::history(&caller.pool, caller.project_id, 50).await?,
        can_sign: ProjectAccess::Review
            .decide(&project, caller.user.role.is_admin(), Some(caller.role))
            .is_ok(),
        can_edit_challenges: ProjectAccess::Manage.allows(caller.role),
    })
}

/// Adds a known challenge (`id` 0) or changes one.
#[server(endpoint = "save_challenge")]
pub async fn save_challenge(
    project: String,
    id: i64,
    title: String,
    hypothesis: String,
    goal: String,
    metrics: String,
) -> Result<i64, AppError> {
    use crate::domain::maturity::challenge::ChallengeDraft;
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    let draft = ChallengeDraft::parse(&title, &hypothesis, &goal, &metrics)?;
    db::maturity::save_challenge(
        &caller.pool,
        caller.project_id,
        (id != 0).then_some(id),
        &draft,
        caller.user.id,
    )
    .await
}

/// Deletes a known challenge.
#[server(endpoint = "delete_challenge")]
pub async fn delete_challenge(project: String, id: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    db::maturity::delete_challenge(&caller.pool, caller.project_id, id).await
}

/// Attests an item the data cannot show, with a note.
#[server(endpoint = "attest_item")]
pub async fn attest_item(project: String, item: String, note: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Review).await?;
    maturity::attest(
        &caller.pool,
        caller.project_id,
        &item,
        &note,
        caller.user.id,
        chrono::Utc::now(),
    )
    .await
}

/// Withdraws an attestation.
#[server(endpoint = "withdraw_attestation")]
pub async fn withdraw_attestation(project: String, item: String) -> Result<(), AppError> {
    use crate::domain::maturity::Item;
    let caller = auth::require_project(&project, ProjectAccess::Review).await?;
    db::maturity::withdraw(
        &caller.pool,
        caller.project_id,
        Item::parse(&item)?,
        caller.user.id,
    )
    .await
}

/// Signs off a stage the evidence holds, with a note.
#[server(endpoint = "sign_off_stage")]
pub async fn sign_off_stage(project: String, stage: String, note: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Review).await?;
    maturity::sign_off(
        &caller.pool,
        caller.project_id,
        &stage,
        &note,
        caller.user.id,
        chrono::Utc::now(),
    )
    .await
}

/// Records that the project was reviewed.
#[server(endpoint = "record_review")]
pub async fn record_review(project: String, note: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Review).await?;
    maturity::record_review(
        &caller.pool,
        caller.project_id,
        &note,
        caller.user.id,
        chrono::Utc::now(),
    )
    .await
}

/// Sets the review's thresholds (managers and admins).
#[server(endpoint = "set_maturity_thresholds")]
pub async fn set_maturity_thresholds(
    project: String,
    thresholds: crate::domain::maturity::Thresholds,
) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Review).await?;
    db::maturity::set_thresholds(&caller.pool, caller.project_id, &thresholds.check()?).await
}

/// Every project the caller reads (viewers, managers and owners; admins, all), with its stages.
#[server(endpoint = "maturity_overview")]
pub async fn maturity_overview() -> Result<Vec<MaturityRow>, AppError> {
    let caller = auth::require(crate::domain::role::Access::SignedIn).await?;
    let projects: Vec<(String, String, i64)> = auth::projects_of(&caller.pool, &caller.user)
        .await?
        .into_iter()
        .filter(|p| ProjectAccess::Read.allows(p.role))
        .map(|p| (p.project.slug, p.project.name, p.project.id))
        .collect();
    maturity::overview(&caller.pool, &projects, chrono::Utc::now()).await
}
