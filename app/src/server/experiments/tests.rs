//! Database tests of A/B tests: created against the project, read at the horizon from the
//! rollups, arms assigned to users.

use super::*;
use crate::domain::experiment::analysis::{Outcome, Verdict};
use crate::server::db::fixture::{active_no_delve, fixture, ingest, Fixture};
use serde_json::json;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `n` outputs of `version` in language `language`, of which `failing` say "delve".
async fn traffic(pool: &PgPool, f: &Fixture, version: &str, language: &str, n: usize, failing: usize) {
    let values = (0..n)
        .map(|i| {
            let reply = if i < failing {
                "Let me delve into it."
            } else {
                "Gerne."
            };
            json!({"version": version, "output": reply, "metadata": {"language": language}})
        })
        .collect();
    ingest(pool, f.project, values).await;
}

fn form() -> ExperimentForm {
    ExperimentForm {
        key: "shorter".into(),
        name: "Shorter prompt".into(),
        versions: "v1, v2".into(),
        primary: "no-delve".into(),
        baseline: "50%".into(),
        minimum_change: "20%".into(),
        ..ExperimentForm::new()
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_experiment_keeps_collecting_until_every_arm_has_its_sample_then_decides(pool: PgPool) {
    let f = fixture(&pool).await;
    db::projects::set_segment_keys(&pool, f.project, &["language".to_owned()])
        .await
        .unwrap();
    active_no_delve(&pool, &f, "no-delve").await;
    traffic(&pool, &f, "v1", "de", 10, 5).await;
    traffic(&pool, &f, "v2", "de", 10, 5).await;
    create(&pool, f.project, &form(), today(), f.owner).await.unwrap();
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    let needed = u64::from(view.design.sample_per_arm);
    assert_eq!(
        needed, 93,
        "50% → 70%: h = 0.4115, n = 2 (1.96 + 0.8416)² / h² = 92.7"
    );
    assert_eq!(view.progress, vec![("v1".into(), 10), ("v2".into(), 10)]);
    assert_eq!(view.verdict, Verdict::KeepCollecting { smallest: 10, needed });
    assert!(view.primary.is_none() && view.segments.is_empty());

    // v1 keeps failing half the time; v2 fails one in ten, in two languages.
    traffic(&pool, &f, "v1", "de", 60, 30).await;
    traffic(&pool, &f, "v1", "en", 40, 20).await;
    traffic(&pool, &f, "v2", "de", 60, 6).await;
    traffic(&pool, &f, "v2", "en", 40, 4).await;
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    assert_eq!(view.horizon, Some(today()));
    assert_eq!(
        view.verdict,
        Verdict::Settling {
            horizon: today(),
            read_on: today() + Duration::days(2)
        },
        "late feedback on the horizon's outputs may still come"
    );
    assert!(view.primary.is_none());
    // Two days on, the result is read and kept.
    let later = today() + Duration::days(2);
    let view = super::view(&pool, f.project, "shorter", later).await.unwrap();
    assert_eq!(view.verdict, Verdict::Ship { version: "v2".into() });
    let primary = view.primary.unwrap();
    assert_eq!(primary.arms[0].n, 110);
    assert_eq!(primary.differences[0].outcome, Outcome::Better);
    assert!((primary.differences[0].delta.unwrap() - (95.0 / 110.0 - 55.0 / 110.0)).abs() < 1e-9);
    let languages: Vec<String> = view
        .segments
        .iter()
        .filter_map(|r| r.segment.as_ref())
        .map(|s| s.to_string())
        .collect();
    assert!(
        languages.contains(&"language=de".to_owned()) && languages.contains(&"language=en".to_owned()),
        "{languages:?}"
    );

    // The kept result does not move with later traffic: v2 now fails as often as v1.
    traffic(&pool, &f, "v2", "de", 400, 300).await;
    let view = super::view(&pool, f.project, "shorter", later).await.unwrap();
    assert_eq!(view.verdict, Verdict::Ship { version: "v2".into() });
    assert_eq!(view.primary.unwrap().arms[1].n, 110);
    // Stopping keeps it too.
    db::experiments::stop(&pool, f.project, "shorter", today())
        .await
        .unwrap();
    let view = super::view(&pool, f.project, "shorter", later).await.unwrap();
    assert_eq!(view.verdict, Verdict::Ship { version: "v2".into() });
}

#[sqlx::test(migrations = "../migrations")]
async fn an_experiment_stopped_before_its_sample_declares_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    traffic(&pool, &f, "v1", "de", 10, 5).await;
    traffic(&pool, &f, "v2", "de", 10, 0).await;
    create(&pool, f.project, &form(), today(), f.owner).await.unwrap();
    db::experiments::stop(&pool, f.project, "shorter", today())
        .await
        .unwrap();
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    assert!(
        matches!(view.verdict, Verdict::StoppedEarly { smallest: 10, .. }),
        "{:?}",
        view.verdict
    );
    assert_eq!(
        db::experiments::stop(&pool, f.project, "nope", today())
            .await
            .unwrap_err()
            .status(),
        404
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_design_is_checked_against_the_project(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    traffic(&pool, &f, "v1", "de", 10, 2).await;
    traffic(&pool, &f, "v2", "de", 10, 2).await;
    let cases = [
        (
            ExperimentForm {
                versions: "v1".into(),
                ..form()
            },
            "versions",
        ),
        (
            ExperimentForm {
                versions: "v1, v9".into(),
                ..form()
            },
            "versions",
        ),
        (
            ExperimentForm {
                primary: "".into(),
                ..form()
            },
            "primary",
        ),
        (
            ExperimentForm {
                primary: "nope".into(),
                ..form()
            },
            "primary",
        ),
        (
            ExperimentForm {
                guardrails: "nope".into(),
                ..form()
            },
            "guardrails",
        ),
    ];
    for (form, field) in cases {
        let error = create(&pool, f.project, &form, today(), f.owner)
            .await
            .unwrap_err();
        assert_eq!(error.field(), Some(field), "{form:?}: {error:?}");
    }
    // The baseline left empty is the control's pass rate over the last 30 days (8 of 10).
    let measured = ExperimentForm {
        baseline: String::new(),
        ..form()
    };
    create(&pool, f.project, &measured, today(), f.owner)
        .await
        .unwrap();
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    assert!(
        (view.design.baseline - 0.8).abs() < 1e-12,
        "{}",
        view.design.baseline
    );
    let again = create(&pool, f.project, &form(), today(), f.owner)
        .await
        .unwrap_err();
    assert_eq!(again.field(), Some("key"));
}

#[sqlx::test(migrations = "../migrations")]
async fn each_user_gets_one_arm_for_good_and_the_arms_split_evenly(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    traffic(&pool, &f, "v1", "de", 1, 0).await;
    traffic(&pool, &f, "v2", "de", 1, 0).await;
    create(&pool, f.project, &form(), today(), f.owner).await.unwrap();
    let first = arm(&pool, f.project, "shorter", "u-42", today()).await.unwrap();
    let again = arm(&pool, f.project, "shorter", "u-42", today()).await.unwrap();
    assert_eq!(first, again);
    assert!(first.running);
    let mut v2 = 0;
    for user in 0..1000 {
        if arm(&pool, f.project, "shorter", &format!("user-{user}"), today())
            .await
            .unwrap()
            .version
            == "v2"
        {
            v2 += 1;
        }
    }
    assert!((450..=550).contains(&v2), "{v2} of 1000 in v2");
    assert_eq!(
        arm(&pool, f.project, "shorter", " ", today())
            .await
            .unwrap_err()
            .field(),
        Some("user")
    );
}
