//! Unit tests of `cache::semantic::config`.

use std::collections::HashMap;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<SemanticConfig, GatewayError> {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    SemanticConfig::from_env(|name| vars.get(name).filter(|v| !v.trim().is_empty()).cloned())
}

#[test]
fn embedders_by_name() {
    let workers = EmbedderSpec::WorkersAi { model: DEFAULT_WORKERS_AI_MODEL.to_string() };
    assert_eq!(EmbedderSpec::parse(None).unwrap(), workers);
    assert_eq!(EmbedderSpec::parse(Some(" workers-ai ")).unwrap(), workers);
    assert_eq!(
        EmbedderSpec::parse(Some("workers-ai:@cf/baai/bge-m3")).unwrap(),
        EmbedderSpec::WorkersAi { model: "@cf/baai/bge-m3".into() }
    );
    let openai = EmbedderSpec::parse(Some("openai:text-embedding-3-small")).unwrap();
    assert_eq!(openai.id(), "openai/text-embedding-3-small");
    assert_eq!(openai.model(), "text-embedding-3-small");
    assert_eq!(EmbedderSpec::parse(Some("test")).unwrap().id(), "test/local-hash-v1");
    assert_eq!(workers.id(), "workers-ai/@cf/baai/bge-small-en-v1.5");
}

#[test]
fn embedders_that_cannot_embed_are_misconfiguration() {
    for (raw, why) in [
        ("openai", "names no model"),
        ("openai: ", "names no model"),
        ("nope:model", "names no provider of the provider table"),
        ("anthropic:claude", "names a provider without an OpenAI-compatible /embeddings endpoint"),
        ("azure-openai:ada", "names a provider without an OpenAI-compatible /embeddings endpoint"),
        ("cohere:embed", "names a provider without an OpenAI-compatible /embeddings endpoint"),
    ] {
        let e = EmbedderSpec::parse(Some(raw)).expect_err(raw);
        assert_eq!(e.status(), 500);
        assert!(e.message().starts_with("SEMANTIC_EMBEDDER must be"), "{}", e.message());
        assert!(e.message().ends_with(&format!("{:?} {why}", raw.trim())), "{}", e.message());
    }
}

#[test]
fn variables_and_their_defaults() {
    assert_eq!(config(&[]).unwrap(), SemanticConfig::default());
    assert_eq!(SemanticConfig::default().timeout_ms, 150);
    let set =
        config(&[("SEMANTIC_EMBEDDER", "test"), ("SEMANTIC_TIMEOUT_MS", "400"), ("SEMANTIC_INDEX_MAX_ENTRIES", "50")])
            .unwrap();
    assert_eq!(set, SemanticConfig { embedder: EmbedderSpec::Test, timeout_ms: 400, max_entries: 50 });
    for (name, raw) in
        [("SEMANTIC_TIMEOUT_MS", "0"), ("SEMANTIC_TIMEOUT_MS", "10001"), ("SEMANTIC_INDEX_MAX_ENTRIES", "lots")]
    {
        let e = config(&[(name, raw)]).expect_err(raw);
        assert_eq!(e.status(), 500);
        assert!(e.message().starts_with(&format!("{name} must be a whole number from 1 to ")), "{}", e.message());
    }
}

#[test]
fn thresholds_by_model() {
    assert_eq!(default_threshold(TEST_MODEL), 0.9);
    assert_eq!(default_threshold("multilingual-e5-small"), 0.985);
    assert_eq!(default_threshold("some-new-model"), FALLBACK_THRESHOLD);
}
