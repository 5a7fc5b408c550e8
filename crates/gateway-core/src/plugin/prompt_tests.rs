use super::*;

fn texts(body: &str) -> Vec<String> {
    let headers = Headers::new();
    PromptRequest::new("POST", "/", &headers, Some(body.as_bytes())).texts().into_iter().map(str::to_string).collect()
}

#[test]
fn prompt_text_is_found_in_every_dialect() {
    assert_eq!(
        texts(r#"{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}"#),
        ["be brief", "hi"]
    );
    assert_eq!(
        texts(
            r#"{"model":"m","system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{"data":"AAA"}}]}]}"#
        ),
        ["a", "sys"]
    );
    assert_eq!(
        texts(r#"{"contents":[{"role":"user","parts":[{"text":"g"}]}],"systemInstruction":{"parts":[{"text":"s"}]}}"#),
        ["g", "s"]
    );
    assert_eq!(
        texts(
            r#"{"model":"m","instructions":"i","input":[{"role":"user","content":[{"type":"input_text","text":"r"}]}]}"#
        ),
        ["r", "i"]
    );
    assert_eq!(texts(r#"{"model":"m","input":["e1","e2"]}"#), ["e1", "e2"]);
    // A tool's result sent back through the Responses API, as text or as parts.
    assert_eq!(
        texts(
            r#"{"model":"m","input":[{"type":"function_call","call_id":"c","name":"lookup","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"mail bob@example.com"},{"type":"function_call_output","call_id":"d","output":[{"type":"input_text","text":"part"}]}]}"#
        ),
        ["mail bob@example.com", "part"]
    );
    // A tool's result sent back to Gemini: any JSON object, every string of it; not the name.
    assert_eq!(
        texts(
            r#"{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"lookup","response":{"contact":{"email":"bob@example.com","tags":["vip"]},"n":3}}}]}]}"#
        ),
        ["bob@example.com", "vip"]
    );
    // Not prompt text: the model, a tool schema's descriptions are under other names.
    assert!(texts(r#"{"model":"secret-model","tools":[{"type":"function","function":{"name":"f"}}]}"#).is_empty());
}

#[test]
fn editing_marks_the_body_changed_only_when_text_changes() {
    let headers = Headers::new();
    let body = br#"{"model":"m","messages":[{"role":"user","content":"call me at 555"}]}"#;
    let mut untouched = PromptRequest::new("POST", "/", &headers, Some(body));
    untouched.edit_texts(|_| {});
    assert!(untouched.into_changed_body().is_none());
    let mut edited = PromptRequest::new("POST", "/", &headers, Some(body));
    edited.edit_texts(|t| *t = t.replace("555", "[PHONE]"));
    let out: Value = serde_json::from_slice(&edited.into_changed_body().unwrap()).unwrap();
    assert_eq!(out["messages"][0]["content"], "call me at [PHONE]");
    assert_eq!(out["model"], "m");
}

#[test]
fn editing_reaches_every_string_of_a_gemini_tool_result_and_each_once() {
    let headers = Headers::new();
    let body = br#"{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"lookup_555","response":{"phone":"555","more":[{"text":"555"}]}}}]}]}"#;
    let mut request = PromptRequest::new("POST", "/", &headers, Some(body));
    request.edit_texts(|t| t.push('!'));
    let out: Value = serde_json::from_slice(&request.into_changed_body().unwrap()).unwrap();
    let call = &out["contents"][0]["parts"][0]["functionResponse"];
    assert_eq!(call["response"], serde_json::json!({"phone": "555!", "more": [{"text": "555!"}]}));
    assert_eq!(call["name"], "lookup_555", "the function's name is not prompt text");
}
