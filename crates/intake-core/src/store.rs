//! The contract between the pipeline and a contact store: batched matching and one
//! transaction per batch. The store implements it; the pipeline never sees SQL.

use crate::identify::IdentifierKind;
use crate::model::{Channel, ContactId, ImportId, StoredContact};
use crate::plan::Write;
use crate::report::Checkpoint;

/// One batch of writes, applied whole or not at all, together with its checkpoint.
pub struct Batch<'a> {
    /// The import the writes belong to (recorded on every change, for undo).
    pub import_id: ImportId,
    /// The writes, in row order.
    pub writes: &'a [Write],
    /// The state of the import once this batch is in.
    pub checkpoint: &'a Checkpoint,
}

/// What an import needs from a store. Every call is scoped to the store's workspace.
pub trait ImportStore {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of contacts in the workspace.
    fn contact_count(&mut self) -> Result<u64, Self::Error>;

    /// Calls `found(key, id)` for every contact that has an identifier of `kind`.
    fn scan_identifiers(
        &mut self,
        kind: IdentifierKind,
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), Self::Error>;

    /// Calls `found(key, id)` for every contact whose identifier of `kind` is one of `keys`.
    fn find_identifiers(
        &mut self,
        kind: IdentifierKind,
        keys: &[&str],
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), Self::Error>;

    /// The contacts with these ids (missing ids are left out).
    fn load_contacts(&mut self, ids: &[ContactId]) -> Result<Vec<StoredContact>, Self::Error>;

    /// Whether the workspace has any suppression record (most have none, and then no row
    /// needs its suppression keys built).
    fn has_suppressions(&mut self) -> Result<bool, Self::Error>;

    /// The channels remembered as unsubscribed for any of these suppression keys.
    fn suppressed(&mut self, keys: &[String]) -> Result<Vec<(String, Channel)>, Self::Error>;

    /// Called before the first batch when the workspace has no contact: the store may drop
    /// its lookup indexes and build them once in [`ImportStore::end_bulk_load`]. Whatever a
    /// crash leaves behind, the store must repair on open.
    fn begin_bulk_load(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Called after the last batch of a bulk load (also after a failed one).
    fn end_bulk_load(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Applies a batch and its checkpoint in one transaction.
    fn commit(&mut self, batch: &Batch<'_>) -> Result<(), Self::Error>;
}
