//! The cache's part before the upstream call: a lookup (exact, then semantic when asked for),
//! and joining concurrent identical misses.

use crate::cache::key::KeyInput;
use crate::cache::store::{lookup, Lookup};
use crate::cache::{CacheDecision, CacheEntry, CacheStatus, Joined};
use crate::completion::Completion;
use crate::control::gateways::GatewaySettings;
use crate::plugin::Reply;
use crate::port::HttpPort;

use super::{Pipeline, Services};

/// What the cache stage reads of the request beyond its decision: the request as its key sees
/// it, and its gateway's stored settings (the semantic lookup's).
pub(super) struct CacheRequest<'a> {
    pub key: &'a KeyInput<'a>,
    pub gateway: Option<&'a GatewaySettings>,
}

impl Pipeline {
    /// Looks the request up in the cache; `Some` is the answer (a hit, exact or semantic, or a
    /// coalesced miss answered with the leader's entry). Cache failures are recorded and served
    /// around.
    pub(super) async fn consult_cache<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        decision: &CacheDecision,
        request: &CacheRequest<'_>,
        completion: &mut Completion,
    ) -> Option<Reply> {
        let ctx = &mut completion.ctx;
        let CacheDecision::Use { key, .. } = decision else {
            ctx.cache_status = (*decision == CacheDecision::Bypass).then_some(CacheStatus::Bypass);
            return None;
        };
        ctx.cache_status = Some(CacheStatus::Miss);
        let Some(store) = services.cache.as_deref() else {
            ctx.cache_error = Some("caching was requested but the CACHE KV binding is missing".to_string());
            return None;
        };
        match lookup(store, decision, port.now_ms()).await {
            Lookup::Hit { entry } => {
                ctx.cache_status = Some(CacheStatus::Hit);
                return Some(hit_reply(&entry, port.now_ms()));
            }
            Lookup::Error(message) => ctx.cache_error = Some(message),
            Lookup::Miss | Lookup::Skip => {}
        }
        if let Some(reply) = self.consult_semantic(port, services, decision, request, completion).await {
            return Some(reply);
        }
        let coalescer = services.coalescer.as_ref().filter(|_| self.config.cache.coalesce)?;
        match coalescer.join(key.hash()).await {
            Ok(Joined::Lead) => completion.coalesce_lead = Some(key.hash().to_string()),
            Ok(Joined::Served(bytes)) => {
                if let Ok(entry) = CacheEntry::decode(&bytes) {
                    completion.ctx.cache_status = Some(CacheStatus::Hit);
                    return Some(hit_reply(&entry, port.now_ms()));
                }
            }
            Ok(Joined::Alone) => {}
            Err(err) => completion.ctx.cache_error = Some(format!("coalescing failed: {}", err.message())),
        }
        None
    }
}

/// The reply for a cache hit: the stored response, with `cf-aig-cache-status: HIT` and `age`.
fn hit_reply(entry: &CacheEntry, now_ms: f64) -> Reply {
    Reply { status: entry.status, headers: entry.hit_headers(now_ms), body: entry.body.clone() }
}
