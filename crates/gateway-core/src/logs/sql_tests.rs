use super::*;
use crate::cache::CacheStatus;
use crate::logs::headers::MetaValue;
use crate::logs::query::ListQuery;
use crate::logs::test_db::{count, exec, insert, insert_statements, open, query, sample_entries, BASE_MS};

fn list(conn: &rusqlite::Connection, q: &str) -> Vec<LogEntry> {
    let q = ListQuery::parse(q).unwrap();
    query(conn, &list_statement(&q)).iter().map(|r| row_to_entry(r).unwrap()).collect()
}

/// Ids of the rows a query string selects (limit 1000), sorted.
fn ids(conn: &rusqlite::Connection, q: &str) -> Vec<String> {
    let sep = if q.is_empty() { "" } else { "&" };
    let mut ids: Vec<String> = list(conn, &format!("{q}{sep}limit=1000")).into_iter().map(|e| e.id).collect();
    ids.sort();
    ids
}

fn expected(entries: &[LogEntry], pred: impl Fn(&LogEntry) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = entries.iter().filter(|e| pred(e)).map(|e| e.id.clone()).collect();
    ids.sort();
    assert!(!ids.is_empty(), "a filter test must select something");
    ids
}

#[test]
fn a_batch_is_one_statement_with_one_binding_and_inserting_is_idempotent() {
    let entries = sample_entries(64, 1);
    let statements = insert_statements(&entries);
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].1.len(), 1);
    let conn = open();
    insert(&conn, &entries);
    insert(&conn, &entries);
    assert_eq!(count(&conn), 64);
    assert!(insert_statements(&[]).is_empty());
}

#[test]
fn large_rows_are_split_across_statements_under_the_string_limit() {
    let mut entries = sample_entries(5, 4);
    for e in &mut entries {
        e.request_body = Some("x".repeat(400 * 1024));
    }
    let statements = insert_statements(&entries);
    assert_eq!(statements.len(), 3, "two 400 KiB rows fit in 1 MiB, a third does not");
    for (_, binds) in &statements {
        let SqlValue::Text(json) = &binds[0] else { panic!("rows travel as JSON text") };
        assert!(json.len() <= MAX_INSERT_JSON_BYTES, "{} bytes", json.len());
    }
    let conn = open();
    insert(&conn, &entries);
    assert_eq!(count(&conn), 5);
    for e in &entries {
        assert_eq!(&row_to_entry(&query(&conn, &get_statement(&e.id))[0]).unwrap(), e);
    }
}

#[test]
fn rows_round_trip_through_sqlite() {
    let conn = open();
    let entries = sample_entries(30, 2);
    insert(&conn, &entries);
    for e in &entries {
        let rows = query(&conn, &get_statement(&e.id));
        assert_eq!(rows.len(), 1);
        assert_eq!(&row_to_entry(&rows[0]).unwrap(), e);
    }
    // List rows leave the bodies out unless asked.
    let listed = list(&conn, "limit=5");
    assert!(listed.iter().all(|e| e.request_body.is_none() && e.response_body.is_none()));
    assert!(list(&conn, "limit=5&bodies=true").iter().all(|e| e.request_body.is_some()));
}

#[test]
fn every_filter_selects_exactly_the_matching_rows() {
    let conn = open();
    let entries = sample_entries(300, 3);
    insert(&conn, &entries);
    let from = BASE_MS + 20_000;
    let to = BASE_MS + 50_000;
    let cases: Vec<(String, Vec<String>)> = vec![
        (format!("from={from}"), expected(&entries, |e| e.created_at_ms >= from)),
        (format!("to={to}"), expected(&entries, |e| e.created_at_ms < to)),
        (format!("from={from}&to={to}"), expected(&entries, |e| (from..to).contains(&e.created_at_ms))),
        ("provider=anthropic".into(), expected(&entries, |e| e.provider == "anthropic")),
        ("model=gpt-4o".into(), expected(&entries, |e| e.model == "gpt-4o")),
        ("status=429".into(), expected(&entries, |e| e.status == 429)),
        ("status=2xx".into(), expected(&entries, |e| (200..300).contains(&e.status))),
        ("status=5xx".into(), expected(&entries, |e| (500..600).contains(&e.status))),
        ("success=false".into(), expected(&entries, |e| !e.success)),
        ("success=true".into(), expected(&entries, |e| e.success)),
        ("cache_status=hit".into(), expected(&entries, |e| e.cache_status == Some(CacheStatus::Hit))),
        ("virtual_key=vk1".into(), expected(&entries, |e| e.virtual_key_id.as_deref() == Some("vk1"))),
        ("metadata.user=u3".into(), expected(&entries, |e| e.metadata["user"] == MetaValue::String("u3".into()))),
        ("metadata.n=2".into(), expected(&entries, |e| serde_json::to_string(&e.metadata["n"]).unwrap() == "2")),
        ("metadata.flag=true".into(), expected(&entries, |e| e.metadata["flag"] == MetaValue::Bool(true))),
        (
            "metadata.user=u1&metadata.flag=false".into(),
            expected(&entries, |e| {
                e.metadata["user"] == MetaValue::String("u1".into()) && e.metadata["flag"] == MetaValue::Bool(false)
            }),
        ),
        (
            "q=reply-12".into(),
            expected(&entries, |e| e.response_body.as_deref().is_some_and(|b| b.contains("reply-12"))),
        ),
        (
            "q=HELLO+7+".into(),
            expected(&entries, |e| e.request_body.as_deref().is_some_and(|b| b.contains("hello 7 "))),
        ),
        ("provider=openai&status=2xx".into(), expected(&entries, |e| e.provider == "openai" && e.status / 100 == 2)),
    ];
    for (q, want) in cases {
        assert_eq!(ids(&conn, &q), want, "filter {q}");
    }
    assert_eq!(ids(&conn, "metadata.user=nobody"), Vec::<String>::new());
    assert_eq!(ids(&conn, "").len(), 300);
}

#[test]
fn like_wildcards_in_q_are_literal() {
    let conn = open();
    let mut entries = sample_entries(3, 4);
    entries[0].request_body = Some("cost is 100% done".into());
    entries[1].request_body = Some("cost is 1000 done".into());
    entries[2].request_body = Some("a_b and a\\b".into());
    insert(&conn, &entries);
    assert_eq!(ids(&conn, "q=100%25"), vec![entries[0].id.clone()]);
    assert_eq!(ids(&conn, "q=a_b"), vec![entries[2].id.clone()]);
    assert_eq!(ids(&conn, "q=a%5Cb"), vec![entries[2].id.clone()]);
    assert_eq!(ids(&conn, "q=axb"), Vec::<String>::new());
    assert_eq!(escape_like("50%_\\"), "50\\%\\_\\\\");
}

#[test]
fn pagination_in_one_shard_returns_each_row_once_in_order() {
    let conn = open();
    let entries = sample_entries(250, 5);
    insert(&conn, &entries);
    for order in ["desc", "asc"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = format!("limit=40&order={order}&provider=openai");
            if let Some(c) = &cursor {
                q.push_str(&format!("&cursor={c}"));
            }
            let parsed = ListQuery::parse(&q).unwrap();
            let rows: Vec<LogEntry> =
                query(&conn, &list_statement(&parsed)).iter().map(|r| row_to_entry(r).unwrap()).collect();
            let page = crate::logs::merge::merge_pages(vec![rows], parsed.limit, parsed.order);
            seen.extend(page.entries.into_iter().map(|e| (e.created_at_ms, e.id)));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let mut want: Vec<(i64, String)> =
            entries.iter().filter(|e| e.provider == "openai").map(|e| (e.created_at_ms, e.id.clone())).collect();
        want.sort();
        if order == "desc" {
            want.reverse();
        }
        assert_eq!(seen, want, "order {order}");
    }
}

#[test]
fn delete_by_id_and_by_filter() {
    let conn = open();
    let entries = sample_entries(120, 6);
    insert(&conn, &entries);
    assert_eq!(exec(&conn, &delete_by_id_statement(&entries[0].id)), 1);
    assert_eq!(exec(&conn, &delete_by_id_statement(&entries[0].id)), 0);
    let groq = entries[1..].iter().filter(|e| e.provider == "groq" && !e.success).count();
    assert!(groq > 0);
    let filter = LogFilter::parse("provider=groq&success=false").unwrap();
    assert_eq!(exec(&conn, &delete_by_filter_statement(&filter).unwrap()), groq);
    assert_eq!(count(&conn) as usize, 119 - groq);
    assert!(ids(&conn, "provider=groq&success=false").is_empty());
    let err = delete_by_filter_statement(&LogFilter::default()).unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn bad_rows_are_internal_errors() {
    let mut row = serde_json::Map::new();
    row.insert("id".into(), "x".into());
    assert_eq!(row_to_entry(&row).unwrap_err().status(), 500);
}

#[test]
fn an_older_shard_gets_exactly_the_columns_it_lacks() {
    let mut existing: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    assert!(added_column_statements(&existing).is_empty(), "an up-to-date shard runs nothing");
    existing.retain(|c| c != "virtual_key_name" && c != "limit_error" && c != "cache_semantic");
    assert_eq!(
        added_column_statements(&existing),
        [
            "ALTER TABLE logs ADD COLUMN virtual_key_name TEXT",
            "ALTER TABLE logs ADD COLUMN limit_error TEXT",
            "ALTER TABLE logs ADD COLUMN cache_semantic TEXT"
        ]
    );
    for (name, _) in ADDED_COLUMNS {
        assert!(SCHEMA[0].contains(&format!("{name} ")), "a new shard's table has {name}");
    }
}
