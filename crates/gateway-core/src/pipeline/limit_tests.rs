use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_trait::async_trait;
use pollster::block_on;

use super::*;
use crate::control::gateways::GatewaySettings;
use crate::control::keys::VirtualKey;
use crate::keys::Caller;
use crate::limits::store::MemoryLimiter;
use crate::provider::find;
use crate::resilience::RetryPolicy;

const T0: i64 = 1_800_000_000_000;

fn key(limits: &str) -> Rc<VirtualKey> {
    let body = format!(r#"{{"name":"k","limits":{limits}}}"#);
    Rc::new(VirtualKey::create(body.as_bytes(), &[1; 8], &[2; 32], b"p", T0).unwrap().key)
}

fn gateway(limits: &str) -> Rc<GatewaySettings> {
    Rc::new(GatewaySettings::create(format!(r#"{{"id":"gw","limits":{limits}}}"#).as_bytes(), T0).unwrap())
}

fn target() -> Target {
    Target {
        step: 0,
        provider: find("openai").unwrap(),
        method: "POST".into(),
        url: "https://api.openai.com/v1/chat/completions".into(),
        provider_path: "/chat/completions".into(),
        headers: Headers::new(),
        headers_edited: false,
        body: TargetBody::Client,
        policy: RetryPolicy::default(),
        key_secret: None,
        translated: false,
        compat: None,
        usage_requested: false,
    }
}

const BODY: &[u8] = br#"{"model":"gpt-4o-mini","max_tokens":10,"messages":[]}"#;

fn attempt(
    limiter: &Rc<dyn Limiter>,
    access: &Access,
    id: &str,
) -> (Result<Option<Reserved>, GatewayError>, Vec<String>, Headers) {
    let (mut notes, mut headers) = (Vec::new(), Headers::new());
    let targets = [target()];
    let input = ReserveInput {
        limiter: Some(limiter),
        access,
        targets: &targets,
        client_body: BODY,
        headers: &Headers::new(),
        new_id: &|| id.to_string(),
        now_ms: T0,
    };
    let result = block_on(reserve(input, &mut notes, &mut headers));
    (result, notes, headers)
}

#[test]
fn a_scope_that_refuses_takes_back_what_the_other_granted() {
    let limiter: Rc<dyn Limiter> = Rc::new(MemoryLimiter::new(|| T0));
    let access = Access {
        caller: Caller::VirtualKey { header: "authorization" },
        key: Some(key(r#"{"requests":{"limit":2,"interval":60}}"#)),
        gateway: Some(gateway(r#"{"requests":{"limit":1,"interval":60}}"#)),
    };
    let (first, _, headers) = attempt(&limiter, &access, "a");
    let first = first.unwrap().unwrap();
    assert_eq!(first.headers.get("x-ratelimit-remaining-requests"), Some("0"));
    assert!(headers.is_empty(), "granted: the headers travel with the reservation");
    let (second, _, headers) = attempt(&limiter, &access, "b");
    let err = second.err().unwrap();
    assert_eq!(err.status(), 429);
    assert!(err.message().contains("gateway \"gw\""), "{}", err.message());
    assert_eq!(headers.get("x-ratelimit-remaining-requests"), Some("0"));
    // The key granted "b" and then took it back: one more request still fits under its limit of 2.
    let key_only = Access { gateway: None, ..access };
    assert!(attempt(&limiter, &key_only, "c").0.unwrap().is_some());
    assert_eq!(attempt(&limiter, &key_only, "d").0.err().map(|e| e.status()), Some(429));
}

struct Broken(Cell<u32>);

#[async_trait(?Send)]
impl Limiter for Broken {
    async fn call(&self, _: &str, _: &LimiterCall) -> Result<LimiterAnswer, GatewayError> {
        self.0.set(self.0.get() + 1);
        Err(GatewayError::internal("unreachable object"))
    }
}

#[test]
fn a_broken_limiter_lets_requests_through_or_refuses_them_as_the_limits_say() {
    let limiter: Rc<dyn Limiter> = Rc::new(Broken(Cell::new(0)));
    let open = Access {
        caller: Caller::Anonymous,
        key: None,
        gateway: Some(gateway(r#"{"requests":{"limit":1,"interval":1}}"#)),
    };
    let (result, notes, _) = attempt(&limiter, &open, "a");
    assert!(result.unwrap().is_some());
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("unreachable object") && notes[0].contains("on_error: open"), "{notes:?}");
    let closed =
        Access { gateway: Some(gateway(r#"{"requests":{"limit":1,"interval":1},"on_error":"closed"}"#)), ..open };
    let err = attempt(&limiter, &closed, "b").0.err().unwrap();
    assert_eq!(err.status(), 503);
    assert!(err.message().contains("on_error: closed"), "{}", err.message());
}

#[test]
fn settling_counts_what_was_used() {
    let limiter: Rc<dyn Limiter> = Rc::new(MemoryLimiter::new(|| T0));
    let access = Access {
        caller: Caller::Anonymous,
        key: None,
        gateway: Some(gateway(r#"{"tokens":[{"limit":100,"window":"minute"}]}"#)),
    };
    let reserved = attempt(&limiter, &access, "a").0.unwrap().unwrap();
    let estimate = BODY.len().div_ceil(4) as f64 + 10.0;
    assert_eq!(reserved.headers.get("x-ratelimit-remaining-tokens"), Some(&*format!("{}", 100 - estimate as u64)));
    assert!(block_on(reserved.settle(Actual { tokens: 90.0, usd: 0.0 })).is_empty());
    // 90 used: the next estimate (24) does not fit.
    assert_eq!(attempt(&limiter, &access, "b").0.err().map(|e| e.status()), Some(429));
}

/// A limiter over a [`MemoryLimiter`] whose calls each wait one turn before answering, counting
/// how many are in flight at once.
struct Slow {
    inner: MemoryLimiter,
    in_flight: Cell<u32>,
    most: Cell<u32>,
}

/// Pending once (waking its task at once), then ready.
struct OneTurn(bool);

impl Future for OneTurn {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[async_trait(?Send)]
impl Limiter for Slow {
    async fn call(&self, scope: &str, call: &LimiterCall) -> Result<LimiterAnswer, GatewayError> {
        self.in_flight.set(self.in_flight.get() + 1);
        self.most.set(self.most.get().max(self.in_flight.get()));
        OneTurn(false).await;
        self.in_flight.set(self.in_flight.get() - 1);
        self.inner.call(scope, call).await
    }
}

#[test]
fn both_scopes_are_asked_at_once_and_a_refusing_key_takes_back_the_gateway_s_hold() {
    let slow = Rc::new(Slow { inner: MemoryLimiter::new(|| T0), in_flight: Cell::new(0), most: Cell::new(0) });
    let limiter: Rc<dyn Limiter> = slow.clone();
    let access = Access {
        caller: Caller::VirtualKey { header: "authorization" },
        key: Some(key(r#"{"requests":{"limit":1,"interval":60}}"#)),
        gateway: Some(gateway(r#"{"requests":{"limit":2,"interval":60}}"#)),
    };
    assert!(attempt(&limiter, &access, "a").0.unwrap().is_some());
    assert_eq!(slow.most.get(), 2, "the key's and the gateway's reservations were in flight together");
    let err = attempt(&limiter, &access, "b").0.err().unwrap();
    assert_eq!(err.status(), 429);
    assert!(err.message().contains("virtual key"), "{}", err.message());
    // The gateway granted "b" and took it back: one more request still fits under its limit of 2.
    let gateway_only = Access { key: None, caller: Caller::Anonymous, ..access };
    assert!(attempt(&limiter, &gateway_only, "c").0.unwrap().is_some());
    assert_eq!(attempt(&limiter, &gateway_only, "d").0.err().map(|e| e.status()), Some(429));
}
