//! Why a spreadsheet could not be read (as a whole: problems of one row are that row's).

use intake_core::read::SourceError;

/// Why a spreadsheet could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not a spreadsheet calamine can read, or it failed on them.
    #[error("{file}: not a readable spreadsheet: {reason}")]
    Malformed {
        /// The file.
        file: String,
        /// What the parser said.
        reason: String,
    },
    /// The chosen sheet does not exist.
    #[error("{file}: there is no sheet {wanted}; its sheets are: {available}")]
    NoSuchSheet {
        /// The file.
        file: String,
        /// The sheet asked for, as the user wrote it.
        wanted: String,
        /// The sheets there are, numbered.
        available: String,
    },
    /// The sheet has no non-empty row.
    #[error("{file}: sheet {sheet:?} is empty: it has no header row")]
    NoHeader {
        /// The file.
        file: String,
        /// The sheet.
        sheet: String,
    },
    /// The file is larger than a cap allows.
    #[error("{file}: {what}, above the cap of {cap}; {}", raise(option))]
    TooLarge {
        /// The file.
        file: String,
        /// What was found, in words.
        what: String,
        /// The cap, in words.
        cap: String,
        /// The option that sets the cap.
        option: &'static str,
    },
}

impl From<SheetError> for SourceError {
    fn from(e: SheetError) -> Self {
        SourceError { message: e.to_string() }
    }
}

/// What to do about a cap: the flag that raises it (`SheetOptions` field for programs using
/// the library), or, for a row's size, that no contact row is that large.
fn raise(option: &str) -> String {
    let flag = match option {
        "max_rows" => "--max-rows",
        "max_columns" => "--max-columns",
        "max_loaded_cells" => "--max-sheet-cells",
        "max_unzipped_bytes" => "--max-unzipped-mb",
        "max_zip_entries" => "--max-zip-entries",
        _ => {
            return format!(
                "a contact row is never that large (a cell pasted many times over?): take out what is \
                 not needed, or split the file (`{option}` of SheetOptions in the library)"
            );
        }
    };
    format!("if the file is right, raise the cap with {flag} (`{option}` of SheetOptions in the library)")
}

/// A size in words: `16 MiB`, or bytes below one MiB.
pub(crate) fn size_in_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// The error of a cell or row over `max_row_bytes`; `what` says where.
pub(crate) fn row_too_large(file: &str, what: String, cap: u64) -> SheetError {
    SheetError::TooLarge {
        file: file.to_string(),
        what,
        cap: format!("{} a row", size_in_words(cap)),
        option: "max_row_bytes",
    }
}

/// The message of a caught panic, for [`SheetError::Malformed`].
pub(crate) fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".to_string());
    format!("the spreadsheet parser failed ({text})")
}
