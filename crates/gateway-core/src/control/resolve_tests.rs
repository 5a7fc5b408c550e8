use super::*;
use crate::resilience::retry::{Backoff, RetryOverrides};

fn variables() -> Effective {
    Effective { cache_ttl_s: 1, collect_logs: true, collect_log_payloads: true, retry: RetryPolicy::default() }
}

fn ttl(v: Option<u64>) -> Overrides {
    Overrides { cache_ttl_s: v, ..Overrides::default() }
}

#[test]
fn cache_ttl_precedence_table() {
    // (request, key, gateway) → expected; the variables say 1.
    for (request, key, gateway, expected) in [
        (None, None, None, 1),
        (None, None, Some(40), 40),
        (None, Some(30), None, 30),
        (None, Some(30), Some(40), 30),
        (Some(20), None, None, 20),
        (Some(20), None, Some(40), 20),
        (Some(20), Some(30), None, 20),
        (Some(20), Some(30), Some(40), 20),
        (Some(0), Some(30), Some(40), 0),
        (None, Some(0), Some(40), 0),
    ] {
        let got = resolve(&ttl(request), Some(&ttl(key)), Some(&ttl(gateway)), &variables());
        assert_eq!(got.cache_ttl_s, expected, "{request:?} {key:?} {gateway:?}");
    }
}

#[test]
fn no_key_and_no_gateway_fall_through_to_the_variables() {
    assert_eq!(resolve(&Overrides::default(), None, None, &variables()), variables());
    assert_eq!(resolve(&ttl(Some(7)), None, None, &variables()).cache_ttl_s, 7);
    assert_eq!(resolve(&Overrides::default(), None, Some(&ttl(Some(9))), &variables()).cache_ttl_s, 9);
}

#[test]
fn each_field_resolves_on_its_own() {
    let key = Overrides { collect_logs: Some(false), ..Overrides::default() };
    let gateway = Overrides {
        cache_ttl_s: Some(600),
        collect_logs: Some(true),
        collect_log_payloads: Some(false),
        ..Overrides::default()
    };
    let got = resolve(&Overrides::default(), Some(&key), Some(&gateway), &variables());
    assert_eq!((got.cache_ttl_s, got.collect_logs, got.collect_log_payloads), (600, false, false));
}

#[test]
fn retry_fields_resolve_one_by_one() {
    let request =
        Overrides { retry: RetryOverrides { max_attempts: Some(4), ..Default::default() }, ..Default::default() };
    let key = Overrides {
        retry: RetryOverrides { max_attempts: Some(2), retry_delay_ms: Some(700), ..Default::default() },
        ..Default::default()
    };
    let gateway = Overrides {
        retry: RetryOverrides { backoff: Some(Backoff::Linear), retry_delay_ms: Some(900), ..Default::default() },
        ..Default::default()
    };
    let got = resolve(&request, Some(&key), Some(&gateway), &variables()).retry;
    assert_eq!(got.max_attempts, 4);
    assert_eq!(got.retry_delay_ms, 700);
    assert_eq!(got.backoff, Backoff::Linear);
    assert_eq!(got.request_timeout_ms, RetryPolicy::default().request_timeout_ms);
}

#[test]
fn the_variables_come_from_the_config() {
    let config = GatewayConfig::from_env(|name| match name {
        "CACHE_TTL" => Some("120".into()),
        "LOGS_ENABLED" => Some("false".into()),
        "RETRY_DEFAULTS" => Some(r#"{"maxAttempts":3}"#.into()),
        _ => None,
    })
    .unwrap();
    let vars = Effective::from_config(&config);
    assert_eq!((vars.cache_ttl_s, vars.collect_logs, vars.collect_log_payloads), (120, false, true));
    assert_eq!(vars.retry.max_attempts, 3);
}
