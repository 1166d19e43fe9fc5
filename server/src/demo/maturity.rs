//! The demo project's maturity evidence beyond its data: a known challenge (the German late-turn
//! drift, tested by the reply-language metric) and the manager's attestation of a golden
//! dataset, which Vernier cannot hold yet. Crawl is then held, walk partly.

use app::domain::maturity::challenge::ChallengeDraft;
use app::error::AppError;
use app::server::{db, maturity};
use sqlx::PgPool;

/// Writes the challenge and the attestation.
pub async fn seed(pool: &PgPool, project_id: i64, owner: i64, manager: i64) -> Result<(), AppError> {
    let challenge = ChallengeDraft::parse(
        "Long German conversations drift into English",
        "The English system prompt outweighs the customer's language as the context grows",
        "Keep German-speaking customers (a third of DACH revenue)",
        "reply-language",
    )?;
    db::maturity::save_challenge(pool, project_id, None, &challenge, owner).await?;
    maturity::attest(
        pool,
        project_id,
        "golden-dataset",
        "120 real tickets with approved answers, kept by the support team (v3, October).",
        manager,
        chrono::Utc::now(),
    )
    .await
}
