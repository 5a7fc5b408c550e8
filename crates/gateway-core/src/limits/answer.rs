//! What the client is told: the 429 that names the limit refused, and OpenAI's
//! `x-ratelimit-*` headers on every answer from a limited scope.

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;

use super::counter::{Refusal, Standing, Unit};
use super::window::Span;

fn window_text(span: Span) -> String {
    match span {
        Span::Every { ms } => format!("{} s", ms / 1000),
        Span::Minute => "minute".into(),
        Span::Hour => "hour".into(),
        Span::Day => "day (UTC)".into(),
        Span::Week => "week (UTC, from Monday)".into(),
        Span::Month => "month (UTC)".into(),
    }
}

fn amount(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Requests => format!("{} requests", value.round() as u64),
        Unit::Tokens => format!("{} tokens", value.round() as u64),
        Unit::Usd => format!("${value:.4}"),
    }
}

/// The 429 for a refused reservation in scope `scope` (`virtual key "vk_…"`, `gateway "prod"`),
/// with `Retry-After`. A request that could never fit says so rather than invite a retry.
pub fn refused(scope: &str, refusal: &Refusal, now_ms: i64) -> GatewayError {
    let kind = if refusal.unit == Unit::Usd { ErrorKind::BudgetExceeded } else { ErrorKind::RateLimited };
    let limit = format!(
        "the {scope} limit `{}` ({} per {})",
        refusal.meter,
        amount(refusal.unit, refusal.limit),
        window_text(refusal.span)
    );
    let message = if refusal.never {
        format!("{limit} can never allow this request: it asks for {}", amount(refusal.unit, refusal.asked))
    } else {
        format!(
            "{limit} is reached: {} spent or reserved in this window, this request asks for {}",
            amount(refusal.unit, refusal.spent),
            amount(refusal.unit, refusal.asked)
        )
    };
    let error = GatewayError::new(kind, message);
    if refusal.never {
        error
    } else {
        error.with_retry_after(((refusal.retry_at_ms - now_ms).max(0) as u64).div_ceil(1000).max(1))
    }
}

/// OpenAI's duration text: `1s`, `6m0s`, `1h2m3s`.
fn duration_text(ms: i64) -> String {
    let s = (ms.max(0) as u64).div_ceil(1000);
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// Sets `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` from the tightest request meter
/// and the tightest token meter of `standing` (every scope's).
pub fn rate_limit_headers(standing: &[Standing], now_ms: i64, headers: &mut Headers) {
    for (unit, suffix) in [(Unit::Requests, "requests"), (Unit::Tokens, "tokens")] {
        let tightest = standing.iter().filter(|s| s.unit == unit).min_by(|a, b| a.remaining.total_cmp(&b.remaining));
        if let Some(s) = tightest {
            headers.set(&format!("x-ratelimit-limit-{suffix}"), (s.limit.round() as u64).to_string());
            headers.set(&format!("x-ratelimit-remaining-{suffix}"), (s.remaining.floor() as u64).to_string());
            headers.set(&format!("x-ratelimit-reset-{suffix}"), duration_text(s.reset_ms - now_ms));
        }
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
