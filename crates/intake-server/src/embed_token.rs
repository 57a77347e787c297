//! Embed tokens and embed sessions: what a host platform may let its end user do in the
//! embedded wizard (workspace, origin, fields offered, options allowed and fixed, expiry),
//! signed with HMAC-SHA256 under the store's embed secret so that every server on the store
//! verifies what another issued. A token only opens `/embed` (`use: open`); the page it opens
//! holds a session (`use: session`), sent back by the frame in a header, never a cookie (a
//! frame of another site gets no cookies in browsers that block third-party ones).
//!
//! Text form: `base64url(claims JSON) "." base64url(HMAC)`. The claims are readable by whoever
//! holds the token (they name no person); only their signature makes them true. This module
//! must not log a token, a session or the secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::routes::ImportSettings;

/// What a token or session opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    /// `GET /embed?token=…`: once per page load, until the token's expiry.
    Open,
    /// The embed API of one opened page.
    Session,
}

/// What a token or session allows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "use")]
    pub usage: Use,
    /// The workspace's name.
    pub workspace: String,
    /// The admin key that asked for the token: the imports are its (and end with it revoked).
    pub key_id: i64,
    /// The host page's origin (`https://crm.example.com`): the only one that may frame the
    /// wizard and receive its messages.
    pub origin: String,
    /// Until when (seconds since the epoch).
    pub expires_at: i64,
    /// The fields the end user may map columns to (empty: every field of the workspace).
    pub fields: Vec<String>,
    /// The import options the end user may change (names as in `ImportSettings`).
    pub allowed_options: Vec<String>,
    /// Options set by the host, applied over whatever else is set.
    pub fixed_options: ImportSettings,
    /// A session's own id (random); empty in a token.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session: String,
}

/// Why a token or session is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("the embed token is malformed")]
    Malformed,
    #[error("the embed token's signature is not intake's: it was changed or made elsewhere")]
    BadSignature,
    #[error("the embed token has expired: ask the host for a new one")]
    Expired,
    #[error("this is not an embed token for this use")]
    WrongUse,
}

/// Signs `claims` under `secret`.
pub fn sign(claims: &Claims, secret: &[u8]) -> String {
    // Claims are plain data: serializing them cannot fail.
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    match mac_of(secret, &payload) {
        Some(mac) => format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())),
        None => String::new(),
    }
}

/// The claims of `text` when intake signed it under `secret`, it has not expired at `now` and
/// it is for `usage`.
pub fn verify(text: &str, secret: &[u8], usage: Use, now: i64) -> Result<Claims, Refusal> {
    let claims = signed_claims(text, secret)?;
    if claims.usage != usage {
        return Err(Refusal::WrongUse);
    }
    if claims.expires_at <= now {
        return Err(Refusal::Expired);
    }
    Ok(claims)
}

/// The claims of `text` when intake signed it under `secret`, expired or not (an expired
/// token's origin is still the host's: it may be told why the wizard does not open).
pub fn signed_claims(text: &str, secret: &[u8]) -> Result<Claims, Refusal> {
    let (payload, mac) = text.trim().split_once('.').ok_or(Refusal::Malformed)?;
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| Refusal::Malformed)?;
    // Checked before the claims are read: nothing unsigned is parsed further.
    let expected = mac_of(secret, payload).ok_or(Refusal::BadSignature)?;
    expected.verify_slice(&mac).map_err(|_| Refusal::BadSignature)?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| Refusal::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| Refusal::Malformed)
}

/// The HMAC of `payload` (an HMAC takes a key of any length: `None` does not happen).
fn mac_of(secret: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(payload.as_bytes());
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: i64) -> Claims {
        Claims {
            usage: Use::Open,
            workspace: "default".into(),
            key_id: 1,
            origin: "https://crm.example.com".into(),
            expires_at,
            fields: vec!["email".into()],
            allowed_options: vec!["tags".into()],
            fixed_options: ImportSettings::default(),
            session: String::new(),
        }
    }

    #[test]
    fn a_token_verifies_under_its_secret_only_until_it_expires_and_for_its_use_only() {
        let token = sign(&claims(2_000), b"secret one");
        assert_eq!(
            verify(&token, b"secret one", Use::Open, 1_000).map(|c| c.origin).as_deref(),
            Ok("https://crm.example.com")
        );
        assert_eq!(verify(&token, b"secret two", Use::Open, 1_000).err(), Some(Refusal::BadSignature));
        assert_eq!(verify(&token, b"secret one", Use::Open, 2_000).err(), Some(Refusal::Expired));
        assert_eq!(verify(&token, b"secret one", Use::Session, 1_000).err(), Some(Refusal::WrongUse));
        assert_eq!(verify("no dot", b"secret one", Use::Open, 1_000).err(), Some(Refusal::Malformed));
    }

    #[test]
    fn changed_claims_break_the_signature() {
        let token = sign(&claims(2_000), b"secret");
        let (_, mac) = token.split_once('.').unwrap_or_default();
        let mut other = claims(2_000);
        other.origin = "https://evil.example".into();
        let forged =
            format!("{}.{mac}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap_or_default()));
        assert_eq!(verify(&forged, b"secret", Use::Open, 1_000).err(), Some(Refusal::BadSignature));
    }
}
