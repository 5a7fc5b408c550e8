//! Unit tests of `cache::purge`.

use std::cell::Cell;
use std::rc::Rc;

use pollster::block_on;

use super::*;
use crate::cache::entry::CacheEntry;
use crate::cache::key::{CustomKeyScope, KeyInput};
use crate::cache::store::tests::{custom_key, FailingStore};
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
        Ok(PurgePlan::Key { kv_key: None, custom_prefix: custom_key_prefix("gw", "faq") })
    );
    assert_eq!(
        parse_purge("gw", br#"{"log_id":"01HX"}"#),
        Ok(PurgePlan::LogIndex { index_key: "v1/gw/log/01HX".into() })
    );
    assert_eq!(parse_purge("gw", br#"{"all":true}"#), Ok(PurgePlan::Prefix("v1/gw/".into())));
}

#[test]
fn a_kv_key_is_taken_as_both_kv_key_and_custom_key() {
    for kv in [custom_key("gw", "x").kv_key(), format!("v1/gw/{}", "a".repeat(64))] {
        let body = format!(r#"{{"key":"{kv}"}}"#);
        assert_eq!(
            parse_purge("gw", body.as_bytes()),
            Ok(PurgePlan::Key { kv_key: Some(kv.clone()), custom_prefix: custom_key_prefix("gw", &kv) })
        );
        // Another gateway's KV key is only ever a custom key of this one.
        assert_eq!(
            parse_purge("other", body.as_bytes()),
            Ok(PurgePlan::Key { kv_key: None, custom_prefix: custom_key_prefix("other", &kv) })
        );
    }
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
        let a = custom_key("gw", "a");
        let b = custom_key("gw", "b");
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
        let foreign = custom_key("other", "x").kv_key();
        store_.put(&foreign, b"v", 60).await.expect("put");
        store_.put("v1/gw/log/L", foreign.as_bytes(), 60).await.expect("put");
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
            assert_eq!(store(&store_, &custom_key(gw, k), &entry(k), 60).await, StoreOutcome::Stored);
        }
        let plan = parse_purge("gw", br#"{"key":"a"}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 1, more: false }));
        assert_eq!(store_.get(&custom_key("gw", "a").kv_key()).await, Ok(None));
        assert!(store_.get(&custom_key("gwx", "a").kv_key()).await.expect("get").is_some());

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
fn purge_by_key_deletes_the_custom_key_at_every_scope_and_endpoint() {
    let store_ = memory();
    let no_headers = crate::headers::Headers::new();
    let at = |method, provider, endpoint, key, scope| {
        let input = KeyInput { gateway_id: "gw", provider, method, endpoint, headers: &no_headers, body: b"" };
        CacheKey::custom(&input, key, scope)
    };
    block_on(async {
        let faq = [
            at("POST", "openai", "/v1/chat/completions", "faq", CustomKeyScope::Endpoint),
            at("POST", "compat", "/chat/completions", "faq", CustomKeyScope::Endpoint),
            at("GET", "openai", "/v1/models", "faq", CustomKeyScope::Gateway),
        ];
        let other = at("POST", "openai", "/v1/chat/completions", "faq-2", CustomKeyScope::Endpoint);
        for key in faq.iter().chain([&other]) {
            let mut e = entry("L");
            e.log_id = None;
            assert_eq!(store(&store_, key, &e, 60).await, StoreOutcome::Stored);
        }
        let plan = parse_purge("gw", br#"{"key":"faq"}"#).expect("plan");
        assert_eq!(run_purge(&store_, "gw", &plan, 900).await, Ok(PurgeResult { deleted: 3, more: false }));
        assert_eq!(keys(&store_).await, vec![other.kv_key()]);
        // The deletion limit holds across the KV key and the folder.
        let default_key = format!("v1/gw/{}", "a".repeat(64));
        store_.put(&default_key, b"v", 60).await.expect("put");
        let plan = PurgePlan::Key { kv_key: Some(default_key), custom_prefix: custom_key_prefix("gw", "faq-2") };
        assert_eq!(run_purge(&store_, "gw", &plan, 1).await, Ok(PurgeResult { deleted: 1, more: true }));
        assert_eq!(run_purge(&store_, "gw", &plan, 2).await, Ok(PurgeResult { deleted: 2, more: false }));
        assert_eq!(keys(&store_).await, Vec::<String>::new());
    });
}

#[test]
fn store_errors_fail_the_purge() {
    block_on(async {
        for plan in [
            PurgePlan::Key { kv_key: Some("k".into()), custom_prefix: "p".into() },
            PurgePlan::LogIndex { index_key: "i".into() },
            PurgePlan::Prefix("p".into()),
        ] {
            assert_eq!(
                run_purge(&FailingStore, "gw", &plan, 10).await.map(|_| ()).map_err(|e| e.message().to_string()),
                Err(match plan {
                    PurgePlan::Key { .. } => "KV DELETE failed",
                    PurgePlan::LogIndex { .. } => "KV GET failed: 503",
                    PurgePlan::Prefix(_) => "KV LIST failed",
                }
                .to_string())
            );
        }
    });
}
