//! The Worker variables whose value is JSON, and the one mistake their own parsers cannot explain:
//! a value that stops before its JSON does.
//!
//! `.dev.vars` is a dotenv file: an unquoted value ends at the end of its line, so a JSON object
//! pasted over several lines arrives as just `{`, which serde reports as "EOF while parsing an
//! object at line 1 column 1". Every other mistake is left to the variable's parser, which names
//! the field.

use crate::error::{ErrorKind, GatewayError};

/// The variables read as JSON (each also accepted as a TOML table or array in `wrangler.toml`'s
/// `[vars]`, which the Worker receives as a JSON value and reads back as its JSON text).
pub const JSON_VARIABLES: &[&str] =
    &["UPSTREAM_OVERRIDES", "RETRY_DEFAULTS", "ROUTES", "KEY_POOLS", "COMPAT_ALIASES", "PLUGIN_CONFIG"];

/// How much of a cut value the error quotes.
const QUOTED_CHARS: usize = 60;

/// Checks that `raw`, the value of JSON variable `name`, does not end before its JSON does.
///
/// Runs once per isolate, when the configuration is read. Errors (500, `gateway_misconfigured`):
/// the value ends inside an object, array or string; the message quotes its start and says how to
/// write a value over several lines. A value that is complete but wrong in another way passes.
pub fn check_complete(name: &str, raw: &str) -> Result<(), GatewayError> {
    let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(raw) else { return Ok(()) };
    if !err.is_eof() {
        return Ok(());
    }
    let trimmed = raw.trim();
    let mut start: String = trimmed.chars().take(QUOTED_CHARS).collect();
    if trimmed.chars().count() > QUOTED_CHARS {
        start.push('…');
    }
    Err(GatewayError::new(
        ErrorKind::Misconfigured,
        format!(
            "{name} ends before its JSON does: the value read is {start:?} ({err}). In .dev.vars a value on \
             several lines must be in single quotes ({name}='{{ on its first line, }}' on its last) or be written \
             on one line; in wrangler.toml it can be a TOML table under [vars]"
        ),
    ))
}

#[cfg(test)]
#[path = "json_var_tests.rs"]
mod tests;
