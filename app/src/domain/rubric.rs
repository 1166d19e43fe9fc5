//! Rubrics of human metrics: a scale, its levels (with descriptions and examples) and
//! instructions. Annotators press a level's key (its position, from 1) to rate.

use super::stats::krippendorff::Level as Measurement;
use super::text::bounded;
use crate::choice;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

choice!(
    /// How a rubric's levels relate.
    Scale, "scale" {
        Binary = "binary", "Binary (fail / pass)";
        Ordinal = "ordinal", "Ordinal 1..N";
        Categorical = "categorical", "Categorical";
    }
);

impl Scale {
    /// The levels of measurement Krippendorff's alpha is reported at: every level for ordinal
    /// scales (the ordinal one is the primary), nominal for categories and pass/fail.
    pub fn measurements(self) -> &'static [Measurement] {
        match self {
            Scale::Ordinal => &[Measurement::Ordinal, Measurement::Interval, Measurement::Nominal],
            Scale::Binary | Scale::Categorical => &[Measurement::Nominal],
        }
    }
}

/// Most levels a rubric may have (keys 1 to 9).
pub const MAX_LEVELS: usize = 9;

/// One level of a rubric: the value stored when it is chosen, and what it means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub value: f64,
    pub label: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A rubric as an editor submits it. `levels` holds one level per line:
/// `label | description | example; another example` (description and examples optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RubricInput {
    pub name: String,
    pub scale: String,
    pub levels: String,
    #[serde(default)]
    pub instructions: String,
}

/// A validated rubric.
#[derive(Debug, Clone, PartialEq)]
pub struct RubricDraft {
    pub name: String,
    pub scale: Scale,
    pub levels: Vec<Level>,
    pub instructions: String,
}

impl RubricDraft {
    /// Validates every field; the first problem is reported on its field.
    pub fn parse(input: &RubricInput) -> Result<Self, AppError> {
        let name = bounded("name", &input.name, 1, 120)?;
        let scale = Scale::parse(&input.scale)?;
        let levels = parse_levels(scale, &input.levels)?;
        let instructions = bounded("instructions", &input.instructions, 0, 10_000)?;
        Ok(Self {
            name,
            scale,
            levels,
            instructions,
        })
    }
}

/// Parses the level lines. Values follow from the scale: binary levels are 0 (fail, first
/// line) and 1 (pass); ordinal levels are 1..N in order; categories are numbered 1..N.
pub fn parse_levels(scale: Scale, text: &str) -> Result<Vec<Level>, AppError> {
    let bad = |message: String| AppError::invalid("levels", message);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match scale {
        Scale::Binary if lines.len() != 2 => {
            return Err(bad(format!(
                "a binary rubric has exactly two levels, fail then pass (got {})",
                lines.len()
            )))
        }
        _ if lines.len() < 2 || lines.len() > MAX_LEVELS => {
            return Err(bad(format!(
                "needs 2 to {MAX_LEVELS} levels, one per line (got {})",
                lines.len()
            )))
        }
        _ => {}
    }
    let mut levels: Vec<Level> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let label = parts.next().unwrap_or_default();
        let description = parts.next().unwrap_or_default();
        let examples = parts.next().unwrap_or_default();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(bad(format!(
                "line {}: a level needs a label of 1 to 80 characters",
                i + 1
            )));
        }
        if levels.iter().any(|l| l.label.eq_ignore_ascii_case(label)) {
            return Err(bad(format!("line {}: the label '{label}' is used twice", i + 1)));
        }
        let examples: Vec<String> = examples
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        // The examples are measured as they are written back ("a; b"), so what is accepted
        // is accepted again when the form shows it.
        if description.chars().count() > 2_000 || examples.join("; ").chars().count() > 4_000 {
            return Err(bad(format!("line {}: description or examples too long", i + 1)));
        }
        let value = match scale {
            Scale::Binary => i as f64,
            Scale::Ordinal | Scale::Categorical => (i + 1) as f64,
        };
        levels.push(Level {
            value,
            label: label.to_owned(),
            description: description.to_owned(),
            examples,
        });
    }
    Ok(levels)
}

/// The level lines of `levels`, as the edit form shows them.
pub fn levels_text(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| match (l.description.is_empty(), l.examples.is_empty()) {
            // Empty parts at the end are left out, not trimmed away: an example may end in '|'.
            (true, true) => l.label.clone(),
            (_, true) => format!("{} | {}", l.label, l.description),
            _ => format!("{} | {} | {}", l.label, l.description, l.examples.join("; ")),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The level chosen with key `digit` (1 = the first level).
pub fn level_for_key(levels: &[Level], digit: u32) -> Option<&Level> {
    levels.get((digit as usize).checked_sub(1)?)
}

/// The label of the level with `value`, or the number itself.
pub fn label_of(levels: &[Level], value: f64) -> String {
    levels
        .iter()
        .find(|l| l.value == value)
        .map_or_else(|| value.to_string(), |l| l.label.clone())
}

/// The range of the level values, for combining a human score with an automated one.
pub fn value_range(levels: &[Level]) -> (f64, f64) {
    let values = levels.iter().map(|l| l.value);
    (
        values.clone().fold(f64::INFINITY, f64::min),
        values.fold(f64::NEG_INFINITY, f64::max),
    )
}

/// A rubric's current version, as pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricView {
    pub id: i64,
    pub version_id: i64,
    pub name: String,
    pub version: i32,
    pub scale: Scale,
    pub levels: Vec<Level>,
    pub instructions: String,
    /// Ratings made under any version of the rubric.
    pub ratings: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(scale: &str, levels: &str) -> RubricInput {
        RubricInput {
            name: "Helpfulness".into(),
            scale: scale.into(),
            levels: levels.into(),
            instructions: "Rate the reply as the customer would.".into(),
        }
    }

    #[test]
    fn ordinal_levels_are_numbered_from_one_with_descriptions_and_examples() {
        let draft = RubricDraft::parse(&input(
            "ordinal",
            "Useless | Does not address the question\nPartly | Some help | Answers half; misses the deadline\nComplete | Fully answers",
        ))
        .unwrap();
        let values: Vec<f64> = draft.levels.iter().map(|l| l.value).collect();
        assert_eq!(values, [1.0, 2.0, 3.0]);
        assert_eq!(draft.levels[1].examples, ["Answers half", "misses the deadline"]);
        assert_eq!(value_range(&draft.levels), (1.0, 3.0));
        assert_eq!(level_for_key(&draft.levels, 3).unwrap().label, "Complete");
        assert!(level_for_key(&draft.levels, 0).is_none());
        assert_eq!(
            parse_levels(Scale::Ordinal, &levels_text(&draft.levels)).unwrap(),
            draft.levels
        );
    }

    /// Found by the rubric fuzz target: writing levels back trimmed every trailing '|', so an
    /// example ending in one lost it.
    #[test]
    fn levels_written_as_text_keep_an_example_that_ends_in_a_bar() {
        let draft = RubricDraft::parse(&input(
            "ordinal",
            "Useless\nPartial | | Asks \"yes |\" |\nFull | Answers",
        ))
        .unwrap();
        assert_eq!(draft.levels[1].examples, ["Asks \"yes |\" |"]);
        assert_eq!(draft.levels[1].description, "");
        assert_eq!(
            levels_text(&draft.levels),
            "Useless\nPartial |  | Asks \"yes |\" |\nFull | Answers"
        );
        assert_eq!(
            parse_levels(Scale::Ordinal, &levels_text(&draft.levels)).unwrap(),
            draft.levels
        );
    }

    /// Found by the rubric fuzz target: "a;b" is written back as "a; b", so a limit on the
    /// typed text let examples through that were refused when the form was saved unchanged.
    #[test]
    fn examples_are_measured_as_they_are_written_back() {
        let packed = vec!["x"; 1_500].join(";"); // 2,999 characters typed, 4,498 written
        let error = RubricDraft::parse(&input("ordinal", &format!("Low | | {packed}\nHigh"))).unwrap_err();
        assert_eq!(error.field(), Some("levels"));
        let fits = vec!["x"; 1_333].join(";"); // 3,997 written
        let draft = RubricDraft::parse(&input("ordinal", &format!("Low | | {fits}\nHigh"))).unwrap();
        assert_eq!(
            parse_levels(Scale::Ordinal, &levels_text(&draft.levels)).unwrap(),
            draft.levels
        );
    }

    #[test]
    fn binary_levels_are_fail_then_pass() {
        let draft = RubricDraft::parse(&input("binary", "Wrong language\nRight language")).unwrap();
        assert_eq!((draft.levels[0].value, draft.levels[1].value), (0.0, 1.0));
        let error = RubricDraft::parse(&input("binary", "a\nb\nc")).unwrap_err();
        assert_eq!(error.field(), Some("levels"));
    }

    #[test]
    fn bad_rubrics_name_the_field() {
        for (bad, field) in [
            (input("ordinal", "Only one"), "levels"),
            (input("ordinal", "Same\nsame"), "levels"),
            (input("ordinal", " | no label\nB"), "levels"),
            (input("likert", "A\nB"), "scale"),
            (
                RubricInput {
                    name: " ".into(),
                    ..input("ordinal", "A\nB")
                },
                "name",
            ),
        ] {
            assert_eq!(
                RubricDraft::parse(&bad).unwrap_err().field(),
                Some(field),
                "{bad:?}"
            );
        }
        let ten: String = (1..=10).map(|i| format!("L{i}\n")).collect();
        assert!(parse_levels(Scale::Ordinal, &ten).is_err());
    }

    #[test]
    fn ordinal_scales_report_alpha_at_every_level() {
        assert_eq!(Scale::Ordinal.measurements()[0], Measurement::Ordinal);
        assert_eq!(Scale::Binary.measurements(), [Measurement::Nominal]);
    }
}
