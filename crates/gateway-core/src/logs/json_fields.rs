//! A few members of a JSON document, picked out as its bytes stream past.
//!
//! The log needs a response's `usage` and `model` (and an error body's `error`), which providers
//! put at the top level of the document, `usage` usually at its very end. Keeping the whole body
//! to parse it would hold a 50 MiB embeddings answer in memory; this scanner reads the bytes once,
//! in chunks cut anywhere, and keeps only the raw text of the wanted members of the top-level
//! object (and of a top-level `result` object: Workers AI wraps its answers so), each up to
//! [`MAX_FIELD_BYTES`]. Its memory is bounded by the number of wanted names times that bound,
//! whatever the document's size or nesting depth.
//!
//! It never fails: a document that is not JSON yields whatever members were complete before the
//! text stopped making sense, and [`JsonFields::object`] drops any captured value that does not
//! parse.

use serde_json::{Map, Value};

/// The most bytes of one member's value that are kept; a longer value is dropped whole.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The longest member name compared against the wanted names.
const MAX_KEY_BYTES: usize = 64;

/// The wrapper object whose members are read as if they were top-level ones.
const WRAPPER: &str = "result";

/// A member being captured.
#[derive(Debug)]
struct Capture {
    name: String,
    /// The depth of the object that holds the member: a `,` or `}` at this depth ends the value.
    depth: u32,
    bytes: Vec<u8>,
    too_long: bool,
}

/// Scans one JSON document for the members named in `wanted`.
#[derive(Debug)]
pub struct JsonFields {
    wanted: &'static [&'static str],
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// The document's outermost value is an object (else nothing is captured).
    top_is_object: bool,
    /// The object at depth 2 is the top-level `result` member's value.
    in_wrapper: bool,
    /// At an object level of interest, the next string is a member name.
    expect_key: bool,
    /// The member name being read, when a string in key position started.
    key: Option<Vec<u8>>,
    /// The last member name read at the current level of interest.
    last_key: Vec<u8>,
    /// The value after `"result":` is next.
    wrapper_value_next: bool,
    capture: Option<Capture>,
    /// Captured members: the name (`result.`-prefixed inside the wrapper) and raw value text.
    found: Vec<(String, Vec<u8>)>,
}

impl JsonFields {
    /// A scanner keeping the members named in `wanted`.
    pub fn new(wanted: &'static [&'static str]) -> Self {
        JsonFields {
            wanted,
            depth: 0,
            in_string: false,
            escaped: false,
            top_is_object: false,
            in_wrapper: false,
            expect_key: false,
            key: None,
            last_key: Vec::new(),
            wrapper_value_next: false,
            capture: None,
            found: Vec::new(),
        }
    }

    /// Whether members of the object at `depth` are read.
    fn interesting(&self, depth: u32) -> bool {
        self.top_is_object && (depth == 1 || (depth == 2 && self.in_wrapper))
    }

    /// Feeds the next bytes of the document.
    pub fn feed(&mut self, chunk: &[u8]) {
        for &byte in chunk {
            self.step(byte);
        }
    }

    fn step(&mut self, byte: u8) {
        if self.in_string {
            self.keep(byte);
            if self.escaped {
                self.escaped = false;
                self.push_key(byte);
            } else if byte == b'\\' {
                self.escaped = true;
                self.push_key(byte);
            } else if byte == b'"' {
                self.in_string = false;
                if let Some(key) = self.key.take() {
                    self.last_key = key;
                }
            } else {
                self.push_key(byte);
            }
            return;
        }
        match byte {
            b'"' => {
                self.keep(byte);
                self.in_string = true;
                if self.expect_key && self.interesting(self.depth) {
                    self.expect_key = false;
                    self.key = Some(Vec::new());
                }
            }
            b'{' | b'[' => {
                self.keep(byte);
                let opens_wrapper = byte == b'{' && self.depth == 1 && self.wrapper_value_next;
                self.wrapper_value_next = false;
                if self.depth == 0 {
                    self.top_is_object = byte == b'{';
                }
                self.depth = self.depth.saturating_add(1);
                if opens_wrapper {
                    self.in_wrapper = true;
                }
                self.expect_key = byte == b'{' && self.interesting(self.depth);
            }
            b'}' | b']' => {
                if byte == b'}' {
                    self.end_capture_at(self.depth);
                }
                self.keep(byte);
                if self.depth == 2 && self.in_wrapper {
                    self.in_wrapper = false;
                }
                self.depth = self.depth.saturating_sub(1);
            }
            b':' => {
                self.keep(byte);
                if self.interesting(self.depth) && self.capture.is_none() {
                    self.value_starts();
                }
            }
            b',' => {
                self.end_capture_at(self.depth);
                self.keep(byte);
                if self.interesting(self.depth) {
                    self.expect_key = true;
                    self.wrapper_value_next = false;
                }
            }
            _ => self.keep(byte),
        }
    }

    /// After `name:` at a level of interest: starts capturing when the name is wanted.
    fn value_starts(&mut self) {
        let name = String::from_utf8_lossy(&self.last_key).into_owned();
        if self.depth == 1 && name == WRAPPER {
            self.wrapper_value_next = true;
            return;
        }
        if self.wanted.contains(&name.as_str()) {
            let name = if self.depth == 2 { format!("{WRAPPER}.{name}") } else { name };
            self.capture = Some(Capture { name, depth: self.depth, bytes: Vec::new(), too_long: false });
        }
    }

    /// Ends the capture when `depth` is the depth of the object holding the captured member.
    fn end_capture_at(&mut self, depth: u32) {
        if self.capture.as_ref().is_some_and(|c| c.depth == depth) {
            if let Some(capture) = self.capture.take().filter(|c| !c.too_long) {
                self.found.retain(|(name, _)| *name != capture.name);
                self.found.push((capture.name, capture.bytes));
            }
        }
    }

    fn keep(&mut self, byte: u8) {
        if let Some(capture) = self.capture.as_mut() {
            if capture.bytes.len() < MAX_FIELD_BYTES {
                capture.bytes.push(byte);
            } else {
                capture.too_long = true;
                capture.bytes = Vec::new();
            }
        }
    }

    fn push_key(&mut self, byte: u8) {
        if let Some(key) = self.key.as_mut() {
            if key.len() <= MAX_KEY_BYTES {
                key.push(byte);
            }
        }
    }

    /// The captured members as a JSON object, `result.`-prefixed ones nested under `result`;
    /// values that do not parse are left out. Members still open when the document stopped are
    /// not included.
    pub fn object(&self) -> Value {
        let mut top = Map::new();
        let mut wrapped = Map::new();
        for (name, raw) in &self.found {
            let Ok(value) = serde_json::from_slice::<Value>(raw) else { continue };
            match name.strip_prefix("result.") {
                Some(inner) => wrapped.insert(inner.to_string(), value),
                None => top.insert(name.clone(), value),
            };
        }
        if !wrapped.is_empty() {
            top.insert(WRAPPER.to_string(), Value::Object(wrapped));
        }
        Value::Object(top)
    }
}

#[cfg(test)]
#[path = "json_fields_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "json_fields_props.rs"]
mod props;
