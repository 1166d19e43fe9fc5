//! Users: validated input and the view that crosses the wire.

use super::role::Role;
use super::text::{bounded, identifier};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user as pages and the API see it; never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A login name: 3–40 characters of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a username; upper case is folded so "Alice" and "alice" are one account.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        identifier("username", &value.to_lowercase(), 3, 40, &['.', '_', '-']).map(Self)
    }

    /// The username as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown in the header and lists: 1–80 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        bounded("display_name", value, 1, 80).map(Self)
    }

    /// The display name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password in clear text, only ever held long enough to hash it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// Minimum length, following NIST SP 800-63B's advice for user-chosen secrets.
    pub const MIN: usize = 10;
    /// Maximum length, which bounds the work of hashing.
    pub const MAX: usize = 128;

    /// Parses a password; it is not trimmed, since spaces are part of it.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let length = value.chars().count();
        if length < Self::MIN {
            return Err(AppError::invalid(
                "password",
                format!("must be at least {} characters", Self::MIN),
            ));
        }
        if length > Self::MAX {
            return Err(AppError::invalid(
                "password",
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The clear text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A validated request to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password: NewPassword,
    pub role: Role,
}

impl NewUser {
    /// Parses every field; the first invalid one is reported.
    pub fn parse(username: &str, display_name: &str, password: &str, role: &str) -> Result<Self, AppError> {
        let username = Username::parse(username)?;
        let display_name = if display_name.trim().is_empty() {
            DisplayName::parse(username.as_str())?
        } else {
            DisplayName::parse(display_name)?
        };
        Ok(Self {
            username,
            display_name,
            password: NewPassword::parse(password)?,
            role: parse_role(role)?,
        })
    }
}

/// Parses a role from a form value, as a validation error on the `role` field.
pub fn parse_role(value: &str) -> Result<Role, AppError> {
    value
        .parse()
        .map_err(|message: String| AppError::invalid("role", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_folded_to_lower_case() {
        assert_eq!(Username::parse("Alice").unwrap().as_str(), "alice");
    }

    #[test]
    fn usernames_with_spaces_are_refused() {
        assert_eq!(Username::parse("al ice").unwrap_err().field(), Some("username"));
    }

    #[test]
    fn short_and_long_usernames_are_refused() {
        assert!(Username::parse("al").is_err());
        assert!(Username::parse(&"a".repeat(41)).is_err());
        assert!(Username::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn short_passwords_are_refused() {
        let error = NewPassword::parse("123456789").unwrap_err();
        assert_eq!(error.field(), Some("password"));
        assert!(NewPassword::parse("1234567890").is_ok());
    }

    #[test]
    fn passwords_are_not_printed() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
    }

    #[test]
    fn a_blank_display_name_defaults_to_the_username() {
        let user = NewUser::parse("annie", "", "long enough pw", "annotator").unwrap();
        assert_eq!(user.display_name.as_str(), "annie");
        assert_eq!(user.role, Role::Annotator);
    }

    #[test]
    fn a_bad_role_is_reported_on_the_role_field() {
        let error = NewUser::parse("annie", "Annie", "long enough pw", "boss").unwrap_err();
        assert_eq!(error.field(), Some("role"));
    }
}
