//! Property tests of `Retry-After` parsing: any value and clock reading gives a wait or nothing,
//! delta-seconds and IMF-fixdates read back exactly.

use proptest::prelude::*;

use super::*;
use crate::strategies::{config, text};

/// `days` since the epoch as (year, month 1-12, day).
fn civil(days: i64) -> (i64, usize, i64) {
    let (year, month, day) = crate::civil::civil_from_days(days);
    (year, month as usize, i64::from(day))
}

/// The IMF-fixdate of `seconds` since the epoch, as a server writes it.
fn imf_fixdate(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil(days);
    let weekday = DAYS[(days + 3).rem_euclid(7) as usize]; // 1970-01-01 was a Thursday.
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{weekday}, {day:02} {} {year:04} {h:02}:{m:02}:{s:02} GMT", MONTHS[month - 1])
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_value_at_any_time_is_a_wait_or_nothing(value in text(), now in any::<f64>()) {
        let _ = parse_retry_after(&value, now);
    }

    #[test]
    fn delta_seconds_read_back(seconds in any::<u64>(), now in any::<f64>()) {
        prop_assert_eq!(parse_retry_after(&seconds.to_string(), now), Some(seconds.saturating_mul(1000)));
    }

    #[test]
    fn dates_read_back_as_the_wait_until_them(
        at in 0i64..253_402_300_799, // up to 9999-12-31T23:59:59Z
        now_ms in 0i64..253_402_300_799_000,
    ) {
        let wait = (at * 1000 - now_ms).max(0) as u64;
        prop_assert_eq!(parse_retry_after(&imf_fixdate(at), now_ms as f64), Some(wait), "{}", imf_fixdate(at));
    }
}
