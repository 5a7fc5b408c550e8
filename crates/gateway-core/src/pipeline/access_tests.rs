use pollster::block_on;

use super::*;
use crate::control::keys::Issued;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;

const T0: i64 = 1_000_000;

fn config(vars: &[(&str, &str)]) -> GatewayConfig {
    GatewayConfig::from_env(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())).unwrap()
}

fn store_with(key_body: &str, gateways: &[&str]) -> (SqlControlStore<Sqlite>, Issued) {
    let store = SqlControlStore::new(Sqlite::open());
    let issued = VirtualKey::create(key_body.as_bytes(), &[7; 8], &[9; 32], b"pep", T0).unwrap();
    block_on(store.create_key(&issued.key, &issued.hash)).unwrap();
    for body in gateways {
        block_on(store.create_gateway(&GatewaySettings::create(body.as_bytes(), T0).unwrap())).unwrap();
    }
    (store, issued)
}

fn reads(store: &SqlControlStore<Sqlite>) -> usize {
    *store.runner().statements_run.borrow()
}

fn lookup(
    config: &GatewayConfig,
    memory: &ControlMemory,
    store: &dyn ControlStore,
    gateway: &str,
    h: &Headers,
) -> Lookup {
    block_on(look_up(LookupInput {
        config,
        memory,
        store: Some(store),
        gateway_id: gateway,
        headers: h,
        provider_header: "authorization",
        now_ms: T0,
    }))
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

#[test]
fn an_open_gateway_without_a_virtual_key_touches_no_store() {
    let (store, _) = store_with(r#"{"name":"a"}"#, &[r#"{"id":"gw","authentication":true}"#]);
    let config = config(&[("VIRTUAL_KEY_PEPPER", "pep")]);
    let before = reads(&store);
    let found = lookup(&config, &ControlMemory::default(), &store, "gw", &headers(&[("authorization", "Bearer sk-1")]));
    assert_eq!(reads(&store), before, "STORED_GATEWAYS is off and no virtual key was presented");
    // Without STORED_GATEWAYS the stored `authentication` is not read: the gateway stays open.
    let access = found.authorize(&headers(&[]), "gw", None).unwrap();
    assert_eq!(access.caller, Caller::Anonymous);
}

#[test]
fn a_virtual_key_in_an_sdk_header_is_verified_and_becomes_the_caller() {
    let (store, issued) = store_with(r#"{"name":"app","gateways":["prod-*"],"cache_ttl":120}"#, &[]);
    let config = config(&[("VIRTUAL_KEY_PEPPER", "pep"), ("GATEWAY_TOKEN", "tok")]);
    let h = headers(&[("x-api-key", issued.plaintext.expose())]);
    let memory = ControlMemory::default();
    let found = lookup(&config, &memory, &store, "prod-1", &h);
    assert_eq!(found.effective(&config).cache_ttl_s, 120, "the key's defaults apply");
    // A verified virtual key stands in for the gateway token.
    let access = found.authorize(&h, "prod-1", Some("tok")).unwrap();
    assert_eq!(access.caller, Caller::VirtualKey { header: "x-api-key" });
    assert_eq!(access.key.unwrap().id, issued.key.id);
    // Outside its gateways: 403 naming the rule.
    let err = lookup(&config, &memory, &store, "dev", &h).authorize(&h, "dev", None).unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.message().contains("`gateways`") && err.message().contains("\"dev\""), "{}", err.message());
}

#[test]
fn bad_virtual_keys_are_401_and_the_reason_is_clear_without_virtual_keys_set_up() {
    let (store, issued) = store_with(r#"{"name":"a"}"#, &[]);
    let wrong = format!("aig_{}", "0".repeat(64));
    let h = headers(&[("authorization", &format!("Bearer {wrong}"))]);
    let config_on = config(&[("VIRTUAL_KEY_PEPPER", "pep")]);
    let err = lookup(&config_on, &ControlMemory::default(), &store, "gw", &h).authorize(&h, "gw", None).unwrap_err();
    assert_eq!(err.status(), 401);
    let h = headers(&[("authorization", &format!("Bearer {}", issued.plaintext.expose()))]);
    let err = lookup(&config(&[]), &ControlMemory::default(), &store, "gw", &h).authorize(&h, "gw", None).unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(err.message().contains("VIRTUAL_KEY_PEPPER"), "{}", err.message());
    // Set up, but the CONTROL binding is missing: the operator's error.
    let found = block_on(look_up(LookupInput {
        config: &config_on,
        memory: &ControlMemory::default(),
        store: None,
        gateway_id: "gw",
        headers: &h,
        provider_header: "authorization",
        now_ms: T0,
    }));
    let err = found.authorize(&h, "gw", None).unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.message().contains("CONTROL"), "{}", err.message());
}

#[test]
fn stored_gateways_apply_their_settings_and_policies() {
    let (store, issued) = store_with(
        r#"{"name":"a","collect_logs":true}"#,
        &[r#"{"id":"locked","authentication":true,"collect_logs":false,"cache_ttl":300}"#],
    );
    let config = config(&[("VIRTUAL_KEY_PEPPER", "pep"), ("STORED_GATEWAYS", "true")]);
    let memory = ControlMemory::default();
    let anonymous = headers(&[("authorization", "Bearer sk-provider")]);
    let found = lookup(&config, &memory, &store, "locked", &anonymous);
    let effective = found.effective(&config);
    assert!(!effective.collect_logs && effective.cache_ttl_s == 300, "{effective:?}");
    let err = found.authorize(&anonymous, "locked", None).unwrap_err();
    assert_eq!(err.status(), 401, "the gateway requires authentication");
    // With a key: the key's default wins over the gateway's, the gateway's over the variables.
    let h = headers(&[("cf-aig-authorization", &format!("Bearer {}", issued.plaintext.expose()))]);
    let found = lookup(&config, &memory, &store, "locked", &h);
    let effective = found.effective(&config);
    assert!(effective.collect_logs && effective.cache_ttl_s == 300, "{effective:?}");
    assert!(found.authorize(&h, "locked", None).is_ok());
    // A gateway never created runs on the variables, unless strict.
    let found = lookup(&config, &memory, &store, "other", &anonymous);
    assert!(found.authorize(&anonymous, "other", None).unwrap().gateway.is_none());
    let strict = self::config(&[("GATEWAYS_STRICT", "true")]);
    let err = lookup(&strict, &memory, &store, "other", &anonymous).authorize(&anonymous, "other", None).unwrap_err();
    assert_eq!(err.status(), 404);
}
