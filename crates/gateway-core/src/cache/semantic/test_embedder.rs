//! A deterministic local embedder, **for tests only**: it knows no meaning, only words.
//!
//! Each word of the text, and each three-letter piece of it, is hashed into one of [`DIMENSIONS`]
//! dimensions (with a sign from the hash, so that collisions cancel rather than add up). Two texts
//! are similar when they share words: "what is the capital of France" and "what is the capital
//! city of France" score 0.93, a reordering of the same words 1.0, an unrelated question near 0,
//! and "the capital of France" and "the capital of Germany" as much as any two texts sharing four
//! words of five: it does not tell a paraphrase from a near miss, which is what the quality run
//! (`npm run eval:semantic`) with a real model is for. It needs no network, answers at once, and
//! gives the same vector for the same text on every machine, which makes end-to-end tests of the
//! semantic cache possible. Selected with `SEMANTIC_EMBEDDER=test`.

use async_trait::async_trait;

use super::embedder::Embedder;
use crate::error::GatewayError;

/// The length of its vectors.
pub const DIMENSIONS: usize = 256;
/// How much a three-letter piece weighs against a whole word.
const PIECE_WEIGHT: f32 = 0.25;

/// The test embedder (see the module doc).
#[derive(Debug, Clone, Copy, Default)]
pub struct TestEmbedder;

impl TestEmbedder {
    /// The vector of `text` (not yet of unit length; all zeros for a text without letters or digits).
    pub fn vector(text: &str) -> Vec<f32> {
        let mut vector = vec![0.0f32; DIMENSIONS];
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            let word = word.to_lowercase();
            add(&mut vector, word.as_bytes(), 1.0);
            let padded: Vec<char> = std::iter::once('#').chain(word.chars()).chain(std::iter::once('#')).collect();
            for piece in padded.windows(3) {
                add(&mut vector, piece.iter().collect::<String>().as_bytes(), PIECE_WEIGHT);
            }
        }
        vector
    }
}

#[async_trait(?Send)]
impl Embedder for TestEmbedder {
    async fn embed(&self, text: &str) -> Result<Vec<f32>, GatewayError> {
        Ok(TestEmbedder::vector(text))
    }
}

fn add(vector: &mut [f32], feature: &[u8], weight: f32) {
    let hash = fnv1a(feature);
    let sign = if hash >> 63 == 1 { -1.0 } else { 1.0 };
    vector[(hash % DIMENSIONS as u64) as usize] += sign * weight;
}

/// 64-bit FNV-1a: stable across machines and versions, unlike the standard library's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
#[path = "test_embedder_tests.rs"]
mod tests;
