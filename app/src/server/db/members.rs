//! Project membership: who holds which role in a project, and every change to it.
//!
//! Changes lock the project row first, so two owners demoting each other at once cannot leave a
//! project without an owner.

use super::{database, map_unique};
use crate::domain::membership::{keeps_an_owner, MemberChange, MemberView, Membership, ProjectRole};
use crate::domain::person::Person;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// Where a caller stands with a project: its id (`None` when no project has the slug) and the
/// caller's membership role, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub project_id: Option<i64>,
    pub role: Option<ProjectRole>,
}

/// The project with `slug` and `user_id`'s role in it, in one query.
pub async fn standing(pool: &PgPool, slug: &str, user_id: i64) -> Result<Standing, AppError> {
    let row: Option<(i64, Option<ProjectRole>)> = sqlx::query_as(
        "SELECT p.id, m.role FROM projects p
         LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
         WHERE p.slug = $1",
    )
    .bind(slug.trim())
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let Some((project_id, role)) = row else {
        return Ok(Standing {
            project_id: None,
            role: None,
        });
    };
    Ok(Standing {
        project_id: Some(project_id),
        role,
    })
}

/// Every project `user_id` belongs to, with their role, by slug.
pub async fn of_user(pool: &PgPool, user_id: i64) -> Result<Vec<Membership>, AppError> {
    let rows: Vec<(String, ProjectRole)> = sqlx::query_as(
        "SELECT p.slug, m.role FROM project_members m JOIN projects p ON p.id = m.project_id
         WHERE m.user_id = $1 ORDER BY p.slug",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, role)| Membership { slug, role })
        .collect())
}

/// The members of a project, by display name.
pub async fn list(pool: &PgPool, project_id: i64) -> Result<Vec<MemberView>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.username, u.display_name, m.role, u.active, m.added_at
         FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 ORDER BY lower(u.display_name), u.username",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// The active members of a project holding `role`, by username.
pub async fn usernames_with_role(
    pool: &PgPool,
    project_id: i64,
    role: ProjectRole,
) -> Result<Vec<String>, AppError> {
    sqlx::query_scalar(
        "SELECT u.username FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 AND m.role = $2 AND u.active ORDER BY u.username",
    )
    .bind(project_id)
    .bind(role)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// Every recorded membership change of a project, newest first.
pub async fn history(pool: &PgPool, project_id: i64) -> Result<Vec<MemberChange>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.username, b.display_name AS changed_by, c.old_role, c.new_role, c.changed_at
         FROM project_member_changes c
         JOIN users u ON u.id = c.user_id JOIN users b ON b.id = c.changed_by
         WHERE c.project_id = $1 ORDER BY c.changed_at DESC, c.id DESC",
    )
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

/// Who may own a project's metrics: its active members and the active admins, by name.
pub async fn people(pool: &PgPool, project_id: i64) -> Result<Vec<Person>, AppError> {
    persons(
        sqlx::query_as(
            "SELECT u.username, u.display_name FROM users u
             WHERE u.active AND (u.role = 'admin' OR EXISTS
                (SELECT 1 FROM project_members m WHERE m.project_id = $1 AND m.user_id = u.id))
             ORDER BY lower(u.display_name), u.username",
        )
        .bind(project_id)
        .fetch_all(pool)
        .await?,
    )
}

/// The active people who share a project with `user_id` (and the admins), by name: the owner
/// choices of a list that spans the caller's projects. Admins see every active user.
pub async fn people_near(pool: &PgPool, user_id: i64, admin: bool) -> Result<Vec<Person>, AppError> {
    persons(
        sqlx::query_as(
            "SELECT u.username, u.display_name FROM users u
             WHERE u.active AND ($2 OR u.role = 'admin' OR u.id = $1 OR EXISTS
                (SELECT 1 FROM project_members mine JOIN project_members theirs ON theirs.project_id = mine.project_id
                 WHERE mine.user_id = $1 AND theirs.user_id = u.id))
             ORDER BY lower(u.display_name), u.username",
        )
        .bind(user_id)
        .bind(admin)
        .fetch_all(pool)
        .await?,
    )
}

fn persons(rows: Vec<(String, String)>) -> Result<Vec<Person>, AppError> {
    Ok(rows
        .into_iter()
        .map(|(username, display_name)| Person {
            username,
            display_name,
        })
        .collect())
}

/// Active users who are not members of the project: whom an owner may add.
pub async fn candidates(pool: &PgPool, project_id: i64) -> Result<Vec<Person>, AppError> {
    persons(
        sqlx::query_as(
            "SELECT u.username, u.display_name FROM users u
             WHERE u.active AND NOT EXISTS
                (SELECT 1 FROM project_members m WHERE m.project_id = $1 AND m.user_id = u.id)
             ORDER BY lower(u.display_name), u.username",
        )
        .bind(project_id)
        .fetch_all(pool)
        .await?,
    )
}

/// Adds `username` to the project with `role`. An unknown or deactivated user is refused on
/// `username`, and so is someone who is already a member.
pub async fn add(
    pool: &PgPool,
    project_id: i64,
    username: &str,
    role: ProjectRole,
    by: i64,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let user_id = active_user(&mut tx, username).await?;
    add_in(&mut tx, project_id, user_id, role, by).await?;
    tx.commit().await.map_err(database)
}

/// Adds a member within a caller's transaction (a new project's creator becomes its owner).
pub async fn add_in(
    connection: &mut PgConnection,
    project_id: i64,
    user_id: i64,
    role: ProjectRole,
    by: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(project_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *connection)
        .await
        .map_err(|e| {
            map_unique(
                e,
                "project_members_pkey",
                "username",
                "is already a member of this project; change their role instead",
            )
        })?;
    record(connection, project_id, user_id, by, None, Some(role)).await
}

/// Gives a member another role; the last owner cannot be demoted.
pub async fn change_role(
    pool: &PgPool,
    project_id: i64,
    username: &str,
    role: ProjectRole,
    by: i64,
) -> Result<(), AppError> {
    change(pool, project_id, username, Some(role), by).await
}

/// Removes a member within the caller's transaction and answers their user id; the last owner
/// cannot be removed. Their sessions stay, but from their next request on they have no access
/// to the project. An owner who is removed loses the API keys they created in the project. (The
/// use case `membership::remove` also releases what they were assigned to rate.)
pub async fn remove_in(
    connection: &mut PgConnection,
    project_id: i64,
    username: &str,
    by: i64,
) -> Result<i64, AppError> {
    change_in(connection, project_id, username, None, by).await
}

async fn change(
    pool: &PgPool,
    project_id: i64,
    username: &str,
    next: Option<ProjectRole>,
    by: i64,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    change_in(&mut tx, project_id, username, next, by).await?;
    tx.commit().await.map_err(database)
}

/// Changes (or, with `next` `None`, ends) a membership; answers the member's user id. An owner
/// who is removed or demoted loses the API keys they created in the project, in the same
/// transaction.
async fn change_in(
    tx: &mut PgConnection,
    project_id: i64,
    username: &str,
    next: Option<ProjectRole>,
    by: i64,
) -> Result<i64, AppError> {
    sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    let (user_id, current) = member(&mut *tx, project_id, username).await?;
    if next == Some(current) {
        return Ok(user_id);
    }
    // Only owners who can still sign in keep a project owned.
    let owners: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 AND m.role = 'owner' AND u.active",
    )
    .bind(project_id)
    .fetch_one(&mut *tx)
    .await?;
    keeps_an_owner(usize::try_from(owners).unwrap_or_default(), current, next)?;
    let query = match next {
        Some(role) => {
            sqlx::query("UPDATE project_members SET role = $3 WHERE project_id = $1 AND user_id = $2")
                .bind(project_id)
                .bind(user_id)
                .bind(role.as_str())
        }
        None => sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(user_id),
    };
    query.execute(&mut *tx).await?;
    if current == ProjectRole::Owner && next != Some(ProjectRole::Owner) {
        // An owner's API keys act with owner rights: they end with the owner's.
        super::api_keys::revoke_created_by(&mut *tx, Some(project_id), user_id).await?;
    }
    record(&mut *tx, project_id, user_id, by, Some(current), next).await?;
    Ok(user_id)
}

/// The id and current role of member `username`, or a validation error on `username`.
async fn member(
    connection: &mut PgConnection,
    project_id: i64,
    username: &str,
) -> Result<(i64, ProjectRole), AppError> {
    let row: Option<(i64, ProjectRole)> = sqlx::query_as(
        "SELECT u.id, m.role FROM project_members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 AND u.username = $2 FOR UPDATE OF m",
    )
    .bind(project_id)
    .bind(username.trim().to_lowercase())
    .fetch_optional(&mut *connection)
    .await?;
    let (id, role) = row.ok_or_else(|| {
        AppError::invalid(
            "username",
            format!("'{}' is not a member of this project", username.trim()),
        )
    })?;
    Ok((id, role))
}

async fn active_user(connection: &mut PgConnection, username: &str) -> Result<i64, AppError> {
    let wanted = username.trim().to_lowercase();
    if wanted.is_empty() {
        return Err(AppError::invalid("username", "choose a user"));
    }
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND active")
        .bind(&wanted)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| AppError::invalid("username", format!("no active user is called '{wanted}'")))
}

async fn record(
    connection: &mut PgConnection,
    project_id: i64,
    user_id: i64,
    by: i64,
    old: Option<ProjectRole>,
    new: Option<ProjectRole>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO project_member_changes (project_id, user_id, changed_by, old_role, new_role)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(project_id)
    .bind(user_id)
    .bind(by)
    .bind(old.map(ProjectRole::as_str))
    .bind(new.map(ProjectRole::as_str))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
