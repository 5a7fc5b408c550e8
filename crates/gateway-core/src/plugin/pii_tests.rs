use pollster::block_on;
use serde_json::json;

use super::*;
use crate::headers::Headers;

fn redact(config: Value, text: &str) -> (String, Vec<GuardrailEvent>) {
    let plugin = build(&config).unwrap();
    let headers = Headers::new();
    let body = json!({"messages": [{"role": "user", "content": text}]}).to_string();
    let mut request = PromptRequest::new("POST", "/", &headers, Some(body.as_bytes()));
    let mut ctx = RequestContext::default();
    assert!(block_on(plugin.on_request(&mut ctx, &mut request)).unwrap().is_none());
    let out = match request.into_changed_body() {
        Some(bytes) => {
            serde_json::from_slice::<Value>(&bytes).unwrap()["messages"][0]["content"].as_str().unwrap().to_string()
        }
        None => text.to_string(),
    };
    (out, ctx.guardrails)
}

#[test]
fn each_kind_is_replaced_by_its_placeholder() {
    let (out, events) = redact(
        Value::Null,
        "mail ada@example.com, card 4111 1111 1111 1111, iban GB82 WEST 1234 5698 7654 32, ip 192.168.1.20, phone +1 (415) 555-0132",
    );
    assert_eq!(out, "mail [EMAIL], card [CREDIT_CARD], iban [IBAN], ip [IP], phone [PHONE]");
    let kinds: Vec<&str> = events.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(kinds, ["credit_card", "iban", "email", "ip", "phone"]);
    assert!(events.iter().all(|e| e.action == Action::Redact));
}

#[test]
fn checksums_keep_ordinary_numbers() {
    // Not a Luhn number, not a valid IBAN, not an address: left alone.
    let (out, events) = redact(Value::Null, "order 4111 1111 1111 1112, ref GB00WEST12345698765432, version 1.2.3.999");
    assert_eq!(out, "order 4111 1111 1111 1112, ref GB00WEST12345698765432, version 1.2.3.999");
    assert!(events.is_empty(), "{events:?}");
    assert!(luhn("4111-1111-1111-1111") && !luhn("1234"));
    assert!(iban_valid("DE89 3704 0044 0532 0130 00") && !iban_valid("DE89 3704 0044 0532 0130 01"));
}

#[test]
fn only_the_kinds_asked_for_and_named_patterns() {
    let (out, _) = redact(
        json!({"detect": ["email"], "patterns": {"employee_id": "E-\\d{6}"}}),
        "ada@example.com E-123456 192.168.1.1",
    );
    assert_eq!(out, "[EMAIL] [EMPLOYEE_ID] 192.168.1.1");
    for (config, field) in [
        (json!({"detect": ["ssn"]}), "ssn"),
        (json!({"patterns": {"bad name": "x"}}), "patterns.bad name"),
        (json!({"patterns": {"p": "("}}), "patterns.p"),
    ] {
        let err = build(&config).err().unwrap();
        assert!(err.contains(field), "{field}: {err}");
    }
}

mod restore {
    use super::*;
    use crate::plugin::event_stage::EventStage;
    use crate::stream_guard::StreamDialect;
    use crate::translate::Format;

    /// Redacts `prompt` with `restore` on; the plugin and the context that holds its vault.
    fn redacted(prompt: &str) -> (Rc<dyn Plugin>, RequestContext, String) {
        let plugin = build(&json!({"restore": true})).unwrap();
        let headers = Headers::new();
        let body = json!({"messages": [{"role": "user", "content": prompt}]}).to_string();
        let mut request = PromptRequest::new("POST", "/", &headers, Some(body.as_bytes()));
        let mut ctx = RequestContext::default();
        block_on(plugin.on_request(&mut ctx, &mut request)).unwrap();
        let sent: Value = serde_json::from_slice(&request.into_changed_body().unwrap()).unwrap();
        (plugin, ctx, sent["messages"][0]["content"].as_str().unwrap().to_string())
    }

    #[test]
    fn each_value_gets_its_own_placeholder_and_a_json_answer_gets_them_back() {
        let (plugin, mut ctx, sent) = redacted("write to ada@example.com and bob@example.org, cc ada@example.com");
        assert_eq!(sent, "write to [EMAIL_1] and [EMAIL_2], cc [EMAIL_1]");
        let mut answer = json!({"choices": [{"message": {"content": "Sent to [EMAIL_2] and [EMAIL_1]."}}]});
        block_on(plugin.on_response_json(&mut ctx, &mut answer)).unwrap();
        assert_eq!(answer["choices"][0]["message"]["content"], "Sent to bob@example.org and ada@example.com.");
    }

    fn chat_event(text: &str) -> String {
        format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": {"content": text}}]}))
    }

    fn streamed(dialect: StreamDialect, events: &[String]) -> String {
        let (plugin, mut ctx, _) = redacted("my card is 4111 1111 1111 1111 and mail ada@example.com");
        let plugins = vec![plugin];
        let mut stage = EventStage::new(dialect, 0);
        let mut out = Vec::new();
        for event in events {
            stage.push(event.as_bytes(), &plugins, &mut ctx, &mut out);
        }
        stage.flush(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn texts(stream: &str, pointer: &str) -> String {
        stream
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: ").or_else(|| e.split_once("\ndata: ").map(|(_, d)| d)))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .filter_map(|v| v.pointer(pointer).and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    #[test]
    fn a_placeholder_split_over_two_events_is_restored_in_a_stream() {
        let events = ["Card ", "[CREDIT_C", "ARD_1] and [EMA", "IL_1] noted."].map(chat_event);
        let out = streamed(StreamDialect::Chat(Format::OPENAI), &events);
        assert_eq!(texts(&out, "/choices/0/delta/content"), "Card 4111 1111 1111 1111 and ada@example.com noted.");
        assert!(!out.contains("[EMA") && !out.contains("ARD_1]"), "{out}");
    }

    #[test]
    fn the_same_in_anthropic_events_and_a_trailing_start_goes_out_with_the_finish_chunk() {
        let delta = |t: &str| {
            let data = json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}});
            format!("event: content_block_delta\ndata: {data}\n\n")
        };
        let out = streamed(StreamDialect::Chat(Format::ANTHROPIC), &[delta("to [EM"), delta("AIL_1]!")]);
        assert_eq!(texts(&out, "/delta/text"), "to ada@example.com!");
        let finish = format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}));
        let out = streamed(StreamDialect::Chat(Format::OPENAI), &[chat_event("an array [EM"), finish]);
        assert_eq!(texts(&out, "/choices/0/delta/content"), "an array [EM");
    }

    #[test]
    fn responses_events_that_repeat_the_text_whole_are_restored_too() {
        let event = |kind: &str, data: Value| format!("event: {kind}\ndata: {data}\n\n");
        let text = "mail [EMAIL_1] about [CREDIT_CARD_1]";
        let events = [
            event("response.output_text.delta", json!({"type": "response.output_text.delta", "delta": "mail [EM"})),
            event(
                "response.output_text.delta",
                json!({"type": "response.output_text.delta", "delta": "AIL_1] about [CREDIT_CARD_1]"}),
            ),
            event("response.output_text.done", json!({"type": "response.output_text.done", "text": text})),
            event(
                "response.completed",
                json!({"type": "response.completed", "response": {"output": [{"content": [{"text": text}]}]}}),
            ),
            event("response.in_progress", json!({"type": "response.in_progress", "note": "[NOT_A_PLACEHOLDER]"})),
        ];
        let out = streamed(StreamDialect::Chat(Format::RESPONSES), &events);
        let restored = "mail ada@example.com about 4111 1111 1111 1111";
        assert_eq!(texts(&out, "/delta"), restored);
        assert_eq!(texts(&out, "/text"), restored);
        assert_eq!(texts(&out, "/response/output/0/content/0/text"), restored);
        assert!(out.contains(r#""note":"[NOT_A_PLACEHOLDER]""#), "{out}");
    }
}
