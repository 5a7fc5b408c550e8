//! Property tests of `json_fields`: any JSON document, cut anywhere, gives exactly the wanted
//! top-level members (and those of a top-level `result` object) that a full parse gives; anything
//! else is scanned without a panic.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;
use crate::strategies::{bytes, config, cuts, nice_json, split};

const WANTED: &[&str] = &["usage", "model", "error", "a"];

/// What a full parse says the scanner should keep of `doc`.
fn expected(doc: &Value) -> Value {
    let pick = |map: &Map<String, Value>| -> Map<String, Value> {
        map.iter().filter(|(k, _)| WANTED.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let Value::Object(top) = doc else { return Value::Object(Map::new()) };
    let mut out = pick(top);
    if let Some(Value::Object(inner)) = top.get("result") {
        let inner = pick(inner);
        if !inner.is_empty() {
            out.insert("result".into(), Value::Object(inner));
        }
    }
    Value::Object(out)
}

fn scan(chunks: &[&[u8]]) -> Value {
    let mut fields = JsonFields::new(WANTED);
    for chunk in chunks {
        fields.feed(chunk);
    }
    fields.object()
}

/// Objects whose keys often are the wanted ones, nested a little, with a `result` wrapper now and then.
fn document() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec!["usage", "model", "error", "a", "b", "result", "mo\\u0064el"]);
    let member = (key, nice_json());
    prop::collection::vec(member, 0..6).prop_flat_map(|members| {
        let inner: Map<String, Value> = members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        (Just(inner), any::<bool>()).prop_map(|(inner, wrap)| {
            let mut top = inner.clone();
            if wrap {
                top.insert("result".into(), Value::Object(inner));
            }
            Value::Object(top)
        })
    })
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn any_document_cut_anywhere_gives_what_a_full_parse_gives(doc in document(), cuts in cuts(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) };
        let text = text.map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Values over the member bound are dropped by design; the generated ones stay far below it.
        // (Short decimals: serde_json may read a 17-digit float back one step off, parse or scan.)
        prop_assert_eq!(scan(&split(text.as_bytes(), &cuts)), expected(&doc));
    }

    #[test]
    fn any_bytes_are_scanned_without_a_panic_in_bounded_memory(raw in bytes(), cuts in cuts()) {
        let mut fields = JsonFields::new(WANTED);
        for chunk in split(&raw, &cuts) {
            fields.feed(chunk);
        }
        prop_assert!(fields.found.iter().all(|(_, v)| v.len() <= MAX_FIELD_BYTES));
        let _ = fields.object();
    }
}
