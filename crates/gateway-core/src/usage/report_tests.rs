use serde_json::json;

use super::*;

fn usage(input: u64, output: u64, read: u64, write: u64, reasoning: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        cached_input_tokens: read,
        cache_write_input_tokens: write,
        reasoning_tokens: reasoning,
        estimated: false,
    }
}

#[test]
fn openai_chat_counts_cache_and_reasoning_inside_the_totals() {
    let u = json!({
        "prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
        "prompt_tokens_details": {"cached_tokens": 60},
        "completion_tokens_details": {"reasoning_tokens": 30},
    });
    assert_eq!(UsageReport::openai_chat(&u).unwrap().usage(), Some(usage(100, 40, 60, 0, 30)));
}

#[test]
fn deepseek_cache_hits_are_cache_reads() {
    let u = json!({"prompt_tokens": 50, "completion_tokens": 5, "prompt_cache_hit_tokens": 32, "prompt_cache_miss_tokens": 18});
    assert_eq!(UsageReport::of_usage(&u).unwrap().usage(), Some(usage(50, 5, 32, 0, 0)));
}

#[test]
fn reasoning_reported_outside_completion_tokens_is_added_to_the_output() {
    // xAI: total = prompt + completion + reasoning.
    let u = json!({
        "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 35,
        "completion_tokens_details": {"reasoning_tokens": 20},
    });
    assert_eq!(UsageReport::openai_chat(&u).unwrap().usage(), Some(usage(10, 25, 0, 0, 20)));
}

#[test]
fn responses_api_usage() {
    let u = json!({
        "input_tokens": 80, "input_tokens_details": {"cached_tokens": 64},
        "output_tokens": 12, "output_tokens_details": {"reasoning_tokens": 8}, "total_tokens": 92,
    });
    assert_eq!(UsageReport::of_usage(&u).unwrap().usage(), Some(usage(80, 12, 64, 0, 8)));
}

#[test]
fn anthropic_input_gets_the_cache_reads_and_writes_added() {
    let u = json!({"input_tokens": 10, "cache_read_input_tokens": 200, "cache_creation_input_tokens": 50, "output_tokens": 7});
    assert_eq!(UsageReport::of_usage(&u).unwrap().usage(), Some(usage(260, 7, 200, 50, 0)));
}

#[test]
fn gemini_output_includes_the_thoughts() {
    let m = json!({
        "promptTokenCount": 30, "cachedContentTokenCount": 20,
        "candidatesTokenCount": 6, "thoughtsTokenCount": 14, "totalTokenCount": 50,
    });
    assert_eq!(UsageReport::gemini(&m).unwrap().usage(), Some(usage(30, 20, 20, 0, 14)));
}

#[test]
fn anthropic_stream_reports_combine_and_a_later_zero_takes_nothing_away() {
    let start = json!({"input_tokens": 12, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 8, "output_tokens": 1});
    let mut report = UsageReport::anthropic(&start).unwrap();
    report.merge(UsageReport::anthropic(&json!({"output_tokens": 9})).unwrap());
    assert_eq!(report.usage(), Some(usage(120, 9, 100, 8, 0)));
    // Some Anthropic-compatible streams send message_start with zeros and the real input later,
    // others repeat the input in message_delta as 0: either way the input is the one reported.
    let mut zero_first = UsageReport::anthropic(&json!({"input_tokens": 0, "output_tokens": 0})).unwrap();
    zero_first.merge(UsageReport::anthropic(&json!({"input_tokens": 12, "output_tokens": 9})).unwrap());
    assert_eq!(zero_first.usage(), Some(usage(12, 9, 0, 0, 0)));
    let mut zero_later = UsageReport::anthropic(&start).unwrap();
    zero_later.merge(UsageReport::anthropic(&json!({"input_tokens": 0, "output_tokens": 9})).unwrap());
    assert_eq!(zero_later.usage(), Some(usage(120, 9, 100, 8, 0)));
}

#[test]
fn empty_reports_are_none_and_inconsistent_parts_are_clamped() {
    assert_eq!(UsageReport::of_usage(&json!({})), None);
    assert_eq!(UsageReport::gemini(&json!({"trafficType": "ON_DEMAND"})), None);
    assert_eq!(UsageReport::default().usage(), None);
    let u = json!({"prompt_tokens": 5, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 9},
        "completion_tokens_details": {"reasoning_tokens": 4}});
    assert_eq!(UsageReport::openai_chat(&u).unwrap().usage(), Some(usage(5, 2, 5, 0, 2)));
}
