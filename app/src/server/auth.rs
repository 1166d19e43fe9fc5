//! Who is calling: the typed session and the one authorization gate every server function uses.
//!
//! A server function gets its database pool only through [`require`] (or [`public`] for the few
//! that anonymous callers may use), so a handler that skips the role check has no way to reach
//! the data. The HTTP layer adds a second net: any server function not listed as public refuses
//! anonymous callers before its arguments are even decoded.

use super::db;
use super::state::AppState;
use crate::domain::role::Access;
use crate::domain::user::UserView;
use crate::error::AppError;
use leptos::prelude::use_context;
use sqlx::PgPool;
use tower_sessions::Session;

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";

/// The caller, checked against a handler's [`Access`], with the pool to serve them.
pub struct Authorized {
    pub user: UserView,
    pub pool: PgPool,
}

/// A typed view of the tower session.
pub struct AuthSession(Session);

impl AuthSession {
    /// The session of the current request.
    pub async fn current() -> Result<Self, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map(Self)
            .map_err(|e| internal("session missing", e))
    }

    /// Wraps a session taken from a request elsewhere (the HTTP gate).
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// Signs `user_id` in; the session id is cycled so a planted id is worthless.
    pub async fn log_in(&self, user_id: i64) -> Result<(), AppError> {
        self.0
            .cycle_id()
            .await
            .map_err(|e| internal("cycle session id", e))?;
        self.0
            .insert(USER_ID, user_id)
            .await
            .map_err(|e| internal("store session", e))?;
        let now = chrono::Utc::now().timestamp();
        self.0
            .insert(SIGNED_IN_AT, now)
            .await
            .map_err(|e| internal("store session", e))
    }

    /// Ends the session on the server: its record is deleted and the cookie cleared.
    pub async fn log_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(|e| internal("flush session", e))
    }

    /// The signed-in user's id, if the session has one and it is within its absolute lifetime.
    pub async fn user_id(&self, policy: &super::state::SessionPolicy) -> Result<Option<i64>, AppError> {
        let id: Option<i64> = self
            .0
            .get(USER_ID)
            .await
            .map_err(|e| internal("read session", e))?;
        let signed_in_at: Option<i64> = self
            .0
            .get(SIGNED_IN_AT)
            .await
            .map_err(|e| internal("read session", e))?;
        let (Some(id), Some(signed_in_at)) = (id, signed_in_at) else {
            return Ok(None);
        };
        let age = chrono::Utc::now().timestamp() - signed_in_at;
        if age > policy.absolute_lifetime.num_seconds() {
            self.log_out().await?;
            return Ok(None);
        }
        Ok(Some(id))
    }
}

/// The application state inside a server function.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::Internal("application state missing".into()))
}

/// The signed-in, active user of this request, if any. A deactivated user's session is ended.
pub async fn signed_in_user(state: &AppState, session: &AuthSession) -> Result<Option<UserView>, AppError> {
    let Some(id) = session.user_id(&state.sessions).await? else {
        return Ok(None);
    };
    match db::users::find_by_id(&state.pool, id).await? {
        Some(user) if user.active => Ok(Some(user)),
        _ => {
            session.log_out().await?;
            Ok(None)
        }
    }
}

/// The user the HTTP gate already loaded for this request, so a server function called over
/// HTTP does not look the session up a second time.
#[derive(Debug, Clone)]
pub struct GatedUser(pub UserView);

/// Checks the caller against `access` and hands out the pool. Every server function that is not
/// public starts with this.
pub async fn require(access: Access) -> Result<Authorized, AppError> {
    let state = state()?;
    let gated =
        use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<GatedUser>().cloned());
    let user = match gated {
        Some(GatedUser(user)) => user,
        // Called while rendering a page: the gate did not run, so load the user here.
        None => {
            let session = AuthSession::current().await?;
            signed_in_user(&state, &session)
                .await?
                .ok_or(AppError::Unauthorized)?
        }
    };
    if !access.allows(user.role) {
        tracing::warn!(user = %user.username, role = %user.role, "refused: {}", access.refusal());
        return Err(AppError::Forbidden(access.refusal()));
    }
    Ok(Authorized {
        user,
        pool: state.pool,
    })
}

/// The pool and session for the few server functions anonymous callers may use (sign-in).
pub async fn public() -> Result<(PgPool, AuthSession), AppError> {
    Ok((state()?.pool, AuthSession::current().await?))
}

/// Logs an unexpected error in full and returns the opaque variant shown to users.
pub fn internal(context: &str, error: impl std::fmt::Display) -> AppError {
    let reference = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f").to_string();
    tracing::error!(%reference, "{context}: {error}");
    AppError::Internal(format!("ref {reference}"))
}
