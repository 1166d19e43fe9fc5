//! Database tests of monitors: two workers evaluating at once notify once; windows count from
//! the scores (under an hour), the hourly and the daily rollups, inside a segment.

use super::*;
use crate::domain::monitor::{Condition, NoDataPolicy, Notification};
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use chrono::Duration;
use serde_json::json;

const URL: &str = "https://vernier.example/";

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
    let (f, monitor) = failing_delve(&pool).await;
    let now = Utc::now();
    let id = insert(&pool, f.project, &monitor, f.owner, now).await.unwrap();
    assert_eq!(
        insert(&pool, f.project, &monitor, f.owner, now)
            .await
            .unwrap_err()
            .field(),
        Some("name")
    );
    // While another worker holds the monitor, this one skips it rather than waiting.
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM monitors WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *holder)
        .await
        .unwrap();
    let skipped = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        evaluate_due(&pool, now, 10, URL),
    )
    .await
    .expect("a held monitor is skipped, not waited for")
    .unwrap();
    assert_eq!(skipped, Evaluated::default());
    holder.rollback().await.unwrap();
    let (a, b) = tokio::join!(
        evaluate_due(&pool, now, 10, URL),
        evaluate_due(&pool, now, 10, URL)
    );
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
        evaluate_due(&pool, now + Duration::seconds(30), 10, URL)
            .await
            .unwrap(),
        Evaluated::default(),
        "not due yet"
    );
    let again = evaluate_due(&pool, now + Duration::minutes(1), 10, URL)
        .await
        .unwrap();
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
    let sent = evaluate_due(&pool, now, 10, URL).await.unwrap();
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

/// The fixture with 40 failing outputs of the no-delve metric 5 minutes ago, and a 30-minute
/// monitor of it.
async fn failing_delve(pool: &PgPool) -> (crate::server::db::fixture::Fixture, NewMonitor) {
    let f = fixture(pool).await;
    let metric = active_no_delve(pool, &f, "no-delve").await;
    ingest(pool, f.project, outputs(40, true, "de", 5)).await;
    let monitor = NewMonitor {
        name: "Delve".into(),
        metric_id: metric,
        segment: None,
        version: None,
        window_minutes: 30,
        rule: rule(),
    };
    (f, monitor)
}

fn spec(metric: &str, segment: &str, version: &str) -> MonitorSpec {
    crate::domain::monitor::draft::MonitorForm {
        name: "German replies".into(),
        segment: segment.into(),
        version: version.into(),
        ..crate::domain::monitor::draft::MonitorForm::new_for(metric)
    }
    .parse()
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_monitor_names_its_field_and_stores_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    crate::server::db::projects::set_segment_keys(&pool, f.project, &["language".to_owned()])
        .await
        .unwrap();
    active_no_delve(&pool, &f, "no-delve").await;
    ingest(&pool, f.project, outputs(3, false, "de", 5)).await;
    let field = |e: AppError| e.field().map(str::to_owned);
    let pool_ref = &pool;
    let refused = |s: MonitorSpec| async move { resolve(pool_ref, f.project, &s).await.unwrap_err() };
    assert_eq!(field(refused(spec("nope", "", "")).await), Some("metric".into()));
    assert_eq!(
        field(refused(spec("no-delve", "customer=acme", "")).await),
        Some("segment".into())
    );
    assert_eq!(
        field(refused(spec("no-delve", "", "v9")).await),
        Some("version".into())
    );
    let good = resolve(&pool, f.project, &spec("no-delve", "language=de", "v1"))
        .await
        .unwrap();
    assert!(resolve(&pool, f.project, &spec("no-delve", "turn=5+", ""))
        .await
        .is_ok());
    // A channel of another project: refused, and the monitor is not half-stored.
    let other = crate::server::db::fixture::second_project(&pool, &f).await;
    let foreign = crate::server::db::alert_channels::save(
        &pool,
        other,
        None,
        &crate::server::db::alert_channels::NewChannel {
            name: "legal hook".into(),
            kind: crate::domain::monitor::channel::ChannelKind::Webhook,
            url: "https://legal.example/hook".into(),
            secret: Some("a secret of sixteen+".into()),
            disable_after: 5,
        },
        f.owner,
    )
    .await
    .unwrap();
    let error = save(&pool, f.project, None, &good, &[foreign], f.owner, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("channels"));
    assert!(list(&pool, f.project).await.unwrap().is_empty(), "nothing stored");
    // Saved, then edited: same id, new threshold, the name still unique.
    let id = save(&pool, f.project, None, &good, &[], f.owner, Utc::now())
        .await
        .unwrap();
    let stricter = NewMonitor {
        rule: Rule {
            min_sample: 5,
            ..good.rule
        },
        ..good.clone()
    };
    assert_eq!(
        save(&pool, f.project, Some(id), &stricter, &[], f.owner, Utc::now())
            .await
            .unwrap(),
        id
    );
    let shown = find(&pool, f.project, id).await.unwrap();
    assert_eq!(shown.spec.rule.min_sample, 5);
    assert_eq!(shown.scope(), "language=de, v1");
    assert_eq!(shown.last_observed, "not evaluated yet");
    let twin = NewMonitor {
        name: "Twin".into(),
        ..good
    };
    let twin_id = save(&pool, f.project, None, &twin, &[], f.owner, Utc::now())
        .await
        .unwrap();
    let clash = NewMonitor {
        name: "German replies".into(),
        ..twin
    };
    assert_eq!(
        save(&pool, f.project, Some(twin_id), &clash, &[], f.owner, Utc::now())
            .await
            .unwrap_err()
            .field(),
        Some("name")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn open_alerts_are_acknowledged_once_and_muting_silences_until_it_ends(pool: PgPool) {
    let (f, monitor) = failing_delve(&pool).await;
    let now = Utc::now();
    let id = insert(&pool, f.project, &monitor, f.owner, now).await.unwrap();
    evaluate_due(&pool, now, 10, URL).await.unwrap();
    assert_eq!(
        open_alerts(&pool, &[f.project]).await.unwrap(),
        vec![("bot".to_owned(), 1)]
    );
    let shown = find(&pool, f.project, id).await.unwrap();
    assert_eq!(shown.last_observed, "100.0% of 40");
    let event = shown.open_event.expect("an open alert");
    let history = events(&pool, f.project, 10).await.unwrap();
    assert_eq!(
        (history[0].id, history[0].observed_text.as_str()),
        (event, "100.0%")
    );
    acknowledge(&pool, f.project, event, f.owner, now).await.unwrap();
    assert_eq!(
        acknowledge(&pool, f.project, event, f.owner, now)
            .await
            .unwrap_err()
            .field(),
        Some("event"),
        "once"
    );
    assert!(open_alerts(&pool, &[f.project]).await.unwrap().is_empty());
    let acknowledged = &events(&pool, f.project, 10).await.unwrap()[0];
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("Otto Owner"));
    // Muted for an hour: evaluated, but silent; muting in the past is refused.
    assert_eq!(
        mute(&pool, f.project, id, Some(now - Duration::minutes(1)), now)
            .await
            .unwrap_err()
            .field(),
        Some("until")
    );
    mute(&pool, f.project, id, Some(now + Duration::hours(1)), now)
        .await
        .unwrap();
    let later = now + Duration::minutes(2);
    assert!(evaluate_due(&pool, later, 10, URL)
        .await
        .unwrap()
        .notifications
        .is_empty());
    assert_eq!(state(&pool, id).await.unwrap(), MonitorState::Muted);
    // Unmuted: judged afresh, and the failures still there fire it again.
    mute(&pool, f.project, id, None, later).await.unwrap();
    let again = evaluate_due(&pool, later, 10, URL).await.unwrap();
    assert_eq!(again.notifications.len(), 1);
    assert_eq!(again.notifications[0].1.state, MonitorState::Firing);
}

#[sqlx::test(migrations = "../migrations")]
async fn backtest_buckets_count_the_scope_and_an_ingest_wakes_its_monitors(pool: PgPool) {
    let f = fixture(&pool).await;
    crate::server::db::projects::set_segment_keys(&pool, f.project, &["language".to_owned()])
        .await
        .unwrap();
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    ingest(&pool, f.project, outputs(6, true, "de", 200)).await;
    ingest(&pool, f.project, outputs(4, false, "de", 20)).await;
    ingest(&pool, f.project, outputs(9, true, "en", 20)).await;
    let german = resolve(&pool, f.project, &spec("no-delve", "language=de", ""))
        .await
        .unwrap();
    let now = Utc::now();
    let counted = buckets(&pool, f.project, &german, 60, now - Duration::days(1), now)
        .await
        .unwrap();
    let total = counted
        .iter()
        .fold((0, 0), |(v, x), b| (v + b.verdicts, x + b.failures));
    assert_eq!(total, (10, 6), "German only: {counted:?}");
    assert!(
        counted.iter().all(|b| b.start.timestamp() % 3600 == 0),
        "whole hours"
    );
    let id = insert(&pool, f.project, &german, f.owner, now).await.unwrap();
    evaluate_due(&pool, now + Duration::seconds(1), 10, URL)
        .await
        .unwrap();
    let next = || async {
        sqlx::query_scalar::<_, DateTime<Utc>>("SELECT next_run_at FROM monitors WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert!(
        next().await > Utc::now() + Duration::seconds(30),
        "due in a minute"
    );
    let mut connection = pool.acquire().await.unwrap();
    assert_eq!(wake(&mut connection, &[metric]).await.unwrap(), 1);
    assert!(
        next().await <= Utc::now() + Duration::seconds(12),
        "due within seconds"
    );
    assert_eq!(
        wake(&mut connection, &[metric + 1000]).await.unwrap(),
        0,
        "other metrics wake nothing"
    );
}
