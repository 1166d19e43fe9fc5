//! A project's LLM endpoints for judges and embeddings; keys are write-only.

use crate::api::scoring::{get_endpoints, SaveEndpoints};
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::endpoint::{EndpointView, EndpointsView};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/endpoints`; admins and owners only.
#[component]
pub fn EndpointsPage() -> impl IntoView {
    let project = text_param("slug");
    let save = ServerAction::<SaveEndpoints>::new();
    let endpoints = Resource::new(
        move || (project(), save.version().get()),
        |(project, _)| get_endpoints(project),
    );
    let error = last_error(save);
    view! {
        <Title text="LLM endpoints · Vernier"/>
        <ProjectPageHead title="LLM endpoints"/>
        <p class="muted">
            "LLM-as-judge and embedding-similarity metrics call these OpenAI-compatible endpoints (OpenAI, Azure OpenAI, vLLM, Ollama, LiteLLM…). "
            "Give the base URL up to the version, e.g. " <code>"https://api.openai.com/v1"</code>
            ". API keys are stored and used, never shown again."
        </p>
        {move || save.value().get().and_then(Result::ok).map(|_| view! {
            <p class="notice success" data-testid="endpoints-saved">"Saved."</p>
        })}
        {loaded(endpoints, move |view: EndpointsView| view! {
            <ErrorsFrom error>
            <ActionForm action=save attr:class="form card" attr:data-testid="endpoints-form">
                <input type="hidden" name="project" value=project()/>
                <EndpointFieldset legend="Chat completions (LLM judge)" fields=["chat_url", "chat_model", "chat_key", "chat_clear_key"] endpoint=view.chat/>
                <EndpointFieldset legend="Embeddings" fields=["embeddings_url", "embeddings_model", "embeddings_key", "embeddings_clear_key"] endpoint=view.embeddings/>
                <label class="field">
                    <span class="field-label">"Timeout per call (ms)"</span>
                    <input type="number" name="input[timeout_ms]" value=view.timeout_ms.to_string() min="100" max="600000" data-testid="timeout_ms"/>
                    <FieldError field="timeout_ms"/>
                </label>
                <button type="submit" class="primary" data-testid="endpoints-submit">"Save endpoints"</button>
                <FormError/>
            </ActionForm>
            </ErrorsFrom>
        })}
    }
}

#[component]
fn EndpointFieldset(
    legend: &'static str,
    /// The form names of the URL, model, key and clear-key fields (errors name the first three).
    fields: [&'static str; 4],
    endpoint: EndpointView,
) -> impl IntoView {
    let [url, model, key, clear_key] = fields;
    let key_hint = if endpoint.key_set {
        "A key is set; leave empty to keep it."
    } else {
        "No key set."
    };
    view! {
        <fieldset>
            <legend>{legend}</legend>
            <label class="field">
                <span class="field-label">"Base URL"</span>
                <input type="text" inputmode="url" name=format!("input[{url}]") value=endpoint.url placeholder="https://api.openai.com/v1" data-testid=url/>
                <FieldError field=url/>
            </label>
            <label class="field">
                <span class="field-label">"Model"</span>
                <input type="text" name=format!("input[{model}]") value=endpoint.model data-testid=model/>
                <FieldError field=model/>
            </label>
            <label class="field">
                <span class="field-label">"API key"</span>
                <input type="password" name=format!("input[{key}]") autocomplete="off" data-testid=key/>
                <span class="hint" data-testid=format!("{key}-state")>{key_hint}</span>
                <FieldError field=key/>
            </label>
            {endpoint.key_set.then(|| view! {
                <label><input type="checkbox" name=format!("input[{clear_key}]") value="on"/>" Remove the stored key"</label>
            })}
        </fieldset>
    }
}
