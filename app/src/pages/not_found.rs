//! The page for unknown addresses.

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Vernier"/>
        <section class="notice" data-testid="not-found">
            <h1>"Page not found"</h1>
            <a href="/">"Back to projects"</a>
        </section>
    }
}
