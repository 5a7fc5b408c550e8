//! Unit tests of `cache::semantic::text`.

use serde_json::json;

use super::*;

fn split_json(format: Format, body: serde_json::Value, turns: u32) -> Result<Split, NoText> {
    split(format, body.to_string().as_bytes(), turns)
}

#[test]
fn normalisation_keeps_words_and_drops_what_does_not_change_a_question() {
    for (raw, expected) in [
        ("What is the capital of France?", "what is the capital of france"),
        ("  what IS the\tcapital\n\nof   France ?!  ", "what is the capital of france"),
        ("It\u{2019}s \u{201c}quoted\u{201d}\u{2026}", "it's \"quoted\""),
        ("ÉCOLE Straße", "école straße"),
        ("Is 3.5 > 3.14?", "is 3.5 > 3.14"),
        ("v1.2.", "v1.2"),
        ("", ""),
        ("?!.", ""),
    ] {
        assert_eq!(normalise(raw), expected, "{raw:?}");
    }
    assert_ne!(normalise("Is 3.5 bigger"), normalise("Is 35 bigger"), "inner punctuation is kept");
}

#[test]
fn the_last_user_turn_is_compared_and_the_rest_is_exact() {
    let body = json!({
        "model": "gpt-4o-mini", "temperature": 0,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "What is the Capital of France?"}
        ]
    });
    let split = split_json(Format::OPENAI, body, 1).unwrap();
    assert_eq!(split.compared, "what is the capital of france");
    assert_eq!(split.temperature, Some(0.0));
    assert_eq!(
        split.exact,
        r#"{"messages":[{"content":"Be brief.","role":"system"},{"content":"Hi","role":"user"},{"content":"Hello!","role":"assistant"},{"content":"","role":"user"}],"model":"gpt-4o-mini","temperature":0}"#
    );
}

#[test]
fn the_exact_part_ignores_key_order_and_white_space_but_not_values() {
    let a = split(Format::OPENAI, br#"{"model":"m","messages":[{"role":"user","content":"Hi there"}]}"#, 1).unwrap();
    let b = split(
        Format::OPENAI,
        br#"{ "messages" : [ { "content" : "hi there!", "role" : "user" } ], "model" : "m" }"#,
        1,
    )
    .unwrap();
    assert_eq!(a, b);
    let c = split(Format::OPENAI, br#"{"model":"m2","messages":[{"role":"user","content":"Hi there"}]}"#, 1).unwrap();
    assert_ne!(a.exact, c.exact);
}

#[test]
fn last_n_turns_are_compared_line_by_line() {
    let body = json!({"messages": [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2?"}
    ]});
    let two = split_json(Format::OPENAI, body.clone(), 2).unwrap();
    assert_eq!(two.compared, "assistant: a1\nuser: q2");
    assert!(two.exact.contains(r#""content":"Q1""#) && !two.exact.contains("A1"));
    let all = split_json(Format::OPENAI, body.clone(), 16).unwrap();
    assert_eq!(all.compared, "user: q1\nassistant: a1\nuser: q2", "system messages are never compared");
    assert!(all.exact.contains(r#""content":"S""#));
}

#[test]
fn images_stay_exact_and_text_parts_are_compared() {
    let body = |url: &str| {
        json!({"messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": url}}
        ]}]})
    };
    let a = split_json(Format::OPENAI, body("https://x/1.png"), 1).unwrap();
    let b = split_json(Format::OPENAI, body("https://x/2.png"), 1).unwrap();
    assert_eq!(a.compared, "what is in this picture");
    assert_eq!(a.compared, b.compared);
    assert_ne!(a.exact, b.exact, "another image is another partition");
}

#[test]
fn anthropic_and_gemini_bodies() {
    let anthropic = json!({"model": "claude", "system": "Be brief.", "temperature": 0.7, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "World?"}]}
    ]});
    let split_a = split_json(Format::ANTHROPIC, anthropic, 1).unwrap();
    assert_eq!((split_a.compared.as_str(), split_a.temperature), ("hello world", Some(0.7)));
    assert!(split_a.exact.contains(r#""system":"Be brief.""#));

    let gemini = json!({"systemInstruction": {"parts": [{"text": "S"}]}, "generationConfig": {"temperature": 0.2},
        "contents": [{"role": "user", "parts": [{"text": "Q1"}]}, {"role": "model", "parts": [{"text": "A1"}]},
                     {"parts": [{"text": "Why is the sky blue?"}]}]});
    let split_g = split_json(Format::GEMINI, gemini.clone(), 1).unwrap();
    assert_eq!((split_g.compared.as_str(), split_g.temperature), ("why is the sky blue", Some(0.2)));
    assert_eq!(split_json(Format::GEMINI, gemini, 2).unwrap().compared, "assistant: a1\nuser: why is the sky blue");
}

#[test]
fn bodies_with_nothing_to_compare_say_why() {
    for (format, body, why) in [
        (Format::OPENAI, json!([1, 2]), NoText::NotJson),
        (Format::OPENAI, json!({"model": "m"}), NoText::NoConversation),
        (Format::OPENAI, json!({"messages": [{"role": "system", "content": "S"}]}), NoText::NoConversation),
        (Format::OPENAI, json!({"messages": [{"role": "user", "content": " \n "}]}), NoText::Empty),
        (
            Format::OPENAI,
            json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]}),
            NoText::Empty,
        ),
        (
            Format::OPENAI,
            json!({"messages": [{"role": "user", "content": "Q"}, {"role": "tool", "tool_call_id": "1", "content": "r"}]}),
            NoText::LastTurnNotUser,
        ),
        (
            Format::ANTHROPIC,
            json!({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "Sure,"}]}),
            NoText::LastTurnNotUser,
        ),
        (
            Format::ANTHROPIC,
            json!({"messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "r"}]}]}),
            NoText::Empty,
        ),
    ] {
        assert_eq!(split_json(format, body.clone(), 1), Err(why), "{body}");
    }
    assert_eq!(split(Format::OPENAI, b"not json", 1), Err(NoText::NotJson));
    let long = "word ".repeat(2000);
    let too_long = split_json(Format::OPENAI, json!({"messages": [{"role": "user", "content": long}]}), 1);
    assert_eq!(too_long, Err(NoText::TooLong(9999)));
    assert!(NoText::TooLong(9999).reason().contains("9999 bytes"));
}

#[test]
fn chat_formats_by_route() {
    assert_eq!(chat_format("openai", "/chat/completions"), Some(Format::OPENAI));
    assert_eq!(chat_format("groq", "/openai/v1/chat/completions?x=1"), Some(Format::OPENAI));
    assert_eq!(chat_format("anthropic", "/v1/messages"), Some(Format::ANTHROPIC));
    assert_eq!(
        chat_format("google-ai-studio", "/v1beta/models/gemini-2.0-flash:generateContent"),
        Some(Format::GEMINI)
    );
    assert_eq!(
        chat_format("google-ai-studio", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"),
        Some(Format::GEMINI)
    );
    assert_eq!(chat_format("compat", "/chat/completions"), Some(Format::OPENAI));
    assert_eq!(chat_format("compat", "/messages"), Some(Format::ANTHROPIC));
    // The compat endpoint's `v1/` spellings are the same endpoints.
    assert_eq!(chat_format("compat", "/v1/chat/completions"), Some(Format::OPENAI));
    assert_eq!(chat_format("compat", "/v1/messages"), Some(Format::ANTHROPIC));
    for (provider, endpoint) in [
        ("openai", "/embeddings"),
        ("openai", "/audio/speech"),
        ("google-ai-studio", "/v1beta/models/m:embedContent"),
        ("universal", ""),
        ("compat", "/models"),
        ("compat", "/embeddings"),
        ("compat", "/messages/count_tokens"),
        ("anthropic", "/v1/messages/count_tokens"),
        // The Responses API is not read (yet): its input mixes messages, calls and results.
        ("compat", "/responses"),
        ("compat", "/v1/responses"),
        ("openai", "/v1/responses"),
        ("nope", "/chat/completions"),
    ] {
        assert_eq!(chat_format(provider, endpoint), None, "{provider}{endpoint}");
    }
}
