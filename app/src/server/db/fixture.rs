//! The people and project most database tests start from.

use super::{projects, users};
use crate::domain::project::NewProject;
use crate::domain::user::NewUser;
use sqlx::PgPool;

pub struct Fixture {
    pub project: i64,
    pub owner: i64,
}

/// Owner "owner" (Otto Owner), a second owner "olga", and project "bot" owned by Otto.
pub async fn fixture(pool: &PgPool) -> Fixture {
    let owner = users::insert(
        pool,
        &NewUser::parse("owner", "Otto Owner", "a long password", "owner").unwrap(),
        "h",
    )
    .await
    .unwrap()
    .id;
    users::insert(
        pool,
        &NewUser::parse("olga", "Olga Other", "a long password", "owner").unwrap(),
        "h",
    )
    .await
    .unwrap();
    let project = projects::insert(
        pool,
        &NewProject::parse("Support bot", "bot", "", "").unwrap(),
        owner,
    )
    .await
    .unwrap()
    .id;
    Fixture { project, owner }
}
