//! Metrics as code: export a project's definitions as YAML or JSON, and import them back with a
//! preview of what changes and every error by item and field.

use crate::api::metric_io::{export_metrics, ApplyImport, PreviewImport};
use crate::components::for_role::ForProject;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::metric::document::{ImportPlan, PlannedChange};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/metrics-as-code`.
#[component]
pub fn MetricsIoPage() -> impl IntoView {
    let project = text_param("slug");
    let format = RwSignal::new("yaml".to_owned());
    let exported = Action::new(move |format: &String| export_metrics(project(), format.clone()));
    let text = RwSignal::new(String::new());
    let preview = ServerAction::<PreviewImport>::new();
    let apply = ServerAction::<ApplyImport>::new();
    let request = move || (project(), format.get(), text.get());
    view! {
        <Title text="Metrics as code · Vernier"/>
        <div class="page-head">
            <h1>"Metrics as code"</h1>
            <a href=move || format!("/projects/{}/metrics", project())>"← Metrics"</a>
        </div>
        <section class="card">
            <h2>"Export"</h2>
            <p class="muted">"Keep the definitions in git and review metric changes like code."</p>
            <button on:click=move |_| { exported.dispatch("yaml".into()); } data-testid="export-yaml">"Export YAML"</button>
            " "
            <button on:click=move |_| { exported.dispatch("json".into()); } data-testid="export-json">"Export JSON"</button>
            {move || exported.value().get().map(|result| match result {
                Ok(body) => view! { <textarea class="mono export" rows="14" readonly=true data-testid="export-text">{body}</textarea> }.into_any(),
                Err(error) => view! { <p class="form-error">{error.message()}</p> }.into_any(),
            })}
        </section>
        <ForProject access=ProjectAccess::Edit>
            <section class="card">
                <h2>"Import"</h2>
                <p class="muted">"Creates or updates metrics by key. Preview first; the import is all or nothing."</p>
                <label class="field">
                    <span class="field-label">"Format"</span>
                    <select on:change=move |ev| format.set(event_target_value(&ev)) data-testid="import-format">
                        <option value="yaml">"YAML"</option>
                        <option value="json">"JSON"</option>
                    </select>
                </label>
                <textarea class="mono" rows="14" data-testid="import-text"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <div class="inline-form">
                    <button on:click=move |_| {
                        let (project, format, text) = request();
                        preview.dispatch(PreviewImport { project, format, text });
                    } data-testid="import-preview">"Preview"</button>
                    <button class="primary" on:click=move |_| {
                        let (project, format, text) = request();
                        apply.dispatch(ApplyImport { project, format, text });
                    } data-testid="import-apply">"Import"</button>
                </div>
                {move || preview.value().get().map(|result| plan_view(result, "Preview"))}
                {move || apply.value().get().map(|result| plan_view(result, "Imported"))}
            </section>
        </ForProject>
    }
}

fn plan_view(result: Result<ImportPlan, AppError>, title: &'static str) -> AnyView {
    let plan = match result {
        Ok(plan) => plan,
        Err(error) => {
            return view! { <p class="form-error" data-testid="import-error">{error.message()}</p> }
                .into_any()
        }
    };
    let testid = if title == "Preview" {
        "import-plan"
    } else {
        "import-result"
    };
    view! {
        <div class="import-plan" data-testid=testid>
            <h3>{title}</h3>
            <ul>
                {plan.items.into_iter().map(|item| {
                    let what = match item.change {
                        PlannedChange::Create => "create".to_owned(),
                        PlannedChange::Unchanged => "unchanged".to_owned(),
                        PlannedChange::Update(changes) => {
                            let fields: Vec<String> = changes.into_iter().map(|(f, o, n)| format!("{f}: {o} → {n}")).collect();
                            format!("update ({})", fields.join("; "))
                        }
                    };
                    view! { <li data-testid=format!("plan-{}", item.key)>{format!("{}: {what}", item.key)}</li> }
                }).collect_view()}
            </ul>
            {(!plan.errors.is_empty()).then(|| view! {
                <ul class="errors" data-testid="import-errors">
                    {plan.errors.into_iter().map(|e| view! {
                        <li class="field-error">{format!("item {} ({}), {}: {}", e.index + 1, e.key, e.field, e.message)}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
    .into_any()
}
