//! Unit tests of `cache::semantic::test_embedder`.

use super::*;
use crate::cache::semantic::embedder::unit_vector;
use crate::cache::semantic::index::cosine;

fn similarity(a: &str, b: &str) -> f32 {
    let (a, b) = (unit_vector(TestEmbedder::vector(a)).unwrap(), unit_vector(TestEmbedder::vector(b)).unwrap());
    cosine(&a, &b)
}

#[test]
fn shared_words_make_texts_similar() {
    let paraphrase = similarity("what is the capital of france", "what is the capital city of france");
    assert!((0.9..0.99).contains(&paraphrase), "{paraphrase}");
    assert!((similarity("the capital of france", "france the of capital") - 1.0).abs() < 1e-5);
    let unrelated = similarity("what is the capital of france", "how do i bake sourdough bread");
    assert!(unrelated.abs() < 0.3, "{unrelated}");
}

#[test]
fn it_is_deterministic() {
    let v = TestEmbedder::vector("Hello world");
    assert_eq!(v, TestEmbedder::vector("hello WORLD"));
    assert_eq!(v.len(), DIMENSIONS);
    // Pinned: the same text gives the same vector on every machine and in every version.
    assert_eq!(fnv1a(b"hello"), 0xa430_d846_80aa_bd0b);
    assert!(TestEmbedder::vector("?!").iter().all(|x| *x == 0.0));
}
