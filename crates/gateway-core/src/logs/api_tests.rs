use std::collections::HashSet;

use async_trait::async_trait;
use rusqlite::Connection;

use super::*;
use crate::logs::entry::LogEntry;
use crate::logs::headers::MetaValue;
use crate::logs::retention::retention_statements;
use crate::logs::settings::LogSettings;
use crate::logs::sql::Statement;
use crate::logs::test_db::{count, exec, insert_statements, open, query, sample_entries, BASE_MS};

/// Shards as in-memory SQLite databases, each batch in one transaction.
struct SqliteShards {
    dbs: Vec<Connection>,
    settings: LogSettings,
    now_ms: f64,
}

impl SqliteShards {
    fn with(entries: &[LogEntry], shards: u32) -> Self {
        let store = SqliteShards {
            dbs: (0..shards).map(|_| open()).collect(),
            settings: LogSettings::default(),
            now_ms: BASE_MS as f64,
        };
        for e in entries {
            let db = &store.dbs[shard_of(&e.id, shards) as usize];
            for st in insert_statements(std::slice::from_ref(e)) {
                exec(db, &st);
            }
        }
        store
    }

    fn total(&self) -> i64 {
        self.dbs.iter().map(count).sum()
    }
}

#[async_trait(?Send)]
impl LogStore for SqliteShards {
    fn shards(&self) -> u32 {
        self.dbs.len() as u32
    }

    async fn run(&self, shard: u32, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        let db = &self.dbs[shard as usize];
        db.execute_batch("BEGIN").unwrap();
        let out = statements.iter().map(|st| query(db, st)).collect();
        db.execute_batch("COMMIT").unwrap();
        Ok(out)
    }

    async fn run_retention(&self, shard: u32) -> Result<u64, GatewayError> {
        let db = &self.dbs[shard as usize];
        Ok(retention_statements(&self.settings, self.now_ms).iter().map(|st| exec(db, st) as u64).sum())
    }
}

fn call(store: &dyn LogStore, method: &str, path: &str, query: &str, body: &str) -> Result<Reply, GatewayError> {
    pollster::block_on(handle(store, AdminRequest { method, path, query, body: body.as_bytes() }))
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body).unwrap()
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn pages_over_all_shards_return_every_entry_once_newest_first() {
    let entries = sample_entries(300, 7);
    let store = SqliteShards::with(&entries, 4);
    let u1 = MetaValue::String("u1".into());
    for (filter, expected) in [
        ("", entries.len()),
        ("&provider=openai", entries.iter().filter(|e| e.provider == "openai").count()),
        (
            "&status=4xx&metadata.user=u1",
            entries.iter().filter(|e| e.status / 100 == 4 && e.metadata.get("user") == Some(&u1)).count(),
        ),
    ] {
        let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let q = format!("limit=37{filter}{}", cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default());
            let page = json(&call(&store, "GET", "/api/logs", &q, "").unwrap());
            seen.extend(ids(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{filter}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), expected, "no duplicates for {filter}");
        assert_eq!(pages, expected.div_ceil(37).max(1), "{filter}");
        let mut sorted: Vec<(i64, String)> =
            entries.iter().filter(|e| seen.contains(&e.id)).map(|e| (e.created_at_ms, e.id.clone())).collect();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted.into_iter().map(|(_, id)| id).collect::<Vec<_>>());
    }
}

#[test]
fn get_patch_and_delete_by_id() {
    let entries = sample_entries(20, 3);
    let store = SqliteShards::with(&entries, 4);
    let id = &entries[5].id;
    let path = format!("/api/logs/{id}");
    let got = json(&call(&store, "GET", &path, "", "").unwrap());
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["request_body"], entries[5].request_body.as_deref().unwrap());

    let patched = json(&call(&store, "PATCH", &path, "", r#"{"feedback":-1,"score":42,"comment":"meh"}"#).unwrap());
    assert_eq!((patched["feedback"].as_i64(), patched["score"].as_f64()), (Some(-1), Some(42.0)));
    assert_eq!(json(&call(&store, "GET", &path, "", "").unwrap())["comment"], "meh");
    let err = call(&store, "PATCH", &path, "", r#"{"feedback":2}"#).unwrap_err();
    assert_eq!(err.status(), 400);

    assert_eq!(json(&call(&store, "DELETE", &path, "", "").unwrap())["deleted"], 1);
    assert_eq!(call(&store, "GET", &path, "", "").unwrap_err().status(), 404);
    assert_eq!(call(&store, "DELETE", &path, "", "").unwrap_err().status(), 404);
    assert_eq!(call(&store, "PATCH", &path, "", r#"{"feedback":1}"#).unwrap_err().status(), 404);
    assert_eq!(call(&store, "GET", "/api/logs/not-an-id", "", "").unwrap_err().status(), 400);
    assert_eq!(store.total(), 19);
}

#[test]
fn delete_by_filter_counts_and_refuses_an_empty_filter() {
    let entries = sample_entries(120, 5);
    let store = SqliteShards::with(&entries, 3);
    assert_eq!(call(&store, "DELETE", "/api/logs", "", "").unwrap_err().status(), 400);
    assert_eq!(call(&store, "DELETE", "/api/logs", "provder=openai", "").unwrap_err().status(), 400);
    let openai = entries.iter().filter(|e| e.provider == "openai").count();
    let reply = json(&call(&store, "DELETE", "/api/logs", "provider=openai", "").unwrap());
    assert_eq!(reply["deleted"], openai);
    assert_eq!(store.total() as usize, entries.len() - openai);
}

#[test]
fn stats_match_the_raw_entries() {
    let entries = sample_entries(240, 11);
    let store = SqliteShards::with(&entries, 4);
    let reply = json(&call(&store, "GET", "/api/stats", "bucket=1m&group_by=provider", "").unwrap());
    let series = reply["series"].as_array().unwrap();
    let requests: u64 = series.iter().map(|p| p["requests"].as_u64().unwrap()).sum();
    let errors: u64 = series.iter().map(|p| p["errors"].as_u64().unwrap()).sum();
    let tokens: u64 = series.iter().map(|p| p["tokens_in"].as_u64().unwrap()).sum();
    let cost: f64 = series.iter().map(|p| p["cost"].as_f64().unwrap()).sum();
    assert_eq!(requests as usize, entries.len());
    assert_eq!(errors as usize, entries.iter().filter(|e| !e.success).count());
    assert_eq!(tokens, entries.iter().map(|e| e.tokens_in).sum::<u64>());
    assert_eq!(cost, entries.iter().filter_map(|e| e.cost).sum::<f64>());
    // Buckets are whole minutes, even though the shards bind numbers as REAL in Workers.
    assert!(series.iter().all(|p| p["bucket_start_ms"].as_i64().unwrap() % 60_000 == 0));
    assert_eq!(call(&store, "GET", "/api/stats", "bucket=7m", "").unwrap_err().status(), 400);
}

#[test]
fn exports_pages_as_jsonl_and_csv_with_the_cursor_in_a_header() {
    let entries = sample_entries(30, 9);
    let store = SqliteShards::with(&entries, 2);
    let jsonl = call(&store, "GET", "/api/logs", "format=jsonl&limit=10", "").unwrap();
    assert_eq!(jsonl.headers.get("content-type"), Some("application/x-ndjson"));
    assert!(jsonl.headers.get(NEXT_CURSOR_HEADER).is_some());
    let text = String::from_utf8(jsonl.body).unwrap();
    assert_eq!(text.lines().count(), 10);
    let csv = call(&store, "GET", "/api/logs", "format=csv&limit=1000", "").unwrap();
    assert_eq!(csv.headers.get(NEXT_CURSOR_HEADER), None);
    assert_eq!(String::from_utf8(csv.body).unwrap().split("\r\n").filter(|l| !l.is_empty()).count(), 31);
    assert_eq!(call(&store, "GET", "/api/logs", "format=xml", "").unwrap_err().status(), 400);
}

#[test]
fn retention_runs_on_every_shard() {
    let entries = sample_entries(100, 13);
    let mut store = SqliteShards::with(&entries, 4);
    store.settings.max_rows_per_shard = Some(5);
    let reply = json(&call(&store, "POST", "/api/logs/retention", "", "").unwrap());
    assert_eq!(reply["deleted"], 100 - 20);
    assert_eq!(store.total(), 20);
    // The rows kept are each shard's newest.
    let newest = json(&call(&store, "GET", "/api/logs", "limit=1", "").unwrap());
    let mut all = entries.clone();
    all.sort_by(|a, b| (b.created_at_ms, &b.id).cmp(&(a.created_at_ms, &a.id)));
    assert_eq!(ids(&newest), vec![all[0].id.clone()]);
}

#[test]
fn unknown_routes_and_methods() {
    let store = SqliteShards::with(&[], 1);
    assert_eq!(call(&store, "PUT", "/api/logs", "", "").unwrap_err().status(), 405);
    assert_eq!(call(&store, "GET", "/api/logs/a/b", "", "").unwrap_err().status(), 404);
    assert_eq!(json(&call(&store, "GET", "/api/logs", "", "").unwrap())["entries"], serde_json::json!([]));
}

#[test]
fn join_all_keeps_input_order() {
    let futures: Vec<Pin<Box<dyn Future<Output = u32>>>> =
        (0..5u32).map(|i| Box::pin(async move { i * 2 }) as Pin<Box<dyn Future<Output = u32>>>).collect();
    assert_eq!(pollster::block_on(join_all(futures)), vec![0, 2, 4, 6, 8]);
}

#[test]
fn the_fine_tuning_export_reads_bodies_of_successful_entries_and_counts_what_it_left_out() {
    let mut entries = sample_entries(60, 21);
    let chat = |i: usize| {
        let request =
            serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": format!("q{i}")}]});
        let answer = serde_json::json!({"choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": format!("a{i}")}}]});
        (request.to_string(), answer.to_string())
    };
    for (i, e) in entries.iter_mut().enumerate() {
        e.endpoint = if i % 7 == 0 { "/embeddings".into() } else { "/chat/completions".into() };
        let (request, answer) = chat(i);
        (e.request_body, e.response_body) = (Some(request), Some(answer));
        e.feedback = [None, Some(1), Some(-1)][i % 3];
    }
    let store = SqliteShards::with(&entries, 3);
    let examples = |query: &str| {
        let reply = call(&store, "GET", "/api/logs", query, "").unwrap();
        assert_eq!(reply.headers.get("content-type"), Some("application/x-ndjson"));
        let skipped: usize = reply.headers.get(SKIPPED_HEADER).unwrap().parse().unwrap();
        let users: HashSet<String> = String::from_utf8(reply.body)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["messages"][0]["content"].to_string())
            .collect();
        (users, skipped)
    };
    for (query, wanted) in [
        ("format=finetune&limit=100", &|_: &LogEntry| true),
        ("format=finetune&limit=100&feedback=1", &|e: &LogEntry| e.feedback == Some(1)),
    ] as [(&str, &dyn Fn(&LogEntry) -> bool); 2]
    {
        let selected: Vec<(usize, &LogEntry)> =
            entries.iter().enumerate().filter(|(_, e)| e.success && wanted(e)).collect();
        let want: HashSet<String> =
            selected.iter().filter(|(i, _)| i % 7 != 0).map(|(i, _)| format!("\"q{i}\"")).collect();
        let (got, skipped) = examples(query);
        assert_eq!(got, want, "{query}");
        assert_eq!(skipped, selected.len() - want.len(), "{query}: the embeddings rows");
    }
    for bad in ["format=finetune&success=false", "format=finetune&limit=101"] {
        let err = call(&store, "GET", "/api/logs", bad, "").unwrap_err();
        assert_eq!(err.status(), 400, "{bad}");
    }
}
