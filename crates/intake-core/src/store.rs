//! The contract between the pipeline and a contact store: batched matching on one side, and
//! a [`StoreWriter`] that applies batches, one transaction each, on the other. The pipeline
//! runs the writer on a thread of its own so that the store's writing overlaps the reading,
//! normalizing and deciding of the next rows. The store implements both; the pipeline never
//! sees SQL.

use crate::identify::{IdentifierKind, KeyHash};
use crate::model::{Channel, ContactId, FieldId, ImportId, StoredContact};
use crate::plan::Write;
use crate::report::Checkpoint;

/// What every contact an import creates gets besides its own row's values: the import's
/// tags (`--tag` and the automatic import tag) and lists. They are given once, not per
/// contact, so that a store can apply them to a whole batch in one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportWide {
    /// The import the writes belong to (recorded on every change, for undo).
    pub import_id: ImportId,
    /// Tags for every created contact.
    pub tags: Vec<String>,
    /// Lists every created contact joins.
    pub lists: Vec<String>,
    /// How the import matches contacts (`None` for add-all): the lookup a store should be
    /// ready for after the import.
    pub identifier: Option<IdentifierKind>,
}

/// What deciding a chunk of rows needs to know of the stored contacts they refer to: the
/// values of the fields the rows set or match by, and whether they have the tags and lists
/// the import may add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    /// Fields whose values to load.
    pub fields: Vec<FieldId>,
    /// Tag names.
    pub tags: Vec<String>,
    /// List names.
    pub lists: Vec<String>,
}

/// What an import needs to look up in a store. Every call is scoped to the store's workspace.
pub trait ImportStore {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// The writing half, see [`ImportStore::writer`].
    type Writer: StoreWriter<Error = Self::Error>;
    /// A reading half, see [`ImportStore::reader`].
    type Reader: ContactReader<Error = Self::Error>;

    /// Number of contacts in the workspace.
    fn contact_count(&mut self) -> Result<u64, Self::Error>;

    /// A reader of contacts for one of the import's worker threads, independent of this
    /// store (a connection of its own, say), so that matching and loading the contacts a
    /// chunk of rows refers to runs on the workers, beside the other chunks.
    fn reader(&mut self) -> Result<Self::Reader, Self::Error>;

    /// Whether the workspace has any suppression record (most have none, and then no row
    /// needs its suppression keys built).
    fn has_suppressions(&mut self) -> Result<bool, Self::Error>;

    /// The channels remembered as unsubscribed for any of these suppression keys.
    fn suppressed(&mut self, keys: &[String]) -> Result<Vec<(String, Channel)>, Self::Error>;

    /// A writer for one import, independent of this store so that it can run on another
    /// thread while this store keeps answering lookups. Lookups need not see the writer's
    /// uncommitted batches: within one import no two rows can reach the same contact (rows
    /// that share an identifier are all Errors), so what a row matches never depends on
    /// what an earlier row of the same import wrote.
    fn writer(&mut self, import: &ImportWide) -> Result<Self::Writer, Self::Error>;
}

/// Finds and loads stored contacts for an import, on a thread of its own. Every call is
/// scoped to the store's workspace.
pub trait ContactReader: Send {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Calls `found(hash, id)` for every contact that has an identifier of `kind`, where
    /// `hash` is [`crate::identify::key_hash`] of its match key. Callers check a match
    /// against the contact's actual key before using it.
    fn scan_identifiers(
        &mut self,
        kind: IdentifierKind,
        found: &mut dyn FnMut(KeyHash, ContactId),
    ) -> Result<(), Self::Error>;

    /// Calls `found(key, id)` for every contact whose identifier of `kind` is exactly one of
    /// `keys` (match keys, as the normalizers make them).
    fn find_identifiers(
        &mut self,
        kind: IdentifierKind,
        keys: &[&str],
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), Self::Error>;

    /// The contacts with these ids (missing ids are left out), sorted by id, with the
    /// values of the fields in `asked` (the others are left empty) and, of their tags and
    /// lists, only those in `asked`: what an import may change is all it needs to know, and
    /// a contact gathers a tag with every import.
    fn load_contacts(&mut self, ids: &[ContactId], asked: &Asked) -> Result<Vec<StoredContact>, Self::Error>;
}

/// Applies an import's writes in batches: everything written between two commits, with the
/// checkpoint given to the second, is applied whole or not at all.
pub trait StoreWriter: Send {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Called before the first write when the workspace has no contact: the store may drop
    /// its lookup indexes and build them once in [`StoreWriter::end_bulk_load`]. Whatever a
    /// crash leaves behind, the store must repair before a lookup needs it.
    fn begin_bulk_load(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Called after the last batch of a bulk load (also after a failed one).
    fn end_bulk_load(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Applies `writes` (in row order) inside the open batch, opening one when none is open.
    fn write(&mut self, writes: &[Write]) -> Result<(), Self::Error>;

    /// Stores `checkpoint` and ends the open batch, in one transaction with its writes.
    fn commit(&mut self, checkpoint: &Checkpoint) -> Result<(), Self::Error>;
}
