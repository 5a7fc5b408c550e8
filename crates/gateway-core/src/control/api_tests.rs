use std::cell::RefCell;

use pollster::block_on;
use serde_json::Value;

use super::*;
use crate::control::secret::KeyHash;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;

const PEPPER: &[u8] = b"test pepper";

/// A store over real SQLite, and every response body it answered (for the secret sweep).
struct Admin {
    store: SqlControlStore<Sqlite>,
    now_ms: i64,
    seed: u8,
    answered: RefCell<Vec<String>>,
}

impl Admin {
    fn new() -> Admin {
        Admin {
            store: SqlControlStore::new(Sqlite::open()),
            now_ms: 1_000,
            seed: 0,
            answered: RefCell::new(Vec::new()),
        }
    }

    fn call(&mut self, method: &str, path: &str, body: &str) -> Result<(u16, Value), GatewayError> {
        self.seed += 1;
        self.now_ms += 1;
        let env = ControlEnv {
            now_ms: self.now_ms,
            pepper: PEPPER,
            id_random: [self.seed; 8],
            secret_random: [self.seed; 32],
        };
        let req = AdminRequest { method, path, query: "", body: body.as_bytes() };
        let result = block_on(handle(&self.store, env, req));
        let text = match &result {
            Ok(reply) => String::from_utf8(reply.body.clone()).unwrap(),
            Err(err) => err.to_json(),
        };
        self.answered.borrow_mut().push(text.clone());
        result.map(|reply| {
            assert_eq!(reply.headers.get("cache-control"), Some("no-store"));
            (reply.status, serde_json::from_str(&text).unwrap())
        })
    }

    fn ok(&mut self, method: &str, path: &str, body: &str) -> (u16, Value) {
        self.call(method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn status(&mut self, method: &str, path: &str, body: &str) -> u16 {
        match self.call(method, path, body) {
            Ok((status, _)) => status,
            Err(err) => err.status(),
        }
    }
}

#[test]
fn gateway_crud() {
    let mut admin = Admin::new();
    let (status, created) = admin.ok("POST", "/api/gateways", r#"{"id":"prod","cache_ttl":600}"#);
    assert_eq!(
        (status, created["id"].as_str(), created["defaults"]["cache_ttl"].as_u64()),
        (201, Some("prod"), Some(600))
    );
    assert_eq!(admin.status("POST", "/api/gateways", r#"{"id":"prod"}"#), 409);
    assert_eq!(admin.ok("GET", "/api/gateways/prod", "").1, created);
    let (_, patched) = admin.ok("PATCH", "/api/gateways/prod", r#"{"byok_only":true}"#);
    assert_eq!((patched["byok_only"].as_bool(), patched["defaults"]["cache_ttl"].as_u64()), (Some(true), Some(600)));
    assert_eq!(admin.ok("GET", "/api/gateways", "").1["gateways"][0], patched);
    assert_eq!(admin.ok("DELETE", "/api/gateways/prod", "").1["deleted"], "prod");
    assert_eq!(admin.status("GET", "/api/gateways/prod", ""), 404);
    assert_eq!(admin.status("PATCH", "/api/gateways/prod", "{}"), 404);
    assert_eq!(admin.status("DELETE", "/api/gateways/prod", ""), 404);
    assert_eq!(admin.ok("GET", "/api/gateways/", "").1["gateways"], Value::Array(Vec::new()));
}

#[test]
fn bad_requests_are_refused_with_the_right_status() {
    let mut admin = Admin::new();
    for (method, path, body, status) in [
        ("POST", "/api/gateways", r#"{"id":"g","nope":1}"#, 400),
        ("POST", "/api/gateways", "not json", 400),
        ("GET", "/api/gateways/bad.id", "", 400),
        ("PUT", "/api/gateways", "", 405),
        ("POST", "/api/gateways/g", "", 405),
        ("POST", "/api/keys", r#"{"name":"a","hash":"x"}"#, 400),
        ("GET", "/api/keys/vk_none", "", 404),
        ("DELETE", "/api/keys", "", 405),
        ("GET", "/api/keys/vk_none/rotate", "", 405),
        ("POST", "/api/keys/vk_none/rotate", "", 404),
        ("POST", "/api/keys/vk_none/explode", "", 404),
        ("GET", "/api/gatewaysx", "", 404),
    ] {
        assert_eq!(admin.status(method, path, body), status, "{method} {path} {body}");
    }
}

#[test]
fn keys_lifecycle_and_the_secret_is_shown_only_at_creation_and_rotation() {
    let mut admin = Admin::new();
    let (status, created) = admin.ok("POST", "/api/keys", r#"{"name":"app","models":["openai/*"]}"#);
    assert_eq!(status, 201);
    let id = created["key"]["id"].as_str().unwrap().to_string();
    let first_secret = created["secret"].as_str().unwrap().to_string();
    assert!(first_secret.starts_with("aig_"));
    let found = block_on(admin.store.find_key(&KeyHash::of(&first_secret, PEPPER))).unwrap().unwrap();
    assert_eq!(found.id, id);

    let (_, got) = admin.ok("GET", &format!("/api/keys/{id}"), "");
    assert_eq!(got, created["key"]);
    let (_, patched) = admin.ok("PATCH", &format!("/api/keys/{id}"), r#"{"owner":"team"}"#);
    assert_eq!(patched["owner"], "team");

    let (status, rotated) = admin.ok("POST", &format!("/api/keys/{id}/rotate"), "");
    assert_eq!(status, 200);
    let second_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(second_secret, first_secret);
    assert_eq!(rotated["key"]["id"], id.as_str());
    assert_eq!(rotated["key"]["owner"], "team");
    assert!(block_on(admin.store.find_key(&KeyHash::of(&first_secret, PEPPER))).unwrap().is_none());

    let (_, revoked) = admin.ok("POST", &format!("/api/keys/{id}/revoke"), "");
    assert_eq!(revoked["revoked"], true);
    assert_eq!(admin.status("POST", &format!("/api/keys/{id}/rotate"), ""), 409);
    let (_, listed) = admin.ok("GET", "/api/keys", "");
    assert_eq!(listed["keys"][0], revoked);

    // The sweep: only the creation and rotation answers carry a secret, and none carries a hash.
    let answered = admin.answered.borrow();
    let hash_hexes = [KeyHash::of(&first_secret, PEPPER).to_hex(), KeyHash::of(&second_secret, PEPPER).to_hex()];
    let with_first = answered.iter().filter(|a| a.contains(&first_secret[4..])).count();
    let with_second = answered.iter().filter(|a| a.contains(&second_secret[4..])).count();
    assert_eq!((with_first, with_second), (1, 1));
    for answer in answered.iter() {
        for hex in &hash_hexes {
            assert!(!answer.contains(hex.as_str()), "{answer}");
        }
    }
}

#[test]
fn keys_need_a_pepper() {
    let store = SqlControlStore::new(Sqlite::open());
    let env = ControlEnv { now_ms: 1, pepper: b"", id_random: [1; 8], secret_random: [1; 32] };
    let req = AdminRequest { method: "POST", path: "/api/keys", query: "", body: br#"{"name":"a"}"# };
    let err = block_on(handle(&store, env, req)).unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.message().contains("VIRTUAL_KEY_PEPPER"), "{}", err.message());
    assert!(block_on(store.list_keys()).unwrap().is_empty());
}

#[test]
fn control_paths_are_recognised() {
    for path in ["/api/gateways", "/api/gateways/x", "/api/keys", "/api/keys/vk_1/rotate"] {
        assert!(is_control_path(path), "{path}");
    }
    for path in ["/api/gatewaysx", "/api/keyring", "/api/logs", "/v1/a/g/openai"] {
        assert!(!is_control_path(path), "{path}");
    }
}
