//! The project's segment keys, which the dashboards break traffic down by; owners change them
//! (the rollups are recounted at once).

use crate::api::dashboards::{get_segment_keys, SetSegmentKeys};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::domain::membership::ProjectAccess;
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;

/// The keys and the action that saves them, for the project page to create at its top.
pub fn segment_keys_resource(
    slug: impl Fn() -> String + Send + Sync + 'static,
) -> (
    Resource<Result<Vec<String>, AppError>>,
    ServerAction<SetSegmentKeys>,
) {
    let save = ServerAction::<SetSegmentKeys>::new();
    let keys = Resource::new(
        move || (slug(), save.version().get()),
        |(slug, _)| get_segment_keys(slug),
    );
    (keys, save)
}

/// The keys, and for owners the form that changes them.
#[component]
pub fn SegmentKeys(
    slug: String,
    keys: Resource<Result<Vec<String>, AppError>>,
    save: ServerAction<SetSegmentKeys>,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="segment-keys">
            <h2>"Segments"</h2>
            {loaded(keys, move |keys| {
                let current = keys.join(", ");
                let slug = slug.clone();
                view! {
                    <p class="muted" data-testid="segment-keys-current">
                        {if keys.is_empty() {
                            "No segment keys yet: comparisons look at all traffic and conversation turns only.".to_owned()
                        } else {
                            format!("Traffic is broken down by {current}, and by conversation turn (1–4, 5+).")
                        }}
                    </p>
                    <ForProject access=ProjectAccess::Edit>
                        <KeysForm slug=slug.clone() current=current.clone() save/>
                    </ForProject>
                }
            })}
        </section>
    }
}

#[component]
fn KeysForm(slug: String, current: String, save: ServerAction<SetSegmentKeys>) -> impl IntoView {
    let error = last_error(save);
    view! {
        <ErrorsFrom error>
            <ActionForm action=save attr:class="inline-form" attr:data-testid="segment-keys-form">
                <input type="hidden" name="project" value=slug/>
                <label class="field">
                    <span class="field-label">"Metadata keys (comma-separated)"</span>
                    <input type="text" name="keys" value=current placeholder="language, customer, channel" data-testid="input-segment-keys"/>
                    <FieldError field="segment_keys"/>
                </label>
                <button type="submit" data-testid="segment-keys-submit">"Save and recount"</button>
            </ActionForm>
            <FormError/>
        </ErrorsFrom>
    }
}
