use super::*;

#[test]
fn id_is_26_crockford_chars_and_encodes_the_time() {
    let id = new_log_id(1_700_000_000_123.0, [7; 10]);
    assert_eq!(id.len(), 26);
    assert!(is_log_id(&id), "{id}");
    assert_eq!(log_id_timestamp_ms(&id), Some(1_700_000_000_123));
}

#[test]
fn known_ulid_vector() {
    // From the ULID spec's example: time 1469918176385 encodes as 01ARYZ6S41.
    let id = new_log_id(1_469_918_176_385.0, [0; 10]);
    assert_eq!(&id[..10], "01ARYZ6S41");
    assert_eq!(&id[10..], "0000000000000000");
    let max = new_log_id(1.0, [0xFF; 10]);
    assert_eq!(&max[10..], "ZZZZZZZZZZZZZZZZ");
}

#[test]
fn ids_sort_by_time_then_random() {
    let a = new_log_id(1000.0, [0xFF; 10]);
    let b = new_log_id(1001.0, [0; 10]);
    let c = new_log_id(1001.0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert!(a < b && b < c);
}

#[test]
fn parse_rejects_bad_ids_naming_the_parameter() {
    assert!(parse_log_id(&new_log_id(5.0, [1; 10])).is_ok());
    for bad in ["", "abc", "01ARYZ6S410000000000000000X", "01aryz6s410000000000000000", "01ARYZ6S41000000000000000U"] {
        let err = parse_log_id(bad).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("id path parameter"), "{}", err.message());
    }
}

#[test]
fn shard_is_deterministic_and_spread() {
    let mut counts = [0u32; 4];
    for i in 0..400u32 {
        let id = new_log_id(1_700_000_000_000.0, [(i % 256) as u8, (i / 256) as u8, 3, 4, 5, 6, 7, 8, 9, 10]);
        let s = shard_of(&id, 4);
        assert_eq!(s, shard_of(&id, 4));
        counts[s as usize] += 1;
    }
    assert!(counts.iter().all(|&c| c > 50), "{counts:?}");
    assert_eq!(shard_of("X", 0), 0);
}

#[test]
fn ids_made_for_one_of_64_shards_land_in_it() {
    // 16 × 64 variations: a miss is (63/64)^1024 ≈ 1e-7 if the hash of the variations is uniform.
    let mut seed = 0x1234_5678_9abc_def0_u64;
    let mut missed = 0;
    for n in 0..2000u32 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let random: [u8; 10] = std::array::from_fn(|i| (seed >> (i * 6)) as u8);
        let id = new_log_id_in_shard(1.7e12 + f64::from(n), random, n % 64, 64);
        missed += usize::from(shard_of(&id, 64) != n % 64);
    }
    assert_eq!(missed, 0, "{missed} of 2000 ids missed their shard");
}
