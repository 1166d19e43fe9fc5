//! A project's OpenAI-compatible endpoints for LLM judges and embedding scorers.
//!
//! API keys are write-only: a page sees whether a key is set, never the key.

use super::text::bounded;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The default time allowed for one call, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: i32 = 30_000;

/// One endpoint as a page sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    /// Base URL up to the version (`https://api.openai.com/v1`); the path is appended.
    pub url: String,
    pub model: String,
    pub key_set: bool,
}

/// A project's endpoints as a page sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointsView {
    pub chat: EndpointView,
    pub embeddings: EndpointView,
    pub timeout_ms: i32,
}

impl Default for EndpointsView {
    fn default() -> Self {
        Self {
            chat: EndpointView::default(),
            embeddings: EndpointView::default(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// What to do with a stored API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyChange {
    Keep,
    Replace(String),
    Clear,
}

/// One endpoint, validated; an empty URL means "not configured".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub model: Option<String>,
    pub key: KeyChange,
}

/// A project's endpoints, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointsInput {
    pub chat: EndpointInput,
    pub embeddings: EndpointInput,
    pub timeout_ms: i32,
}

/// The endpoint form's raw fields (`prefix` is `chat` or `embeddings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointFields {
    pub url: String,
    pub model: String,
    /// A new key; empty keeps the stored one.
    pub key: String,
    pub clear_key: bool,
}

/// Validates one endpoint's fields; errors name `{prefix}_url`, `{prefix}_model`, `{prefix}_key`.
pub fn parse_endpoint(prefix: &str, fields: &EndpointFields) -> Result<EndpointInput, AppError> {
    let url = fields.url.trim().trim_end_matches('/');
    let url = if url.is_empty() {
        None
    } else {
        Some(parse_url(&format!("{prefix}_url"), url)?)
    };
    let model = bounded(&format!("{prefix}_model"), &fields.model, 0, 200)?;
    if url.is_some() && model.is_empty() {
        return Err(AppError::invalid(
            &format!("{prefix}_model"),
            "name the model the endpoint should use",
        ));
    }
    let key = fields.key.trim();
    let key = match (fields.clear_key, key.is_empty()) {
        (true, _) => KeyChange::Clear,
        (false, true) => KeyChange::Keep,
        (false, false) => KeyChange::Replace(bounded(&format!("{prefix}_key"), key, 1, 500)?),
    };
    Ok(EndpointInput {
        url,
        model: (!model.is_empty()).then_some(model),
        key,
    })
}

/// Validates the whole form.
pub fn parse(
    chat: &EndpointFields,
    embeddings: &EndpointFields,
    timeout_ms: &str,
) -> Result<EndpointsInput, AppError> {
    let timeout_ms = timeout_ms
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|t| (100..=600_000).contains(t))
        .ok_or_else(|| AppError::invalid("timeout_ms", "must be a whole number from 100 to 600000"))?;
    Ok(EndpointsInput {
        chat: parse_endpoint("chat", chat)?,
        embeddings: parse_endpoint("embeddings", embeddings)?,
        timeout_ms,
    })
}

/// An `http` or `https` URL with a host, no query and no credentials in it.
fn parse_url(field: &str, url: &str) -> Result<String, AppError> {
    let bad = |message: &str| Err(AppError::invalid(field, message));
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("must start with http:// or https://");
    };
    if !matches!(scheme, "http" | "https") {
        return bad("must start with http:// or https://");
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return bad("needs a host, as in https://api.openai.com/v1");
    }
    if host.contains('@') {
        return bad("must not contain credentials; put the API key in its own field");
    }
    if url.contains(['?', '#', ' ']) {
        return bad("must be a base URL without query, fragment or spaces");
    }
    if url.chars().count() > 500 {
        return bad("must be at most 500 characters");
    }
    Ok(url.to_owned())
}

/// An endpoint with its secret, as the worker uses it.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Base URL up to the version, without a trailing slash.
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .finish()
    }
}

/// A project's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub chat: Option<Endpoint>,
    pub embeddings: Option<Endpoint>,
    pub timeout: std::time::Duration,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            chat: None,
            embeddings: None,
            timeout: std::time::Duration::from_millis(DEFAULT_TIMEOUT_MS as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(url: &str, model: &str, key: &str) -> EndpointFields {
        EndpointFields {
            url: url.into(),
            model: model.into(),
            key: key.into(),
            clear_key: false,
        }
    }

    #[test]
    fn a_base_url_with_a_model_is_accepted_and_trailing_slashes_go() {
        let input = parse_endpoint(
            "chat",
            &fields(" https://api.example.com/v1/ ", "gpt-4o-mini", "sk-1"),
        )
        .unwrap();
        assert_eq!(input.url.as_deref(), Some("https://api.example.com/v1"));
        assert_eq!(input.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(input.key, KeyChange::Replace("sk-1".into()));
    }

    #[test]
    fn an_empty_key_keeps_the_stored_one_and_clear_wins() {
        assert_eq!(
            parse_endpoint("chat", &fields("", "", "")).unwrap().key,
            KeyChange::Keep
        );
        let mut clear = fields("", "", "sk-new");
        clear.clear_key = true;
        assert_eq!(parse_endpoint("chat", &clear).unwrap().key, KeyChange::Clear);
    }

    #[test]
    fn bad_urls_name_their_field() {
        for url in [
            "ftp://host/v1",
            "api.example.com",
            "https:///v1",
            "https://user:pw@host/v1",
            "https://host/v1?x=1",
        ] {
            let error = parse_endpoint("embeddings", &fields(url, "m", "")).unwrap_err();
            assert!(
                matches!(&error, AppError::Validation { field, .. } if field == "embeddings_url"),
                "{url}: {error:?}"
            );
        }
    }

    #[test]
    fn a_url_needs_a_model_and_the_timeout_is_bounded() {
        let error = parse_endpoint("chat", &fields("http://127.0.0.1:9/v1", " ", "")).unwrap_err();
        assert!(matches!(error, AppError::Validation { field, .. } if field == "chat_model"));
        let none = EndpointFields::default();
        for timeout in ["99", "600001", "ten", ""] {
            let error = parse(&none, &none, timeout).unwrap_err();
            assert!(matches!(error, AppError::Validation { field, .. } if field == "timeout_ms"));
        }
        assert_eq!(parse(&none, &none, "2500").unwrap().timeout_ms, 2500);
    }
}
