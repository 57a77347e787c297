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
    /// [`crate::store::ContactReader::load_contacts`]).
    pub tags: Vec<String>,
    /// Names of the static lists the contact belongs to (as with `tags`).
    pub lists: Vec<String>,
}

/// Field values in one buffer: a prepared row's, or a stored contact's as an import loads it.
/// A million rows made a string per value, and making and freeing them (on another thread
/// than the one that made them, as rows move from stage to stage) was a third of loading the
/// contacts and a fifth of the deciding thread's time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldValues {
    text: String,
    /// `(field, start, end)` of each value in `text`, in the order the fields were set.
    spans: Vec<(FieldId, u32, u32)>,
}

impl FieldValues {
    /// Room for `fields` values of `bytes` bytes in all.
    pub fn with_capacity(fields: usize, bytes: usize) -> FieldValues {
        FieldValues { text: String::with_capacity(bytes), spans: Vec::with_capacity(fields) }
    }

    /// The value of `field`, if it has one.
    pub fn get(&self, field: FieldId) -> Option<&str> {
        let &(_, start, end) = self.spans.iter().find(|(f, _, _)| *f == field)?;
        self.text.get(start as usize..end as usize)
    }

    /// Whether `field` has a value. Unlike [`FieldValues::get`] it does not read the text,
    /// which the deciding thread, where a row's values are cold, need not touch.
    pub fn has(&self, field: FieldId) -> bool {
        self.spans.iter().any(|(f, _, _)| *f == field)
    }

    /// Sets `field`'s value, in place of any it had. (Text past 4 GiB in one row or contact,
    /// which no file or store holds, is left out.)
    pub fn set(&mut self, field: FieldId, value: &str) {
        let start = self.text.len();
        let (Ok(start_at), Ok(end_at)) = (u32::try_from(start), u32::try_from(start + value.len())) else {
            return;
        };
        self.text.push_str(value);
        match self.spans.iter_mut().find(|(f, _, _)| *f == field) {
            Some(span) => *span = (field, start_at, end_at),
            None => self.spans.push((field, start_at, end_at)),
        }
    }

    /// Takes `field`'s value away.
    pub fn remove(&mut self, field: FieldId) {
        self.spans.retain(|(f, _, _)| *f != field);
    }

    /// `(field, value)` of every field that has one, in the order they were set.
    pub fn iter(&self) -> impl Iterator<Item = (FieldId, &str)> + '_ {
        self.spans
            .iter()
            .map(|&(field, start, end)| (field, self.text.get(start as usize..end as usize).unwrap_or("")))
    }

    /// How many fields have a value.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no field has a value.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::FieldValues;

    #[test]
    fn field_values_keep_each_value_apart() {
        let mut values = FieldValues::default();
        values.set(2, "Grüße");
        values.set(0, "");
        values.set(5, "x");
        assert_eq!(values.iter().collect::<Vec<_>>(), [(2, "Grüße"), (0, ""), (5, "x")]);
        values.set(2, "again");
        values.remove(5);
        assert_eq!(values.iter().collect::<Vec<_>>(), [(2, "again"), (0, "")]);
        assert_eq!((values.get(2), values.get(1), values.len()), (Some("again"), None, 2));
        assert!(values.has(0) && values.has(2) && !values.has(5));
    }
}
