use std::cell::Cell;

use async_trait::async_trait;
use pollster::block_on;
use serde_json::{json, Value};

use super::*;
use crate::cache::store::MemoryCacheStore;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;
use crate::logs::sql::Statement;
use crate::logs::store::Row;

const TOKEN: &str = "t0ken";

/// Log shards whose retention deletes `per_shard` rows each; counts the calls that reach them.
struct Shards {
    shards: u32,
    per_shard: u64,
    calls: Cell<usize>,
}

#[async_trait(?Send)]
impl LogStore for Shards {
    fn shards(&self) -> u32 {
        self.shards
    }

    async fn run(&self, _shard: u32, _statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        self.calls.set(self.calls.get() + 1);
        Ok(Vec::new())
    }

    async fn run_retention(&self, _shard: u32) -> Result<u64, GatewayError> {
        self.calls.set(self.calls.get() + 1);
        Ok(self.per_shard)
    }
}

/// Every store bound, and whether a request body was read.
struct Bound {
    logs: Rc<Shards>,
    control: Rc<SqlControlStore<Sqlite>>,
    cache: Rc<MemoryCacheStore>,
    body_read: Cell<bool>,
}

impl Bound {
    fn new() -> Bound {
        let cache = MemoryCacheStore::new(|| 0.0);
        for key in ["v1/gw/a", "v1/gw/b", "v1/other/c"] {
            block_on(cache.put(key, b"entry", 0)).unwrap();
        }
        Bound {
            logs: Rc::new(Shards { shards: 3, per_shard: 2, calls: Cell::new(0) }),
            control: Rc::new(SqlControlStore::new(Sqlite::open())),
            cache: Rc::new(cache),
            body_read: Cell::new(false),
        }
    }

    fn services(&self) -> AdminServices<'static> {
        AdminServices {
            logs: Ok(Some(self.logs.clone())),
            control: Ok(Some(ControlServices { store: self.control.clone(), env: control_env() })),
            cache: Ok(Some(self.cache.clone())),
            limiter: Ok(Some(Rc::new(crate::limits::store::MemoryLimiter::new(|| 1_800_000_000_000)))),
        }
    }

    /// `method target` with `body`, sent with `token` as the bearer (none when `None`).
    fn call(&self, token: Option<&str>, method: &str, target: &str, body: &str, services: AdminServices) -> Reply {
        let headers: Headers = token.map(|t| ("authorization", format!("Bearer {t}"))).into_iter().collect();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let body = async {
            self.body_read.set(true);
            Ok(body.as_bytes().to_vec())
        };
        block_on(handle(AdminCall { method, path, query, headers: &headers, body }, Some(TOKEN), services))
    }

    fn admin(&self, method: &str, target: &str, body: &str) -> Reply {
        self.call(Some(TOKEN), method, target, body, self.services())
    }

    fn cached_keys(&self) -> usize {
        block_on(self.cache.list("v1/", None)).unwrap().0.len()
    }
}

fn control_env() -> ControlEnv<'static> {
    ControlEnv { now_ms: 1_000, pepper: b"pepper", id_random: [7; 8], secret_random: [9; 32] }
}

fn unbound() -> AdminServices<'static> {
    AdminServices { logs: Ok(None), control: Ok(None), cache: Ok(None), limiter: Ok(None) }
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap()
}

fn error_message(reply: &Reply) -> String {
    json_of(reply)["error"]["message"].as_str().unwrap().to_string()
}

/// One request of each route, with the body its handler needs.
const ROUTES: [(&str, &str, &str); 3] = [
    ("POST", "/api/logs/retention", ""),
    ("POST", "/api/gateways", r#"{"id":"g1"}"#),
    ("POST", "/api/gateways/gw/cache/purge", r#"{"all":true}"#),
];

#[test]
fn each_route_reaches_its_handler_with_the_body_and_query() {
    let bound = Bound::new();

    let reply = bound.admin("POST", "/api/logs/retention", "");
    assert_eq!((reply.status, json_of(&reply)), (200, json!({ "deleted": 6 })));
    let reply = bound.admin("GET", "/api/logs?limit=nope", "");
    assert_eq!(reply.status, 400);
    assert!(error_message(&reply).contains("limit"), "{}", error_message(&reply));

    let reply = bound.admin("POST", "/api/gateways", r#"{"id":"g1"}"#);
    assert_eq!(reply.status, 201);
    let reply = bound.admin("GET", "/api/gateways/g1", "");
    assert_eq!((reply.status, json_of(&reply)["id"].clone()), (200, json!("g1")));
    let reply = bound.admin("POST", "/api/keys", r#"{"name":"app"}"#);
    assert_eq!(reply.status, 201);
    assert!(json_of(&reply)["secret"].as_str().unwrap().starts_with("aig_"));

    let reply = bound.admin("POST", "/api/gateways/gw/cache/purge", r#"{"all":true}"#);
    assert_eq!((reply.status, json_of(&reply)), (200, json!({ "deleted": 2, "more": false })));
    assert_eq!(bound.cached_keys(), 1, "only the other gateway's entry is left");
}

#[test]
fn a_missing_binding_is_500_naming_it_and_the_body_is_not_read() {
    for ((method, path, body), binding) in ROUTES.into_iter().zip(["LOGS", "CONTROL", "CACHE"]) {
        let bound = Bound::new();
        let reply = bound.call(Some(TOKEN), method, path, body, unbound());
        assert_eq!(reply.status, 500, "{path}");
        let message = error_message(&reply);
        assert!(message.contains(&format!("{binding} ")), "{path}: {message}");
        assert!(!bound.body_read.get(), "{path}");
    }
}

#[test]
fn a_binding_the_runtime_could_not_prepare_answers_its_error() {
    fn failed<T>() -> Binding<T> {
        Err(GatewayError::new(ErrorKind::Misconfigured, "LOG_SHARDS must be a number"))
    }
    for (method, path, body) in ROUTES {
        let bound = Bound::new();
        let services = AdminServices { logs: failed(), control: failed(), cache: failed(), limiter: failed() };
        let reply = bound.call(Some(TOKEN), method, path, body, services);
        assert_eq!((reply.status, error_message(&reply).as_str()), (500, "LOG_SHARDS must be a number"), "{path}");
    }
}

#[test]
fn without_the_admin_token_nothing_is_read_or_touched() {
    for token in [None, Some("t0ke"), Some("wrong")] {
        for (method, path, body) in ROUTES.into_iter().chain([("GET", "/api/unknown", "")]) {
            let bound = Bound::new();
            let reply = bound.call(token, method, path, body, bound.services());
            assert_eq!(reply.status, 401, "{token:?} {path}");
            assert!(!bound.body_read.get(), "{path}");
            assert_eq!(bound.logs.calls.get(), 0, "{path}");
            assert_eq!(bound.cached_keys(), 3, "{path}");
        }
    }
    let bound = Bound::new();
    let headers: Headers = [("authorization", format!("Bearer {TOKEN}"))].into_iter().collect();
    let call =
        AdminCall { method: "GET", path: "/api/gateways", query: "", headers: &headers, body: async { Ok(vec![]) } };
    let reply = block_on(handle(call, None, bound.services()));
    assert_eq!(reply.status, 401, "no configured token opens nothing");
}

#[test]
fn an_unknown_path_is_404_and_a_wrong_method_405() {
    let bound = Bound::new();
    for path in ["/api", "/api/unknown", "/api/gateway", "/api/logsx"] {
        let reply = bound.admin("GET", path, "");
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(error_message(&reply), format!("no admin route for GET {path}"));
    }
    for (method, path) in [
        ("GET", "/api/gateways/gw/cache/purge"),
        ("PUT", "/api/stats"),
        ("PUT", "/api/gateways"),
        ("GET", "/api/keys/k/rotate"),
    ] {
        assert_eq!(bound.admin(method, path, "").status, 405, "{method} {path}");
    }
    assert_eq!(bound.cached_keys(), 3);
}

#[test]
fn a_body_that_cannot_be_read_is_answered_with_the_readers_error() {
    let bound = Bound::new();
    let headers: Headers = [("authorization", format!("Bearer {TOKEN}"))].into_iter().collect();
    for (method, path, _) in ROUTES {
        let body = async { Err(GatewayError::invalid("the request body could not be read")) };
        let call = AdminCall { method, path, query: "", headers: &headers, body };
        let reply = block_on(handle(call, Some(TOKEN), bound.services()));
        assert_eq!((reply.status, error_message(&reply).as_str()), (400, "the request body could not be read"));
    }
    assert_eq!(bound.logs.calls.get(), 0);
    assert_eq!(bound.cached_keys(), 3);
}
