//! Parsing of the `Retry-After` response header (RFC 9110 §10.2.3).
//!
//! The value is either delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`).
//! The date form needs the current time, which the caller injects as `now_ms` (milliseconds since
//! the Unix epoch, `Date.now()` in Workers).

/// The wait a `Retry-After` value asks for, in milliseconds from `now_ms`.
///
/// Runs when an upstream answer carries `Retry-After` (typically with 429 or 503). Accepts
/// delta-seconds and the IMF-fixdate form of HTTP-date, the only form RFC 9110 lets senders
/// generate; the obsolete RFC 850 and asctime forms are not parsed. A date in the past gives 0.
/// Returns `None` for anything unparseable, which callers treat as if the header were absent.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A huge delta saturates; the budget rule then refuses it.
        return Some(value.parse::<u64>().map_or(u64::MAX, |s| s.saturating_mul(1000)));
    }
    let at_ms = parse_imf_fixdate(value)?;
    let wait = at_ms - now_ms;
    Some(if wait.is_nan() || wait <= 0.0 { 0 } else { wait.ceil() as u64 })
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `Sun, 06 Nov 1994 08:49:37 GMT` → milliseconds since the Unix epoch.
fn parse_imf_fixdate(value: &str) -> Option<f64> {
    let (day_name, rest) = value.split_once(", ")?;
    if !DAYS.contains(&day_name) {
        return None;
    }
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let day = number(day, 2)?;
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let year = number(year, 4)?;
    let clock: Vec<&str> = time.split(':').collect();
    let [h, m, s] = clock.as_slice() else { return None };
    let (h, m, s) = (number(h, 2)?, number(m, 2)?, number(s, 2)?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = crate::civil::days_from_civil(year, month as u32, day as u32);
    Some(((days * 86_400 + h * 3600 + m * 60 + s) * 1000) as f64)
}

fn number(text: &str, digits: usize) -> Option<i64> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
#[path = "retry_after_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "retry_after_props.rs"]
mod props;
