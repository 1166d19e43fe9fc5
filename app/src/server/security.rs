//! The Content-Security-Policy of pages: only Vernier's own scripts (the hydration script by its
//! per-response nonce), styles, images and WebAssembly; no framing. Other security headers are
//! set on every response by the server's middleware.

use leptos::prelude::use_context;

/// The policy of a page rendered with `nonce`.
pub fn page_policy(nonce: &str) -> String {
    [
        "default-src 'self'".to_owned(),
        // 'wasm-unsafe-eval' lets the page compile its WebAssembly, and nothing else.
        format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        // Stylesheets only from Vernier; style attributes (element sizes, chart tooltips) allowed.
        "style-src 'self'".to_owned(),
        "style-src-attr 'unsafe-inline'".to_owned(),
        "img-src 'self' data:".to_owned(),
        "font-src 'self'".to_owned(),
        "connect-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// Sets the page's policy on the response being rendered (with the nonce Leptos gave this
/// response's inline scripts).
pub fn apply_page_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_the_nonce_and_wasm_and_forbids_framing_and_plugins() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("object-src 'none'"));
        assert!(!policy.contains("unsafe-eval'") || policy.contains("wasm-unsafe-eval"));
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
    }
}
