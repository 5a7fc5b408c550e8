//! Property tests of the logs admin API: any method, path, query string and body is answered
//! (every statement valid on a real SQLite shard) or refused with a 4xx.

use async_trait::async_trait;
use proptest::prelude::*;
use proptest::sample::select;
use rusqlite::Connection;

use super::*;
use crate::logs::id::new_log_id;
use crate::logs::sql::Statement;
use crate::logs::test_db::{insert, open, query, sample_entries};
use crate::strategies::{assert_client_error, config, shaped_body, text, word, Shape};

/// One shard holding a few entries; every batch is rolled back, so cases do not see each other.
struct Shard(Connection);

#[async_trait(?Send)]
impl LogStore for Shard {
    fn shards(&self) -> u32 {
        1
    }

    async fn run(&self, _shard: u32, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        let rollback = self.0.unchecked_transaction().unwrap();
        let rows = statements.iter().map(|st| query(&self.0, st)).collect();
        drop(rollback);
        Ok(rows)
    }

    async fn run_retention(&self, _shard: u32) -> Result<u64, GatewayError> {
        Ok(0)
    }
}

const FEEDBACK: Shape = Shape::Obj(&[
    ("feedback", Shape::Opt(&Shape::Int(0, 2))),
    ("score", Shape::Opt(&Shape::Int(0, 120))),
    ("comment", Shape::Opt(&Shape::Text)),
]);

fn path(known_id: String) -> impl Strategy<Value = String> {
    let id = prop_oneof![Just(known_id), any::<[u8; 10]>().prop_map(|r| new_log_id(1.7e12, r)), text()];
    prop_oneof![
        word(&["/api/logs", "/api/stats", "/api/logs/retention", "/api/logs/", "/api"]),
        id.prop_map(|id| format!("/api/logs/{id}")),
    ]
}

fn query_string() -> impl Strategy<Value = String> {
    let pair = (
        word(&["provider", "status", "limit", "format", "bucket", "group_by", "metadata.user", "from", "to", "bodies"]),
        word(&["openai", "5xx", "10", "csv", "jsonl", "1m", "model", "u1", "0", "1700000000000", "true", ""]),
    );
    proptest::collection::vec(pair, 0..4)
        .prop_map(|pairs| pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))
}

fn request() -> impl Strategy<Value = (String, String, String, Vec<u8>)> {
    let entries = sample_entries(12, 5);
    let known = entries[3].id.clone();
    let method = prop_oneof![select(&["GET", "POST", "PATCH", "DELETE", "PUT"][..]).prop_map(str::to_string), text()];
    (method, path(known), query_string(), shaped_body(&FEEDBACK))
}

proptest! {
    // Each case sets up a SQLite database with entries: fewer cases than the pure parsers.
    #![proptest_config(config(300))]

    #[test]
    fn any_admin_request_is_answered_or_refused_with_a_4xx((method, path, query, body) in request()) {
        let shard = Shard(open());
        insert(&shard.0, &sample_entries(12, 5));
        let request = AdminRequest { method: &method, path: &path, query: &query, body: &body };
        match pollster::block_on(handle(&shard, request)) {
            Ok(reply) => {
                prop_assert_eq!(reply.status, 200);
                if reply.headers.get("content-type") == Some("application/json") {
                    prop_assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok());
                }
            }
            Err(e) => assert_client_error(&e)?,
        }
    }
}
