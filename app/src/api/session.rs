//! Signing in and out, and who is signed in.

use crate::domain::user::UserView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{auth, request, sign_in};

/// Signs a user in and cycles the session id. Open to anonymous callers; throttled per account
/// name and client address (see `server::sign_in`).
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<UserView, AppError> {
    let (pool, session) = auth::public().await?;
    if username.trim().is_empty() {
        return Err(AppError::invalid("username", "must not be empty"));
    }
    if username.chars().count() > 200 || password.chars().count() > 1_000 {
        return Err(AppError::invalid("password", sign_in::WRONG_CREDENTIALS));
    }
    let user = sign_in::check(&pool, &username, password, &request::client_address()).await?;
    if !user.active {
        return Err(AppError::invalid(
            "username",
            "This account is deactivated; ask an admin to reactivate it.",
        ));
    }
    session.log_in(user.id).await?;
    tracing::info!(user = %user.username, "signed in");
    crate::server::audit::note(
        &pool,
        &user.username,
        crate::domain::audit::Action::SignInSucceeded,
        None,
        &user.username,
        "",
    )
    .await;
    Ok(user)
}

/// Ends the caller's session on the server. Open to anonymous callers (it is then a no-op).
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let (_, session) = auth::public().await?;
    session.log_out().await
}

/// The signed-in user, or `None`. Open to anonymous callers.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let (_, session) = auth::public().await?;
    auth::signed_in_user(&auth::state()?, &session).await
}
