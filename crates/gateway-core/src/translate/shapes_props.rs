//! The shapes of each format's requests, responses and stream events, for the property tests of
//! `translate` (see `strategies::Shape`): the fields each parser reads, with the values it knows
//! and a few it must refuse or skip.

use crate::strategies::Shape::{self, Any, Arr, Bool, Int, Num, Obj, OneOf, Opt, Rare, Str, Text};

const ARGUMENTS: Shape = Str(&["{}", "{\"city\":\"Paris\"}", "{\"n\":[1,2.5]}"], &["[1]", "not json", "", "{\"a\""]);
const TOOL_NAME: Shape = Str(&["get_weather", "lookup"], &["", "a b"]);
const COUNT: Shape = Int(0, 1 << 40);

// OpenAI Chat Completions.

const OA_PART: Shape = OneOf(&[
    Obj(&[("type", Str(&["text"], &["input_audio", ""])), ("text", Text)]),
    Obj(&[
        ("type", Str(&["image_url"], &[])),
        (
            "image_url",
            Obj(&[("url", Str(&["https://x.test/a.png", "data:image/png;base64,iVBORw0K"], &["data:,", "data:x"]))]),
        ),
    ]),
]);
const OA_CALL: Shape = Obj(&[
    ("id", Text),
    ("type", Str(&["function"], &[])),
    ("function", Obj(&[("name", TOOL_NAME), ("arguments", ARGUMENTS)])),
]);
const OA_MESSAGE: Shape = Obj(&[
    ("role", Str(&["system", "developer", "user", "assistant", "tool"], &["function", "bot", ""])),
    ("content", Opt(&OneOf(&[Text, Arr(&OA_PART)]))),
    ("tool_calls", Opt(&Arr(&OA_CALL))),
    ("tool_call_id", Opt(&Text)),
]);
const OA_TOOL: Shape = Obj(&[
    ("type", Str(&["function"], &[])),
    ("function", Obj(&[("name", TOOL_NAME), ("description", Opt(&Text)), ("parameters", Opt(&Any))])),
]);
const OA_TOOL_CHOICE: Shape = OneOf(&[
    Str(&["auto", "none", "required"], &["any"]),
    Obj(&[("type", Str(&["function"], &[])), ("function", Obj(&[("name", TOOL_NAME)]))]),
]);
const OA_RESPONSE_FORMAT: Shape = Obj(&[
    ("type", Str(&["json_object", "json_schema", "text"], &["xml"])),
    ("json_schema", Opt(&Obj(&[("name", Text), ("schema", Any), ("strict", Bool)]))),
]);
pub const OA_REQUEST: Shape = Obj(&[
    ("model", Text),
    ("messages", Arr(&OA_MESSAGE)),
    ("max_tokens", Opt(&Int(1, 4096))),
    ("max_completion_tokens", Rare(&Num)),
    ("temperature", Opt(&Num)),
    ("top_p", Opt(&Num)),
    ("stream", Opt(&Bool)),
    ("stream_options", Opt(&Obj(&[("include_usage", Bool)]))),
    ("stop", Opt(&OneOf(&[Text, Arr(&Text)]))),
    ("tools", Opt(&Arr(&OA_TOOL))),
    ("tool_choice", Opt(&OA_TOOL_CHOICE)),
    ("response_format", Opt(&OA_RESPONSE_FORMAT)),
]);
const OA_USAGE: Shape = Obj(&[
    ("prompt_tokens", COUNT),
    ("completion_tokens", COUNT),
    ("prompt_tokens_details", Opt(&Obj(&[("cached_tokens", COUNT)]))),
]);
const OA_FINISH: Shape = Str(&["stop", "length", "tool_calls", "content_filter"], &["function_call", "weird"]);
pub const OA_RESPONSE: Shape = Obj(&[
    ("id", Text),
    ("model", Text),
    (
        "choices",
        Arr(&Obj(&[
            ("message", Obj(&[("content", Opt(&OneOf(&[Text, Arr(&OA_PART)]))), ("tool_calls", Opt(&Arr(&OA_CALL)))])),
            ("finish_reason", OA_FINISH),
        ])),
    ),
    ("usage", Opt(&OA_USAGE)),
]);
const OA_CALL_DELTA: Shape = Obj(&[
    ("index", Int(0, 2)),
    ("id", Opt(&Text)),
    ("function", Obj(&[("name", Opt(&TOOL_NAME)), ("arguments", Opt(&Text))])),
]);
pub const OA_CHUNK: Shape = Obj(&[
    ("id", Text),
    ("model", Text),
    (
        "choices",
        Arr(&Obj(&[
            ("delta", Obj(&[("content", Opt(&Text)), ("tool_calls", Opt(&Arr(&OA_CALL_DELTA)))])),
            ("finish_reason", Opt(&OA_FINISH)),
        ])),
    ),
    ("usage", Opt(&OA_USAGE)),
    ("error", Rare(&Obj(&[("message", Text), ("type", Text)]))),
]);

// Anthropic Messages.

const AN_TEXT: Shape = Obj(&[("type", Str(&["text"], &[])), ("text", Text)]);
const AN_BLOCK: Shape = OneOf(&[
    AN_TEXT,
    Obj(&[
        ("type", Str(&["image"], &[])),
        (
            "source",
            Obj(&[
                ("type", Str(&["base64", "url"], &["file"])),
                ("media_type", Str(&["image/png"], &[])),
                ("data", Text),
                ("url", Text),
            ]),
        ),
    ]),
    Obj(&[("type", Str(&["tool_use"], &[])), ("id", Text), ("name", TOOL_NAME), ("input", Any)]),
    Obj(&[
        ("type", Str(&["tool_result"], &[])),
        ("tool_use_id", Text),
        ("content", OneOf(&[Text, Arr(&AN_TEXT)])),
        ("is_error", Opt(&Bool)),
    ]),
    Obj(&[("type", Str(&["thinking"], &["document"])), ("thinking", Text)]),
]);
const AN_MESSAGE: Shape =
    Obj(&[("role", Str(&["user", "assistant", "system"], &["tool", ""])), ("content", OneOf(&[Text, Arr(&AN_BLOCK)]))]);
const AN_TOOL: Shape = Obj(&[("name", TOOL_NAME), ("description", Opt(&Text)), ("input_schema", Any)]);
pub const AN_REQUEST: Shape = Obj(&[
    ("model", Text),
    ("system", Opt(&OneOf(&[Text, Arr(&AN_TEXT)]))),
    ("messages", Arr(&AN_MESSAGE)),
    ("max_tokens", Int(1, 4096)),
    ("temperature", Opt(&Num)),
    ("top_p", Opt(&Num)),
    ("stop_sequences", Opt(&Arr(&Text))),
    ("stream", Opt(&Bool)),
    ("tools", Opt(&Arr(&AN_TOOL))),
    ("tool_choice", Opt(&Obj(&[("type", Str(&["auto", "any", "none", "tool"], &["all"])), ("name", TOOL_NAME)]))),
    ("output_config", Opt(&Obj(&[("format", Obj(&[("type", Str(&["json_schema"], &["text"])), ("schema", Any)]))]))),
]);
const AN_USAGE: Shape = Obj(&[
    ("input_tokens", COUNT),
    ("output_tokens", COUNT),
    ("cache_read_input_tokens", Opt(&COUNT)),
    ("cache_creation_input_tokens", Opt(&COUNT)),
]);
const AN_STOP: Shape = Str(&["end_turn", "max_tokens", "tool_use", "stop_sequence", "refusal"], &["pause_turn"]);
pub const AN_RESPONSE: Shape = Obj(&[
    ("id", Text),
    ("model", Text),
    ("content", Arr(&AN_BLOCK)),
    ("stop_reason", AN_STOP),
    ("usage", Opt(&AN_USAGE)),
]);
pub const AN_EVENT: Shape = OneOf(&[
    Obj(&[
        ("type", Str(&["message_start"], &[])),
        ("message", Obj(&[("id", Text), ("model", Text), ("usage", AN_USAGE)])),
    ]),
    Obj(&[
        ("type", Str(&["content_block_start"], &[])),
        ("index", Int(0, 3)),
        (
            "content_block",
            Obj(&[
                ("type", Str(&["text", "tool_use"], &["thinking"])),
                ("id", Text),
                ("name", TOOL_NAME),
                ("text", Opt(&Text)),
            ]),
        ),
    ]),
    Obj(&[
        ("type", Str(&["content_block_delta"], &[])),
        ("index", Int(0, 3)),
        (
            "delta",
            Obj(&[
                ("type", Str(&["text_delta", "input_json_delta"], &["thinking_delta"])),
                ("text", Opt(&Text)),
                ("partial_json", Opt(&Text)),
            ]),
        ),
    ]),
    Obj(&[("type", Str(&["content_block_stop"], &[])), ("index", Int(0, 3))]),
    Obj(&[("type", Str(&["message_delta"], &[])), ("delta", Obj(&[("stop_reason", AN_STOP)])), ("usage", AN_USAGE)]),
    Obj(&[("type", Str(&["message_stop", "ping"], &[]))]),
    Obj(&[("type", Str(&["error"], &[])), ("error", Obj(&[("type", Text), ("message", Text)]))]),
]);

// Gemini generateContent.

const GM_PART: Shape = OneOf(&[
    Obj(&[("text", Text), ("thought", Rare(&Bool))]),
    Obj(&[("inlineData", Obj(&[("mimeType", Str(&["image/png"], &[])), ("data", Text)]))]),
    Obj(&[("fileData", Obj(&[("mimeType", Text), ("fileUri", Text)]))]),
    Obj(&[("functionCall", Obj(&[("name", TOOL_NAME), ("args", Any), ("id", Opt(&Text))]))]),
    Obj(&[("functionResponse", Obj(&[("name", TOOL_NAME), ("response", Any), ("id", Opt(&Text))]))]),
]);
const GM_CONTENT: Shape = Obj(&[("role", Str(&["user", "model"], &["function", ""])), ("parts", Arr(&GM_PART))]);
const GM_DECLARATION: Shape = Obj(&[("name", TOOL_NAME), ("description", Opt(&Text)), ("parameters", Opt(&Any))]);
const GM_CONFIG: Shape = Obj(&[
    ("maxOutputTokens", Opt(&Int(1, 8192))),
    ("temperature", Opt(&Num)),
    ("topP", Opt(&Num)),
    ("stopSequences", Opt(&Arr(&Text))),
    ("responseMimeType", Opt(&Str(&["application/json", "text/plain"], &[]))),
    ("responseSchema", Opt(&Any)),
]);
const GM_TOOL_CONFIG: Shape = Obj(&[(
    "functionCallingConfig",
    Obj(&[("mode", Str(&["AUTO", "NONE", "ANY"], &["VALIDATED"])), ("allowedFunctionNames", Opt(&Arr(&TOOL_NAME)))]),
)]);
pub const GM_REQUEST: Shape = Obj(&[
    ("contents", Arr(&GM_CONTENT)),
    ("systemInstruction", Opt(&Obj(&[("parts", Arr(&GM_PART))]))),
    ("generationConfig", Opt(&GM_CONFIG)),
    ("tools", Opt(&Arr(&Obj(&[("functionDeclarations", Arr(&GM_DECLARATION))])))),
    ("toolConfig", Opt(&GM_TOOL_CONFIG)),
]);
const GM_USAGE: Shape = Obj(&[
    ("promptTokenCount", COUNT),
    ("candidatesTokenCount", COUNT),
    ("thoughtsTokenCount", Opt(&COUNT)),
    ("cachedContentTokenCount", Opt(&COUNT)),
]);
const GM_FINISH: Shape = Str(&["STOP", "MAX_TOKENS", "SAFETY"], &["OTHER", "MALFORMED_FUNCTION_CALL"]);
pub const GM_RESPONSE: Shape = Obj(&[
    ("responseId", Text),
    ("modelVersion", Text),
    ("candidates", Arr(&Obj(&[("content", GM_CONTENT), ("finishReason", Opt(&GM_FINISH))]))),
    ("promptFeedback", Rare(&Obj(&[("blockReason", Text)]))),
    ("usageMetadata", Opt(&GM_USAGE)),
    ("error", Rare(&Obj(&[("code", Int(400, 599)), ("message", Text), ("status", Text)]))),
]);

// OpenAI Responses.

const RS_PART: Shape = OneOf(&[
    Obj(&[("type", Str(&["input_text", "output_text"], &["input_file", "refusal", ""])), ("text", Text)]),
    Obj(&[
        ("type", Str(&["input_image"], &[])),
        ("image_url", Str(&["https://x.test/a.png", "data:image/png;base64,iVBORw0K"], &["data:,"])),
    ]),
]);
const RS_ITEM: Shape = OneOf(&[
    Obj(&[
        ("type", Opt(&Str(&["message"], &[]))),
        ("role", Str(&["user", "assistant", "system", "developer"], &["tool", ""])),
        ("content", OneOf(&[Text, Arr(&RS_PART)])),
    ]),
    Obj(&[("type", Str(&["function_call"], &[])), ("call_id", Text), ("name", TOOL_NAME), ("arguments", ARGUMENTS)]),
    Obj(&[("type", Str(&["function_call_output"], &[])), ("call_id", Text), ("output", OneOf(&[Text, Arr(&RS_PART)]))]),
    Obj(&[("type", Str(&["reasoning"], &["web_search_call", "item_reference"])), ("summary", Arr(&Any))]),
]);
const RS_TOOL: Shape = Obj(&[
    ("type", Str(&["function"], &["web_search", "file_search"])),
    ("name", TOOL_NAME),
    ("description", Opt(&Text)),
    ("parameters", Opt(&Any)),
    ("strict", Opt(&Bool)),
]);
const RS_TOOL_CHOICE: Shape = OneOf(&[
    Str(&["auto", "none", "required"], &["any"]),
    Obj(&[("type", Str(&["function"], &["web_search"])), ("name", TOOL_NAME)]),
]);
const RS_TEXT: Shape = Obj(&[(
    "format",
    Obj(&[
        ("type", Str(&["text", "json_object", "json_schema"], &["xml"])),
        ("name", Opt(&Text)),
        ("schema", Any),
        ("strict", Opt(&Bool)),
    ]),
)]);
pub const RS_REQUEST: Shape = Obj(&[
    ("model", Text),
    ("instructions", Opt(&Text)),
    ("input", OneOf(&[Text, Arr(&RS_ITEM)])),
    ("max_output_tokens", Opt(&Int(1, 4096))),
    ("temperature", Opt(&Num)),
    ("top_p", Opt(&Num)),
    ("stream", Opt(&Bool)),
    ("tools", Opt(&Arr(&RS_TOOL))),
    ("tool_choice", Opt(&RS_TOOL_CHOICE)),
    ("text", Opt(&RS_TEXT)),
    ("store", Opt(&Bool)),
    ("previous_response_id", Rare(&Text)),
]);
const RS_USAGE: Shape = Obj(&[
    ("input_tokens", COUNT),
    ("output_tokens", COUNT),
    ("input_tokens_details", Opt(&Obj(&[("cached_tokens", COUNT)]))),
]);
const RS_OUTPUT: Shape = OneOf(&[
    Obj(&[
        ("type", Str(&["message"], &[])),
        ("role", Str(&["assistant"], &[])),
        (
            "content",
            Arr(&Obj(&[("type", Str(&["output_text", "refusal"], &[])), ("text", Text), ("refusal", Opt(&Text))])),
        ),
    ]),
    Obj(&[("type", Str(&["function_call"], &[])), ("call_id", Text), ("name", TOOL_NAME), ("arguments", ARGUMENTS)]),
    Obj(&[("type", Str(&["reasoning"], &["web_search_call"])), ("summary", Arr(&Any))]),
]);
pub const RS_RESPONSE: Shape = Obj(&[
    ("id", Text),
    ("object", Str(&["response"], &[])),
    ("model", Text),
    ("status", Str(&["completed", "incomplete"], &["failed", "in_progress"])),
    ("incomplete_details", Opt(&Obj(&[("reason", Str(&["max_output_tokens", "content_filter"], &[]))]))),
    ("output", Arr(&RS_OUTPUT)),
    ("usage", Opt(&RS_USAGE)),
]);
