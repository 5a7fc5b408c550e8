//! Test helpers: a real SQLite (rusqlite, bundled) standing in for a Durable Object's storage,
//! and deterministic sample entries.

use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Connection};
use serde_json::{Map, Value};

use crate::cache::CacheStatus;
use crate::logs::entry::LogEntry;
use crate::logs::headers::{MetaValue, Metadata};
use crate::logs::id::new_log_id;
use crate::logs::sql::{insert_rows, insert_sql, SqlValue, Statement, SCHEMA};

pub fn open() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    for s in SCHEMA {
        conn.execute(s, []).unwrap();
    }
    conn
}

fn to_sql(v: &SqlValue) -> Sql {
    match v {
        SqlValue::Null => Sql::Null,
        SqlValue::Integer(i) => Sql::Integer(*i),
        SqlValue::Real(r) => Sql::Real(*r),
        SqlValue::Text(t) => Sql::Text(t.clone()),
    }
}

/// Runs a statement; returns the number of rows changed.
pub fn exec(conn: &Connection, (sql, binds): &Statement) -> usize {
    assert!(binds.len() <= 100, "Durable Objects allow at most 100 bindings, got {}", binds.len());
    conn.execute(sql, params_from_iter(binds.iter().map(to_sql))).unwrap()
}

/// Runs a query; rows come back as JSON objects keyed by column, as `cursor.toArray()` gives.
pub fn query(conn: &Connection, (sql, binds): &Statement) -> Vec<Map<String, Value>> {
    assert!(binds.len() <= 100, "Durable Objects allow at most 100 bindings, got {}", binds.len());
    let mut stmt = conn.prepare(sql).unwrap();
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let rows = stmt
        .query_map(params_from_iter(binds.iter().map(to_sql)), |row| {
            let mut map = Map::new();
            for (i, name) in names.iter().enumerate() {
                let v = match row.get::<_, Sql>(i)? {
                    Sql::Null => Value::Null,
                    Sql::Integer(n) => Value::from(n),
                    Sql::Real(r) => Value::from(r),
                    Sql::Text(t) => Value::from(t),
                    Sql::Blob(_) => Value::Null,
                };
                map.insert(name.clone(), v);
            }
            Ok(map)
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// The statements a log shard runs for `entries`: [`insert_sql`] once per [`insert_rows`] text.
pub fn insert_statements(entries: &[LogEntry]) -> Vec<Statement> {
    let sql = insert_sql();
    insert_rows(entries).into_iter().map(|rows| (sql.clone(), vec![SqlValue::Text(rows)])).collect()
}

pub fn insert(conn: &Connection, entries: &[LogEntry]) {
    for st in insert_statements(entries) {
        exec(conn, &st);
    }
}

pub fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM logs", [], |r| r.get(0)).unwrap()
}

/// A small deterministic generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub const BASE_MS: i64 = 1_700_000_000_000;

/// `n` varied entries; every third shares its timestamp with its neighbours so that ties on
/// `created_at` are exercised.
pub fn sample_entries(n: usize, seed: u64) -> Vec<LogEntry> {
    let mut rng = Rng(seed | 1);
    let providers = [
        ("openai", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-5"),
        ("google-ai-studio", "gemini-2.5-flash"),
        ("groq", "llama-3.3-70b-versatile"),
    ];
    let statuses = [200u16, 200, 200, 201, 429, 500, 404];
    let caches = [Some(CacheStatus::Hit), Some(CacheStatus::Miss), Some(CacheStatus::Bypass), None];
    (0..n)
        .map(|i| {
            let created = BASE_MS + (i as i64 / 3) * 1000;
            let mut random = [0u8; 10];
            for b in random.iter_mut() {
                *b = rng.next() as u8;
            }
            let (provider, model) = providers[i % providers.len()];
            let status = statuses[(rng.next() % statuses.len() as u64) as usize];
            let mut metadata = Metadata::new();
            metadata.insert("user".into(), MetaValue::String(format!("u{}", i % 5)));
            metadata.insert("n".into(), MetaValue::Number((i as u64 % 3).into()));
            metadata.insert("flag".into(), MetaValue::Bool(i % 2 == 0));
            let tokens_in = rng.next() % 2000;
            LogEntry {
                id: new_log_id(created as f64, random),
                created_at_ms: created,
                gateway: "gw".into(),
                provider: provider.into(),
                model: model.into(),
                endpoint: "/v1/chat/completions".into(),
                method: "POST".into(),
                status,
                success: status < 400,
                duration_ms: rng.next() % 5000,
                ttfb_ms: (i % 4 != 0).then_some(rng.next() % 500),
                tokens_in,
                tokens_out: rng.next() % 800,
                tokens_cached: tokens_in / 4,
                tokens_estimated: i % 11 == 0,
                // Multiples of 1/1024 sum exactly in any order.
                cost: (i % 7 != 0).then(|| (rng.next() % 4096) as f64 / 1024.0),
                cache_status: caches[(rng.next() % 4) as usize],
                step: (i % 2) as u32,
                attempts: 1 + (i % 3) as u32,
                virtual_key_id: (i % 3 == 0).then(|| format!("vk{}", i % 2)),
                virtual_key_name: (i % 3 == 0).then(|| format!("app {}", i % 2)),
                metadata,
                error: (status >= 400).then(|| "upstream said no".to_string()),
                cache_error: None,
                limit_error: None,
                guardrails: None,
                cache_semantic: (i % 7 == 0).then(|| r#"{"outcome":"hit","similarity":0.973}"#.to_string()),
                request_body: Some(format!("{{\"messages\":[{{\"content\":\"hello {i} 100%_done\"}}]}}")),
                response_body: (i % 5 != 0).then(|| format!("{{\"answer\":\"reply-{i}\"}}")),
                user_agent: Some("ua/1".into()),
                feedback: None,
                score: None,
                comment: None,
            }
        })
        .collect()
}
