//! The review's history: reviews, sign-offs, attestations and their withdrawal, and changes of
//! the computed stage, each with who and when (and, for sign-offs, the review as it was).

use super::{Item, Review};
use crate::domain::metric::kinds::Stage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::choice!(
    /// What happened.
    EventKind, "kind" {
        Review = "review", "Reviewed";
        SignOff = "sign_off", "Signed off";
        Attestation = "attestation", "Attested";
        Withdrawal = "withdrawal", "Attestation withdrawn";
        StageChange = "stage_change", "Computed stage changed";
    }
);

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaturityEvent {
    pub kind: EventKind,
    /// The stage signed off, or the computed stage after a change (`None`: not yet crawling).
    pub stage: Option<Stage>,
    pub item: Option<Item>,
    pub note: String,
    /// Who; "Vernier" for changes it noticed itself.
    pub by: String,
    pub at: DateTime<Utc>,
    pub snapshot: Option<Review>,
}

impl MaturityEvent {
    /// A line for the history list.
    pub fn describe(&self) -> String {
        let stage = self
            .stage
            .map_or("not yet crawling".to_owned(), |s| s.label().to_lowercase());
        match self.kind {
            EventKind::Review => "Reviewed".to_owned(),
            EventKind::SignOff => format!("Signed off {stage}"),
            EventKind::Attestation => format!("Attested “{}”", self.item.map_or("", |i| i.label())),
            EventKind::Withdrawal => format!(
                "Withdrew the attestation of “{}”",
                self.item.map_or("", |i| i.label())
            ),
            EventKind::StageChange => format!("Computed stage noticed as {stage}"),
        }
    }
}

/// A manager's sign-off of a stage, with the review it was given on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignOff {
    pub stage: Stage,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub snapshot: Review,
}

impl SignOff {
    /// The sign-off an event records, if it is one.
    pub fn from_event(event: MaturityEvent) -> Option<SignOff> {
        match (event.kind, event.stage, event.snapshot) {
            (EventKind::SignOff, Some(stage), Some(snapshot)) => Some(SignOff {
                stage,
                note: event.note,
                by: event.by,
                at: event.at,
                snapshot,
            }),
            _ => None,
        }
    }

    /// Whether the review now still backs the stage signed off.
    pub fn backed_by(&self, now: &Review) -> bool {
        now.stage.is_some_and(|stage| stage >= self.stage)
    }
}
