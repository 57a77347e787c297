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

/// Hash of a match key: 64 bits of xxh3. The store keeps the same hash beside each
/// contact's identifiers and indexes it (an integer index is about three times cheaper to
/// build than one on the text), so a store scan hands back hashes without any re-hashing.
///
/// Two different keys share a hash with probability about n²/2^65: for a million keys,
/// about 3 in 100 million. A store match found by hash is always checked against the
/// contact's actual key before it is used (see the pipeline); two rows of a file whose
/// different keys collided would both be reported as in-file duplicates (an Error, nothing
/// written), which is the safe side.
pub type KeyHash = u64;

/// Hashes a match key.
pub fn key_hash(key: &str) -> KeyHash {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// The hash as SQL stores it (a signed 64-bit integer with the same bits).
pub fn key_hash_sql(key: &str) -> i64 {
    key_hash(key) as i64
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slot {
    /// Rows of the file with this key.
    pub rows_in_file: u64,
    /// Contacts of the store with this key.
    pub store: StoreMatch,
}

/// A [`Slot`] in 8 bytes, so that a bucket of the index is 16 bytes and a million keys
/// take about 34 MB: the low 16 bits count rows (up to 65,535; the rows beyond are counted
/// in [`IdentityIndex`]'s overflow, so counts in messages stay exact), the high 48 bits hold
/// the store match: 0 for none, `id + 1` for one contact (ids below 2^46), and the top bit
/// set with a count for several.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PackedSlot(u64);

const ROWS_BITS: u32 = 16;
const ROWS_MASK: u64 = (1 << ROWS_BITS) - 1;
const MANY: u64 = 1 << 47;
const STORE_MASK: u64 = MANY - 1;

impl PackedSlot {
    fn rows(self) -> u64 {
        self.0 & ROWS_MASK
    }

    fn store(self) -> StoreMatch {
        let store = self.0 >> ROWS_BITS;
        match store {
            0 => StoreMatch::None,
            s if s & MANY != 0 => StoreMatch::Many((s & STORE_MASK).min(u32::MAX as u64) as u32),
            s => StoreMatch::One((s - 1) as ContactId),
        }
    }

    fn with(rows: u64, store: StoreMatch) -> PackedSlot {
        let rows = rows.min(ROWS_MASK);
        let store = match store {
            StoreMatch::None => 0,
            // An id too large to pack is kept as "several", which sends the row to an
            // exact lookup instead of a wrong match.
            StoreMatch::One(id) if id >= 0 && (id as u64) < STORE_MASK => id as u64 + 1,
            StoreMatch::One(_) => MANY | 1,
            StoreMatch::Many(n) => MANY | u64::from(n),
        };
        PackedSlot(rows | (store << ROWS_BITS))
    }

    fn unpack(self) -> Slot {
        Slot { rows_in_file: self.rows(), store: self.store() }
    }
}

/// A hasher for keys that are hashes already.
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
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// The identity index of one import: per distinct key hash, a packed [`Slot`].
#[derive(Default)]
pub struct IdentityIndex {
    slots: HashMap<KeyHash, PackedSlot, BuildHasherDefault<PrehashedHasher>>,
    /// Rows past the 65,535 a packed slot counts, for the few keys that have more (70,000
    /// rows with one e-mail are reported as 70,000, not 65,535).
    overflow: HashMap<KeyHash, u64, BuildHasherDefault<PrehashedHasher>>,
    /// Whether [`IdentityIndex::forget_plain_keys`] dropped the keys of one row and no
    /// stored contact, which a key it does not hold then stands for.
    plain_forgotten: bool,
}

impl IdentityIndex {
    /// An index with room for about `keys` keys before it grows (growing briefly needs
    /// the old and the new table at once).
    pub fn with_capacity(keys: usize) -> IdentityIndex {
        IdentityIndex {
            slots: HashMap::with_capacity_and_hasher(keys, BuildHasherDefault::default()),
            overflow: HashMap::default(),
            plain_forgotten: false,
        }
    }

    /// Counts one more row of the file with `key`.
    pub fn count_row(&mut self, key: &str) {
        self.count_hash(key_hash(key));
    }

    /// Counts one more row of the file with a key whose [`key_hash`] is `hash`.
    pub fn count_hash(&mut self, hash: KeyHash) {
        let slot = self.slots.entry(hash).or_default();
        // Rows sit in the low bits; once full, count on beside them instead of carrying into
        // the store bits.
        if slot.0 & ROWS_MASK != ROWS_MASK {
            slot.0 += 1;
        } else {
            *self.overflow.entry(hash).or_default() += 1;
        }
    }

    /// Records that contact `id` in the store has an identifier whose hash is `hash`, if the
    /// file has a key with that hash too.
    pub fn add_store_match(&mut self, hash: KeyHash, id: ContactId) {
        if let Some(slot) = self.slots.get_mut(&hash) {
            let mut store = slot.store();
            store.add(id);
            *slot = PackedSlot::with(slot.rows(), store);
        }
    }

    /// Drops the keys that only one row of the file has and no stored contact (most keys of
    /// most files), once the store's matches are in: pass 2 looks every row's key up, and in
    /// an index of a few thousand shared keys instead of a million that is a cache hit, not
    /// a miss (2.5 % of all the CPU time of a load into an empty store). A key it does not
    /// hold is then such a key.
    pub fn forget_plain_keys(&mut self) {
        let plain = PackedSlot::with(1, StoreMatch::None);
        let before = self.slots.len();
        self.slots.retain(|_, slot| *slot != plain);
        // Shrinking holds both tables for a moment: only worth it when most keys went.
        if self.slots.len() < before / 4 {
            self.slots.shrink_to_fit();
        }
        self.plain_forgotten = true;
    }

    /// What is known about `key`.
    pub fn slot(&self, key: &str) -> Slot {
        let hash = key_hash(key);
        match self.slots.get(&hash) {
            Some(slot) => {
                let mut slot = slot.unpack();
                slot.rows_in_file += self.overflow.get(&hash).copied().unwrap_or(0);
                slot
            }
            None if self.plain_forgotten => Slot { rows_in_file: 1, store: StoreMatch::None },
            None => Slot::default(),
        }
    }

    /// Number of distinct keys in the file.
    pub fn distinct_keys(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_slots_round_trip() {
        let cases = [
            Slot { rows_in_file: 0, store: StoreMatch::None },
            Slot { rows_in_file: 1, store: StoreMatch::One(0) },
            Slot { rows_in_file: 2, store: StoreMatch::One(123_456_789) },
            Slot { rows_in_file: 65_535, store: StoreMatch::Many(3) },
            Slot { rows_in_file: 1, store: StoreMatch::One((1 << 46) - 1) },
        ];
        for slot in cases {
            assert_eq!(PackedSlot::with(slot.rows_in_file, slot.store).unpack(), slot);
        }
        // A packed count stops at 16 bits (the index counts on); an id past the packed range
        // is "several".
        assert_eq!(PackedSlot::with(70_000, StoreMatch::None).rows(), 65_535);
        assert_eq!(PackedSlot::with(1, StoreMatch::One(1 << 50)).store(), StoreMatch::Many(1));
    }

    #[test]
    fn counting_past_16_bits_is_exact_and_keeps_the_store_match() {
        let mut index = IdentityIndex::default();
        for _ in 0..70_000 {
            index.count_row("a@b.de");
        }
        index.add_store_match(key_hash("a@b.de"), 42);
        assert_eq!(index.slot("a@b.de"), Slot { rows_in_file: 70_000, store: StoreMatch::One(42) });
        index.add_store_match(key_hash("not-in-file@b.de"), 7);
        assert_eq!(index.distinct_keys(), 1);
    }

    #[test]
    fn forgetting_plain_keys_keeps_every_answer() {
        let mut index = IdentityIndex::default();
        for key in ["one@b.de", "twice@b.de", "twice@b.de", "stored@b.de"] {
            index.count_row(key);
        }
        index.add_store_match(key_hash("stored@b.de"), 7);
        let keys = ["one@b.de", "twice@b.de", "stored@b.de"];
        let before: Vec<Slot> = keys.iter().map(|k| index.slot(k)).collect();
        index.forget_plain_keys();
        assert_eq!(index.distinct_keys(), 2);
        assert_eq!(keys.iter().map(|k| index.slot(k)).collect::<Vec<_>>(), before);
    }
}
