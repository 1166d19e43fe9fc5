//! The review as Markdown, to share with leadership.

use super::standing::ProjectReview;
use super::ItemState;
use crate::domain::metric::kinds::Stage;

fn stage_name(stage: Option<Stage>) -> String {
    stage.map_or("not yet crawling".to_owned(), |s| s.label().to_owned())
}

/// The review of project `name` as a Markdown document.
pub fn markdown(name: &str, page: &ProjectReview, today: chrono::NaiveDate) -> String {
    let review = &page.review;
    let (held, all) = review.completion();
    let mut out = format!(
        "# Maturity review: {name}\n\n{today}. Computed stage: **{}** ({held} of {all} items met or attested).\n",
        stage_name(review.stage)
    );
    match &page.sign_off {
        Some(signed) => {
            out.push_str(&format!(
                "Signed off: **{}** by {} on {} — “{}”.",
                signed.stage.label(),
                signed.by,
                signed.at.format("%Y-%m-%d"),
                signed.note
            ));
            if !page.backed {
                let lapsed: Vec<&str> = page.lapsed.iter().map(|i| i.label()).collect();
                out.push_str(&format!(
                    " **No longer backed**: {} no longer hold.",
                    lapsed.join("; ")
                ));
            }
            out.push('\n');
        }
        None => out.push_str("Not signed off yet.\n"),
    }
    for stage in Stage::ALL {
        out.push_str(&format!(
            "\n## {}\n\n| | Item | Evidence |\n| --- | --- | --- |\n",
            stage.label()
        ));
        for item in review.of(*stage) {
            let mark = match item.state {
                ItemState::Met => "✅ met",
                ItemState::Attested => "☑️ attested",
                ItemState::NotMet => "❌ not met",
            };
            let cell = |text: &str| text.replace('|', "\\|").replace(['\r', '\n'], " ");
            let mut evidence = cell(&item.evidence);
            if let Some(a) = &item.attestation {
                evidence.push_str(&format!(
                    " Attested by {} on {}: “{}”",
                    a.by,
                    a.at.format("%Y-%m-%d"),
                    cell(&a.note)
                ));
            }
            out.push_str(&format!("| {mark} | {} | {evidence} |\n", item.item.label()));
        }
    }
    out.push_str("\n## Advice\n\n");
    for line in &review.advice {
        out.push_str(&format!("- {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::maturity::{review, Evidence, Thresholds};

    #[test]
    fn the_document_names_the_stage_each_item_and_the_advice() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let evidence = Evidence {
            purpose: "Answer support tickets | fast.".into(),
            ..Evidence::default()
        };
        let page = ProjectReview {
            review: review(&evidence, &Thresholds::default(), today),
            thresholds: Thresholds::default(),
            sign_off: None,
            backed: true,
            lapsed: vec![],
        };
        let text = markdown("Support bot", &page, today);
        assert!(
            text.starts_with(
                "# Maturity review: Support bot\n\n2026-11-25. Computed stage: **not yet crawling** (1 of 14"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| ✅ met | The purpose is written | Purpose: “Answer support tickets \\| fast.” |"
            ),
            "{text}"
        );
        assert!(text.contains("- Start with one metric"), "{text}");
        assert_eq!(text.matches("\n## ").count(), 4, "three stages and the advice");
    }
}
