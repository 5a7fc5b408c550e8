//! Property tests of the log headers: any `cf-aig-metadata`, `cf-aig-collect-log` and
//! `cf-aig-collect-log-payload` value is accepted or answered 400, and metadata a client
//! rendered from valid entries parses back unchanged.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::*;
use crate::strategies::{any_json, assert_client_error, config, shaped, text, word, Shape};

/// A metadata object: mostly valid values, sometimes too many entries or a nested value.
const METADATA: Shape = Shape::Obj(&[
    ("user", Shape::Text),
    ("team", Shape::OneOf(&[Shape::Text, Shape::Num, Shape::Bool])),
    ("n", Shape::Num),
    ("flag", Shape::Bool),
    ("trace", Shape::Text),
    ("sixth", Shape::Rare(&Shape::Text)),
]);

fn meta_value() -> impl Strategy<Value = MetaValue> {
    prop_oneof![
        any::<bool>().prop_map(MetaValue::Bool),
        any::<i64>().prop_map(|n| MetaValue::Number(n.into())),
        any::<u64>().prop_map(|n| MetaValue::Number(n.into())),
        text().prop_map(MetaValue::String),
    ]
}

fn flag() -> impl Strategy<Value = String> {
    prop_oneof![
        (select(&["true", "false", "TRUE", "False", " true ", "yes", "1", ""][..])).prop_map(str::to_string),
        text(),
    ]
}

fn header_list() -> impl Strategy<Value = Headers> {
    let metadata =
        prop_oneof![shaped(&METADATA).prop_map(|v| v.to_string()), any_json().prop_map(|v| v.to_string()), text()];
    (proptest::option::of(metadata), proptest::option::of(flag()), proptest::option::of(flag())).prop_map(
        |(metadata, collect, payload)| {
            let mut headers = Headers::new();
            let named =
                [(METADATA_HEADER, metadata), (COLLECT_LOG_HEADER, collect), (COLLECT_LOG_PAYLOAD_HEADER, payload)];
            for (name, value) in named {
                if let Some(value) = value {
                    headers.append(name, value);
                }
            }
            headers
        },
    )
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn any_log_headers_are_options_or_a_client_error(headers in header_list(), enabled in any::<bool>()) {
        let settings = LogSettings { enabled, ..LogSettings::default() };
        match parse_log_options(&headers, &settings) {
            Ok(options) => {
                prop_assert!(options.metadata.len() <= MAX_METADATA_ENTRIES);
                if headers.get(COLLECT_LOG_HEADER).is_none() {
                    prop_assert_eq!(options.collect, enabled);
                }
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn metadata_is_accepted_exactly_when_it_follows_the_rules(value in shaped(&METADATA)) {
        let valid = value.as_object().is_some_and(|map| {
            map.len() <= MAX_METADATA_ENTRIES
                && map.values().all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
        });
        let parsed = parse_metadata(&value.to_string());
        prop_assert_eq!(parsed.is_ok(), valid, "{}", value);
        if let Err(e) = parsed {
            assert_client_error(&e)?;
            prop_assert!(e.message().contains(METADATA_HEADER));
        }
    }

    #[test]
    fn rendered_metadata_parses_back(metadata in btree_map(word(&["user", "team", "n"]), meta_value(), 0..=5)) {
        let rendered = serde_json::to_string(&metadata).unwrap();
        prop_assert_eq!(parse_metadata(&rendered).unwrap(), metadata);
    }

    #[test]
    fn collect_flags_read_true_and_false_in_any_case(
        collect in any::<bool>(),
        payload in any::<bool>(),
        upper in vec(any::<bool>(), 5),
    ) {
        let spell = |b: bool| -> String {
            b.to_string().chars().zip(&upper).map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c }).collect()
        };
        let headers: Headers =
            [(COLLECT_LOG_HEADER, spell(collect)), (COLLECT_LOG_PAYLOAD_HEADER, spell(payload))].into_iter().collect();
        let options = parse_log_options(&headers, &LogSettings::default()).unwrap();
        prop_assert_eq!((options.collect, options.collect_payload), (collect, payload));
    }
}
