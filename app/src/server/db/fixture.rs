//! The people and project most database tests start from.

use super::{members, projects, users};
use crate::domain::membership::ProjectRole;
use crate::domain::project::NewProject;
use crate::domain::user::NewUser;
use sqlx::PgPool;

pub struct Fixture {
    pub project: i64,
    pub owner: i64,
}

/// Owner "owner" (Otto Owner), a second user "olga" (global role owner), and project "bot"
/// owned by Otto, where Olga is a viewer (so she may own metrics there).
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
    members::add(pool, project, "olga", ProjectRole::Viewer, owner)
        .await
        .unwrap();
    Fixture { project, owner }
}
