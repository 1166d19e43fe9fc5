//! Database tests of A/B tests: created against the project, read at the horizon per end user,
//! arms assigned to users.

use super::*;
use crate::domain::experiment::analysis::{Outcome, Verdict};
use crate::server::db::fixture::{active_no_delve, fixture, ingest, Fixture};
use serde_json::json;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `n` users of experiment "shorter" in the arm of `arm` (0: v1, 1: v2), with ids that start
/// with `prefix`.
fn users_in(arm: usize, prefix: &str, n: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("{prefix}-{i}"))
        .filter(|u| crate::domain::experiment::arm("shorter", u, 2) == Some(arm))
        .take(n)
        .collect()
}

/// `n` outputs of `version` in language `language`, each from another user of its arm, of
/// which `failing` say "delve".
async fn traffic(pool: &PgPool, f: &Fixture, version: &str, language: &str, n: usize, failing: usize) {
    let arm = usize::from(version == "v2");
    let users = users_in(arm, &format!("{version}-{language}-{n}-{failing}"), n);
    let values = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let reply = if i < failing {
                "Let me delve into it."
            } else {
                "Gerne."
            };
            json!({"version": version, "output": reply, "user": user, "metadata": {"language": language}})
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
        "50% → 70%: h = 0.4115, n = 2 (1.96 + 0.8416)² / h² = 92.7; too few earlier users to measure clustering, so one verdict per user"
    );
    assert!(!view.design.is_clustering_measured());
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
    assert_eq!((primary.arms[0].n, primary.arms[0].users), (110, 110));
    let units = view.units.clone().unwrap();
    assert_eq!(
        units
            .arms
            .iter()
            .map(|a| (a.users, a.outputs))
            .collect::<Vec<_>>(),
        [(110, 110), (110, 110)]
    );
    assert!(!units.sample_ratio.mismatch());
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
                versions: "v9, v1".into(),
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
    // A treatment that has served nothing yet is allowed: the arm API is how it gets traffic.
    let new_arm = ExperimentForm {
        key: "brand-new-arm".into(),
        versions: "v1, v3-not-deployed".into(),
        ..form()
    };
    create(&pool, f.project, &new_arm, today(), f.owner)
        .await
        .unwrap();
    let view = super::view(&pool, f.project, "brand-new-arm", today())
        .await
        .unwrap();
    assert_eq!(view.design.versions, ["v1", "v3-not-deployed"]);
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

/// `users` users of `arm`, each with `each` outputs of `version`, `failing` of each user's
/// outputs saying "delve".
async fn heavy(
    pool: &PgPool,
    f: &Fixture,
    arm: usize,
    version: &str,
    prefix: &str,
    (users, each, failing): (usize, usize, usize),
) {
    let values = users_in(arm, prefix, users)
        .iter()
        .flat_map(|user| {
            (0..each).map(move |i| {
                let reply = if i < failing {
                    "Let me delve into it."
                } else {
                    "Gerne."
                };
                json!({"version": version, "output": reply, "user": user})
            })
        })
        .collect();
    ingest(pool, f.project, values).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_plan_is_in_users_from_earlier_clustering_and_outputs_from_the_wrong_arm_are_left_out(
    pool: PgPool,
) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    // Earlier traffic of the control: 40 users with 5 verdicts each; half of them fail 4 of 5,
    // half pass all 5 (a user's verdicts agree with each other).
    heavy(&pool, &f, 0, "v1", "bad", (20, 5, 4)).await;
    heavy(&pool, &f, 0, "v1", "good", (20, 5, 0)).await;
    heavy(&pool, &f, 1, "v2", "early", (5, 1, 0)).await;
    create(&pool, f.project, &form(), today(), f.owner).await.unwrap();
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    let d = &view.design;
    // R = 0.6 over 200 verdicts; residuals per user are −2 and +2 (squares 4 × 40 = 160),
    // Var = 160 / 200² = 0.004 against 0.24 / 200 = 0.0012 independent: DE = 3.333.
    assert!(d.is_clustering_measured());
    assert_eq!(d.verdicts_per_user, 5.0);
    assert!((d.design_effect - 10.0 / 3.0).abs() < 1e-9, "{}", d.design_effect);
    // 93 verdicts × 3.333 / 5 = 62 users.
    assert_eq!((d.verdicts_per_arm, d.sample_per_arm), (93, 62));
    // A user of v2's arm served v1 is left out of v1's arm and counted.
    heavy(&pool, &f, 1, "v1", "leak", (2, 3, 0)).await;
    ingest(
        &pool,
        f.project,
        vec![json!({"version": "v2", "output": "Gerne."})],
    )
    .await;
    let units = super::view(&pool, f.project, "shorter", today())
        .await
        .unwrap()
        .units
        .unwrap();
    assert_eq!(
        (
            units.arms[0].users,
            units.arms[0].excluded_users,
            units.arms[0].excluded_outputs
        ),
        (40, 2, 6)
    );
    assert_eq!((units.arms[1].users, units.arms[1].anonymous_outputs), (5, 1));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_sample_ratio_mismatch_blocks_the_verdict(pool: PgPool) {
    let f = fixture(&pool).await;
    active_no_delve(&pool, &f, "no-delve").await;
    // v2's arm lost most of its users (a crash before logging, say).
    heavy(&pool, &f, 0, "v1", "a", (120, 1, 60)).await;
    heavy(&pool, &f, 1, "v2", "b", (60, 1, 6)).await;
    create(&pool, f.project, &form(), today(), f.owner).await.unwrap();
    let view = super::view(&pool, f.project, "shorter", today()).await.unwrap();
    // chisquare([120, 60]) → 20.0, p = erfc(√10) = 7.74e-06.
    match &view.verdict {
        Verdict::SampleRatioMismatch { users, p } => {
            assert_eq!(users, &vec![120, 60]);
            assert!((p - 7.744_216_431_044_08e-6).abs() < 1e-12, "{p}");
        }
        other => panic!("{other:?}"),
    }
    assert!(view.primary.is_none());
}
