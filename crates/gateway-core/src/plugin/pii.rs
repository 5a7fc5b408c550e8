//! `pii-redaction`: replaces personal data in the prompt before the request leaves the gateway.
//!
//! ```json
//! {"detect": ["email", "phone", "credit_card", "iban", "ip"], "patterns": {"employee_id": "E-\\d{6}"},
//!  "restore": true}
//! ```
//!
//! Each value found becomes a placeholder naming its kind: `[EMAIL]`, `[PHONE]`,
//! `[CREDIT_CARD]`, `[IBAN]`, `[IP]`, or the pattern's name in capitals (`[EMPLOYEE_ID]`).
//! Card numbers are only those passing the Luhn check and IBANs only those passing the ISO 7064
//! mod-97 check, so order numbers and other digit runs are left alone. `detect` defaults to
//! every kind. The provider, the cache key and the log see the redacted prompt; each kind found
//! is reported as a guardrail event (`redact`, rule = the kind).
//!
//! With `restore`, each distinct value gets its own numbered placeholder (`[EMAIL_1]`) and the
//! answer gets the values back: every string of a whole JSON answer, and the text of each event
//! of a stream, also when a placeholder arrives split over events (the start of one at the end
//! of an event's text is carried into the next); an event that repeats the text whole (the
//! Responses API's `*.done` events and its final `response.completed`) has every string
//! restored. Two edges: a placeholder split after its first character alone (`[` | `EMAIL_1]`)
//! is not restored, and a placeholder's start left at the very end of an Anthropic or Gemini
//! stream, with no text event after it, is dropped. The client gets its own values back; the log
//! keeps the answer as the provider sent it.

use std::collections::BTreeMap;
use std::rc::Rc;

use async_trait::async_trait;
use regex_lite::{Captures, Regex};
use serde::Deserialize;
use serde_json::Value;

use crate::error::GatewayError;
use crate::plugin::answer_text::{event_text, set_event_text};
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext};
use crate::sse::SseEvent;
use crate::stream_guard::StreamDialect;

const NAME: &str = "pii-redaction";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Email,
    Phone,
    CreditCard,
    Iban,
    Ip,
}

const ALL: &[Kind] = &[Kind::CreditCard, Kind::Iban, Kind::Email, Kind::Ip, Kind::Phone];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    detect: Option<Vec<Kind>>,
    #[serde(default)]
    patterns: BTreeMap<String, String>,
    #[serde(default)]
    restore: bool,
}

/// One detector: its name, its pattern, and a check of what the pattern found.
struct Detector {
    name: String,
    placeholder: String,
    matcher: Regex,
    check: fn(&str) -> bool,
}

pub struct PiiRedaction {
    detectors: Vec<Detector>,
    restore: bool,
}

/// One request's placeholders and the values they stand for, and the start of a placeholder
/// carried from one stream event into the next.
#[derive(Debug, Default)]
struct Vault {
    values: Vec<(String, String)>,
    carry: String,
}

impl Vault {
    /// The numbered placeholder of `value` of kind `label` (`EMAIL`), the same for the same value.
    fn placeholder(&mut self, label: &str, value: &str) -> String {
        if let Some((placeholder, _)) =
            self.values.iter().find(|(p, v)| v == value && p.starts_with(&format!("[{label}_")))
        {
            return placeholder.clone();
        }
        let n = self.values.iter().filter(|(p, _)| p.starts_with(&format!("[{label}_"))).count() + 1;
        let placeholder = format!("[{label}_{n}]");
        self.values.push((placeholder.clone(), value.to_string()));
        placeholder
    }

    /// `text` with every placeholder replaced by its value.
    fn restore(&self, text: &str) -> String {
        self.values.iter().fold(text.to_string(), |t, (placeholder, value)| t.replace(placeholder, value))
    }

    /// The length of the longest end of `text` that starts a placeholder (two characters at
    /// least) without completing it.
    fn open_prefix(&self, text: &str) -> usize {
        let longest = self.values.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
        (2..longest.min(text.len() + 1))
            .rev()
            .find(|&n| {
                text.is_char_boundary(text.len() - n)
                    && self.values.iter().any(|(p, _)| p.len() > n && p.starts_with(&text[text.len() - n..]))
            })
            .unwrap_or(0)
    }
}

fn any(_: &str) -> bool {
    true
}

/// The Luhn check of a card number (spaces and dashes ignored).
pub(crate) fn luhn(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// The ISO 7064 mod-97 check of an IBAN (spaces ignored).
pub(crate) fn iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u64 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c {
            '0'..='9' => u64::from(c as u8 - b'0'),
            'A'..='Z' => u64::from(c as u8 - b'A') + 10,
            _ => return false,
        };
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    remainder == 1
}

fn ipv4_valid(text: &str) -> bool {
    text.split('.').all(|octet| octet.parse::<u16>().is_ok_and(|n| n <= 255))
}

fn built_in(kind: Kind) -> Result<Detector, String> {
    let (name, pattern, check): (&str, &str, fn(&str) -> bool) = match kind {
        Kind::Email => ("email", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", any),
        Kind::CreditCard => ("credit_card", r"\b\d(?:[ \-]?\d){12,18}\b", luhn),
        Kind::Iban => ("iban", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", iban_valid),
        Kind::Ip => ("ip", r"\b(?:\d{1,3}\.){3}\d{1,3}\b", ipv4_valid),
        Kind::Phone => ("phone", r"(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}(?:[ .\-]\d{2,4}){1,4}", |t| {
            (9..=15).contains(&t.chars().filter(char::is_ascii_digit).count())
        }),
    };
    let matcher = Regex::new(pattern).map_err(|e| e.to_string())?;
    Ok(Detector { name: name.into(), placeholder: format!("[{}]", name.to_ascii_uppercase()), matcher, check })
}

/// Builds the redaction from its configuration. Errors name the field: an unknown kind, a
/// pattern name that is not a word, a pattern that does not compile.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    let kinds = config.detect.unwrap_or_else(|| ALL.to_vec());
    // Cards and IBANs before phones: their digit runs would look like phone numbers.
    let mut detectors: Vec<Detector> =
        ALL.iter().filter(|k| kinds.contains(k)).map(|k| built_in(*k)).collect::<Result<_, _>>()?;
    for (name, pattern) in &config.patterns {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("`patterns.{name}`: a pattern's name is letters, digits and _"));
        }
        let matcher = Regex::new(pattern).map_err(|e| format!("`patterns.{name}`: {e}"))?;
        detectors.push(Detector {
            name: name.clone(),
            placeholder: format!("[{}]", name.to_ascii_uppercase()),
            matcher,
            check: any,
        });
    }
    Ok(Rc::new(PiiRedaction { detectors, restore: config.restore }))
}

impl PiiRedaction {
    /// `text` with every detected value replaced (by a numbered placeholder kept in `vault` when
    /// restoring); the names of the kinds found are added to `found`.
    fn redact(&self, text: &str, found: &mut Vec<String>, vault: &mut Vault) -> String {
        let mut out = text.to_string();
        for d in &self.detectors {
            let mut hit = false;
            let replaced = d.matcher.replace_all(&out, |caps: &Captures<'_>| {
                let value = &caps[0];
                if !(d.check)(value) {
                    value.to_string()
                } else if self.restore {
                    hit = true;
                    vault.placeholder(&d.name.to_ascii_uppercase(), value)
                } else {
                    hit = true;
                    d.placeholder.clone()
                }
            });
            if hit {
                out = replaced.into_owned();
                if !found.contains(&d.name) {
                    found.push(d.name.clone());
                }
            }
        }
        out
    }
}

#[async_trait(?Send)]
impl Plugin for PiiRedaction {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants_request(&self) -> bool {
        true
    }

    async fn on_request(
        &self,
        ctx: &mut RequestContext,
        request: &mut PromptRequest<'_>,
    ) -> Result<Option<Reply>, GatewayError> {
        let mut found = Vec::new();
        let mut vault = Vault::default();
        request.edit_texts(|text| *text = self.redact(text, &mut found, &mut vault));
        ctx.guardrails.extend(found.into_iter().map(|kind| GuardrailEvent::new(NAME, Action::Redact, kind)));
        if self.restore && !vault.values.is_empty() {
            ctx.extensions.insert(vault);
        }
        Ok(None)
    }

    fn wants_response_json(&self) -> bool {
        self.restore
    }

    async fn on_response_json(&self, ctx: &mut RequestContext, body: &mut Value) -> Result<(), GatewayError> {
        if let Some(vault) = ctx.extensions.get::<Vault>() {
            restore_strings(body, vault);
        }
        Ok(())
    }

    fn wants_response_events(&self) -> bool {
        self.restore
    }

    fn on_response_event(
        &self,
        ctx: &mut RequestContext,
        dialect: StreamDialect,
        event: &mut SseEvent,
    ) -> Result<(), GatewayError> {
        let Some(vault) = ctx.extensions.get_mut::<Vault>() else { return Ok(()) };
        let text = event_text(dialect, event);
        if text.is_none() {
            restore_whole_event(event, vault);
        }
        if text.is_none() && vault.carry.is_empty() {
            return Ok(());
        }
        let text = text.unwrap_or_default();
        let whole = vault.restore(&format!("{}{text}", vault.carry));
        // An event without text (a finish chunk) takes whatever was carried, complete or not.
        let open = if text.is_empty() { 0 } else { vault.open_prefix(&whole) };
        let (send, keep) = whole.split_at(whole.len() - open);
        if send == text && keep.is_empty() && vault.carry.is_empty() {
            return Ok(());
        }
        if set_event_text(dialect, event, send) {
            vault.carry = keep.to_string();
        }
        Ok(())
    }
}

/// Every string of `value` with the placeholders of `vault` replaced by their values; whether
/// any was.
fn restore_strings(value: &mut Value, vault: &Vault) -> bool {
    match value {
        Value::String(s) => {
            let restored = vault.restore(s);
            let changed = restored != *s;
            if changed {
                *s = restored;
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, v| restore_strings(v, vault) | changed),
        Value::Object(map) => map.values_mut().fold(false, |changed, v| restore_strings(v, vault) | changed),
        _ => false,
    }
}

/// Restores the placeholders in every string of an event that adds no text piece by piece: one
/// that repeats the text whole (Responses' `response.output_text.done`, `content_part.done`,
/// `output_item.done`, the final `response.completed`), where a placeholder is never split.
fn restore_whole_event(event: &mut SseEvent, vault: &Vault) {
    if !event.data.contains('[') {
        return;
    }
    let Ok(mut value) = serde_json::from_str::<Value>(&event.data) else { return };
    if restore_strings(&mut value, vault) {
        event.data = value.to_string();
    }
}

#[cfg(test)]
#[path = "pii_tests.rs"]
mod tests;
