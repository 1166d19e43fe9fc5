//! User administration; admins only.

use crate::domain::user::UserView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    domain::{
        role::Access,
        user::{parse_role, NewUser},
    },
    server::{auth, db, password},
};

/// Every user.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    db::users::list(&caller.pool).await
}

/// Creates a user with a role.
#[server(endpoint = "create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    password: String,
    role: String,
) -> Result<UserView, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    let user = NewUser::parse(&username, &display_name, &password, &role)?;
    let clear = user.password.expose().to_owned();
    let hash = password::blocking(move || password::hash(&clear))
        .await
        .map_err(|e| AppError::internal("hash password", e))?;
    let created = db::users::insert(&caller.pool, &user, &hash).await?;
    tracing::info!(by = %caller.user.username, user = %created.username, role = %created.role, "user created");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::UserCreated,
        None,
        &created.username,
        format!("global role {}", created.role),
    )
    .await;
    Ok(created)
}

/// Changes a user's role; the last active admin keeps theirs.
#[server(endpoint = "change_role")]
pub async fn change_role(id: i64, role: String) -> Result<UserView, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    let role = parse_role(&role)?;
    let changed = db::users::set_role(&caller.pool, id, role).await?;
    tracing::info!(by = %caller.user.username, user = %changed.username, %role, "role changed");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::UserRoleChanged,
        None,
        &changed.username,
        format!("to {role}"),
    )
    .await;
    Ok(changed)
}

/// Deactivates (their sessions stop working at once) or reactivates a user.
#[server(endpoint = "set_user_active")]
pub async fn set_user_active(id: i64, active: bool) -> Result<UserView, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    if id == caller.user.id && !active {
        return Err(AppError::invalid("active", "you cannot deactivate yourself"));
    }
    let changed = db::users::set_active(&caller.pool, id, active).await?;
    // A deactivated user's keys were revoked; this server forgets them before answering.
    auth::state()?.keys.forget_keys();
    tracing::info!(by = %caller.user.username, user = %changed.username, active, "activation changed");
    let action = if active {
        crate::domain::audit::Action::UserReactivated
    } else {
        crate::domain::audit::Action::UserDeactivated
    };
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        action,
        None,
        &changed.username,
        "",
    )
    .await;
    Ok(changed)
}

/// Recent failed sign-ins per account name and client address, locked ones first (admins).
#[server(endpoint = "list_sign_in_failures")]
pub async fn list_sign_in_failures() -> Result<Vec<crate::domain::throttle::Lockout>, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    db::sign_in_failures::list(&caller.pool, chrono::Utc::now()).await
}

/// Lifts a lock (and forgets the failures) of an account name or client address (admins).
#[server(endpoint = "lift_sign_in_lock")]
pub async fn lift_sign_in_lock(scope: String, subject: String) -> Result<(), AppError> {
    use crate::domain::throttle::Scope;
    let caller = auth::require(Access::ADMIN).await?;
    let scope = Scope::parse(&scope).ok_or_else(|| AppError::invalid("scope", "is account or address"))?;
    let forgotten = db::sign_in_failures::forget(&caller.pool, &[(scope, subject.as_str())]).await?;
    if forgotten == 0 {
        return Err(AppError::NotFound(format!(
            "A sign-in lock of {} '{subject}'",
            scope.as_str()
        )));
    }
    tracing::warn!(by = %caller.user.username, scope = scope.as_str(), subject = %subject, "sign-in lock lifted");
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::SignInLockLifted,
        None,
        &subject,
        scope.as_str(),
    )
    .await;
    Ok(())
}

/// The audit log's entries matching `filter`, newest first, 100 at a time (admins).
#[server(endpoint = "audit_log")]
pub async fn audit_log(
    #[server(default)] filter: crate::domain::audit::AuditFilter,
) -> Result<Vec<crate::domain::audit::AuditEntry>, AppError> {
    let caller = auth::require(Access::ADMIN).await?;
    let filter = filter.parse()?;
    db::audit::list(&caller.pool, &filter, 100).await
}
