//! The built-in scorers: a validated [`ScorerSpec`] is compiled once (patterns, word lists,
//! schemas) and then scores outputs in microseconds, with no I/O. LLM-as-judge and embedding
//! similarity call configured endpoints ([`external`]) and are run by the scoring worker.

pub mod active;
pub mod external;
pub mod language;
pub mod lexical;
#[cfg(test)]
pub(crate) mod openai_stub;
mod outcomes;
pub mod retrieval;
pub mod words;

use crate::domain::metric::scorer::{LengthUnit, LexicalMeasure, RetrievalMeasure, ScorerSpec};
use outcomes::*;
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use words::WordList;

/// Version of the built-in scorers, recorded with every score they produce.
pub const VERSION: &str = crate::domain::score_row::BUILTIN_SCORER_VERSION;

/// What a scorer sees of one output.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScoringInput<'a> {
    /// The reply being scored.
    pub output: &'a str,
    /// The expected reply, when the output has one.
    pub expected: Option<&'a str>,
    /// The user's turns of the conversation, oldest first.
    pub user_messages: &'a [String],
    /// Segment metadata (language, customer, channel, …).
    pub metadata: Option<&'a Map<String, Value>>,
    pub retrieved: &'a [String],
    pub relevant: &'a [String],
    /// Relevance grades by document id, when the output has them.
    pub relevance: Option<&'a std::collections::BTreeMap<String, f64>>,
    /// Other replies of the same system version to the same input (for consistency).
    pub peers: &'a [String],
}

impl<'a> ScoringInput<'a> {
    /// What the scorers see of a stored or checked output; `users` are its user turns
    /// ([`NewOutput::user_messages`]).
    pub fn of(output: &'a crate::domain::output::NewOutput, users: &'a [String]) -> Self {
        Self {
            output: &output.output,
            expected: output.expected_output.as_deref(),
            user_messages: users,
            metadata: Some(&output.metadata),
            retrieved: &output.retrieved_ids,
            relevant: &output.relevant_ids,
            relevance: Some(&output.relevance),
            peers: &[],
        }
    }
}

/// A score: the value compared with the pass rule, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub value: f64,
    pub rationale: String,
}

/// Why no score could be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The scorer does not apply to this output (no expected output, text too short, …).
    NotApplicable(String),
    /// The scorer needs an endpoint (judge, embeddings) or people; handled elsewhere.
    External(&'static str),
}

/// A scorer ready to run.
#[derive(Debug, Clone)]
pub enum Compiled {
    ExactMatch {
        ignore_case: bool,
        trim: bool,
    },
    Words {
        list: WordList,
        mode: WordMode,
    },
    Regex {
        regex: Regex,
        must_match: bool,
    },
    Length {
        unit: LengthUnit,
        min: Option<u32>,
        max: Option<u32>,
    },
    ValidJson,
    JsonSchema(Box<jsonschema::Validator>),
    Language {
        expected_key: Option<String>,
        min_chars: usize,
        min_confidence: f64,
        guard: std::sync::Arc<language::Guard>,
    },
    Lexical(LexicalMeasure),
    Retrieval {
        measure: RetrievalMeasure,
        k: usize,
    },
    Consistency {
        min_samples: usize,
    },
    /// Scored by the worker through an endpoint.
    External(external::ExternalScorer),
    /// Not scored by Vernier: people, end users or another system (reported scores).
    Elsewhere,
}

/// How a word list scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordMode {
    Any,
    All,
    None,
}

impl Compiled {
    /// Compiles a validated spec; an error means the spec cannot run (a bad schema or pattern).
    pub fn new(spec: &ScorerSpec) -> Result<Self, String> {
        let words = |list: &[String], case: bool, whole: bool, mode| {
            WordList::new(list, case, whole)
                .map(|list| Compiled::Words { list, mode })
                .map_err(|e| e.to_string())
        };
        Ok(match spec {
            ScorerSpec::ExactMatch { ignore_case, trim } => Compiled::ExactMatch {
                ignore_case: *ignore_case,
                trim: *trim,
            },
            ScorerSpec::Contains {
                words: list,
                require_all,
                case_sensitive,
                whole_words,
            } => words(
                list,
                *case_sensitive,
                *whole_words,
                if *require_all {
                    WordMode::All
                } else {
                    WordMode::Any
                },
            )?,
            ScorerSpec::NotContains {
                words: list,
                case_sensitive,
                whole_words,
            } => words(list, *case_sensitive, *whole_words, WordMode::None)?,
            ScorerSpec::Moderation { words: list } => words(list, false, true, WordMode::None)?,
            ScorerSpec::Regex { pattern, must_match } => Compiled::Regex {
                regex: RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| e.to_string())?,
                must_match: *must_match,
            },
            ScorerSpec::Length { unit, min, max } => Compiled::Length {
                unit: *unit,
                min: *min,
                max: *max,
            },
            ScorerSpec::ValidJson {} => Compiled::ValidJson,
            ScorerSpec::JsonSchema { schema } => Compiled::JsonSchema(Box::new(
                jsonschema::validator_for(schema).map_err(|e| e.to_string())?,
            )),
            ScorerSpec::LanguageMatch {
                expected_key,
                min_chars,
                min_confidence,
                languages,
            } => Compiled::Language {
                expected_key: expected_key.clone(),
                min_chars: *min_chars as usize,
                min_confidence: *min_confidence,
                guard: std::sync::Arc::new(language::Guard::new(languages)),
            },
            ScorerSpec::LexicalSimilarity { measure } => Compiled::Lexical(*measure),
            ScorerSpec::Retrieval { measure, k } => Compiled::Retrieval {
                measure: *measure,
                k: *k as usize,
            },
            ScorerSpec::Consistency { min_samples } => Compiled::Consistency {
                min_samples: *min_samples as usize,
            },
            ScorerSpec::LlmJudge {
                rubric_prompt,
                model,
                temperature,
                score_pattern,
            } => Compiled::External(external::ExternalScorer::Judge {
                prompt: rubric_prompt.clone(),
                model: model.clone(),
                temperature: *temperature,
                pattern: score_pattern
                    .as_deref()
                    .map(Regex::new)
                    .transpose()
                    .map_err(|e| e.to_string())?,
            }),
            ScorerSpec::EmbeddingSimilarity { model } => {
                Compiled::External(external::ExternalScorer::Embedding { model: model.clone() })
            }
            ScorerSpec::Human { .. }
            | ScorerSpec::UserFeedback { .. }
            | ScorerSpec::External { .. }
            | ScorerSpec::Hybrid { .. } => Compiled::Elsewhere,
        })
    }

    /// Scores one output. A zero is always a positive zero, so no score reads "-0.000".
    pub fn score(&self, input: &ScoringInput<'_>) -> Result<Outcome, Skip> {
        self.score_raw(input).map(|outcome| Outcome {
            value: retrieval::positive_zero(outcome.value),
            ..outcome
        })
    }

    fn score_raw(&self, input: &ScoringInput<'_>) -> Result<Outcome, Skip> {
        match self {
            Compiled::ExactMatch { ignore_case, trim } => exact_match(input, *ignore_case, *trim),
            Compiled::Words { list, mode } => Ok(word_outcome(list.found(input.output), list.len(), *mode)),
            Compiled::Regex { regex, must_match } => {
                let found = regex.find(input.output);
                let rationale = match &found {
                    Some(m) => format!("matches at {}: {:?}", m.start(), truncate(m.as_str(), 60)),
                    None => "no match".to_owned(),
                };
                Ok(Outcome {
                    value: bool_value(found.is_some() == *must_match),
                    rationale,
                })
            }
            Compiled::Length { unit, min, max } => Ok(length(input.output, *unit, *min, *max)),
            Compiled::ValidJson => Ok(match serde_json::from_str::<Value>(input.output) {
                Ok(_) => Outcome {
                    value: 1.0,
                    rationale: "valid JSON".into(),
                },
                Err(e) => Outcome {
                    value: 0.0,
                    rationale: format!("invalid JSON: {e}"),
                },
            }),
            Compiled::JsonSchema(validator) => Ok(json_schema(validator, input.output)),
            Compiled::Language {
                expected_key,
                min_chars,
                min_confidence,
                guard,
            } => language_match(
                input,
                LanguageRule {
                    expected_key: expected_key.as_deref(),
                    min_chars: *min_chars,
                    min_confidence: *min_confidence,
                    guard,
                },
            ),
            Compiled::Lexical(measure) => lexical(input, *measure),
            Compiled::Retrieval { measure, k } => retrieval(input, *measure, *k),
            Compiled::Consistency { min_samples } => consistency(input, *min_samples),
            Compiled::External(scorer) => Err(Skip::External(scorer.kind())),
            Compiled::Elsewhere => Err(Skip::External("scored elsewhere")),
        }
    }
}

#[cfg(test)]
mod tests;
