//! Identity: which value recognizes a contact, the key it is compared by, and the index
//! that finds duplicates across the whole file and matches in the store.
//!
//! The index holds a 128-bit hash per distinct key (not the key text), so its memory grows
//! with the number of distinct identifiers — about 40 bytes each — and never with the file.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::model::ContactId;

/// The value that recognizes an existing contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// E-mail, compared case-insensitively.
    Email,
    /// Phone, compared in E.164.
    Phone,
    /// The store's contact id.
    Id,
    /// The `external_id` field, compared exactly.
    ExternalId,
}

impl IdentifierKind {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Id => "id",
            IdentifierKind::ExternalId => "external_id",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<IdentifierKind> {
        [Self::Email, Self::Phone, Self::Id, Self::ExternalId].into_iter().find(|k| k.name() == name)
    }
}

/// Hash of a match key; collisions between distinct keys are about 2^-100 likely at 10^9 keys.
pub type KeyHash = u128;

/// Hashes a match key.
pub fn key_hash(key: &str) -> KeyHash {
    xxhash_rust::xxh3::xxh3_128(key.as_bytes())
}

/// What the store holds for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreMatch {
    /// No contact has it (or it was not looked up).
    #[default]
    None,
    /// Exactly one contact has it.
    One(ContactId),
    /// Two or more contacts have it.
    Many(u32),
}

impl StoreMatch {
    /// Adds one more contact found with this key.
    pub fn add(&mut self, id: ContactId) {
        *self = match *self {
            StoreMatch::None => StoreMatch::One(id),
            StoreMatch::One(existing) if existing == id => StoreMatch::One(id),
            StoreMatch::One(_) => StoreMatch::Many(2),
            StoreMatch::Many(n) => StoreMatch::Many(n.saturating_add(1)),
        }
    }
}

/// Per key: how many rows of the file carry it, and what the store has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slot {
    /// Rows of the file with this key.
    pub rows_in_file: u32,
    /// Contacts of the store with this key.
    pub store: StoreMatch,
}

/// A hasher for keys that are hashes already: it keeps the low 64 bits.
#[derive(Default)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// The identity index of one import.
#[derive(Default)]
pub struct IdentityIndex {
    slots: HashMap<KeyHash, Slot, BuildHasherDefault<PrehashedHasher>>,
}

impl IdentityIndex {
    /// Counts one more row of the file with `key`.
    pub fn count_row(&mut self, key: &str) {
        let slot = self.slots.entry(key_hash(key)).or_default();
        slot.rows_in_file = slot.rows_in_file.saturating_add(1);
    }

    /// Records that contact `id` in the store has `key`, if the file has that key too.
    pub fn add_store_match(&mut self, key: &str, id: ContactId) {
        if let Some(slot) = self.slots.get_mut(&key_hash(key)) {
            slot.store.add(id);
        }
    }

    /// What is known about `key`.
    pub fn slot(&self, key: &str) -> Slot {
        self.slots.get(&key_hash(key)).copied().unwrap_or_default()
    }

    /// Number of distinct keys in the file.
    pub fn distinct_keys(&self) -> usize {
        self.slots.len()
    }
}
