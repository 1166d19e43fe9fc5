//! Database tests of experiments: designs stored with their metrics, keys unique per project,
//! stopping, a result kept once, and what the versions' outputs say per end user.

use super::*;
use crate::domain::experiment::analysis::Verdict;
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use serde_json::json;

fn design(key: &str, started_on: NaiveDate) -> Design {
    Design {
        key: key.into(),
        name: "Shorter prompt".into(),
        hypothesis: "v2 delves less".into(),
        versions: vec!["v1".into(), "v2".into()],
        primary: "no-delve".into(),
        guardrails: vec!["no-delve".into()],
        baseline: 0.8,
        minimum_change: 0.05,
        alpha: 0.05,
        power: 0.8,
        sample_per_arm: 400,
        verdicts_per_arm: 1000,
        verdicts_per_user: 3.5,
        design_effect: 1.4,
        started_on,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_design_is_stored_once_per_key_stopped_once_and_its_result_kept_once(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let id = insert(
        &pool,
        f.project,
        &design("short", day(1)),
        (metric, &[metric]),
        f.owner,
    )
    .await
    .unwrap();
    let taken = insert(&pool, f.project, &design("short", day(1)), (metric, &[]), f.owner)
        .await
        .unwrap_err();
    assert_eq!(taken.field(), Some("key"));
    let stored = find(&pool, f.project, " short ").await.unwrap();
    assert_eq!(stored.design(), design("short", day(1)), "read back as designed");
    assert_eq!(
        (stored.id, stored.created_by.as_str(), stored.ended_on),
        (id, "owner", None)
    );

    stop(&pool, f.project, "short", day(5)).await.unwrap();
    stop(&pool, f.project, "short", day(9)).await.unwrap();
    assert_eq!(
        find(&pool, f.project, "short").await.unwrap().ended_on,
        Some(day(5)),
        "keeps its first day"
    );
    assert!(matches!(
        stop(&pool, f.project, "long", day(5)).await,
        Err(AppError::NotFound(_))
    ));

    let result = |version: &str| Frozen {
        horizon: day(4),
        units: None,
        verdict: Verdict::Ship {
            version: version.into(),
        },
        primary: None,
        guardrails: Vec::new(),
        segments: Vec::new(),
    };
    assert!(freeze(&pool, id, &result("v2")).await.unwrap());
    assert!(
        !freeze(&pool, id, &result("v1")).await.unwrap(),
        "the first result stays"
    );
    let kept = find(&pool, f.project, "short").await.unwrap().result.unwrap().0;
    assert_eq!(kept.verdict, Verdict::Ship { version: "v2".into() });
    insert(&pool, f.project, &design("later", day(3)), (metric, &[]), f.owner)
        .await
        .unwrap();
    let keys: Vec<String> = list(&pool, f.project)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["later", "short"], "running first");
}

#[sqlx::test(migrations = "../migrations")]
async fn outputs_and_verdicts_are_counted_per_user_version_and_day(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let at = |d: NaiveDate| midnight(d) + chrono::Duration::hours(12);
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gerne.", "user": "u-1", "timestamp": at(yesterday)}),
            json!({"version": "v2", "output": "Let us delve.", "user": "u-2", "timestamp": at(yesterday)}),
            json!({"version": "v2", "output": "Gerne.", "user": "u-2", "timestamp": at(today)}),
            json!({"version": "v2", "output": "Gerne.", "user": "u-2", "timestamp": at(today)}),
            json!({"version": "v2", "output": "Gerne.", "timestamp": at(today)}),
            json!({"version": "v2", "output": "Gerne.", "user": "u-3", "source": "synthetic", "timestamp": at(today)}),
            json!({"version": "v3", "output": "Gerne.", "user": "u-1", "timestamp": at(today)}),
        ],
    )
    .await;
    let versions = ["v2".to_owned(), "v1".to_owned()];
    let mut seen = exposures(&pool, f.project, &versions, (yesterday, today))
        .await
        .unwrap();
    seen.sort_by_key(|e| (e.day, e.version.clone(), e.user.clone()));
    let rows: Vec<(Option<&str>, &str, NaiveDate, u64)> = seen
        .iter()
        .map(|e| (e.user.as_deref(), e.version.as_str(), e.day, e.outputs))
        .collect();
    assert_eq!(
        rows,
        [
            (Some("u-1"), "v1", yesterday, 1),
            (Some("u-2"), "v2", yesterday, 1),
            (None, "v2", today, 1),
            (Some("u-2"), "v2", today, 2),
        ],
        "production outputs only, of the versions asked"
    );
    let mut verdicts = user_verdicts(&pool, f.project, &[metric], &versions, (yesterday, today))
        .await
        .unwrap();
    verdicts.sort_by_key(|v| (v.day, v.version.clone()));
    let rows: Vec<(&str, &str, &str, NaiveDate, u64, u64)> = verdicts
        .iter()
        .map(|v| {
            (
                v.user.as_str(),
                v.version.as_str(),
                v.metric.as_str(),
                v.day,
                v.passes,
                v.n,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("u-1", "v1", "no-delve", yesterday, 1, 1),
            ("u-2", "v2", "no-delve", yesterday, 0, 1),
            ("u-2", "v2", "no-delve", today, 2, 2),
        ],
        "verdicts of outputs that named their user"
    );
    let only_today = user_verdicts(&pool, f.project, &[metric], &versions, (today, today))
        .await
        .unwrap();
    assert_eq!(only_today.len(), 1);
    assert_eq!(
        recent_pass_rate(&pool, metric, "v2", yesterday).await.unwrap(),
        Some(4.0 / 5.0)
    );
    assert_eq!(
        recent_pass_rate(&pool, metric, "v3", today - chrono::Duration::days(2))
            .await
            .unwrap(),
        Some(1.0)
    );
    assert_eq!(
        recent_pass_rate(&pool, metric, "v4", yesterday).await.unwrap(),
        None
    );
}
