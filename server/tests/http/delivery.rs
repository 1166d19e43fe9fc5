//! Responses travel compressed, and the bundle is served precompressed and cached by its hash.

use super::support::TestApp;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, IF_MODIFIED_SINCE, LAST_MODIFIED, VARY,
};
use reqwest::{Client, StatusCode};
use sqlx::PgPool;

/// A site folder as `cargo leptos build --release --precompress` leaves it (hashed bundle with
/// its brotli and gzip twins, an unhashed public file), removed when dropped.
struct Site(std::path::PathBuf);

impl Site {
    const WASM: &'static str = "pkg/vernier.Xq3Rk9v0bS2eLm7aZp4WQg.wasm";

    fn new() -> Self {
        let root = std::env::temp_dir().join(format!(
            "vernier-site-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for (file, body) in [
            (Self::WASM.to_owned(), "plain wasm"),
            (format!("{}.br", Self::WASM), "brotli wasm"),
            (format!("{}.gz", Self::WASM), "gzip wasm"),
            ("echarts.min.js".to_owned(), "var echarts = {};"),
        ] {
            std::fs::write(root.join(file), body).unwrap();
        }
        Self(root)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_bundle_is_served_precompressed_and_kept_a_year_by_its_hash(pool: PgPool) {
    let site = Site::new();
    let app = TestApp::spawn_with_site(pool, site.0.to_str().unwrap()).await;
    let get = |path: &str, encoding: &'static str| {
        Client::new()
            .get(format!("{}/{path}", app.base))
            .header(ACCEPT_ENCODING, encoding)
            .send()
    };
    for (accepts, encoding, body) in [("br, gzip", "br", "brotli wasm"), ("gzip", "gzip", "gzip wasm")] {
        let response = get(Site::WASM, accepts).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_ENCODING], encoding);
        assert_eq!(
            response.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.headers()[VARY], "accept-encoding");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let plain = get(Site::WASM, "identity").await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.text().await.unwrap(), "plain wasm");
    let unhashed = get("echarts.min.js", "identity").await.unwrap();
    assert_eq!(unhashed.status(), StatusCode::OK);
    assert_eq!(
        unhashed.headers()[CACHE_CONTROL],
        "no-cache",
        "revalidated, not kept"
    );
    // Revalidation is answered without the body.
    let modified = unhashed.headers()[LAST_MODIFIED].clone();
    let again = Client::new()
        .get(format!("{}/echarts.min.js", app.base))
        .header(IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[CACHE_CONTROL], "no-cache");
    // A missing file is the application's own 404 page.
    let missing = get("pkg/nothing.js", "identity").await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_and_json_are_compressed_for_browsers_that_accept_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let get = |path: &str| {
        Client::new()
            .get(format!("{}{path}", app.base))
            .header(ACCEPT_ENCODING, "gzip")
            .send()
    };
    let page = get("/login").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CONTENT_ENCODING], "gzip");
    assert!(
        page.headers().get(CACHE_CONTROL).is_none(),
        "pages are not cached as assets"
    );
    let document = get("/api/v1/openapi.json").await.unwrap();
    assert_eq!(document.headers()[CONTENT_ENCODING], "gzip");
    let small = get("/ping").await.unwrap();
    assert!(
        small.headers().get(CONTENT_ENCODING).is_none(),
        "a small body is sent as it is"
    );
    assert_eq!(small.text().await.unwrap(), "pong");
}
