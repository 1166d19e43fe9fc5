//! Sealing and re-sealing the secrets Vernier stores (endpoint API keys, webhook signing
//! secrets): at start-up every secret still stored in plain text is sealed, and `server
//! secrets rotate` re-seals them all from the old key to the new, each in one transaction.

use super::db;
use super::secrets::{SecretKey, PREFIX};
use crate::error::AppError;
use sqlx::PgPool;

/// Seals every stored secret that is still plain (written before secrets were sealed) with
/// `key`; answers how many. Run at start-up.
pub async fn seal_plain(pool: &PgPool, key: &SecretKey) -> Result<u64, AppError> {
    reseal(pool, |value| {
        Ok((!value.starts_with(PREFIX)).then(|| key.seal(value)))
    })
    .await
}

/// Re-seals every stored secret from `old` to `new` in one transaction; answers how many.
pub async fn rotate(pool: &PgPool, old: &SecretKey, new: &SecretKey) -> Result<u64, AppError> {
    reseal(pool, |value| Ok(Some(new.seal(&old.open(value)?)))).await
}

async fn reseal(
    pool: &PgPool,
    change: impl Fn(&str) -> Result<Option<String>, AppError>,
) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let mut changed = 0;
    for stored in db::secrets::all_for_update(&mut tx).await? {
        if let Some(sealed) = change(&stored.value)? {
            db::secrets::replace(&mut tx, &stored, &sealed).await?;
            changed += 1;
        }
    }
    tx.commit().await?;
    Ok(changed)
}
