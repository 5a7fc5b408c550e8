//! `PATCH /api/logs/{id}`: human feedback on one entry, in Cloudflare's shape
//! `{"feedback": 1 | -1, "score"?: 0..=100, "comment"?: string}`.
//!
//! Runs in the shard that holds the id. Only the fields present are changed.

use serde::Deserialize;

use crate::error::GatewayError;
use crate::logs::sql::{SqlValue, Statement};
use crate::redact::{redact, KnownSecrets};

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// A validated feedback patch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedbackPatch {
    pub feedback: Option<i8>,
    pub score: Option<f64>,
    pub comment: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    feedback: Option<serde_json::Value>,
    score: Option<serde_json::Value>,
    comment: Option<serde_json::Value>,
}

/// Parses and validates a PATCH body.
///
/// Errors: 400 naming the field — body not a JSON object or with unknown fields, `feedback` not 1
/// or -1, `score` not a number from 0 to 100, `comment` not a string of at most 1000 characters,
/// or no field at all. A secret in the comment is replaced ([`crate::redact`]).
pub fn parse_feedback(body: &str) -> Result<FeedbackPatch, GatewayError> {
    let raw: Raw = serde_json::from_str(body).map_err(|e| {
        GatewayError::invalid(format!(
            "feedback body must be a JSON object with feedback (1 or -1), score (0-100) and comment: {e}"
        ))
    })?;
    let feedback = match raw.feedback {
        None => None,
        Some(v) => match v.as_i64() {
            Some(1) => Some(1),
            Some(-1) => Some(-1),
            _ => return Err(GatewayError::invalid(format!("feedback must be 1 or -1, got {v}"))),
        },
    };
    let score = match raw.score {
        None => None,
        Some(v) => match v.as_f64() {
            Some(s) if (0.0..=100.0).contains(&s) => Some(s),
            _ => return Err(GatewayError::invalid(format!("score must be a number from 0 to 100, got {v}"))),
        },
    };
    let comment = match raw.comment {
        None => None,
        // Scrubbed like every stored text: a key pasted into a comment is not kept.
        Some(serde_json::Value::String(s)) if s.chars().count() <= MAX_COMMENT_CHARS => {
            Some(redact(&s, &KnownSecrets::new()).into_owned())
        }
        Some(_) => {
            return Err(GatewayError::invalid(format!(
                "comment must be a string of at most {MAX_COMMENT_CHARS} characters"
            )))
        }
    };
    let patch = FeedbackPatch { feedback, score, comment };
    if patch == FeedbackPatch::default() {
        return Err(GatewayError::invalid("feedback body must set at least one of feedback, score or comment"));
    }
    Ok(patch)
}

/// The `UPDATE` applying a patch to entry `id`. The shard answers 404 when it changed no row.
pub fn patch_statement(id: &str, patch: &FeedbackPatch) -> Statement {
    let mut sets = Vec::new();
    let mut binds: Vec<SqlValue> = Vec::new();
    if let Some(f) = patch.feedback {
        sets.push("feedback = ?");
        binds.push(SqlValue::Integer(i64::from(f)));
    }
    if let Some(s) = patch.score {
        sets.push("score = ?");
        binds.push(SqlValue::Real(s));
    }
    if let Some(c) = &patch.comment {
        sets.push("comment = ?");
        binds.push(c.as_str().into());
    }
    if sets.is_empty() {
        // parse_feedback never returns an empty patch; keep the statement valid anyway.
        sets.push("id = id");
    }
    binds.push(id.into());
    (format!("UPDATE logs SET {} WHERE id = ?", sets.join(", ")), binds)
}

#[cfg(test)]
#[path = "feedback_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "feedback_props.rs"]
mod props;
