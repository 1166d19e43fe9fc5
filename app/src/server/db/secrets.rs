//! The columns that hold secrets (endpoint API keys, webhook signing secrets), read and
//! rewritten whole when secrets are sealed or the key is rotated.

use crate::error::AppError;
use sqlx::PgConnection;

/// The columns holding secrets: table, key column, secret column (an empty webhook secret is
/// "none" and stays empty).
const COLUMNS: [(&str, &str, &str); 3] = [
    ("project_endpoints", "project_id", "chat_api_key"),
    ("project_endpoints", "project_id", "embeddings_api_key"),
    ("alert_channels", "id", "secret"),
];

/// One stored secret: which column of which row, and its value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    column: usize,
    row: i64,
    pub value: String,
}

/// Every non-empty secret, locked for `connection`'s transaction.
pub async fn all_for_update(connection: &mut PgConnection) -> Result<Vec<StoredSecret>, AppError> {
    let mut all = Vec::new();
    for (column, (table, id, secret)) in COLUMNS.iter().enumerate() {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT {id}, {secret} FROM {table} WHERE {secret} IS NOT NULL AND {secret} <> '' FOR UPDATE"
        ))
        .fetch_all(&mut *connection)
        .await?;
        all.extend(
            rows.into_iter()
                .map(|(row, value)| StoredSecret { column, row, value }),
        );
    }
    Ok(all)
}

/// Writes `value` in place of the secret `stored` was read from.
pub async fn replace(
    connection: &mut PgConnection,
    stored: &StoredSecret,
    value: &str,
) -> Result<(), AppError> {
    let (table, id, secret) = COLUMNS[stored.column];
    sqlx::query(&format!("UPDATE {table} SET {secret} = $2 WHERE {id} = $1"))
        .bind(stored.row)
        .bind(value)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
