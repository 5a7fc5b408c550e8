//! Turning a stored body back into a response body.
//!
//! A stored JSON (or other non-SSE) body is sent as it is, in one piece. A stored SSE stream is cut
//! into one chunk per event (each ending with its blank line) so the runtime can enqueue them
//! separately, as the provider sent them, and clients that expect one event per read keep working.

use super::entry::CacheEntry;

/// The chunks to send for a cached entry: one per event for SSE, the whole body otherwise.
pub fn replay_chunks(entry: &CacheEntry) -> Vec<&[u8]> {
    if entry.sse {
        split_events(&entry.body)
    } else if entry.body.is_empty() {
        Vec::new()
    } else {
        vec![&entry.body[..]]
    }
}

/// Splits an event stream after each blank line (`\n`, `\r\n` or `\r` line ends). Blank lines
/// before an event stay with it; bytes after the last blank line form a last chunk. The chunks
/// concatenate to exactly `body`.
pub fn split_events(body: &[u8]) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut chunk_start = 0;
    let mut line_start = 0;
    // Whether the current chunk holds a non-empty line: leading blank lines do not end an event.
    let mut has_content = false;
    let mut i = 0;
    while i < body.len() {
        let line_end = match body[i] {
            b'\r' if body.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' | b'\n' => Some(i + 1),
            _ => None,
        };
        let Some(next) = line_end else {
            i += 1;
            continue;
        };
        if i == line_start {
            if has_content {
                chunks.push(&body[chunk_start..next]);
                chunk_start = next;
                has_content = false;
            }
        } else {
            has_content = true;
        }
        line_start = next;
        i = next;
    }
    if chunk_start < body.len() {
        chunks.push(&body[chunk_start..]);
    }
    chunks
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
