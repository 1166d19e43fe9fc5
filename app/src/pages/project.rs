//! One project's page; later features (metrics, outputs, dashboards) fill it.

use crate::api::projects::get_project;
use crate::components::outcome::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The project named by the `:slug` in the address.
#[component]
pub fn ProjectPage() -> impl IntoView {
    let params = use_params_map();
    let project = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_project,
    );
    loaded(project, |project| {
        view! {
            <Title text=format!("{} · Vernier", project.name)/>
            <h1 data-testid="project-name">{project.name}</h1>
            <p class="muted">{format!("/{} · created by {}", project.slug, project.created_by)}</p>
            <dl class="facts">
                <dt>"Description"</dt>
                <dd>{or_dash(project.description)}</dd>
                <dt>"Purpose"</dt>
                <dd>{or_dash(project.purpose)}</dd>
            </dl>
            <section class="card nudge" data-testid="start-with-one-metric">
                <h2>"Start with one metric"</h2>
                <p>
                    "Crawl first: pick the one behaviour whose failure costs the most, "
                    "give it a dollar cost per failure and a review date, and measure it."
                </p>
            </section>
        }
    })
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}
