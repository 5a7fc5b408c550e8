//! Unit tests of `cache::semantic::index_sql`, against a real SQLite.

use rusqlite::Connection;

use super::*;
use crate::logs::test_db::{exec, query};

fn open() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    for s in SCHEMA {
        conn.execute(s, []).unwrap();
    }
    conn
}

fn record(id: &str, vector: [f32; 2], stored_at_ms: f64) -> IndexRecord {
    IndexRecord {
        id: id.into(),
        vector: vector.to_vec(),
        kv_key: format!("v1/gw/{id}"),
        stored_at_ms,
        expires_at_ms: stored_at_ms + 60_000.0,
    }
}

/// Runs a call on the partition and its statements on the database, as the object does.
fn call(conn: &Connection, index: &mut PartitionIndex, call: IndexCall) -> IndexAnswer {
    let (answer, statements) = apply(index, call);
    for statement in &statements {
        exec(conn, statement);
    }
    answer
}

fn reload(conn: &Connection) -> PartitionIndex {
    load(&query(conn, &(LOAD_SQL.to_string(), Vec::new())))
}

fn sorted(index: &PartitionIndex) -> Vec<IndexRecord> {
    let mut records = index.records().to_vec();
    records.sort_by(|a, b| a.id.cmp(&b.id));
    records
}

#[test]
fn storage_follows_memory() {
    let conn = open();
    let mut index = PartitionIndex::default();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        let insert = IndexCall::Insert { record: record(id, [0.6, 0.8], i as f64), max_entries: 2, now_ms: i as f64 };
        assert_eq!(call(&conn, &mut index, insert), IndexAnswer::default());
    }
    assert_eq!(sorted(&reload(&conn)), sorted(&index), "the oldest was dropped in both");
    assert_eq!(index.records().len(), 2);
    call(&conn, &mut index, IndexCall::Remove { ids: vec!["b".into(), "zz".into()] });
    assert_eq!(sorted(&reload(&conn)), vec![record("c", [0.6, 0.8], 2.0)]);

    let q = IndexQuery { vector: vec![0.6, 0.8], top_k: 3, min_score: 0.5, now_ms: 10.0 };
    let answer = call(&conn, &mut reload(&conn), IndexCall::Query { query: q });
    assert_eq!(answer.matches.len(), 1);
    assert_eq!((answer.matches[0].id.as_str(), answer.matches[0].kv_key.as_str()), ("c", "v1/gw/c"));
}

#[test]
fn removals_bind_at_most_100_values_per_statement() {
    let ids: Vec<String> = (0..250).map(|i| format!("id{i}")).collect();
    let (_, statements) = apply(&mut PartitionIndex::default(), IndexCall::Remove { ids });
    assert_eq!(statements.iter().map(|(_, b)| b.len()).collect::<Vec<_>>(), [100, 100, 50]);
    let conn = open();
    for statement in &statements {
        exec(&conn, statement);
    }
}

#[test]
fn corrupt_rows_are_left_out() {
    let conn = open();
    conn.execute("INSERT INTO vectors VALUES ('bad', 'not base64!', 'v1/gw/bad', 0, 1e15)", []).unwrap();
    conn.execute("INSERT INTO vectors VALUES ('good', 'AACAPw==', 'v1/gw/good', 0, 1e15)", []).unwrap();
    let ids: Vec<String> = reload(&conn).records().iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, ["good"]);
}

#[test]
fn calls_travel_as_tagged_json() {
    let call = IndexCall::Remove { ids: vec!["a".into()] };
    let json = serde_json::to_string(&call).unwrap();
    assert_eq!(json, r#"{"op":"remove","ids":["a"]}"#);
    assert_eq!(serde_json::from_str::<IndexCall>(&json).unwrap(), call);
    assert_eq!(serde_json::from_str::<IndexAnswer>("{}").unwrap(), IndexAnswer::default());
}
