//! Gateway URL parsing and upstream URL construction.
//!
//! `/v1/{account_id}/{gateway_id}/{provider}/{rest...}` forwards to the provider's base URL
//! followed by `rest` and the original query string. The upstream host comes only from the
//! provider table or the operator's configuration, never from the request: a path parameter that
//! lands in a host (Azure's resource name) must be a plain DNS label, and `rest` may not contain
//! dot segments that would climb out of the base path.

use crate::config::GatewayConfig;
use crate::error::{ErrorKind, GatewayError};
use crate::provider::{self, ParamKind, ParamSource, Provider};

/// What a gateway URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayRoute<'a> {
    /// `/v1/{account}/{gateway}/{provider}/...`: the provider's own API, proxied.
    Provider(ProviderRoute<'a>),
    /// `/v1/{account}/{gateway}/compat/{endpoint}`: the unified API, translated to each provider.
    Compat { account_id: &'a str, gateway_id: &'a str, endpoint: &'a str },
    /// `/v1/{account}/{gateway}`: the universal endpoint, a JSON array of steps.
    Universal { account_id: &'a str, gateway_id: &'a str },
}

impl GatewayRoute<'_> {
    /// The account id in the URL.
    pub fn account_id(&self) -> &str {
        match self {
            GatewayRoute::Provider(route) => route.account_id,
            GatewayRoute::Compat { account_id, .. } | GatewayRoute::Universal { account_id, .. } => account_id,
        }
    }

    /// The gateway id in the URL.
    pub fn gateway_id(&self) -> &str {
        match self {
            GatewayRoute::Provider(route) => route.gateway_id,
            GatewayRoute::Compat { gateway_id, .. } | GatewayRoute::Universal { gateway_id, .. } => gateway_id,
        }
    }
}

/// The slug of the unified endpoint, which no provider may take.
pub const COMPAT_SLUG: &str = "compat";

/// Parses any gateway URL path: universal, compat or provider route.
///
/// Errors: as [`parse`], for paths that are none of the three.
pub fn parse_gateway(path: &str) -> Result<GatewayRoute<'_>, GatewayError> {
    if let Some(tail) = path.strip_prefix("/v1/") {
        let mut parts = tail.splitn(4, '/');
        let (account_id, gateway_id) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        let slug = parts.next();
        if is_id(account_id) && is_id(gateway_id) {
            match slug {
                None | Some("") => return Ok(GatewayRoute::Universal { account_id, gateway_id }),
                Some(COMPAT_SLUG) => {
                    let endpoint = parts.next().unwrap_or_default();
                    return Ok(GatewayRoute::Compat { account_id, gateway_id, endpoint });
                }
                Some(_) => {}
            }
        }
    }
    parse(path).map(GatewayRoute::Provider)
}

/// A parsed provider route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRoute<'a> {
    pub account_id: &'a str,
    pub gateway_id: &'a str,
    pub provider: &'static Provider,
    /// Path after the provider slug, without its leading `/`, still percent-encoded.
    pub rest: &'a str,
}

/// Whether `s` is a valid account or gateway id: 1 to 64 of `[A-Za-z0-9_-]`.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses a request path into a provider route.
///
/// Errors: 404 when the path is not `/v1/{account}/{gateway}/{provider}/...` or an id holds
/// characters outside `[A-Za-z0-9_-]`; 400 listing the valid slugs when the provider is unknown.
pub fn parse(path: &str) -> Result<ProviderRoute<'_>, GatewayError> {
    let not_found = || {
        GatewayError::not_found(format!(
            "no route for {path}: expected /v1/{{account_id}}/{{gateway_id}}/{{provider}}/{{provider path}}"
        ))
    };
    let tail = path.strip_prefix("/v1/").ok_or_else(not_found)?;
    let mut parts = tail.splitn(4, '/');
    let account_id = parts.next().unwrap_or_default();
    let gateway_id = parts.next().unwrap_or_default();
    let slug = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    if !is_id(account_id) || !is_id(gateway_id) || slug.is_empty() {
        return Err(not_found());
    }
    let provider = provider::find(slug).ok_or_else(|| {
        GatewayError::new(
            ErrorKind::UnknownProvider,
            format!("unknown provider \"{slug}\"; valid providers: {}", provider::ids()),
        )
    })?;
    Ok(ProviderRoute { account_id, gateway_id, provider, rest })
}

/// Path and query (without `?`) of an absolute URL as the runtime serializes it
/// (`https://host/path?query`), without building a JS `URL` object.
pub fn split_url(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let without_fragment = path_and_query.split('#').next().unwrap_or(path_and_query);
    match without_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (without_fragment, None),
    }
}

fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

fn valid_param(value: &str, kind: ParamKind) -> bool {
    match kind {
        ParamKind::HostLabel => {
            !value.is_empty()
                && value.len() <= 63
                && !value.starts_with('-')
                && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }
        ParamKind::OneOf(allowed) => allowed.contains(&value),
        ParamKind::PathSegment => {
            !value.is_empty()
                && !is_dot_segment(value)
                && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
        }
    }
}

fn is_version_segment(segment: &str) -> bool {
    let mut bytes = segment.bytes();
    bytes.next() == Some(b'v')
        && bytes.next().is_some_and(|b| b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_alphanumeric())
}

impl ProviderRoute<'_> {
    /// The full upstream URL: configured base (an override, or the table's) with placeholders
    /// filled, the rest of the path, and `query` (without its `?`) when non-empty.
    ///
    /// Errors: 400 when a path parameter is missing or malformed, or the rest holds a dot segment.
    pub fn upstream_url(&self, config: &GatewayConfig, query: Option<&str>) -> Result<String, GatewayError> {
        let provider = self.provider;
        let mut base = config.base_url(provider).to_string();
        let mut rest = self.rest;
        for param in provider.params {
            let value = match param.source {
                ParamSource::Leading => {
                    let (value, tail) = rest.split_once('/').unwrap_or((rest, ""));
                    rest = tail;
                    value
                }
                ParamSource::Peek(index) => rest.split('/').nth(index).unwrap_or_default(),
            };
            if !valid_param(value, param.kind) {
                return Err(GatewayError::invalid(format!(
                    "{} expects {} in the path; got {:?} for {{{}}}",
                    provider.id, provider.path_shape, value, param.name
                )));
            }
            base = base.replace(&format!("{{{}}}", param.name), value);
        }
        if base.contains("{account_id}") {
            base = base.replace("{account_id}", self.account_id);
        }
        if rest.split('/').any(is_dot_segment) {
            return Err(GatewayError::invalid("the provider path may not contain '.' or '..' segments"));
        }
        let mut url = base;
        if let Some(prefix) = provider.unversioned_prefix {
            if !is_version_segment(rest.split('/').next().unwrap_or_default()) {
                url.push('/');
                url.push_str(prefix);
            }
        }
        if !rest.is_empty() {
            url.push('/');
            url.push_str(rest);
        }
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        Ok(url)
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "route_props.rs"]
mod props;
