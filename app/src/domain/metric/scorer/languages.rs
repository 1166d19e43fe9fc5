//! The languages a language guardrail may name as candidates, and the check of that list.

use crate::error::AppError;

/// The languages the language guardrail tells apart precisely (ISO 639-1), each with a model
/// compiled into the server. Others are still detected, less surely, by a general detector.
pub const MODELLED_LANGUAGES: [&str; 7] = ["de", "en", "es", "fr", "it", "nl", "pt"];

pub(super) fn check_languages(languages: &[String]) -> Result<(), AppError> {
    if languages.len() > MODELLED_LANGUAGES.len() {
        return Err(AppError::invalid(
            "scorer",
            "languages lists a language more than once",
        ));
    }
    for (index, code) in languages.iter().enumerate() {
        if !MODELLED_LANGUAGES.contains(&code.as_str()) {
            return Err(AppError::invalid(
                "scorer",
                format!(
                    "languages[{index}] is {code:?}, not one of {} (lower-case ISO 639-1 codes)",
                    MODELLED_LANGUAGES.join(", ")
                ),
            ));
        }
        if languages[..index].contains(code) {
            return Err(AppError::invalid(
                "scorer",
                format!("languages lists {code:?} twice"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::ScorerSpec;

    #[test]
    fn a_language_guard_names_only_modelled_languages_once_each() {
        let parse = |languages: &str| {
            ScorerSpec::parse_json(&format!(
                r#"{{"kind": "language_match", "languages": {languages}}}"#
            ))
        };
        assert!(parse(r#"["de", "en", "fr"]"#).is_ok());
        let unknown = parse(r#"["de", "pl"]"#).unwrap_err();
        assert_eq!(unknown.field(), Some("scorer"));
        assert!(
            unknown.message().contains("languages[1]"),
            "{}",
            unknown.message()
        );
        assert!(parse(r#"["DE"]"#).is_err(), "codes are lower-case");
        assert!(parse(r#"["de", "de"]"#).unwrap_err().message().contains("twice"));
        let omitted = ScorerSpec::parse_json(r#"{"kind": "language_match"}"#).unwrap();
        assert!(
            !omitted.to_json().contains("languages"),
            "an empty list is not written out"
        );
    }
}
