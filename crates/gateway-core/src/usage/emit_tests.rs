use serde_json::json;

use super::*;
use crate::usage::report::UsageReport;

fn sample() -> Usage {
    Usage {
        input_tokens: 260,
        output_tokens: 40,
        cached_input_tokens: 200,
        cache_write_input_tokens: 50,
        reasoning_tokens: 15,
        estimated: false,
    }
}

#[test]
fn each_dialect_carries_the_cache_and_reasoning_numbers() {
    let u = sample();
    let openai = openai_chat(&u);
    assert_eq!(openai["prompt_tokens"], 260);
    assert_eq!(openai["prompt_tokens_details"]["cached_tokens"], 200);
    assert_eq!(openai["completion_tokens_details"]["reasoning_tokens"], 15);
    assert_eq!(
        anthropic(&u),
        json!({"input_tokens": 10, "cache_creation_input_tokens": 50, "cache_read_input_tokens": 200, "output_tokens": 40})
    );
    let g = gemini(&u);
    assert_eq!((g["candidatesTokenCount"].as_u64(), g["thoughtsTokenCount"].as_u64()), (Some(25), Some(15)));
    assert_eq!(g["cachedContentTokenCount"], 200);
    let responses = openai_responses(&u);
    assert_eq!((responses["input_tokens"].as_u64(), responses["total_tokens"].as_u64()), (Some(260), Some(300)));
    assert_eq!(responses["input_tokens_details"]["cached_tokens"], 200);
    assert_eq!(responses["output_tokens_details"]["reasoning_tokens"], 15);
    assert!(gemini(&Usage { reasoning_tokens: 0, ..u }).get("thoughtsTokenCount").is_none());
}

#[test]
fn what_is_written_reads_back() {
    let u = sample();
    // Anthropic's shape has no reasoning field: thinking is in its output.
    assert_eq!(
        UsageReport::anthropic(&anthropic(&u)).and_then(UsageReport::usage),
        Some(Usage { reasoning_tokens: 0, ..u })
    );
    // OpenAI's and Gemini's shapes have no cache-write field: the writes stay in the input.
    let without_writes = Usage { cache_write_input_tokens: 0, ..u };
    assert_eq!(UsageReport::openai_chat(&openai_chat(&u)).and_then(UsageReport::usage), Some(without_writes));
    assert_eq!(UsageReport::gemini(&gemini(&u)).and_then(UsageReport::usage), Some(without_writes));
    assert_eq!(UsageReport::openai_responses(&openai_responses(&u)).and_then(UsageReport::usage), Some(without_writes));
}
