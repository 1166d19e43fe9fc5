//! OpenTelemetry traces as a door for outputs: how a project maps span attributes onto outputs,
//! and what each received batch became (the mapping page shows both).

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The resource attribute naming the system version by default.
pub const DEFAULT_VERSION_ATTRIBUTE: &str = "service.version";
/// Most segment attributes a project maps.
pub const MAX_SEGMENT_ATTRIBUTES: usize = 20;

/// How a project reads the attributes OpenTelemetry does not standardise for Vernier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The resource (or span) attribute holding the system version label.
    pub version_attribute: String,
    /// Span or resource attribute → the output's metadata key (a segment), e.g.
    /// `user.locale` → `language`.
    pub segments: BTreeMap<String, String>,
}

impl Default for Mapping {
    fn default() -> Self {
        Self {
            version_attribute: DEFAULT_VERSION_ATTRIBUTE.to_owned(),
            segments: BTreeMap::from([("user.locale".to_owned(), "language".to_owned())]),
        }
    }
}

impl Mapping {
    /// Parses the mapping form: an attribute name, and lines `attribute = metadata key`
    /// (blank lines and `#` comments skipped). Errors name the field and the line.
    pub fn parse(version_attribute: &str, segments: &str) -> Result<Self, AppError> {
        let version_attribute = attribute_name("version_attribute", version_attribute)?;
        let mut parsed = BTreeMap::new();
        for (number, line) in segments.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at =
                |message: String| AppError::invalid("segments", format!("line {}: {message}", number + 1));
            let (attribute, key) = line.split_once('=').ok_or_else(|| {
                at("write `attribute = metadata key`, e.g. `user.locale = language`".into())
            })?;
            let attribute = attribute_name("segments", attribute)
                .map_err(|_| at(format!("'{}' is not an attribute name", attribute.trim())))?;
            let key = key.trim();
            if key.is_empty()
                || key.chars().count() > 64
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(at(format!(
                    "'{key}' is not a metadata key (1 to 64 letters, digits, '_' or '-')"
                )));
            }
            if parsed.insert(attribute.clone(), key.to_owned()).is_some() {
                return Err(at(format!("'{attribute}' is mapped twice")));
            }
        }
        if parsed.len() > MAX_SEGMENT_ATTRIBUTES {
            return Err(AppError::invalid(
                "segments",
                format!(
                    "{} attributes mapped; at most {MAX_SEGMENT_ATTRIBUTES}",
                    parsed.len()
                ),
            ));
        }
        Ok(Self {
            version_attribute,
            segments: parsed,
        })
    }

    /// The segment lines as the form shows them.
    pub fn segment_lines(&self) -> String {
        self.segments
            .iter()
            .map(|(attribute, key)| format!("{attribute} = {key}\n"))
            .collect()
    }
}

fn attribute_name(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let fits = !value.is_empty()
        && value.chars().count() <= 128
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fits {
        Ok(value.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            format!("'{value}' is not an attribute name (1 to 128 letters, digits, '.', '_' or '-')"),
        ))
    }
}

/// What one received batch of spans became.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    /// Spans in the request.
    pub spans: u32,
    /// New outputs stored.
    pub outputs: u32,
    /// GenAI spans already stored (sent again): not stored twice.
    pub duplicates: u32,
    /// Evaluation events stored as scores of external metrics.
    pub evaluations: u32,
    /// GenAI spans refused (the OTLP partial success's `rejected_spans`).
    pub rejected: u32,
    /// Spans that are not GenAI generations, and evaluation events not stored, by reason.
    pub ignored: BTreeMap<String, u32>,
    /// Why spans were refused, the first few, each naming the span.
    pub problems: Vec<String>,
    /// Attribute names seen on the batch's spans and resources, with how many spans had them.
    pub attributes: BTreeMap<String, u32>,
}

/// Most problems kept with a batch.
pub const MAX_PROBLEMS: usize = 20;

impl BatchReport {
    /// Counts one ignored span or event under `reason`.
    pub fn ignore(&mut self, reason: impl Into<String>) {
        *self.ignored.entry(reason.into()).or_default() += 1;
    }

    /// Counts one refused span, keeping its problem while there is room.
    pub fn reject(&mut self, problem: String) {
        self.rejected += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// The partial-success message: the first problems, or empty when none was refused.
    pub fn error_message(&self) -> String {
        if self.rejected == 0 {
            return String::new();
        }
        let shown = self
            .problems
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        format!("{} span(s) refused: {shown}", self.rejected)
    }
}

/// A stored batch as the mapping page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchView {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    /// `protobuf` or `json`.
    pub encoding: String,
    pub report: BatchReport,
}

/// The mapping page's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Vernier's address as clients reach it, for the exporter's endpoint.
    pub public_url: String,
    pub mapping: Mapping,
    /// Newest first.
    pub batches: Vec<BatchView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_form_parses_lines_and_names_the_bad_one() {
        let mapping = Mapping::parse(
            " deployment.version ",
            "# ours\nuser.locale = language\n\napp.customer=customer\n",
        )
        .unwrap();
        assert_eq!(mapping.version_attribute, "deployment.version");
        assert_eq!(mapping.segments.len(), 2);
        assert_eq!(mapping.segments["app.customer"], "customer");
        assert_eq!(
            Mapping::parse("deployment.version", &mapping.segment_lines()).unwrap(),
            mapping
        );

        let error = Mapping::parse("service.version", "user.locale = language\nno equals sign").unwrap_err();
        assert_eq!(error.field(), Some("segments"));
        assert!(error.to_string().contains("line 2"), "{error}");
        let error = Mapping::parse("service version", "").unwrap_err();
        assert_eq!(error.field(), Some("version_attribute"));
        assert!(Mapping::parse("v", "a = b c").is_err());
        assert!(Mapping::parse("v", "a = b\na = c")
            .unwrap_err()
            .to_string()
            .contains("twice"));
        let many: String = (0..21).map(|i| format!("a{i} = k{i}\n")).collect();
        assert!(Mapping::parse("v", &many).is_err());
    }

    #[test]
    fn a_report_keeps_a_bounded_list_of_problems_and_says_them_in_its_message() {
        let mut report = BatchReport::default();
        assert_eq!(report.error_message(), "");
        for i in 0..25 {
            report.reject(format!("span {i}: no reply"));
        }
        report.ignore("not a GenAI span");
        report.ignore("not a GenAI span");
        assert_eq!(report.rejected, 25);
        assert_eq!(report.problems.len(), MAX_PROBLEMS);
        assert_eq!(report.ignored["not a GenAI span"], 2);
        assert!(report
            .error_message()
            .starts_with("25 span(s) refused: span 0: no reply; span 1"));
    }
}
