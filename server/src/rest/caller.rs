//! Who is calling the REST API: a signed-in user (session cookie) or a project API key
//! (`Authorization: Bearer vk_…`). The pool is reachable only through
//! [`ApiCaller::for_project`], which checks the role (or the key's project) in one place.

use super::error::ApiError;
use app::domain::role::Access;
use app::domain::user::UserView;
use app::error::AppError;
use app::server::auth::{signed_in_user, AuthSession};
use app::server::key_cache::KeyCache;
use app::server::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::PgPool;
use std::sync::Arc;
use tower_sessions::Session;

enum Principal {
    User(UserView),
    /// A project key acts in its own project only, with its creator recorded as the actor.
    Key {
        project_id: i64,
        created_by: i64,
    },
}

/// An authenticated caller whose rights are not yet checked.
pub struct ApiCaller {
    principal: Principal,
    pool: PgPool,
    keys: Arc<KeyCache>,
}

/// A caller allowed to act in one project.
pub struct Allowed {
    pub pool: PgPool,
    pub project_id: i64,
    /// The user recorded in histories (the key's creator for key calls).
    pub actor: i64,
}

impl ApiCaller {
    /// Resolves `project` and checks the caller may act there with `access`: a user by role,
    /// a key by belonging to that project (keys have owner rights in their project).
    pub async fn for_project(self, project: &str, access: Access) -> Result<Allowed, ApiError> {
        let project_id = self.keys.project_id(&self.pool, project).await?;
        let actor = match self.principal {
            Principal::User(user) if access.allows(user.role) => user.id,
            Principal::User(_) => return Err(AppError::Forbidden(access.refusal()).into()),
            Principal::Key {
                project_id: own,
                created_by,
            } if own == project_id => created_by,
            Principal::Key { .. } => {
                return Err(AppError::Forbidden("This API key belongs to another project.".into()).into())
            }
        };
        Ok(Allowed {
            pool: self.pool,
            project_id,
            actor,
        })
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (pool, keys) = (state.pool.clone(), state.keys.clone());
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let presented = header
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or_default()
                .trim();
            let key = keys
                .verify(&pool, presented)
                .await?
                .ok_or(AppError::Unauthorized)?;
            let principal = Principal::Key {
                project_id: key.project_id,
                created_by: key.created_by,
            };
            return Ok(Self {
                principal,
                pool,
                keys,
            });
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::Internal(message.to_owned()))?;
        let user = signed_in_user(state, &AuthSession::new(session))
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            principal: Principal::User(user),
            pool,
            keys,
        })
    }
}
