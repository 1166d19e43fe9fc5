//! Who is calling the REST API. The pool is reachable only through [`ApiCaller::require`], so a
//! handler cannot touch data without stating who may call it.

use super::error::ApiError;
use app::domain::role::Access;
use app::domain::user::UserView;
use app::error::AppError;
use app::server::auth::{signed_in_user, AuthSession};
use app::server::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::PgPool;
use tower_sessions::Session;

/// An authenticated caller whose role is not yet checked.
pub struct ApiCaller {
    user: UserView,
    pool: PgPool,
}

/// A caller that passed a handler's access rule.
pub struct Allowed {
    pub user: UserView,
    pub pool: PgPool,
}

impl ApiCaller {
    /// Checks the caller against `access`: 403 when the role may not.
    pub fn require(self, access: Access) -> Result<Allowed, ApiError> {
        if !access.allows(self.user.role) {
            return Err(AppError::Forbidden(access.refusal()).into());
        }
        Ok(Allowed {
            user: self.user,
            pool: self.pool,
        })
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            // API keys arrive with the ingestion work; until then a key is never valid.
            return Err(AppError::Unauthorized.into());
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::Internal(message.to_owned()))?;
        let user = signed_in_user(state, &AuthSession::new(session))
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            user,
            pool: state.pool.clone(),
        })
    }
}
