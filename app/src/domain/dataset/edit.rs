//! How new items change a dataset's content: the next version is the current one with the
//! incoming items added or updated by id ([`Mode::Upsert`]), or the incoming items alone
//! ([`Mode::Replace`]). What would change is counted first, for the import preview.

use super::{check_all, Item, LineError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How incoming items meet the current ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// New ids are added at the end; known ids are replaced in place.
    #[default]
    Upsert,
    /// The incoming items are the whole next version.
    Replace,
}

impl Mode {
    pub fn parse(value: &str) -> Mode {
        if value == "replace" {
            Mode::Replace
        } else {
            Mode::Upsert
        }
    }
}

/// What a change does to the current version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl Counts {
    /// Whether the change would write a version identical to the current one.
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.changed == 0 && self.removed == 0
    }
}

/// The next version's items and what changed, or every problem (an incoming item at its line;
/// a conflict with a kept item names the kept one).
pub fn apply(
    current: &[Item],
    incoming: Vec<(usize, Item)>,
    mode: Mode,
) -> Result<(Vec<Item>, Counts), Vec<LineError>> {
    let at: Vec<usize> = incoming.iter().map(|(line, _)| *line).collect();
    // Checked items come back in order (ids trimmed): their lines follow by position.
    let incoming = check_all(incoming)?;
    let lines: HashMap<String, usize> = incoming
        .iter()
        .zip(at)
        .map(|(i, line)| (i.id.clone(), line))
        .collect();
    let mut counts = Counts::default();
    let by_id: HashMap<&str, &Item> = incoming.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut next: Vec<(usize, Item)> = Vec::new();
    match mode {
        Mode::Replace => {
            let known: HashMap<&str, &Item> = current.iter().map(|i| (i.id.as_str(), i)).collect();
            for item in &incoming {
                match known.get(item.id.as_str()) {
                    None => counts.added += 1,
                    Some(old) if *old == item => counts.unchanged += 1,
                    Some(_) => counts.changed += 1,
                }
            }
            counts.removed = current
                .iter()
                .filter(|i| !by_id.contains_key(i.id.as_str()))
                .count();
            next.extend(incoming.iter().map(|i| (lines[&i.id], i.clone())));
        }
        Mode::Upsert => {
            for old in current {
                match by_id.get(old.id.as_str()) {
                    Some(new) if *new == old => {
                        counts.unchanged += 1;
                        next.push((lines[&old.id], old.clone()));
                    }
                    Some(new) => {
                        counts.changed += 1;
                        next.push((lines[&old.id], (*new).clone()));
                    }
                    None => next.push((0, old.clone())),
                }
            }
            let known: std::collections::HashSet<&str> = current.iter().map(|i| i.id.as_str()).collect();
            for item in &incoming {
                if !known.contains(item.id.as_str()) {
                    counts.added += 1;
                    next.push((lines[&item.id], item.clone()));
                }
            }
        }
    }
    Ok((check_all(next)?, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dataset::tests::item;

    #[test]
    fn upsert_keeps_order_updates_in_place_and_appends_new_ids() {
        let current = vec![item("a", "1"), item("b", "2"), item("c", "3")];
        let (next, counts) = apply(
            &current,
            vec![(1, item("d", "4")), (2, item("b", "two")), (3, item("c", "3"))],
            Mode::Upsert,
        )
        .unwrap();
        let ids: Vec<(&str, &str)> = next
            .iter()
            .map(|i| (i.id.as_str(), i.input.as_deref().unwrap()))
            .collect();
        assert_eq!(ids, vec![("a", "1"), ("b", "two"), ("c", "3"), ("d", "4")]);
        assert_eq!(
            counts,
            Counts {
                added: 1,
                changed: 1,
                unchanged: 1,
                removed: 0
            }
        );
    }

    #[test]
    fn replace_counts_what_goes_and_a_kept_items_conflict_is_named() {
        let current = vec![item("a", "1"), item("b", "2")];
        let (next, counts) = apply(
            &current,
            vec![(1, item("b", "2")), (2, item("z", "9"))],
            Mode::Replace,
        )
        .unwrap();
        assert_eq!(next.len(), 2);
        assert_eq!(
            counts,
            Counts {
                added: 1,
                changed: 0,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(apply(&current, vec![(1, item("a", "1"))], Mode::Upsert)
            .unwrap()
            .1
            .is_empty());
        // A new variant that repeats a kept item's variant of the same case.
        let variant = |id: &str| Item {
            case_id: Some("k".into()),
            variant: Some("few-shot".into()),
            ..item(id, "x")
        };
        let errors = apply(&[variant("a")], vec![(4, variant("b"))], Mode::Upsert).unwrap_err();
        assert_eq!((errors[0].line, errors[0].field.as_str()), (4, "variant"));
        // An id with spaces around it is the id without them.
        let (next, _) = apply(&[item("a", "1")], vec![(2, item(" a ", "one"))], Mode::Upsert).unwrap();
        assert_eq!((next.len(), next[0].input.as_deref()), (1, Some("one")));
        let errors = apply(&[variant("a")], vec![(4, item("bad id", "x"))], Mode::Upsert).unwrap_err();
        assert_eq!((errors[0].line, errors[0].field.as_str()), (4, "id"));
    }
}
