use pollster::block_on;

use super::*;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;

const T0: i64 = 5_000_000;

fn reads(store: &SqlControlStore<Sqlite>) -> usize {
    *store.runner().statements_run.borrow()
}

#[test]
fn settings_are_read_once_per_bound_and_changes_apply_from_the_bound_on() {
    let store = SqlControlStore::new(Sqlite::open());
    let g = GatewaySettings::create(br#"{"id":"prod","cache_ttl":600}"#, T0).unwrap();
    block_on(store.create_gateway(&g)).unwrap();
    let cache = GatewayCache::default();
    let before = reads(&store);
    assert_eq!(block_on(lookup_gateway(&store, &cache, "prod", false, T0)).unwrap().as_deref(), Some(&g));
    block_on(store.update_gateway(&g.update(br#"{"cache_ttl":0}"#, T0 + 1).unwrap())).unwrap();
    let within = block_on(lookup_gateway(&store, &cache, "prod", false, T0 + GATEWAY_FRESH_MS as i64 - 1)).unwrap();
    assert_eq!(within.unwrap().defaults.cache_ttl_s, Some(600));
    assert_eq!(reads(&store), before + 2, "one read and the update, no second read");
    let after = block_on(lookup_gateway(&store, &cache, "prod", false, T0 + GATEWAY_FRESH_MS as i64)).unwrap();
    assert_eq!(after.unwrap().defaults.cache_ttl_s, Some(0));
}

#[test]
fn an_id_never_created_runs_on_the_variables_unless_strict() {
    let store = SqlControlStore::new(Sqlite::open());
    let cache = GatewayCache::default();
    assert_eq!(block_on(lookup_gateway(&store, &cache, "nope", false, T0)).unwrap(), None);
    let err = block_on(lookup_gateway(&store, &cache, "nope", true, T0)).unwrap_err();
    assert_eq!(err.status(), 404);
    assert!(err.message().contains("\"nope\""), "{}", err.message());
}
