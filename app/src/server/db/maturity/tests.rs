//! Database tests of the review's storage and evidence: what the evidence queries find on a
//! seeded project, challenges checked and kept per project, attestations that expire, and the
//! history.

use super::*;
use crate::server::db::fixture::{active_no_delve, fixture, ingest, second_project, Fixture};
use chrono::Duration;
use serde_json::json;

async fn with_purpose(pool: &PgPool, f: &Fixture) {
    sqlx::query("UPDATE projects SET purpose = 'Answer support tickets in German.' WHERE id = $1")
        .bind(f.project)
        .execute(pool)
        .await
        .unwrap();
}

/// The evidence of `project` as of `now`, with its active metrics as the use case lists them.
async fn evidence_of(
    pool: &PgPool,
    project: i64,
    now: DateTime<Utc>,
    agreement: Vec<AgreementFacts>,
) -> Evidence {
    let active = crate::server::db::metrics::list(
        pool,
        Some(project),
        &crate::domain::metric::filter::ParsedFilter {
            status: Some(crate::domain::metric::kinds::Status::Active),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    evidence(pool, project, &Thresholds::default(), now, &active, agreement)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_evidence_reflects_the_projects_data(pool: PgPool) {
    let f = fixture(&pool).await;
    with_purpose(&pool, &f).await;
    active_no_delve(&pool, &f, "no-delve").await;
    active_no_delve(&pool, &f, "old-tone").await;
    crate::server::metric_lifecycle::set_status(
        &pool,
        f.project,
        "old-tone",
        crate::domain::metric::kinds::Status::Retired,
        "nobody acted on it",
        f.owner,
    )
    .await
    .unwrap();
    let now = Utc::now();
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gern.", "timestamp": now - Duration::hours(2)}),
            json!({"version": "v1", "output": "Bitte.", "timestamp": now - Duration::days(1)}),
            json!({"version": "v1", "output": "Alt.", "timestamp": now - Duration::days(10)}),
        ],
    )
    .await;
    let draft = ChallengeDraft::parse(
        "Replies sound machine-written",
        "Prompt v1 copies phrases",
        "Customers trust us",
        "no-delve",
    )
    .unwrap();
    save_challenge(&pool, f.project, None, &draft, f.owner)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO maturity_attestations (project_id, item, note, attested_by, attested_at)
         VALUES ($1, 'monitors', 'old', $2, now() - interval '100 days'),
                ($1, 'golden-dataset', 'In the team drive', $2, now() - interval '1 day')",
    )
    .bind(f.project)
    .bind(f.owner)
    .execute(&pool)
    .await
    .unwrap();

    let measured = vec![AgreementFacts {
        metric: "tone".into(),
        alpha: Some(0.81),
        items: 40,
    }];
    let found = evidence_of(&pool, f.project, now, measured.clone()).await;
    assert_eq!(
        found.agreement, measured,
        "the agreement is the caller's, passed through"
    );
    assert_eq!(found.purpose, "Answer support tickets in German.");
    assert_eq!(found.outputs_recent, 2, "the last 7 days only");
    assert!(found.last_output.unwrap() > now - Duration::hours(3));
    let keys: Vec<(&str, bool)> = found
        .active
        .iter()
        .map(|m| (m.key.as_str(), m.has_goal))
        .collect();
    assert_eq!(keys, [("no-delve", true)]);
    assert_eq!(found.retired_or_revised, ["old-tone"]);
    assert_eq!(found.challenges.len(), 1);
    assert_eq!(found.challenges[0].metrics, ["no-delve"]);
    let attested: Vec<Item> = found.attestations.iter().map(|a| a.item).collect();
    assert_eq!(
        attested,
        [Item::GoldenDataset],
        "the 100-day-old attestation has expired"
    );
    assert_eq!(found.attestations[0].by, "Otto Owner");
    assert_eq!((found.ratings_recent, found.rated_outputs), (0, 0));
    let later = evidence_of(&pool, f.project, now + Duration::days(8), Vec::new()).await;
    assert_eq!(later.outputs_recent, 0, "a week without traffic");
}

#[sqlx::test(migrations = "../migrations")]
async fn challenges_are_checked_and_kept_per_project(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    let draft = |title: &str, metrics: &str| ChallengeDraft::parse(title, "why", "goal", metrics).unwrap();
    let unknown = save_challenge(&pool, f.project, None, &draft("Drift", "nope"), f.owner)
        .await
        .unwrap_err();
    assert_eq!(unknown.field(), Some("metrics"));
    assert!(
        challenges(&pool, f.project).await.unwrap().is_empty(),
        "nothing half-written"
    );
    let id = save_challenge(&pool, f.project, None, &draft("Drift", "no-delve"), f.owner)
        .await
        .unwrap();
    let taken = save_challenge(&pool, f.project, None, &draft("Drift", ""), f.owner)
        .await
        .unwrap_err();
    assert_eq!(taken.field(), Some("title"));
    save_challenge(&pool, f.project, Some(id), &draft("Drift late", ""), f.owner)
        .await
        .unwrap();
    let stored = challenges(&pool, f.project).await.unwrap();
    assert_eq!(
        (stored[0].title.as_str(), stored[0].metrics.len()),
        ("Drift late", 0)
    );
    let legal = second_project(&pool, &f).await;
    assert!(matches!(
        save_challenge(&pool, legal, Some(id), &draft("Theirs", ""), f.owner).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        delete_challenge(&pool, legal, id).await,
        Err(AppError::NotFound(_))
    ));
    delete_challenge(&pool, f.project, id).await.unwrap();
    assert!(challenges(&pool, f.project).await.unwrap().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn attestations_and_withdrawals_are_history(pool: PgPool) {
    let f = fixture(&pool).await;
    let review = crate::domain::maturity::review(
        &Evidence::default(),
        &Thresholds::default(),
        Utc::now().date_naive(),
    );
    attest(
        &pool,
        f.project,
        Item::Monitors,
        "PagerDuty on the error rate",
        f.owner,
        &review,
    )
    .await
    .unwrap();
    attest(
        &pool,
        f.project,
        Item::Monitors,
        "Slack #bot-alerts",
        f.owner,
        &review,
    )
    .await
    .unwrap();
    let evidence = evidence_of(&pool, f.project, Utc::now(), Vec::new()).await;
    assert_eq!(evidence.attestations.len(), 1);
    assert_eq!(
        evidence.attestations[0].note, "Slack #bot-alerts",
        "the newer replaces the older"
    );
    withdraw(&pool, f.project, Item::Monitors, f.owner).await.unwrap();
    assert!(matches!(
        withdraw(&pool, f.project, Item::Monitors, f.owner).await,
        Err(AppError::NotFound(_))
    ));
    let events = history(&pool, f.project, 10).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Withdrawal,
            EventKind::Attestation,
            EventKind::Attestation
        ]
    );
    assert_eq!(events[1].by, "Otto Owner");
    assert!(
        events.iter().all(|e| e.snapshot.is_none()),
        "the list leaves snapshots out"
    );
    let latest = latest(&pool, f.project, EventKind::Attestation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.snapshot, Some(review), "the snapshot is kept");
}

#[sqlx::test(migrations = "../migrations")]
async fn thresholds_default_and_are_stored(pool: PgPool) {
    let f = fixture(&pool).await;
    assert_eq!(thresholds(&pool, f.project).await.unwrap(), Thresholds::default());
    let set = Thresholds {
        tuning_examples: 2000,
        ..Thresholds::default()
    };
    set_thresholds(&pool, f.project, &set).await.unwrap();
    assert_eq!(thresholds(&pool, f.project).await.unwrap(), set);
}
