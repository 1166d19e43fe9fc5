//! How responses travel: compressed, and static assets cached by the browser.
//!
//! - The WASM bundle, its JavaScript and the stylesheet are compressed once, at release build
//!   time (`cargo leptos build --release --precompress` writes `.br` and `.gz` beside each file),
//!   and served as such to a browser that accepts them; nothing compresses them per request.
//! - HTML pages, JSON and the other text responses are compressed per response (brotli or gzip,
//!   as the browser prefers) from 1 KiB up; smaller bodies (a real-time check's answer) are sent
//!   as they are, where compressing would cost more time than it saves.
//! - Files whose name carries a content hash (`vernier.<hash>.wasm`) may be cached for a year;
//!   other static files are revalidated (`no-cache`), answered 304 when unchanged. Either way the
//!   answer varies with `Accept-Encoding`.

use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, VARY};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::services::ServeDir;

/// The smallest body compressed per response.
const COMPRESS_FROM_BYTES: u16 = 1024;

/// Compresses dynamic responses; see the module documentation.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().br(true).gzip(true).compress_when(
        DefaultPredicate::new()
            .and(SizeAbove::new(COMPRESS_FROM_BYTES))
            // Precompressed at build time; a debug build's uncompressed bundle is too large to
            // compress per request.
            .and(NotForContentType::const_new("application/wasm")),
    )
}

/// The built site's files (bundle, stylesheet, public assets), their precompressed copies
/// preferred, answering conditional requests (304) themselves; anything else goes to `not_found`
/// (the application's 404 page).
pub fn site<F>(options: &leptos::config::LeptosOptions, not_found: F) -> ServeDir<F> {
    ServeDir::new(&*options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_found)
}

/// Sets `Cache-Control` on static assets that do not say it themselves, and `Vary:
/// Accept-Encoding`, since the same address answers brotli, gzip or plain bytes.
pub async fn cache_static(request: Request, next: Next) -> Response {
    let policy = static_policy(request.uri().path());
    let mut response = next.run(request).await;
    if let Some(policy) = policy {
        if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
            let headers = response.headers_mut();
            headers
                .entry(CACHE_CONTROL)
                .or_insert(HeaderValue::from_static(policy));
            let varies = headers.get_all(VARY).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
            });
            if !varies {
                headers.append(VARY, HeaderValue::from_static("accept-encoding"));
            }
        }
    }
    response
}

/// The caching policy of a path, when it names a static asset.
fn static_policy(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next()?;
    let is_asset = path.starts_with("/pkg/") || [".js", ".css", ".wasm"].iter().any(|e| file.ends_with(e));
    if !is_asset {
        return None;
    }
    Some(if is_hashed(file) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    })
}

/// Whether a file name carries a content hash as cargo-leptos writes it (`name.<hash>.ext`, the
/// hash at least 16 characters of letters and digits).
fn is_hashed(file: &str) -> bool {
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3 && {
        let hash = parts[parts.len() - 2];
        hash.len() >= 16
            && hash
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_kept_a_year_and_others_revalidated() {
        assert_eq!(
            static_policy("/pkg/vernier.f3a9c2e41b7d08aa.wasm"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(static_policy("/pkg/vernier.wasm"), Some("no-cache"));
        assert_eq!(static_policy("/echarts.min.js"), Some("no-cache"));
        assert_eq!(static_policy("/projects/support-bot-dach"), None);
        assert_eq!(static_policy("/api/v1/projects/x/overview"), None);
    }
}
