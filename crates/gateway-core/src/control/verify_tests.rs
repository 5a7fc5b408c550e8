use pollster::block_on;

use super::*;
use crate::control::keys::Issued;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;

const PEPPER: &[u8] = b"pepper";
const T0: i64 = 1_000_000;

fn setup(body: &str) -> (SqlControlStore<Sqlite>, Issued) {
    let store = SqlControlStore::new(Sqlite::open());
    let issued = VirtualKey::create(body.as_bytes(), &[4; 8], &[5; 32], PEPPER, T0).unwrap();
    block_on(store.create_key(&issued.key, &issued.hash)).unwrap();
    (store, issued)
}

fn reads(store: &SqlControlStore<Sqlite>) -> usize {
    *store.runner().statements_run.borrow()
}

#[test]
fn a_valid_key_is_found_once_and_then_served_from_memory_while_fresh() {
    let (store, issued) = setup(r#"{"name":"a"}"#);
    let cache = KeyCache::default();
    let before = reads(&store);
    let key = block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, T0)).unwrap();
    assert_eq!(key.id, issued.key.id);
    assert_eq!(reads(&store), before + 1);
    block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, T0 + KEY_FRESH_MS as i64 - 1)).unwrap();
    assert_eq!(reads(&store), before + 1, "a fresh answer makes no store call");
    block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, T0 + KEY_FRESH_MS as i64)).unwrap();
    assert_eq!(reads(&store), before + 2);
}

#[test]
fn revocation_takes_effect_within_the_bound() {
    let (store, issued) = setup(r#"{"name":"a"}"#);
    let cache = KeyCache::default();
    block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, T0)).unwrap();
    block_on(store.update_key(&issued.key.revoke(T0 + 1), None)).unwrap();
    // Until the bound, this isolate may still accept the key; from the bound on, it must not.
    let at_bound = T0 + KEY_FRESH_MS as i64;
    let err = block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, at_bound)).unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(err.message().contains("revoked"), "{}", err.message());
}

#[test]
fn expiry_is_exact_even_from_memory() {
    let expires = T0 + 1_000;
    let (store, issued) = setup(&format!(r#"{{"name":"a","expires_at":{expires}}}"#));
    let cache = KeyCache::default();
    block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, expires - 1)).unwrap();
    let err = block_on(verify_key(&store, &cache, issued.plaintext.expose(), PEPPER, expires)).unwrap_err();
    assert!(err.message().contains("expired"), "{}", err.message());
}

#[test]
fn unknown_keys_are_401_and_remembered() {
    let (store, issued) = setup(r#"{"name":"a"}"#);
    let cache = KeyCache::default();
    let before = reads(&store);
    for _ in 0..3 {
        let err = block_on(verify_key(&store, &cache, "aig_not-a-key", PEPPER, T0)).unwrap_err();
        assert_eq!(err.status(), 401);
    }
    assert_eq!(reads(&store), before + 1);
    // The right secret under another pepper is unknown too.
    assert_eq!(
        block_on(verify_key(&store, &cache, issued.plaintext.expose(), b"other", T0)).unwrap_err().status(),
        401
    );
}
