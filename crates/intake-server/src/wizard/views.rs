//! What the pages read of the API's answers: the JSON a handler answers, read back into
//! plain structs the templates show. The pages so depend on the API's documented shape,
//! never on a handler's insides. Nothing here decides anything.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::PageError;
use crate::error::AppError;

/// `answer` (what a handler answered) read as `T`.
pub(crate) fn read_as<T: DeserializeOwned>(answer: &impl serde::Serialize) -> Result<T, PageError> {
    let value = serde_json::to_value(answer).map_err(AppError::internal)?;
    Ok(serde_json::from_value(value).map_err(AppError::internal)?)
}

/// An import as `GET /v1/imports/{id}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ImportView {
    pub id: String,
    pub file_name: String,
    pub state: String,
    pub started_at: i64,
    #[serde(default)]
    pub finished_at: Option<i64>,
    pub counts: CountsView,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub progress: Option<ProgressView>,
    #[serde(default)]
    pub queue_position: Option<u64>,
    #[serde(default)]
    pub started_by: Option<String>,
    #[serde(default)]
    pub files_deleted_at: Option<i64>,
}

impl ImportView {
    pub fn started(&self) -> String {
        intake_store::local_time(self.started_at)
    }

    pub fn has_ended(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "uploaded" | "reviewing" | "reviewed" | "expired" | "queued" | "running"
        )
    }

    /// Whether its files may still be downloaded.
    pub fn has_files(&self) -> bool {
        self.files_deleted_at.is_none()
    }

    pub fn message_text(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }
}

/// Rows by outcome.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CountsView {
    pub rows: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub errors: u64,
}

/// How far a running import is.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ProgressView {
    pub rows_done: u64,
    #[serde(default)]
    pub rows_total: Option<u64>,
    #[serde(default)]
    pub rows_per_second: u64,
    #[serde(default)]
    pub seconds_left: Option<u64>,
}

/// What a review found, as `GET /v1/imports/{id}/review` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ReviewView {
    pub expired: bool,
    #[serde(default)]
    pub expires_at: Option<i64>,
    pub counts: ReviewCounts,
    pub top_error_reasons: Vec<Reason>,
    pub first_rows: Vec<PreviewRow>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReviewCounts {
    pub rows: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub errors: u64,
    #[serde(default)]
    pub skipped_reasons: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Reason {
    pub reason: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PreviewRow {
    pub row: u64,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub lists: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
}

/// A field of the workspace, as `GET /v1/fields` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FieldView {
    pub name: String,
    pub label: String,
}

/// A saved mapping, as `GET /v1/mappings` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SavedView {
    pub id: String,
    pub name: String,
}

/// What an undo did or would do.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UndoView {
    pub state: String,
    pub deleted: u64,
    pub restored: u64,
    pub memberships_removed: u64,
    pub conflicts: Vec<String>,
    pub kept_unsubscribed: Vec<String>,
}

/// A contact, as `GET /v1/contacts` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ContactView {
    pub id: String,
    pub fields: BTreeMap<String, String>,
    pub subscriptions: SubscriptionsView,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
    #[serde(default)]
    pub imports: Vec<TouchingView>,
}

impl ContactView {
    /// First and last name, or the address or number when it has no name.
    pub fn title(&self) -> String {
        let name: Vec<&str> = ["first_name", "last_name"]
            .iter()
            .filter_map(|f| self.fields.get(*f).map(String::as_str))
            .collect();
        if !name.is_empty() {
            return name.join(" ");
        }
        ["email", "mobile", "phone"]
            .iter()
            .find_map(|f| self.fields.get(*f).cloned())
            .unwrap_or_else(|| format!("Contact {}", self.id))
    }

    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SubscriptionsView {
    pub email: String,
    pub sms: String,
    pub whatsapp: String,
}

/// An import that touched a contact.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TouchingView {
    pub id: String,
    pub file_name: String,
    pub started_at: i64,
    pub did: String,
    pub state: String,
}

impl TouchingView {
    pub fn started(&self) -> String {
        intake_store::local_time(self.started_at)
    }
}

/// A page of a review's error rows, as `GET /v1/imports/{id}/review/errors` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorRowsView {
    pub rows: Vec<ErrorRowView>,
    #[serde(default)]
    pub next_after: Option<String>,
}

/// An error row with its cells (as the review read them, corrected where it was), its
/// problems and its correction.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorRowView {
    pub row: u64,
    #[serde(default)]
    pub cells: BTreeMap<String, String>,
    #[serde(default)]
    pub problems: Vec<ProblemView>,
    #[serde(default)]
    pub correction: Option<CorrectionView>,
}

/// A problem of a row: its column (none for the row as a whole) and why.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProblemView {
    #[serde(default)]
    pub column: Option<String>,
    pub reason: String,
}

/// A row's correction.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CorrectionView {
    pub corrected_by: String,
}

/// One row of an import's file, as `GET /v1/imports/{id}/rows/{row}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RowView {
    pub row: u64,
    #[serde(default)]
    pub as_read: BTreeMap<String, String>,
    #[serde(default)]
    pub correction: Option<CorrectionView>,
    #[serde(default)]
    pub check: Option<CheckView>,
}

/// What the import would do with a row now.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CheckView {
    pub outcome: String,
    #[serde(default)]
    pub messages: Vec<String>,
}

impl CheckView {
    /// The outcome in a person's words.
    pub fn sentence(&self) -> String {
        let what = match self.outcome.as_str() {
            "import" => "it will be imported as a new contact",
            "update" => "it will update a contact",
            "skip" => "it will be skipped",
            _ => "it is still in error",
        };
        match self.messages.is_empty() {
            true => format!("{what}."),
            false => format!("{what}: {}", self.messages.join("; ")),
        }
    }
}
