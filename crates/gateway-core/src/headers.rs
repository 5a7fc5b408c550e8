//! An ordered header list, and the rules for which headers cross the proxy.
//!
//! The gateway forwards the client's headers to the provider (its provider key included) except:
//! hop-by-hop headers (RFC 9110 §7.6.1), headers the runtime sets itself (`host`,
//! `content-length`), the gateway's own `cf-aig-*` controls, and headers that would leak the
//! client's address or Cloudflare's edge metadata to the provider.

/// Header names are stored lower-case; values as received. Order is kept; names may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Adds a header, lower-casing its name; an existing header of that name is kept.
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_ascii_lowercase(), value.into()));
    }

    /// Replaces every header of that name with one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Removes every header of that name.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `content-length` value, when present and a valid number.
    pub fn content_length(&self) -> Option<u64> {
        self.get("content-length").and_then(|v| v.trim().parse().ok())
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (n, v) in iter {
            headers.append(n.as_ref(), v);
        }
        headers
    }
}

/// Hop-by-hop headers, and headers the runtime computes for the outgoing request.
const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    // The client's address and Cloudflare's edge metadata are not the provider's business.
    "cf-connecting-ip",
    "cf-connecting-ipv6",
    "cf-ipcountry",
    "cf-ray",
    "cf-visitor",
    "cf-worker",
    "cdn-loop",
    "true-client-ip",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-real-ip",
];

/// Whether a request header (lower-case name) is sent on to the provider.
pub fn forward_request_header(name: &str) -> bool {
    !(name.starts_with("cf-aig-") || NOT_FORWARDED.contains(&name))
}

/// The distinct (lower-case) names of the client's headers that are not forwarded.
pub fn dropped_request_header_names(client: &Headers) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in client.iter().filter(|(n, _)| !forward_request_header(n)) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The request headers to send upstream, from the client's.
pub fn upstream_request_headers(client: &Headers) -> Headers {
    Headers(client.0.iter().filter(|(n, _)| forward_request_header(n)).cloned().collect())
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "headers_props.rs"]
mod props;
