//! Who made a change: a signed-in user, or a project API key acting for the user who created it.

/// The author of a recorded change. A change made with an API key is recorded under the key
/// (its name and prefix are shown) and keeps the key's creator as the responsible user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user responsible: the signed-in user, or the key's creator.
    pub user_id: i64,
    /// The API key the change was made with, if any.
    pub api_key_id: Option<i64>,
}

impl Actor {
    /// A signed-in user acting for themselves.
    pub fn user(user_id: i64) -> Self {
        Self {
            user_id,
            api_key_id: None,
        }
    }

    /// A project API key, created by `created_by`.
    pub fn key(api_key_id: i64, created_by: i64) -> Self {
        Self {
            user_id: created_by,
            api_key_id: Some(api_key_id),
        }
    }
}

impl From<i64> for Actor {
    fn from(user_id: i64) -> Self {
        Self::user(user_id)
    }
}
