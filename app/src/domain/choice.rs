//! `choice!`: a closed set of named options stored and sent as lower-case text.

/// Declares an enum whose variants have a stored name and a label, with `ALL`, `as_str`,
/// `label` and a `parse` that reports a bad value as a validation error on the given field.
#[macro_export]
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every option, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses a stored name (case-insensitive).
            pub fn parse(value: &str) -> Result<Self, $crate::error::AppError> {
                let wanted = value.trim().to_ascii_lowercase();
                Self::ALL.iter().copied().find(|option| option.as_str() == wanted).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|option| option.as_str()).collect();
                    $crate::error::AppError::invalid($field, format!("'{value}' is not one of: {}", names.join(", ")))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
