//! A person as other users see them, apart from their account (roles, sign-in).

use serde::{Deserialize, Serialize};

/// A user as other users see them: in owner pickers and lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub username: String,
    pub display_name: String,
}
