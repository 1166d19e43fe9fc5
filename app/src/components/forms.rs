//! Form helpers: errors shown next to the field they belong to.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::ServerAction;
use server_fn::ServerFn;

/// The error of an action's last run, if it failed.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// The error of a form's last submission, shared with every field inside it through context,
/// so that no field can forget to show its message.
#[derive(Clone, Copy)]
pub struct FormErrors(pub Signal<Option<AppError>>);

impl FormErrors {
    /// Makes `error` the error every field below reads.
    pub fn provide(error: Signal<Option<AppError>>) {
        provide_context(Self(error));
    }

    /// The error given, or else the one the surrounding form provides (none outside a form).
    pub fn or_context(error: Option<Signal<Option<AppError>>>) -> Signal<Option<AppError>> {
        error
            .or_else(|| use_context::<Self>().map(|errors| errors.0))
            .unwrap_or_else(|| Signal::derive(|| None))
    }
}

/// The message for `field` when the form's error (`error`, or the [`FormErrors`] in context)
/// names it.
#[component]
pub fn FieldError(
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    field: &'static str,
) -> impl IntoView {
    let error = FormErrors::or_context(error);
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! { <p class="field-error" data-testid=format!("error-{field}")>{e.message()}</p> }
        })
    }
}

/// An error that names no field of the form (`fields` lists the ones shown beside their inputs).
#[component]
pub fn FormError(
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let error = FormErrors::or_context(error);
    move || {
        error
            .get()
            .filter(|e| !e.field().is_some_and(|f| fields.contains(&f)))
            .map(|e| {
                view! { <p class="form-error" role="alert" data-testid="form-error">{e.message()}</p> }
            })
    }
}

/// A labelled text input with its error underneath.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                type=kind
                name=name
                placeholder=placeholder
                required=required
                autocomplete=autocomplete
                data-testid=format!("input-{name}")
            />
            <FieldError error field=name/>
        </label>
    }
}
