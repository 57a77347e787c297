//! The one outcome every row gets, and the changes a row asks the store to make.

use std::fmt;

use crate::model::{Channel, ContactId, FieldId, FieldValues, SubscriptionStatus};
use crate::read::RowPlace;

/// The status column of the results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// A new contact was created.
    Imported,
    /// An existing contact was changed.
    Updated,
    /// Nothing was written, by design (purpose, or nothing to change).
    Skipped,
    /// Nothing was written because the row is wrong; the errors say how.
    Error,
}

impl Status {
    /// The text written in the results file.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Imported => "Imported",
            Status::Updated => "Updated",
            Status::Skipped => "Skipped",
            Status::Error => "Error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a row was skipped; counted apart in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// The purpose is `add` and the contact exists.
    Exists,
    /// The purpose is `update` and no contact has the identifier.
    NotFound,
    /// The contact exists and the row changes nothing.
    Unchanged,
    /// Every cell of the row is empty.
    EmptyRow,
}

impl SkipReason {
    /// Key in the report's `skipped_reasons`.
    pub fn key(self) -> &'static str {
        match self {
            SkipReason::Exists => "exists",
            SkipReason::NotFound => "not_found",
            SkipReason::Unchanged => "unchanged",
            SkipReason::EmptyRow => "empty_row",
        }
    }
}

/// A problem with one cell (or with the row as a whole, when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Row number (header = row 1).
    pub row: u64,
    /// The line the row starts on (0 when not told apart), see [`RowPlace`].
    pub line: u64,
    /// Column header.
    pub column: String,
    /// The cell as written.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

impl FieldError {
    /// Where the row is, as messages name it.
    pub fn place(&self) -> RowPlace {
        RowPlace { row: self.row, line: self.line }
    }

    /// Why, without the row and the value: rows that fail alike share it.
    pub fn kind(&self) -> String {
        if self.column.is_empty() {
            self.reason.clone()
        } else {
            format!("column {:?}: {}", self.column, self.reason)
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}: {}", self.place(), self.reason)
        } else {
            write!(f, "{}, column {:?}, value {:?}: {}", self.place(), self.column, self.value, self.reason)
        }
    }
}

/// The outcome of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// Row number (header = row 1).
    pub row: u64,
    /// Imported, Updated, Skipped or Error.
    pub status: Status,
    /// Set when Skipped.
    pub skip_reason: Option<SkipReason>,
    /// Errors (for Error) or the reason (for Skipped), one sentence each.
    pub messages: Vec<String>,
    /// For an Error, why, once per message and without the row or the value
    /// (`column "Email": …`): what the summary counts to name the most common reasons.
    pub reasons: Vec<String>,
    /// For an Error, each problem with its column (empty for the row as a whole) and value,
    /// for a program to show beside the cell (the review's list of error rows).
    pub problems: Vec<FieldError>,
    /// Things the user should know about a row that went through (a placeholder read as
    /// empty, a subscription kept).
    pub notes: Vec<String>,
}

/// A subscription change with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChange {
    /// The channel.
    pub channel: Channel,
    /// Status before.
    pub old: SubscriptionStatus,
    /// Status after.
    pub new: SubscriptionStatus,
    /// Whether the user forced a re-subscription.
    pub forced: bool,
}

/// A contact to create. Besides what it lists here it gets the import-wide tags and lists
/// ([`crate::store::ImportWide`]), which the store writer applies to a whole batch at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// The row it comes from.
    pub row: u64,
    /// The value of every non-empty field.
    pub values: FieldValues,
    /// Subscription status per channel (`None` everywhere unless the file says otherwise).
    pub subscriptions: [SubscriptionStatus; 3],
    /// Tags of its own row (from a tags column) that are not import-wide.
    pub tags: Vec<String>,
    /// Lists of its own row (from a lists column) that are not import-wide.
    pub lists: Vec<String>,
}

/// A change of one field of an existing contact, kept so the import can be undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field.
    pub field: FieldId,
    /// Value before (None when empty).
    pub old: Option<String>,
    /// Value after.
    pub new: String,
}

/// The changes to one existing contact. Besides what it lists here it gets the import-wide
/// tags and lists, like a [`NewContact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactUpdate {
    /// The row it comes from.
    pub row: u64,
    /// The contact.
    pub id: ContactId,
    /// Field changes.
    pub fields: Vec<FieldChange>,
    /// Subscription changes.
    pub subscriptions: Vec<SubscriptionChange>,
    /// Tags of its own row (from a tags column) that are not import-wide and the contact
    /// does not have yet. The import-wide tags and lists it lacks
    /// ([`crate::store::ImportWide`]) the store writer gives to a whole batch at once.
    pub add_tags: Vec<String>,
    /// Lists of its own row (from a lists column), as `add_tags`.
    pub add_lists: Vec<String>,
}

/// What a row asks the store to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Create a contact.
    Create(NewContact),
    /// Change an existing contact.
    Update(ContactUpdate),
}
