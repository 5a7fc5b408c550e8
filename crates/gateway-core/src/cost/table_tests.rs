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
fn cached_input_falls_back_to_input_price() {
    let p = ModelPrice { input: 2.0, output: 4.0, cached_input: None };
    let u = Usage { input_tokens: 1_000_000, output_tokens: 0, cached_input_tokens: 500_000, estimated: false };
    assert_eq!(p.cost(&u), 2.0);
}

#[test]
fn bad_tables_are_rejected() {
    assert!(PriceTable::parse("{}").is_err());
    assert!(PriceTable::parse(r#"{"providers":{"a":{"m":{"input":-1,"output":1}}}}"#).is_err());
    assert!(PriceTable::parse(r#"{"providers":{"a":{"m":{"input":1,"output":1,"extra":2}}}}"#).is_err());
}
