//! Unit tests of `cache::coalesce`.

use super::*;
use crate::headers::Headers;

/// Polls `reader` until Pending or Done, returning the bytes got and the final poll.
fn drain(inflight: &mut Inflight, reader: ReaderId) -> (Vec<u8>, ReaderPoll) {
    let mut got = Vec::new();
    loop {
        match inflight.poll(reader) {
            ReaderPoll::Chunks(chunks) => {
                assert!(!chunks.is_empty(), "Chunks is never empty");
                got.extend(chunks.concat());
            }
            other => return (got, other),
        }
    }
}

fn head() -> ResponseHead {
    ResponseHead { status: 200, headers: [("content-type", "text/event-stream")].into_iter().collect::<Headers>() }
}

#[test]
fn readers_joining_before_during_and_after_get_the_whole_body() {
    let mut inflight = Inflight::new(1 << 20);
    let before = inflight.subscribe().expect("subscribe");
    assert_eq!(inflight.poll(before), ReaderPoll::Pending);
    assert!(inflight.head().is_none());
    inflight.set_head(head());
    inflight.push(b"data: 1\n\n".to_vec());
    inflight.push(Vec::new());
    let (got, last) = drain(&mut inflight, before);
    assert_eq!((got.as_slice(), last), (&b"data: 1\n\n"[..], ReaderPoll::Pending));

    let during = inflight.subscribe().expect("subscribe");
    inflight.push(b"data: 2\n\n".to_vec());
    let (got, _) = drain(&mut inflight, during);
    assert_eq!(got, b"data: 1\n\ndata: 2\n\n", "a late follower starts from the beginning");
    inflight.push(b"data: 3\n\n".to_vec());
    inflight.finish(true);
    inflight.push(b"ignored".to_vec());

    let after = inflight.subscribe().expect("subscribe");
    assert_eq!(inflight.head(), Some(&head()));
    let full = b"data: 1\n\ndata: 2\n\ndata: 3\n\n";
    assert_eq!(drain(&mut inflight, after), (full.to_vec(), ReaderPoll::Done { ok: true }));
    assert_eq!(drain(&mut inflight, before), (b"data: 2\n\ndata: 3\n\n".to_vec(), ReaderPoll::Done { ok: true }));
    assert!(!inflight.is_idle(), "one reader has not seen Done");
    assert_eq!(drain(&mut inflight, during), (b"data: 3\n\n".to_vec(), ReaderPoll::Done { ok: true }));
    assert!(inflight.is_idle());
    assert_eq!(inflight.poll(during), ReaderPoll::Done { ok: false }, "a finished reader is unknown");
}

#[test]
fn a_failed_leader_ends_every_reader_with_not_ok() {
    let mut inflight = Inflight::new(1 << 20);
    let early = inflight.subscribe().expect("subscribe");
    inflight.set_head(head());
    inflight.push(b"data: partial".to_vec());
    inflight.finish(false);
    inflight.finish(true);
    assert_eq!(inflight.finished(), Some(false), "the first finish counts");
    let late = inflight.subscribe().expect("subscribe");
    assert_eq!(drain(&mut inflight, early), (b"data: partial".to_vec(), ReaderPoll::Done { ok: false }));
    assert_eq!(drain(&mut inflight, late), (b"data: partial".to_vec(), ReaderPoll::Done { ok: false }));
}

#[test]
fn a_leader_failing_before_the_head_leaves_nothing_sent() {
    let mut inflight = Inflight::new(1 << 20);
    let reader = inflight.subscribe().expect("subscribe");
    inflight.finish(false);
    assert_eq!(inflight.poll(reader), ReaderPoll::Done { ok: false });
    assert!(inflight.head().is_none(), "followers may retry upstream themselves");
}

#[test]
fn unknown_and_unsubscribed_readers_are_done() {
    let mut inflight = Inflight::new(1 << 20);
    assert_eq!(inflight.poll(ReaderId(7)), ReaderPoll::Done { ok: false });
    let reader = inflight.subscribe().expect("subscribe");
    inflight.unsubscribe(reader);
    inflight.push(b"x".to_vec());
    assert_eq!(inflight.poll(reader), ReaderPoll::Done { ok: false });
    inflight.finish(true);
    assert!(inflight.is_idle());
}

#[test]
fn over_the_replay_budget_read_chunks_are_dropped_and_newcomers_refused() {
    let mut inflight = Inflight::new(10);
    let fast = inflight.subscribe().expect("subscribe");
    let slow = inflight.subscribe().expect("subscribe");
    inflight.push(b"123456".to_vec());
    assert_eq!(drain(&mut inflight, fast).0, b"123456");
    inflight.push(b"789012".to_vec());
    // 12 bytes > 10, but the slow reader has read nothing: everything is kept.
    let third = inflight.subscribe().expect("the start is still there");
    assert_eq!(drain(&mut inflight, slow).0, b"123456789012");
    assert_eq!(inflight.buffered_bytes, 12, "the third reader still holds the start");
    inflight.unsubscribe(third);
    // Now fast is at chunk 1 and slow at chunk 2: chunk 0 goes, chunk 1 stays for fast.
    assert_eq!(inflight.buffered_bytes, 6);
    assert!(inflight.subscribe().is_none(), "the start is gone: newcomers call upstream themselves");
    inflight.push(b"345".to_vec());
    assert_eq!(drain(&mut inflight, fast).0, b"789012345");
    assert_eq!(inflight.buffered_bytes, 9, "under budget again: nothing more is dropped");
    assert_eq!(drain(&mut inflight, slow).0, b"345");
    inflight.finish(true);
    assert_eq!(inflight.poll(fast), ReaderPoll::Done { ok: true });
    assert_eq!(inflight.poll(slow), ReaderPoll::Done { ok: true });
    assert!(inflight.is_idle());
}
