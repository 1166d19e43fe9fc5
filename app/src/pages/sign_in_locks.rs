//! Failed sign-ins and locks, on the admins' users page: who is locked, until when, and a
//! button to lift a lock.

use crate::api::users::{list_sign_in_failures, LiftSignInLock};
use crate::components::data_table::{Column, DataTable};
use crate::components::forms::{last_error, FormError};
use crate::components::outcome::loaded;
use crate::domain::throttle::Lockout;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;

const COLUMNS: &[Column] = &[
    Column::text("Account or address"),
    Column::number("Failures in a row"),
    Column::text("Last failure"),
    Column::text("Locked until"),
    Column::text(""),
];

/// The section; admins only (the server refuses everyone else).
#[component]
pub fn SignInLocks() -> impl IntoView {
    let lift = ServerAction::<LiftSignInLock>::new();
    let failures = Resource::new(move || lift.version().get(), |_| list_sign_in_failures());
    let error = last_error(lift);
    view! {
        <section class="card" data-testid="sign-in-locks">
            <h2>"Failed sign-ins"</h2>
            <p class="muted">
                "An account name is locked after 5 failed sign-ins in a row and a client address after 20: \
                 for 30 seconds, doubling with each further failure up to an hour. A successful sign-in forgets them."
            </p>
            <FormError error/>
            {loaded(failures, move |rows: Vec<Lockout>| view! {
                <DataTable rows columns=COLUMNS empty="No failed sign-ins in the last day." testid="lock-table" row=move |row: Lockout| {
                    let scope = row.scope.as_str();
                    let (testid, subject) = (format!("lock-{}", row.subject), row.subject.clone());
                    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
                    view! {
                        <tr data-testid=testid>
                            <td>{format!("{scope}: {}", row.subject)}</td>
                            <td class="num">{row.failures}</td>
                            <td>{when(row.last_failure_at)}</td>
                            <td data-testid="lock-until">{row.locked_until.map_or_else(|| "not locked".to_owned(), when)}</td>
                            <td>
                                <ActionForm action=lift>
                                    <input type="hidden" name="scope" value=scope/>
                                    <input type="hidden" name="subject" value=subject.clone()/>
                                    <button type="submit" data-testid="lock-lift">
                                        {if row.locked_until.is_some() { "Lift lock" } else { "Forget" }}
                                    </button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }/>
            })}
        </section>
    }
}
