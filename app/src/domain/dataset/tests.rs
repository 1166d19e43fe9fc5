use super::health::{self, Facts, Thresholds, Warning};
use super::*;

/// A hand-written item with just an id and an input.
pub(crate) fn item(id: &str, input: &str) -> Item {
    Item {
        id: id.into(),
        input: Some(input.into()),
        messages: None,
        expected_output: None,
        expected_label: None,
        tags: Tags::default(),
        case_id: None,
        variant: None,
        source: Origin::Hand,
        output_id: None,
    }
}

#[test]
fn an_item_needs_an_id_and_an_input_and_a_variant_needs_its_case() {
    assert!(item("cancel-1", "Wie kündige ich?").checked().is_ok());
    let field = |i: Item| match i.checked() {
        Err(AppError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(item("", "x")), "id");
    assert_eq!(field(item("has space", "x")), "id");
    assert_eq!(field(item("a", "  ")), "input");
    assert_eq!(
        field(Item {
            variant: Some("few-shot".into()),
            ..item("a", "x")
        }),
        "case_id"
    );
    assert_eq!(
        field(Item {
            output_id: Some(3),
            ..item("a", "x")
        }),
        "output_id"
    );
    let mut tagged = item("a", "x");
    tagged.tags.language = Some(" DE ".into());
    tagged.tags.tags = vec!["billing".into(), "billing".into()];
    let tagged = tagged.checked().unwrap();
    assert_eq!(tagged.tags.language.as_deref(), Some("de"));
    assert_eq!(tagged.tags.tags, vec!["billing"]);
}

#[test]
fn a_version_refuses_repeated_ids_and_repeated_variants_of_a_case() {
    let variant = |id: &str, v: &str| Item {
        case_id: Some("cancel".into()),
        variant: Some(v.into()),
        ..item(id, "x")
    };
    let errors = check_all(vec![
        (1, item("a", "x")),
        (2, item("a", "y")),
        (3, variant("b", "few-shot")),
        (4, variant("c", "few-shot")),
        (5, item("d", "")),
    ])
    .unwrap_err();
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(found, vec![(2, "id"), (4, "variant"), (5, "input")]);
    assert!(errors[0].message.contains("line 1"), "{}", errors[0].message);
}

#[cfg(feature = "ssr")]
mod files {
    use super::*;
    use crate::domain::dataset::file::{read, write_csv, write_jsonl, Format};

    #[test]
    fn a_jsonl_file_with_bad_lines_is_refused_whole_with_each_line_and_field() {
        let text = r#"{"id": "a", "input": "Wie kündige ich?", "tags": {"language": "de"}}
not json
{"id": "b", "input": "x", "tags": {"mood": "sad"}}
{"id": "a", "input": "again"}

{"input": "no id"}
{"id": "c", "input": "x", "tags": {"difficulty": "extreme"}}
"#;
        let errors = read(text, Format::Jsonl).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            found,
            vec![(2, "line"), (3, "tags.mood"), (6, "id"), (7, "tags.difficulty")],
            "{errors:?}"
        );
        assert!(errors[1].message.contains("mood"), "{}", errors[1].message);
        // With the parse errors fixed, the repeated id is the one left.
        let fixed = text
            .replace("not json\n", "{\"id\": \"n\", \"input\": \"fixed\"}\n")
            .replace("\"mood\": \"sad\"", "\"topic\": \"mood\"")
            .replace(
                "{\"input\": \"no id\"}",
                "{\"id\": \"e\", \"input\": \"has one\"}",
            )
            .replace("extreme", "hard");
        let errors = read(&fixed, Format::Jsonl).unwrap_err();
        assert_eq!((errors[0].line, errors[0].field.as_str()), (4, "id"));
        let items = read(
            &fixed.replace("{\"id\": \"a\", \"input\": \"again\"}", ""),
            Format::Jsonl,
        )
        .unwrap();
        assert_eq!(items.len(), 5);
    }

    #[test]
    fn a_csv_file_needs_its_columns_and_refuses_unknown_ones() {
        let errors = read("id,question\na,x\n", Format::Csv).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(found, vec![(1, "question"), (1, "input")]);
        let errors = read(
            "id,input,edge_case,difficulty\na,x,maybe,easy\nb,y,yes,hardest\n",
            Format::Csv,
        )
        .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(found, vec![(2, "edge_case"), (3, "difficulty")]);
        assert!(
            read("id,input\n", Format::Csv).is_err(),
            "an empty file has no items"
        );
        let big = "x".repeat(file::MAX_BYTES + 1);
        assert_eq!(read(&big, Format::Csv).unwrap_err()[0].field, "file");
    }

    #[test]
    fn an_export_imports_back_unchanged_in_either_format() {
        let items = vec![
            Item {
                expected_output: Some("Im Kundenkonto, \"Verträge\".".into()),
                expected_label: Some("cancel".into()),
                tags: Tags {
                    language: Some("de".into()),
                    topic: Some("billing".into()),
                    difficulty: Some(Difficulty::Hard),
                    edge_case: true,
                    tags: vec!["region=dach".into(), "vip".into()],
                },
                case_id: Some("cancel".into()),
                variant: Some("few-shot".into()),
                ..item("cancel-few", "Wie kündige ich,\nbitte?")
            },
            Item {
                source: Origin::Production,
                output_id: Some(42),
                ..item("from-prod", "When is my money back?")
            },
        ];
        assert_eq!(read(&write_jsonl(&items), Format::Jsonl).unwrap(), items);
        assert_eq!(read(&write_csv(&items), Format::Csv).unwrap(), items);
        assert_eq!(Format::guess("golden.csv", "{"), Format::Csv);
        assert_eq!(Format::guess("upload", "{\"id\":1}"), Format::Jsonl);
    }
}

#[test]
fn balance_counts_each_dimension_and_warns_on_a_rare_class() {
    let labelled = |id: &str, label: &str, language: &str| Item {
        expected_label: Some(label.into()),
        tags: Tags {
            language: Some(language.into()),
            ..Tags::default()
        },
        ..item(id, id)
    };
    let mut items: Vec<Item> = (0..19)
        .map(|i| labelled(&format!("c{i}"), "cancel", "de"))
        .collect();
    items.push(labelled("r", "refund", "en"));
    let balances = health::balances(&items);
    let label = &balances[0];
    assert_eq!(label.dimension, "label");
    assert_eq!(label.largest().unwrap().items, 19);
    assert_eq!(label.smallest().unwrap().value, "refund");
    assert!((label.smallest().unwrap().share - 0.05).abs() < 1e-12);
    let facts = |balances| Facts {
        balances,
        duplicates: &[],
        coverage: &[],
        idle_days: 0,
        agreement: &[],
    };
    // 5% is not below a 5% minimum; below 6% it is, in both dimensions.
    assert!(health::warnings(&facts(&balances), &Thresholds::default()).is_empty());
    let strict = Thresholds {
        min_class_share: 0.06,
        ..Thresholds::default()
    };
    let warnings = health::warnings(&facts(&balances), &strict);
    assert_eq!(warnings.len(), 2);
    assert!(
        matches!(&warnings[0], Warning::Rare { dimension, value, .. } if dimension == "label" && value == "refund")
    );
}

#[test]
fn coverage_flags_a_frequent_production_segment_with_too_few_items() {
    let mut items: Vec<Item> = (0..6).map(|i| item(&format!("i{i}"), "x")).collect();
    for it in items.iter_mut().take(5) {
        it.tags.language = Some("en".into());
    }
    items[5].tags.tags = vec!["channel=email".into()];
    let count = |key: &str, value: &str, outputs| health::SegmentCount {
        key: key.into(),
        value: value.into(),
        outputs,
    };
    let production = vec![
        count("language", "en", 600),
        count("language", "de", 100),
        count("language", "it", 40),
        count("channel", "email", 300),
    ];
    let t = Thresholds::default();
    let rows = health::coverage(&items, &production, 1000, &t);
    let seen: Vec<(&str, &str, u64)> = rows
        .iter()
        .map(|c| (c.key.as_str(), c.value.as_str(), c.items))
        .collect();
    // Italian is 4% of production: under the 5% share, so not required.
    assert_eq!(
        seen,
        vec![
            ("channel", "email", 1),
            ("language", "en", 5),
            ("language", "de", 0)
        ]
    );
    let facts = Facts {
        balances: &[],
        duplicates: &[],
        coverage: &rows,
        idle_days: 91,
        agreement: &[
            ("tone".into(), Some(0.5)),
            ("intent".into(), Some(0.9)),
            ("new".into(), None),
        ],
    };
    let warnings: Vec<String> = health::warnings(&facts, &t)
        .iter()
        .map(Warning::describe)
        .collect();
    assert_eq!(
        warnings,
        vec![
            "channel=email is 30.0% of production but has 1 item",
            "language=de is 10.0% of production but has 0 items",
            "unchanged and unreviewed for 91 days",
            "annotators agree too little on tone (alpha 0.50 < 0.667)",
        ]
    );
    assert!(health::coverage(&items, &production, 0, &t).is_empty());
}

#[test]
fn thresholds_are_typed_as_percentages_and_blank_keeps_the_default() {
    let form = health::ThresholdForm {
        min_class_share: "10%".into(),
        coverage_items: "12".into(),
        ..Default::default()
    };
    let t = form.parse().unwrap();
    assert_eq!(t.min_class_share, 0.1);
    assert_eq!(t.coverage_items, 12);
    assert_eq!(t.stale_days, Thresholds::default().stale_days);
    let bad = health::ThresholdForm {
        near_duplicate: "120".into(),
        ..Default::default()
    };
    assert!(matches!(bad.parse(), Err(AppError::Validation { field, .. }) if field == "near_duplicate"));
}
