//! Unit tests of `cache::semantic::embedder`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pollster::block_on;

use super::*;
use crate::error::ErrorKind;

/// Ready after being polled `n` times (waking itself in between).
struct Ticks(u32);

impl Future for Ticks {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Answers `vector` after `ticks` polls, or fails.
struct Fake {
    ticks: u32,
    answer: Result<Vec<f32>, GatewayError>,
}

#[async_trait(?Send)]
impl Embedder for Fake {
    async fn embed(&self, _text: &str) -> Result<Vec<f32>, GatewayError> {
        Ticks(self.ticks).await;
        self.answer.clone()
    }
}

#[test]
fn the_first_to_finish_wins() {
    assert_eq!(block_on(within(async { 7 }, std::future::pending())), Some(7));
    assert_eq!(block_on(within(std::future::pending::<u8>(), async {})), None);
    assert_eq!(
        block_on(within(
            async {
                Ticks(2).await;
                1
            },
            Ticks(5)
        )),
        Some(1)
    );
    assert_eq!(
        block_on(within(
            async {
                Ticks(5).await;
                1
            },
            Ticks(2)
        )),
        None
    );
    assert_eq!(block_on(within(async { 1 }, async {})), Some(1), "ready work beats a ready timer");
}

#[test]
fn a_slow_or_failing_embedder_is_a_failure_not_an_error() {
    let slow = Fake { ticks: 10, answer: Ok(vec![1.0]) };
    assert_eq!(block_on(embed_within(&slow, "q", 150, Ticks(3))), Err(EmbedFailure::TimedOut(150)));
    assert_eq!(EmbedFailure::TimedOut(150).reason(), "the embedder did not answer within 150 ms");

    let down = Fake { ticks: 0, answer: Err(GatewayError::new(ErrorKind::UpstreamUnreachable, "connection refused")) };
    let failure = block_on(embed_within(&down, "q", 150, std::future::pending())).unwrap_err();
    assert_eq!(failure.reason(), "the embedder failed: connection refused");

    let fast = Fake { ticks: 2, answer: Ok(vec![3.0, 4.0]) };
    assert_eq!(block_on(embed_within(&fast, "q", 150, Ticks(5))), Ok(vec![0.6, 0.8]));
}

#[test]
fn vectors_are_checked_and_made_unit_length() {
    assert_eq!(unit_vector(vec![0.0, 2.0]), Ok(vec![0.0, 1.0]));
    let v = unit_vector(vec![1.0, 1.0, 1.0, 1.0]).unwrap();
    assert!(v.iter().all(|x| (x - 0.5).abs() < 1e-7));
    for (bad, why) in [
        (vec![], "a vector of 0 dimensions (1 to 4096 expected)"),
        (vec![0.0; 4097], "a vector of 4097 dimensions (1 to 4096 expected)"),
        (vec![1.0, f32::NAN], "a vector with a value that is not a finite number"),
        (vec![f32::INFINITY], "a vector with a value that is not a finite number"),
        (vec![0.0, 0.0], "a vector of zeros"),
    ] {
        assert_eq!(unit_vector(bad), Err(why.to_string()));
    }
}
