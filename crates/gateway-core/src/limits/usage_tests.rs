use pollster::block_on;

use super::*;
use crate::control::gateways::GatewaySettings;
use crate::control::store::SqlControlStore;
use crate::control::test_sqlite::Sqlite;
use crate::limits::counter::Charge;
use crate::limits::store::MemoryLimiter;

const T0: i64 = 1_800_000_000_000;

#[test]
fn usage_lists_each_meter_with_what_is_used_and_held() {
    let store = SqlControlStore::new(Sqlite::open());
    let body = br#"{"id":"g","limits":{"requests":{"limit":10,"interval":60},
        "spend_rules":[{"usd":1,"window":"day","dimension":"metadata.team","mode":"split"}]}}"#;
    let gateway = GatewaySettings::create(body, T0).unwrap();
    block_on(store.create_gateway(&gateway)).unwrap();
    let limiter = MemoryLimiter::new(|| T0);
    let defined = meters(&gateway.limits);
    let rule = crate::limits::counter::Meter { name: "rule/0/red".into(), ..defined[1].clone() };
    let charges = vec![Charge { meter: defined[0].clone(), amount: 1.0 }, Charge { meter: rule, amount: 0.25 }];
    block_on(limiter.call("gateway:g", &LimiterCall::Reserve { id: "r".into(), charges, ttl_ms: 60_000 })).unwrap();

    let reply = block_on(usage(&store, &limiter, "gateway=g")).unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(answer["scope"], "gateway:g");
    let meters = answer["meters"].as_array().unwrap();
    assert_eq!(meters.len(), 2, "{answer}");
    assert_eq!(
        (meters[0]["meter"].as_str(), meters[0]["used"].as_f64(), meters[0]["remaining"].as_f64()),
        (Some("requests"), Some(1.0), Some(9.0))
    );
    assert_eq!((meters[1]["meter"].as_str(), meters[1]["reserved"].as_f64()), (Some("rule/0/red"), Some(0.25)));
}

#[test]
fn usage_needs_exactly_one_known_scope() {
    let store = SqlControlStore::new(Sqlite::open());
    let limiter = MemoryLimiter::new(|| T0);
    for query in ["", "key=a&gateway=b", "team=x", "key=../x"] {
        assert_eq!(block_on(usage(&store, &limiter, query)).unwrap_err().status(), 400, "{query}");
    }
    assert_eq!(block_on(usage(&store, &limiter, "key=vk_0000000000000000")).unwrap_err().status(), 404);
}
