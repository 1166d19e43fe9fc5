//! The review as a use case: signing off only what the evidence holds, the snapshot kept as it
//! was, a sign-off that lapses when the evidence goes, and computed-stage changes recorded once.

use super::*;
use crate::domain::maturity::ItemState;
use crate::server::db::fixture::{active_no_delve, fixture, ingest, Fixture};
use chrono::Duration;
use serde_json::json;

/// A project that holds crawl: a purpose, an owned active metric, traffic today, and an
/// attested golden dataset.
async fn crawling(pool: &PgPool) -> Fixture {
    let f = fixture(pool).await;
    sqlx::query("UPDATE projects SET purpose = 'Answer support tickets in German.' WHERE id = $1")
        .bind(f.project)
        .execute(pool)
        .await
        .unwrap();
    active_no_delve(pool, &f, "no-delve").await;
    ingest(
        pool,
        f.project,
        vec![json!({"version": "v1", "output": "Gern.", "timestamp": Utc::now()})],
    )
    .await;
    attest(
        pool,
        f.project,
        "golden-dataset",
        "120 tickets with answers",
        f.owner,
        Utc::now(),
    )
    .await
    .unwrap();
    f
}

#[sqlx::test(migrations = "../migrations")]
async fn a_sign_off_keeps_its_snapshot_and_lapses_when_the_evidence_goes(pool: PgPool) {
    let f = crawling(&pool).await;
    let now = Utc::now();
    let today = review(&pool, f.project, now).await.unwrap();
    assert_eq!(today.review.stage, Some(Stage::Crawl));
    assert!(today.sign_off.is_none() && today.backed);

    let refused = sign_off(&pool, f.project, "walk", "ready", f.owner, now)
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some("stage"));
    assert!(refused.message().contains("known challenges"), "{refused}");
    let data_item = attest(&pool, f.project, "recent-outputs", "trust me", f.owner, now)
        .await
        .unwrap_err();
    assert_eq!(
        data_item.field(),
        Some("item"),
        "what the data shows is not attested"
    );
    let unnoted = sign_off(&pool, f.project, "crawl", "  ", f.owner, now)
        .await
        .unwrap_err();
    assert_eq!(unnoted.field(), Some("note"));
    assert_eq!(
        db::maturity::sign_off(&pool, f.project).await.unwrap(),
        None,
        "nothing recorded"
    );

    sign_off(
        &pool,
        f.project,
        "crawl",
        "Logging and a first metric are in place.",
        f.owner,
        now,
    )
    .await
    .unwrap();
    // Three weeks without traffic: crawl is no longer held.
    let later = review(&pool, f.project, now + Duration::days(21)).await.unwrap();
    assert_eq!(later.review.stage, None);
    assert!(!later.backed);
    assert_eq!(later.lapsed, [Item::RecentOutputs]);
    let signed = later.sign_off.unwrap();
    assert_eq!((signed.stage, signed.by.as_str()), (Stage::Crawl, "Otto Owner"));
    assert_eq!(
        signed.snapshot, today.review,
        "the snapshot is the review as it was"
    );
    let outputs = signed
        .snapshot
        .items
        .iter()
        .find(|i| i.item == Item::RecentOutputs)
        .unwrap();
    assert_eq!(outputs.state, ItemState::Met);
}

#[sqlx::test(migrations = "../migrations")]
async fn computed_stage_changes_are_recorded_once_each(pool: PgPool) {
    let f = fixture(&pool).await;
    let now = Utc::now();
    review(&pool, f.project, now).await.unwrap();
    review(&pool, f.project, now).await.unwrap();
    let changes = |events: Vec<crate::domain::maturity::history::MaturityEvent>| -> Vec<Option<Stage>> {
        events
            .into_iter()
            .filter(|e| e.kind == EventKind::StageChange)
            .map(|e| e.stage)
            .collect()
    };
    assert_eq!(
        changes(db::maturity::history(&pool, f.project, 10).await.unwrap()),
        [None]
    );
    sqlx::query("UPDATE projects SET purpose = 'Answer support tickets in German.' WHERE id = $1")
        .bind(f.project)
        .execute(&pool)
        .await
        .unwrap();
    active_no_delve(&pool, &f, "no-delve").await;
    ingest(
        &pool,
        f.project,
        vec![json!({"version": "v1", "output": "Gern.", "timestamp": now})],
    )
    .await;
    attest(&pool, f.project, "golden-dataset", "120 tickets", f.owner, now)
        .await
        .unwrap();
    review(&pool, f.project, now).await.unwrap();
    assert_eq!(
        changes(db::maturity::history(&pool, f.project, 10).await.unwrap()),
        [Some(Stage::Crawl), None],
        "newest first"
    );
    record_review(&pool, f.project, "Quarterly look", f.owner, now)
        .await
        .unwrap();
    assert!(db::maturity::last_reviewed(&pool, f.project)
        .await
        .unwrap()
        .is_some());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_has_a_row_per_project_with_its_stages(pool: PgPool) {
    let f = crawling(&pool).await;
    let now = Utc::now();
    sign_off(&pool, f.project, "crawl", "ok", f.owner, now)
        .await
        .unwrap();
    let rows = overview(&pool, &[("bot".into(), "Support bot".into(), f.project)], now)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.signed_off, row.computed, row.backed),
        (Some(Stage::Crawl), Some(Stage::Crawl), true)
    );
    assert_eq!(row.completion.1, 14);
    assert!(row.last_reviewed.is_some());
    assert_eq!(row.metrics_due, 0);
}
