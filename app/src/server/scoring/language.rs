//! Language detection and codes. Nothing is downloaded: both detectors compile their models in.
//!
//! The guardrail ([`Guard`]) tells a reply's language apart among a few candidates, in three
//! steps measured on `data/language/texts.tsv` (see docs/benchmarks.md):
//! 1. the writing system: a reply not in Latin script is in none of the modelled languages, and
//!    whatlang's general detector names it;
//! 2. whatlang restricted to the candidates, trusted when its confidence is at least
//!    [`FAST_CONFIDENCE`] (about seven replies in eight, in tens of microseconds);
//! 3. otherwise lingua's high-accuracy n-gram models over the candidates, which always answer.

// The labelled set is compiled in only for its test and the benchmark, not into the server.
#[cfg(any(test, feature = "bench"))]
pub mod evaluation;

use crate::domain::metric::scorer::MODELLED_LANGUAGES;
use lingua::{IsoCode639_1, LanguageDetector, LanguageDetectorBuilder};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

/// Whatlang's confidence from which its answer among the candidates is taken as it is.
pub const FAST_CONFIDENCE: f64 = 0.5;

/// A detected language as an ISO 639-1 code where one exists (else 639-3), with confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub code: String,
    pub confidence: f64,
}

/// Detects the language of `text` among all of whatlang's languages.
pub fn detect(text: &str) -> Option<Detected> {
    whatlang::detect(text).map(|info| of_whatlang(&info))
}

fn of_whatlang(info: &whatlang::Info) -> Detected {
    Detected {
        code: to_639_1(info.lang().code()),
        confidence: info.confidence(),
    }
}

/// Tells a text's language apart among candidate languages; see the module documentation.
pub struct Guard {
    codes: Vec<&'static str>,
    fast: whatlang::Detector,
    precise: Arc<LanguageDetector>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").field("codes", &self.codes).finish()
    }
}

impl Guard {
    /// A guard over `codes` (validated modelled languages); empty means all modelled languages.
    pub fn new(codes: &[String]) -> Self {
        let mut chosen: Vec<&'static str> = MODELLED_LANGUAGES
            .into_iter()
            .filter(|code| codes.is_empty() || codes.iter().any(|c| c == code))
            .collect();
        if chosen.len() < 2 {
            // One candidate would always answer itself: English, the usual wrong language of an
            // LLM reply, is the other.
            let other = if chosen == ["en"] { "de" } else { "en" };
            chosen.push(other);
            chosen.sort_unstable();
        }
        let whatlang: Vec<whatlang::Lang> = chosen.iter().filter_map(|c| whatlang_of(c)).collect();
        Self {
            fast: whatlang::Detector::with_allowlist(whatlang),
            precise: precise_detector(&chosen),
            codes: chosen,
        }
    }

    /// Whether `code` is one of this guard's candidates.
    pub fn knows(&self, code: &str) -> bool {
        self.codes.contains(&code)
    }

    /// The language of `text`: a candidate when the text is in Latin script, else whatever the
    /// general detector finds.
    pub fn detect(&self, text: &str) -> Option<Detected> {
        if whatlang::detect_script(text)? != whatlang::Script::Latin {
            return detect(text);
        }
        if let Some(info) = self.fast.detect(text) {
            if info.confidence() >= FAST_CONFIDENCE {
                return Some(of_whatlang(&info));
            }
        }
        let values = self.precise.compute_language_confidence_values(text);
        let (language, confidence) = values.first()?;
        // Lingua scores every candidate 0 when it finds no words it knows; a tie decides nothing.
        let second = values.get(1).map_or(0.0, |(_, c)| *c);
        if *confidence <= 0.0 || *confidence <= second {
            return None;
        }
        Some(Detected {
            code: language.iso_code_639_1().to_string(),
            confidence: *confidence,
        })
    }

    /// This guard, or one that also has `code` among its candidates when it is a modelled
    /// language this guard lacks: the expected language is always a candidate.
    pub fn with(self: &Arc<Self>, code: &str) -> Arc<Self> {
        match MODELLED_LANGUAGES.into_iter().find(|c| *c == code) {
            Some(code) if !self.knows(code) => {
                let mut codes: Vec<String> = self.codes.iter().map(|c| (*c).to_owned()).collect();
                codes.push(code.to_owned());
                Arc::new(Self::new(&codes))
            }
            _ => self.clone(),
        }
    }
}

/// Builds the default guard's models now, so the first reply scored does not wait for them.
pub fn warm_up() {
    Guard::new(&[]);
}

/// Lingua's detector for these candidates, built once per process: loading high-accuracy models
/// takes a while, and detectors over the same languages share them.
fn precise_detector(codes: &[&'static str]) -> Arc<LanguageDetector> {
    type Slot = Arc<OnceLock<Arc<LanguageDetector>>>;
    static DETECTORS: OnceLock<Mutex<HashMap<Vec<&'static str>, Slot>>> = OnceLock::new();
    // The map's lock is held only to find the slot; models load outside it, so one set's
    // loading never holds up another's.
    let slot = DETECTORS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(codes.to_vec())
        .or_default()
        .clone();
    slot.get_or_init(|| {
        let languages: Vec<lingua::Language> = codes
            .iter()
            .filter_map(|c| IsoCode639_1::from_str(c).ok())
            .map(|iso| lingua::Language::from_iso_code_639_1(&iso))
            .collect();
        Arc::new(
            LanguageDetectorBuilder::from_languages(&languages)
                .with_preloaded_language_models()
                .build(),
        )
    })
    .clone()
}

fn whatlang_of(code: &str) -> Option<whatlang::Lang> {
    isolang::Language::from_639_1(code).and_then(|l| whatlang::Lang::from_code(l.to_639_3()))
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
    fn the_guard_decides_short_replies_the_general_detector_leaves_open() {
        let guard = Guard::new(&[]);
        // Published proverbs whatlang is unsure of even among the candidates, so lingua decides.
        for (text, code) in [
            ("Libro cerrado no saca letrado.", "es"),
            ("Anche lo stolto, se tace, passa per saggio.", "it"),
            ("Reaktion ist Fortschritt nach hinten.", "de"),
        ] {
            let fast = guard.fast.detect(text).map_or(0.0, |info| info.confidence());
            assert!(fast < FAST_CONFIDENCE, "{text}: whatlang is sure ({fast})");
            assert_eq!(
                guard.detect(text).map(|d| d.code).as_deref(),
                Some(code),
                "{text}"
            );
        }
    }

    #[test]
    fn text_without_known_words_is_not_given_a_language() {
        let guard = Guard::new(&[]);
        assert_eq!(guard.detect("12345 67890 !!! ???"), None);
    }

    #[test]
    fn the_expected_language_joins_the_candidates() {
        let guard = Arc::new(Guard::new(&["de".into(), "en".into()]));
        let with_french = guard.with("fr");
        assert!(with_french.knows("fr") && with_french.knows("de"));
        assert!(Arc::ptr_eq(&guard.with("de"), &guard), "a candidate already");
        assert!(!guard.with("pl").knows("pl"), "Polish is not modelled");
    }

    #[test]
    fn a_reply_in_another_script_is_named_by_the_general_detector() {
        let guard = Guard::new(&["de".into(), "en".into()]);
        let russian = guard
            .detect("Спасибо за ваше сообщение, мы ответим вам как можно скорее.")
            .unwrap();
        assert_eq!(russian.code, "ru");
    }

    #[test]
    fn a_guard_of_one_language_also_tells_english_apart() {
        let guard = Guard::new(&["de".into()]);
        assert!(guard.knows("de") && guard.knows("en"));
        let english = guard
            .detect("You can file an objection within thirty days through your customer account.")
            .unwrap();
        assert_eq!(english.code, "en");
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
