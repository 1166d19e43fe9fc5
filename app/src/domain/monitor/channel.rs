//! Alert channels: a generic webhook (JSON, signed) or a Slack-compatible incoming webhook, and
//! which addresses each may send to. Plain HTTP is refused unless the address is this machine
//! (a local relay, or a test's receiver) or the server allows it; a Slack channel must be a
//! Slack incoming-webhook address.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

crate::choice!(
    /// What a channel speaks.
    ChannelKind, "kind" {
        /// A JSON body of a versioned shape, signed with HMAC-SHA256.
        Webhook = "webhook", "Webhook";
        /// A Slack incoming webhook: `text` and `blocks`.
        Slack = "slack", "Slack";
    }
);

/// The host of Slack's incoming webhooks.
pub const SLACK_HOST: &str = "hooks.slack.com";

/// Whether `host` is this machine.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks a channel's address; answers it normalised. `allow_http`: the server's setting that
/// allows plain HTTP to any host.
pub fn check_url(kind: ChannelKind, raw: &str, allow_http: bool) -> Result<String, AppError> {
    let field = "url";
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    let url =
        url::Url::parse(raw).map_err(|e| AppError::invalid(field, format!("is not a web address ({e})")))?;
    let host = url
        .host()
        .ok_or_else(|| AppError::invalid(field, "has no host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::invalid(
            field,
            "must not carry a user name or password; webhooks are signed instead",
        ));
    }
    let local = is_loopback(&host);
    match url.scheme() {
        "https" => {}
        "http" if local || allow_http => {}
        "http" => {
            return Err(AppError::invalid(
                field,
                "must use HTTPS (plain HTTP is allowed only to this machine unless the server allows it)",
            ))
        }
        other => {
            return Err(AppError::invalid(
                field,
                format!("must be an https:// address, not {other}:"),
            ))
        }
    }
    if kind == ChannelKind::Slack && !local {
        let slack = matches!(host, url::Host::Domain(name) if name.eq_ignore_ascii_case(SLACK_HOST))
            && url.path().starts_with("/services/")
            && url.scheme() == "https";
        if !slack {
            return Err(AppError::invalid(
                field,
                format!("is not a Slack incoming webhook (https://{SLACK_HOST}/services/…)"),
            ));
        }
    }
    Ok(url.to_string())
}

/// A channel as the alerts page shows it; the secret is never sent back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    /// Whether a signing secret is set.
    pub signed: bool,
    pub disable_after: i32,
    pub consecutive_failures: i32,
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub disabled_reason: String,
}

/// One delivery as the channel's log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeliveryView {
    pub id: i64,
    pub channel_id: i64,
    /// What was sent: the monitor and state, or "Test message".
    pub summary: String,
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub last_error: String,
    pub latency_ms: Option<i32>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<String, AppError>) -> String {
        match result {
            Err(AppError::Validation { field, message }) => format!("{field}: {message}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn webhooks_need_https_except_to_this_machine_or_when_allowed() {
        let hook = ChannelKind::Webhook;
        assert_eq!(
            check_url(hook, " https://alerts.example.com/in ", false).unwrap(),
            "https://alerts.example.com/in"
        );
        assert!(check_url(hook, "http://127.0.0.1:9000/hook", false).is_ok());
        assert!(check_url(hook, "http://localhost/hook", false).is_ok());
        assert!(check_url(hook, "http://[::1]:8080/", false).is_ok());
        assert!(field_of(check_url(hook, "http://alerts.example.com/in", false))
            .starts_with("url: must use HTTPS"));
        assert!(check_url(hook, "http://alerts.example.com/in", true).is_ok());
        assert!(field_of(check_url(hook, "ftp://example.com/", true)).contains("not ftp:"));
        assert!(field_of(check_url(hook, "not a url", false)).starts_with("url: is not a web address"));
        assert!(field_of(check_url(hook, "", false)).starts_with("url: is required"));
        assert!(field_of(check_url(hook, "https://u:p@example.com/", false)).contains("user name"));
    }

    #[test]
    fn a_slack_channel_must_be_a_slack_incoming_webhook() {
        let slack = ChannelKind::Slack;
        assert!(check_url(slack, "https://hooks.slack.com/services/T000/B000/XXXX", false).is_ok());
        assert!(
            field_of(check_url(slack, "https://example.com/services/T0/B0/X", false))
                .contains("not a Slack incoming webhook")
        );
        assert!(field_of(check_url(slack, "https://hooks.slack.com/api/x", false))
            .contains("not a Slack incoming webhook"));
        assert!(
            field_of(check_url(slack, "http://hooks.slack.com/services/T0/B0/X", true))
                .contains("not a Slack incoming webhook")
        );
        // A local stand-in (a test's receiver, a relay) is accepted.
        assert!(check_url(slack, "http://127.0.0.1:9000/slack", false).is_ok());
    }
}
