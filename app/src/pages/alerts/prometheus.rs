//! The alerts page's Prometheus section: what `/metrics` exports and which segment keys become
//! labels.

use super::Actions;
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub(super) fn Prometheus(
    slug: String,
    segment_keys: Vec<String>,
    exported_keys: Vec<String>,
    actions: Actions,
    can_edit: bool,
) -> impl IntoView {
    let error = last_error(actions.exported);
    let current = exported_keys.join(", ");
    let available = if segment_keys.is_empty() {
        "turn".to_owned()
    } else {
        format!("{}, turn", segment_keys.join(", "))
    };
    view! {
        <section class="card" data-testid="prometheus">
            <h2>"Prometheus and Grafana"</h2>
            <p class="muted">
                "GET /metrics, with the bearer token your administrator set (VERNIER_METRICS_TOKEN), serves this project's "
                "evaluations, dollars lost to failures and monitor states by metric and version. Segment values are "
                "labels only for the keys listed here, so series stay bounded."
            </p>
            <p data-testid="exported-keys">{if current.is_empty() { "No segment keys exported.".to_owned() } else { format!("Exported segment keys: {current}.") }}</p>
            {can_edit.then(|| view! {
                <ErrorsFrom error>
                    <ActionForm action=actions.exported attr:class="inline-form">
                        <input type="hidden" name="project" value=slug.clone()/>
                        <label class="field">
                            <span class="field-label">{format!("Export these segment keys (of {available})")}</span>
                            <input type="text" name="keys" value=current.clone() placeholder="language" data-testid="input-exported"/>
                            <FieldError field="exported"/>
                        </label>
                        <button type="submit" data-testid="save-exported">"Save"</button>
                    </ActionForm>
                    <FormError/>
                </ErrorsFrom>
            })}
        </section>
    }
}
