//! Demo data: one user per role and a demo project. Safe to run again: what exists is kept.

use app::domain::project::NewProject;
use app::domain::user::NewUser;
use app::error::AppError;
use app::server::{db, password};
use sqlx::PgPool;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "vernier-demo";

/// The demo users: username, display name, role.
pub const DEMO_USERS: [(&str, &str, &str); 4] = [
    ("admin", "Ada Admin", "admin"),
    ("owner", "Otto Owner", "owner"),
    ("manager", "Mia Manager", "manager"),
    ("annotator", "Anna Annotator", "annotator"),
];

/// Creates what is missing of the demo data.
pub async fn seed(pool: &PgPool) -> Result<(), AppError> {
    let mut owner_id = None;
    for (username, display_name, role) in DEMO_USERS {
        let user = NewUser::parse(username, display_name, DEMO_PASSWORD, role)?;
        let id = match db::users::find_credentials(pool, username).await? {
            Some((existing, _)) => existing.id,
            None => {
                let hash = password::hash(DEMO_PASSWORD).map_err(|e| AppError::Internal(e.to_string()))?;
                db::users::insert(pool, &user, &hash).await?.id
            }
        };
        if role == "owner" {
            owner_id = Some(id);
        }
    }
    let project = NewProject::parse(
        "Support bot — DACH",
        "support-bot-dach",
        "German-language customer support chatbot for Germany, Austria and Switzerland.",
        "Answer support tickets in the customer's language, citing the help centre.",
    )?;
    if db::projects::find_by_slug(pool, &project.slug).await?.is_none() {
        db::projects::insert(pool, &project, owner_id.unwrap_or_default()).await?;
    }
    Ok(())
}

/// The demo logins, for printing at start-up.
pub fn logins() -> String {
    DEMO_USERS
        .iter()
        .map(|(username, _, role)| format!("  {role:<10} {username} / {DEMO_PASSWORD}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn seeding_twice_keeps_one_of_everything(pool: PgPool) {
        seed(&pool).await.unwrap();
        seed(&pool).await.unwrap();
        assert_eq!(db::users::list(&pool).await.unwrap().len(), 4);
        assert_eq!(db::projects::list(&pool).await.unwrap().len(), 1);
        let (admin, hash) = db::users::find_credentials(&pool, "admin")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(admin.role, app::domain::role::Role::Admin);
        assert!(password::verify(DEMO_PASSWORD, &hash));
    }
}
