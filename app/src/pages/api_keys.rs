//! A project's API keys: create (the secret is shown once), see last use, revoke.

use crate::api::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};
use crate::components::data_table::{Column, DataTable};
use crate::components::forms::{last_error, ErrorsFrom, FormError, TextField};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::api_key::ApiKeyView;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/api-keys`; admins and owners only (the server refuses everyone else).
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let project = text_param("slug");
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (project(), create.version().get(), revoke.version().get()),
        |(project, ..)| list_api_keys(project),
    );
    let error = last_error(create);
    let revoke_error = last_error(revoke);
    view! {
        <Title text="API keys · Vernier"/>
        <ProjectPageHead title="API keys"/>
        <p class="muted">
            "Clients send outputs and call the real-time check with a key: "
            <code>"Authorization: Bearer vk_…"</code>
            ". A key works only for this project."
        </p>
        {move || create.value().get().and_then(Result::ok).map(|created| view! {
            <section class="notice new-key">
                <p>{format!("Key \"{}\" created. Copy it now: it is not shown again.", created.key.name)}</p>
                <code class="secret" data-testid="new-key-secret">{created.secret}</code>
            </section>
        })}
        {loaded(keys, move |keys| view! {
            <FormError error=revoke_error/>
            <KeyTable keys project=project() revoke/>
            <section class="card">
                <h2>"New key"</h2>
                <ErrorsFrom error>
                    <ActionForm action=create attr:class="inline-form" attr:data-testid="key-form">
                        <input type="hidden" name="project" value=project()/>
                        <TextField label="Name" name="name" placeholder="CI pipeline"/>
                        <button type="submit" class="primary" data-testid="key-submit">"Create key"</button>
                    </ActionForm>
                    <FormError/>
                </ErrorsFrom>
            </section>
        })}
    }
}

const KEY_COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Key"),
    Column::text("Created"),
    Column::text("Last used"),
    Column::text(""),
];

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, project: String, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(
            || "never".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
    };
    view! {
        <DataTable rows=keys columns=KEY_COLUMNS empty="No keys yet." testid="key-table" row=move |key: ApiKeyView| {
            let testid = format!("key-{}", key.prefix);
            let project = project.clone();
            let revoked = key.revoked_at.is_some();
            view! {
                <tr data-testid=testid>
                    <td>{key.name}</td>
                    <td class="mono">{format!("{}_…", key.prefix)}</td>
                    <td>{format!("{} by {}", key.created_at.format("%Y-%m-%d"), key.created_by)}</td>
                    <td data-testid="key-last-used">{when(key.last_used_at)}</td>
                    <td>
                        {if revoked {
                            view! { <span class="status status-retired" data-testid="key-revoked">"revoked"</span> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=revoke>
                                    <input type="hidden" name="project" value=project/>
                                    <input type="hidden" name="id" value=key.id.to_string()/>
                                    <button type="submit" data-testid="key-revoke">"Revoke"</button>
                                </ActionForm>
                            }
                            .into_any()
                        }}
                    </td>
                </tr>
            }
        }/>
    }
}
