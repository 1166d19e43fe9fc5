//! Who is calling: the typed session and the one authorization gate every server function uses.
//!
//! A server function gets its database pool only through this module: [`require_project`] for
//! anything that concerns one project (the caller's role there is checked), [`require_queue`]
//! for an annotator's own queue, [`require`] for what concerns no single project (users,
//! creating a project, the caller's own lists), or [`public`] for the few that anonymous
//! callers may use. A handler that skips the check has no way to reach the data. The HTTP layer
//! adds a second net: any server function not listed as public refuses anonymous callers
//! before its arguments are even decoded.

use super::db;
use super::state::AppState;
use crate::domain::membership::{not_found, ProjectAccess, ProjectRole};
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
            .map_err(|e| AppError::internal("session missing", e))
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
            .map_err(|e| AppError::internal("cycle session id", e))?;
        self.0
            .insert(USER_ID, user_id)
            .await
            .map_err(|e| AppError::internal("store session", e))?;
        let now = chrono::Utc::now().timestamp();
        self.0
            .insert(SIGNED_IN_AT, now)
            .await
            .map_err(|e| AppError::internal("store session", e))
    }

    /// Ends the session on the server: its record is deleted and the cookie cleared.
    pub async fn log_out(&self) -> Result<(), AppError> {
        self.0
            .flush()
            .await
            .map_err(|e| AppError::internal("flush session", e))
    }

    /// The signed-in user's id, if the session has one and it is within its absolute lifetime.
    pub async fn user_id(&self, policy: &super::state::SessionPolicy) -> Result<Option<i64>, AppError> {
        let id: Option<i64> = self
            .0
            .get(USER_ID)
            .await
            .map_err(|e| AppError::internal("read session", e))?;
        let signed_in_at: Option<i64> = self
            .0
            .get(SIGNED_IN_AT)
            .await
            .map_err(|e| AppError::internal("read session", e))?;
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
    super::request::note_caller(&user.username, None);
    if !access.allows(user.role) {
        tracing::warn!(user = %user.username, role = %user.role, "refused: {}", access.refusal());
        return Err(AppError::Forbidden(access.refusal()));
    }
    Ok(Authorized {
        user,
        pool: state.pool,
    })
}

/// A caller allowed into one project, with their role there and the pool to serve them.
pub struct ProjectCaller {
    pub user: UserView,
    pub project_id: i64,
    /// The role the caller acts with (admins: owner).
    pub role: ProjectRole,
    pub pool: PgPool,
}

/// Checks the signed-in caller may act in project `slug` with `access`: a non-member (or a
/// missing project) is not found, a weaker role is forbidden. Every server function that
/// concerns a project starts with this.
pub async fn require_project(slug: &str, access: ProjectAccess) -> Result<ProjectCaller, AppError> {
    let Authorized { user, pool } = require(Access::SignedIn).await?;
    super::request::note_caller(&user.username, Some(slug));
    let (project_id, role) = project_role(&pool, &user, slug, access).await?;
    Ok(ProjectCaller {
        user,
        project_id,
        role,
        pool,
    })
}

/// The project id and the role `user` acts with in project `slug`, if `access` allows it. The
/// REST API decides its user callers with this too, so both doors apply one rule.
pub async fn project_role(
    pool: &PgPool,
    user: &UserView,
    slug: &str,
    access: ProjectAccess,
) -> Result<(i64, ProjectRole), AppError> {
    let standing = db::members::standing(pool, slug, user.id).await?;
    let project_id = standing.project_id.ok_or_else(|| not_found(slug))?;
    let role = access
        .decide(slug, user.role.is_admin(), standing.role)
        .inspect_err(|error| tracing::warn!(user = %user.username, project = %slug.trim(), ?access, "refused: {error}"))?;
    Ok((project_id, role))
}

/// An annotator allowed into one of their queues.
pub struct QueueCaller {
    pub user: UserView,
    pub project_id: i64,
    pub pool: PgPool,
}

/// Checks the caller is an annotator of `queue` and still belongs to its project: a queue of a
/// project they cannot see is not found; someone else's queue is forbidden.
pub async fn require_queue(queue: i64) -> Result<QueueCaller, AppError> {
    let Authorized { user, pool } = require(Access::SignedIn).await?;
    let standing = db::queues::annotator_standing(&pool, queue, user.id, user.role.is_admin()).await?;
    match standing {
        Some(found) if found.in_project && found.assigned => Ok(QueueCaller {
            user,
            project_id: found.project_id,
            pool,
        }),
        Some(found) if found.in_project => {
            tracing::warn!(user = %user.username, queue, "refused: not an annotator of this queue");
            Err(AppError::Forbidden(
                "This queue is assigned to other annotators.".into(),
            ))
        }
        _ => Err(AppError::NotFound(format!("queue {queue}"))),
    }
}

/// The pool and session for the few server functions anonymous callers may use (sign-in).
pub async fn public() -> Result<(PgPool, AuthSession), AppError> {
    Ok((state()?.pool, AuthSession::current().await?))
}

/// The projects `user` belongs to, with their role in each; admins, every project as owners.
pub async fn projects_of(
    pool: &PgPool,
    user: &UserView,
) -> Result<Vec<crate::domain::project::ProjectListing>, AppError> {
    if !user.role.is_admin() {
        return db::projects::list_for_member(pool, user.id).await;
    }
    Ok(db::projects::list(pool)
        .await?
        .into_iter()
        .map(|project| crate::domain::project::ProjectListing {
            project,
            role: ProjectRole::Owner,
        })
        .collect())
}
