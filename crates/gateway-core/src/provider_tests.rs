//! Unit tests of `provider`.

use super::*;

#[test]
fn slugs_are_unique_and_lowercase() {
    for (i, p) in PROVIDERS.iter().enumerate() {
        assert_eq!(p.id, p.id.to_ascii_lowercase());
        assert!(PROVIDERS[i + 1..].iter().all(|q| q.id != p.id), "duplicate slug {}", p.id);
    }
}

#[test]
fn every_placeholder_in_a_base_url_has_a_source() {
    for p in PROVIDERS {
        let mut rest = p.base_url;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').map(|e| start + e).unwrap();
            let name = &rest[start + 1..end];
            assert!(
                name == "account_id" || p.params.iter().any(|param| param.name == name),
                "{}: placeholder {{{name}}} has no source",
                p.id
            );
            rest = &rest[end + 1..];
        }
        assert!(p.base_url.starts_with("https://"), "{} is not https", p.id);
        assert_eq!(p.params.is_empty(), p.path_shape.is_empty(), "{}: path_shape goes with params", p.id);
        assert!(!p.base_url.ends_with('/'), "{} base ends with /", p.id);
    }
}

#[test]
fn the_issue_s_providers_are_all_present() {
    for id in [
        "openai",
        "anthropic",
        "groq",
        "mistral",
        "google-ai-studio",
        "deepseek",
        "grok",
        "openrouter",
        "cerebras",
        "perplexity-ai",
        "cohere",
        "huggingface",
        "azure-openai",
        "workers-ai",
        "replicate",
    ] {
        assert!(find(id).is_some(), "{id} missing");
    }
    assert!(find("nope").is_none());
    assert!(ids().contains("openai, anthropic"));
}

#[test]
fn openai_alone_also_speaks_responses() {
    let openai = find("openai").unwrap();
    assert!(openai.speaks(Format::OPENAI) && openai.speaks(Format::RESPONSES));
    for id in ["groq", "anthropic", "google-ai-studio", "workers-ai"] {
        assert!(!find(id).unwrap().speaks(Format::RESPONSES), "{id}");
    }
    assert!(find("anthropic").unwrap().speaks(Format::ANTHROPIC));
}
