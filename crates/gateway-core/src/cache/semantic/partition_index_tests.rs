//! Unit tests of `cache::semantic::partition_index`.

use pollster::block_on;

use super::*;

fn record(id: &str, vector: [f32; 2], stored_at_ms: f64) -> IndexRecord {
    IndexRecord {
        id: id.into(),
        vector: vector.to_vec(),
        kv_key: format!("v1/gw/{id}"),
        stored_at_ms,
        expires_at_ms: stored_at_ms + 1000.0,
    }
}

fn query(vector: [f32; 2], min_score: f32) -> IndexQuery {
    IndexQuery { vector: vector.to_vec(), top_k: 3, min_score, now_ms: 100.0 }
}

fn ids(matches: &[IndexMatch]) -> Vec<&str> {
    matches.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn the_threshold_is_inclusive() {
    let mut index = PartitionIndex::default();
    index.insert(record("a", [0.6, 0.8], 0.0), 10, 0.0);
    // cos([1, 0], [0.6, 0.8]) is exactly 0.6 in f32.
    let found = index.query(&query([1.0, 0.0], 0.6));
    assert_eq!(found, vec![IndexMatch { id: "a".into(), score: 0.6, kv_key: "v1/gw/a".into() }]);
    assert!(index.query(&query([1.0, 0.0], f32::from_bits(0.6f32.to_bits() + 1))).is_empty(), "just above misses");
    assert_eq!(ids(&index.query(&query([1.0, 0.0], 0.0))), ["a"]);
}

#[test]
fn best_first_at_most_top_k_never_expired() {
    let mut index = PartitionIndex::default();
    index.insert(record("far", [0.0, 1.0], 0.0), 10, 0.0);
    index.insert(record("near", [0.8, 0.6], 0.0), 10, 0.0);
    index.insert(record("same", [1.0, 0.0], 0.0), 10, 0.0);
    index.insert(record("same-newer", [1.0, 0.0], 50.0), 10, 0.0);
    assert_eq!(ids(&index.query(&query([1.0, 0.0], -1.0))), ["same-newer", "same", "near"]);
    let late = IndexQuery { now_ms: 1000.0, ..query([1.0, 0.0], -1.0) };
    assert_eq!(ids(&index.query(&late)), ["same-newer"], "records of stored_at 0 expired at 1000");
    assert_eq!(cosine(&[1.0, 0.0], &[1.0, 0.0, 0.0]), 0.0, "vectors of other lengths never match");
}

#[test]
fn the_cap_drops_the_expired_then_the_oldest() {
    let mut index = PartitionIndex::default();
    assert!(index.insert(record("old", [1.0, 0.0], 0.0), 2, 0.0).is_empty());
    assert!(index.insert(record("mid", [1.0, 0.0], 10.0), 2, 10.0).is_empty());
    assert_eq!(index.insert(record("new", [1.0, 0.0], 20.0), 2, 20.0), ["old"]);
    assert_eq!(index.records().len(), 2);
    // Replacing a record by id is not a drop.
    assert!(index.insert(record("new", [0.0, 1.0], 30.0), 2, 30.0).is_empty());
    assert_eq!(index.records().len(), 2);
    // At 1015, "mid" (expires at 1010) has expired.
    assert_eq!(index.insert(record("later", [1.0, 0.0], 1015.0), 5, 1015.0), ["mid"]);
    index.remove(&["later".to_string(), "unknown".to_string()]);
    assert_eq!(ids(&index.query(&IndexQuery { now_ms: 1015.0, ..query([0.0, 1.0], 0.5) })), ["new"]);
}

#[test]
fn the_memory_index_keeps_partitions_apart() {
    let index = MemoryIndex::new(10, || 0.0);
    block_on(index.insert("p1", record("a", [1.0, 0.0], 0.0))).unwrap();
    block_on(index.insert("p2", record("b", [1.0, 0.0], 0.0))).unwrap();
    assert_eq!(ids(&block_on(index.query("p1", &query([1.0, 0.0], 0.9))).unwrap()), ["a"]);
    assert!(block_on(index.query("p3", &query([1.0, 0.0], 0.9))).unwrap().is_empty());
    block_on(index.remove("p2", &["b".to_string()])).unwrap();
    assert_eq!((index.len("p1"), index.len("p2")), (1, 0));
}
