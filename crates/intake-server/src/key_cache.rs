//! The API keys recently seen, in memory: a poll of an import's progress ten times a second
//! by fifty clients must not read the store five hundred times a second to know who asks. An
//! entry holds for [`KEY_CACHE_TTL`], and only while no key was revoked since it was read
//! (the store's revocation marker, which any process's revoke changes, is the same): a revoked
//! key is refused from the next request on.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use intake_store::Role;
use sha2::{Digest, Sha256};

/// How long a key is trusted without reading the store again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// More keys than this at once and the cache starts over (it stays small whatever comes).
const MAX_ENTRIES: usize = 10_000;

/// Who a key is.
#[derive(Debug, Clone)]
pub(crate) struct KnownKey {
    pub key_id: i64,
    pub role: Role,
    pub workspace: String,
}

/// The store's revocation marker as seen (see `intake_store::keys_changed`).
pub(crate) type Marker = Option<SystemTime>;

/// Keys by the SHA-256 of their secret (the secret itself is not kept), with when they were
/// read and the revocation marker as it was just before.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<[u8; 32], (KnownKey, Instant, Marker)>>,
}

impl KeyCache {
    /// The key with this secret, if read within the time to live and no key was revoked
    /// since (`marker` is the revocation marker now).
    pub fn get(&self, secret: &str, marker: Marker) -> Option<KnownKey> {
        let entries = self.entries.lock().ok()?;
        let (key, read, seen) = entries.get(&digest(secret))?;
        (read.elapsed() < KEY_CACHE_TTL && *seen == marker).then(|| key.clone())
    }

    /// Remembers the key with this secret, read after the revocation marker was `marker`.
    pub fn put(&self, secret: &str, key: KnownKey, marker: Marker) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(digest(secret), (key, Instant::now(), marker));
        }
    }

    /// Forgets key `key_id` (revoked).
    pub fn forget(&self, key_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (key, _, _)| key.key_id != key_id);
        }
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}
