//! Cross-site request forgery: a state-changing request that a browser could send with the
//! user's session cookie (any POST, PUT, PATCH or DELETE without an API key) must come from
//! Vernier's own pages. A browser names the page's origin in `Origin` (and says `Sec-Fetch-Site`);
//! the request passes when that origin is Vernier's public origin or the host the request was
//! sent to, and is refused with 403 otherwise. Requests without either header do not come from a
//! browser's page (curl, SDKs) and carry no ambient credentials a page could borrow.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The middleware, given Vernier's public origin (`scheme://host[:port]`).
pub async fn same_origin(public_origin: std::sync::Arc<str>, request: Request, next: Next) -> Response {
    if let Err(why) = allowed(request.method(), request.headers(), &public_origin) {
        tracing::warn!(
            method = %request.method(),
            path = %request.uri().path(),
            why,
            "cross-site request refused"
        );
        let body = serde_json::json!({"error": {"code": "forbidden", "message": format!("Cross-site request refused: {why}."), "field": null}});
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    next.run(request).await
}

/// Whether the request may proceed; the reason when not.
pub fn allowed(method: &Method, headers: &HeaderMap, public_origin: &str) -> Result<(), &'static str> {
    let safe = matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || headers.contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = text(header::ORIGIN) {
        let origin = origin.trim().trim_end_matches('/');
        let host = text(header::HOST).unwrap_or_default();
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        return if origin.eq_ignore_ascii_case(public_origin)
            || authority.is_some_and(|a| !host.is_empty() && a.eq_ignore_ascii_case(host))
        {
            Ok(())
        } else {
            Err("the page that sent it is not Vernier's (Origin)")
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin" | "none") | None => Ok(()),
        Some(_) => Err("the page that sent it is not Vernier's (Sec-Fetch-Site)"),
    }
}

/// `scheme://host[:port]` of a public URL, without path or trailing slash.
pub fn origin_of(url: &str) -> String {
    let url = url.trim();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or_default();
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => url.trim_end_matches('/').to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    const PUBLIC: &str = "https://vernier.example.com";

    #[test]
    fn vernier_s_own_pages_and_non_browser_clients_pass_other_sites_do_not() {
        let post = Method::POST;
        for ok in [
            headers(&[
                ("origin", "https://vernier.example.com"),
                ("host", "10.0.0.5:3000"),
            ]),
            headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]),
            headers(&[("origin", "http://LOCALHOST:3000/"), ("host", "localhost:3000")]),
            headers(&[("sec-fetch-site", "same-origin")]),
            headers(&[("host", "127.0.0.1:3000")]),
            headers(&[
                ("origin", "https://evil.example"),
                ("authorization", "Bearer vk_x"),
            ]),
        ] {
            assert_eq!(allowed(&post, &ok, PUBLIC), Ok(()), "{ok:?}");
        }
        for refused in [
            headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]),
            headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            headers(&[("origin", "https://vernier.example.com.evil.example")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
        ] {
            assert!(allowed(&post, &refused, PUBLIC).is_err(), "{refused:?}");
            assert!(allowed(&Method::DELETE, &refused, PUBLIC).is_err());
            assert_eq!(
                allowed(&Method::GET, &refused, PUBLIC),
                Ok(()),
                "reading is not a change"
            );
        }
        assert_eq!(
            origin_of("https://Vernier.example.com/base/"),
            "https://vernier.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
    }
}
