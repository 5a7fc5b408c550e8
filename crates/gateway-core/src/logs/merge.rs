//! Merging the pages of all shards into one page.
//!
//! The runtime runs the same [`crate::logs::sql::list_statement`] on every shard. Each returns up
//! to `limit + 1` rows sorted in the requested order; the merged page is the first `limit` rows of
//! their union in that order, and a next cursor exists exactly when the union has more than
//! `limit` rows (if it has no more, every shard returned all its matching rows). Because the
//! cursor is a `(created_at, id)` position and ids are unique, paging returns every row once, and
//! rows inserted meanwhile (newer than the first page) do not shift later pages.

use serde::Serialize;

use crate::logs::entry::LogEntry;
use crate::logs::query::{Cursor, Order};

/// One page of `GET /api/logs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub entries: Vec<LogEntry>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Merges per-shard pages (each sorted by `order`) into one page of at most `limit` entries.
pub fn merge_pages(shard_pages: Vec<Vec<LogEntry>>, limit: u32, order: Order) -> Page {
    let mut all: Vec<LogEntry> = shard_pages.into_iter().flatten().collect();
    all.sort_by(|a, b| {
        let key = (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id));
        match order {
            Order::Asc => key,
            Order::Desc => key.reverse(),
        }
    });
    all.dedup_by(|a, b| a.id == b.id);
    let limit = limit as usize;
    let more = all.len() > limit;
    all.truncate(limit);
    let next_cursor = if more {
        all.last().map(|e| Cursor { created_at_ms: e.created_at_ms, id: e.id.clone() }.encode())
    } else {
        None
    };
    Page { entries: all, next_cursor }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
