//! The ports through which logs leave the request: storage shards, the batching sink, and
//! Analytics Engine.

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::error::GatewayError;
use crate::logs::entry::LogEntry;
use crate::logs::metrics::DataPoint;
use crate::logs::sql::Statement;

/// One row as SQLite returns it: column name to value.
pub type Row = Map<String, Value>;

/// The log shards: SQLite databases (Durable Objects in Workers) that run the statements of
/// [`crate::logs::sql`].
#[async_trait(?Send)]
pub trait LogStore {
    /// How many shards entries are spread over (`LOG_SHARDS`).
    fn shards(&self) -> u32;

    /// Runs `statements` in order on shard `shard`, in one transaction, and returns each
    /// statement's rows. Errors: the shard could not be reached, or a statement failed (then
    /// none of them took effect).
    async fn run(&self, shard: u32, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError>;

    /// Runs shard `shard`'s retention now — what its alarm runs
    /// ([`crate::logs::retention::retention_statements`] with the shard's settings) — and
    /// returns how many rows it deleted. Errors: the shard could not be reached or failed.
    async fn run_retention(&self, shard: u32) -> Result<u64, GatewayError>;
}

/// Where finished entries go. Implementations batch and write off the hot path; a failure is
/// theirs to report (a console line), it cannot reach the client.
#[async_trait(?Send)]
pub trait LogSink {
    /// Takes one finished entry. Called in the request's logging phase (`ctx.wait_until`), after
    /// the response completed; it may wait for a batch to fill before returning.
    async fn write(&self, entry: LogEntry);

    /// The shard the entries written now are batched for, if the sink batches per shard: the
    /// pipeline then makes each new entry's id for that shard ([`crate::logs::new_log_id_in_shard`])
    /// so that a batch is one write. Called when a request's log starts; `None` (the default)
    /// leaves ids spread over the shards.
    fn shard_hint(&self) -> Option<u32> {
        None
    }
}

/// Analytics Engine's `writeDataPoint`: fire and forget.
pub trait MetricsSink {
    /// Writes one point; failures are the sink's to report.
    fn write(&self, point: &DataPoint);
}
