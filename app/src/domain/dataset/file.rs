//! Dataset files: JSONL (one item per line, as [`Item`] serialises) and CSV (one column per
//! field, `tags` separated by `;`), read whole or refused whole — every bad line is listed with
//! its field, and nothing is stored — and written back in the same shapes, so an export
//! imports unchanged.

use super::{check_all, Difficulty, Item, LineError, Origin, Tags};
use serde_json::Value;

/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The CSV columns, in the order an export writes them. `id` and `input` are required.
pub const COLUMNS: [&str; 13] = [
    "id",
    "input",
    "expected_output",
    "expected_label",
    "language",
    "topic",
    "difficulty",
    "edge_case",
    "tags",
    "case_id",
    "variant",
    "source",
    "output_id",
];

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// By the file name's ending, else by the first character (`{` is JSONL).
    pub fn guess(file_name: &str, text: &str) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Format::Csv
        } else if lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
            || text.trim_start().starts_with('{')
        {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

fn error(line: usize, field: &str, message: impl Into<String>) -> LineError {
    LineError {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Reads a whole file into checked items, or every problem in it.
pub fn read(text: &str, format: Format) -> Result<Vec<Item>, Vec<LineError>> {
    check_all(read_lines(text, format)?)
}

/// Reads a whole file into items at their lines, not yet checked (see [`check_all`]), or every
/// problem of form in it.
pub fn read_lines(text: &str, format: Format) -> Result<Vec<(usize, Item)>, Vec<LineError>> {
    if text.len() > MAX_BYTES {
        return Err(vec![error(
            0,
            "file",
            format!("is {} bytes; at most {MAX_BYTES} are accepted", text.len()),
        )]);
    }
    let parsed = match format {
        Format::Jsonl => read_jsonl(text),
        Format::Csv => read_csv(text),
    }?;
    if parsed.is_empty() {
        return Err(vec![error(0, "file", "has no items")]);
    }
    Ok(parsed)
}

fn read_jsonl(text: &str) -> Result<Vec<(usize, Item)>, Vec<LineError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                errors.push(error(line, "line", format!("is not JSON: {e}")));
                continue;
            }
        };
        match serde_path_to_error::deserialize::<_, Item>(value) {
            Ok(item) => items.push((line, item)),
            Err(e) => {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path == "." {
                    // serde names the missing or unknown field in the message.
                    message
                        .split('`')
                        .nth(1)
                        .map_or_else(|| "line".to_owned(), str::to_owned)
                } else {
                    path
                };
                errors.push(error(line, &field, message));
            }
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn read_csv(text: &str) -> Result<Vec<(usize, Item)>, Vec<LineError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![error(1, "header", e.to_string())]),
    };
    let mut errors = Vec::new();
    for column in &headers {
        if !COLUMNS.contains(&column.as_str()) {
            errors.push(error(
                1,
                column,
                format!("is not a column; the columns are: {}", COLUMNS.join(", ")),
            ));
        }
    }
    for required in ["id", "input"] {
        if !headers.iter().any(|h| h == required) {
            errors.push(error(1, required, "the column is missing"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut items = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(error(line, "line", e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let owned = |name: &str| cell(name).map(str::to_owned);
        let before = errors.len();
        let difficulty = match cell("difficulty")
            .map(|d| Difficulty::parse("difficulty", d))
            .transpose()
        {
            Ok(d) => d,
            Err(e) => {
                errors.push(from_app(line, e));
                None
            }
        };
        let edge_case = match cell("edge_case").map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "no" | "0") => false,
            Some("true" | "yes" | "1") => true,
            Some(other) => {
                errors.push(error(
                    line,
                    "edge_case",
                    format!("'{other}' is not one of: true, false, yes, no, 1, 0"),
                ));
                false
            }
        };
        let source = match cell("source").map(|s| Origin::parse("source", s)).transpose() {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => {
                errors.push(from_app(line, e));
                Origin::Hand
            }
        };
        let output_id = match cell("output_id").map(str::parse::<i64>).transpose() {
            Ok(id) => id,
            Err(_) => {
                errors.push(error(line, "output_id", "must be a whole number"));
                None
            }
        };
        if errors.len() > before {
            continue;
        }
        items.push((
            line,
            Item {
                id: owned("id").unwrap_or_default(),
                input: owned("input"),
                messages: None,
                expected_output: owned("expected_output"),
                expected_label: owned("expected_label"),
                tags: Tags {
                    language: owned("language"),
                    topic: owned("topic"),
                    difficulty,
                    edge_case,
                    tags: cell("tags")
                        .map(|t| {
                            t.split(';')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                },
                case_id: owned("case_id"),
                variant: owned("variant"),
                source,
                output_id,
            },
        ));
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn from_app(line: usize, e: crate::error::AppError) -> LineError {
    match e {
        crate::error::AppError::Validation { field, message } => error(line, &field, message),
        other => error(line, "line", other.to_string()),
    }
}

/// The items as JSONL.
pub fn write_jsonl(items: &[Item]) -> String {
    items
        .iter()
        .map(|item| serde_json::to_string(item).unwrap_or_default() + "\n")
        .collect()
}

/// The items as CSV, with [`COLUMNS`]. Items with messages keep only their user turns as the
/// input (CSV has no column for a conversation; export JSONL to keep it).
pub fn write_csv(items: &[Item]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(COLUMNS);
    for item in items {
        let tags = &item.tags;
        let _ = writer.write_record([
            item.id.clone(),
            item.prompt_text(),
            item.expected_output.clone().unwrap_or_default(),
            item.expected_label.clone().unwrap_or_default(),
            tags.language.clone().unwrap_or_default(),
            tags.topic.clone().unwrap_or_default(),
            tags.difficulty.map(|d| d.as_str().to_owned()).unwrap_or_default(),
            if tags.edge_case { "true" } else { "false" }.to_owned(),
            tags.tags.join(";"),
            item.case_id.clone().unwrap_or_default(),
            item.variant.clone().unwrap_or_default(),
            item.source.as_str().to_owned(),
            item.output_id.map(|id| id.to_string()).unwrap_or_default(),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
