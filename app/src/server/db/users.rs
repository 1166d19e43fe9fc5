//! Users and their roles.

use super::{database, map_unique};
use crate::domain::role::Role;
use crate::domain::user::{NewUser, UserView};
use crate::error::AppError;
use sqlx::{PgPool, Postgres, Transaction};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    active: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl UserRow {
    fn into_view(self) -> Result<UserView, AppError> {
        let role = self
            .role
            .parse()
            .map_err(|e: String| AppError::internal("stored role", e))?;
        Ok(UserView {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role,
            active: self.active,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str = "id, username, display_name, role, active, created_at";

/// Stores a new user with an already hashed password. A taken username is a conflict.
pub async fn insert(pool: &PgPool, user: &NewUser, password_hash: &str) -> Result<UserView, AppError> {
    sqlx::query_as::<_, UserRow>(&format!(
        "INSERT INTO users (username, display_name, password_hash, role)
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(user.username.as_str())
    .bind(user.display_name.as_str())
    .bind(password_hash)
    .bind(user.role.as_str())
    .fetch_one(pool)
    .await
    .map_err(|e| map_unique(e, "users_username_key", "username", "is already taken"))?
    .into_view()
}

/// One user by id.
pub async fn find_by_id(pool: &PgPool, id: i64) -> Result<Option<UserView>, AppError> {
    sqlx::query_as::<_, UserRow>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(UserRow::into_view)
        .transpose()
}

/// A user and their password hash, by username, for signing in.
pub async fn find_credentials(pool: &PgPool, username: &str) -> Result<Option<(UserView, String)>, AppError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(username.trim().to_lowercase())
            .fetch_optional(pool)
            .await?;
    let Some((id, hash)) = row else {
        return Ok(None);
    };
    Ok(find_by_id(pool, id).await?.map(|user| (user, hash)))
}

/// Every user, admins first, then by username.
pub async fn list(pool: &PgPool) -> Result<Vec<UserView>, AppError> {
    sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {COLUMNS} FROM users
         ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'owner' THEN 1 WHEN 'manager' THEN 2 ELSE 3 END, username"
    ))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(UserRow::into_view)
    .collect()
}

/// Whether any admin exists (the first one is created from the command line).
pub async fn any_admin(pool: &PgPool) -> Result<bool, AppError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)")
        .fetch_one(pool)
        .await
        .map_err(database)
}

/// Changes a user's role. The last active admin cannot stop being one.
pub async fn set_role(pool: &PgPool, id: i64, role: Role) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    let current = lock(&mut tx, id).await?;
    if current.role == Role::Admin && current.active && role != Role::Admin {
        ensure_another_admin(&mut tx, id, "role").await?;
    }
    let user = update(&mut tx, "role = $2", id, role.as_str()).await?;
    tx.commit().await?;
    Ok(user)
}

/// Activates or deactivates a user. The last active admin cannot be deactivated.
pub async fn set_active(pool: &PgPool, id: i64, active: bool) -> Result<UserView, AppError> {
    let mut tx = pool.begin().await?;
    let current = lock(&mut tx, id).await?;
    if current.role == Role::Admin && current.active && !active {
        ensure_another_admin(&mut tx, id, "active").await?;
    }
    let user = update(
        &mut tx,
        "active = $2::boolean",
        id,
        if active { "true" } else { "false" },
    )
    .await?;
    if !active {
        // A deactivated user's keys stop working with their sessions (reactivation keeps them revoked).
        super::api_keys::revoke_created_by(&mut tx, None, id).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// Locks a user's row for the rest of the transaction.
async fn lock(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<UserView, AppError> {
    sqlx::query_as::<_, UserRow>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("User".into()))?
        .into_view()
}

/// Refuses when no active admin other than `id` exists; the admins are locked so two concurrent
/// demotions cannot both pass.
async fn ensure_another_admin(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    field: &str,
) -> Result<(), AppError> {
    let others: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active AND id <> $1 FOR UPDATE")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
    if others.is_empty() {
        return Err(AppError::invalid(
            field,
            "this is the last active admin; make another user admin first",
        ));
    }
    Ok(())
}

async fn update(
    tx: &mut Transaction<'_, Postgres>,
    set: &str,
    id: i64,
    value: &str,
) -> Result<UserView, AppError> {
    sqlx::query_as::<_, UserRow>(&format!(
        "UPDATE users SET {set}, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(value)
    .fetch_one(&mut **tx)
    .await?
    .into_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(username: &str, role: &str) -> NewUser {
        NewUser::parse(username, "", "a long password", role).unwrap()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_stored_user_is_found_by_id_and_credentials(pool: PgPool) {
        let stored = insert(&pool, &new_user("Alice", "owner"), "hash").await.unwrap();
        assert_eq!(stored.username, "alice");
        assert_eq!(find_by_id(&pool, stored.id).await.unwrap(), Some(stored.clone()));
        let (found, hash) = find_credentials(&pool, " ALICE ").await.unwrap().unwrap();
        assert_eq!((found, hash.as_str()), (stored, "hash"));
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_taken_username_is_a_conflict_and_stores_nothing(pool: PgPool) {
        insert(&pool, &new_user("alice", "owner"), "hash").await.unwrap();
        let error = insert(&pool, &new_user("ALICE", "admin"), "other")
            .await
            .unwrap_err();
        assert_eq!(error, AppError::conflict("username", "is already taken"));
        assert_eq!(list(&pool).await.unwrap().len(), 1);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_last_admin_can_be_neither_demoted_nor_deactivated(pool: PgPool) {
        let admin = insert(&pool, &new_user("root", "admin"), "hash").await.unwrap();
        assert_eq!(
            set_role(&pool, admin.id, Role::Owner).await.unwrap_err().field(),
            Some("role")
        );
        assert_eq!(
            set_active(&pool, admin.id, false).await.unwrap_err().field(),
            Some("active")
        );
        assert_eq!(
            find_by_id(&pool, admin.id).await.unwrap().unwrap().role,
            Role::Admin
        );

        let second = insert(&pool, &new_user("root2", "admin"), "hash").await.unwrap();
        assert_eq!(
            set_role(&pool, admin.id, Role::Owner).await.unwrap().role,
            Role::Owner
        );
        assert!(
            set_active(&pool, second.id, false).await.is_err(),
            "second is now the last admin"
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn deactivating_and_reactivating_a_user_round_trips(pool: PgPool) {
        let user = insert(&pool, &new_user("annie", "annotator"), "hash")
            .await
            .unwrap();
        assert!(!set_active(&pool, user.id, false).await.unwrap().active);
        assert!(set_active(&pool, user.id, true).await.unwrap().active);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn changing_the_role_of_a_missing_user_is_not_found(pool: PgPool) {
        assert_eq!(
            set_role(&pool, 999, Role::Owner).await.unwrap_err(),
            AppError::NotFound("User".into())
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn users_are_listed_admins_first(pool: PgPool) {
        insert(&pool, &new_user("zed", "annotator"), "h").await.unwrap();
        insert(&pool, &new_user("yan", "admin"), "h").await.unwrap();
        let names: Vec<String> = list(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["yan", "zed"]);
        assert!(any_admin(&pool).await.unwrap());
    }
}
