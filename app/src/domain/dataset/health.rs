//! A dataset's health: is it balanced, diverse, free of duplicates, does it cover what
//! production sees, and is it kept up to date. Each check is a rule over counts with a
//! documented, adjustable threshold ([`Thresholds`]); a broken rule is a [`Warning`].

use super::Item;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The thresholds of the health rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A label or tag value holding less than this share of the labelled items is rare.
    pub min_class_share: f64,
    /// Items from this Jaccard similarity on are near-duplicates.
    pub near_duplicate: f64,
    /// A production segment value with at least this share of the last 30 days' outputs…
    pub coverage_share: f64,
    /// …needs at least this many items.
    pub coverage_items: u64,
    /// A dataset unchanged and unreviewed for longer than this is stale.
    pub stale_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_class_share: 0.05,
            near_duplicate: super::minhash::DEFAULT_THRESHOLD,
            coverage_share: 0.05,
            coverage_items: 5,
            stale_days: 90,
        }
    }
}

/// The thresholds as typed in the health page's form (percentages and whole numbers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdForm {
    pub min_class_share: String,
    pub near_duplicate: String,
    pub coverage_share: String,
    pub coverage_items: String,
    pub stale_days: String,
}

impl ThresholdForm {
    /// Blank fields keep their default; the first wrong field is named.
    pub fn parse(&self) -> Result<Thresholds, AppError> {
        let d = Thresholds::default();
        let percent = |field: &str, value: &str, default: f64| -> Result<f64, AppError> {
            let v = value.trim().trim_end_matches('%').trim();
            if v.is_empty() {
                return Ok(default);
            }
            match v.parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(p / 100.0),
                _ => Err(AppError::invalid(field, "must be a percentage from 0 to 100")),
            }
        };
        let whole = |field: &str, value: &str, default: i64, max: i64| -> Result<i64, AppError> {
            let v = value.trim();
            if v.is_empty() {
                return Ok(default);
            }
            match v.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => Ok(n),
                _ => Err(AppError::invalid(
                    field,
                    format!("must be a whole number from 0 to {max}"),
                )),
            }
        };
        Ok(Thresholds {
            min_class_share: percent("min_class_share", &self.min_class_share, d.min_class_share)?,
            near_duplicate: percent("near_duplicate", &self.near_duplicate, d.near_duplicate)?,
            coverage_share: percent("coverage_share", &self.coverage_share, d.coverage_share)?,
            coverage_items: whole(
                "coverage_items",
                &self.coverage_items,
                d.coverage_items as i64,
                100_000,
            )? as u64,
            stale_days: whole("stale_days", &self.stale_days, d.stale_days, 3650)?,
        })
    }
}

/// One value's count within a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub value: String,
    pub items: u64,
    pub share: f64,
}

/// The distribution of one dimension (the expected label, language, topic, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    pub dimension: String,
    /// Items with a value in this dimension.
    pub labelled: u64,
    /// Largest first.
    pub shares: Vec<Share>,
}

impl Balance {
    pub fn largest(&self) -> Option<&Share> {
        self.shares.first()
    }
    pub fn smallest(&self) -> Option<&Share> {
        self.shares.last()
    }
}

/// Counts each dimension's values over the items: the expected label, then the tags.
pub fn balances(items: &[Item]) -> Vec<Balance> {
    let mut counts: BTreeMap<&'static str, BTreeMap<String, u64>> = BTreeMap::new();
    for item in items {
        if let Some(label) = &item.expected_label {
            *counts
                .entry("label")
                .or_default()
                .entry(label.clone())
                .or_default() += 1;
        }
        for (dimension, value) in item.tags.dimensions() {
            *counts.entry(dimension).or_default().entry(value).or_default() += 1;
        }
    }
    let order = ["label", "language", "topic", "difficulty", "edge case", "tag"];
    order
        .iter()
        .filter_map(|dimension| {
            let values = counts.remove(dimension)?;
            // Free tags are not exclusive: their shares are of all items.
            let labelled = if *dimension == "tag" {
                items.len() as u64
            } else {
                values.values().sum()
            };
            let mut shares: Vec<Share> = values
                .into_iter()
                .map(|(value, n)| Share {
                    value,
                    items: n,
                    share: n as f64 / labelled.max(1) as f64,
                })
                .collect();
            shares.sort_by(|a, b| b.items.cmp(&a.items).then(a.value.cmp(&b.value)));
            Some(Balance {
                dimension: dimension.to_string(),
                labelled,
                shares,
            })
        })
        .collect()
}

/// A production segment value and how the dataset covers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub key: String,
    pub value: String,
    /// Its share of the last 30 days' production outputs.
    pub production_share: f64,
    /// Dataset items with that value (in the item's tag of the same name, else a free tag
    /// `key=value`).
    pub items: u64,
}

/// How many items carry `key=value`: the known tags by name, any other key as a free tag
/// written `key=value` (or the bare value).
pub fn items_with(items: &[Item], key: &str, value: &str) -> u64 {
    let free = format!("{key}={value}");
    items
        .iter()
        .filter(|item| match key {
            "language" => item
                .tags
                .language
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(value)),
            "topic" => item
                .tags
                .topic
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(value)),
            _ => item.tags.tags.iter().any(|t| *t == free || t == value),
        })
        .count() as u64
}

/// How many production outputs carried one value of a segment key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentCount {
    pub key: String,
    pub value: String,
    pub outputs: u64,
}

/// The production segment values, with their counts, out of `total` outputs, that reach the
/// coverage share; each with the dataset's items for it.
pub fn coverage(items: &[Item], production: &[SegmentCount], total: u64, t: &Thresholds) -> Vec<Coverage> {
    let share = |n: u64| n as f64 / total as f64;
    let mut rows: Vec<Coverage> = production
        .iter()
        .filter(|s| total > 0 && share(s.outputs) >= t.coverage_share)
        .map(|s| Coverage {
            key: s.key.clone(),
            value: s.value.clone(),
            production_share: share(s.outputs),
            items: items_with(items, &s.key, &s.value),
        })
        .collect();
    rows.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(b.production_share.total_cmp(&a.production_share))
    });
    rows
}

/// A broken health rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Warning {
    /// A value of a dimension below the minimum share.
    Rare {
        dimension: String,
        value: String,
        share: f64,
    },
    /// Near-duplicate (or exact duplicate) item pairs.
    Duplicates { pairs: usize, exact: usize },
    /// A production segment value with too few items.
    Uncovered {
        key: String,
        value: String,
        production_share: f64,
        items: u64,
    },
    /// No change and no review for longer than allowed.
    Stale { days: i64 },
    /// Annotators who rated the same items agree too little (alpha below 0.667, Krippendorff's
    /// lowest bound for tentative conclusions).
    Inconsistent { metric: String, alpha: f64 },
}

/// Krippendorff's (2004) smallest alpha from which tentative conclusions are acceptable.
pub const MIN_ALPHA: f64 = 0.667;

impl Warning {
    pub fn describe(&self) -> String {
        match self {
            Warning::Rare {
                dimension,
                value,
                share,
            } => format!("{dimension} '{value}' is only {:.1}% of the items", share * 100.0),
            Warning::Duplicates { pairs, exact } => format!(
                "{pairs} near-duplicate pair{} ({exact} exact)",
                if *pairs == 1 { "" } else { "s" }
            ),
            Warning::Uncovered {
                key,
                value,
                production_share,
                items,
            } => format!(
                "{key}={value} is {:.1}% of production but has {items} item{}",
                production_share * 100.0,
                if *items == 1 { "" } else { "s" }
            ),
            Warning::Stale { days } => format!("unchanged and unreviewed for {days} days"),
            Warning::Inconsistent { metric, alpha } => {
                format!("annotators agree too little on {metric} (alpha {alpha:.2} < {MIN_ALPHA})")
            }
        }
    }
}

/// What the rules found, in the order the page lists them.
pub struct Facts<'a> {
    pub balances: &'a [Balance],
    pub duplicates: &'a [super::minhash::Pair],
    pub coverage: &'a [Coverage],
    /// Days since the last change or review (whichever is later).
    pub idle_days: i64,
    /// Krippendorff's alpha per metric over items rated by several people.
    pub agreement: &'a [(String, Option<f64>)],
}

/// The warnings the facts raise under the thresholds.
pub fn warnings(facts: &Facts, t: &Thresholds) -> Vec<Warning> {
    let mut out = Vec::new();
    for balance in facts.balances {
        // A yes/no edge-case flag and free tags are not classes to balance.
        if balance.dimension == "tag" || balance.dimension == "edge case" || balance.shares.len() < 2 {
            continue;
        }
        for share in &balance.shares {
            if share.share < t.min_class_share {
                out.push(Warning::Rare {
                    dimension: balance.dimension.clone(),
                    value: share.value.clone(),
                    share: share.share,
                });
            }
        }
    }
    if !facts.duplicates.is_empty() {
        out.push(Warning::Duplicates {
            pairs: facts.duplicates.len(),
            exact: facts.duplicates.iter().filter(|p| p.exact).count(),
        });
    }
    for c in facts.coverage {
        if c.items < t.coverage_items {
            out.push(Warning::Uncovered {
                key: c.key.clone(),
                value: c.value.clone(),
                production_share: c.production_share,
                items: c.items,
            });
        }
    }
    if facts.idle_days > t.stale_days {
        out.push(Warning::Stale {
            days: facts.idle_days,
        });
    }
    for (metric, alpha) in facts.agreement {
        if let Some(alpha) = alpha.filter(|a| *a < MIN_ALPHA) {
            out.push(Warning::Inconsistent {
                metric: metric.clone(),
                alpha,
            });
        }
    }
    out
}
