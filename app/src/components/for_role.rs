//! Showing a part of a page only to the roles that may use it. This is presentation only: the
//! server functions behind it check the role again.

use crate::domain::role::Access;
use crate::session::SessionContext;
use leptos::prelude::*;

/// Renders `children` when the signed-in user passes `access`.
#[component]
pub fn ForRole(access: Access, children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let allowed = matches!(session.user.await, Ok(Some(user)) if access.allows(user.role));
                allowed.then(|| children.read_value()())
            })}
        </Transition>
    }
}
