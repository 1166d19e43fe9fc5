//! What a page shows when its data could not be loaded.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// The view for a failed page load: sign-in for anonymous callers, a clear refusal for the
/// wrong role, and a plain message otherwise. On the server it also sets the HTTP status.
pub fn error_view(error: AppError) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
    }
    match error {
        AppError::Unauthorized => view! { <Redirect path="/login"/> }.into_any(),
        AppError::Forbidden(message) => view! {
            <section class="notice notice-error" data-testid="forbidden">
                <h2>"Not allowed"</h2>
                <p>{message}</p>
                <a href="/">"Back to projects"</a>
            </section>
        }
        .into_any(),
        AppError::NotFound(what) => view! {
            <section class="notice" data-testid="not-found">
                <h2>"Not found"</h2>
                <p>{format!("{what} was not found.")}</p>
                <a href="/">"Back to projects"</a>
            </section>
        }
        .into_any(),
        other => view! { <p class="notice notice-error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// The placeholder while a page's data loads.
pub fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// Shows `render(value)` once `resource` has loaded, or the right [`error_view`] if it failed.
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=loading>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => error_view(error),
                    }
                })
            }}
        </Suspense>
    }
}
