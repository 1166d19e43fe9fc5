//! Shared rules for free-text fields: trimming, length bounds and character sets.

use crate::error::AppError;

/// Trims `value` and checks its length in characters against `min..=max`.
pub fn bounded(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length == 0 && min > 0 {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if length < min {
        return Err(AppError::invalid(
            field,
            format!("must be at least {min} characters"),
        ));
    }
    if length > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters (got {length})"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// The items of a comma- (or line-) separated list, trimmed, without empties or repeats, in
/// the order given.
pub fn list(value: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in value.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        if !items.iter().any(|seen| seen == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// `None` for an empty (or blank) filter value, else what `parse` makes of it.
pub fn optional<T>(value: &str, parse: impl Fn(&str) -> Result<T, AppError>) -> Result<Option<T>, AppError> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}

/// An optional text field of an API record, as its schema states it: absent or blank is
/// `None`, and the kept text is trimmed; more than `max` characters as sent are refused with
/// the message to report on the field.
pub fn record_text(value: Option<String>, max: usize) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let trimmed = value.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// A lower-case identifier of `min..=max` characters from `a-z`, `0-9` and the `extra` punctuation,
/// starting and ending with a letter or digit.
pub fn identifier(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    extra: &[char],
) -> Result<String, AppError> {
    let value = bounded(field, value, min, max)?;
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(&c);
    if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
        let extras: String = extra.iter().map(|c| format!(" '{c}'")).collect();
        return Err(AppError::invalid(
            field,
            format!("may use only lower-case letters, digits and{extras}; '{bad}' is not allowed"),
        ));
    }
    let edges_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edges_ok(value.chars().next()) || !edges_ok(value.chars().last()) {
        return Err(AppError::invalid(
            field,
            "must start and end with a letter or digit",
        ));
    }
    Ok(value)
}

/// An item's id, a case id or a variant: 1 to 100 characters of letters, digits and `-_.:`
/// (stable across versions, so that clients can name items in runs).
pub fn item_key(field: &str, value: &str) -> Result<String, AppError> {
    let value = bounded(field, value, 1, 100)?;
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
    {
        return Err(AppError::invalid(
            field,
            format!("may use only letters, digits and '-', '_', '.', ':'; '{bad}' is not allowed"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_is_trimmed() {
        assert_eq!(
            bounded("name", "  Support bot  ", 1, 100),
            Ok("Support bot".into())
        );
    }

    #[test]
    fn blank_text_is_empty() {
        let error = bounded("name", "   ", 1, 100).unwrap_err();
        assert_eq!(error, AppError::invalid("name", "must not be empty"));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(bounded("name", "äöü", 1, 3).is_ok());
        assert!(bounded("name", "äöüß", 1, 3).is_err());
    }

    #[test]
    fn optional_text_may_be_empty() {
        assert_eq!(bounded("description", "", 0, 10), Ok(String::new()));
    }

    #[test]
    fn record_text_counts_as_sent() {
        assert_eq!(record_text(None, 3), Ok(None));
        assert_eq!(record_text(Some("  ".into()), 3), Ok(None));
        assert_eq!(record_text(Some(" ab".into()), 3), Ok(Some("ab".into())));
        assert_eq!(
            record_text(Some("abc ".into()), 3).unwrap_err(),
            "must be at most 3 characters"
        );
    }

    #[test]
    fn identifiers_refuse_other_characters_and_name_them() {
        let error = identifier("slug", "Support Bot", 2, 40, &['-']).unwrap_err();
        assert_eq!(error.field(), Some("slug"));
        assert!(error.message().contains("'S'"), "{}", error.message());
    }

    #[test]
    fn identifiers_must_start_and_end_with_an_alphanumeric() {
        assert!(identifier("slug", "-bot", 2, 40, &['-']).is_err());
        assert!(identifier("slug", "bot-", 2, 40, &['-']).is_err());
        assert_eq!(
            identifier("slug", "support-bot-2", 2, 40, &['-']),
            Ok("support-bot-2".into())
        );
    }
}
