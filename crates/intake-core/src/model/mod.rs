//! The contact model: the field schema a workspace has, the values a contact holds, and
//! subscription state per channel. Values are kept as canonical text (the normalizers'
//! output), typed by the field they belong to.

mod field;
mod subscription;

pub use field::{BUILTIN_FIELDS, FieldDef, FieldId, FieldKind, FieldType, Schema, SchemaError, Target};
pub use subscription::{Channel, SubscriptionStatus};

/// The store's id of a contact, unique within a workspace.
pub type ContactId = i64;

/// The store's id of an import, unique within a workspace.
pub type ImportId = i64;

/// What the store holds for one contact, as far as an import needs to know it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredContact {
    /// The contact's id.
    pub id: ContactId,
    /// One slot per field of the schema, in [`FieldId`] order.
    pub values: Vec<Option<String>>,
    /// Subscription status per [`Channel`], in [`Channel::ALL`] order.
    pub subscriptions: [SubscriptionStatus; 3],
    /// Tag names the contact has (loaded for an import: only those it asked about, see
    /// [`crate::store::ImportStore::load_contacts`]).
    pub tags: Vec<String>,
    /// Names of the static lists the contact belongs to (as with `tags`).
    pub lists: Vec<String>,
}
