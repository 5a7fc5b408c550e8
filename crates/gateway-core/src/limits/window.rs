//! The windows a limit counts in: fixed runs of seconds (a request limit's `interval`), the
//! calendar (a token limit's minute, hour or day; a budget's day, week or month, in UTC), and
//! whether the count slides.

use serde::{Deserialize, Serialize};

use crate::civil::{civil_from_days, days_from_civil};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// 1970-01-01 was a Thursday: ISO weeks start on Monday, four days later.
const MONDAY_OFFSET_MS: i64 = 4 * DAY_MS;

/// The span a limit counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// Runs of this many milliseconds since the epoch.
    Every {
        ms: i64,
    },
    Minute,
    Hour,
    Day,
    /// Monday 00:00 UTC to the next.
    Week,
    /// The calendar month, UTC.
    Month,
}

/// How a window's count is judged at its edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// The count starts from zero at each window's start.
    #[default]
    Fixed,
    /// The previous window's count weighs in, less and less as the current window goes on
    /// (Cloudflare's `sliding`): at a fraction `f` into the window, the count is
    /// `previous × (1 − f) + current`. An approximation of a true sliding log that needs two
    /// numbers instead of one timestamp per request; exact at window edges.
    Sliding,
}

impl Span {
    /// The start of the window holding `now_ms`.
    pub fn start(self, now_ms: i64) -> i64 {
        let floor = |len: i64, offset: i64| (now_ms - offset).div_euclid(len) * len + offset;
        match self {
            Span::Every { ms } => floor(ms.max(1), 0),
            Span::Minute => floor(MINUTE_MS, 0),
            Span::Hour => floor(HOUR_MS, 0),
            Span::Day => floor(DAY_MS, 0),
            Span::Week => floor(7 * DAY_MS, MONDAY_OFFSET_MS),
            Span::Month => {
                let (year, month) = year_month(now_ms.div_euclid(DAY_MS));
                days_from_civil(year, month, 1) * DAY_MS
            }
        }
    }

    /// The start of the window after the one starting at `start`.
    pub fn next(self, start: i64) -> i64 {
        match self {
            Span::Every { ms } => start + ms.max(1),
            Span::Minute => start + MINUTE_MS,
            Span::Hour => start + HOUR_MS,
            Span::Day => start + DAY_MS,
            Span::Week => start + 7 * DAY_MS,
            Span::Month => {
                let (year, month) = year_month(start.div_euclid(DAY_MS));
                let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
                days_from_civil(year, month, 1) * DAY_MS
            }
        }
    }

    /// The start of the window before the one starting at `start`.
    pub fn previous(self, start: i64) -> i64 {
        match self {
            Span::Month => {
                let (year, month) = year_month(start.div_euclid(DAY_MS));
                let (year, month) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
                days_from_civil(year, month, 1) * DAY_MS
            }
            other => start - (other.next(start) - start),
        }
    }
}

/// The (year, month) of a day counted from 1970-01-01.
fn year_month(days: i64) -> (i64, u32) {
    let (year, month, _) = civil_from_days(days);
    (year, month)
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
