//! Property tests of the admin query strings (`GET`/`DELETE /api/logs`, `GET /api/stats`): any
//! query string is a query or a 400, and every accepted query runs on a real SQLite shard within
//! the Durable Object limit of 100 bindings.

use std::cell::RefCell;

use proptest::collection::vec;
use proptest::prelude::*;
use rusqlite::Connection;

use super::*;
use crate::logs::export::ExportFormat;
use crate::logs::id::new_log_id;
use crate::logs::sql::{delete_by_filter_statement, list_statement};
use crate::logs::stats::{stats_statement, StatsQuery};
use crate::logs::test_db::{insert, open, query, sample_entries};
use crate::strategies::{assert_client_error, config, text, word};

const NAMES: &[&str] = &[
    "from",
    "to",
    "gateway",
    "provider",
    "model",
    "status",
    "success",
    "cache_status",
    "virtual_key",
    "feedback",
    "metadata.user",
    "metadata.n",
    "metadata.",
    "metadata.a\"b",
    "q",
    "limit",
    "cursor",
    "order",
    "bodies",
    "format",
    "bucket",
    "group_by",
    "",
];

const VALUES: &[&str] = &[
    "0",
    "1700000000000",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "2xx",
    "5XX",
    "6xx",
    "404",
    "600",
    "true",
    "false",
    "HIT",
    "none",
    "asc",
    "desc",
    "csv",
    "jsonl",
    "1m",
    "5m",
    "1h",
    "1d",
    "provider",
    "model",
    "gateway",
    "key",
    "all",
    "finetune",
    "",
    "%zz",
    "%e9",
    "%C3%A9",
    "a+b%25_",
    "%+1",
];

/// `text` percent-encoded, as a browser would send it.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn value() -> impl Strategy<Value = String> {
    let cursor = (0i64..1 << 48, any::<[u8; 10]>())
        .prop_map(|(ms, random)| Cursor { created_at_ms: ms, id: new_log_id(ms as f64, random) }.encode());
    prop_oneof![word(VALUES), any::<i64>().prop_map(|n| n.to_string()), cursor, text().prop_map(|t| encode(&t))]
}

fn query_string() -> impl Strategy<Value = String> {
    vec((word(NAMES), value()), 0..6)
        .prop_map(|pairs| pairs.iter().map(|(k, v)| format!("{}={v}", encode(k))).collect::<Vec<_>>().join("&"))
}

thread_local! {
    /// One shard with a few entries; every statement runs in a transaction that is rolled back.
    static SHARD: RefCell<Connection> = RefCell::new({
        let conn = open();
        insert(&conn, &sample_entries(30, 3));
        conn
    });
}

/// Runs a statement on the shard and rolls it back; panics on invalid SQL or more than 100
/// bindings (see `test_db`).
fn run(statement: &crate::logs::sql::Statement) {
    SHARD.with(|shard| {
        let conn = shard.borrow();
        let rollback = conn.unchecked_transaction().unwrap();
        query(&conn, statement);
        drop(rollback);
    })
}

/// What a server's form decoding gives: `+` is a space, `%` and two hex digits a byte, any other
/// `%` itself.
fn reference_decode(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() => {
                out.push((hex(b[i + 1])? * 16 + hex(b[i + 2])?) as u8);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

// Each case runs its statements on a SQLite shard: hundreds of cases.
proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_query_string_is_a_query_that_runs_or_a_client_error(q in query_string()) {
        match ListQuery::parse(&q) {
            Ok(list) => run(&list_statement(&list)),
            Err(e) => assert_client_error(&e)?,
        }
        match LogFilter::parse(&q).and_then(|f| delete_by_filter_statement(&f)) {
            Ok(delete) => run(&delete),
            Err(e) => assert_client_error(&e)?,
        }
        match StatsQuery::parse(&q) {
            Ok(stats) => run(&stats_statement(&stats)),
            Err(e) => assert_client_error(&e)?,
        }
        if let Err(e) = ExportFormat::from_query(&q) {
            assert_client_error(&e)?;
        }
    }

    #[test]
    fn any_number_of_metadata_filters_fits_the_binding_limit(
        keys in proptest::collection::btree_set("[a-z]{1,4}", 0..40),
    ) {
        let q: Vec<String> = keys.iter().map(|k| format!("metadata.{k}=1")).collect();
        let cursor = Cursor { created_at_ms: 1, id: new_log_id(1.0, [0; 10]) }.encode();
        let q = format!("{}&q=x&cursor={cursor}", q.join("&"));
        match ListQuery::parse(&q) {
            Ok(list) => run(&list_statement(&list)),
            Err(e) => assert_client_error(&e)?,
        }
        match StatsQuery::parse(&q.replace("&cursor=", "&x=")) {
            Ok(stats) => run(&stats_statement(&stats)),
            Err(e) => assert_client_error(&e)?,
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn pairs_decode_as_a_server_would(raw in vec((word(VALUES), word(VALUES)), 0..4)) {
        let bare = |s: &str| s.replace(['&', '='], "");
        let joined = raw.iter().map(|(k, v)| format!("{}={}", bare(k), bare(v))).collect::<Vec<_>>().join("&");
        // A leading `?` is taken as the query's own.
        let query = joined.strip_prefix('?').unwrap_or(&joined);
        let expected: Option<Vec<(String, String)>> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                Some((reference_decode(k)?, reference_decode(v)?))
            })
            .collect();
        match (parse_pairs(&joined), expected) {
            (Ok(pairs), Some(expected)) => prop_assert_eq!(pairs, expected),
            (Err(e), None) => assert_client_error(&e)?,
            (got, expected) => prop_assert!(false, "{:?} decoded as {:?}, expected {:?}", joined, got, expected),
        }
    }

    #[test]
    fn encoded_pairs_decode_to_themselves(pairs in vec((text(), text()), 0..4)) {
        let q = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        prop_assert_eq!(parse_pairs(&q).unwrap(), pairs);
    }

    #[test]
    fn cursors_decode_to_themselves(created_at_ms in 0..=i64::MAX, random in any::<[u8; 10]>(), now in any::<f64>()) {
        let cursor = Cursor { created_at_ms, id: new_log_id(now, random) };
        prop_assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn any_cursor_text_is_a_cursor_or_a_client_error(
        raw in prop_oneof![text(), "v1\\.[0-9a-f+-]{0,17}\\.[0-9A-Z]{26}"],
    ) {
        if let Err(e) = Cursor::decode(&raw) {
            assert_client_error(&e)?;
        }
    }
}
