//! Writing the audit log from the actions it covers. An entry that cannot be written is logged
//! as an error; the action it describes has already happened and stands.

use super::db::audit::{self, NewEntry};
use super::request::client_address;
use crate::domain::audit::Action;
use sqlx::PgPool;

/// Records `action` by `actor` on `target` (in `project`), from the current request's client.
pub async fn note(
    pool: &PgPool,
    actor: &str,
    action: Action,
    project: Option<&str>,
    target: &str,
    detail: impl Into<String>,
) {
    let address = client_address();
    let entry = NewEntry {
        actor,
        action,
        project,
        target,
        detail: detail.into(),
        address: &address,
    };
    if let Err(error) = audit::insert(pool, &entry).await {
        tracing::error!(
            action = action.as_str(),
            actor,
            target,
            "cannot write the audit log: {error}"
        );
    }
}
