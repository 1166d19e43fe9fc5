//! Saving an alert channel: a checked draft meets what is stored (an edit of a signed webhook
//! keeps its secret unless a new one is typed; a new webhook without one gets a generated
//! secret, answered this once).

use super::db;
use crate::domain::monitor::channel_draft::{ChannelDraft, SecretChoice};
use crate::error::AppError;
use sqlx::PgPool;

/// What saving a channel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedChannel {
    pub id: i64,
    /// A secret Vernier generated, shown to the person this once.
    pub generated_secret: Option<String>,
    /// Whether a signing secret was written (typed or generated).
    pub secret_set: bool,
}

impl SavedChannel {
    /// The audit log's detail: "new webhook https://… , signing secret set".
    pub fn audit_detail(&self, draft: &ChannelDraft) -> String {
        format!(
            "{} {} {}{}",
            if draft.existing.is_none() {
                "new"
            } else {
                "changed"
            },
            draft.kind.as_str(),
            draft.url,
            if self.secret_set {
                ", signing secret set"
            } else {
                ""
            }
        )
    }
}

/// Stores `draft` in the project: see the module documentation.
pub async fn save(
    pool: &PgPool,
    project_id: i64,
    draft: &ChannelDraft,
    by: i64,
) -> Result<SavedChannel, AppError> {
    let keeps_stored = match (&draft.secret, draft.existing) {
        (SecretChoice::KeepOrGenerate, Some(id)) => db::alert_channels::list(pool, project_id)
            .await?
            .iter()
            .any(|c| c.id == id && c.signed),
        _ => false,
    };
    let (secret, generated_secret) = match &draft.secret {
        SecretChoice::None => (Some(String::new()), None),
        SecretChoice::Given(typed) => (Some(typed.clone()), None),
        // A Slack channel turned webhook has no stored secret to keep.
        SecretChoice::KeepOrGenerate if keeps_stored => (None, None),
        SecretChoice::KeepOrGenerate => {
            let secret = generate_secret();
            (Some(secret.clone()), Some(secret))
        }
    };
    let secret_set = secret.as_deref().is_some_and(|s| !s.is_empty());
    let channel = db::alert_channels::NewChannel {
        name: draft.name.clone(),
        kind: draft.kind,
        url: draft.url.clone(),
        secret,
        disable_after: draft.disable_after,
    };
    let id = db::alert_channels::save(pool, project_id, draft.existing, &channel, by).await?;
    Ok(SavedChannel {
        id,
        generated_secret,
        secret_set,
    })
}

/// A new signing secret: `whsec_` and the random part of an API key.
fn generate_secret() -> String {
    let (key, _) = super::api_keys::generate();
    format!("whsec_{}", key.trim_start_matches("vk_").replace('_', ""))
}
