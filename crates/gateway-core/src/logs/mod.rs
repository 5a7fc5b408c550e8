//! Request logs: building entries, storing them in sharded SQLite, listing, stats and export.
//!
//! The runtime stores entries in N Durable Objects with SQLite storage; this module produces
//! everything those objects run — SQL text and bindings ([`sql`]), list filters and cursors
//! ([`query`]), the merge of per-shard pages ([`merge`]) and stats ([`stats`]) — plus the parts
//! run in the request Worker: header rules ([`headers`]), usage extraction ([`usage_extract`]),
//! entry building ([`entry`]), scrubbing secrets out of entries ([`scrub`]) and the Analytics
//! Engine data point ([`metrics`]).

pub mod api;
pub mod entry;
pub mod export;
pub mod feedback;
pub mod finetune;
pub mod headers;
pub mod id;
pub mod json_fields;
pub mod merge;
pub mod metrics;
pub mod query;
pub mod request_log;
pub mod retention;
pub mod scrub;
pub mod settings;
pub mod sql;
pub mod stats;
pub mod store;
pub mod usage_extract;

pub use entry::{EntryFacts, LogEntry};
pub use headers::{parse_log_options, LogOptions, MetaValue, Metadata};
pub use id::{new_log_id, new_log_id_in_shard, shard_of};
pub use request_log::{RequestLog, LOG_ID_HEADER};
pub use settings::LogSettings;
pub use sql::SqlValue;

// Property tests of usage extraction (kept out of usage_extract.rs, which other work is changing).
#[cfg(test)]
#[path = "usage_extract_props.rs"]
mod usage_extract_props;

// Test helpers (a real SQLite standing in for a shard); the file name marks it as test code.
#[cfg(test)]
#[path = "test_db_tests.rs"]
pub(crate) mod test_db;
