//! The embedding port: text in, a vector out, within a time limit.
//!
//! Implementations: the Workers AI binding (`src/semantic.rs`, its JSON shapes in
//! [`super::workers_ai`]), a provider's OpenAI-compatible endpoint ([`super::provider_embedder`]),
//! and the deterministic local embedder for tests ([`super::test_embedder`]).

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use async_trait::async_trait;

use crate::error::GatewayError;

/// The most dimensions a vector may have (OpenAI's text-embedding-3-large has 3,072).
pub const MAX_DIMENSIONS: usize = 4096;

/// Turns text into a vector whose cosine similarity to another text's says how alike they mean.
#[async_trait(?Send)]
pub trait Embedder {
    /// The vector of `text`, as the model returns it (any length; [`unit_vector`] checks and
    /// normalises it). Runs on a request's path, bounded by `SEMANTIC_TIMEOUT_MS` by its caller.
    ///
    /// Errors: the model is unreachable, refuses the text, or answers in another shape.
    async fn embed(&self, text: &str) -> Result<Vec<f32>, GatewayError>;
}

/// Why a lookup got no vector.
#[derive(Debug, Clone, PartialEq)]
pub enum EmbedFailure {
    /// No answer within the time limit (ms).
    TimedOut(u64),
    /// The embedder failed, or answered something that is not a vector.
    Failed(String),
}

impl EmbedFailure {
    /// The reason as the log says it.
    pub fn reason(&self) -> String {
        match self {
            EmbedFailure::TimedOut(ms) => format!("the embedder did not answer within {ms} ms"),
            EmbedFailure::Failed(message) => format!("the embedder failed: {message}"),
        }
    }
}

/// Embeds `text`, giving up when `timer` (a sleep of `timeout_ms`) ends first; the vector comes
/// back checked and of unit length ([`unit_vector`]).
pub async fn embed_within(
    embedder: &dyn Embedder,
    text: &str,
    timeout_ms: u64,
    timer: impl Future<Output = ()>,
) -> Result<Vec<f32>, EmbedFailure> {
    match within(embedder.embed(text), timer).await {
        None => Err(EmbedFailure::TimedOut(timeout_ms)),
        Some(Err(err)) => Err(EmbedFailure::Failed(err.message().to_string())),
        Some(Ok(vector)) => unit_vector(vector).map_err(EmbedFailure::Failed),
    }
}

/// Runs `work` until it finishes (`Some`) or `timer` does (`None`), whichever is first; `work`
/// is polled first, so work that is ready at once always wins. The loser is dropped.
pub async fn within<T>(work: impl Future<Output = T>, timer: impl Future<Output = ()>) -> Option<T> {
    let mut work = pin!(work);
    let mut timer = pin!(timer);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Checks a vector from an embedder and scales it to length 1, so that cosine similarity is a
/// dot product.
///
/// Errors: an empty vector, more than [`MAX_DIMENSIONS`], a value that is not finite, or all zeros.
pub fn unit_vector(mut vector: Vec<f32>) -> Result<Vec<f32>, String> {
    if vector.is_empty() || vector.len() > MAX_DIMENSIONS {
        return Err(format!("a vector of {} dimensions (1 to {MAX_DIMENSIONS} expected)", vector.len()));
    }
    if vector.iter().any(|v| !v.is_finite()) {
        return Err("a vector with a value that is not a finite number".into());
    }
    let norm = vector.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Err("a vector of zeros".into());
    }
    for v in &mut vector {
        *v = (f64::from(*v) / norm) as f32;
    }
    Ok(vector)
}

#[cfg(test)]
#[path = "embedder_tests.rs"]
mod tests;
