//! The settings of one import, as the user chose them. Serializable, because an import is
//! recorded with its options so that `intake imports resume` can finish it the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identify::IdentifierKind;
use crate::map::MappingRequest;

/// What an import does with new and existing contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// New contacts only; rows of existing contacts are Skipped.
    Add,
    /// Existing contacts only; rows of new contacts are Skipped.
    Update,
    /// New contacts are added and existing ones updated.
    AddUpdate,
    /// Every row is a new contact; no identifier is needed.
    AddAll,
}

impl Purpose {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Add => "add",
            Purpose::Update => "update",
            Purpose::AddUpdate => "add-update",
            Purpose::AddAll => "add-all",
        }
    }

    /// The purpose called `name`.
    pub fn from_name(name: &str) -> Option<Purpose> {
        [Self::Add, Self::Update, Self::AddUpdate, Self::AddAll].into_iter().find(|p| p.name() == name)
    }

    /// Whether rows of new contacts create them.
    pub fn creates(self) -> bool {
        !matches!(self, Purpose::Update)
    }

    /// Whether rows of existing contacts update them.
    pub fn updates(self) -> bool {
        matches!(self, Purpose::Update | Purpose::AddUpdate)
    }
}

/// How one column writes its dates and numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnFormat {
    /// strftime format of its dates (`%d.%m.%Y`).
    pub date_format: Option<String>,
    /// Its decimal mark (`,` in `1.234,50`), when it groups thousands with the other one.
    pub decimal_mark: Option<char>,
}

/// Everything that decides how a file is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Add, update, both, or add all.
    pub purpose: Purpose,
    /// How existing contacts are recognized (not used by [`Purpose::AddAll`]).
    pub identifier: IdentifierKind,
    /// When `false`, only empty fields of existing contacts are filled.
    pub overwrite: bool,
    /// Tags added to every imported or updated contact.
    pub tags: Vec<String>,
    /// The automatic import tag, if any.
    pub import_tag: Option<String>,
    /// Static lists every imported or updated contact joins.
    pub lists: Vec<String>,
    /// Marks every contact of the file unsubscribed on every channel.
    pub unsubscribe_all: bool,
    /// Lets the file turn `unsubscribed` back into `subscribed` (recorded as forced).
    pub force_resubscribe: bool,
    /// Whether creating a contact needs a first name.
    pub require_first_name: bool,
    /// Two-letter region for national phone numbers.
    pub default_region: Option<String>,
    /// strftime format of date cells; ISO 8601 when `None`.
    pub date_format: Option<String>,
    /// Per column header, how that column writes dates and numbers when it differs from the
    /// import's (decided from the column's values).
    #[serde(default)]
    pub column_formats: BTreeMap<String, ColumnFormat>,
    /// Rows per batch (one transaction each).
    pub batch_size: usize,
    /// The user's mapping instructions.
    pub mapping: MappingRequest,
    /// How the file is read (kept so a resumed import reads it the same way).
    #[serde(default)]
    pub reader: ReaderSettings,
    /// Sets a row's WhatsApp number from its mobile number when no column says WhatsApp.
    #[serde(default)]
    pub whatsapp_from_mobile: bool,
}

/// How the source file is read, as far as the user chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderSettings {
    /// The cell separator of a CSV file; `,` when `None`.
    pub delimiter: Option<char>,
    /// The text encoding the user gave (a WHATWG label); found from the file when `None`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Whether the first row is a header, when the user said; found from the file otherwise.
    #[serde(default)]
    pub has_header: Option<bool>,
    /// The sheet of a spreadsheet (a name, or a number from 1); the first when `None`.
    #[serde(default)]
    pub sheet: Option<String>,
    /// Size in bytes of the file when the import started, to refuse resuming a changed file.
    pub file_size: Option<u64>,
    /// Caps of a spreadsheet the user raised (or lowered); the reader's defaults otherwise.
    #[serde(default)]
    pub sheet_caps: SheetCaps,
}

/// A spreadsheet's caps as the user set them (`--max-rows` …); `None` keeps the reader's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetCaps {
    /// Highest row number of a non-empty cell.
    pub max_rows: Option<u32>,
    /// Highest column of a non-empty cell.
    pub max_columns: Option<u32>,
    /// Cells an XLS or ODS sheet may be loaded as.
    pub max_cells: Option<u64>,
    /// Uncompressed size of an XLSX or ODS, in bytes.
    pub max_unzipped_bytes: Option<u64>,
    /// Entries of an XLSX or ODS.
    pub max_zip_entries: Option<u64>,
}

impl ImportOptions {
    /// What rows are matched by: the identifier, except for `add-all`, which matches nothing.
    pub fn matched_by(&self) -> Option<IdentifierKind> {
        (self.purpose != Purpose::AddAll).then_some(self.identifier)
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            purpose: Purpose::AddUpdate,
            identifier: IdentifierKind::Email,
            overwrite: true,
            tags: Vec::new(),
            import_tag: None,
            lists: Vec::new(),
            unsubscribe_all: false,
            force_resubscribe: false,
            require_first_name: true,
            default_region: None,
            date_format: None,
            column_formats: BTreeMap::new(),
            batch_size: 50_000,
            mapping: MappingRequest::default(),
            reader: ReaderSettings::default(),
            whatsapp_from_mobile: false,
        }
    }
}
