//! What scores a metric: a scorer kind with typed parameters, and the pass rule.
//!
//! The scorers themselves run in the scoring module; this is their validated configuration.

mod languages;
use super::kinds::{Direction, Paradigm};
use crate::domain::feedback::{Combine, Scale};
use crate::error::AppError;
use languages::check_languages;
pub use languages::MODELLED_LANGUAGES;
use serde::{Deserialize, Serialize};

/// Counting unit of the length scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    Chars,
    Words,
}

/// Lexical similarity measures against the expected output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LexicalMeasure {
    TokenF1,
    RougeL,
    Bleu,
}

/// Retrieval ranking measures from retrieved and relevant ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrievalMeasure {
    Precision,
    Recall,
    Mrr,
    Ndcg,
}

fn yes() -> bool {
    true
}
fn default_min_chars() -> u32 {
    20
}
fn default_min_confidence() -> f64 {
    0.5
}
fn default_samples() -> u32 {
    3
}

/// A scorer and its parameters, written as JSON or YAML with a `kind` tag, for example
/// `{"kind": "not_contains", "words": ["delve"]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScorerSpec {
    /// The reply equals the expected output.
    ExactMatch {
        #[serde(default = "yes")]
        ignore_case: bool,
        #[serde(default = "yes")]
        trim: bool,
    },
    /// The reply contains any (or all) of the words.
    Contains {
        words: Vec<String>,
        #[serde(default)]
        require_all: bool,
        #[serde(default)]
        case_sensitive: bool,
        #[serde(default = "yes")]
        whole_words: bool,
    },
    /// The reply contains none of the words.
    NotContains {
        words: Vec<String>,
        #[serde(default)]
        case_sensitive: bool,
        #[serde(default = "yes")]
        whole_words: bool,
    },
    /// The reply matches (or must not match) a regular expression (linear-time engine).
    Regex {
        pattern: String,
        #[serde(default = "yes")]
        must_match: bool,
    },
    /// The reply's length is within bounds.
    Length {
        unit: LengthUnit,
        #[serde(default)]
        min: Option<u32>,
        #[serde(default)]
        max: Option<u32>,
    },
    /// The reply is valid JSON.
    ValidJson {},
    /// The reply is JSON conforming to a schema.
    JsonSchema { schema: serde_json::Value },
    /// The reply's language is the expected one (from a metadata key, else the conversation's).
    LanguageMatch {
        #[serde(default)]
        expected_key: Option<String>,
        #[serde(default = "default_min_chars")]
        min_chars: u32,
        /// How sure the detector must be of a language it does not model precisely (one outside
        /// [`MODELLED_LANGUAGES`]) before judging; modelled languages are always judged.
        #[serde(default = "default_min_confidence")]
        min_confidence: f64,
        /// The languages a reply is told apart from (ISO 639-1 codes of
        /// [`MODELLED_LANGUAGES`]); empty means all of them. The expected language is always one.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        languages: Vec<String>,
    },
    /// Similarity to the expected output.
    LexicalSimilarity { measure: LexicalMeasure },
    /// Ranking quality of the retrieved documents.
    Retrieval { measure: RetrievalMeasure, k: u32 },
    /// The reply uses no word of a moderation list.
    Moderation { words: Vec<String> },
    /// Agreement among repeated samples of one input.
    Consistency {
        #[serde(default = "default_samples")]
        min_samples: u32,
    },
    /// An LLM judge with a rubric prompt, through the project's OpenAI-compatible endpoint.
    LlmJudge {
        rubric_prompt: String,
        /// Overrides the project's chat model.
        #[serde(default)]
        model: Option<String>,
        #[serde(default)]
        temperature: f64,
        /// A regular expression whose first group is the score, for judges that do not answer
        /// in JSON; by default the reply's `score` field, else its first number.
        #[serde(default)]
        score_pattern: Option<String>,
    },
    /// Cosine similarity of embeddings of the reply and the expected output.
    EmbeddingSimilarity {
        #[serde(default)]
        model: Option<String>,
    },
    /// People rate outputs against a rubric in annotation queues.
    Human {
        #[serde(default)]
        rubric_id: Option<i64>,
    },
    /// End users' feedback sent through the feedback API, on `scale`; several answers on one
    /// output combine by `combine`.
    UserFeedback {
        scale: Scale,
        #[serde(default = "crate::domain::feedback::latest")]
        combine: Combine,
    },
    /// Scores computed outside Vernier and reported with each output, such as OpenTelemetry
    /// `gen_ai.evaluation.result` events: a reported value passes by the pass rule; a reported
    /// label alone passes when it is one of `pass_labels` (compared without case).
    External {
        #[serde(default = "default_pass_labels")]
        pass_labels: Vec<String>,
    },
    /// A weighted combination of a human metric's final label and an automated metric's
    /// score (see [`crate::domain::hybrid::combine`]), in 0..1.
    Hybrid {
        /// The human metric's key.
        human: String,
        /// The automated metric's key.
        automated: String,
        #[serde(default = "half")]
        human_weight: f64,
        /// The automated score that counts as 1 (1 for scorers in 0..1; 10 for a 1–10 judge).
        #[serde(default = "one")]
        automated_scale: f64,
    },
}

fn default_pass_labels() -> Vec<String> {
    ["pass", "passed", "true", "yes", "correct", "relevant", "good"]
        .map(str::to_owned)
        .to_vec()
}

fn half() -> f64 {
    0.5
}

fn one() -> f64 {
    1.0
}

/// Longest regular expression accepted.
pub const MAX_PATTERN: usize = 2_000;
/// Most words in one list.
pub const MAX_WORDS: usize = 1_000;

impl ScorerSpec {
    /// The kind's stored name.
    pub fn kind(&self) -> &'static str {
        match self {
            ScorerSpec::ExactMatch { .. } => "exact_match",
            ScorerSpec::Contains { .. } => "contains",
            ScorerSpec::NotContains { .. } => "not_contains",
            ScorerSpec::Regex { .. } => "regex",
            ScorerSpec::Length { .. } => "length",
            ScorerSpec::ValidJson {} => "valid_json",
            ScorerSpec::JsonSchema { .. } => "json_schema",
            ScorerSpec::LanguageMatch { .. } => "language_match",
            ScorerSpec::LexicalSimilarity { .. } => "lexical_similarity",
            ScorerSpec::Retrieval { .. } => "retrieval",
            ScorerSpec::Moderation { .. } => "moderation",
            ScorerSpec::Consistency { .. } => "consistency",
            ScorerSpec::LlmJudge { .. } => "llm_judge",
            ScorerSpec::EmbeddingSimilarity { .. } => "embedding_similarity",
            ScorerSpec::Human { .. } => "human",
            ScorerSpec::UserFeedback { .. } => "user_feedback",
            ScorerSpec::External { .. } => "external",
            ScorerSpec::Hybrid { .. } => "hybrid",
        }
    }

    /// Whether Vernier scores it itself in microseconds (not through an endpoint or people).
    pub fn is_builtin(&self) -> bool {
        !matches!(
            self,
            ScorerSpec::LlmJudge { .. }
                | ScorerSpec::EmbeddingSimilarity { .. }
                | ScorerSpec::Human { .. }
                | ScorerSpec::UserFeedback { .. }
                | ScorerSpec::External { .. }
                | ScorerSpec::Hybrid { .. }
        )
    }

    /// Whether Vernier can score (and rescore) outputs with it: automated, and not reported
    /// from elsewhere.
    pub fn is_scored_here(&self) -> bool {
        self.is_automated() && !matches!(self, ScorerSpec::External { .. })
    }

    /// Whether code or a model scores it (not people, and not combined from other metrics).
    pub fn is_automated(&self) -> bool {
        !self.is_people() && !matches!(self, ScorerSpec::Hybrid { .. })
    }

    /// Whether people score it: annotators against a rubric, or end users' feedback.
    pub fn is_people(&self) -> bool {
        matches!(self, ScorerSpec::Human { .. } | ScorerSpec::UserFeedback { .. })
    }

    /// Whether a reported label passes an external metric (`None` for other kinds).
    pub fn label_passes(&self, label: &str) -> Option<bool> {
        match self {
            ScorerSpec::External { pass_labels } => Some(
                pass_labels
                    .iter()
                    .any(|l| l.trim().eq_ignore_ascii_case(label.trim())),
            ),
            _ => None,
        }
    }

    /// The scale of a feedback metric.
    pub fn scale(&self) -> Option<&Scale> {
        match self {
            ScorerSpec::UserFeedback { scale, .. } => Some(scale),
            _ => None,
        }
    }

    /// Parses a scorer from JSON text, validating its parameters.
    pub fn parse_json(text: &str) -> Result<Self, AppError> {
        let spec: ScorerSpec = serde_json::from_str(text.trim())
            .map_err(|e| AppError::invalid("scorer", format!("is not a valid scorer: {e}")))?;
        spec.validate()?;
        Ok(spec)
    }

    /// The scorer as compact JSON, as stored and shown.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks the parameters; errors are reported on the `scorer` field.
    pub fn validate(&self) -> Result<(), AppError> {
        let bad = |message: String| Err(AppError::invalid("scorer", message));
        match self {
            ScorerSpec::Contains { words, .. }
            | ScorerSpec::NotContains { words, .. }
            | ScorerSpec::Moderation { words } => check_words(words),
            ScorerSpec::Regex { pattern, .. } => check_pattern(pattern),
            ScorerSpec::Length {
                min: None, max: None, ..
            } => bad("a length scorer needs min, max or both".into()),
            ScorerSpec::Length {
                min: Some(min),
                max: Some(max),
                ..
            } if min > max => bad(format!("length min ({min}) is greater than max ({max})")),
            ScorerSpec::JsonSchema { schema } if !schema.is_object() && !schema.is_boolean() => {
                bad("a JSON Schema must be an object (or true/false)".into())
            }
            ScorerSpec::LanguageMatch { min_confidence, .. } if !(0.0..=1.0).contains(min_confidence) => bad(
                format!("min_confidence must be between 0 and 1, got {min_confidence}"),
            ),
            ScorerSpec::LanguageMatch { languages, .. } => check_languages(languages),
            ScorerSpec::Retrieval { k, .. } if !(1..=1000).contains(k) => {
                bad(format!("k must be between 1 and 1000, got {k}"))
            }
            ScorerSpec::Consistency { min_samples } if *min_samples < 2 => {
                bad("consistency needs min_samples of at least 2".into())
            }
            ScorerSpec::LlmJudge { rubric_prompt, .. }
                if rubric_prompt.trim().is_empty() || rubric_prompt.len() > 20_000 =>
            {
                bad("an LLM judge needs a rubric prompt of 1 to 20,000 characters".into())
            }
            ScorerSpec::LlmJudge { temperature, .. } if !(0.0..=2.0).contains(temperature) => {
                bad(format!("temperature must be between 0 and 2, got {temperature}"))
            }
            ScorerSpec::LlmJudge {
                score_pattern: Some(pattern),
                ..
            } => check_score_pattern(pattern),
            ScorerSpec::UserFeedback { scale, .. } => scale.validate(),
            ScorerSpec::External { pass_labels } if pass_labels.len() > 100 => bad(format!(
                "pass_labels has {} labels; at most 100",
                pass_labels.len()
            )),
            ScorerSpec::External { pass_labels }
                if pass_labels
                    .iter()
                    .any(|l| l.trim().is_empty() || l.chars().count() > 100) =>
            {
                bad("each of pass_labels is 1 to 100 characters".into())
            }
            ScorerSpec::Hybrid { human, automated, .. }
                if human.trim().is_empty() || automated.trim().is_empty() =>
            {
                bad("a hybrid metric names its human and its automated metric by key".into())
            }
            ScorerSpec::Hybrid { human_weight, .. } if !(0.0..=1.0).contains(human_weight) => bad(format!(
                "human_weight must be between 0 and 1, got {human_weight}"
            )),
            ScorerSpec::Hybrid { automated_scale, .. }
                if !automated_scale.is_finite() || *automated_scale <= 0.0 =>
            {
                bad(format!("automated_scale must be above 0, got {automated_scale}"))
            }
            _ => Ok(()),
        }
    }

    /// Whether this scorer suits a metric of `paradigm`: people score human metrics; code and
    /// models score model-centric ones; hybrid metrics may use either.
    pub fn fits(&self, paradigm: Paradigm) -> Result<(), AppError> {
        let human = self.is_people();
        if matches!(self, ScorerSpec::Hybrid { .. }) && paradigm != Paradigm::Hybrid {
            return Err(AppError::invalid(
                "scorer",
                "a hybrid scorer combines a human and an automated metric: set the paradigm to hybrid",
            ));
        }
        match (paradigm, human) {
            (Paradigm::Human, false) => Err(AppError::invalid(
                "scorer",
                "a human-centric metric is scored by people: use kind \"human\" (annotators) or \"user_feedback\" (end users)",
            )),
            (Paradigm::Model, true) => Err(AppError::invalid(
                "scorer",
                "a model-centric metric needs an automated scorer, not people",
            )),
            _ => Ok(()),
        }
    }

    /// An example of each kind, for forms and documentation.
    pub fn examples() -> Vec<ScorerSpec> {
        vec![
            ScorerSpec::NotContains {
                words: vec!["delve".into()],
                case_sensitive: false,
                whole_words: true,
            },
            ScorerSpec::Contains {
                words: vec!["refund".into()],
                require_all: false,
                case_sensitive: false,
                whole_words: true,
            },
            ScorerSpec::ExactMatch {
                ignore_case: true,
                trim: true,
            },
            ScorerSpec::Regex {
                pattern: r"\[doc-\d+\]".into(),
                must_match: true,
            },
            ScorerSpec::Length {
                unit: LengthUnit::Words,
                min: Some(5),
                max: Some(300),
            },
            ScorerSpec::ValidJson {},
            ScorerSpec::JsonSchema {
                schema: serde_json::json!({"type": "object", "required": ["answer"]}),
            },
            ScorerSpec::LanguageMatch {
                expected_key: Some("language".into()),
                min_chars: 20,
                min_confidence: 0.5,
                languages: vec!["de".into(), "en".into()],
            },
            ScorerSpec::LexicalSimilarity {
                measure: LexicalMeasure::RougeL,
            },
            ScorerSpec::Retrieval {
                measure: RetrievalMeasure::Ndcg,
                k: 5,
            },
            ScorerSpec::Moderation {
                words: vec!["idiot".into()],
            },
            ScorerSpec::Consistency { min_samples: 3 },
            ScorerSpec::LlmJudge {
                rubric_prompt: "Is the answer faithful to the retrieved context? Answer 1 or 0.".into(),
                model: None,
                temperature: 0.0,
                score_pattern: None,
            },
            ScorerSpec::EmbeddingSimilarity { model: None },
            ScorerSpec::Human { rubric_id: None },
            ScorerSpec::UserFeedback {
                scale: Scale::Thumbs,
                combine: Combine::Latest,
            },
            ScorerSpec::External {
                pass_labels: default_pass_labels(),
            },
            ScorerSpec::Hybrid {
                human: "helpfulness".into(),
                automated: "judge-helpfulness".into(),
                human_weight: 0.7,
                automated_scale: 1.0,
            },
        ]
    }
}

fn check_words(words: &[String]) -> Result<(), AppError> {
    if words.is_empty() || words.iter().all(|word| word.trim().is_empty()) {
        return Err(AppError::invalid("scorer", "the word list must not be empty"));
    }
    if words.len() > MAX_WORDS {
        return Err(AppError::invalid(
            "scorer",
            format!("the word list has {} words; at most {MAX_WORDS}", words.len()),
        ));
    }
    if let Some(word) = words.iter().find(|word| word.chars().count() > 200) {
        return Err(AppError::invalid(
            "scorer",
            format!(
                "'{}…' is longer than 200 characters",
                word.chars().take(20).collect::<String>()
            ),
        ));
    }
    Ok(())
}

fn check_pattern(pattern: &str) -> Result<(), AppError> {
    if pattern.is_empty() || pattern.len() > MAX_PATTERN {
        return Err(AppError::invalid(
            "scorer",
            format!("the pattern must have 1 to {MAX_PATTERN} characters"),
        ));
    }
    #[cfg(feature = "ssr")]
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| AppError::invalid("scorer", format!("the pattern does not compile: {e}")))?;
    Ok(())
}

fn check_score_pattern(pattern: &str) -> Result<(), AppError> {
    check_pattern(pattern)?;
    #[cfg(feature = "ssr")]
    if regex::Regex::new(pattern).map(|r| r.captures_len()).unwrap_or(0) < 2 {
        return Err(AppError::invalid(
            "scorer",
            "score_pattern needs a group around the score, as in (\\d+)",
        ));
    }
    Ok(())
}

/// The threshold a score is compared with, and on which side it passes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PassRule {
    pub threshold: f64,
    pub direction: Direction,
}

impl PassRule {
    /// Parses a threshold and direction from form text.
    pub fn parse(threshold: &str, direction: &str) -> Result<Self, AppError> {
        let value: f64 = threshold
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("threshold", format!("'{threshold}' is not a number")))?;
        if !value.is_finite() {
            return Err(AppError::invalid("threshold", "must be a finite number"));
        }
        Ok(Self {
            threshold: value,
            direction: Direction::parse(direction)?,
        })
    }

    /// Whether `score` passes.
    pub fn passes(&self, score: f64) -> bool {
        match self.direction {
            Direction::AtLeast => score >= self.threshold,
            Direction::AtMost => score <= self.threshold,
        }
    }
}

impl std::fmt::Display for PassRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "score {} {}", self.direction.label(), self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_is_valid_and_round_trips_through_json() {
        for spec in ScorerSpec::examples() {
            spec.validate().unwrap();
            assert_eq!(
                ScorerSpec::parse_json(&spec.to_json()).unwrap(),
                spec,
                "{}",
                spec.kind()
            );
        }
    }

    #[test]
    fn defaults_fill_omitted_parameters() {
        let spec = ScorerSpec::parse_json(r#"{"kind": "not_contains", "words": ["delve"]}"#).unwrap();
        assert_eq!(
            spec,
            ScorerSpec::NotContains {
                words: vec!["delve".into()],
                case_sensitive: false,
                whole_words: true
            }
        );
    }

    #[test]
    fn an_external_metric_is_automated_but_never_scored_here_and_passes_its_labels() {
        let spec = ScorerSpec::parse_json(r#"{"kind": "external"}"#).unwrap();
        assert_eq!(spec.kind(), "external");
        assert!(spec.is_automated() && !spec.is_scored_here() && !spec.is_builtin());
        assert!(ScorerSpec::parse_json(r#"{"kind": "regex", "pattern": "a"}"#)
            .unwrap()
            .is_scored_here());
        assert_eq!(spec.label_passes(" Relevant "), Some(true));
        assert_eq!(spec.label_passes("fail"), Some(false));
        let own = ScorerSpec::parse_json(r#"{"kind": "external", "pass_labels": ["grounded"]}"#).unwrap();
        assert_eq!(
            (own.label_passes("GROUNDED"), own.label_passes("pass")),
            (Some(true), Some(false))
        );
        assert_eq!(ScorerSpec::ValidJson {}.label_passes("pass"), None);
        assert!(ScorerSpec::parse_json(r#"{"kind": "external", "pass_labels": [" "]}"#).is_err());
        assert!(spec.fits(Paradigm::Model).is_ok());
        assert!(spec.fits(Paradigm::Human).is_err());
    }

    #[test]
    fn unknown_kinds_and_misspelt_parameters_are_refused() {
        for text in [
            r#"{"kind": "vibes"}"#,
            r#"{"kind": "regex", "pattern": "a", "must_mach": true}"#,
            "not json",
        ] {
            assert_eq!(
                ScorerSpec::parse_json(text).unwrap_err().field(),
                Some("scorer"),
                "{text}"
            );
        }
    }

    #[test]
    fn empty_word_lists_and_inverted_bounds_are_refused() {
        assert!(ScorerSpec::parse_json(r#"{"kind": "contains", "words": []}"#).is_err());
        assert!(
            ScorerSpec::parse_json(r#"{"kind": "length", "unit": "chars", "min": 10, "max": 5}"#).is_err()
        );
        assert!(ScorerSpec::parse_json(r#"{"kind": "length", "unit": "chars"}"#).is_err());
        assert!(ScorerSpec::parse_json(r#"{"kind": "retrieval", "measure": "ndcg", "k": 0}"#).is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_regex_that_does_not_compile_is_refused_with_the_reason() {
        let error = ScorerSpec::parse_json(r#"{"kind": "regex", "pattern": "(unclosed"}"#).unwrap_err();
        assert!(
            error.message().contains("does not compile"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn human_metrics_need_the_human_scorer_and_model_metrics_an_automated_one() {
        let human = ScorerSpec::Human { rubric_id: None };
        let regex = ScorerSpec::Regex {
            pattern: "x".into(),
            must_match: true,
        };
        assert!(human.fits(Paradigm::Human).is_ok());
        assert!(regex.fits(Paradigm::Human).is_err());
        assert!(human.fits(Paradigm::Model).is_err());
        assert!(human.fits(Paradigm::Hybrid).is_ok() && regex.fits(Paradigm::Hybrid).is_ok());
    }

    #[test]
    fn pass_rules_compare_on_their_side() {
        let at_least = PassRule::parse("0.8", "at_least").unwrap();
        assert!(at_least.passes(0.8) && !at_least.passes(0.79));
        let at_most = PassRule::parse("2", "at_most").unwrap();
        assert!(at_most.passes(2.0) && !at_most.passes(2.1));
        assert_eq!(
            PassRule::parse("x", "at_least").unwrap_err().field(),
            Some("threshold")
        );
        assert_eq!(
            PassRule::parse("NaN", "at_least").unwrap_err().field(),
            Some("threshold")
        );
        assert_eq!(
            PassRule::parse("1", "sideways").unwrap_err().field(),
            Some("direction")
        );
    }
}
