//! Unit tests of `cache::hot`.

use std::cell::Cell;
use std::rc::Rc;

use pollster::block_on;

use super::*;
use crate::cache::store::tests::FailingStore;
use crate::cache::MemoryCacheStore;

const LIMITS: HotLimits = HotLimits { max_bytes: 100, max_value_bytes: 40, max_age_ms: 30_000 };

fn clock() -> (Rc<Cell<f64>>, impl Fn() -> f64 + Clone + 'static) {
    let now = Rc::new(Cell::new(1_000_000.0));
    let read = Rc::clone(&now);
    (now, move || read.get())
}

/// A backing store that counts its reads.
struct Counted {
    inner: MemoryCacheStore,
    reads: Cell<usize>,
}

#[async_trait(?Send)]
impl CacheStore for Counted {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError> {
        self.inner.put(key, value, ttl_s).await
    }
    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        self.inner.list(prefix, cursor).await
    }
}

fn tiered(limits: HotLimits) -> (Rc<Cell<f64>>, Rc<HotCache>, Rc<Counted>, TieredStore) {
    let (now, read) = clock();
    let hot = Rc::new(HotCache::new(limits, read.clone()));
    let backing = Rc::new(Counted { inner: MemoryCacheStore::new(read), reads: Cell::new(0) });
    let store = TieredStore::new(Rc::clone(&hot), Rc::clone(&backing) as Rc<dyn CacheStore>);
    (now, hot, backing, store)
}

#[test]
fn a_copy_is_served_until_its_age_limit() {
    let (now, read) = clock();
    let hot = HotCache::new(LIMITS, read);
    hot.insert("k", b"value");
    assert_eq!(hot.get("k").as_deref(), Some(&b"value"[..]));
    now.set(now.get() + 29_999.0);
    assert!(hot.get("k").is_some(), "still young");
    now.set(now.get() + 1.0);
    assert_eq!(hot.get("k"), None, "30 s old: dropped");
    assert!(hot.is_empty());
    assert_eq!(hot.bytes(), 0);
}

#[test]
fn the_least_recently_used_copies_go_first_when_over_budget() {
    let (_, read) = clock();
    let hot = HotCache::new(LIMITS, read);
    // Each copy is 1 + 29 = 30 bytes: three fit in 100.
    for key in ["a", "b", "c"] {
        hot.insert(key, &[0u8; 29]);
    }
    assert_eq!(hot.bytes(), 90);
    assert!(hot.get("a").is_some(), "a is now the most recently used");
    hot.insert("d", &[0u8; 29]);
    assert_eq!(hot.get("b"), None, "b was the least recently used");
    for key in ["a", "c", "d"] {
        assert!(hot.get(key).is_some(), "{key} kept");
    }
    assert_eq!((hot.len(), hot.bytes()), (3, 90));
}

#[test]
fn replacing_a_copy_keeps_the_byte_count_right() {
    let (_, read) = clock();
    let hot = HotCache::new(LIMITS, read);
    hot.insert("k", &[1u8; 30]);
    hot.insert("k", &[2u8; 10]);
    assert_eq!((hot.len(), hot.bytes()), (1, 11));
    assert_eq!(hot.get("k").as_deref(), Some(&[2u8; 10][..]));
    hot.remove("k");
    hot.remove("k");
    assert_eq!((hot.len(), hot.bytes()), (0, 0));
}

#[test]
fn values_over_the_per_value_limit_and_a_disabled_tier_keep_nothing() {
    let (_, read) = clock();
    let hot = HotCache::new(LIMITS, read.clone());
    hot.insert("k", &[0u8; 40]); // 41 bytes with the key
    assert_eq!(hot.get("k"), None);
    for off in [HotLimits { max_bytes: 0, ..LIMITS }, HotLimits { max_age_ms: 0, ..LIMITS }] {
        let hot = HotCache::new(off, read.clone());
        assert!(!hot.enabled());
        hot.insert("k", b"v");
        assert_eq!(hot.get("k"), None);
    }
}

#[test]
fn tiered_reads_go_to_the_backing_store_once_per_age_limit() {
    let (now, _, backing, store) = tiered(LIMITS);
    block_on(async {
        backing.inner.put("k", b"v1", 3600).await.expect("put");
        for _ in 0..3 {
            assert_eq!(store.get("k").await, Ok(Some(b"v1".to_vec())));
        }
        assert_eq!(backing.reads.get(), 1, "one backing read, then memory");
        now.set(now.get() + 30_000.0);
        assert_eq!(store.get("k").await, Ok(Some(b"v1".to_vec())));
        assert_eq!(backing.reads.get(), 2, "the copy aged out: read again");
    });
}

#[test]
fn tiered_absent_keys_are_not_remembered() {
    let (_, hot, backing, store) = tiered(LIMITS);
    block_on(async {
        assert_eq!(store.get("k").await, Ok(None));
        assert!(hot.is_empty());
        backing.inner.put("k", b"v", 3600).await.expect("put");
        assert_eq!(store.get("k").await, Ok(Some(b"v".to_vec())), "a miss is not cached");
    });
}

#[test]
fn tiered_put_and_delete_drop_the_memory_copy() {
    let (_, hot, backing, store) = tiered(LIMITS);
    block_on(async {
        store.put("k", b"old", 3600).await.expect("put");
        assert!(hot.is_empty(), "writes do not fill memory");
        assert_eq!(store.get("k").await, Ok(Some(b"old".to_vec())));
        store.put("k", b"new", 3600).await.expect("overwrite");
        assert_eq!(store.get("k").await, Ok(Some(b"new".to_vec())), "the overwrite is seen at once");
        store.delete("k").await.expect("delete");
        assert!(hot.is_empty());
        assert_eq!(store.get("k").await, Ok(None), "a purge is seen at once");
        assert_eq!(backing.reads.get(), 3);
    });
}

#[test]
fn tiered_backing_failures_pass_through() {
    let (_, read) = clock();
    let hot = Rc::new(HotCache::new(LIMITS, read));
    hot.insert("held", b"v");
    let store = TieredStore::new(Rc::clone(&hot), Rc::new(FailingStore));
    block_on(async {
        assert!(store.get("other").await.is_err());
        assert_eq!(store.get("held").await, Ok(Some(b"v".to_vec())), "memory still answers");
        assert!(store.put("held", b"w", 60).await.is_err());
        assert_eq!(
            store.get("held").await.map_err(|e| e.message().to_string()),
            Err("KV GET failed: 503".to_string()),
            "a failed write still drops the stale copy"
        );
        assert!(store.delete("k").await.is_err());
        assert!(store.list("", None).await.is_err());
    });
}

#[test]
fn limits_come_from_two_variables() {
    assert_eq!(HotLimits::from_vars(None, None), Ok(HotLimits::default()));
    assert_eq!(HotLimits::default().max_bytes, 8 * 1024 * 1024);
    assert_eq!(HotLimits::default().max_age_ms, 30_000);
    let set = HotLimits::from_vars(Some("2"), Some(" 60 ")).expect("valid");
    assert_eq!((set.max_bytes, set.max_age_ms), (2 * 1024 * 1024, 60_000));
    assert_eq!(HotLimits::from_vars(Some("0"), Some("")).map(|l| l.max_bytes), Ok(0));
    for (mib, seconds, named) in [
        (Some("65"), None, "CACHE_MEMORY_MIB"),
        (Some("-1"), None, "CACHE_MEMORY_MIB"),
        (None, Some("61"), "CACHE_MEMORY_SECONDS"),
        (None, Some("1.5"), "CACHE_MEMORY_SECONDS"),
    ] {
        let err = HotLimits::from_vars(mib, seconds).expect_err("out of range");
        assert_eq!(err.status(), 500);
        assert!(err.message().contains(named), "{}", err.message());
    }
}
