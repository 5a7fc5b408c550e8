//! Shared proptest strategies and checks for the `*_props.rs` property tests of the parsers of
//! untrusted input (test code only; see `lib.rs`).
//!
//! Three kinds of input: arbitrary text and bytes (biased towards the characters parsers split
//! on), JSON built from a [`Shape`] (the right field names, sometimes the wrong types), and cut
//! points to feed a byte stream in arbitrary chunks.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::Config;
use serde_json::{Map, Value};

use crate::error::{Fault, GatewayError};

/// The configuration of a property: `cases` runs, no regression files (a shrunk failure becomes
/// a plain unit test next to the module's other tests instead).
pub fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Characters parsers treat specially: separators, escapes, line ends, multi-byte UTF-8.
const SPECIAL: &[char] = &[
    '/', '?', '#', '&', '=', '%', '+', '.', ':', ';', ',', ' ', '\t', '\r', '\n', '\0', '"', '\\', '{', '}', '[', ']',
    '-', '_', '~', '@', '*', 'é', '€', '𝄞', '\u{feff}', '\u{7f}',
];

/// Arbitrary text: any `char`, or mostly ASCII letters, digits and [`SPECIAL`] characters.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        vec(any::<char>(), 0..24).prop_map(String::from_iter),
        vec(prop_oneof![3 => proptest::char::range('0', 'z'), 2 => select(SPECIAL)], 0..24).prop_map(String::from_iter),
    ]
    .boxed()
}

/// `words`, or arbitrary [`text`] now and then: strings that often mean something to a parser.
pub fn word(words: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![4 => select(words).prop_map(str::to_string), 1 => text()].boxed()
}

/// Arbitrary bytes, often valid UTF-8 text.
pub fn bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..64), text().prop_map(String::into_bytes)].boxed()
}

/// Numbers at the edges: small counts, the integer limits, fractions, negatives, huge floats.
pub fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u64..10).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        select(&[u64::MAX, i64::MAX as u64, u32::MAX as u64, 4096, 1 << 53][..]).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(&[-1.0, 0.5, 1e300, -0.0, 100.000_001][..]).prop_map(Value::from),
    ]
    .boxed()
}

/// Numbers that survive a trip through JSON text exactly: integers, and decimals of a few
/// digits. (serde_json's default float parser, without its `float_roundtrip` feature, may read
/// a 17-digit float back one ulp off.)
pub fn nice_number() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u64..10).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-100_000i32..100_000, 0u32..4).prop_map(|(n, e)| Value::from(f64::from(n) / 10f64.powi(e as i32))),
    ]
    .boxed()
}

/// Any JSON value: scalars at the leaves, arrays and objects (keys often from [`KEYS`]) above.
pub fn any_json() -> BoxedStrategy<Value> {
    json_of(number())
}

/// As [`any_json`], with [`nice_number`]s only.
pub fn nice_json() -> BoxedStrategy<Value> {
    json_of(nice_number())
}

fn json_of(numbers: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        numbers,
        word(KEYS).prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((word(KEYS), inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Field names and values common to the gateway's JSON inputs, for [`any_json`].
const KEYS: &[&str] = &[
    "model",
    "messages",
    "role",
    "content",
    "type",
    "text",
    "error",
    "usage",
    "provider",
    "endpoint",
    "query",
    "config",
    "headers",
    "key",
    "weight",
    "secret",
    "user",
    "assistant",
    "tool",
    "system",
];

/// The expected shape of a JSON input, from which [`shaped`] builds values.
#[derive(Debug)]
pub enum Shape {
    /// An object with these fields: all of them when clean; each present or not, plus an odd
    /// unknown field now and then, when noisy.
    Obj(&'static [(&'static str, Shape)]),
    /// An array of this shape.
    Arr(&'static Shape),
    /// One of the first strings when clean; of both, or any text, when noisy (the second list
    /// holds strings that are tricky or wrong for the field).
    Str(&'static [&'static str], &'static [&'static str]),
    /// A string.
    Text,
    /// A number: [`nice_number`] when clean, [`number`] when noisy.
    Num,
    /// A whole number within these bounds when clean; any number when noisy.
    Int(u64, u64),
    Bool,
    /// One of these shapes.
    OneOf(&'static [Shape]),
    /// Any JSON value.
    Any,
    /// A field of an [`Shape::Obj`] that only noisy values have (an unknown provider, a bad
    /// name): clean values stay valid.
    Rare(&'static Shape),
    /// A field of an [`Shape::Obj`] that clean values have one time in two (the others have
    /// every field).
    Opt(&'static Shape),
}

/// Values of `shape`: half of them clean (the shape's own fields, types and words), half noisy
/// (a wrong-typed value, any JSON, in place of one of the right shape about one time in eight at
/// every level, arbitrary text among the words, an unknown field now and then).
pub fn shaped(shape: &'static Shape) -> BoxedStrategy<Value> {
    prop_oneof![exact(shape, false), noisy(shape)].boxed()
}

/// Clean values of `shape` only: the right fields, types and words, [`nice_number`]s.
pub fn clean(shape: &'static Shape) -> BoxedStrategy<Value> {
    exact(shape, false)
}

fn noisy(shape: &'static Shape) -> BoxedStrategy<Value> {
    prop_oneof![7 => exact(shape, true), 1 => any_json()].boxed()
}

fn exact(shape: &'static Shape, noise: bool) -> BoxedStrategy<Value> {
    let inner = move |s: &'static Shape| if noise { noisy(s) } else { exact(s, false) };
    match shape {
        Shape::Obj(fields) => {
            let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
                .iter()
                .filter(|(_, s)| noise || !matches!(s, Shape::Rare(_)))
                .map(|(name, s)| {
                    let value = match (noise, s) {
                        (_, Shape::Rare(_)) => proptest::option::weighted(0.3, inner(s)).boxed(),
                        (false, Shape::Opt(_)) => proptest::option::of(inner(s)).boxed(),
                        (true, _) => proptest::option::weighted(0.8, inner(s)).boxed(),
                        (false, _) => inner(s).prop_map(Some).boxed(),
                    };
                    value.prop_map(move |v| v.map(|v| (name.to_string(), v))).boxed()
                })
                .collect();
            let extra = match noise {
                true => proptest::option::weighted(0.1, (text(), any_json())).boxed(),
                false => Just(None).boxed(),
            };
            (fields, extra)
                .prop_map(|(fields, extra)| {
                    let mut map: Map<String, Value> = fields.into_iter().flatten().collect();
                    if let Some((k, v)) = extra {
                        map.insert(k, v);
                    }
                    Value::Object(map)
                })
                .boxed()
        }
        Shape::Arr(item) => vec(inner(item), 0..4).prop_map(Value::Array).boxed(),
        Shape::Str(usual, tricky) if noise => {
            let tricky = if tricky.is_empty() { usual } else { tricky };
            let (usual, tricky) = (select(*usual).prop_map(str::to_string), select(*tricky).prop_map(str::to_string));
            prop_oneof![2 => usual, 1 => tricky, 1 => text()].prop_map(Value::String).boxed()
        }
        Shape::Str(usual, _) => select(*usual).prop_map(|w| Value::String(w.to_string())).boxed(),
        Shape::Text => text().prop_map(Value::String).boxed(),
        Shape::Num if noise => number(),
        Shape::Num => nice_number(),
        Shape::Int(..) if noise => number(),
        Shape::Int(lo, hi) => (*lo..=*hi).prop_map(Value::from).boxed(),
        Shape::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Shape::OneOf(shapes) => {
            select(shapes.iter().collect::<Vec<_>>()).prop_flat_map(move |s| exact(s, noise)).boxed()
        }
        Shape::Any if noise => any_json(),
        Shape::Any => nice_json(),
        Shape::Rare(s) | Shape::Opt(s) => exact(s, noise),
    }
}

/// JSON text of `shape`, or now and then arbitrary bytes or a JSON text cut short.
pub fn shaped_body(shape: &'static Shape) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        8 => shaped(shape).prop_map(|v| v.to_string().into_bytes()),
        1 => bytes(),
        1 => (shaped(shape), any::<Index>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            let at = cut.index(text.len() + 1);
            text[..at].to_vec()
        }),
    ]
    .boxed()
}

/// Cut points for [`split`]: up to 12 of them, anywhere.
pub fn cuts() -> impl Strategy<Value = Vec<Index>> {
    vec(any::<Index>(), 0..12)
}

/// `bytes` cut at `cuts` (positions taken modulo its length, sorted), empty chunks included.
pub fn split<'a>(bytes: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut chunks = Vec::with_capacity(at.len() + 1);
    let mut last = 0;
    for a in at {
        chunks.push(&bytes[last..a]);
        last = a;
    }
    chunks.push(&bytes[last..]);
    chunks
}

/// Asserts an error is the client's (a 4xx the caller can fix), as answers to untrusted input
/// must be.
pub fn assert_client_error(error: &GatewayError) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.fault(), Fault::Client, "{}", error);
    prop_assert!((400..500).contains(&error.status()), "{}", error);
    Ok(())
}

/// Asserts an error is a configuration error (500 `gateway_misconfigured`), as answers to a bad
/// Worker variable must be.
pub fn assert_misconfigured(error: &GatewayError) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.kind(), crate::error::ErrorKind::Misconfigured, "{}", error);
    Ok(())
}
