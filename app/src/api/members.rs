//! Project membership: a project's viewers, managers and owners see who belongs to it; its
//! owners add members, change their roles and remove them (never the last owner).

use crate::domain::membership::{Members, Membership};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::{ProjectAccess, ProjectRole},
    domain::role::Access,
    server::{auth, db},
};

/// The members of a project with their history; owners also get the users they may add.
#[server(endpoint = "list_members")]
pub async fn list_members(project: String) -> Result<Members, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let editable = ProjectAccess::Edit.allows(caller.role);
    let candidates = if editable {
        db::members::candidates(&caller.pool, caller.project_id).await?
    } else {
        Vec::new()
    };
    Ok(Members {
        members: db::members::list(&caller.pool, caller.project_id).await?,
        history: db::members::history(&caller.pool, caller.project_id).await?,
        candidates,
        editable,
    })
}

/// Adds a user to the project with a role.
#[server(endpoint = "add_member")]
pub async fn add_member(project: String, username: String, role: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let role = ProjectRole::parse(&role)?;
    db::members::add(&caller.pool, caller.project_id, &username, role, caller.user.id).await?;
    tracing::info!(by = %caller.user.username, project = %project, member = %username.trim(), %role, "member added");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::MemberAdded,
        Some(&project),
        username.trim(),
        format!("as {role}"),
    )
    .await;
    Ok(())
}

/// Gives a member another role; the last owner keeps theirs.
#[server(endpoint = "change_member_role")]
pub async fn change_member_role(project: String, username: String, role: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let role = ProjectRole::parse(&role)?;
    db::members::change_role(&caller.pool, caller.project_id, &username, role, caller.user.id).await?;
    // A demoted owner's keys were revoked; this server forgets them before answering.
    auth::state()?.keys.forget_keys();
    tracing::info!(by = %caller.user.username, project = %project, member = %username.trim(), %role, "member role changed");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::MemberRoleChanged,
        Some(&project),
        username.trim(),
        format!("to {role}"),
    )
    .await;
    Ok(())
}

/// Removes a member; from their next request on they have no access to the project.
#[server(endpoint = "remove_member")]
pub async fn remove_member(project: String, username: String) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let released =
        crate::server::membership::remove(&caller.pool, caller.project_id, &username, caller.user.id).await?;
    auth::state()?.keys.forget_keys();
    tracing::info!(by = %caller.user.username, project = %project, member = %username.trim(), released, "member removed");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::MemberRemoved,
        Some(&project),
        username.trim(),
        match released {
            0 => String::new(),
            n => format!("{n} pending assignment(s) released"),
        },
    )
    .await;
    Ok(())
}

/// The caller's own memberships, for showing each page only the controls their role may use.
#[server(endpoint = "my_memberships")]
pub async fn my_memberships() -> Result<Vec<Membership>, AppError> {
    let caller = auth::require(Access::SignedIn).await?;
    db::members::of_user(&caller.pool, caller.user.id).await
}
