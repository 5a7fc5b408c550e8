//! Unit tests of `cache::store`.

use std::cell::Cell;
use std::rc::Rc;

use pollster::block_on;

use super::*;
use crate::cache::entry::KV_MAX_VALUE_BYTES;

fn clocked() -> (Rc<Cell<f64>>, MemoryCacheStore) {
    let now = Rc::new(Cell::new(1_000_000.0));
    let clock = now.clone();
    (now, MemoryCacheStore::new(move || clock.get()))
}

/// The key a client's `cf-aig-cache-key: {custom}` names on `gateway_id`'s chat completions (also
/// used by the other cache tests).
pub(crate) fn custom_key(gateway_id: &str, custom: &str) -> CacheKey {
    let headers = crate::headers::Headers::new();
    let input = crate::cache::key::KeyInput {
        gateway_id,
        provider: "openai",
        method: "POST",
        endpoint: "/v1/chat/completions",
        headers: &headers,
        body: b"",
    };
    CacheKey::custom(&input, custom, crate::cache::key::CustomKeyScope::Endpoint)
}

/// A store whose every call fails, as KV does when overloaded (also used by the other cache tests).
pub(crate) struct FailingStore;

#[async_trait(?Send)]
impl CacheStore for FailingStore {
    async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        Err(GatewayError::internal("KV GET failed: 503"))
    }
    async fn put(&self, _: &str, _: &[u8], _: u64) -> Result<(), GatewayError> {
        Err(GatewayError::internal("KV PUT failed: 429"))
    }
    async fn delete(&self, _: &str) -> Result<(), GatewayError> {
        Err(GatewayError::internal("KV DELETE failed"))
    }
    async fn list(&self, _: &str, _: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        Err(GatewayError::internal("KV LIST failed"))
    }
}

fn entry(log_id: Option<&str>, stored_at_ms: f64) -> CacheEntry {
    CacheEntry {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        stored_at_ms,
        sse: false,
        log_id: log_id.map(str::to_string),
        ttl_s: None,
        body: b"{\"ok\":true}".to_vec(),
    }
}

fn use_key(key: &CacheKey, ttl_s: u64) -> CacheDecision {
    CacheDecision::Use { key: key.clone(), ttl_s }
}

#[test]
fn memory_store_get_put_delete() {
    let (_, store) = clocked();
    block_on(async {
        assert_eq!(store.get("a").await, Ok(None));
        store.put("a", b"1", 60).await.expect("put");
        store.put("a", b"2", 60).await.expect("overwrite");
        assert_eq!(store.get("a").await, Ok(Some(b"2".to_vec())));
        store.delete("a").await.expect("delete");
        store.delete("a").await.expect("deleting an absent key succeeds");
        assert_eq!(store.get("a").await, Ok(None));
    });
}

#[test]
fn memory_store_expires_on_the_injected_clock() {
    let (now, store) = clocked();
    block_on(async {
        store.put("short", b"s", 60).await.expect("put");
        store.put("forever", b"f", 0).await.expect("put");
        now.set(now.get() + 59_999.0);
        assert_eq!(store.get("short").await, Ok(Some(b"s".to_vec())));
        now.set(now.get() + 1.0);
        assert_eq!(store.get("short").await, Ok(None), "expired at exactly ttl");
        assert_eq!(store.list("", None).await, Ok((vec!["forever".to_string()], None)), "expired keys are not listed");
        now.set(now.get() + 1e12);
        assert_eq!(store.get("forever").await, Ok(Some(b"f".to_vec())));
    });
}

#[test]
fn memory_store_lists_by_prefix_with_cursors() {
    let (_, store) = clocked();
    let store = store.with_page_size(2);
    block_on(async {
        for key in ["v1/a/1", "v1/a/2", "v1/a/3", "v1/a/log/x", "v1/ab/1", "v1/b/1", "v0/a/1"] {
            store.put(key, &[], 60).await.expect("put");
        }
        let mut all = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let (keys, next) = store.list("v1/a/", cursor).await.expect("list");
            assert!(keys.len() <= 2);
            pages += 1;
            all.extend(keys);
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(all, ["v1/a/1", "v1/a/2", "v1/a/3", "v1/a/log/x"]);
        assert_eq!(pages, 2, "an exactly full last page has no next cursor");
        assert_eq!(store.list("v1/z/", None).await, Ok((vec![], None)));
        assert_eq!(store.list("", None).await.expect("list").0.len(), 2);
    });
}

#[test]
fn lookup_skips_when_not_using_the_cache() {
    block_on(async {
        assert_eq!(lookup(&FailingStore, &CacheDecision::Off, 0.0).await, Lookup::Skip);
        assert_eq!(lookup(&FailingStore, &CacheDecision::Bypass, 0.0).await, Lookup::Skip);
    });
}

#[test]
fn store_then_lookup_hits_until_the_request_ttl() {
    let (now, store) = clocked();
    let key = custom_key("gw", "k");
    let t0 = now.get();
    block_on(async {
        assert_eq!(lookup(&store, &use_key(&key, 300), t0).await, Lookup::Miss);
        assert_eq!(super::store(&store, &key, &entry(None, t0), 300).await, StoreOutcome::Stored);
        let Lookup::Hit { entry: hit } = lookup(&store, &use_key(&key, 300), t0 + 10_000.0).await else {
            panic!("expected a hit")
        };
        assert_eq!(hit, entry(None, t0));
        assert_eq!(hit.hit_headers(t0 + 10_000.0).get("age"), Some("10"));
        // A request asking for at most 60 s of age does not get a 120 s old answer.
        assert_eq!(lookup(&store, &use_key(&key, 60), t0 + 120_000.0).await, Lookup::Miss);
        assert!(matches!(lookup(&store, &use_key(&key, 300), t0 + 120_000.0).await, Lookup::Hit { .. }));
        now.set(t0 + 300_000.0);
        assert_eq!(lookup(&store, &use_key(&key, 300), now.get()).await, Lookup::Miss, "KV expired it");
    });
}

#[test]
fn an_entry_is_not_served_past_the_ttl_it_was_stored_with() {
    // A copy read from memory (or from a store that keeps values longer) must not outlive the
    // expirationTtl KV was given, even for a request that accepts older answers.
    let (now, store) = clocked();
    let key = custom_key("gw", "k");
    let t0 = now.get();
    let stored = CacheEntry { ttl_s: Some(60), ..entry(None, t0) };
    block_on(async {
        store.put(&key.kv_key(), &stored.encode(KV_MAX_VALUE_BYTES).expect("encodes"), 0).await.expect("put");
        let Lookup::Hit { entry: hit } = lookup(&store, &use_key(&key, 3600), t0 + 59_000.0).await else {
            panic!("expected a hit")
        };
        assert_eq!(hit.ttl_s, Some(60), "the TTL survives encoding");
        assert_eq!(lookup(&store, &use_key(&key, 3600), t0 + 60_000.0).await, Lookup::Miss);
    });
}

#[test]
fn lookup_turns_store_errors_and_garbage_into_misses() {
    let key = custom_key("gw", "k");
    block_on(async {
        let Lookup::Error(msg) = lookup(&FailingStore, &use_key(&key, 300), 0.0).await else {
            panic!("expected Error")
        };
        assert_eq!(msg, format!("cache read of {} failed: KV GET failed: 503", key.kv_key()));

        let (_, store) = clocked();
        store.put(&key.kv_key(), b"\x00\xffgarbage", 60).await.expect("put");
        let Lookup::Error(msg) = lookup(&store, &use_key(&key, 300), 0.0).await else { panic!("expected Error") };
        assert!(msg.starts_with(&format!("cache entry {} is unreadable: no header line", key.kv_key())), "{msg}");
    });
}

#[test]
fn store_writes_the_log_index_and_clamps_the_ttl() {
    let (now, store) = clocked();
    let key = custom_key("gw", "k");
    block_on(async {
        assert_eq!(super::store(&store, &key, &entry(Some("01LOG"), 0.0), 1).await, StoreOutcome::Stored);
        assert_eq!(store.get("v1/gw/log/01LOG").await, Ok(Some(key.kv_key().into_bytes())));
        now.set(now.get() + 59_000.0);
        assert!(store.get(&key.kv_key()).await.expect("get").is_some(), "ttl raised to KV's 60 s minimum");
        now.set(now.get() + 1_000.0);
        assert_eq!(store.get(&key.kv_key()).await, Ok(None));
        assert_eq!(store.get("v1/gw/log/01LOG").await, Ok(None), "the index expires with the entry");
    });
}

#[test]
fn store_never_fails_and_reports_why() {
    let key = custom_key("gw", "k");
    block_on(async {
        assert_eq!(
            super::store(&FailingStore, &key, &entry(None, 0.0), 60).await,
            StoreOutcome::Error(format!("cache write of {} failed: KV PUT failed: 429", key.kv_key()))
        );
        let (_, store) = clocked();
        let big = CacheEntry { body: vec![0; KV_MAX_VALUE_BYTES], ..entry(None, 0.0) };
        assert_eq!(super::store(&store, &key, &big, 60).await, StoreOutcome::TooLarge);
        assert_eq!(store.get(&key.kv_key()).await, Ok(None));
        let long_log = "l".repeat(KV_MAX_KEY_BYTES);
        let outcome = super::store(&store, &key, &entry(Some(&long_log), 0.0), 60).await;
        assert_eq!(outcome, StoreOutcome::Error("log id is too long to index for purge (512 bytes)".into()));
        assert!(store.get(&key.kv_key()).await.expect("get").is_some(), "the entry itself was stored");
    });
}
