//! The closed sets a metric is described by.

use crate::choice;

choice!(
    /// Who or what judges: people, models/code, or both.
    Paradigm, "paradigm" {
        Human = "human", "Human-centric";
        Model = "model", "Model-centric";
        Hybrid = "hybrid", "Hybrid";
    }
);

choice!(
    /// What kind of behaviour the metric watches.
    Category, "category" {
        Quality = "quality", "Quality";
        Safety = "safety", "Safety";
        Degradation = "degradation", "Degradation";
        Retrieval = "retrieval", "Retrieval";
        Format = "format", "Format";
        Language = "language", "Language";
        Other = "other", "Other";
    }
);

choice!(
    /// When it runs: on the request path within milliseconds, or later in batches.
    Cadence, "cadence" {
        RealTime = "real-time", "Real-time";
        Async = "async", "Async";
    }
);

choice!(
    /// What happens when an output fails the metric.
    FailureAction, "action_on_failure" {
        Alert = "alert", "Alert";
        Retry = "retry", "Retry";
        Flag = "flag", "Flag";
        Block = "block", "Block";
        Nothing = "none", "None";
    }
);

choice!(
    /// Crawl, walk, run: how far along the metric is.
    Stage, "stage" {
        Crawl = "crawl", "Crawl";
        Walk = "walk", "Walk";
        Run = "run", "Run";
    }
);

choice!(
    /// Lifecycle: draft → active → retired (and back to active).
    Status, "status" {
        Draft = "draft", "Draft";
        Active = "active", "Active";
        Retired = "retired", "Retired";
    }
);

choice!(
    /// Which side of the threshold passes.
    Direction, "direction" {
        AtLeast = "at_least", "at least";
        AtMost = "at_most", "at most";
    }
);

impl Status {
    /// Whether the lifecycle allows moving from `self` to `next`.
    pub fn can_become(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Status::Draft, Status::Active)
                | (Status::Draft, Status::Retired)
                | (Status::Active, Status::Retired)
                | (Status::Retired, Status::Active)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_their_stored_names_case_insensitively() {
        assert_eq!(Cadence::parse("Real-Time"), Ok(Cadence::RealTime));
        assert_eq!(FailureAction::parse("none"), Ok(FailureAction::Nothing));
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Ok(*stage));
        }
    }

    #[test]
    fn a_bad_option_names_the_field_and_the_choices() {
        let error = Category::parse("vibes").unwrap_err();
        assert_eq!(error.field(), Some("category"));
        assert!(error.message().contains("quality, safety"), "{}", error.message());
    }

    #[test]
    fn the_lifecycle_goes_draft_active_retired_and_back() {
        assert!(Status::Draft.can_become(Status::Active));
        assert!(Status::Active.can_become(Status::Retired));
        assert!(Status::Retired.can_become(Status::Active));
        assert!(!Status::Active.can_become(Status::Draft));
        assert!(!Status::Retired.can_become(Status::Retired));
    }

    #[test]
    fn options_serialise_as_their_stored_names() {
        assert_eq!(
            serde_json::to_string(&Cadence::RealTime).unwrap(),
            "\"real-time\""
        );
        assert_eq!(
            serde_json::from_str::<Direction>("\"at_most\"").unwrap(),
            Direction::AtMost
        );
    }
}
