//! Security headers on every response: no MIME sniffing, no framing, no referrer outside
//! Vernier, no shared browsing context with other sites, HSTS when cookies are secure (Vernier is
//! served over HTTPS), and for anything that is not a page (pages carry their own policy with a
//! nonce, `app::server::security`) a Content-Security-Policy that allows nothing.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of responses that are not pages (JSON, files, errors).
pub const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The middleware; `https` when Vernier is served over HTTPS (secure cookies).
pub async fn security_headers(https: bool, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add(response.headers_mut(), https);
    response
}

/// Adds the headers to a response's headers (a page's own policy is kept).
pub fn add(headers: &mut HeaderMap, https: bool) {
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    headers.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(headers, header::CONTENT_SECURITY_POLICY, DEFAULT_POLICY);
    }
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_response_gets_the_headers_and_a_page_keeps_its_policy() {
        let mut plain = HeaderMap::new();
        add(&mut plain, false);
        assert_eq!(plain[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(plain[header::CONTENT_SECURITY_POLICY], DEFAULT_POLICY);
        assert!(
            !plain.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS over plain HTTP"
        );

        let mut page = HeaderMap::new();
        page.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'nonce-x'"),
        );
        add(&mut page, true);
        assert_eq!(page[header::CONTENT_SECURITY_POLICY], "script-src 'nonce-x'");
        assert_eq!(
            page[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000; includeSubDomains"
        );
        assert_eq!(page[header::X_FRAME_OPTIONS], "DENY");
    }
}
