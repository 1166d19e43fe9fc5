//! A segment of traffic: one value of a metadata key.

use serde::{Deserialize, Serialize};

/// A segment: a metadata key and one of its values (`turn` holds `1-4` and `5+`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Segment {
    pub key: String,
    pub value: String,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}
