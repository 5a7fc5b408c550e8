//! What guardrail plugins report: each flag, block or redaction of a request, as the
//! `cf-aig-guardrails` response header and the log entry's `guardrails` show it (a JSON array of
//! `{"plugin", "action", "rule"}`). A rule is named, never quoted with what it matched: the
//! matched text may be exactly what must not be repeated (a card number, a secret).

use serde::{Deserialize, Serialize};

/// The response header listing a request's guardrail events.
pub const GUARDRAILS_HEADER: &str = "cf-aig-guardrails";

/// What a guardrail did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Noted; the request went on unchanged.
    Flag,
    /// Refused.
    Block,
    /// Changed before it went on (redacted, capped, pinned).
    Redact,
    Rewrite,
}

/// One guardrail event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailEvent {
    pub plugin: String,
    pub action: Action,
    /// The rule's name (`words[2]`, `email`, `deny[0]`).
    pub rule: String,
}

impl GuardrailEvent {
    pub fn new(plugin: &str, action: Action, rule: impl Into<String>) -> Self {
        GuardrailEvent { plugin: plugin.to_string(), action, rule: rule.into() }
    }
}

/// The header (and log) value of `events`: a JSON array; `None` when there are none.
pub fn events_json(events: &[GuardrailEvent]) -> Option<String> {
    (!events.is_empty()).then(|| serde_json::to_string(events).unwrap_or_else(|_| "[]".into()))
}
