//! The starter catalogue: metric templates taken from the method, to start with one metric.

use super::MetricInput;
use serde::{Deserialize, Serialize};

/// How many days after adding a template its review falls due.
pub const FIRST_REVIEW_DAYS: i64 = 90;

/// What the catalogue page shows of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: String,
    pub title: String,
    pub why: String,
    pub category: String,
    pub cadence: String,
    pub cost_per_failure: String,
}

/// A metric template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Also the metric key it creates.
    pub id: &'static str,
    pub title: &'static str,
    /// Why a team would start with it.
    pub why: &'static str,
    paradigm: &'static str,
    category: &'static str,
    cadence: &'static str,
    action: &'static str,
    scorer: &'static str,
    threshold: &'static str,
    cost_per_failure: &'static str,
    cost_per_evaluation: &'static str,
    question: &'static str,
    tags: &'static str,
}

impl Template {
    /// The summary shown in the catalogue.
    pub fn summary(&self) -> TemplateSummary {
        TemplateSummary {
            id: self.id.into(),
            title: self.title.into(),
            why: self.why.into(),
            category: self.category.into(),
            cadence: self.cadence.into(),
            cost_per_failure: format!("${}", self.cost_per_failure),
        }
    }

    /// The template as a new metric owned by `owner`, due for review on `review_date`.
    pub fn to_input(&self, owner: &str, review_date: chrono::NaiveDate) -> MetricInput {
        MetricInput {
            key: self.id.into(),
            name: self.title.into(),
            description: self.why.into(),
            question: self.question.into(),
            paradigm: self.paradigm.into(),
            category: self.category.into(),
            cadence: self.cadence.into(),
            action_on_failure: self.action.into(),
            scorer: self.scorer.into(),
            threshold: self.threshold.into(),
            direction: "at_least".into(),
            stage: "crawl".into(),
            owner: owner.into(),
            cost_per_failure: self.cost_per_failure.into(),
            cost_per_evaluation: self.cost_per_evaluation.into(),
            review_date: review_date.to_string(),
            retirement_date: String::new(),
            tags: self.tags.into(),
        }
    }
}

/// Every template, most commonly useful first.
pub fn templates() -> Vec<Template> {
    vec![
        Template {
            id: "reply-language",
            title: "Reply is in the conversation's language",
            why: "A German customer answered in English from the fifth turn on: check every reply, retry in milliseconds.",
            question: "Do customers get answers in the language they wrote in?",
            paradigm: "model",
            category: "language",
            cadence: "real-time",
            action: "retry",
            scorer: r#"{"kind": "language_match", "expected_key": "language"}"#,
            threshold: "1",
            cost_per_failure: "5.00",
            cost_per_evaluation: "0",
            tags: "language, guardrail",
        },
        Template {
            id: "no-delve",
            title: "Never says \"delve\"",
            why: "Tell-tale machine words make the bot sound generic; a word list catches them for free.",
            question: "Does the bot sound like our brand rather than a generic model?",
            paradigm: "model",
            category: "quality",
            cadence: "real-time",
            action: "retry",
            scorer: r#"{"kind": "not_contains", "words": ["delve", "tapestry", "testament"]}"#,
            threshold: "1",
            cost_per_failure: "0.50",
            cost_per_evaluation: "0",
            tags: "tone",
        },
        Template {
            id: "valid-json",
            title: "Reply is valid JSON",
            why: "Downstream code parses the reply; invalid JSON is a broken request.",
            question: "Can our integration parse every reply?",
            paradigm: "model",
            category: "format",
            cadence: "real-time",
            action: "retry",
            scorer: r#"{"kind": "valid_json"}"#,
            threshold: "1",
            cost_per_failure: "1.00",
            cost_per_evaluation: "0",
            tags: "format, api",
        },
        Template {
            id: "reply-length",
            title: "Reply length within bounds",
            why: "Walls of text go unread and one-liners look dismissive; judges also favour long answers.",
            question: "Are replies short enough to read and long enough to help?",
            paradigm: "model",
            category: "format",
            cadence: "real-time",
            action: "flag",
            scorer: r#"{"kind": "length", "unit": "words", "min": 5, "max": 250}"#,
            threshold: "1",
            cost_per_failure: "0.25",
            cost_per_evaluation: "0",
            tags: "format",
        },
        Template {
            id: "faithful-to-context",
            title: "Answer is faithful to the retrieved context",
            why: "A RAG answer that adds facts the documents do not hold is a hallucination with our name on it.",
            question: "Does the bot state only what our documents support?",
            paradigm: "model",
            category: "quality",
            cadence: "async",
            action: "alert",
            scorer: r#"{"kind": "llm_judge", "rubric_prompt": "Given the retrieved context and the answer, reply 1 if every claim in the answer is supported by the context, else 0."}"#,
            threshold: "1",
            cost_per_failure: "10.00",
            cost_per_evaluation: "0.002",
            tags: "rag, judge",
        },
        Template {
            id: "persona-tone",
            title: "Tone matches the persona",
            why: "Only people can tell whether the bot sounds like us; annotators rate a sample weekly.",
            question: "Would a customer recognise our voice?",
            paradigm: "human",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "human"}"#,
            threshold: "4",
            cost_per_failure: "1.00",
            cost_per_evaluation: "0.40",
            tags: "tone, annotation",
        },
        Template {
            id: "thumbs-up",
            title: "End users give the reply a thumbs up",
            why: "The people the bot serves say whether it helped: a thumbs up or down in the chat widget, sent through the feedback API.",
            question: "Do customers find the replies helpful?",
            paradigm: "human",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "user_feedback", "scale": {"type": "thumbs"}, "combine": "latest"}"#,
            threshold: "1",
            cost_per_failure: "0.50",
            cost_per_evaluation: "0",
            tags: "feedback, satisfaction",
        },
        Template {
            id: "intent-recognition",
            title: "Intent recognised as the golden set expects",
            why: "A bot that mistakes 'cancel my contract' for 'change my tariff' sends the customer down the wrong path; run the intent step on a golden set whose items carry the expected label.",
            question: "Does the bot understand what the customer wants?",
            paradigm: "model",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "exact_match", "ignore_case": true, "trim": true}"#,
            threshold: "1",
            cost_per_failure: "2.00",
            cost_per_evaluation: "0",
            tags: "classification, dataset",
        },
        Template {
            id: "context-maintenance",
            title: "Keeps the context across turns",
            why: "Customers should not repeat themselves: by the fifth turn the bot must still know the contract, the date and the question. Judge it on a golden set of multi-turn conversations.",
            question: "Does the bot remember what was said earlier in the conversation?",
            paradigm: "model",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "llm_judge", "rubric_prompt": "You are given a conversation and the assistant's latest reply. Reply 1 if the reply is consistent with everything the user said in earlier turns (names, numbers, dates, the question being answered) and does not ask again for something already given; otherwise reply 0."}"#,
            threshold: "1",
            cost_per_failure: "1.50",
            cost_per_evaluation: "0.002",
            tags: "conversation, judge, dataset",
        },
        Template {
            id: "relevance-helpfulness",
            title: "Relevant and helpful",
            why: "A polite reply that does not answer the question still costs a support call. A judge checks each reply of the golden set against the question (and the expected answer, where the item has one).",
            question: "Does the reply answer the question and help the customer take the next step?",
            paradigm: "model",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "llm_judge", "rubric_prompt": "You are given a customer's question, the assistant's reply and, if present, the expected answer. Reply 1 if the reply addresses the question directly and gives the customer what they need for their next step (consistent with the expected answer when one is given); otherwise reply 0."}"#,
            threshold: "1",
            cost_per_failure: "3.00",
            cost_per_evaluation: "0.002",
            tags: "helpfulness, judge, dataset",
        },
        Template {
            id: "tone-style",
            title: "Follows the tone and style guide",
            why: "The brand's voice is a rule, not a mood: formal address, plain words, no jargon, short answers. A judge applies the style guide to every golden-set reply, with annotators checking the judge.",
            question: "Does the bot sound the way our style guide says it should?",
            paradigm: "model",
            category: "quality",
            cadence: "async",
            action: "flag",
            scorer: r#"{"kind": "llm_judge", "rubric_prompt": "You are given the assistant's reply. Reply 1 if it follows this style guide: polite and calm; the formal form of address in languages that have one (Sie, vous, Lei); plain words without internal jargon; at most four sentences. Otherwise reply 0."}"#,
            threshold: "1",
            cost_per_failure: "0.75",
            cost_per_evaluation: "0.002",
            tags: "tone, judge, dataset",
        },
        Template {
            id: "moderation",
            title: "No abusive or unsafe words",
            why: "One abusive reply costs more than a thousand bland ones; block it before it is sent.",
            question: "Can a reply ever insult or endanger a customer?",
            paradigm: "model",
            category: "safety",
            cadence: "real-time",
            action: "block",
            scorer: r#"{"kind": "moderation", "words": ["idiot", "stupid", "shut up"]}"#,
            threshold: "1",
            cost_per_failure: "50.00",
            cost_per_evaluation: "0",
            tags: "safety, guardrail",
        },
    ]
}

/// The template with `id`.
pub fn template(id: &str) -> Option<Template> {
    templates().into_iter().find(|template| template.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_valid_metric() {
        let review = "2027-02-22".parse().unwrap();
        for template in templates() {
            let definition = template.to_input("owner", review).parse();
            assert!(definition.is_ok(), "{}: {:?}", template.id, definition);
            assert_eq!(definition.unwrap().key, template.id);
        }
    }

    #[test]
    fn the_catalogue_covers_the_method_examples() {
        let ids: Vec<&str> = templates().iter().map(|t| t.id).collect();
        for id in [
            "reply-language",
            "no-delve",
            "valid-json",
            "reply-length",
            "faithful-to-context",
            "persona-tone",
            "moderation",
            "thumbs-up",
            "intent-recognition",
            "context-maintenance",
            "relevance-helpfulness",
            "tone-style",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert!(template("persona-tone").is_some() && template("nope").is_none());
    }
}
