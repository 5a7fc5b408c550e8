//! Export of a page of entries as JSON Lines or CSV (`GET /api/logs?format=jsonl|csv`); the
//! fine-tuning format (`format=finetune`) is [`crate::logs::finetune`].
//!
//! CSV follows RFC 4180: comma-separated, CRLF line ends, a header row, and a field quoted (with
//! `"` doubled) when it holds a comma, quote, CR or LF, or starts or ends with a space. Missing
//! values are empty fields; metadata is its JSON text. Values are written as stored: a
//! spreadsheet may interpret fields starting with `=`, `+`, `-` or `@` as formulas.

use crate::error::GatewayError;
use crate::logs::entry::LogEntry;
use crate::logs::query::parse_pairs;

/// The body format of `GET /api/logs`, from its `format` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// `{"entries": […], "next_cursor": …}` (default).
    #[default]
    Json,
    Jsonl,
    Csv,
    /// OpenAI chat fine-tuning examples of the successful entries ([`crate::logs::finetune`]).
    FineTune,
}

impl ExportFormat {
    /// Reads `format` from the query string: `json` (default), `jsonl`, `csv` or `finetune`.
    ///
    /// Errors: 400 naming `format` for any other value.
    pub fn from_query(query: &str) -> Result<ExportFormat, GatewayError> {
        match parse_pairs(query)?.iter().find(|(k, _)| k == "format").map(|(_, v)| v.as_str()) {
            None | Some("json") => Ok(ExportFormat::Json),
            Some("jsonl") => Ok(ExportFormat::Jsonl),
            Some("csv") => Ok(ExportFormat::Csv),
            Some("finetune") => Ok(ExportFormat::FineTune),
            Some(other) => {
                Err(GatewayError::invalid(format!("format must be json, jsonl, csv or finetune, got {other:?}")))
            }
        }
    }

    /// The response `content-type`.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Jsonl | ExportFormat::FineTune => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One JSON object per entry, each line ending in `\n`.
pub fn to_jsonl(entries: &[LogEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        // A LogEntry always serializes (string keys, finite numbers); skip rather than panic.
        if let Ok(line) = serde_json::to_string(e) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "created_at_ms",
    "gateway",
    "provider",
    "model",
    "endpoint",
    "method",
    "status",
    "success",
    "duration_ms",
    "ttfb_ms",
    "tokens_in",
    "tokens_out",
    "tokens_cached",
    "tokens_estimated",
    "cost",
    "cache_status",
    "step",
    "attempts",
    "virtual_key_id",
    "virtual_key_name",
    "metadata",
    "error",
    "cache_error",
    "limit_error",
    "guardrails",
    "cache_semantic",
    "user_agent",
    "feedback",
    "score",
    "comment",
    "request_body",
    "response_body",
];

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A free-text cell, made inert for spreadsheets: a value starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets (CSV
/// injection: a prompt or a client's metadata could run one on the operator's machine), so it
/// gets a leading `'`, which those programs show as text and do not display.
pub fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

fn opt_text(v: &Option<String>) -> String {
    v.as_deref().map(text_cell).unwrap_or_default()
}

fn row(e: &LogEntry) -> Vec<String> {
    vec![
        e.id.clone(),
        e.created_at_ms.to_string(),
        text_cell(&e.gateway),
        text_cell(&e.provider),
        text_cell(&e.model),
        text_cell(&e.endpoint),
        text_cell(&e.method),
        e.status.to_string(),
        e.success.to_string(),
        e.duration_ms.to_string(),
        opt(&e.ttfb_ms),
        e.tokens_in.to_string(),
        e.tokens_out.to_string(),
        e.tokens_cached.to_string(),
        e.tokens_estimated.to_string(),
        opt(&e.cost),
        crate::logs::entry::cache_status_text(e.cache_status).to_string(),
        e.step.to_string(),
        e.attempts.to_string(),
        opt_text(&e.virtual_key_id),
        opt_text(&e.virtual_key_name),
        text_cell(&serde_json::to_string(&e.metadata).unwrap_or_default()),
        opt_text(&e.error),
        opt_text(&e.cache_error),
        opt_text(&e.limit_error),
        opt_text(&e.guardrails),
        opt_text(&e.cache_semantic),
        opt_text(&e.user_agent),
        opt(&e.feedback),
        opt(&e.score),
        opt_text(&e.comment),
        opt_text(&e.request_body),
        opt_text(&e.response_body),
    ]
}

/// Quotes one CSV field when needed.
pub fn csv_field(value: &str) -> String {
    let needs = value.contains([',', '"', '\r', '\n']) || value.starts_with(' ') || value.ends_with(' ');
    if needs {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A header row then one row per entry.
pub fn to_csv(entries: &[LogEntry]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for e in entries {
        let fields: Vec<String> = row(e).iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
