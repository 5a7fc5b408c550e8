use std::cell::Cell;

use super::*;

fn coalescer(clock: Rc<Cell<f64>>) -> MemoryCoalescer {
    MemoryCoalescer::new(move || clock.get(), 1000.0)
}

/// Runs futures concurrently on one thread, as a Worker isolate does.
fn run_all<T>(futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut futures: Vec<_> = futures.into_iter().map(Some).collect();
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    for _ in 0..100 {
        for (slot, result) in futures.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                    *result = Some(value);
                    *slot = None;
                }
            }
        }
        if results.iter().all(Option::is_some) {
            break;
        }
    }
    results.into_iter().map(|r| r.expect("a future never finished")).collect()
}

#[test]
fn the_first_leads_and_followers_get_the_released_entry() {
    let c = coalescer(Rc::new(Cell::new(0.0)));
    assert_eq!(pollster::block_on(c.join("k")).unwrap(), Joined::Lead);
    let mut futures: Vec<Pin<Box<dyn Future<Output = Joined>>>> = Vec::new();
    for _ in 0..19 {
        futures.push(Box::pin(async { c.join("k").await.unwrap() }));
    }
    futures.push(Box::pin(async {
        // The leader answers once the followers have joined.
        while c.waiting("k") < 19 {
            YieldOnce(false).await;
        }
        c.release("k", Some(b"entry".to_vec())).await;
        Joined::Lead
    }));
    let results = run_all(futures);
    assert_eq!(results.iter().filter(|r| **r == Joined::Served(b"entry".to_vec())).count(), 19);
    // The group is gone: the next request leads a new call.
    assert_eq!(pollster::block_on(c.join("k")).unwrap(), Joined::Lead);
}

/// Yields to the executor once.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

#[test]
fn a_failed_leader_releases_followers_to_go_alone() {
    let c = coalescer(Rc::new(Cell::new(0.0)));
    assert_eq!(pollster::block_on(c.join("k")).unwrap(), Joined::Lead);
    let futures: Vec<Pin<Box<dyn Future<Output = Joined>>>> = vec![
        Box::pin(async { c.join("k").await.unwrap() }),
        Box::pin(async {
            YieldOnce(false).await;
            c.release("k", None).await;
            Joined::Lead
        }),
    ];
    assert_eq!(run_all(futures)[0], Joined::Alone);
}

#[test]
fn different_keys_do_not_wait_for_each_other() {
    let c = coalescer(Rc::new(Cell::new(0.0)));
    assert_eq!(pollster::block_on(c.join("a")).unwrap(), Joined::Lead);
    assert_eq!(pollster::block_on(c.join("b")).unwrap(), Joined::Lead);
}

#[test]
fn a_leader_silent_past_the_timeout_is_replaced() {
    let clock = Rc::new(Cell::new(0.0));
    let c = coalescer(Rc::clone(&clock));
    assert_eq!(pollster::block_on(c.join("k")).unwrap(), Joined::Lead);
    clock.set(1500.0);
    assert_eq!(pollster::block_on(c.join("k")).unwrap(), Joined::Lead, "the silent leader was replaced");
}

#[test]
fn a_key_meets_its_peers_in_one_of_sixteen_objects_of_its_location() {
    let hash = "3f2a9c00aa";
    assert_eq!(coalescer_object_name("AMS", hash), "AMS/3");
    assert_eq!(coalescer_object_name("AMS", hash), coalescer_object_name("AMS", hash), "the same key, the same object");
    assert_ne!(coalescer_object_name("AMS", hash), coalescer_object_name("NRT", hash), "each location its own");
    let names: std::collections::BTreeSet<String> = (0..4096u32)
        .map(|i| coalescer_object_name("AMS", &format!("{:016x}", u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15))))
        .collect();
    assert_eq!(names.len(), COALESCER_SHARDS as usize, "hashes spread over exactly the shards: {names:?}");
    assert_eq!(coalescer_object_name("", "f0"), "/f", "no location: global objects");
    assert_eq!(coalescer_object_name("AMS", ""), "AMS/0", "a hash that is not hex still has an object");
}

#[test]
fn groups_of_leaders_that_never_released_are_swept_once_many_keys_are_held() {
    let clock = Rc::new(Cell::new(0.0));
    let c = coalescer(Rc::clone(&clock));
    for i in 0..SWEEP_AT_KEYS - 1 {
        assert_eq!(pollster::block_on(c.join(&format!("dead-{i}"))).unwrap(), Joined::Lead);
    }
    assert_eq!(c.keys_in_flight(), SWEEP_AT_KEYS - 1);
    // Past the leaders' time limit (1000 ms here), the next joins sweep them; a live leader stays.
    clock.set(1500.0);
    assert_eq!(pollster::block_on(c.join("live")).unwrap(), Joined::Lead);
    assert_eq!(c.keys_in_flight(), SWEEP_AT_KEYS);
    assert_eq!(pollster::block_on(c.join("another")).unwrap(), Joined::Lead);
    assert_eq!(c.keys_in_flight(), 2, "only the two live leaders' groups are left");
    // A follower of a live leader is not swept and still gets the entry.
    let results = run_all(vec![
        Box::pin(async { c.join("live").await.unwrap() }) as Pin<Box<dyn Future<Output = Joined>>>,
        Box::pin(async {
            while c.waiting("live") < 1 {
                YieldOnce(false).await;
            }
            c.release("live", Some(b"e".to_vec())).await;
            Joined::Lead
        }),
    ]);
    assert_eq!(results[0], Joined::Served(b"e".to_vec()));
}
