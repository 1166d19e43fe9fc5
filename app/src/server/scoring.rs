//! The built-in scorers: a validated [`ScorerSpec`] is compiled once (patterns, word lists,
//! schemas) and then scores outputs in microseconds, with no I/O. LLM-as-judge and embedding
//! similarity call configured endpoints and are run by the scoring jobs, not here.

pub mod active;
pub mod language;
pub mod lexical;
pub mod retrieval;
pub mod words;

use crate::domain::metric::scorer::{LengthUnit, LexicalMeasure, RetrievalMeasure, ScorerSpec};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use std::collections::HashSet;
use words::WordList;

/// Version of the built-in scorers, recorded with every score they produce.
pub const VERSION: &str = "builtin-1";

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
    },
    Lexical(LexicalMeasure),
    Retrieval {
        measure: RetrievalMeasure,
        k: usize,
    },
    Consistency {
        min_samples: usize,
    },
    External(&'static str),
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
            } => Compiled::Language {
                expected_key: expected_key.clone(),
                min_chars: *min_chars as usize,
                min_confidence: *min_confidence,
            },
            ScorerSpec::LexicalSimilarity { measure } => Compiled::Lexical(*measure),
            ScorerSpec::Retrieval { measure, k } => Compiled::Retrieval {
                measure: *measure,
                k: *k as usize,
            },
            ScorerSpec::Consistency { min_samples } => Compiled::Consistency {
                min_samples: *min_samples as usize,
            },
            ScorerSpec::LlmJudge { .. } => Compiled::External("llm_judge"),
            ScorerSpec::EmbeddingSimilarity { .. } => Compiled::External("embedding_similarity"),
            ScorerSpec::Human { .. } => Compiled::External("human"),
        })
    }

    /// Scores one output.
    pub fn score(&self, input: &ScoringInput<'_>) -> Result<Outcome, Skip> {
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
            } => language_match(input, expected_key.as_deref(), *min_chars, *min_confidence),
            Compiled::Lexical(measure) => lexical(input, *measure),
            Compiled::Retrieval { measure, k } => retrieval(input, *measure, *k),
            Compiled::Consistency { min_samples } => consistency(input, *min_samples),
            Compiled::External(kind) => Err(Skip::External(kind)),
        }
    }
}

fn bool_value(pass: bool) -> f64 {
    if pass {
        1.0
    } else {
        0.0
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

fn exact_match(input: &ScoringInput<'_>, ignore_case: bool, trim: bool) -> Result<Outcome, Skip> {
    let expected = input
        .expected
        .ok_or_else(|| Skip::NotApplicable("no expected output".into()))?;
    let normalise = |text: &str| {
        let text = if trim { text.trim() } else { text };
        if ignore_case {
            text.to_lowercase()
        } else {
            text.to_owned()
        }
    };
    let same = normalise(input.output) == normalise(expected);
    Ok(Outcome {
        value: bool_value(same),
        rationale: if same {
            "equals the expected output"
        } else {
            "differs from the expected output"
        }
        .into(),
    })
}

fn word_outcome(found: Vec<&str>, total: usize, mode: WordMode) -> Outcome {
    let pass = match mode {
        WordMode::Any => !found.is_empty(),
        WordMode::All => found.len() == total,
        WordMode::None => found.is_empty(),
    };
    let rationale = if found.is_empty() {
        "no listed word found".to_owned()
    } else {
        format!("found: {}", found.join(", "))
    };
    Outcome {
        value: bool_value(pass),
        rationale,
    }
}

fn length(text: &str, unit: LengthUnit, min: Option<u32>, max: Option<u32>) -> Outcome {
    let (count, name) = match unit {
        LengthUnit::Chars => (text.chars().count(), "characters"),
        LengthUnit::Words => (text.split_whitespace().count(), "words"),
    };
    let too_short = min.is_some_and(|min| count < min as usize);
    let too_long = max.is_some_and(|max| count > max as usize);
    let rationale = match (too_short, too_long) {
        (true, _) => format!("{count} {name}, fewer than {}", min.unwrap_or_default()),
        (_, true) => format!("{count} {name}, more than {}", max.unwrap_or_default()),
        _ => format!("{count} {name}, within bounds"),
    };
    Outcome {
        value: bool_value(!too_short && !too_long),
        rationale,
    }
}

fn json_schema(validator: &jsonschema::Validator, output: &str) -> Outcome {
    let value: Value = match serde_json::from_str(output) {
        Ok(value) => value,
        Err(e) => {
            return Outcome {
                value: 0.0,
                rationale: format!("invalid JSON: {e}"),
            }
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(3)
        .map(|e| format!("{} at '{}'", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Outcome {
            value: 1.0,
            rationale: "conforms to the schema".into(),
        }
    } else {
        Outcome {
            value: 0.0,
            rationale: errors.join("; "),
        }
    }
}

fn language_match(
    input: &ScoringInput<'_>,
    expected_key: Option<&str>,
    min_chars: usize,
    min_confidence: f64,
) -> Result<Outcome, Skip> {
    if input.output.chars().count() < min_chars {
        return Err(Skip::NotApplicable(format!(
            "reply shorter than {min_chars} characters"
        )));
    }
    let from_metadata = expected_key
        .and_then(|key| input.metadata?.get(key)?.as_str())
        .and_then(language::normalise);
    let expected = match from_metadata {
        Some(code) => code,
        None => {
            let conversation = input.user_messages.join("\n");
            let detected = language::detect(&conversation)
                .filter(|d| d.confidence >= min_confidence && conversation.chars().count() >= min_chars)
                .ok_or_else(|| Skip::NotApplicable("the conversation's language is unknown".into()))?;
            detected.code
        }
    };
    let reply = language::detect(input.output)
        .filter(|d| d.confidence >= min_confidence)
        .ok_or_else(|| {
            Skip::NotApplicable("the reply's language could not be detected confidently".into())
        })?;
    let same = reply.code == expected;
    let rationale = format!(
        "reply in {} ({:.2}), expected {expected}",
        reply.code, reply.confidence
    );
    Ok(Outcome {
        value: bool_value(same),
        rationale,
    })
}

fn lexical(input: &ScoringInput<'_>, measure: LexicalMeasure) -> Result<Outcome, Skip> {
    let expected = input
        .expected
        .ok_or_else(|| Skip::NotApplicable("no expected output".into()))?;
    let (candidate, reference) = (lexical::tokens(input.output), lexical::tokens(expected));
    let (value, name) = match measure {
        LexicalMeasure::TokenF1 => (lexical::token_f1(&candidate, &reference), "token F1"),
        LexicalMeasure::RougeL => (lexical::rouge_l(&candidate, &reference), "ROUGE-L F"),
        LexicalMeasure::Bleu => (
            lexical::bleu(&candidate, &[reference.as_slice()], true),
            "BLEU (smoothed)",
        ),
    };
    Ok(Outcome {
        value,
        rationale: format!("{name} {value:.3} against the expected output"),
    })
}

fn retrieval(input: &ScoringInput<'_>, measure: RetrievalMeasure, k: usize) -> Result<Outcome, Skip> {
    let relevant: HashSet<&str> = input.relevant.iter().map(String::as_str).collect();
    let no_relevant = || Skip::NotApplicable("no relevant ids".into());
    let (value, name) = match measure {
        RetrievalMeasure::Precision => (
            retrieval::precision_at(input.retrieved, &relevant, k),
            format!("precision@{k}"),
        ),
        RetrievalMeasure::Recall => (
            retrieval::recall_at(input.retrieved, &relevant, k).ok_or_else(no_relevant)?,
            format!("recall@{k}"),
        ),
        RetrievalMeasure::Mrr => (
            retrieval::reciprocal_rank(input.retrieved, &relevant),
            "reciprocal rank".to_owned(),
        ),
        RetrievalMeasure::Ndcg => (
            retrieval::ndcg_at(input.retrieved, &relevant, k).ok_or_else(no_relevant)?,
            format!("NDCG@{k}"),
        ),
    };
    Ok(Outcome {
        value,
        rationale: format!(
            "{name} = {value:.3} ({} retrieved, {} relevant)",
            input.retrieved.len(),
            relevant.len()
        ),
    })
}

fn consistency(input: &ScoringInput<'_>, min_samples: usize) -> Result<Outcome, Skip> {
    if input.peers.len() + 1 < min_samples {
        return Err(Skip::NotApplicable(format!(
            "{} sample(s) of this input; need {min_samples}",
            input.peers.len() + 1
        )));
    }
    let mine = lexical::tokens(input.output);
    let total: f64 = input
        .peers
        .iter()
        .map(|peer| lexical::token_f1(&mine, &lexical::tokens(peer)))
        .sum();
    let value = total / input.peers.len() as f64;
    Ok(Outcome {
        value,
        rationale: format!(
            "mean token F1 {value:.3} against {} other sample(s)",
            input.peers.len()
        ),
    })
}

#[cfg(test)]
mod tests;
