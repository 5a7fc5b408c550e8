use std::cell::Cell;

use async_trait::async_trait;
use pollster::block_on;
use serde_json::{json, Value};

use super::*;
use crate::cache::store::MemoryCacheStore;

/// Counts the KV operations made on an inner store.
struct Counting {
    inner: MemoryCacheStore,
    operations: Cell<usize>,
}

impl Counting {
    fn count(&self) {
        self.operations.set(self.operations.get() + 1);
    }
}

#[async_trait(?Send)]
impl CacheStore for Counting {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        self.count();
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError> {
        self.count();
        self.inner.put(key, value, ttl_s).await
    }
    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        self.count();
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        self.count();
        self.inner.list(prefix, cursor).await
    }
}

/// A store holding `n` entries of `gateway`.
fn store_with(gateway: &str, n: usize) -> MemoryCacheStore {
    let store = MemoryCacheStore::new(|| 0.0);
    for i in 0..n {
        block_on(store.put(&format!("v1/{gateway}/{i:064x}"), b"entry", 0)).unwrap();
    }
    store
}

fn keys(store: &MemoryCacheStore, prefix: &str) -> usize {
    block_on(store.list(prefix, None)).unwrap().0.len()
}

fn answer(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers.get("content-type"), Some("application/json"));
    serde_json::from_slice(&reply.body).unwrap()
}

#[test]
fn purging_all_deletes_only_this_gateways_entries() {
    let store = store_with("gw", 3);
    block_on(store.put("v1/other/1", b"kept", 0)).unwrap();
    let reply = block_on(purge(&store, "gw", br#"{"all":true}"#)).unwrap();
    assert_eq!(answer(&reply), json!({ "deleted": 3, "more": false }));
    assert_eq!(keys(&store, "v1/gw/"), 0);
    assert_eq!(keys(&store, "v1/other/"), 1);
}

#[test]
fn one_request_stops_at_the_deletion_limit_and_says_there_is_more() {
    let store = store_with("gw", MAX_DELETES + 5);
    let first = block_on(purge(&store, "gw", br#"{"all":true}"#)).unwrap();
    assert_eq!(answer(&first), json!({ "deleted": MAX_DELETES, "more": true }));
    assert_eq!(keys(&store, "v1/gw/"), 5);
    let second = block_on(purge(&store, "gw", br#"{"all":true}"#)).unwrap();
    assert_eq!(answer(&second), json!({ "deleted": 5, "more": false }));
}

#[test]
fn one_request_stays_within_kvs_operations_per_invocation() {
    // KV allows 1,000 operations per invocation and lists up to 1,000 keys per call.
    let store = Counting { inner: store_with("gw", 2_500), operations: Cell::new(0) };
    let reply = block_on(purge(&store, "gw", br#"{"all":true}"#)).unwrap();
    assert_eq!(answer(&reply)["more"], json!(true));
    assert!(store.operations.get() <= 1_000, "{} operations", store.operations.get());
}

#[test]
fn a_bad_body_is_400_and_deletes_nothing() {
    let store = store_with("gw", 2);
    for body in ["", "{}", r#"{"all":false}"#, r#"{"all":true,"key":"x"}"#] {
        let err = block_on(purge(&store, "gw", body.as_bytes())).unwrap_err();
        assert_eq!(err.status(), 400, "{body:?}");
    }
    assert_eq!(keys(&store, "v1/gw/"), 2);
}
