//! Database tests of channels and deliveries: a notification is queued for the monitor's enabled
//! channels in its own shape; failed attempts are retried with backoff until the channel's run of
//! failures disables it, which abandons what waits; a success resets the run; secrets are kept
//! on edit and never listed.

use super::*;
use crate::domain::monitor::{Condition, NoDataPolicy, Rule};
use crate::server::db::fixture::{active_no_delve, fixture, ingest, Fixture};
use crate::server::db::monitors::{self, evaluate_due, NewMonitor};
use serde_json::json;

fn channel(name: &str, kind: ChannelKind, disable_after: i32) -> NewChannel {
    NewChannel {
        name: name.into(),
        kind,
        url: match kind {
            ChannelKind::Webhook => "https://hooks.example/in".into(),
            ChannelKind::Slack => "https://hooks.slack.com/services/T0/B0/X".into(),
        },
        secret: Some(if kind == ChannelKind::Webhook {
            "sixteen chars or more".into()
        } else {
            String::new()
        }),
        disable_after,
    }
}

/// A firing monitor on a failing metric, notifying `channels`; answers the monitor's id.
async fn firing(pool: &PgPool, f: &Fixture, channels: &[i64]) -> i64 {
    let metric = active_no_delve(pool, f, "no-delve").await;
    let at = Utc::now() - Duration::minutes(3);
    let failing = (0..40)
        .map(|_| json!({"version": "v1", "output": "Let us delve.", "timestamp": at}))
        .collect();
    ingest(pool, f.project, failing).await;
    let monitor = NewMonitor {
        name: "Delve".into(),
        metric_id: metric,
        segment: None,
        version: None,
        window_minutes: 30,
        rule: Rule {
            condition: Condition::FailureRateAbove {
                threshold: 0.2,
                recovery: 0.1,
            },
            min_sample: 10,
            for_evaluations: 1,
            no_data: NoDataPolicy::KeepState,
            reminder_minutes: None,
        },
    };
    monitors::save(pool, f.project, None, &monitor, channels, f.owner, Utc::now())
        .await
        .unwrap()
}

fn tried(result: Attempt) -> Tried {
    Tried {
        result,
        latency_ms: 12,
        jitter: 1.0,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_notification_is_queued_in_each_enabled_channels_shape(pool: PgPool) {
    let f = fixture(&pool).await;
    let hook = save(
        &pool,
        f.project,
        None,
        &channel("Ops hook", ChannelKind::Webhook, 5),
        f.owner,
    )
    .await
    .unwrap();
    let slack = save(
        &pool,
        f.project,
        None,
        &channel("Slack", ChannelKind::Slack, 5),
        f.owner,
    )
    .await
    .unwrap();
    let off = save(
        &pool,
        f.project,
        None,
        &channel("Old", ChannelKind::Webhook, 5),
        f.owner,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE alert_channels SET disabled_at = now() WHERE id = $1")
        .bind(off)
        .execute(&pool)
        .await
        .unwrap();
    firing(&pool, &f, &[hook, slack, off]).await;
    let sent = evaluate_due(&pool, Utc::now(), 10, "https://vernier.example")
        .await
        .unwrap();
    assert_eq!(sent.notifications.len(), 1);
    let due = take_due(&pool, Utc::now(), 10, None).await.unwrap();
    let mut channels: Vec<i64> = due.iter().map(|d| d.channel_id).collect();
    channels.sort_unstable();
    assert_eq!(channels, vec![hook, slack], "the disabled channel gets nothing");
    let webhook = due.iter().find(|d| d.channel_id == hook).unwrap();
    assert_eq!(webhook.body.0["version"], 1);
    assert_eq!(webhook.body.0["state"], "firing");
    assert_eq!(webhook.body.0["n"], 40);
    assert_eq!(webhook.body.0["threshold"], "20%");
    assert_eq!(
        webhook.body.0["link"],
        "https://vernier.example/projects/bot/alerts"
    );
    assert_eq!(webhook.secret, "sixteen chars or more");
    assert!(!webhook.test);
    let message = due.iter().find(|d| d.channel_id == slack).unwrap();
    assert!(message.body.0["text"]
        .as_str()
        .unwrap()
        .starts_with("Firing: Delve"));
    assert!(
        take_due(&pool, Utc::now(), 10, None).await.unwrap().is_empty(),
        "leased to this worker"
    );
    let listed = list(&pool, f.project).await.unwrap();
    assert_eq!(
        listed.iter().map(|c| c.signed).collect::<Vec<_>>(),
        vec![true, true, false],
        "Old, Ops hook, Slack"
    );
    // An edit without a secret keeps the stored one.
    let renamed = NewChannel {
        name: "Ops hook 2".into(),
        secret: None,
        ..channel("", ChannelKind::Webhook, 5)
    };
    save(&pool, f.project, Some(hook), &renamed, f.owner)
        .await
        .unwrap();
    let secret: String = sqlx::query_scalar("SELECT secret FROM alert_channels WHERE id = $1")
        .bind(hook)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!secret.contains("sixteen"), "stored sealed: {secret}");
    assert_eq!(
        crate::server::secrets::open(&secret).unwrap(),
        "sixteen chars or more"
    );
    assert_eq!(
        save(
            &pool,
            f.project,
            Some(hook),
            &channel("Slack", ChannelKind::Webhook, 5),
            f.owner
        )
        .await
        .unwrap_err()
        .field(),
        Some("name")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_back_off_then_disable_the_channel_and_a_success_resets_the_run(pool: PgPool) {
    let f = fixture(&pool).await;
    let hook = save(
        &pool,
        f.project,
        None,
        &channel("Ops hook", ChannelKind::Webhook, 3),
        f.owner,
    )
    .await
    .unwrap();
    firing(&pool, &f, &[hook]).await;
    evaluate_due(&pool, Utc::now(), 10, "https://vernier.example")
        .await
        .unwrap();
    let mut now = Utc::now();
    // 500, then a success: retried after 30 s, delivered, the run reset.
    let first = take_due(&pool, now, 10, None).await.unwrap().remove(0);
    let (outcome, disabled) = record(&pool, &first, &tried(Attempt::Answered(500)), now)
        .await
        .unwrap();
    assert_eq!(
        (outcome, disabled),
        (Outcome::RetryAfter(Duration::seconds(30)), false)
    );
    assert!(
        take_due(&pool, now + Duration::seconds(29), 10, None)
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );
    now += Duration::seconds(30);
    let retry = take_due(&pool, now, 10, None).await.unwrap().remove(0);
    assert_eq!(retry.attempts, 1);
    let (outcome, _) = record(&pool, &retry, &tried(Attempt::Answered(204)), now)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Delivered);
    let log = deliveries(&pool, f.project, 20).await.unwrap();
    assert_eq!(
        (
            log[0].status.as_str(),
            log[0].attempts,
            log[0].response_code,
            log[0].summary.as_str()
        ),
        ("delivered", 2, Some(204), "Delve: Firing")
    );
    assert_eq!(list(&pool, f.project).await.unwrap()[0].consecutive_failures, 0);
    // Three test messages and an alert that all fail: tests do not count, the alert's three
    // failed attempts disable the channel (3 in a row) and abandon a second waiting alert.
    for _ in 0..3 {
        let id = queue_test(&pool, f.project, hook, "https://vernier.example", now)
            .await
            .unwrap();
        let test = take_due(&pool, now, 10, None)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.id == id)
            .unwrap();
        assert!(test.test);
        let (outcome, _) = record(&pool, &test, &tried(Attempt::Answered(503)), now)
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Failed, "a test is tried once");
    }
    assert_eq!(list(&pool, f.project).await.unwrap()[0].consecutive_failures, 0);
    for event in 0..2 {
        sqlx::query(
            "INSERT INTO alert_deliveries (channel_id, alert_event_id, body, next_attempt_at)
             SELECT $1, id, '{}'::jsonb, $2 FROM alert_events ORDER BY id LIMIT 1",
        )
        .bind(hook)
        .bind(now + Duration::hours(event * 5))
        .execute(&pool)
        .await
        .unwrap();
    }
    let mut disabled_at = None;
    for attempt in 1..=3 {
        let pending = take_due(&pool, now, 10, None).await.unwrap().remove(0);
        assert_eq!(pending.attempts, attempt - 1);
        let unreachable = Attempt::Unreachable("connection refused".into());
        let (outcome, disabled) = record(&pool, &pending, &tried(unreachable), now).await.unwrap();
        if attempt < 3 {
            assert_eq!(
                outcome,
                Outcome::RetryAfter(crate::domain::monitor::delivery::backoff(attempt, 1.0))
            );
            now += Duration::seconds(3600);
        } else {
            assert!(disabled, "the third failure in a row disables the channel");
            disabled_at = Some(now);
        }
    }
    let shown = list(&pool, f.project).await.unwrap().remove(0);
    assert_eq!(
        shown.disabled_at.map(|at| at.timestamp_micros()),
        disabled_at.map(|at: DateTime<Utc>| at.timestamp_micros())
    );
    assert!(
        shown
            .disabled_reason
            .starts_with("3 failed attempts in a row; the last: connection refused"),
        "{}",
        shown.disabled_reason
    );
    let statuses: Vec<String> = deliveries(&pool, f.project, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.status.as_str().to_owned())
        .collect();
    assert_eq!(&statuses[..2], ["abandoned", "abandoned"], "{statuses:?}");
    assert!(take_due(&pool, now + Duration::days(1), 10, None)
        .await
        .unwrap()
        .is_empty());
    // A test message still goes to a disabled channel (to check it before enabling it again).
    queue_test(&pool, f.project, hook, "https://vernier.example", now)
        .await
        .unwrap();
    assert_eq!(take_due(&pool, now, 10, None).await.unwrap().len(), 1);
    enable(&pool, f.project, hook).await.unwrap();
    let enabled = list(&pool, f.project).await.unwrap().remove(0);
    assert_eq!((enabled.disabled_at, enabled.consecutive_failures), (None, 0));
}
