//! The audit log: who did what, when and from where, for the actions an administrator answers
//! for — sign-ins, users and their roles, project memberships, projects, API keys, LLM endpoints
//! and alert channels.

use crate::choice;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

choice!(
    /// What was done.
    Action, "action" {
        SignInSucceeded = "sign_in.succeeded", "Signed in";
        SignInFailed = "sign_in.failed", "Sign-in failed";
        SignInLocked = "sign_in.locked", "Sign-in locked";
        SignInLockLifted = "sign_in.lock_lifted", "Sign-in lock lifted";
        UserCreated = "user.created", "User created";
        UserRoleChanged = "user.role_changed", "Global role changed";
        UserDeactivated = "user.deactivated", "User deactivated";
        UserReactivated = "user.reactivated", "User reactivated";
        MemberAdded = "membership.added", "Member added";
        MemberRoleChanged = "membership.role_changed", "Member's role changed";
        MemberRemoved = "membership.removed", "Member removed";
        ProjectCreated = "project.created", "Project created";
        ApiKeyCreated = "api_key.created", "API key created";
        ApiKeyRevoked = "api_key.revoked", "API key revoked";
        EndpointsSaved = "endpoint.saved", "LLM endpoints saved";
        ChannelSaved = "channel.saved", "Alert channel saved";
        ChannelDeleted = "channel.deleted", "Alert channel deleted";
        ChannelEnabled = "channel.enabled", "Alert channel re-enabled";
    }
);

impl Action {
    /// The kind of thing acted on: the part before the dot.
    pub fn category(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }

    /// Whether an admin should look twice: a failed or locked sign-in (someone may be guessing).
    pub fn is_alarm(self) -> bool {
        matches!(self, Self::SignInFailed | Self::SignInLocked)
    }
}

/// The categories, for the filter.
pub const CATEGORIES: [&str; 7] = [
    "sign_in",
    "user",
    "membership",
    "project",
    "api_key",
    "endpoint",
    "channel",
];

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The username who acted; for sign-ins, the name that was typed.
    pub actor: String,
    pub action: Action,
    /// The project's slug, when the action concerns one.
    pub project: Option<String>,
    /// What was acted on (a username, a key prefix, a channel name).
    pub target: String,
    pub detail: String,
    /// The client's address.
    pub address: String,
}

/// The log's filters as the address carries them (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub category: String,
    pub actor: String,
    pub project: String,
    /// First day (YYYY-MM-DD, UTC).
    pub from: String,
    /// Last day (YYYY-MM-DD, UTC).
    pub to: String,
    /// Entries older than this id (the next page).
    pub before: String,
}

/// A checked filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedAuditFilter {
    pub category: Option<String>,
    pub actor: Option<String>,
    pub project: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub before: Option<i64>,
}

impl AuditFilter {
    /// Checks each filter; a bad one names its field.
    pub fn parse(&self) -> Result<ParsedAuditFilter, AppError> {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let day = |field: &str, value: &str| {
            text(value)
                .map(|v| {
                    NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid(field, format!("'{v}' is not a date (YYYY-MM-DD)")))
                })
                .transpose()
        };
        let category = text(&self.category);
        if let Some(c) = category.as_deref().filter(|c| !CATEGORIES.contains(c)) {
            return Err(AppError::invalid(
                "category",
                format!("'{c}' is not one of: {}", CATEGORIES.join(", ")),
            ));
        }
        let (from, to) = (day("from", &self.from)?, day("to", &self.to)?);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(AppError::invalid("to", "is before from"));
            }
        }
        let before = text(&self.before)
            .map(|b| {
                b.parse::<i64>()
                    .map_err(|_| AppError::invalid("before", "is an entry id"))
            })
            .transpose()?;
        Ok(ParsedAuditFilter {
            category,
            actor: text(&self.actor),
            project: text(&self.project),
            from,
            to,
            before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_belong_to_a_listed_category() {
        for action in Action::ALL {
            assert!(CATEGORIES.contains(&action.category()), "{action:?}");
        }
        assert_eq!(Action::parse("api_key.revoked").unwrap(), Action::ApiKeyRevoked);
    }

    #[test]
    fn only_failed_and_locked_sign_ins_are_alarms() {
        let alarms: Vec<Action> = Action::ALL.iter().copied().filter(|a| a.is_alarm()).collect();
        assert_eq!(alarms, [Action::SignInFailed, Action::SignInLocked]);
    }

    #[test]
    fn filters_are_checked_and_name_the_bad_field() {
        let parsed = AuditFilter {
            category: "sign_in".into(),
            actor: " otto ".into(),
            from: "2026-12-01".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(parsed.category.as_deref(), Some("sign_in"));
        assert_eq!(parsed.actor.as_deref(), Some("otto"));
        assert_eq!(parsed.from, NaiveDate::from_ymd_opt(2026, 12, 1));
        for (filter, field) in [
            (
                AuditFilter {
                    category: "metrics".into(),
                    ..Default::default()
                },
                "category",
            ),
            (
                AuditFilter {
                    from: "yesterday".into(),
                    ..Default::default()
                },
                "from",
            ),
            (
                AuditFilter {
                    from: "2026-12-02".into(),
                    to: "2026-12-01".into(),
                    ..Default::default()
                },
                "to",
            ),
            (
                AuditFilter {
                    before: "x".into(),
                    ..Default::default()
                },
                "before",
            ),
        ] {
            assert_eq!(filter.parse().unwrap_err().field(), Some(field));
        }
    }
}
