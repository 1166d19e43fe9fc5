//! The stage computation and the advice rules, table-driven: each item met or not.

use super::*;
use chrono::TimeZone;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn metric(key: &str, category: Category) -> MetricFacts {
    MetricFacts {
        key: key.into(),
        name: key.into(),
        category,
        cadence: Cadence::Async,
        action: FailureAction::Flag,
        owner: "otto".into(),
        cost_per_failure: Money::from_cents(150),
        review_date: today() + chrono::Duration::days(30),
        has_goal: true,
        is_judge: false,
    }
}

fn attested(item: Item) -> Attestation {
    Attestation {
        item,
        note: "kept in the team drive".into(),
        by: "Mia Manager".into(),
        at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
    }
}

/// Evidence that meets every item (the two that need one attested).
fn everything() -> Evidence {
    let mut guard = metric("reply-language", Category::Language);
    guard.cadence = Cadence::RealTime;
    guard.action = FailureAction::Retry;
    Evidence {
        purpose: "Answer support tickets in the customer's language.".into(),
        active: vec![guard, metric("valid-json", Category::Format)],
        retired_or_revised: vec!["old-tone".into()],
        outputs_recent: 420,
        last_output: Some(Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()),
        challenges: vec![ChallengeFacts {
            title: "Late turns drift to English".into(),
            hypothesis: "Long contexts dilute the language instruction".into(),
            goal: "Keep German customers".into(),
            metrics: vec!["reply-language".into()],
        }],
        ratings_recent: 80,
        agreement: vec![AgreementFacts {
            metric: "helpfulness".into(),
            alpha: Some(0.81),
            items: 40,
        }],
        rated_outputs: 600,
        attestations: vec![attested(Item::GoldenDataset)],
        monitors: vec![MonitorFacts {
            name: "German replies".into(),
            metric: "reply-language".into(),
            channels: 1,
        }],
        feedback: vec![FeedbackFacts {
            metric: "thumbs-up".into(),
            answers: 42,
        }],
        datasets: Vec::new(),
    }
}

type Spoil = fn(&mut Evidence);

/// Each item, and a change of the full evidence that makes it fail (with only the later-stage
/// items that follow from it).
fn spoilers() -> Vec<(Item, Spoil)> {
    vec![
        (Item::Purpose, |e| e.purpose = " ".into()),
        (Item::GoldenDataset, |e| {
            e.attestations.retain(|a| a.item != Item::GoldenDataset)
        }),
        (Item::ScoredMetric, |e| {
            for m in &mut e.active {
                m.owner.clear();
            }
        }),
        (Item::RecentOutputs, |e| e.outputs_recent = 0),
        (Item::Challenges, |e| e.challenges[0].metrics.clear()),
        (Item::HumanRatings, |e| e.ratings_recent = 0),
        (Item::MetricHistory, |e| e.retired_or_revised.clear()),
        (Item::SpecificMetrics, |e| {
            e.active[1].category = Category::Quality
        }),
        (Item::RealTimeAction, |e| e.active[0].action = FailureAction::Flag),
        (Item::FeedbackLoop, |e| e.feedback[0].answers = 0),
        (Item::Monitors, |e| e.monitors[0].channels = 0),
        (Item::CompleteMetrics, |e| {
            e.active[1].review_date = today() - chrono::Duration::days(1)
        }),
        (Item::GoalsLinked, |e| e.active[1].has_goal = false),
        (Item::TuningData, |e| e.rated_outputs = 499),
    ]
}

#[test]
fn full_evidence_runs_and_each_spoiled_item_alone_fails_and_caps_the_stage() {
    let t = Thresholds::default();
    let full = review(&everything(), &t, today());
    assert_eq!(full.stage, Some(Stage::Run));
    assert_eq!(full.completion(), (14, 14));
    assert!(full.lapsed(Stage::Run).is_empty());
    let spoilers = spoilers();
    assert_eq!(spoilers.len(), Item::ALL.len(), "every item has a row");
    for (item, spoil) in spoilers {
        let mut evidence = everything();
        // Spoiling an item must not be undone by an attestation of it.
        evidence.attestations.retain(|a| a.item != item);
        spoil(&mut evidence);
        let r = review(&evidence, &t, today());
        let failing: Vec<Item> = r
            .items
            .iter()
            .filter(|i| !i.state.holds())
            .map(|i| i.item)
            .collect();
        // Without an owner on any metric, every metric also lacks one.
        let also: &[Item] = if item == Item::ScoredMetric {
            &[Item::CompleteMetrics]
        } else {
            &[]
        };
        let expected_failing: Vec<Item> = std::iter::once(item).chain(also.iter().copied()).collect();
        assert_eq!(failing, expected_failing, "spoiling {item:?}");
        let expected = match item.stage() {
            Stage::Crawl => None,
            Stage::Walk => Some(Stage::Crawl),
            Stage::Run => Some(Stage::Walk),
        };
        assert_eq!(r.stage, expected, "spoiling {item:?}");
        assert_eq!(r.lapsed(Stage::Run), expected_failing);
    }
}

#[test]
fn only_what_the_data_cannot_show_can_be_attested_and_it_says_who() {
    let r = review(&everything(), &Thresholds::default(), today());
    let golden = r.items.iter().find(|i| i.item == Item::GoldenDataset).unwrap();
    assert_eq!(
        golden.state,
        ItemState::Attested,
        "no dataset in Vernier: the attestation stands"
    );
    // A dataset of enough items meets it by data; a smaller one does not.
    let mut evidence = everything();
    evidence.attestations.clear();
    evidence.datasets = vec![("golden".into(), 49), ("tiny".into(), 3)];
    let item = |e: &Evidence| {
        review(e, &Thresholds::default(), today())
            .items
            .into_iter()
            .find(|i| i.item == Item::GoldenDataset)
            .unwrap()
    };
    assert_eq!(item(&evidence).state, ItemState::NotMet);
    assert!(
        item(&evidence).evidence.contains("golden, has 49 items"),
        "{}",
        item(&evidence).evidence
    );
    evidence.datasets[0].1 = 50;
    assert_eq!(item(&evidence).state, ItemState::Met);
    assert_eq!(golden.attestation.as_ref().unwrap().by, "Mia Manager");
    // An attestation of something the data shows does not replace the data.
    let mut evidence = everything();
    evidence.outputs_recent = 0;
    evidence.attestations.push(attested(Item::RecentOutputs));
    let r = review(&evidence, &Thresholds::default(), today());
    let item = r.items.iter().find(|i| i.item == Item::RecentOutputs).unwrap();
    assert_eq!(
        (item.state, item.attestation.is_none()),
        (ItemState::NotMet, true)
    );
    assert!(
        item.evidence.starts_with("0 outputs in the last 7 days"),
        "{}",
        item.evidence
    );
    assert_eq!(r.stage, None);
}

#[test]
fn a_stage_counts_only_when_every_earlier_stage_holds() {
    let mut evidence = everything();
    evidence.purpose.clear();
    let r = review(&evidence, &Thresholds::default(), today());
    assert_eq!(r.stage, None, "walk and run items hold, but crawl does not");
    assert_eq!(r.of(Stage::Walk).filter(|i| i.state.holds()).count(), 5);
    assert_eq!(
        computed_stage(&[]),
        Some(Stage::Run),
        "no items: nothing stands in the way"
    );
}

#[test]
fn evidence_sentences_carry_their_numbers() {
    let mut evidence = everything();
    evidence.agreement[0].alpha = Some(0.52);
    let r = review(&evidence, &Thresholds::default(), today());
    let text = |item: Item| r.items.iter().find(|i| i.item == item).unwrap().evidence.clone();
    assert_eq!(
        text(Item::HumanRatings),
        "80 human ratings in the last 30 days; helpfulness α = 0.52 on 40 items, below 0.67."
    );
    assert_eq!(
        text(Item::TuningData),
        "600 outputs with a final human label; 500 wanted to tune on."
    );
    assert_eq!(
        text(Item::RealTimeAction),
        "Acting in real time: reply-language (retry)."
    );
    assert_eq!(
        text(Item::SpecificMetrics),
        "Active metrics in: Format, Language."
    );
}

/// Advice rules: (what is changed, a phrase the advice must contain, or must not with `!`).
#[test]
fn advice_follows_the_data() {
    type Case = (&'static str, fn(&mut Evidence), &'static str);
    let cases: [Case; 8] = [
        ("nothing active", |e| e.active.clear(), "Start with one metric"),
        (
            "too many metrics",
            |e| {
                let mut many = Vec::new();
                for i in 0..12 {
                    let mut m = metric(&format!("m{i}"), Category::Quality);
                    if i < 5 {
                        m.owner.clear();
                    }
                    many.push(m);
                }
                e.active = many;
            },
            "12 active metrics, 5 without an owner or past their review date: too many to act on",
        ),
        (
            "one past its review date",
            |e| e.active[1].review_date = today() - chrono::Duration::days(3),
            "1 active metric has no owner or is past its review date",
        ),
        (
            "an unchecked judge",
            |e| {
                e.ratings_recent = 0;
                e.active[1].is_judge = true;
            },
            "No human ratings in 30 days: your judge is unchecked",
        ),
        (
            "low agreement",
            |e| e.agreement[0].alpha = Some(0.4),
            "α = 0.40 on helpfulness",
        ),
        ("no challenges", |e| e.challenges.clear(), "known challenges"),
        ("nothing logged", |e| e.outputs_recent = 0, "No outputs in 7 days"),
        ("all in order", |_| {}, "Running: keep the review dates honest"),
    ];
    for (name, change, expected) in cases {
        let mut evidence = everything();
        change(&mut evidence);
        let r = review(&evidence, &Thresholds::default(), today());
        assert!(
            r.advice.iter().any(|a| a.contains(expected)),
            "{name}: {:?}",
            r.advice
        );
    }
    let quiet = review(&everything(), &Thresholds::default(), today());
    assert_eq!(
        quiet.advice.len(),
        1,
        "nothing to fix, nothing said: {:?}",
        quiet.advice
    );
}

#[test]
fn the_next_stage_names_what_is_missing() {
    let mut evidence = everything();
    evidence.challenges.clear();
    evidence.retired_or_revised.clear();
    let r = review(&evidence, &Thresholds::default(), today());
    assert_eq!(r.stage, Some(Stage::Crawl));
    let next = r.advice.iter().find(|a| a.starts_with("Next, walk:")).unwrap();
    assert_eq!(
        next,
        "Next, walk: known challenges, each with a hypothesis and a metric; a metric retired or revised."
    );
}

#[test]
fn thresholds_are_checked_by_field() {
    assert_eq!(Thresholds::default().check().unwrap(), Thresholds::default());
    let bad = Thresholds {
        rating_days: 0,
        ..Thresholds::default()
    };
    assert!(bad.check().unwrap_err().to_string().contains("rating_days"));
    let alpha = Thresholds {
        min_alpha: 1.5,
        ..Thresholds::default()
    };
    assert!(alpha.check().unwrap_err().to_string().contains("min_alpha"));
}

#[test]
fn monitors_are_met_by_a_monitor_notifying_a_channel_or_attested_monitoring_elsewhere() {
    let t = Thresholds::default();
    let state = |e: &Evidence| {
        let reviewed = review(e, &t, today());
        let item = reviewed
            .items
            .iter()
            .find(|i| i.item == Item::Monitors)
            .unwrap()
            .clone();
        (item.state, item.evidence)
    };
    let mut e = everything();
    assert_eq!(
        state(&e),
        (
            ItemState::Met,
            "1 monitor notifies a channel: German replies (reply-language).".into()
        )
    );
    e.monitors[0].channels = 0;
    assert_eq!(state(&e).0, ItemState::NotMet);
    assert!(
        state(&e).1.contains("none notifies an enabled channel"),
        "{}",
        state(&e).1
    );
    e.monitors.clear();
    assert!(state(&e).1.starts_with("No monitor watches"));
    // Grafana alerts on /metrics: a manager attests them.
    e.attestations.push(attested(Item::Monitors));
    assert_eq!(state(&e).0, ItemState::Attested);
    assert!(
        Item::Monitors.attestable() && Item::GoldenDataset.attestable() && !Item::TuningData.attestable()
    );
}
