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

/// What the server's settings allow webhooks beyond HTTPS to public hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    /// Plain HTTP to any host (`VERNIER_ALLOW_HTTP_WEBHOOKS`).
    pub http: bool,
    /// Private and link-local addresses (`VERNIER_ALLOW_PRIVATE_WEBHOOKS`), such as an internal
    /// alert router; refused by default, so no project owner can probe the server's network or
    /// a cloud metadata address through the delivery log.
    pub private: bool,
}

/// Whether `ip` is a private, shared or link-local address (not loopback, which is this
/// machine and allowed).
pub fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(v4.into()),
            None => {
                let first = v6.segments()[0];
                v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Whether `host` is this machine.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks a channel's address against what the server allows; answers it normalised. (A host
/// name that resolves to a private address is refused when a delivery is attempted.)
pub fn check_url(kind: ChannelKind, raw: &str, allowed: Allowed) -> Result<String, AppError> {
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
    let literal = match host {
        url::Host::Ipv4(ip) => Some(std::net::IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(std::net::IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    };
    if literal.is_some_and(is_private) && !allowed.private {
        return Err(AppError::invalid(
            field,
            "is a private or link-local address, which the server does not allow for webhooks",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if local || allowed.http => {}
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

crate::choice!(
    /// Where one delivery stands.
    DeliveryStatus, "status" {
        /// Waiting for its (next) attempt.
        Pending = "pending", "pending";
        Delivered = "delivered", "delivered";
        /// Gave up after its attempts, or the receiver refused it.
        Failed = "failed", "failed";
        /// Its channel was disabled before it was delivered.
        Abandoned = "abandoned", "abandoned";
    }
);

/// One delivery as the channel's log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeliveryView {
    pub id: i64,
    pub channel_id: i64,
    /// What was sent: the monitor and state, or "Test message".
    pub summary: String,
    pub status: DeliveryStatus,
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
        let (strict, http) = (
            Allowed::default(),
            Allowed {
                http: true,
                private: false,
            },
        );
        assert_eq!(
            check_url(hook, " https://alerts.example.com/in ", strict).unwrap(),
            "https://alerts.example.com/in"
        );
        assert!(check_url(hook, "http://127.0.0.1:9000/hook", strict).is_ok());
        assert!(check_url(hook, "http://localhost/hook", strict).is_ok());
        assert!(check_url(hook, "http://[::1]:8080/", strict).is_ok());
        assert!(field_of(check_url(hook, "http://alerts.example.com/in", strict))
            .starts_with("url: must use HTTPS"));
        assert!(check_url(hook, "http://alerts.example.com/in", http).is_ok());
        assert!(field_of(check_url(hook, "ftp://example.com/", http)).contains("not ftp:"));
        assert!(field_of(check_url(hook, "not a url", strict)).starts_with("url: is not a web address"));
        assert!(field_of(check_url(hook, "", strict)).starts_with("url: is required"));
        assert!(field_of(check_url(hook, "https://u:p@example.com/", strict)).contains("user name"));
        // Private and link-local addresses (a cloud metadata address among them) unless allowed.
        for private in [
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest",
            "http://192.168.1.5/",
            "https://[fd00::1]/",
            "https://100.64.0.1/",
        ] {
            assert!(
                field_of(check_url(hook, private, http)).contains("private or link-local"),
                "{private}"
            );
        }
        let inside = Allowed {
            http: true,
            private: true,
        };
        assert!(check_url(hook, "https://10.1.2.3/hook", inside).is_ok());
        assert!(is_private("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!is_private("127.0.0.1".parse().unwrap()) && !is_private("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn a_slack_channel_must_be_a_slack_incoming_webhook() {
        let slack = ChannelKind::Slack;
        let (strict, http) = (
            Allowed::default(),
            Allowed {
                http: true,
                private: false,
            },
        );
        assert!(check_url(slack, "https://hooks.slack.com/services/T000/B000/XXXX", strict).is_ok());
        assert!(
            field_of(check_url(slack, "https://example.com/services/T0/B0/X", strict))
                .contains("not a Slack incoming webhook")
        );
        assert!(
            field_of(check_url(slack, "https://hooks.slack.com/api/x", strict))
                .contains("not a Slack incoming webhook")
        );
        assert!(
            field_of(check_url(slack, "http://hooks.slack.com/services/T0/B0/X", http))
                .contains("not a Slack incoming webhook")
        );
        // A local stand-in (a test's receiver, a relay) is accepted.
        assert!(check_url(slack, "http://127.0.0.1:9000/slack", strict).is_ok());
    }
}
