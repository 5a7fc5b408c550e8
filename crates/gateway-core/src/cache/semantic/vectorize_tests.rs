//! Unit tests of `cache::semantic::vectorize`, with answers in the shape of Vectorize's.

use serde_json::json;

use super::*;

const P: &str = "3f2a0000000000000000000000000000000000000000000000000000000000aa";

fn query() -> IndexQuery {
    IndexQuery { vector: vec![1.0, 0.0], top_k: 3, min_score: 0.5, now_ms: 1_000.0 }
}

#[test]
fn queries_filter_on_the_partition() {
    assert_eq!(query_options(P, &query()), json!({"topK": 3, "filter": {"partition": P}, "returnMetadata": "all"}));
    assert_eq!(query_options(P, &IndexQuery { top_k: 500, ..query() })["topK"], 20);
}

#[test]
fn answers_are_read_best_first_and_checked() {
    let metadata =
        |kv: &str, expires: f64| json!({"partition": P, "kv_key": kv, "expires_at_ms": expires, "stored_at_ms": 0});
    let answer = json!({"count": 6, "matches": [
        {"id": "b", "score": 0.91, "metadata": metadata("v1/gw/b", 2_000.0)},
        {"id": "a", "score": 0.973, "metadata": metadata("v1/gw/a", 2_000.0)},
        {"id": "expired", "score": 0.99, "metadata": metadata("v1/gw/x", 1_000.0)},
        {"id": "low", "score": 0.2, "metadata": metadata("v1/gw/l", 2_000.0)},
        {"id": "other", "score": 0.99, "metadata": {"partition": "x", "kv_key": "k", "expires_at_ms": 2_000.0}},
        {"id": "bare", "score": 0.99}
    ]});
    let found = read_matches(&answer, P, &query());
    assert_eq!(
        found,
        vec![
            IndexMatch { id: "a".into(), score: 0.973, kv_key: "v1/gw/a".into() },
            IndexMatch { id: "b".into(), score: 0.91, kv_key: "v1/gw/b".into() },
        ]
    );
    assert!(read_matches(&json!({"count": 0}), P, &query()).is_empty());
}

#[test]
fn records_are_upserted_with_their_partition() {
    let record = IndexRecord {
        id: "ab".repeat(32),
        vector: vec![0.6, 0.8],
        kv_key: "v1/gw/k".into(),
        stored_at_ms: 5.0,
        expires_at_ms: 60_005.0,
    };
    let vectors = upsert_vectors(P, &record);
    assert_eq!(vectors[0]["id"], "ab".repeat(32));
    assert_eq!(
        vectors[0]["metadata"],
        json!({"partition": P, "kv_key": "v1/gw/k", "stored_at_ms": 5.0, "expires_at_ms": 60005.0})
    );
    let values: Vec<f32> = serde_json::from_value(vectors[0]["values"].clone()).unwrap();
    assert_eq!(values, vec![0.6, 0.8]);
}
