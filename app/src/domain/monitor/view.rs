//! Monitors and alert events as the alerts page shows them.

use super::draft::MonitorSpec;
use super::MonitorState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A monitor with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorView {
    pub id: i64,
    pub spec: MonitorSpec,
    pub metric_name: String,
    pub state: MonitorState,
    /// When the state last changed.
    pub since: DateTime<Utc>,
    pub muted_until: Option<DateTime<Utc>>,
    /// The last evaluation's value in words ("34.2% of 50"), or why there is none.
    pub last_observed: String,
    pub evaluated_at: Option<DateTime<Utc>>,
    /// The open alert (the firing event not yet acknowledged), if any.
    pub open_event: Option<i64>,
}

impl MonitorView {
    /// The monitor's scope in words: "language=de, prompt-v2" or "all traffic".
    pub fn scope(&self) -> String {
        let parts: Vec<String> = self
            .spec
            .segment
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(self.spec.version.clone())
            .collect();
        if parts.is_empty() {
            "all traffic".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One notification in the alert history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AlertEvent {
    pub id: i64,
    pub monitor_id: i64,
    pub monitor: String,
    pub metric_name: String,
    pub previous_state: MonitorState,
    pub state: MonitorState,
    pub reason: super::Reason,
    pub observed_text: String,
    pub verdicts: i64,
    pub at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}
