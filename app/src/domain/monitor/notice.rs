//! What an alert says when it goes out: the webhook's JSON body (a versioned shape) and a
//! Slack-compatible message (`text` and `blocks`, with Slack's control characters escaped).

use super::{MonitorState, Notification, Reason};
use crate::domain::money::Money;
use serde::{Deserialize, Serialize};

/// The version of the webhook body's shape; a change that is not backwards compatible raises it.
pub const PAYLOAD_VERSION: u32 = 1;

/// Everything a notification is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub project: String,
    pub project_name: String,
    pub monitor_id: i64,
    pub monitor: String,
    pub metric: String,
    pub metric_name: String,
    /// `key=value`, when the monitor watches one segment.
    pub segment: Option<String>,
    pub version: Option<String>,
    pub window_minutes: i64,
    /// The condition in words, e.g. "failure rate above 20%".
    pub condition: String,
    /// The firing threshold in words, e.g. "20%" or "$50.00".
    pub threshold: String,
    pub notification: Notification,
    /// The observed value in words, e.g. "34.0%" or "$52.00".
    pub observed_text: String,
    pub dollar_impact: Money,
    /// An absolute link to the monitor's alert page.
    pub link: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The webhook body.
pub fn webhook_body(n: &Notice) -> serde_json::Value {
    serde_json::json!({
        "version": PAYLOAD_VERSION,
        "event": match n.notification.reason { Reason::Changed => "state_changed", Reason::Reminder => "reminder" },
        "project": {"slug": n.project, "name": n.project_name},
        "monitor": {"id": n.monitor_id, "name": n.monitor, "condition": n.condition,
                    "segment": n.segment, "version": n.version, "window_minutes": n.window_minutes},
        "metric": {"key": n.metric, "name": n.metric_name},
        "state": n.notification.state.as_str(),
        "previous_state": n.notification.previous.as_str(),
        "observed": n.notification.observed,
        "observed_text": n.observed_text,
        "threshold": n.threshold,
        "n": n.notification.verdicts,
        "dollar_impact": n.dollar_impact.to_decimal(),
        "link": n.link,
        "at": n.at.to_rfc3339(),
    })
}

/// Escapes Slack's control characters (`&`, `<`, `>`), so text from people cannot mention
/// channels or forge links.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn headline(n: &Notice) -> String {
    let what = match (n.notification.reason, n.notification.state) {
        (Reason::Reminder, _) => "Still firing",
        (_, MonitorState::Firing) => "Firing",
        (_, MonitorState::Resolved) => "Resolved",
        (_, MonitorState::NoData) => "No data",
        (_, state) => state.label(),
    };
    let scope = [n.segment.as_deref(), n.version.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let scope = if scope.is_empty() {
        String::new()
    } else {
        format!(" ({scope})")
    };
    format!("{what}: {} — {}{scope}", n.monitor, n.metric_name)
}

/// The Slack incoming-webhook body.
pub fn slack_body(n: &Notice) -> serde_json::Value {
    let title = slack_escape(&headline(n));
    let detail = slack_escape(&format!(
        "{} in the last {} minutes: {} over {} verdicts; {} lost to failures. Project {}.",
        n.condition,
        n.window_minutes,
        n.observed_text,
        n.notification.verdicts,
        n.dollar_impact,
        n.project_name
    ));
    serde_json::json!({
        "text": format!("{title}. {detail}"),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{title}*\n{detail}")}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Open in Vernier"}, "url": n.link}
            ]}
        ]
    })
}

/// A test message for a channel: the webhook body's shape with event `test` and no monitor, or a
/// Slack message saying so.
pub fn test_body(
    slack: bool,
    project: &str,
    project_name: &str,
    link: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let text = format!(
        "Test message from Vernier for project {}: this channel receives its alerts.",
        slack_escape(project_name)
    );
    if slack {
        serde_json::json!({
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        })
    } else {
        serde_json::json!({
            "version": PAYLOAD_VERSION,
            "event": "test",
            "project": {"slug": project, "name": project_name},
            "text": format!("Test message from Vernier for project {project_name}."),
            "link": link,
            "at": at.to_rfc3339(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn notice() -> Notice {
        Notice {
            project: "support-bot-dach".into(),
            project_name: "Support bot <DACH> & co".into(),
            monitor_id: 7,
            monitor: "German replies".into(),
            metric: "reply-language".into(),
            metric_name: "Reply is in the conversation's language".into(),
            segment: Some("language=de".into()),
            version: None,
            window_minutes: 60,
            condition: "failure rate above 20%".into(),
            threshold: "20%".into(),
            notification: Notification {
                previous: MonitorState::Pending,
                state: MonitorState::Firing,
                reason: Reason::Changed,
                observed: Some(0.34),
                verdicts: 50,
            },
            observed_text: "34.0%".into(),
            dollar_impact: Money::from_cents(4250),
            link: "https://vernier.example/projects/support-bot-dach/alerts".into(),
            at: chrono::Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_webhook_body_has_the_versioned_shape() {
        let body = webhook_body(&notice());
        assert_eq!(body["version"], 1);
        assert_eq!(body["event"], "state_changed");
        assert_eq!(
            (body["state"].as_str(), body["previous_state"].as_str()),
            (Some("firing"), Some("pending"))
        );
        assert_eq!(body["monitor"]["segment"], "language=de");
        assert_eq!(body["n"], 50);
        assert_eq!(body["threshold"], "20%");
        assert_eq!(body["dollar_impact"], "42.50");
        assert_eq!(body["at"], "2026-11-25T12:00:00+00:00");
    }

    #[test]
    fn the_slack_message_escapes_what_people_wrote() {
        let body = slack_body(&notice());
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with(
                "Firing: German replies — Reply is in the conversation's language (language=de)."
            ),
            "{text}"
        );
        assert!(text.contains("Support bot &lt;DACH&gt; &amp; co"), "{text}");
        assert!(!text.contains('<'));
        assert_eq!(body["blocks"][1]["elements"][0]["url"], notice().link);
        let mut reminder = notice();
        reminder.notification.reason = Reason::Reminder;
        assert!(slack_body(&reminder)["text"]
            .as_str()
            .unwrap()
            .starts_with("Still firing:"));
    }
}
