//! Database tests of monitors: two workers evaluating at once notify once; windows count from
//! the scores (under an hour), the hourly and the daily rollups, inside a segment.

use super::*;
use crate::domain::monitor::{Condition, NoDataPolicy};
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use serde_json::json;

fn rule() -> Rule {
    Rule {
        condition: Condition::FailureRateAbove {
            threshold: 0.2,
            recovery: 0.1,
        },
        min_sample: 30,
        for_evaluations: 1,
        no_data: NoDataPolicy::KeepState,
        reminder_minutes: None,
    }
}

/// `n` outputs a few minutes ago, failing the no-delve metric when `fail`, in `language`.
fn outputs(n: usize, fail: bool, language: &str, minutes_ago: i64) -> Vec<serde_json::Value> {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    (0..n)
        .map(|_| {
            let output = if fail {
                "Let us delve into it."
            } else {
                "Gern geschehen."
            };
            json!({"version": "v1", "output": output, "timestamp": at, "metadata": {"language": language}})
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn two_workers_at_once_evaluate_each_monitor_once_and_notify_once(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    ingest(&pool, f.project, outputs(40, true, "de", 5)).await;
    let now = Utc::now();
    let monitor = NewMonitor {
        name: "Delve".into(),
        metric_id: metric,
        segment: None,
        version: None,
        window_minutes: 30,
        rule: rule(),
    };
    let id = insert(&pool, f.project, &monitor, f.owner, now).await.unwrap();
    assert_eq!(
        insert(&pool, f.project, &monitor, f.owner, now)
            .await
            .unwrap_err()
            .field(),
        Some("name")
    );
    let (a, b) = tokio::join!(evaluate_due(&pool, now, 10), evaluate_due(&pool, now, 10));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.monitors + b.monitors,
        1,
        "one worker took it, the other skipped it"
    );
    let sent: Vec<(i64, Notification)> = a.notifications.into_iter().chain(b.notifications).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0, sent[0].1.state, sent[0].1.verdicts),
        (id, MonitorState::Firing, 40)
    );
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_events WHERE monitor_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 1);
    assert_eq!(state(&pool, id).await.unwrap(), MonitorState::Firing);
    assert_eq!(
        evaluate_due(&pool, now + Duration::seconds(30), 10)
            .await
            .unwrap(),
        Evaluated::default(),
        "not due yet"
    );
    let again = evaluate_due(&pool, now + Duration::minutes(1), 10).await.unwrap();
    assert_eq!(
        (again.monitors, again.notifications.len()),
        (1, 0),
        "still firing: nothing new to say"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn windows_count_a_segment_from_the_hourly_and_daily_rollups(pool: PgPool) {
    let f = fixture(&pool).await;
    crate::server::db::projects::set_segment_keys(&pool, f.project, &["language".to_owned()])
        .await
        .unwrap();
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    // German fails, English passes: all traffic is at 40/140 ≈ 29%, German at 100%.
    ingest(&pool, f.project, outputs(40, true, "de", 10)).await;
    ingest(&pool, f.project, outputs(100, false, "en", 10)).await;
    let now = Utc::now();
    let watch = |name: &str, window_minutes: i64, threshold: f64, segment: Option<(&str, &str)>| NewMonitor {
        name: name.into(),
        metric_id: metric,
        segment: segment.map(|(k, v)| (k.to_owned(), v.to_owned())),
        version: None,
        window_minutes,
        rule: Rule {
            condition: Condition::FailureRateAbove {
                threshold,
                recovery: threshold / 2.0,
            },
            ..rule()
        },
    };
    let german_hours = insert(
        &pool,
        f.project,
        &watch("German, 2 hours", 120, 0.5, Some(("language", "de"))),
        f.owner,
        now,
    )
    .await
    .unwrap();
    let all_hours = insert(
        &pool,
        f.project,
        &watch("All, 2 hours", 120, 0.5, None),
        f.owner,
        now,
    )
    .await
    .unwrap();
    let german_days = insert(
        &pool,
        f.project,
        &watch("German, 3 days", 3 * 1440, 0.5, Some(("language", "de"))),
        f.owner,
        now,
    )
    .await
    .unwrap();
    let sent = evaluate_due(&pool, now, 10).await.unwrap();
    assert_eq!(sent.monitors, 3);
    let fired: Vec<(i64, u64)> = sent
        .notifications
        .iter()
        .map(|(id, n)| (*id, n.verdicts))
        .collect();
    assert!(fired.contains(&(german_hours, 40)), "{fired:?}");
    assert!(fired.contains(&(german_days, 40)), "{fired:?}");
    assert_eq!(
        state(&pool, all_hours).await.unwrap(),
        MonitorState::Ok,
        "29% is under 50%: the total hides it"
    );
}
