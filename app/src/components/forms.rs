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
/// so that no field can forget to show its message; fields also note here that they show
/// their own, so the form's message shows only what no field did.
#[derive(Clone, Copy)]
pub struct FormErrors {
    error: Signal<Option<AppError>>,
    shown: StoredValue<Vec<&'static str>>,
}

impl FormErrors {
    /// The error given, or else the one the surrounding form provides (none outside a form).
    pub fn or_context(error: Option<Signal<Option<AppError>>>) -> Signal<Option<AppError>> {
        error
            .or_else(|| use_context::<Self>().map(|errors| errors.error))
            .unwrap_or_else(|| Signal::derive(|| None))
    }

    /// Notes that a field of the surrounding form shows its own message.
    fn note_shown(field: &'static str) {
        if let Some(errors) = use_context::<Self>() {
            errors.shown.update_value(|shown| {
                if !shown.contains(&field) {
                    shown.push(field);
                }
            });
        }
    }

    /// Whether a field of the surrounding form shows `field`'s message.
    fn is_shown(field: &str) -> bool {
        use_context::<Self>().is_some_and(|errors| errors.shown.with_value(|shown| shown.contains(&field)))
    }
}

/// A form's fields and messages, all reading `error` through [`FormErrors`]. The context lives
/// in an owner of its own, so two forms on one page (or a page's other messages) never see each
/// other's fields.
#[component]
pub fn ErrorsFrom(#[prop(into)] error: Signal<Option<AppError>>, children: Children) -> impl IntoView {
    let value = FormErrors {
        error,
        shown: StoredValue::new(Vec::new()),
    };
    view! { <leptos::context::Provider value>{children()}</leptos::context::Provider> }
}

/// The message for `field` when the form's error (`error`, or the [`FormErrors`] in context)
/// names it.
#[component]
pub fn FieldError(
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    field: &'static str,
) -> impl IntoView {
    FormErrors::note_shown(field);
    let error = FormErrors::or_context(error);
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! { <p class="field-error" data-testid=format!("error-{field}")>{e.message()}</p> }
        })
    }
}

/// An error that names no field shown in the form: the fields in [`FormErrors`] note their own,
/// and `fields` lists more for forms without one.
#[component]
pub fn FormError(
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(optional)] fields: &'static [&'static str],
) -> impl IntoView {
    let is_shown = move |field: &str| fields.contains(&field) || FormErrors::is_shown(field);
    let error = FormErrors::or_context(error);
    move || {
        error.get().filter(|e| !e.field().is_some_and(is_shown)).map(|e| {
            view! { <p class="form-error" role="alert" data-testid="form-error">{e.message()}</p> }
        })
    }
}

/// A labelled text input with its error underneath.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: &'static str,
) -> impl IntoView {
    let error = FormErrors::or_context(error);
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
