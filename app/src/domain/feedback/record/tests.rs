use super::*;
use chrono::TimeZone;
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn fields(errors: &[RecordError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.index, e.field.as_str())).collect()
}

#[test]
fn a_well_formed_record_is_kept_with_its_time_defaulting_to_now() {
    let batch = validate(
        vec![json!({"external_id": "c-1", "metric": "thumbs", "value": true, "comment": "  great  ", "user": "u-9"})],
        now(),
    )
    .unwrap();
    assert_eq!(batch[0].target, Target::External("c-1".into()));
    assert_eq!(batch[0].comment.as_deref(), Some("great"));
    assert_eq!(batch[0].at, now());
}

#[test]
fn every_problem_is_named_by_index_and_field() {
    let errors = validate(
        vec![
            json!({"output_id": 1, "metric": "thumbs", "value": true}),
            json!({"metric": "thumbs", "value": true}),
            json!({"output_id": 1, "external_id": "x", "metric": "thumbs", "value": true}),
            json!({"output_id": 1, "value": true}),
            json!({"output_id": 1, "metric": "thumbs"}),
            json!({"output_id": 1, "metric": "thumbs", "value": true, "at": "2027-01-01T00:00:00Z"}),
            json!({"output_id": 1, "metric": "thumbs", "value": true, "colour": "red"}),
            json!({"output_id": "one", "metric": "thumbs", "value": true}),
            json!({"output_id": 1, "metric": "thumbs", "value": true, "comment": "x".repeat(MAX_COMMENT + 1)}),
        ],
        now(),
    )
    .unwrap_err();
    assert_eq!(
        fields(&errors),
        vec![
            (1, "output_id"),
            (2, "output_id"),
            (3, "metric"),
            (4, "value"),
            (5, "at"),
            (6, "colour"),
            (7, "output_id"),
            (8, "comment"),
        ]
    );
}

#[test]
fn a_record_repeated_in_the_batch_is_refused_by_id_or_whole() {
    let one = json!({"output_id": 1, "metric": "thumbs", "value": false, "at": "2026-11-25T11:00:00Z"});
    let errors = validate(
        vec![
            json!({"id": "f-1", "output_id": 1, "metric": "thumbs", "value": true}),
            json!({"id": "f-1", "output_id": 2, "metric": "thumbs", "value": true}),
            one.clone(),
            one,
        ],
        now(),
    )
    .unwrap_err();
    assert_eq!(fields(&errors), vec![(1, "id"), (3, "record")]);
    assert!(errors[0].message.contains("record 0"), "{}", errors[0].message);
}

fn metrics() -> HashMap<String, FeedbackMetric> {
    let metric = |id, scale, retired, is_feedback| FeedbackMetric {
        id,
        scale,
        retired,
        is_feedback,
    };
    HashMap::from([
        ("thumbs".into(), metric(1, Scale::Thumbs, false, true)),
        ("stars".into(), metric(2, Scale::Stars { max: 5 }, false, true)),
        ("old".into(), metric(3, Scale::Thumbs, true, true)),
        ("tone".into(), metric(4, Scale::Thumbs, false, false)),
    ])
}

fn record(target: Target, metric: &str, answer: Value, hours_ago: i64) -> NewFeedback {
    NewFeedback {
        index: 0,
        id: None,
        target,
        metric: metric.into(),
        answer,
        comment: None,
        user: None,
        at: now() - Duration::hours(hours_ago),
    }
}

#[test]
fn records_are_valued_on_their_metrics_scale_and_matched_to_outputs() {
    let known = KnownOutputs {
        ids: HashSet::from([7]),
        external: HashMap::from([("c-1".to_owned(), 8)]),
    };
    let batch = vec![
        record(Target::Output(7), "stars", json!(4), 0),
        record(Target::External("c-1".into()), "thumbs", json!("down"), 0),
        // Not logged yet, given an hour ago: it waits.
        record(Target::External("c-2".into()), "thumbs", json!(true), 1),
    ];
    let resolved = resolve(batch, &metrics(), &known, now()).unwrap();
    let got: Vec<(i64, f64, Option<i64>)> = resolved
        .iter()
        .map(|r| (r.metric_id, r.value, r.output_id))
        .collect();
    assert_eq!(got, vec![(2, 4.0, Some(7)), (1, 0.0, Some(8)), (1, 1.0, None)]);
}

#[test]
fn unknown_metrics_outputs_and_values_off_the_scale_are_refused() {
    let known = KnownOutputs::default();
    let mut batch = vec![
        record(Target::Output(7), "thumbs", json!(true), 0),
        record(
            Target::External("late".into()),
            "thumbs",
            json!(true),
            WAIT_HOURS + 1,
        ),
        record(Target::External("soon".into()), "nope", json!(true), 0),
        record(Target::External("soon".into()), "tone", json!(true), 0),
        record(Target::External("soon".into()), "old", json!(true), 0),
        record(Target::External("soon".into()), "stars", json!(6), 0),
    ];
    for (index, feedback) in batch.iter_mut().enumerate() {
        feedback.index = index;
    }
    let errors = resolve(batch, &metrics(), &known, now()).unwrap_err();
    assert_eq!(
        fields(&errors),
        vec![
            (0, "output_id"),
            (1, "external_id"),
            (2, "metric"),
            (3, "metric"),
            (4, "metric"),
            (5, "value")
        ]
    );
    assert!(errors[5].message.contains("1 to 5"), "{}", errors[5].message);
    assert!(errors[1].message.contains("24 hours"), "{}", errors[1].message);
}
