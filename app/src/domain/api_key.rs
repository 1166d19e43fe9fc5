//! Project API keys as pages and clients see them (never the secret after creation).

use super::text::bounded;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A key as listed: its visible prefix, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The start of the key (`vk_1a2b3c4d`), enough to recognise it.
    pub prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its full secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: ApiKeyView,
    pub secret: String,
}

/// Parses a key's name ("CI pipeline", "prod ingest").
pub fn parse_name(value: &str) -> Result<String, AppError> {
    bounded("name", value, 1, 80)
}

/// Splits a presented key `vk_<8 hex>_<40 hex>` into its prefix (`vk_<8 hex>`); `None` when
/// the shape is wrong, so a malformed key is refused without a database lookup.
pub fn prefix_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("vk_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 8) && hex(secret, 40)).then(|| &key[..11])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_keys_yield_their_prefix() {
        let key = format!("vk_0123abcd_{}", "f".repeat(40));
        assert_eq!(prefix_of(&key), Some("vk_0123abcd"));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "",
            "vk_",
            "vk_0123abcd",
            "pk_0123abcd_ffff",
            &format!("vk_0123abcx_{}", "f".repeat(40)),
            &format!("vk_0123abcd_{}", "f".repeat(39)),
        ] {
            assert_eq!(prefix_of(key), None, "{key}");
        }
    }

    #[test]
    fn a_key_needs_a_name() {
        assert_eq!(parse_name("  ").unwrap_err().field(), Some("name"));
        assert_eq!(parse_name(" CI ").unwrap(), "CI");
    }
}
