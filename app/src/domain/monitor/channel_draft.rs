//! The channel form, parsed: what a person typed becomes a checked channel before anything is
//! stored (the monitor form's counterpart is [`super::draft`]).

use super::channel::{check_url, Allowed, ChannelKind};
use crate::error::AppError;

/// Channels a delivery run disables after this many failures in a row, unless the form says.
pub const DEFAULT_DISABLE_AFTER: i32 = 5;

/// The shortest signing secret a person may choose.
pub const MIN_SECRET_CHARS: usize = 16;

/// What the form asks of a channel's signing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChoice {
    /// A Slack channel: Slack's address is its secret, so none is kept.
    None,
    /// This secret, as typed.
    Given(String),
    /// Left empty: an edit of a signed webhook keeps its secret, anything else gets a new one.
    KeepOrGenerate,
}

/// A checked channel form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDraft {
    /// The channel the form edits; `None` adds one.
    pub existing: Option<i64>,
    pub name: String,
    pub kind: ChannelKind,
    /// Checked by [`check_url`] against what the server allows.
    pub url: String,
    pub secret: SecretChoice,
    pub disable_after: i32,
}

impl ChannelDraft {
    /// Parses the form's fields; `id` is the form's hidden field (0 for a new channel).
    pub fn parse(
        id: i64,
        name: &str,
        kind: &str,
        url: &str,
        secret: &str,
        disable_after: &str,
        allowed: Allowed,
    ) -> Result<Self, AppError> {
        let name = crate::domain::text::bounded("name", name, 1, 80)?;
        let kind = ChannelKind::parse(kind)?;
        let url = check_url(kind, url, allowed)?;
        let disable_after = match disable_after.trim() {
            "" => DEFAULT_DISABLE_AFTER,
            text => text
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| AppError::invalid("disable_after", "must be a whole number from 1 to 100"))?,
        };
        let secret = match (kind, secret.trim()) {
            (ChannelKind::Slack, _) => SecretChoice::None,
            (ChannelKind::Webhook, "") => SecretChoice::KeepOrGenerate,
            (ChannelKind::Webhook, typed) if typed.chars().count() < MIN_SECRET_CHARS => {
                return Err(AppError::invalid(
                    "secret",
                    format!("must be at least {MIN_SECRET_CHARS} characters (or empty to generate one)"),
                ));
            }
            (ChannelKind::Webhook, typed) => SecretChoice::Given(typed.to_owned()),
        };
        Ok(Self {
            existing: (id > 0).then_some(id),
            name,
            kind,
            url,
            secret,
            disable_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        id: i64,
        kind: &str,
        url: &str,
        secret: &str,
        disable_after: &str,
    ) -> Result<ChannelDraft, AppError> {
        ChannelDraft::parse(
            id,
            "On-call",
            kind,
            url,
            secret,
            disable_after,
            Allowed::default(),
        )
    }

    #[test]
    fn a_new_webhook_without_a_secret_asks_for_one_and_an_edit_names_its_channel() {
        let new = parse(0, "webhook", "https://alerts.example.com/in", "", "").unwrap();
        assert_eq!(
            (new.existing, new.secret, new.disable_after),
            (None, SecretChoice::KeepOrGenerate, DEFAULT_DISABLE_AFTER)
        );
        let edit = parse(
            7,
            "webhook",
            "https://alerts.example.com/in",
            "a secret of twenty chars",
            "3",
        )
        .unwrap();
        assert_eq!(
            (edit.existing, edit.secret, edit.disable_after),
            (Some(7), SecretChoice::Given("a secret of twenty chars".into()), 3)
        );
    }

    #[test]
    fn slack_keeps_no_secret_whatever_was_typed() {
        let slack = parse(
            0,
            "slack",
            "https://hooks.slack.com/services/T/B/x",
            "typed anyway",
            "",
        )
        .unwrap();
        assert_eq!(slack.secret, SecretChoice::None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |r: Result<ChannelDraft, AppError>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(
            field(parse(0, "webhook", "https://a.example", "short", "")).as_deref(),
            Some("secret")
        );
        assert_eq!(
            field(parse(0, "webhook", "https://a.example", "", "0")).as_deref(),
            Some("disable_after")
        );
        assert_eq!(
            field(parse(0, "webhook", "https://a.example", "", "1.5")).as_deref(),
            Some("disable_after")
        );
        assert_eq!(
            field(parse(0, "pager", "https://a.example", "", "")).as_deref(),
            Some("kind")
        );
        assert_eq!(
            field(parse(0, "webhook", "ftp://a.example", "", "")).as_deref(),
            Some("url")
        );
        assert_eq!(
            field(ChannelDraft::parse(
                0,
                " ",
                "webhook",
                "https://a.example",
                "",
                "",
                Allowed::default()
            ))
            .as_deref(),
            Some("name")
        );
    }
}
