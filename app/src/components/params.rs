//! Route parameters as pages use them.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The numeric route parameter `name`; 0 when it is missing or not a number, which the server
/// answers with 404.
pub fn number_param(name: &'static str) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get(name)
            .and_then(|value| value.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

/// The route parameter `name` as text (empty when missing).
pub fn text_param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}
