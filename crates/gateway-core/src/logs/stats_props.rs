//! Property tests of stats over the token counts providers report: whatever the counts, the
//! shards' queries run and the merge adds up, saturating instead of failing.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::logs::test_db::{insert, open, query, sample_entries};
use crate::strategies::config;

/// Stats of `tokens` (input, output per entry), the entries spread over two shards and all in
/// one bucket, group and latency bin.
fn stats(tokens: &[(u64, u64)]) -> Vec<StatsPoint> {
    let shards = [open(), open()];
    let mut entries = sample_entries(tokens.len(), 11);
    for (i, (e, (input, output))) in entries.iter_mut().zip(tokens).enumerate() {
        (e.tokens_in, e.tokens_out, e.duration_ms, e.created_at_ms) = (*input, *output, 10, 1_700_000_000_000);
        insert(&shards[i % 2], std::slice::from_ref(e));
    }
    let q = StatsQuery::parse("").unwrap();
    let rows = shards.iter().flat_map(|c| query(c, &stats_statement(&q))).map(|r| StatsRow::from_row(&r).unwrap());
    merge_stats(rows, q.group_by)
}

proptest! {
    // Each case builds two SQLite databases: fewer cases than the pure parsers.
    #![proptest_config(config(150))]

    #[test]
    fn any_reported_counts_give_stats(tokens in vec((any::<u64>(), any::<u64>()), 1..6)) {
        let points = stats(&tokens);
        prop_assert_eq!(points.len(), 1);
        // Shards answer through JavaScript numbers: beyond 2^53, counts are as exact as an f64.
        let max = tokens.iter().map(|t| t.0.min(i64::MAX as u64)).max().unwrap_or(0) as f64;
        prop_assert!(points[0].tokens_in as f64 >= max, "{} < {}", points[0].tokens_in, max);
    }

    #[test]
    fn realistic_counts_add_up_exactly(tokens in vec((0u64..1 << 40, 0u64..1 << 40), 1..6)) {
        let points = stats(&tokens);
        prop_assert_eq!(points[0].tokens_in, tokens.iter().map(|t| t.0).sum::<u64>());
        prop_assert_eq!(points[0].tokens_out, tokens.iter().map(|t| t.1).sum::<u64>());
    }
}
