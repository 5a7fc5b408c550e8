//! The example plugin of docs/plugins.md (`examples/plugins/prompt_length.rs`), registered and
//! run the way the Worker registers and runs its plugins.

#[path = "../../../examples/plugins/prompt_length.rs"]
mod prompt_length;

use gateway_core::plugin::prompt::PromptRequest;
use gateway_core::plugin::registry::{from_vars, PluginSpec, BUILT_IN};
use gateway_core::plugin::RequestContext;
use gateway_core::Headers;

fn registry() -> Vec<PluginSpec> {
    BUILT_IN.iter().copied().chain([PluginSpec { name: "prompt-length", build: prompt_length::build }]).collect()
}

#[test]
fn the_example_plugin_refuses_long_prompts_and_passes_short_ones() {
    let plugins = from_vars(&registry(), Some("prompt-length"), Some(r#"{"prompt-length":{"max_chars":10}}"#)).unwrap();
    let headers = Headers::new();
    let run = |content: &str| {
        let body = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": content}]}).to_string();
        let mut request = PromptRequest::new("POST", "/", &headers, Some(body.as_bytes()));
        let mut ctx = RequestContext::default();
        pollster::block_on(plugins[0].on_request(&mut ctx, &mut request)).map(|_| ctx.guardrails.len())
    };
    assert_eq!(run("short").unwrap(), 0);
    let err = run("far too long a prompt").unwrap_err();
    assert_eq!((err.status(), err.kind().code()), (400, "content_blocked"));
}

#[test]
fn its_configuration_is_checked_at_start_up() {
    let err =
        from_vars(&registry(), Some("prompt-length"), Some(r#"{"prompt-length":{"max_chars":0}}"#)).err().unwrap();
    assert!(err.message().contains("\"prompt-length\"") && err.message().contains("max_chars"), "{}", err.message());
    let err = from_vars(&registry(), Some("prompt-length"), Some(r#"{"prompt-length":{"max":5}}"#)).err().unwrap();
    assert!(err.message().contains("unknown field `max`"), "{}", err.message());
}
