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

pub mod annotation;

/// Validates `values` as an ingestion batch (an output without input or messages gets the
/// input "Hilfe?") and stores it in `project`, scored by the project's active automated metrics,
/// as the ingestion route does.
pub async fn ingest(
    pool: &PgPool,
    project: i64,
    mut values: Vec<serde_json::Value>,
) -> super::outputs::Ingested {
    for value in &mut values {
        let record = value.as_object_mut().expect("an output is an object");
        if !record.contains_key("input") && !record.contains_key("messages") {
            record.insert("input".into(), "Hilfe?".into());
        }
    }
    let batch = crate::domain::output::validate(values, chrono::Utc::now()).unwrap();
    let scorers = crate::server::scorer_cache::scorers(pool, project).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let ingested = crate::server::ingest::store_scored(&mut tx, project, &batch, &scorers)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ingested
}

/// An active automated metric `key` of the fixture's project that fails replies containing
/// "delve".
pub async fn active_no_delve(pool: &PgPool, f: &Fixture, key: &str) -> i64 {
    let input = crate::domain::metric::MetricInput {
        key: key.into(),
        ..crate::domain::metric::tests::input()
    };
    let id = crate::server::metric_lifecycle::create(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap()
        .id;
    crate::server::metric_lifecycle::set_status(
        pool,
        f.project,
        key,
        crate::domain::metric::kinds::Status::Active,
        "",
        f.owner,
    )
    .await
    .unwrap();
    id
}

/// A second project, "legal", also owned by Otto.
pub async fn second_project(pool: &PgPool, f: &Fixture) -> i64 {
    projects::insert(
        pool,
        &NewProject::parse("Legal", "legal", "", "").unwrap(),
        f.owner,
    )
    .await
    .unwrap()
    .id
}
