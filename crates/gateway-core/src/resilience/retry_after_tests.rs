//! Unit tests of `resilience::retry_after`.

use super::*;

/// 2015-10-21T07:28:00Z, in milliseconds since the epoch.
const OCT_21_2015_0728: f64 = 1_445_412_480_000.0;

#[test]
fn delta_seconds_become_milliseconds() {
    assert_eq!(parse_retry_after("0", 0.0), Some(0));
    assert_eq!(parse_retry_after(" 3 ", 123.0), Some(3000));
    assert_eq!(parse_retry_after("120", 0.0), Some(120_000));
    assert_eq!(parse_retry_after("99999999999999999999999", 0.0), Some(u64::MAX));
}

#[test]
fn http_date_is_measured_from_the_injected_clock() {
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    assert_eq!(parse_retry_after(date, OCT_21_2015_0728 - 2500.0), Some(2500));
    assert_eq!(parse_retry_after(date, OCT_21_2015_0728 - 60_000.0), Some(60_000));
    assert_eq!(parse_retry_after(date, OCT_21_2015_0728 + 1.0), Some(0), "a past date means now");
}

#[test]
fn dates_across_months_and_leap_years_are_exact() {
    // 2024-02-29T00:00:00Z and 1994-11-06T08:49:37Z (RFC 9110's example).
    assert_eq!(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", 0.0), Some(1_709_164_800_000));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 0.0), Some(784_111_777_000));
}

#[test]
fn garbage_is_ignored() {
    for value in [
        "",
        "soon",
        "-5",
        "1.5",
        "Wed, 21 Oct 2015 07:28:00 UTC",
        "Wed, 21 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 25:28:00 GMT",
        "Wednesday, 21-Oct-15 07:28:00 GMT",
        "Wed Oct 21 07:28:00 2015",
    ] {
        assert_eq!(parse_retry_after(value, 0.0), None, "{value:?}");
    }
}
