//! Finding the stored contact each prepared row refers to: by the identity index that pass
//! 1 built, by exact lookups, or by id, and loading the contacts found. It runs on the
//! preparing workers, each with a [`ContactReader`] of its own, so that reading the store
//! for one chunk of rows overlaps deciding the chunk before it.

use std::collections::HashMap;

use crate::identify::{IdentifierKind, IdentityIndex, Slot, StoreMatch};
use crate::model::{ContactId, StoredContact, Target};
use crate::plan::{PreparedRow, has_match_key};
use crate::store::{Asked, ContactReader};

/// How existing contacts are found for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchMode {
    /// `add-all`: nothing is matched.
    Off,
    /// The store is empty: nothing can match.
    EmptyStore,
    /// All of the store's keys that the file also has were loaded into the index.
    Indexed,
    /// The store is much larger than the file: each batch looks its keys up.
    PerBatch,
    /// The identifier is the contact id: each batch loads its ids.
    ById,
}

/// The stored contact a row refers to.
pub(crate) enum Found {
    /// No stored contact has the row's key (or the row has none).
    Nobody,
    /// Exactly this one, loaded.
    One(Box<StoredContact>),
    /// This many stored contacts share the key: the row is an Error.
    Many(u32),
}

/// The contacts loaded for a chunk of rows, by id.
#[derive(Default)]
struct Loaded {
    ids: Vec<ContactId>,
    contacts: Vec<Option<StoredContact>>,
}

impl Loaded {
    fn new(mut contacts: Vec<StoredContact>) -> Loaded {
        // Stores give them sorted; a sorted vector is cheaper than hashing a million ids.
        contacts.sort_unstable_by_key(|c| c.id);
        Loaded {
            ids: contacts.iter().map(|c| c.id).collect(),
            contacts: contacts.into_iter().map(Some).collect(),
        }
    }

    fn get(&self, id: ContactId) -> Option<&StoredContact> {
        let at = self.ids.binary_search(&id).ok()?;
        self.contacts[at].as_ref()
    }

    fn take(&mut self, id: ContactId) -> Option<StoredContact> {
        let at = self.ids.binary_search(&id).ok()?;
        self.contacts[at].take()
    }
}

/// What matching needs to know, fixed for the whole of pass 2 and shared by the workers.
pub(crate) struct Matcher<'a> {
    /// Per key hash, how many rows of the file have it and which stored contacts.
    pub(crate) index: &'a IdentityIndex,
    /// How the run finds existing contacts.
    pub(crate) mode: MatchMode,
    /// What rows are matched by (`None` for add-all).
    pub(crate) identifier: Option<IdentifierKind>,
    /// Where the identifier's value sits in a stored contact.
    pub(crate) identifier_target: Option<Target>,
}

impl Matcher<'_> {
    /// What the identity index knows about each row's key.
    pub(crate) fn slots(&self, rows: &[PreparedRow]) -> Vec<Slot> {
        rows.iter().map(|r| r.key.as_deref().map_or_else(Slot::default, |k| self.index.slot(k))).collect()
    }

    /// The existing contact each row refers to (by position in `rows`).
    pub(crate) fn find_existing<R: ContactReader>(
        &self,
        reader: &mut R,
        rows: &[PreparedRow],
        slots: &[Slot],
        asked: &Asked,
    ) -> Result<Vec<Found>, R::Error> {
        let mut matches = vec![StoreMatch::None; rows.len()];
        let unique: Vec<usize> =
            (0..rows.len()).filter(|&i| rows[i].key.is_some() && slots[i].rows_in_file == 1).collect();
        match (self.mode, self.identifier) {
            (MatchMode::Indexed, Some(kind)) => {
                // Several contacts under one hash may be a collision: count them exactly.
                let mut exact = Vec::new();
                for &i in &unique {
                    match slots[i].store {
                        StoreMatch::Many(_) => exact.push(i),
                        found => matches[i] = found,
                    }
                }
                self.find_exact(reader, kind, rows, &exact, &mut matches)?;
            }
            (MatchMode::PerBatch, Some(kind)) => {
                self.find_exact(reader, kind, rows, &unique, &mut matches)?
            }
            (MatchMode::ById, _) => {
                for &i in &unique {
                    if let Some(Ok(id)) = rows[i].key.as_deref().map(str::parse::<ContactId>) {
                        matches[i] = StoreMatch::One(id);
                    }
                }
            }
            _ => {}
        }
        let mut contacts = self.load_matched(reader, &matches, asked)?;
        if let (MatchMode::Indexed, Some(kind)) = (self.mode, self.identifier) {
            // A match by hash counts only when the contact's own key is the row's key.
            let collided: Vec<usize> = (0..rows.len())
                .filter(|&i| match matches[i] {
                    StoreMatch::One(id) => contacts.get(id).is_some_and(|c| !self.has_key(c, &rows[i])),
                    _ => false,
                })
                .collect();
            if !collided.is_empty() {
                self.find_exact(reader, kind, rows, &collided, &mut matches)?;
                contacts = self.load_matched(reader, &matches, asked)?;
            }
        }
        Ok(matches
            .into_iter()
            .map(|matched| match matched {
                StoreMatch::None => Found::Nobody,
                StoreMatch::Many(n) => Found::Many(n),
                StoreMatch::One(id) => contacts.take(id).map_or(Found::Nobody, |c| Found::One(Box::new(c))),
            })
            .collect())
    }

    /// Looks the keys of `rows[which]` up in the store, exactly, into `matches`.
    fn find_exact<R: ContactReader>(
        &self,
        reader: &mut R,
        kind: IdentifierKind,
        rows: &[PreparedRow],
        which: &[usize],
        matches: &mut [StoreMatch],
    ) -> Result<(), R::Error> {
        if which.is_empty() {
            return Ok(());
        }
        let at: HashMap<&str, usize> =
            which.iter().filter_map(|&i| rows[i].key.as_deref().map(|key| (key, i))).collect();
        let mut keys: Vec<&str> = at.keys().copied().collect();
        keys.sort_unstable();
        for &i in which {
            matches[i] = StoreMatch::None;
        }
        reader.find_identifiers(kind, &keys, &mut |key, id| {
            if let Some(&i) = at.get(key) {
                matches[i].add(id);
            }
        })
    }

    /// The contacts that `matches` found one of.
    fn load_matched<R: ContactReader>(
        &self,
        reader: &mut R,
        matches: &[StoreMatch],
        asked: &Asked,
    ) -> Result<Loaded, R::Error> {
        let mut ids: Vec<ContactId> = matches
            .iter()
            .filter_map(|m| if let StoreMatch::One(id) = m { Some(*id) } else { None })
            .collect();
        if ids.is_empty() {
            return Ok(Loaded::default());
        }
        ids.sort_unstable();
        ids.dedup();
        let loaded = reader.load_contacts(&ids, asked)?;
        Ok(Loaded::new(loaded))
    }

    /// Whether `contact`'s identifier has the row's match key.
    fn has_key(&self, contact: &StoredContact, row: &PreparedRow) -> bool {
        let (Some(kind), Some(Target::Field(field))) = (self.identifier, self.identifier_target) else {
            return true;
        };
        match (contact.values.get(field), row.key.as_deref()) {
            (Some(stored), Some(key)) => has_match_key(kind, stored, key),
            (stored, key) => stored.is_none() && key.is_none(),
        }
    }
}
