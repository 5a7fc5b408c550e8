//! Describing a provider's error answer that is not in its API's format (a proxy's HTML page,
//! plain text, nothing), so that the client learns what came back instead of a bare status.

/// The longest excerpt of a plain-text body, or of an HTML page's title, put in a message.
const EXCERPT_CHARS: usize = 200;

/// A sentence for the client about an error body that is not JSON, answered with `status`.
///
/// An HTML page is described by its `<title>` only (its markup and the rest of its text are
/// noise, and may echo the request); plain text by its first line, cut at 200 characters.
pub(crate) fn describe_error_body(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("the provider answered HTTP {status} with an empty body");
    }
    if text.starts_with('<') {
        let title = html_title(text).map(|t| format!(" titled {}", super::json::quoted(&t))).unwrap_or_default();
        return format!(
            "the provider answered HTTP {status} with an HTML page{title} instead of an error in its API's format \
             (a proxy or load balancer in front of it may have answered)"
        );
    }
    let line = text.lines().next().unwrap_or_default();
    format!("the provider answered HTTP {status} with a body that is not JSON: {}", excerpt(line))
}

/// The text of the page's `<title>` element, whitespace collapsed; `None` without one.
fn html_title(html: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = html[start..end].split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then(|| excerpt(&title))
}

fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
#[path = "unreadable_tests.rs"]
mod tests;
