//! The logs admin API over the [`LogStore`] port: list, export, get, delete, feedback, stats and
//! retention. The caller has already checked `Authorization: Bearer <ADMIN_TOKEN>`
//! ([`crate::admin::authorize`], in [`crate::admin::handle`]).
//!
//! | request | what it does |
//! |---|---|
//! | `GET /api/logs?<filters>&limit&cursor&order&bodies&format` | one page, newest first: `{"entries": […], "next_cursor"}`; `format=jsonl` or `csv` exports the page (next cursor in the `cf-aig-next-cursor` header); `format=finetune` exports the page's successful entries as fine-tuning examples ([`crate::logs::finetune`]) |
//! | `DELETE /api/logs?<filters>` | deletes the matching entries on every shard: `{"deleted": n}`; at least one filter is required |
//! | `GET /api/logs/{id}` | one entry with its bodies |
//! | `DELETE /api/logs/{id}` | `{"deleted": 1}` |
//! | `PATCH /api/logs/{id}` | `{"feedback": 1 \| -1, "score"?, "comment"?}`; answers the updated entry |
//! | `GET /api/stats?<filters>&bucket&group_by` | `{"series": […]}`, see [`crate::logs::stats`] |
//! | `POST /api/logs/retention` | runs every shard's retention now (what its alarm runs): `{"deleted": n}` |
//!
//! Lists and stats fan out to every shard at once and merge ([`merge_pages`], [`merge_stats`]);
//! requests naming an id go to the one shard [`shard_of`] gives. A shard that cannot be reached
//! fails the whole request (500): a partial page would silently skip entries.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;
use serde_json::json;

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::logs::export::{to_csv, to_jsonl, ExportFormat};
use crate::logs::feedback::{parse_feedback, patch_statement};
use crate::logs::finetune::{to_finetune_jsonl, SKIPPED_HEADER};
use crate::logs::id::{parse_log_id, shard_of};
use crate::logs::merge::merge_pages;
use crate::logs::query::{ListQuery, LogFilter, MAX_LIMIT_WITH_BODIES};
use crate::logs::sql::{delete_by_filter_statement, filter_where, get_statement, list_statement, row_to_entry};
use crate::logs::stats::{merge_stats, stats_statement, StatsQuery, StatsRow};
use crate::logs::store::{LogStore, Row};
use crate::plugin::Reply;

/// The path of the logs collection.
pub const LOGS_PATH: &str = "/api/logs";
/// The path of the stats endpoint.
pub const STATS_PATH: &str = "/api/stats";
/// The path that runs retention now.
pub const RETENTION_PATH: &str = "/api/logs/retention";
/// The response header carrying the next cursor of an exported page.
pub const NEXT_CURSOR_HEADER: &str = "cf-aig-next-cursor";

/// One admin request, as the runtime read it.
#[derive(Debug, Clone, Copy)]
pub struct AdminRequest<'a> {
    pub method: &'a str,
    /// The URL path, e.g. `/api/logs/01J…`.
    pub path: &'a str,
    /// The query string without `?` (empty when none).
    pub query: &'a str,
    pub body: &'a [u8],
}

/// Whether `path` is one of this module's routes.
pub fn is_logs_path(path: &str) -> bool {
    path == LOGS_PATH || path.starts_with("/api/logs/") || path == STATS_PATH
}

/// Answers one logs or stats request.
///
/// Errors: 400 for a bad query, id or body (naming what is wrong); 404 for an unknown id or
/// route; 405 for a method the route does not take; 500 when a shard failed.
pub async fn handle(store: &dyn LogStore, req: AdminRequest<'_>) -> Result<Reply, GatewayError> {
    match (req.method, req.path) {
        ("GET", LOGS_PATH) => list(store, req.query).await,
        ("DELETE", LOGS_PATH) => delete_by_filter(store, req.query).await,
        ("GET", STATS_PATH) => stats(store, req.query).await,
        ("POST", RETENTION_PATH) => retention(store).await,
        (_, LOGS_PATH | STATS_PATH | RETENTION_PATH) => Err(method_not_allowed(req)),
        (method, path) => {
            let Some(id) = path.strip_prefix("/api/logs/").filter(|rest| !rest.contains('/')) else {
                return Err(GatewayError::not_found(format!("no admin route for {method} {path}")));
            };
            let id = parse_log_id(id)?;
            match method {
                "GET" => get(store, id).await,
                "DELETE" => delete_one(store, id).await,
                "PATCH" => patch(store, id, req.body).await,
                _ => Err(method_not_allowed(req)),
            }
        }
    }
}

fn method_not_allowed(req: AdminRequest<'_>) -> GatewayError {
    GatewayError::new(ErrorKind::MethodNotAllowed, format!("{} does not take {}", req.path, req.method))
}

fn json_reply(status: u16, value: &impl Serialize) -> Result<Reply, GatewayError> {
    let body = serde_json::to_vec(value).map_err(|e| GatewayError::internal(format!("encoding a reply: {e}")))?;
    let mut headers = Headers::new();
    headers.set("content-type", "application/json");
    Ok(Reply { status, headers, body })
}

/// Runs the same statements on every shard at once; the results in shard order.
async fn on_all_shards(
    store: &dyn LogStore,
    statements: &[(String, Vec<crate::logs::SqlValue>)],
) -> Result<Vec<Vec<Vec<Row>>>, GatewayError> {
    let runs = (0..store.shards()).map(|shard| store.run(shard, statements.to_vec())).collect();
    join_all(runs).await.into_iter().collect()
}

async fn list(store: &dyn LogStore, query: &str) -> Result<Reply, GatewayError> {
    let format = ExportFormat::from_query(query)?;
    let mut q = ListQuery::parse(query)?;
    if format == ExportFormat::FineTune {
        fine_tune_query(&mut q)?;
    }
    let results = on_all_shards(store, &[list_statement(&q)]).await?;
    let pages = results
        .into_iter()
        .map(|mut rows| rows.pop().unwrap_or_default().iter().map(row_to_entry).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    let page = merge_pages(pages, q.limit, q.order);
    let mut headers = Headers::new();
    let body = match format {
        ExportFormat::Json => return json_reply(200, &page),
        ExportFormat::Jsonl => to_jsonl(&page.entries),
        ExportFormat::Csv => to_csv(&page.entries),
        ExportFormat::FineTune => {
            let (body, skipped) = to_finetune_jsonl(&page.entries);
            headers.set(SKIPPED_HEADER, skipped.to_string().as_str());
            body
        }
    };
    headers.set("content-type", format.content_type());
    if let Some(cursor) = &page.next_cursor {
        headers.set(NEXT_CURSOR_HEADER, cursor.as_str());
    }
    Ok(Reply { status: 200, headers, body: body.into_bytes() })
}

/// A fine-tuning export reads the bodies of successful entries only: `success=false` cannot be
/// asked for, and the page size is that of lists with bodies.
///
/// Errors: 400 naming `success` or `limit`.
fn fine_tune_query(q: &mut ListQuery) -> Result<(), GatewayError> {
    if q.filter.success == Some(false) {
        return Err(GatewayError::invalid("format=finetune exports successful entries only: drop success=false"));
    }
    if q.limit > MAX_LIMIT_WITH_BODIES {
        return Err(GatewayError::invalid(format!(
            "limit must be from 1 to {MAX_LIMIT_WITH_BODIES} with format=finetune, got {}",
            q.limit
        )));
    }
    q.filter.success = Some(true);
    q.bodies = true;
    Ok(())
}

/// The `n` column of a `COUNT(*) AS n` result.
fn count_of(rows: &[Row]) -> u64 {
    rows.first().and_then(|r| r.get("n")).and_then(|v| v.as_f64()).map_or(0, |n| n.max(0.0) as u64)
}

async fn delete_by_filter(store: &dyn LogStore, query: &str) -> Result<Reply, GatewayError> {
    let filter = LogFilter::parse(query)?;
    let delete = delete_by_filter_statement(&filter)?;
    let (cond, binds) = filter_where(&filter);
    let count = (format!("SELECT COUNT(*) AS n FROM logs WHERE {cond}"), binds);
    let results = on_all_shards(store, &[count, delete]).await?;
    let deleted: u64 = results.iter().map(|r| r.first().map_or(0, |rows| count_of(rows))).sum();
    json_reply(200, &json!({ "deleted": deleted }))
}

async fn get(store: &dyn LogStore, id: &str) -> Result<Reply, GatewayError> {
    let rows = store.run(shard_of(id, store.shards()), vec![get_statement(id)]).await?;
    let row = rows.first().and_then(|r| r.first()).ok_or_else(|| not_found(id))?;
    json_reply(200, &row_to_entry(row)?)
}

fn not_found(id: &str) -> GatewayError {
    GatewayError::not_found(format!("no log entry with id {id}"))
}

fn count_by_id(id: &str) -> (String, Vec<crate::logs::SqlValue>) {
    ("SELECT COUNT(*) AS n FROM logs WHERE id = ?".into(), vec![id.into()])
}

async fn delete_one(store: &dyn LogStore, id: &str) -> Result<Reply, GatewayError> {
    let statements = vec![count_by_id(id), crate::logs::sql::delete_by_id_statement(id)];
    let rows = store.run(shard_of(id, store.shards()), statements).await?;
    match rows.first().map_or(0, |r| count_of(r)) {
        0 => Err(not_found(id)),
        n => json_reply(200, &json!({ "deleted": n })),
    }
}

async fn patch(store: &dyn LogStore, id: &str, body: &[u8]) -> Result<Reply, GatewayError> {
    let text = std::str::from_utf8(body).map_err(|_| GatewayError::invalid("feedback body must be UTF-8 JSON"))?;
    let patch = parse_feedback(text)?;
    let statements = vec![patch_statement(id, &patch), get_statement(id)];
    let rows = store.run(shard_of(id, store.shards()), statements).await?;
    let row = rows.get(1).and_then(|r| r.first()).ok_or_else(|| not_found(id))?;
    json_reply(200, &row_to_entry(row)?)
}

async fn stats(store: &dyn LogStore, query: &str) -> Result<Reply, GatewayError> {
    let q = StatsQuery::parse(query)?;
    let results = on_all_shards(store, &[stats_statement(&q)]).await?;
    let rows = results
        .iter()
        .flat_map(|r| r.first().into_iter().flatten())
        .map(StatsRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    json_reply(200, &json!({ "series": merge_stats(rows, q.group_by) }))
}

async fn retention(store: &dyn LogStore) -> Result<Reply, GatewayError> {
    let runs = (0..store.shards()).map(|shard| store.run_retention(shard)).collect();
    let deleted: Vec<u64> = join_all(runs).await.into_iter().collect::<Result<_, _>>()?;
    json_reply(200, &json!({ "deleted": deleted.iter().sum::<u64>() }))
}

/// Polls every future until all are ready; outputs in input order. (The core has no executor
/// dependency; the runtime's futures make progress on their own, as promises.)
pub async fn join_all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + 'a>>>) -> Vec<T> {
    JoinAll { futures, done: Vec::new() }.await
}

struct JoinAll<'a, T> {
    futures: Vec<Pin<Box<dyn Future<Output = T> + 'a>>>,
    done: Vec<Option<T>>,
}

// Only the boxed futures are polled through a pin, and they are pinned on the heap.
impl<T> Unpin for JoinAll<'_, T> {}

impl<T> Future for JoinAll<'_, T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let this = self.get_mut();
        if this.done.len() != this.futures.len() {
            this.done = this.futures.iter().map(|_| None).collect();
        }
        for (future, slot) in this.futures.iter_mut().zip(this.done.iter_mut()) {
            if slot.is_none() {
                if let Poll::Ready(value) = future.as_mut().poll(cx) {
                    *slot = Some(value);
                }
            }
        }
        if this.done.iter().all(Option::is_some) {
            Poll::Ready(std::mem::take(&mut this.done).into_iter().flatten().collect())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "api_props.rs"]
mod props;
