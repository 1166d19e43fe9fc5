//! Database tests of experiments: designs stored with their metrics, keys unique per project,
//! stopping, a result kept once, and the daily verdicts per version from the rollups.

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
        sample_per_arm: 1000,
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
async fn daily_verdicts_are_counted_per_version_in_the_order_asked(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let at = |d: NaiveDate| midnight(d) + chrono::Duration::hours(12);
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "Gerne.", "timestamp": at(yesterday)}),
            json!({"version": "v2", "output": "Let us delve.", "timestamp": at(yesterday)}),
            json!({"version": "v2", "output": "Gerne.", "timestamp": at(today)}),
            json!({"version": "v2", "output": "Gerne.", "timestamp": at(today)}),
        ],
    )
    .await;
    let versions = ["v2".to_owned(), "v1".to_owned()];
    let days = daily_verdicts(&pool, f.project, metric, &versions, (yesterday, today))
        .await
        .unwrap();
    assert_eq!(days, [(yesterday, vec![1, 1]), (today, vec![2, 0])]);
    let only_today = daily_verdicts(&pool, f.project, metric, &versions, (today, today))
        .await
        .unwrap();
    assert_eq!(only_today, [(today, vec![2, 0])]);
    assert_eq!(
        recent_pass_rate(&pool, metric, "v2", yesterday).await.unwrap(),
        Some(2.0 / 3.0)
    );
    assert_eq!(
        recent_pass_rate(&pool, metric, "v3", yesterday).await.unwrap(),
        None
    );
}
