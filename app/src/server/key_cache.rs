//! Verified API keys and project ids kept in memory, so an API call with a key needs no
//! database round trip before its work. A revoked key is dropped as soon as Postgres announces
//! the change (`NOTIFY vernier_keys`); project slugs never change, so their ids are kept.

use super::{api_keys, db};
use crate::domain::api_key::prefix_of;
use crate::error::AppError;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// The channel Postgres announces key changes on.
pub const CHANNEL: &str = "vernier_keys";

/// How often a key's last use is written at most.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// A verified key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedKey {
    pub id: i64,
    pub project_id: i64,
    pub created_by: i64,
}

/// The caches.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<Vec<u8>, (VerifiedKey, Instant)>>,
    projects: RwLock<HashMap<String, i64>>,
}

impl KeyCache {
    /// The live key `presented`, or `None` when it is malformed, unknown or revoked.
    pub async fn verify(&self, pool: &PgPool, presented: &str) -> Result<Option<VerifiedKey>, AppError> {
        let Some(prefix) = prefix_of(presented) else {
            return Ok(None);
        };
        let digest = api_keys::digest(presented);
        let cached = self
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&digest)
            .copied();
        if let Some((key, touched)) = cached {
            if touched.elapsed() > TOUCH_EVERY {
                self.keys
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(digest, (key, Instant::now()));
                let pool = pool.clone();
                tokio::spawn(async move { db::api_keys::touch(&pool, key.id).await });
            }
            return Ok(Some(key));
        }
        let Some(record) = db::api_keys::find_live(pool, prefix).await? else {
            return Ok(None);
        };
        if !api_keys::same_digest(&record.digest, &digest) {
            return Ok(None);
        }
        db::api_keys::touch(pool, record.id).await?;
        let key = VerifiedKey {
            id: record.id,
            project_id: record.project_id,
            created_by: record.created_by,
        };
        self.keys
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(digest, (key, Instant::now()));
        Ok(Some(key))
    }

    /// The id of the project with `slug`.
    pub async fn project_id(&self, pool: &PgPool, slug: &str) -> Result<i64, AppError> {
        if let Some(id) = self.projects.read().unwrap_or_else(|e| e.into_inner()).get(slug) {
            return Ok(*id);
        }
        let id = db::projects::id_by_slug(pool, slug).await?;
        self.projects
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(slug.to_owned(), id);
        Ok(id)
    }

    /// Drops every verified key (after a revocation, or while changes may have been missed).
    pub fn forget_keys(&self) {
        self.keys.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
