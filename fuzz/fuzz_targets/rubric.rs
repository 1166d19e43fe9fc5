//! Rubric parsing: name, scale, level lines and instructions (split on NUL) validate or are
//! refused on a field; a rubric that validates has 2 to 9 levels with distinct values, and its
//! levels written back as text parse to the same levels.
#![no_main]

use app::domain::rubric::{label_of, levels_text, parse_levels, value_range, RubricDraft, RubricInput, MAX_LEVELS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '\0');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    let input = RubricInput {
        name: next(),
        scale: next(),
        levels: next(),
        instructions: next(),
    };
    let draft = match RubricDraft::parse(&input) {
        Ok(draft) => draft,
        Err(error) => {
            assert!(error.field().is_some(), "a refusal names its field: {error:?}");
            return;
        }
    };
    assert!((2..=MAX_LEVELS).contains(&draft.levels.len()), "{} levels", draft.levels.len());
    let (low, high) = value_range(&draft.levels);
    assert!(low < high);
    for level in &draft.levels {
        assert_eq!(label_of(&draft.levels, level.value), level.label);
    }
    let again = parse_levels(draft.scale, &levels_text(&draft.levels)).expect("written levels parse");
    assert_eq!(again, draft.levels, "levels survive being written as text");
});
