//! Property tests of `route`: any path is a route or a 4xx, and a provider route's upstream URL
//! keeps the provider's host and never climbs out of its base path.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::provider::PROVIDERS;
use crate::strategies::{assert_client_error, config, text, word};

/// Path segments that mean something to the router or to a provider's parameters.
const SEGMENTS: &[&str] = &[
    "",
    "v1",
    "acct",
    "gw_1",
    "compat",
    "openai",
    "azure-openai",
    "aws-bedrock",
    "google-vertex-ai",
    "workers-ai",
    "bedrock-runtime",
    "us-east-1",
    "my-resource",
    "gpt-4o",
    "projects",
    "p",
    "locations",
    "chat",
    "completions",
    ".",
    "..",
    "%2e",
    "%2E%2e",
    "@cf",
    "-x",
    "UPPER",
    "a.b",
    "v1beta",
    "run",
];

fn segments() -> impl Strategy<Value = String> {
    vec(word(SEGMENTS), 0..9).prop_map(|s| s.join("/"))
}

/// The rest of a provider path as the runtime hands it over: [`split_url`] took the query and
/// fragment off, and the runtime's URL parser turned any `\` into `/`.
fn rest() -> impl Strategy<Value = String> {
    segments().prop_map(|s| s.replace(['?', '#', '\\'], "/"))
}

/// A gateway path: `/v1/` and segments, or anything at all.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![4 => segments().prop_map(|s| format!("/v1/{s}")), 1 => text()]
}

/// Whether `host` is `pattern` with each `{placeholder}` standing for a DNS label.
fn host_matches(pattern: &str, host: &str) -> bool {
    let Some(open) = pattern.find('{') else { return pattern == host };
    let Some(close) = pattern[open..].find('}') else { return false };
    let (literal, rest) = (&pattern[..open], &pattern[open + close + 1..]);
    let Some(host) = host.strip_prefix(literal) else { return false };
    (1..=host.len().min(63)).any(|n| {
        host.is_char_boundary(n)
            && host[..n].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && host_matches(rest, &host[n..])
    })
}

fn authority(url: &str) -> (&str, &str) {
    let after = url.split_once("://").map_or(url, |(_, a)| a);
    after.split_at(after.find(['/', '?']).unwrap_or(after.len()))
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn every_path_is_a_route_or_a_client_error(path in path()) {
        match parse_gateway(&path) {
            Ok(route) => {
                prop_assert!(path.starts_with("/v1/"));
                prop_assert!(is_id(route.account_id()) && is_id(route.gateway_id()));
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn upstream_urls_keep_the_providers_host_and_base_path(
        provider in select(PROVIDERS),
        rest in rest(),
        query in proptest::option::of(text()),
    ) {
        let path = format!("/v1/acct/gw/{}/{rest}", provider.id);
        let route = parse(&path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match route.upstream_url(&GatewayConfig::default(), query.as_deref()) {
            Ok(url) => {
                let base_host = authority(provider.base_url).0;
                let (host, path_and_query) = authority(&url);
                prop_assert!(host_matches(base_host, host), "{} is not a host of {}", host, provider.base_url);
                let path = path_and_query.split('?').next().unwrap_or_default();
                prop_assert!(!path.split('/').any(is_dot_segment), "{}", url);
                if let Some(q) = query.filter(|q| !q.is_empty()) {
                    let tail = format!("?{q}");
                    prop_assert!(url.ends_with(&tail), "{} does not end with {}", url, tail);
                }
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn split_url_takes_path_and_query_apart(
        host in "[a-z0-9.:-]{1,20}",
        path in "(/[^?#]{0,12}){1,3}",
        query in proptest::option::of("[^#]{0,16}"),
        fragment in proptest::option::of(".{0,8}"),
    ) {
        let url = format!(
            "https://{host}{path}{}{}",
            query.as_ref().map(|q| format!("?{q}")).unwrap_or_default(),
            fragment.map(|f| format!("#{f}")).unwrap_or_default()
        );
        prop_assert_eq!(split_url(&url), (path.as_str(), query.as_deref()));
    }

    #[test]
    fn split_url_takes_any_text(url in text()) {
        let (path, query) = split_url(&url);
        prop_assert!(path.starts_with('/'));
        prop_assert!(!path.contains(['?', '#']) && !query.unwrap_or_default().contains('#'));
    }
}
