//! Language detection (whatlang: trigram models compiled in, nothing downloaded) and codes.

/// A detected language as an ISO 639-1 code where one exists (else 639-3), with confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub code: String,
    pub confidence: f64,
}

/// Detects the language of `text`.
pub fn detect(text: &str) -> Option<Detected> {
    let info = whatlang::detect(text)?;
    Some(Detected {
        code: to_639_1(info.lang().code()),
        confidence: info.confidence(),
    })
}

/// An ISO 639-3 code as 639-1 when the language has one ("deu" → "de").
fn to_639_1(code_639_3: &str) -> String {
    isolang::Language::from_639_3(code_639_3)
        .and_then(|language| language.to_639_1())
        .map_or_else(|| code_639_3.to_owned(), str::to_owned)
}

/// Normalises a language as metadata gives it ("de", "DE", "de-AT", "deu", "German") to the
/// code [`detect`] returns.
pub fn normalise(value: &str) -> Option<String> {
    let value = value.trim();
    let primary = value
        .split(['-', '_'])
        .next()
        .unwrap_or(value)
        .to_ascii_lowercase();
    let language = match primary.len() {
        2 => isolang::Language::from_639_1(&primary),
        3 => isolang::Language::from_639_3(&primary),
        _ => isolang::Language::from_name(&capitalise(&primary)),
    }?;
    Some(
        language
            .to_639_1()
            .map_or_else(|| language.to_639_3().to_owned(), str::to_owned),
    )
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_are_told_apart() {
        let german =
            detect("Vielen Dank für Ihre Nachricht. Wir melden uns so schnell wie möglich bei Ihnen.")
                .unwrap();
        assert_eq!(german.code, "de");
        let english =
            detect("Thank you for your message. We will get back to you as soon as possible.").unwrap();
        assert_eq!(english.code, "en");
        assert!(english.confidence > 0.5, "{english:?}");
    }

    #[test]
    fn metadata_spellings_normalise_to_one_code() {
        for value in ["de", "DE", "de-AT", "de_CH", "deu", "German"] {
            assert_eq!(normalise(value).as_deref(), Some("de"), "{value}");
        }
        assert_eq!(normalise("zz"), None);
        assert_eq!(
            normalise("tlh").as_deref(),
            Some("tlh"),
            "a language without a two-letter code keeps its three letters"
        );
    }
}
