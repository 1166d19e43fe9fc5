//! The compiled scorers of each project's active automated metrics, cached for ingest and the
//! real-time check, and the LISTEN loop that keeps this cache and the API key cache fresh.
//!
//! The cache is rebuilt lazily after Postgres announces a metric change (`NOTIFY
//! vernier_metrics`, sent by a trigger), so every server sees edits made through any of them.

use super::db;
use super::key_cache::KeyCache;
use super::scoring::active::{self, ActiveScorer};
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::{Cadence, Status};
use crate::error::AppError;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The scorers of every active automated metric of a project.
pub async fn scorers(pool: &PgPool, project_id: i64) -> Result<Vec<ActiveScorer>, AppError> {
    let filter = ParsedFilter {
        status: Some(Status::Active),
        ..Default::default()
    };
    Ok(active::from_metrics(
        &db::metrics::list(pool, Some(project_id), &filter).await?,
    ))
}

/// The channel Postgres announces metric changes on.
pub const CHANNEL: &str = "vernier_metrics";

/// A project's compiled scorers: every active automated metric, and the real-time ones.
#[derive(Debug, Default)]
pub struct ProjectScorers {
    pub all: Vec<ActiveScorer>,
    pub realtime: Vec<ActiveScorer>,
}

/// Compiled scorers per project.
#[derive(Debug, Default)]
pub struct ScorerCache {
    projects: RwLock<HashMap<i64, Arc<ProjectScorers>>>,
}

impl ScorerCache {
    /// The project's scorers, compiled on first use after a change.
    pub async fn get(&self, pool: &PgPool, project_id: i64) -> Result<Arc<ProjectScorers>, AppError> {
        if let Some(cached) = self
            .projects
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&project_id)
        {
            return Ok(cached.clone());
        }
        let all = scorers(pool, project_id).await?;
        let realtime = all
            .iter()
            .filter(|s| s.cadence == Cadence::RealTime)
            .cloned()
            .collect();
        let scorers = Arc::new(ProjectScorers { all, realtime });
        self.projects
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(project_id, scorers.clone());
        Ok(scorers)
    }

    /// Forgets one project's scorers (`None`: every project's).
    pub fn invalidate(&self, project_id: Option<i64>) {
        let mut projects = self.projects.write().unwrap_or_else(|e| e.into_inner());
        match project_id {
            Some(id) => {
                projects.remove(&id);
            }
            None => projects.clear(),
        }
    }
}

/// Listens for metric and key changes and invalidates the caches; runs for the life of the server.
pub async fn listen(pool: PgPool, cache: Arc<ScorerCache>, keys: Arc<KeyCache>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!("metric change listener cannot connect: {error}");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen_all([CHANNEL, super::key_cache::CHANNEL]).await {
            tracing::warn!("cannot LISTEN: {error}");
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            continue;
        }
        // Changes may have been missed while not listening.
        cache.invalidate(None);
        keys.forget_keys();
        while let Ok(notification) = listener.recv().await {
            if notification.channel() == CHANNEL {
                cache.invalidate(notification.payload().parse().ok());
            } else {
                keys.forget_keys();
            }
        }
    }
}
