//! The head of a page: its title, the way back, and the page's main actions.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// A page's title with a link back to `back` (labelled `back_label`) and, optionally, actions.
#[component]
pub fn PageHead(
    title: String,
    #[prop(into)] back: Signal<String>,
    back_label: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            <a href=back>{format!("← {back_label}")}</a>
            {children.map(|actions| actions())}
        </div>
    }
}

/// The head of a page inside a project (the `:slug` of the address), leading back to the
/// project's page.
#[component]
pub fn ProjectPageHead(title: &'static str, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let params = use_params_map();
    let back = Signal::derive(move || format!("/projects/{}", params.read().get("slug").unwrap_or_default()));
    match children {
        Some(actions) => {
            view! { <PageHead title=title.to_owned() back back_label="Project">{actions()}</PageHead> }
                .into_any()
        }
        None => view! { <PageHead title=title.to_owned() back back_label="Project"/> }.into_any(),
    }
}
