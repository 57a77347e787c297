//! Planning: from a normalized row and what the store holds to one outcome per row and the
//! writes it asks for. `prepare` is per row and needs no store; `decide` applies the import
//! rules (purpose, identity, overwrite, tags, lists, subscription protection).

mod decide;
mod options;
mod outcome;
mod prepare;

pub use decide::{Decider, MatchState};
pub use options::{ColumnFormat, ImportOptions, Purpose, ReaderSettings, SheetCaps};
pub use outcome::{
    ContactUpdate, FieldChange, FieldError, NewContact, RowOutcome, SkipReason, Status, SubscriptionChange,
    Write,
};
pub use prepare::{PreparedRow, Preparer, has_match_key, identifier_target, match_key, suppression_keys};
