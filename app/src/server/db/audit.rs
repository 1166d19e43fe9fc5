//! The audit log (see `domain::audit`): entries are added, never changed.

use crate::domain::audit::{Action, AuditEntry, ParsedAuditFilter};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub action: Action,
    pub project: Option<&'a str>,
    pub target: &'a str,
    pub detail: String,
    pub address: &'a str,
}

/// Adds an entry.
pub async fn insert(pool: &PgPool, entry: &NewEntry<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_log (actor, action, project_slug, target, detail, address) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.actor)
    .bind(entry.action.as_str())
    .bind(entry.project)
    .bind(entry.target)
    .bind(&entry.detail)
    .bind(entry.address)
    .execute(pool)
    .await?;
    Ok(())
}

/// An entry as stored.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    project_slug: Option<String>,
    target: String,
    detail: String,
    address: String,
}

/// Entries matching `filter`, newest first, at most `limit`.
pub async fn list(
    pool: &PgPool,
    filter: &ParsedAuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor, action, project_slug, target, detail, address FROM audit_log
         WHERE ($1::text IS NULL OR split_part(action, '.', 1) = $1)
           AND ($2::text IS NULL OR lower(actor) = lower($2) OR lower(target) = lower($2))
           AND ($3::text IS NULL OR project_slug = $3)
           AND ($4::date IS NULL OR at >= $4::date::timestamptz)
           AND ($5::date IS NULL OR at < ($5::date + 1)::timestamptz)
           AND ($6::bigint IS NULL OR id < $6)
         ORDER BY id DESC LIMIT $7",
    )
    .bind(&filter.category)
    .bind(&filter.actor)
    .bind(&filter.project)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |Row {
                 id,
                 at,
                 actor,
                 action,
                 project_slug: project,
                 target,
                 detail,
                 address,
             }| {
                Some(AuditEntry {
                    id,
                    at,
                    actor,
                    action: Action::parse(&action).ok()?,
                    project,
                    target,
                    detail,
                    address,
                })
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::AuditFilter;

    #[sqlx::test(migrations = "../migrations")]
    async fn entries_are_listed_newest_first_and_filtered(pool: PgPool) {
        let entry = |actor, action, project, target| NewEntry {
            actor,
            action,
            project,
            target,
            detail: String::new(),
            address: "10.0.0.7",
        };
        insert(&pool, &entry("otto", Action::ProjectCreated, Some("bot"), "bot"))
            .await
            .unwrap();
        insert(&pool, &entry("mallory", Action::SignInFailed, None, "mallory"))
            .await
            .unwrap();
        insert(
            &pool,
            &entry("otto", Action::ApiKeyCreated, Some("bot"), "vk_12345678"),
        )
        .await
        .unwrap();
        let all = list(&pool, &AuditFilter::default().parse().unwrap(), 100)
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|e| e.action).collect::<Vec<_>>(),
            [
                Action::ApiKeyCreated,
                Action::SignInFailed,
                Action::ProjectCreated
            ]
        );
        let filter = |f: AuditFilter| f.parse().unwrap();
        let sign_ins = list(
            &pool,
            &filter(AuditFilter {
                category: "sign_in".into(),
                ..Default::default()
            }),
            100,
        )
        .await
        .unwrap();
        assert_eq!(sign_ins.len(), 1);
        assert_eq!(sign_ins[0].address, "10.0.0.7");
        let otto = list(
            &pool,
            &filter(AuditFilter {
                actor: "OTTO".into(),
                ..Default::default()
            }),
            100,
        )
        .await
        .unwrap();
        assert_eq!(otto.len(), 2);
        let older = list(
            &pool,
            &filter(AuditFilter {
                before: all[0].id.to_string(),
                ..Default::default()
            }),
            1,
        )
        .await
        .unwrap();
        assert_eq!(older[0].action, Action::SignInFailed);
        let today = Utc::now().date_naive().to_string();
        let dated = list(
            &pool,
            &filter(AuditFilter {
                from: today.clone(),
                to: today,
                ..Default::default()
            }),
            100,
        )
        .await
        .unwrap();
        assert_eq!(dated.len(), 3);
        let past = list(
            &pool,
            &filter(AuditFilter {
                to: "2020-01-01".into(),
                ..Default::default()
            }),
            100,
        )
        .await
        .unwrap();
        assert!(past.is_empty());
    }
}
