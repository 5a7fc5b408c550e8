//! Unit tests of `cache::purge`.

use std::cell::Cell;
use std::rc::Rc;

use pollster::block_on;

use super::*;
use crate::cache::entry::CacheEntry;
use crate::cache::store::tests::FailingStore;
use crate::cache::store::{store, MemoryCacheStore, StoreOutcome};

fn error(body: &str) -> String {
    let e = parse_purge("gw", body.as_bytes()).expect_err(body);
    assert_eq!(e.status(), 400);
    e.message().to_string()
}

#[test]
fn parses_each_form() {
    assert_eq!(
        parse_purge("gw", br#"{"key":"faq"}"#),
        Ok(PurgePlan::Keys(vec![CacheKey::custom("gw", "faq").kv_key()]))
    );
    assert_eq!(
        parse_purge("gw", br#"{"log_id":"01HX"}"#),
        Ok(PurgePlan::LogIndex { index_key: "v1/gw/log/01HX".into() })
    );
    assert_eq!(parse_purge("gw", br#"{"all":true}"#), Ok(PurgePlan::Prefix("v1/gw/".into())));
}

#[test]
fn a_kv_key_is_taken_as_both_kv_key_and_custom_key() {
    let kv = CacheKey::custom("gw", "x").kv_key();
    let body = format!(r#"{{"key":"{kv}"}}"#);
    assert_eq!(
        parse_purge("gw", body.as_bytes()),
        Ok(PurgePlan::Keys(vec![kv.clone(), CacheKey::custom("gw", &kv).kv_key()]))
    );
    // Another gateway's KV key is only ever a custom key of this one.
    assert_eq!(
        parse_purge("other", body.as_bytes()),
        Ok(PurgePlan::Keys(vec![CacheKey::custom("other", &kv).kv_key()]))
    );
}

#[test]
fn rejects_malformed_bodies() {
    assert!(error("not json").starts_with("purge body must be a JSON object: "));
    let shape = "purge body must be a JSON object with one of \"key\", \"log_id\" or \"all\"";
    assert_eq!(error("[]"), shape);
    assert_eq!(error("\"key\""), shape);
    assert_eq!(error("{}"), "purge body must have exactly one of \"key\", \"log_id\" or \"all\"");
    assert_eq!(
        error(r#"{"key":"a","all":true}"#),
        "purge body must have exactly one of \"key\", \"log_id\" or \"all\""
    );
    assert_eq!(
        error(r#"{"keys":["a"]}"#),
        "purge body has unknown field \"keys\"; expected one of \"key\", \"log_id\" or \"all\""
    );
    assert_eq!(error(r#"{"key":""}"#), "purge field \"key\" must be a non-empty string");
    assert_eq!(error(r#"{"key":5}"#), "purge field \"key\" must be a non-empty string");
    assert_eq!(error(r#"{"log_id":null}"#), "purge field \"log_id\" must be a non-empty string");
    assert_eq!(error(r#"{"all":false}"#), "purge field \"all\" must be true");
    assert_eq!(error(r#"{"all":"true"}"#), "purge field \"all\" must be true");
}

fn entry(log_id: &str) -> CacheEntry {
    CacheEntry {
        status: 200,
        headers: vec![],
        stored_at_ms: 0.0,
        sse: false,
        log_id: Some(log_id.into()),
        ttl_s: None,
        body: b"{}".to_vec(),
    }
}

fn memory() -> MemoryCacheStore {
    let now = Rc::new(Cell::new(0.0));
    MemoryCacheStore::new(move || now.get()).with_page_size(2)
}

async fn keys(store: &MemoryCacheStore) -> Vec<String> {
    store.list("", None).await.map(|(k, _)| k).unwrap_or_default()
}

#[test]
fn purge_by_log_id_deletes_the_entry_and_its_index() {
    let store_ = memory();
    block_on(async {
        let a = CacheKey::custom("gw", "a");
        let b = CacheKey::custom("gw", "b");
        assert_eq!(store(&store_, &a, &entry("LA"), 60).await, StoreOutcome::Stored);
        assert_eq!(store(&store_, &b, &entry("LB"), 60).await, StoreOutcome::Stored);
        let plan = parse_purge("gw", br#"{"log_id":"LA"}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 2, more: false }));
        assert_eq!(store_.get(&a.kv_key()).await, Ok(None));
        assert!(store_.get(&b.kv_key()).await.expect("get").is_some());
        assert_eq!(store_.list("v1/gw/log/", None).await.map(|(k, _)| k), Ok(vec!["v1/gw/log/LB".to_string()]));
        // An unknown log id deletes only its (absent) index key.
        let plan = parse_purge("gw", br#"{"log_id":"nope"}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 1, more: false }));
    });
}

#[test]
fn corrupt_log_index_cannot_delete_outside_the_gateway() {
    let store_ = memory();
    block_on(async {
        let foreign = CacheKey::custom("other", "x").kv_key();
        store_.put(&foreign, b"v".to_vec(), 60).await.expect("put");
        store_.put("v1/gw/log/L", foreign.clone().into_bytes(), 60).await.expect("put");
        let plan = PurgePlan::LogIndex { index_key: "v1/gw/log/L".into() };
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 1, more: false }));
        assert!(store_.get(&foreign).await.expect("get").is_some());
    });
}

#[test]
fn purge_by_key_and_all_stay_in_the_gateway() {
    let store_ = memory();
    block_on(async {
        for (gw, k) in [("gw", "a"), ("gw", "b"), ("gw", "c"), ("gwx", "a")] {
            assert_eq!(store(&store_, &CacheKey::custom(gw, k), &entry(k), 60).await, StoreOutcome::Stored);
        }
        let plan = parse_purge("gw", br#"{"key":"a"}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 1, more: false }));
        assert_eq!(store_.get(&CacheKey::custom("gw", "a").kv_key()).await, Ok(None));
        assert!(store_.get(&CacheKey::custom("gwx", "a").kv_key()).await.expect("get").is_some());

        // gw holds b, c and three log index keys: 5 keys; a limit of 3 leaves more.
        let all = parse_purge("gw", br#"{"all":true}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &all, 3).await, Ok(PurgeResult { deleted: 3, more: true }));
        assert_eq!(run_purge(&store_, "gw", &all, 3).await, Ok(PurgeResult { deleted: 2, more: false }));
        let left = keys(&store_).await;
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.iter().all(|k| k.starts_with("v1/gwx/")), "{left:?}");
    });
}

#[test]
fn store_errors_fail_the_purge() {
    block_on(async {
        for plan in [
            PurgePlan::Keys(vec!["k".into()]),
            PurgePlan::LogIndex { index_key: "i".into() },
            PurgePlan::Prefix("p".into()),
        ] {
            assert_eq!(
                run_purge(&FailingStore, "gw", &plan, 10).await.map(|_| ()).map_err(|e| e.message().to_string()),
                Err(match plan {
                    PurgePlan::Keys(_) => "KV DELETE failed",
                    PurgePlan::LogIndex { .. } => "KV GET failed: 503",
                    PurgePlan::Prefix(_) => "KV LIST failed",
                }
                .to_string())
            );
        }
    });
}
