//! Unit tests of `translate::gemini_schema`.

use serde_json::json;

use super::*;

#[test]
fn only_geminis_fields_stay_and_keyword_named_properties_are_kept() {
    // The shape of Claude Code's built-in tool schemas.
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 600000, "description": "ms"},
            "env": {"type": "object", "propertyNames": {"pattern": "^[A-Z_]+$"}, "additionalProperties": {"type": "string"}},
            "mode": {"const": "replace"},
            "type": {"type": "string", "enum": ["file", "dir"]},
            "format": {"type": "string", "format": "uri", "minLength": 1},
            "required": {"type": "boolean", "default": false},
        },
        "required": ["timeout", "type", "format", "nowhere"],
    });
    assert_eq!(
        clean(&schema),
        json!({
            "type": "object",
            "properties": {
                "timeout": {"type": "number", "minimum": 0, "maximum": 600000, "description": "ms"},
                "env": {"type": "object"},
                "mode": {"type": "string", "enum": ["replace"]},
                "type": {"type": "string", "enum": ["file", "dir"]},
                "format": {"type": "string", "minLength": 1},
                "required": {"type": "boolean", "default": false},
            },
            "required": ["timeout", "type", "format"],
        })
    );
}

#[test]
fn exclusive_bounds_become_inclusive_ones() {
    assert_eq!(
        clean(&json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10})),
        json!({"type": "integer", "minimum": 1, "maximum": 9})
    );
    assert_eq!(
        clean(&json!({"type": "number", "minimum": 2, "exclusiveMinimum": 0})),
        json!({"type": "number", "minimum": 2}),
        "an inclusive bound already set wins"
    );
    assert_eq!(
        clean(&json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})),
        json!({"type": "number", "minimum": 0})
    );
}

#[test]
fn nullable_types_unions_and_refs_are_rewritten() {
    assert_eq!(clean(&json!({"type": ["string", "null"]})), json!({"type": "string", "nullable": true}));
    assert_eq!(
        clean(&json!({"type": ["string", "integer"]})),
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(
        clean(&json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "description": "when"})),
        json!({"type": "string", "format": "date-time", "nullable": true, "description": "when"})
    );
    assert_eq!(
        clean(&json!({"oneOf": [{"type": "string"}, {"type": "integer", "format": "int64"}]})),
        json!({"anyOf": [{"type": "string"}, {"type": "integer", "format": "int64"}]})
    );
    let with_refs = json!({
        "type": "object",
        "properties": {"where": {"$ref": "#/$defs/place", "description": "target"}},
        "$defs": {"place": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    });
    assert_eq!(
        clean(&with_refs),
        json!({"type": "object", "properties": {"where": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "description": "target",
        }}})
    );
}

#[test]
fn recursive_refs_stop_and_all_of_merges() {
    let recursive = json!({"type": "object", "properties": {"child": {"$ref": "#"}}});
    let cleaned = clean(&recursive);
    let mut depth = 0;
    let mut at = &cleaned;
    while let Some(child) = at.pointer("/properties/child") {
        depth += 1;
        at = child;
    }
    assert_eq!(depth, MAX_REF_DEPTH + 1);
    assert_eq!(*at, json!({"type": "object"}), "the innermost reference is a bare object");
    assert_eq!(
        clean(&json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ]})),
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]})
    );
}

#[test]
fn odd_schemas_and_tuples() {
    assert_eq!(clean(&json!(true)), json!({}));
    assert_eq!(
        clean(&json!({"type": "array", "items": [{"type": "string"}, {"type": "number"}]})),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(clean(&json!({"enum": [1, 2]})), json!({}), "Gemini's enums are strings");
    assert_eq!(clean(&json!({"type": "object", "properties": {}, "required": ["x"]})), json!({"type": "object"}));
    assert!(!has_properties(&clean(&json!({"type": "object", "properties": {}}))));
}

#[test]
fn cleaning_twice_changes_nothing() {
    let schema =
        json!({"type": ["integer", "null"], "exclusiveMaximum": 5, "anyOf": [{"const": "x"}, {"type": "null"}]});
    let once = clean(&schema);
    assert_eq!(clean(&once), once);
}
