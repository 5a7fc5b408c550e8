//! JSON schemas for Gemini: tool parameters and response schemas reduced to Gemini's `Schema`.
//!
//! Gemini takes a subset of OpenAPI 3.0 (ai.google.dev/api/caching#Schema) and answers 400
//! `Unknown name "…"` for any other field, while agents' tool schemas are full JSON Schema
//! (Claude Code's hold `exclusiveMinimum`, `propertyNames`, `const`). [`clean`] keeps Gemini's
//! fields only (an allowlist, so keywords nobody foresaw are dropped too) and turns what has a
//! Gemini equivalent into it:
//!
//! | JSON Schema | Gemini |
//! |---|---|
//! | `const: v` (a string) | `enum: [v]` |
//! | `enum` of non-strings | dropped (Gemini's enums are strings) |
//! | `exclusiveMinimum` / `exclusiveMaximum: n` | `minimum` / `maximum` (n ± 1 for integers, n otherwise), unless already bounded |
//! | `type: ["string", "null"]` | `type: "string"`, `nullable: true`; several types become `anyOf` |
//! | `anyOf` / `oneOf` with a `{"type": "null"}` branch | `nullable: true`, and the one branch left inlined |
//! | `oneOf` | `anyOf` |
//! | `allOf` | its schemas merged |
//! | `$ref` to `#/…` (e.g. `#/$defs/X`) | the schema it points to, inlined (8 levels deep at most) |
//! | tuple `items: [a, …]` | `items: a` |
//! | `format` other than `enum`/`date-time` (strings), `float`/`double`, `int32`/`int64` | dropped |
//! | `required` naming no property | those names dropped |
//! | empty `properties` | dropped |
//!
//! Property *names* are never read as keywords: a property called `type`, `format` or `const`
//! stays.

use serde_json::{json, Map, Value};

/// The fields of Gemini's `Schema` object.
const GEMINI_FIELDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
];

/// How many `$ref`s deep a schema is inlined; a recursive schema stops there as a bare object.
const MAX_REF_DEPTH: usize = 8;

/// `schema` as Gemini's `Schema` (see the module documentation). Not a JSON object (a boolean
/// schema, anything else): `{}`.
pub fn clean(schema: &Value) -> Value {
    Value::Object(clean_in(schema, schema, 0))
}

/// Whether a cleaned schema declares at least one property (Gemini refuses an object
/// function's parameters whose `properties` is empty; such a function takes none).
pub fn has_properties(schema: &Value) -> bool {
    schema.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty())
}

fn clean_in(root: &Value, schema: &Value, depth: usize) -> Map<String, Value> {
    let Some(source) = schema.as_object() else { return Map::new() };
    let mut source = source.clone();
    if let Some(target) = source.remove("$ref").as_ref().and_then(Value::as_str) {
        match resolve(root, target).filter(|_| depth < MAX_REF_DEPTH) {
            // Siblings of `$ref` (a description, say) win over the target's.
            Some(resolved) => {
                let mut merged = clean_in(root, resolved, depth + 1);
                merged.extend(clean_in(root, &Value::Object(source), depth));
                return merged;
            }
            None => {
                source.entry("type").or_insert_with(|| json!("object"));
            }
        }
    }
    if let Some(Value::Array(parts)) = source.remove("allOf") {
        for part in parts {
            merge_into(&mut source, clean_in(root, &part, depth));
        }
    }
    let mut out = Map::new();
    for (key, value) in &source {
        match key.as_str() {
            "properties" => {
                let properties: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, property)| (name.clone(), Value::Object(clean_in(root, property, depth))))
                    .collect();
                if !properties.is_empty() {
                    out.insert(key.clone(), Value::Object(properties));
                }
            }
            "items" => {
                let first = value.as_array().and_then(|tuple| tuple.first()).unwrap_or(value);
                out.insert(key.clone(), Value::Object(clean_in(root, first, depth)));
            }
            "anyOf" | "oneOf" => {
                let branches: Vec<Value> =
                    value.as_array().into_iter().flatten().map(|b| Value::Object(clean_in(root, b, depth))).collect();
                out.insert("anyOf".into(), Value::Array(branches));
            }
            "const" if value.is_string() => {
                out.insert("enum".into(), json!([value]));
            }
            "enum" if value.as_array().is_some_and(|values| values.iter().all(Value::is_string)) => {
                out.insert(key.clone(), value.clone());
            }
            "exclusiveMinimum" | "exclusiveMaximum" | "format" | "type" | "enum" | "const" => {}
            other if GEMINI_FIELDS.contains(&other) => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    set_type(&mut out, source.get("type"));
    set_bounds(&mut out, &source);
    set_format(&mut out, source.get("format"));
    fold_null_branches(&mut out);
    keep_declared_required(&mut out);
    if out.contains_key("enum") && !out.contains_key("type") {
        out.insert("type".into(), json!("string"));
    }
    out
}

/// The schema a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer) names.
fn resolve<'a>(root: &'a Value, target: &str) -> Option<&'a Value> {
    let pointer = target.strip_prefix('#')?;
    root.pointer(pointer).filter(|v| v.is_object())
}

/// Merges an `allOf` member into `into`: properties and `required` accumulate, other fields
/// keep their first value.
fn merge_into(into: &mut Map<String, Value>, part: Map<String, Value>) {
    for (key, value) in part {
        match (key.as_str(), into.get_mut(&key), value) {
            ("properties", Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
            ("required", Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more),
            (_, Some(_), _) => {}
            (_, None, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// `type` as Gemini's one type: a list of types becomes its one non-null type (or `anyOf` of
/// several), with `nullable` when `null` was among them.
fn set_type(out: &mut Map<String, Value>, ty: Option<&Value>) {
    match ty {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!(t));
        }
        Some(Value::Array(types)) => {
            let named: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let non_null: Vec<&str> = named.iter().copied().filter(|t| *t != "null").collect();
            if non_null.len() < named.len() {
                out.insert("nullable".into(), json!(true));
            }
            match non_null.as_slice() {
                [] => {}
                [one] => {
                    out.insert("type".into(), json!(one));
                }
                several => {
                    let branches: Vec<Value> = several.iter().map(|t| json!({ "type": t })).collect();
                    out.entry("anyOf").or_insert(Value::Array(branches));
                }
            }
        }
        _ => {}
    }
}

/// Exclusive bounds as inclusive ones (one step inside for integers), when no inclusive bound
/// is set already. The draft-4 boolean form only qualifies `minimum`/`maximum`: dropped.
fn set_bounds(out: &mut Map<String, Value>, source: &Map<String, Value>) {
    let integer = out.get("type").and_then(Value::as_str) == Some("integer");
    for (exclusive, inclusive, step) in [("exclusiveMinimum", "minimum", 1i64), ("exclusiveMaximum", "maximum", -1)] {
        let Some(bound) = source.get(exclusive).filter(|b| b.is_number()) else { continue };
        let value = match bound.as_i64() {
            Some(n) if integer => json!(n.saturating_add(step)),
            _ => bound.clone(),
        };
        out.entry(inclusive).or_insert(value);
    }
}

/// `format` when Gemini knows it for the schema's type.
fn set_format(out: &mut Map<String, Value>, format: Option<&Value>) {
    let Some(format) = format.and_then(Value::as_str) else { return };
    let known = match out.get("type").and_then(Value::as_str).unwrap_or("string") {
        "string" => ["enum", "date-time"].contains(&format),
        "number" => ["float", "double"].contains(&format),
        "integer" => ["int32", "int64"].contains(&format),
        _ => false,
    };
    if known {
        out.insert("format".into(), json!(format));
    }
}

/// `anyOf` branches that only allow `null` become `nullable`; one branch left is inlined.
fn fold_null_branches(out: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = out.get_mut("anyOf") else { return };
    let before = branches.len();
    branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
    if branches.len() < before {
        out.insert("nullable".into(), json!(true));
    }
    let Some(Value::Array(branches)) = out.get("anyOf") else { return };
    if branches.len() <= 1 {
        let only = branches.first().and_then(Value::as_object).cloned().unwrap_or_default();
        out.remove("anyOf");
        for (key, value) in only {
            out.entry(key).or_insert(value);
        }
    }
}

/// `required` without the names `properties` does not declare (Gemini refuses those).
fn keep_declared_required(out: &mut Map<String, Value>) {
    let declared: Vec<String> =
        out.get("properties").and_then(Value::as_object).map_or_else(Vec::new, |p| p.keys().cloned().collect());
    let Some(Value::Array(required)) = out.get_mut("required") else { return };
    required.retain(|name| name.as_str().is_some_and(|n| declared.iter().any(|d| d == n)));
    if required.is_empty() {
        out.remove("required");
    }
}

#[cfg(test)]
#[path = "gemini_schema_tests.rs"]
mod tests;
