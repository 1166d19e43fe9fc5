//! The maturity review as a use case: computing a project's review from its evidence (and noting
//! when the computed stage changes), signing off, attesting, and the managers' overview across
//! projects.

use super::db;
use crate::domain::maturity::history::EventKind;
use crate::domain::maturity::standing::{MaturityRow, ProjectReview};
use crate::domain::maturity::{self, AgreementFacts, Item, Review};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::{Stage, Status};
use crate::domain::metric::MetricView;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Computes the project's review as of `now`, and records a change of the computed stage since
/// the last one recorded.
pub async fn review(pool: &PgPool, project_id: i64, now: DateTime<Utc>) -> Result<ProjectReview, AppError> {
    let thresholds = db::maturity::thresholds(pool, project_id).await?;
    let active = db::metrics::list(
        pool,
        Some(project_id),
        &ParsedFilter {
            status: Some(Status::Active),
            ..ParsedFilter::default()
        },
    )
    .await?;
    let agreement = agreement_facts(pool, project_id, &active).await?;
    let evidence = db::maturity::evidence(pool, project_id, &thresholds, now, &active, agreement).await?;
    let review = maturity::review(&evidence, &thresholds, now.date_naive());
    note_stage(pool, project_id, &review).await?;
    let sign_off = db::maturity::sign_off(pool, project_id).await?;
    let (backed, lapsed) = match &sign_off {
        Some(signed) => (signed.backed_by(&review), review.lapsed(signed.stage)),
        None => (true, Vec::new()),
    };
    Ok(ProjectReview {
        review,
        thresholds,
        sign_off,
        backed,
        lapsed,
    })
}

/// What people's ratings of the active human metrics measure, for the review's evidence.
async fn agreement_facts(
    pool: &PgPool,
    project_id: i64,
    active: &[MetricView],
) -> Result<Vec<AgreementFacts>, AppError> {
    let mut facts = Vec::new();
    for metric in active {
        if let Some(found) = super::annotation::metric_agreement(pool, project_id, metric).await? {
            facts.push(AgreementFacts {
                metric: metric.definition.key.clone(),
                alpha: found
                    .alphas
                    .first()
                    .and_then(|(_, alpha)| alpha.as_ref().ok().copied()),
                items: found.items as u64,
            });
        }
    }
    Ok(facts)
}

/// Records the computed stage when it differs from the last recorded (or none was).
async fn note_stage(pool: &PgPool, project_id: i64, review: &Review) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let last = db::maturity::last_stage_for_update(&mut tx, project_id).await?;
    if last != Some(review.stage) {
        db::maturity::record(
            &mut tx,
            project_id,
            EventKind::StageChange,
            review.stage,
            None,
            "",
            None,
            Some(review),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn note_required(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid(
            "note",
            "say what the sign-off or attestation rests on",
        ));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::invalid("note", "must be at most 2000 characters"));
    }
    Ok(note.to_owned())
}

/// Signs off `stage` with a note, recording the review as it is; only a stage the evidence
/// holds can be signed off.
pub async fn sign_off(
    pool: &PgPool,
    project_id: i64,
    stage: &str,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let stage = Stage::parse(stage)?;
    let note = note_required(note)?;
    let current = review(pool, project_id, now).await?;
    if current.review.stage.is_none_or(|held| held < stage) {
        let missing: Vec<&str> = current.review.lapsed(stage).iter().map(|i| i.label()).collect();
        return Err(AppError::invalid(
            "stage",
            format!(
                "{} is not held yet: {}",
                stage.label(),
                missing.join("; ").to_lowercase()
            ),
        ));
    }
    let mut tx = pool.begin().await?;
    db::maturity::record(
        &mut tx,
        project_id,
        EventKind::SignOff,
        Some(stage),
        None,
        &note,
        Some(by),
        Some(&current.review),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records that the project was reviewed, with an optional note and the review as it is.
pub async fn record_review(
    pool: &PgPool,
    project_id: i64,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(AppError::invalid("note", "must be at most 2000 characters"));
    }
    let current = review(pool, project_id, now).await?;
    let mut tx = pool.begin().await?;
    db::maturity::record(
        &mut tx,
        project_id,
        EventKind::Review,
        current.review.stage,
        None,
        note,
        Some(by),
        Some(&current.review),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Attests `item` with a note.
pub async fn attest(
    pool: &PgPool,
    project_id: i64,
    item: &str,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let item = Item::parse(item)?;
    if !item.attestable() {
        return Err(AppError::invalid(
            "item",
            format!("“{}” is judged on the project's data, not attested", item.label()),
        ));
    }
    let note = note_required(note)?;
    let current = review(pool, project_id, now).await?;
    db::maturity::attest(pool, project_id, item, &note, by, &current.review).await
}

/// The overview row of each of `projects` (slug, name, id).
pub async fn overview(
    pool: &PgPool,
    projects: &[(String, String, i64)],
    now: DateTime<Utc>,
) -> Result<Vec<MaturityRow>, AppError> {
    let mut rows = Vec::with_capacity(projects.len());
    for (slug, name, id) in projects {
        let current = review(pool, *id, now).await?;
        let due = db::metrics::count_review_due(pool, *id, now.date_naive()).await?;
        let impact = super::dashboards::overview(pool, *id, 30, now.date_naive()).await?;
        // Rows come sorted by dollar impact, largest first.
        let top_impact = impact
            .rows
            .first()
            .filter(|r| r.dollar_impact > crate::domain::money::Money::ZERO)
            .map(|r| (r.key.clone(), r.dollar_impact));
        rows.push(MaturityRow {
            slug: slug.clone(),
            name: name.clone(),
            signed_off: current.sign_off.as_ref().map(|s| s.stage),
            computed: current.review.stage,
            backed: current.backed,
            completion: current.review.completion(),
            metrics_due: due,
            top_impact,
            last_reviewed: db::maturity::last_reviewed(pool, *id).await?,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;
