//! The sign-in page.

use crate::components::forms::{last_error, ErrorsFrom, FormError, TextField};
use crate::session::SessionContext;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// Username and password; wrong credentials are reported next to the password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let error = last_error(session.login);
    view! {
        <Title text="Sign in · Vernier"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ErrorsFrom error>
            <ActionForm action=session.login attr:class="form" attr:data-testid="login-form">
                <TextField label="Username" name="username" required=true autocomplete="username"/>
                <TextField label="Password" name="password" kind="password" required=true autocomplete="current-password"/>
                <FormError/>
                <button type="submit" class="primary" data-testid="login-submit">"Sign in"</button>
            </ActionForm>
            </ErrorsFrom>
        </section>
    }
}
