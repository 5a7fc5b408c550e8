use super::*;
use crate::logs::id::shard_of;
use crate::logs::query::ListQuery;
use crate::logs::sql::{list_statement, row_to_entry};
use crate::logs::test_db::{insert, open, query, sample_entries};

/// Pages through `shards` SQLite shards with `query_string`, returning (created_at, id) in the
/// order received.
fn page_through(shards: &[rusqlite::Connection], query_string: &str) -> Vec<(i64, String)> {
    page_from(shards, query_string, None)
}

fn page_from(shards: &[rusqlite::Connection], query_string: &str, start: Option<String>) -> Vec<(i64, String)> {
    let mut seen = Vec::new();
    let mut cursor = start;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query_string}&cursor={c}"),
            None => query_string.to_string(),
        };
        let parsed = ListQuery::parse(&q).unwrap();
        let statement = list_statement(&parsed);
        let shard_pages: Vec<Vec<LogEntry>> = shards
            .iter()
            .map(|conn| query(conn, &statement).iter().map(|r| row_to_entry(r).unwrap()).collect())
            .collect();
        let page = merge_pages(shard_pages, parsed.limit, parsed.order);
        assert!(page.entries.len() <= parsed.limit as usize);
        seen.extend(page.entries.into_iter().map(|e| (e.created_at_ms, e.id)));
        pages += 1;
        assert!(pages < 1000, "paging does not end");
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return seen,
        }
    }
}

#[test]
fn paging_over_four_shards_returns_each_entry_once_in_order() {
    let entries = sample_entries(347, 21);
    let shards: Vec<rusqlite::Connection> = (0..4).map(|_| open()).collect();
    for (i, shard) in shards.iter().enumerate() {
        let mine: Vec<LogEntry> = entries.iter().filter(|e| shard_of(&e.id, 4) == i as u32).cloned().collect();
        assert!(!mine.is_empty());
        insert(shard, &mine);
    }
    let mut all: Vec<(i64, String)> = entries.iter().map(|e| (e.created_at_ms, e.id.clone())).collect();
    all.sort();
    for limit in [1, 7, 50, 346, 347, 1000] {
        let asc = page_through(&shards, &format!("limit={limit}&order=asc"));
        assert_eq!(asc, all, "asc limit {limit}");
        let mut desc = page_through(&shards, &format!("limit={limit}"));
        desc.reverse();
        assert_eq!(desc, all, "desc limit {limit}");
    }
    // With a filter too.
    let mut want: Vec<(i64, String)> =
        entries.iter().filter(|e| !e.success).map(|e| (e.created_at_ms, e.id.clone())).collect();
    want.sort();
    want.reverse();
    assert_eq!(page_through(&shards, "limit=13&success=false"), want);
}

#[test]
fn rows_inserted_while_paging_do_not_shift_later_pages() {
    let entries = sample_entries(60, 22);
    let conn = open();
    insert(&conn, &entries[..51]);
    let parsed = ListQuery::parse("limit=20").unwrap();
    let first: Vec<LogEntry> =
        query(&conn, &list_statement(&parsed)).iter().map(|r| row_to_entry(r).unwrap()).collect();
    let page = merge_pages(vec![first], 20, Order::Desc);
    // Newer rows arrive (entries 51.. are strictly newer: the sample shares a timestamp only within a triple).
    insert(&conn, &entries[51..]);
    let rest = page_from(std::slice::from_ref(&conn), "limit=20", page.next_cursor);
    let mut want: Vec<(i64, String)> = entries[..51].iter().map(|e| (e.created_at_ms, e.id.clone())).collect();
    want.sort();
    want.reverse();
    let got: Vec<(i64, String)> = page.entries.into_iter().map(|e| (e.created_at_ms, e.id)).chain(rest).collect();
    assert_eq!(got, want);
}

#[test]
fn last_page_has_no_cursor() {
    let entries = sample_entries(5, 23);
    let page = merge_pages(vec![entries[..2].to_vec(), entries[2..].to_vec()], 5, Order::Desc);
    assert_eq!(page.entries.len(), 5);
    assert_eq!(page.next_cursor, None);
    let page = merge_pages(vec![entries.clone()], 4, Order::Desc);
    assert!(page.next_cursor.is_some());
}
