use super::*;

// 2026-11-30T07:30:15.250Z, a Monday.
const NOW: i64 = 1_796_023_815_250;

#[test]
fn fixed_spans_start_on_their_boundaries() {
    assert_eq!(Span::Minute.start(NOW), 1_796_023_800_000);
    assert_eq!(Span::Hour.start(NOW), 1_796_022_000_000);
    assert_eq!(Span::Day.start(NOW), 1_795_996_800_000);
    assert_eq!(Span::Every { ms: 10_000 }.start(NOW), 1_796_023_810_000);
    assert_eq!(Span::Every { ms: 10_000 }.next(1_796_023_810_000), 1_796_023_820_000);
}

#[test]
fn weeks_start_on_monday_and_months_on_the_first_utc() {
    // Monday 2026-11-30 00:00 UTC.
    assert_eq!(Span::Week.start(NOW), 1_795_996_800_000);
    assert_eq!(Span::Week.start(1_795_996_800_000 - 1), 1_795_996_800_000 - 7 * 86_400_000);
    // 2026-11-01 and 2026-12-01 00:00 UTC.
    assert_eq!(Span::Month.start(NOW), 1_793_491_200_000);
    assert_eq!(Span::Month.next(1_793_491_200_000), 1_796_083_200_000);
    // December runs into January of the next year; March comes after a 28-day February.
    assert_eq!(Span::Month.next(1_796_083_200_000), 1_798_761_600_000); // 2027-01-01
    assert_eq!(Span::Month.next(days_from_civil(2027, 2, 1) * 86_400_000), days_from_civil(2027, 3, 1) * 86_400_000);
    assert_eq!(days_from_civil(2027, 3, 1) - days_from_civil(2027, 2, 1), 28);
    assert_eq!(days_from_civil(2028, 3, 1) - days_from_civil(2028, 2, 1), 29);
    assert_eq!(Span::Month.previous(1_793_491_200_000), days_from_civil(2026, 10, 1) * 86_400_000);
    assert_eq!(
        Span::Month.previous(days_from_civil(2026, 1, 1) * 86_400_000),
        days_from_civil(2025, 12, 1) * 86_400_000
    );
}

#[test]
fn every_instant_lies_in_exactly_the_window_start_gives() {
    for span in [Span::Every { ms: 7_000 }, Span::Minute, Span::Hour, Span::Day, Span::Week, Span::Month] {
        for t in [0, 1, NOW, NOW + 123_456_789, 1_830_297_600_000 - 1] {
            let start = span.start(t);
            assert!(start <= t && t < span.next(start), "{span:?} at {t}");
            assert_eq!(span.next(span.previous(start)), start, "{span:?}");
        }
    }
}
