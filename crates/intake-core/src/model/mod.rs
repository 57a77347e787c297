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
    /// Its field values: of an import's load, only those of the fields it asked for.
    pub values: FieldValues,
    /// Subscription status per [`Channel`], in [`Channel::ALL`] order.
    pub subscriptions: [SubscriptionStatus; 3],
    /// Tag names the contact has (loaded for an import: only those it asked about, see
    /// [`crate::store::ImportStore::load_contacts`]).
    pub tags: Vec<String>,
    /// Names of the static lists the contact belongs to (as with `tags`).
    pub lists: Vec<String>,
}

/// A stored contact's field values, all in one buffer: loading a million contacts for an
/// import made a string per value, and making and freeing them was a third of the loading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldValues {
    text: String,
    /// Per [`FieldId`], where its value lies in `text`; [`NO_VALUE`] where it has none.
    spans: Vec<(u32, u32)>,
}

const NO_VALUE: (u32, u32) = (u32::MAX, u32::MAX);

impl FieldValues {
    /// No value yet for any of `fields` fields.
    pub fn new(fields: usize) -> FieldValues {
        FieldValues { text: String::new(), spans: vec![NO_VALUE; fields] }
    }

    /// The value of `field`, if it has one.
    pub fn get(&self, field: FieldId) -> Option<&str> {
        let &(start, end) = self.spans.get(field)?;
        self.text.get(start as usize..end as usize)
    }

    /// Sets `field`'s value. A field beyond the schema the values were made for is ignored;
    /// so is a value past 4 GiB of text in one contact (no store holds one).
    pub fn set(&mut self, field: FieldId, value: &str) {
        let start = self.text.len();
        let (Some(span), Ok(start_at), Ok(end_at)) =
            (self.spans.get_mut(field), u32::try_from(start), u32::try_from(start + value.len()))
        else {
            return;
        };
        self.text.push_str(value);
        *span = (start_at, end_at);
    }

    /// Every field's value, in [`FieldId`] order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.spans.len()).map(|field| self.get(field))
    }
}

#[cfg(test)]
mod tests {
    use super::FieldValues;

    #[test]
    fn field_values_keep_each_value_apart() {
        let mut values = FieldValues::new(3);
        values.set(2, "Grüße");
        values.set(0, "");
        values.set(7, "beyond the schema");
        assert_eq!(values.iter().collect::<Vec<_>>(), [Some(""), None, Some("Grüße")]);
        values.set(2, "again");
        assert_eq!(values.get(2), Some("again"));
        assert_eq!(values.get(7), None);
    }
}
