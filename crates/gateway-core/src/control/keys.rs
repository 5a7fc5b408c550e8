//! Virtual keys: the stored record, its creation and rotation, admin updates, and whether a key
//! may be used now.
//!
//! The record ([`VirtualKey`]) never holds the secret or its hash: creation and rotation return
//! an [`Issued`] carrying the plaintext (for the one response that shows it) and the
//! [`KeyHash`] (for the store), and everything that serializes the record — the admin API, the
//! store's JSON column, a log line — cannot reach either.
//!
//! Admin body fields (`POST /api/keys`, `PATCH /api/keys/{id}`): `name` (required on creation),
//! `owner`, `metadata` (an object), `gateways` and `models` (glob lists, see [`super::scope`];
//! default `["*"]`), `provider_keys` (names of stored provider keys it may spend, exact; default
//! none), `plugins` (as a gateway's), `limits` (see [`crate::limits::definition`], without spend rules), `expires_at` (milliseconds since the epoch, or `null`), and the defaults of
//! [`super::overrides`]. Revocation and rotation have their own routes, not fields.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorKind, GatewayError};
use crate::limits::definition::Limits;
use crate::plugin::registry::{read_settings, PluginSetting};
use crate::route::is_id;

use super::body::{field_error, Body};
use super::overrides::{self, Overrides};
use super::scope::{is_valid_pattern, MAX_PATTERNS};
use super::secret::{KeyHash, PlaintextKey, SECRET_BYTES};

/// The prefix of a virtual key's id (not secret: it appears in logs and admin URLs).
pub const ID_PREFIX: &str = "vk_";
/// Random bytes in an id.
pub const ID_BYTES: usize = 8;
/// Longest `name` and `owner`, in bytes.
pub const MAX_LABEL_BYTES: usize = 128;
/// Largest `metadata` object, serialized, in bytes.
pub const MAX_METADATA_BYTES: usize = 4096;

const OWN_FIELDS: &[&str] =
    &["name", "owner", "metadata", "gateways", "models", "provider_keys", "limits", "plugins", "expires_at"];

/// A virtual key as stored and as the admin API shows it. Holds no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualKey {
    /// `vk_` and 16 hex digits; goes into every log entry the key makes.
    pub id: String,
    pub name: String,
    /// Who the key was handed to, free text.
    pub owner: Option<String>,
    pub metadata: Map<String, Value>,
    /// Gateway id patterns it may use.
    pub gateways: Vec<String>,
    /// `provider/model` or model patterns it may call.
    pub models: Vec<String>,
    /// Names of the stored provider keys it may spend.
    pub provider_keys: Vec<String>,
    /// Request defaults, between the request's headers and the gateway's settings.
    pub defaults: Overrides,
    /// Request, token and dollar limits of this key ([`crate::limits`]; no spend rules).
    #[serde(default, skip_serializing_if = "Limits::is_unset")]
    pub limits: Limits,
    /// Plugins run on this key's requests, after the deployment's and the gateway's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<PluginSetting>,
    /// Milliseconds since the epoch after which the key is refused; `None` never expires.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
    /// When the secret was last replaced; `None` if never.
    pub rotated_at: Option<i64>,
    pub updated_at: i64,
}

/// Who made a request, as its log entry and plugins see it: the key's id and its name at the
/// time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualKeyLabel {
    pub id: String,
    pub name: String,
}

impl VirtualKeyLabel {
    pub fn of(key: &VirtualKey) -> Self {
        VirtualKeyLabel { id: key.id.clone(), name: key.name.clone() }
    }
}

/// A key just created or rotated: the record to store, the hash to store beside it, and the
/// plaintext to return once. `Debug` shows the plaintext redacted.
#[derive(Debug)]
pub struct Issued {
    pub key: VirtualKey,
    pub hash: KeyHash,
    pub plaintext: PlaintextKey,
}

/// The admin body fields a key takes.
pub fn fields() -> Vec<&'static str> {
    OWN_FIELDS.iter().chain(overrides::FIELDS).copied().collect()
}

impl VirtualKey {
    /// Builds a new key from a `POST /api/keys` body. `id_random` and `secret_random` must come
    /// from a cryptographically secure source; `pepper` is the deployment's hashing secret.
    ///
    /// Errors (400) naming the field: see [`Body`], plus a missing `name` and an `expires_at`
    /// not after `now_ms`.
    pub fn create(
        body: &[u8],
        id_random: &[u8; ID_BYTES],
        secret_random: &[u8; SECRET_BYTES],
        pepper: &[u8],
        now_ms: i64,
    ) -> Result<Issued, GatewayError> {
        let allowed = fields();
        let body = Body::parse(body, &allowed)?;
        let mut id = String::from(ID_PREFIX);
        for b in id_random {
            id.push_str(&format!("{b:02x}"));
        }
        let template = VirtualKey {
            id,
            name: body.string("name", MAX_LABEL_BYTES)?,
            owner: None,
            metadata: Map::new(),
            gateways: vec!["*".to_string()],
            models: vec!["*".to_string()],
            provider_keys: Vec::new(),
            defaults: Overrides::default(),
            limits: Limits::default(),
            plugins: Vec::new(),
            expires_at: None,
            revoked: false,
            created_at: now_ms,
            rotated_at: None,
            updated_at: now_ms,
        };
        let key = template.apply(&body, now_ms)?;
        let plaintext = PlaintextKey::from_random(secret_random);
        Ok(Issued { hash: KeyHash::of(plaintext.expose(), pepper), plaintext, key })
    }

    /// The key after a `PATCH /api/keys/{id}` body: absent fields keep their value.
    ///
    /// Errors (400) as [`VirtualKey::create`]; `name` may not be `null`.
    pub fn update(&self, body: &[u8], now_ms: i64) -> Result<VirtualKey, GatewayError> {
        let allowed = fields();
        let body = Body::parse(body, &allowed)?;
        if body.has("name") {
            body.string("name", MAX_LABEL_BYTES)?;
        }
        self.apply(&body, now_ms)
    }

    fn apply(&self, body: &Body, now_ms: i64) -> Result<VirtualKey, GatewayError> {
        let mut key = self.clone();
        if let Some(name) = body.opt_string("name", MAX_LABEL_BYTES)? {
            key.name = name;
        }
        if body.has("owner") {
            key.owner = body.opt_string("owner", MAX_LABEL_BYTES)?;
        }
        key.limits = Limits::read_field(body.value("limits"), &key.limits, false)?;
        match body.value("plugins") {
            None => {}
            Some(Value::Null) => key.plugins.clear(),
            Some(value) => key.plugins = read_settings(value)?,
        }
        if body.has("metadata") {
            key.metadata = body.opt_object("metadata", MAX_METADATA_BYTES)?.ok_or_else(|| {
                field_error("metadata", &format!("a JSON object of at most {MAX_METADATA_BYTES} bytes"))
            })?;
        }
        let pattern_rule = "a pattern of 1 to 256 printable characters";
        if let Some(list) = body.opt_strings("gateways", MAX_PATTERNS, pattern_rule, is_valid_pattern)? {
            key.gateways = list;
        }
        if let Some(list) = body.opt_strings("models", MAX_PATTERNS, pattern_rule, is_valid_pattern)? {
            key.models = list;
        }
        if let Some(list) = body.opt_strings("provider_keys", MAX_PATTERNS, "a secret name of [A-Za-z0-9_-]", is_id)? {
            key.provider_keys = list;
        }
        if body.has("expires_at") {
            key.expires_at = match body.value("expires_at") {
                Some(Value::Null) | None => None,
                Some(v) => Some(v.as_i64().filter(|t| *t > now_ms).ok_or_else(|| {
                    field_error("expires_at", "a time in milliseconds since the epoch, in the future, or null")
                })?),
            };
        }
        key.defaults = Overrides::read(body, key.defaults)?;
        key.updated_at = now_ms;
        Ok(key)
    }

    /// A new secret for the same key: same id and settings, `rotated_at` set. The old secret
    /// stops verifying once the store holds the new hash.
    pub fn rotate(&self, secret_random: &[u8; SECRET_BYTES], pepper: &[u8], now_ms: i64) -> Issued {
        let plaintext = PlaintextKey::from_random(secret_random);
        let key = VirtualKey { rotated_at: Some(now_ms), updated_at: now_ms, ..self.clone() };
        Issued { hash: KeyHash::of(plaintext.expose(), pepper), plaintext, key }
    }

    /// The key revoked at `now_ms`. Revocation is final: no route clears it (rotate a key to
    /// replace a leaked secret while keeping it in service).
    pub fn revoke(&self, now_ms: i64) -> VirtualKey {
        VirtualKey { revoked: true, updated_at: now_ms, ..self.clone() }
    }

    /// Whether the key may authenticate a request at `now_ms`. Run after the key was found by
    /// the hash of what the client sent, before its scope is checked.
    ///
    /// Errors (401): the key is revoked, or its expiry is at or before `now_ms`.
    pub fn check_usable(&self, now_ms: i64) -> Result<(), GatewayError> {
        if self.revoked {
            return Err(GatewayError::new(ErrorKind::Unauthorized, "this virtual key has been revoked"));
        }
        if self.expires_at.is_some_and(|at| at <= now_ms) {
            return Err(GatewayError::new(ErrorKind::Unauthorized, "this virtual key has expired"));
        }
        Ok(())
    }
}

/// The 401 for a credential that looks like a virtual key but matches none. It does not say
/// whether a key with that secret ever existed.
pub fn unknown_key() -> GatewayError {
    GatewayError::new(ErrorKind::Unauthorized, "the virtual key is not valid")
}

/// The 401 for a gateway that requires authentication when the request carries no credential.
pub fn missing_key() -> GatewayError {
    GatewayError::new(
        ErrorKind::Unauthorized,
        "this gateway requires a virtual key: send it as `cf-aig-authorization: Bearer <key>` or as the SDK's API key",
    )
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
