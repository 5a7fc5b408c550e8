use super::*;

#[test]
fn builtin_table_parses_and_covers_every_main_provider() {
    let table = PriceTable::parse(include_str!("../../prices.json")).unwrap();
    assert!(table.len() > 40);
    assert_eq!(&table, PriceTable::builtin());
    for (provider, model) in [
        ("openai", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-5"),
        ("google-ai-studio", "gemini-2.5-flash"),
        ("groq", "llama-3.3-70b-versatile"),
        ("mistral", "mistral-large-latest"),
        ("deepseek", "deepseek-chat"),
        ("grok", "grok-4"),
        ("workers-ai", "@cf/meta/llama-3.1-8b-instruct"),
    ] {
        assert!(table.lookup(provider, model).is_some(), "{provider}/{model}");
    }
}

#[test]
fn suffix_rules_map_to_the_base_model() {
    let table = PriceTable::builtin();
    let cases = [
        ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai", "GPT-4o", "gpt-4o"),
        ("openai", "openai/gpt-4.1", "gpt-4.1"),
        ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("anthropic", "claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("google-ai-studio", "gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
        ("google-ai-studio", "gemini-2.5-flash-lite-preview-09-2025", "gemini-2.5-flash-lite"),
        ("grok", "grok-4-0709", "grok-4"),
        ("mistral", "mistral-large-2411", "mistral-large-latest"),
    ];
    for (provider, model, base) in cases {
        let got = table.lookup(provider, model);
        assert!(got.is_some(), "{model} not found");
        assert_eq!(got, table.lookup(provider, base), "{model} should price as {base}");
    }
}

#[test]
fn no_general_prefix_match() {
    let table = PriceTable::builtin();
    assert_eq!(table.lookup("openai", "gpt-4o-mini-audio-preview"), None);
    assert_eq!(table.lookup("openai", "gpt-4-0613"), None);
    // groq's model ids contain a slash that is not a provider prefix.
    assert!(table.lookup("groq", "openai/gpt-oss-120b").is_some());
}

#[test]
fn cache_tokens_without_a_cache_price_cost_the_input_price() {
    let p = ModelPrice { input: 2.0, output: 4.0, cache_read: None, cache_write: None };
    let u = Usage {
        input_tokens: 1_000_000,
        cached_input_tokens: 500_000,
        cache_write_input_tokens: 250_000,
        ..Usage::default()
    };
    assert_eq!(p.cost(&u), 2.0);
}

#[test]
fn cache_reads_and_writes_cost_their_own_prices() {
    let p = ModelPrice { input: 3.0, output: 15.0, cache_read: Some(0.3), cache_write: Some(3.75) };
    let u = Usage {
        input_tokens: 1_000_000,
        output_tokens: 100_000,
        cached_input_tokens: 600_000,
        cache_write_input_tokens: 300_000,
        reasoning_tokens: 50_000,
        estimated: false,
    };
    let expected = (100_000.0 * 3.0 + 600_000.0 * 0.3 + 300_000.0 * 3.75 + 100_000.0 * 15.0) / 1e6;
    assert!((p.cost(&u) - expected).abs() < 1e-12, "{}", p.cost(&u));
}

#[test]
fn anthropic_models_price_cache_writes_at_a_quarter_more_and_reads_at_a_tenth() {
    let table = PriceTable::builtin();
    for model in ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "claude-3-5-haiku"] {
        let p = table.lookup("anthropic", model).unwrap();
        assert!((p.cache_write.unwrap() - 1.25 * p.input).abs() < 1e-9, "{model}");
        assert!((p.cache_read.unwrap() - 0.1 * p.input).abs() < 1e-9, "{model}");
    }
}

#[test]
fn bad_tables_are_rejected() {
    assert!(PriceTable::parse("{}").is_err());
    assert!(PriceTable::parse(r#"{"providers":{"a":{"m":{"input":-1,"output":1}}}}"#).is_err());
    assert!(PriceTable::parse(r#"{"providers":{"a":{"m":{"input":1,"output":1,"extra":2}}}}"#).is_err());
}
