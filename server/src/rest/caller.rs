//! Who is calling the REST API: a signed-in user (session cookie) or a project API key
//! (`Authorization: Bearer vk_…`). The pool is reachable only through
//! [`ApiCaller::for_project`], which checks the caller's project role (or the key's project)
//! in one place, with the same rule as the server functions.

use super::error::ApiError;
use app::domain::actor::Actor;
use app::domain::membership::{not_found, ProjectAccess, ProjectRole};
use app::domain::user::UserView;
use app::error::AppError;
use app::server::auth::{project_role, signed_in_user, AuthSession};
use app::server::key_cache::KeyCache;
use app::server::request::note_caller;
use app::server::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::PgPool;
use std::sync::Arc;
use tower_sessions::Session;

enum Principal {
    User(UserView),
    /// A project key acts as an owner in its own project only; its changes are recorded
    /// under the key.
    Key {
        id: i64,
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
    /// Who is recorded in histories: the user, or the key (with its creator).
    pub actor: Actor,
}

impl ApiCaller {
    /// Resolves `project` and checks the caller may act there with `access`: a user by their
    /// role in the project, a key by belonging to it (keys have owner rights in their project
    /// and no others). A project the caller cannot see is not found.
    pub async fn for_project(self, project: &str, access: ProjectAccess) -> Result<Allowed, ApiError> {
        let (project_id, actor) = match self.principal {
            Principal::User(user) => {
                note_caller(&user.username, Some(project));
                let (project_id, _) = project_role(&self.pool, &user, project, access).await?;
                (project_id, Actor::user(user.id))
            }
            Principal::Key {
                id,
                project_id: own,
                created_by,
            } => {
                note_caller(&format!("api-key:{id}"), Some(project));
                let project_id = self.keys.project_id(&self.pool, project).await?;
                if project_id != own {
                    return Err(not_found(project).into());
                }
                access.decide(project, false, Some(ProjectRole::Owner))?;
                (project_id, Actor::key(id, created_by))
            }
        };
        Ok(Allowed {
            pool: self.pool,
            project_id,
            actor,
        })
    }

    /// The project of the API key presented, checked for `access` as [`Self::for_project`]
    /// does; a signed-in user, who has no single project, is told to present a key.
    pub async fn key_project(self, access: ProjectAccess) -> Result<Allowed, ApiError> {
        match self.principal {
            Principal::Key {
                id,
                project_id,
                created_by,
            } => {
                note_caller(&format!("api-key:{id}"), None);
                access.decide("", false, Some(ProjectRole::Owner))?;
                Ok(Allowed {
                    pool: self.pool,
                    project_id,
                    actor: Actor::key(id, created_by),
                })
            }
            Principal::User(_) => Err(AppError::Unauthorized.into()),
        }
    }

    /// The pool, for an admin signed in (a project key is refused: it speaks for one project).
    pub async fn admin(self) -> Result<PgPool, ApiError> {
        match self.principal {
            Principal::User(user) if user.role.is_admin() => {
                note_caller(&user.username, None);
                Ok(self.pool)
            }
            Principal::User(user) => {
                note_caller(&user.username, None);
                Err(AppError::Forbidden("Admins only.".into()).into())
            }
            Principal::Key { id, .. } => {
                note_caller(&format!("api-key:{id}"), None);
                Err(
                    AppError::Forbidden("A project API key cannot read what concerns every project.".into())
                        .into(),
                )
            }
        }
    }

    /// The projects the caller reads, as (slug, name, id): a user's projects where they are a
    /// viewer, manager or owner (admins: all); a key's own project.
    pub async fn readable_projects(self) -> Result<(PgPool, Vec<(String, String, i64)>), ApiError> {
        let projects = match &self.principal {
            Principal::User(user) => {
                note_caller(&user.username, None);
                app::server::auth::projects_of(&self.pool, user)
                    .await?
                    .into_iter()
                    .filter(|p| ProjectAccess::Read.allows(p.role))
                    .map(|p| (p.project.slug, p.project.name, p.project.id))
                    .collect()
            }
            Principal::Key { id, project_id, .. } => {
                note_caller(&format!("api-key:{id}"), None);
                app::server::db::projects::find_by_id(&self.pool, *project_id)
                    .await?
                    .map(|p| (p.slug, p.name, p.id))
                    .into_iter()
                    .collect()
            }
        };
        Ok((self.pool, projects))
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
                id: key.id,
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
