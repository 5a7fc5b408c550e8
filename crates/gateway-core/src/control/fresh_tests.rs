use super::*;

#[test]
fn an_entry_is_used_until_its_bound_and_not_after() {
    let mut map = FreshMap::new(KEY_FRESH_MS, 8);
    map.insert("k", 1, 1_000);
    assert_eq!(map.get(&"k", 1_000), Some(&1));
    assert_eq!(map.get(&"k", 1_000 + KEY_FRESH_MS - 1), Some(&1));
    assert_eq!(map.get(&"k", 1_000 + KEY_FRESH_MS), None);
    assert_eq!(map.get(&"other", 1_000), None);
    // Read again: fresh from the new time.
    map.insert("k", 2, 1_000 + KEY_FRESH_MS);
    assert_eq!(map.get(&"k", 1_000 + 2 * KEY_FRESH_MS - 1), Some(&2));
}

#[test]
fn a_clock_going_backwards_makes_entries_stale() {
    let mut map = FreshMap::new(GATEWAY_FRESH_MS, 8);
    map.insert("g", (), 50_000);
    assert_eq!(map.get(&"g", 49_999), None);
}

#[test]
fn absence_is_remembered_too() {
    let mut map: FreshMap<&str, Option<u32>> = FreshMap::new(KEY_FRESH_MS, 8);
    map.insert("unknown", None, 0);
    assert_eq!(map.get(&"unknown", 10), Some(&None));
}

#[test]
fn a_full_map_drops_expired_entries_then_the_oldest() {
    let mut map = FreshMap::new(100, 3);
    map.insert(1, (), 0);
    map.insert(2, (), 50);
    map.insert(3, (), 60);
    map.insert(4, (), 120); // 1 has expired: it goes, the others stay.
    assert_eq!((map.len(), map.get(&1, 120), map.get(&2, 120)), (3, None, Some(&())));
    map.insert(5, (), 130); // none expired: the oldest (2) goes.
    assert_eq!(map.len(), 3);
    assert_eq!(map.get(&2, 130), None);
    assert!(map.get(&3, 130).is_some() && map.get(&4, 130).is_some() && map.get(&5, 130).is_some());
    // Replacing an existing key never evicts another.
    map.insert(5, (), 131);
    assert!(map.get(&3, 131).is_some());
}

#[test]
fn sprayed_keys_stay_within_capacity() {
    let mut map = FreshMap::new(KEY_FRESH_MS, DEFAULT_CAPACITY);
    for i in 0..10 * DEFAULT_CAPACITY as u64 {
        map.insert(i, (), i / 100);
    }
    assert_eq!(map.len(), DEFAULT_CAPACITY);
}

#[test]
fn removal_forgets() {
    let mut map = FreshMap::new(KEY_FRESH_MS, 8);
    map.insert("k", 1, 0);
    map.remove(&"k");
    assert!(map.is_empty());
    assert_eq!(map.get(&"k", 0), None);
}
