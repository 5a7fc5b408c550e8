//! Stampede protection: concurrent identical cache misses share one upstream call.
//!
//! Cloudflare's cache lets two identical requests that arrive together both miss and both call
//! the provider. Here the first miss of a key becomes the *leader*: it calls the provider as any
//! miss does. Identical misses that arrive while it is in flight become *followers*: they wait,
//! and are answered with the entry the leader stores, exactly as a cache hit would be. If the
//! leader's response cannot be cached (an error, a cut stream), followers are released to make
//! their own calls.
//!
//! In Workers the meeting point is a Durable Object holding a [`MemoryCoalescer`]: one of
//! [`COALESCER_SHARDS`] objects per location, picked by the key's hash ([`coalescer_object_name`]),
//! so that a miss reaches an object that already runs, near it, instead of creating one per key.
//! The cost is one Durable Object round trip on every miss, never on a hit; `CACHE_COALESCE=false`
//! turns it off. The trade-offs: identical misses in two locations each make their call, and
//! followers of a streamed response receive it whole when the leader's stream ends, replayed as
//! SSE, rather than event by event alongside the leader.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use crate::error::GatewayError;

/// How many coalescer objects each location has.
///
/// An object only holds waiting followers in memory and answers each join at once, so 16 of
/// them keep up with a busy location's misses; more objects would each be colder.
pub const COALESCER_SHARDS: u32 = 16;

/// The name of the coalescer object where misses of `key_hash` (the cache key's hex hash) meet,
/// in `location` (the data centre's code, `cf.colo`; empty where unknown, which makes the objects
/// global).
///
/// A Durable Object is created near the first request that names it and stays there, so naming
/// objects by location keeps every round trip local; naming them by key would create a new
/// object for every miss (its creation is most of the round trip's cost) wherever the key was
/// first missed. Identical misses in two locations therefore do not meet: each location makes
/// one provider call.
pub fn coalescer_object_name(location: &str, key_hash: &str) -> String {
    let shard = key_hash.chars().next().and_then(|c| c.to_digit(16)).unwrap_or(0) % COALESCER_SHARDS;
    format!("{location}/{shard:x}")
}

/// What joining the in-flight group of a key gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// No call is in flight: make it, then [`Coalescer::release`] the key.
    Lead,
    /// The leader stored this entry (an encoded [`super::CacheEntry`]): answer with it.
    Served(Vec<u8>),
    /// The leader's response could not be shared: make your own call (and do not release).
    Alone,
}

/// The meeting point of identical misses.
#[async_trait(?Send)]
pub trait Coalescer {
    /// Joins the group of `key` (a [`super::CacheKey::hash`]); a follower's future resolves when
    /// the leader releases. Errors mean "no coalescing this time": the caller goes alone.
    async fn join(&self, key: &str) -> Result<Joined, GatewayError>;

    /// Ends the leader's call of `key`: `Some(entry)` answers every follower with it, `None`
    /// releases them to go alone.
    async fn release(&self, key: &str, entry: Option<Vec<u8>>);
}

type Outcome = Option<Vec<u8>>;

#[derive(Default)]
struct Waiter {
    outcome: Option<Outcome>,
    waker: Option<Waker>,
}

struct Group {
    led_since_ms: f64,
    waiters: Vec<Rc<RefCell<Waiter>>>,
}

/// An in-memory [`Coalescer`] for one isolate (or one Durable Object). A leader that has not
/// released after `lead_timeout_ms` is presumed dead: the next request for the key leads instead.
pub struct MemoryCoalescer {
    groups: RefCell<HashMap<String, Group>>,
    clock: Box<dyn Fn() -> f64>,
    lead_timeout_ms: f64,
}

impl MemoryCoalescer {
    pub fn new(clock: impl Fn() -> f64 + 'static, lead_timeout_ms: f64) -> Self {
        MemoryCoalescer { groups: RefCell::new(HashMap::new()), clock: Box::new(clock), lead_timeout_ms }
    }

    /// Followers currently waiting on `key`.
    pub fn waiting(&self, key: &str) -> usize {
        self.groups.borrow().get(key).map_or(0, |g| g.waiters.len())
    }

    /// Keys this coalescer holds a group for: led and not yet released, or led by a leader
    /// presumed dead whose group has not been swept yet.
    pub fn keys_in_flight(&self) -> usize {
        self.groups.borrow().len()
    }

    /// Drops the groups of leaders presumed dead (their followers are told to go alone), once
    /// [`SWEEP_AT_KEYS`] keys are held: a coalescer shared by many keys, kept warm for hours,
    /// would otherwise keep a group for every leader that never released.
    fn sweep(&self, groups: &mut HashMap<String, Group>, now: f64) {
        if groups.len() < SWEEP_AT_KEYS {
            return;
        }
        groups.retain(|_, group| {
            let alive = now - group.led_since_ms < self.lead_timeout_ms;
            if !alive {
                for waiter in group.waiters.drain(..) {
                    let mut waiter = waiter.borrow_mut();
                    waiter.outcome = Some(None);
                    if let Some(waker) = waiter.waker.take() {
                        waker.wake();
                    }
                }
            }
            alive
        });
    }
}

/// How many keys a [`MemoryCoalescer`] holds before it sweeps the groups of dead leaders.
pub const SWEEP_AT_KEYS: usize = 64;

struct Wait(Rc<RefCell<Waiter>>);

impl Future for Wait {
    type Output = Outcome;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut waiter = self.0.borrow_mut();
        match waiter.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                waiter.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[async_trait(?Send)]
impl Coalescer for MemoryCoalescer {
    async fn join(&self, key: &str) -> Result<Joined, GatewayError> {
        let now = (self.clock)();
        let waiter = {
            let mut groups = self.groups.borrow_mut();
            self.sweep(&mut groups, now);
            match groups.get_mut(key) {
                Some(group) if now - group.led_since_ms < self.lead_timeout_ms => {
                    let waiter = Rc::new(RefCell::new(Waiter::default()));
                    group.waiters.push(Rc::clone(&waiter));
                    waiter
                }
                Some(group) => {
                    // The leader is presumed dead; its followers keep waiting for the new one.
                    group.led_since_ms = now;
                    return Ok(Joined::Lead);
                }
                None => {
                    groups.insert(key.to_string(), Group { led_since_ms: now, waiters: Vec::new() });
                    return Ok(Joined::Lead);
                }
            }
        };
        Ok(match Wait(waiter).await {
            Some(entry) => Joined::Served(entry),
            None => Joined::Alone,
        })
    }

    async fn release(&self, key: &str, entry: Option<Vec<u8>>) {
        let Some(group) = self.groups.borrow_mut().remove(key) else { return };
        for waiter in group.waiters {
            let mut waiter = waiter.borrow_mut();
            waiter.outcome = Some(entry.clone());
            if let Some(waker) = waiter.waker.take() {
                waker.wake();
            }
        }
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
