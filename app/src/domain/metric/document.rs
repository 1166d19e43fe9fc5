//! Metrics as code: a project's definitions as a YAML or JSON file, and the plan for importing
//! one (create or update by key, with every error named by item and field).

use super::{MetricDefinition, MetricInput, MetricView};
use crate::error::AppError;
use serde::{Deserialize, Deserializer, Serialize};

/// File format for export and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// Parses "yaml"/"yml" or "json".
    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Ok(Format::Yaml),
            "json" => Ok(Format::Json),
            other => Err(AppError::invalid(
                "format",
                format!("'{other}' is not yaml or json"),
            )),
        }
    }
}

/// The file: a format version, the project it came from, and its metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFile {
    pub version: u32,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub metrics: Vec<MetricDocument>,
}

/// One metric in a file. Loosely typed on purpose: numbers or text are both accepted, and
/// validation happens through [`MetricInput::parse`] so errors name the field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricDocument {
    #[serde(deserialize_with = "text")]
    pub key: String,
    #[serde(deserialize_with = "text")]
    pub name: String,
    #[serde(deserialize_with = "text")]
    pub description: String,
    #[serde(deserialize_with = "text")]
    pub question: String,
    #[serde(deserialize_with = "text")]
    pub paradigm: String,
    #[serde(deserialize_with = "text")]
    pub category: String,
    #[serde(deserialize_with = "text")]
    pub cadence: String,
    #[serde(deserialize_with = "text")]
    pub action_on_failure: String,
    pub scorer: serde_json::Value,
    pub pass_rule: PassRuleDocument,
    #[serde(deserialize_with = "text")]
    pub stage: String,
    #[serde(deserialize_with = "text")]
    pub owner: String,
    #[serde(deserialize_with = "text")]
    pub cost_per_failure: String,
    #[serde(deserialize_with = "text")]
    pub cost_per_evaluation: String,
    #[serde(deserialize_with = "text")]
    pub review_date: String,
    #[serde(deserialize_with = "text")]
    pub retirement_date: String,
    pub tags: Vec<String>,
}

/// The pass rule in a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PassRuleDocument {
    #[serde(deserialize_with = "text")]
    pub threshold: String,
    #[serde(deserialize_with = "text")]
    pub direction: String,
}

/// Accepts a string, a number, a boolean or null as text.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => text,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

impl From<&MetricDefinition> for MetricDocument {
    fn from(definition: &MetricDefinition) -> Self {
        let input = MetricInput::from(definition);
        Self {
            scorer: serde_json::to_value(&definition.scorer).unwrap_or_default(),
            pass_rule: PassRuleDocument {
                threshold: input.threshold,
                direction: input.direction,
            },
            tags: definition.tags.clone(),
            key: input.key,
            name: input.name,
            description: input.description,
            question: input.question,
            paradigm: input.paradigm,
            category: input.category,
            cadence: input.cadence,
            action_on_failure: input.action_on_failure,
            stage: input.stage,
            owner: input.owner,
            cost_per_failure: input.cost_per_failure,
            cost_per_evaluation: input.cost_per_evaluation,
            review_date: input.review_date,
            retirement_date: input.retirement_date,
        }
    }
}

impl MetricDocument {
    /// The same metric as form input, so it is validated exactly like the form.
    pub fn to_input(&self) -> MetricInput {
        MetricInput {
            key: self.key.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            question: self.question.clone(),
            paradigm: self.paradigm.clone(),
            category: self.category.clone(),
            cadence: self.cadence.clone(),
            action_on_failure: self.action_on_failure.clone(),
            scorer: self.scorer.to_string(),
            threshold: self.pass_rule.threshold.clone(),
            direction: self.pass_rule.direction.clone(),
            stage: self.stage.clone(),
            owner: self.owner.clone(),
            cost_per_failure: self.cost_per_failure.clone(),
            cost_per_evaluation: self.cost_per_evaluation.clone(),
            review_date: self.review_date.clone(),
            retirement_date: self.retirement_date.clone(),
            tags: self.tags.join(","),
        }
    }
}

/// The file for `metrics` of `project`.
pub fn file_of(project: &str, metrics: &[MetricView]) -> MetricFile {
    MetricFile {
        version: 1,
        project: project.to_owned(),
        metrics: metrics
            .iter()
            .map(|metric| MetricDocument::from(&metric.definition))
            .collect(),
    }
}

/// What importing one item would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlannedChange {
    /// A new metric.
    Create,
    /// An existing metric changes these fields: (field, old, new).
    Update(Vec<(String, String, String)>),
    /// Identical to what is stored.
    Unchanged,
}

/// One item of an import plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedItem {
    pub index: usize,
    pub key: String,
    pub change: PlannedChange,
}

/// A problem with one item of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub key: String,
    pub field: String,
    pub message: String,
}

/// What an import would do, or why it cannot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub items: Vec<PlannedItem>,
    pub errors: Vec<ItemError>,
    /// The validated definitions, in file order (only meaningful when there are no errors).
    #[serde(skip)]
    pub definitions: Vec<MetricDefinition>,
}

/// Plans importing `file` over the `existing` metrics of a project. Pure: owners are checked
/// by the caller against the database.
pub fn plan(file: &MetricFile, existing: &[MetricView]) -> ImportPlan {
    let mut plan = ImportPlan {
        items: Vec::new(),
        errors: Vec::new(),
        definitions: Vec::new(),
    };
    let mut seen: Vec<String> = Vec::new();
    for (index, document) in file.metrics.iter().enumerate() {
        let key = document.key.trim().to_owned();
        let definition = match document.to_input().parse() {
            Ok(definition) => definition,
            Err(error) => {
                let field = error.field().unwrap_or("metric").to_owned();
                plan.errors.push(ItemError {
                    index,
                    key,
                    field,
                    message: error.message(),
                });
                continue;
            }
        };
        if seen.contains(&definition.key) {
            plan.errors.push(ItemError {
                index,
                key,
                field: "key".into(),
                message: "appears more than once in the file".into(),
            });
            continue;
        }
        seen.push(definition.key.clone());
        let change = match existing
            .iter()
            .find(|metric| metric.definition.key == definition.key)
        {
            None => PlannedChange::Create,
            Some(stored) => {
                let changes = definition.changes_from(&stored.definition);
                if changes.is_empty() {
                    PlannedChange::Unchanged
                } else {
                    PlannedChange::Update(
                        changes
                            .into_iter()
                            .map(|(f, o, n)| (f.to_owned(), o, n))
                            .collect(),
                    )
                }
            }
        };
        plan.items.push(PlannedItem {
            index,
            key: definition.key.clone(),
            change,
        });
        plan.definitions.push(definition);
    }
    plan
}

/// Reads a file; a syntax error is reported on the `file` field with its line where known.
#[cfg(feature = "ssr")]
pub fn read_file(format: Format, text: &str) -> Result<MetricFile, AppError> {
    let file: MetricFile = match format {
        Format::Json => serde_json::from_str(text)
            .map_err(|e| AppError::invalid("file", format!("is not valid JSON: {e}")))?,
        Format::Yaml => serde_yaml::from_str(text)
            .map_err(|e| AppError::invalid("file", format!("is not valid YAML: {e}")))?,
    };
    if file.version != 1 {
        return Err(AppError::invalid(
            "file",
            format!("version {} is not supported (expected 1)", file.version),
        ));
    }
    Ok(file)
}

/// Writes a file.
#[cfg(feature = "ssr")]
pub fn write_file(format: Format, file: &MetricFile) -> Result<String, AppError> {
    match format {
        Format::Json => serde_json::to_string_pretty(file).map_err(|e| AppError::Internal(e.to_string())),
        Format::Yaml => serde_yaml::to_string(file).map_err(|e| AppError::Internal(e.to_string())),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::metric::kinds::Status;
    use crate::domain::metric::tests::input;

    fn stored(definition: MetricDefinition) -> MetricView {
        MetricView {
            id: 1,
            project_slug: "bot".into(),
            definition,
            owner_name: "Otto".into(),
            status: Status::Active,
            status_reason: String::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn export_then_import_round_trips_in_both_formats() {
        let existing = vec![stored(input().parse().unwrap())];
        for format in [Format::Yaml, Format::Json] {
            let text = write_file(format, &file_of("bot", &existing)).unwrap();
            let plan = plan(&read_file(format, &text).unwrap(), &existing);
            assert!(plan.errors.is_empty(), "{format:?}: {:?}", plan.errors);
            assert_eq!(
                plan.items[0].change,
                PlannedChange::Unchanged,
                "{format:?}:\n{text}"
            );
            assert_eq!(plan.definitions[0], existing[0].definition);
        }
    }

    #[test]
    fn a_hand_written_yaml_file_with_plain_numbers_imports() {
        let text = r#"
version: 1
metrics:
  - key: reply-json
    name: Reply is valid JSON
    question: Can the app parse the reply?
    paradigm: model
    category: format
    cadence: real-time
    action_on_failure: block
    scorer: { kind: valid_json }
    pass_rule: { threshold: 1, direction: at_least }
    stage: crawl
    owner: owner
    cost_per_failure: 2.5
    review_date: 2027-02-01
"#;
        let plan = plan(&read_file(Format::Yaml, text).unwrap(), &[]);
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.items[0].change, PlannedChange::Create);
        assert_eq!(plan.definitions[0].cost_per_failure.to_string(), "$2.50");
    }

    #[test]
    fn changes_and_errors_are_listed_per_item_and_field() {
        let existing = vec![stored(input().parse().unwrap())];
        let mut file = file_of("bot", &existing);
        file.metrics[0].cost_per_failure = "3.00".into();
        let mut broken = file.metrics[0].clone();
        broken.key = "second".into();
        broken.cadence = "hourly".into();
        let duplicate = file.metrics[0].clone();
        file.metrics.extend([broken, duplicate]);

        let plan = plan(&file, &existing);
        assert_eq!(
            plan.items[0].change,
            PlannedChange::Update(vec![("cost_per_failure".into(), "$2.50".into(), "$3.00".into())])
        );
        let errors: Vec<(usize, &str)> = plan.errors.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(errors, [(1, "cadence"), (2, "key")]);
    }

    #[test]
    fn syntax_errors_and_unknown_fields_are_reported_on_the_file() {
        assert_eq!(read_file(Format::Json, "{").unwrap_err().field(), Some("file"));
        assert_eq!(
            read_file(Format::Yaml, "version: 2\nmetrics: []")
                .unwrap_err()
                .field(),
            Some("file")
        );
        let typo = "version: 1\nmetrics:\n  - key: a1\n    nmae: typo\n";
        assert!(read_file(Format::Yaml, typo)
            .unwrap_err()
            .message()
            .contains("nmae"));
    }
}
