//! Fixing rows in the review ("fix in place"): the review's error rows kept for a program to
//! page through (each with its cells by header and every problem with its column, value and
//! reason), the corrections a person made turned into an overlay on the file's rows, and one
//! row re-checked at once as the import would decide it.
//!
//! It must not store or judge anything itself: the store keeps the corrections, and the
//! pipeline's own preparing and deciding (`intake_core::recheck`) says what a row would get.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use intake_core::map::Mapping;
use intake_core::overlay::{CorrectedRow, Corrections};
use intake_core::pipeline::PipelineError;
use intake_core::plan::{FieldError, ImportOptions, RowOutcome, Status};
use intake_core::read::Record;
use intake_core::report::{ResultSink, SinkOffsets};
use intake_store::{Correction, SqliteStore, StoreError};
use serde::{Deserialize, Serialize};

use crate::ImportError;
use crate::input::Input;
use crate::review::PreviewRow;

/// A problem of a row: the column (none for the row as a whole), the cell as written, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub column: Option<String>,
    pub value: String,
    pub reason: String,
}

impl From<&FieldError> for Problem {
    fn from(error: &FieldError) -> Problem {
        Problem {
            column: Some(error.column.clone()).filter(|c| !c.is_empty()),
            value: error.value.clone(),
            reason: error.reason.clone(),
        }
    }
}

/// An error row of a review, as its error file has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorRow {
    /// Row number (the header is row 1).
    pub row: u64,
    /// The line of the file it starts on, where that is not its row number.
    pub line: Option<u64>,
    /// Header → the cell as read (corrected, where it was corrected before the review).
    pub cells: serde_json::Map<String, serde_json::Value>,
    /// Each problem with its column and value.
    pub problems: Vec<Problem>,
    /// The error file's sentences for the row.
    pub messages: Vec<String>,
}

/// Writes a review's error rows, one JSON object a line, beside its error file.
pub struct ErrorRowsWriter {
    path: PathBuf,
    headers: Vec<String>,
    out: BufWriter<File>,
}

impl ErrorRowsWriter {
    /// Creates (or empties) `path` for the rows of a file with `headers`.
    pub fn create(path: &Path, headers: &[String]) -> Result<ErrorRowsWriter, ImportError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // Cells of the file are personal data: readable by their owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| ImportError::file(path, e))?;
        Ok(ErrorRowsWriter { path: path.to_path_buf(), headers: headers.to_vec(), out: BufWriter::new(file) })
    }

    /// Flushes the rows written.
    pub fn finish(mut self) -> Result<(), ImportError> {
        self.out.flush().map_err(|e| ImportError::file(&self.path, e))
    }

    fn error_row(&self, record: &Record, outcome: &RowOutcome) -> ErrorRow {
        ErrorRow {
            row: record.row,
            line: line_if_other(record),
            cells: cells_by_header(&self.headers, record),
            problems: outcome.problems.iter().map(Problem::from).collect(),
            messages: outcome.messages.clone(),
        }
    }
}

/// `record`'s line where it differs from its row number.
pub fn line_if_other(record: &Record) -> Option<u64> {
    Some(record.line).filter(|line| *line != 0 && *line != record.row)
}

/// `record`'s cells by header. Of two columns of one name, the first: the one a correction
/// names.
pub fn cells_by_header(headers: &[String], record: &Record) -> serde_json::Map<String, serde_json::Value> {
    let mut cells = serde_json::Map::new();
    for (at, header) in headers.iter().enumerate() {
        let value = record.get(at).unwrap_or("").to_string();
        cells.entry(header.clone()).or_insert(serde_json::Value::String(value));
    }
    cells
}

impl ResultSink for ErrorRowsWriter {
    fn write(&mut self, record: &Record, outcome: &RowOutcome) -> std::io::Result<()> {
        if outcome.status != Status::Error {
            return Ok(());
        }
        let row = self.error_row(record, outcome);
        serde_json::to_writer(&mut self.out, &row)?;
        self.out.write_all(b"\n")
    }

    fn checkpoint(&mut self) -> std::io::Result<SinkOffsets> {
        self.out.flush()?;
        Ok(SinkOffsets::default())
    }
}

/// A page of the error rows a review wrote to `path`: up to `limit` rows after row number
/// `after`, and whether more follow. `None` when the review wrote no such file.
pub fn read_error_rows(
    path: &Path,
    after: u64,
    limit: usize,
) -> Result<Option<(Vec<ErrorRow>, bool)>, ImportError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ImportError::file(path, e)),
    };
    let mut rows = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| ImportError::file(path, e))?;
        let row: ErrorRow = serde_json::from_str(&line)
            .map_err(|e| ImportError::Invalid(format!("the review's error rows cannot be read: {e}")))?;
        if row.row <= after {
            continue;
        }
        if rows.len() == limit {
            return Ok(Some((rows, true)));
        }
        rows.push(row);
    }
    Ok(Some((rows, false)))
}

/// The first column headed `header`, as a correction names it.
pub fn column_of(headers: &[String], header: &str) -> Option<usize> {
    headers.iter().position(|h| h == header)
}

/// The first header of `cells` that the file does not have, if any.
pub fn unknown_column<'a>(headers: &[String], cells: &'a BTreeMap<String, String>) -> Option<&'a str> {
    cells.keys().map(String::as_str).find(|header| column_of(headers, header).is_none())
}

/// What the results file's `Import Notes` says of a corrected row.
pub fn correction_note(corrected_by: &str) -> String {
    match corrected_by {
        "" => "corrected in the review".to_string(),
        by => format!("corrected in the review by {by}"),
    }
}

/// The overlay of `stored` on a file with `headers`. A correction naming a column the file
/// (as read with the import's current settings) lacks is refused, naming it.
pub fn corrections_for(headers: &[String], stored: &[Correction]) -> Result<Corrections, ImportError> {
    let mut corrections = Corrections::default();
    for correction in stored {
        let mut cells = Vec::with_capacity(correction.cells.len());
        for (header, value) in &correction.cells {
            let at = column_of(headers, header).ok_or_else(|| {
                ImportError::Invalid(format!(
                    "the correction of row {} names the column {header:?}, which the file as read now \
                     does not have; correct the row again or take the correction back",
                    correction.row
                ))
            })?;
            cells.push((at, value.clone()));
        }
        corrections
            .insert(correction.row, CorrectedRow { cells, note: correction_note(&correction.corrected_by) });
    }
    Ok(corrections)
}

/// `input` with the corrections import `import` has in the store laid over it.
pub fn with_stored_corrections(store: &SqliteStore, import: i64, input: Input) -> Result<Input, ImportError> {
    let stored = store.corrections(import)?;
    if stored.is_empty() {
        return Ok(input);
    }
    let corrections = corrections_for(input.source().headers(), &stored)?;
    Ok(input.with_corrections(corrections))
}

/// What the import would do with one row, as it is now (corrected or not).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowCheck {
    /// Row number (the header is row 1).
    pub row: u64,
    /// The line of the file it starts on, where that is not its row number.
    pub line: Option<u64>,
    /// `import`, `update`, `skip` or `error`.
    pub outcome: String,
    /// Why it would be skipped (`exists`, `not_found`, `unchanged`, `empty_row`).
    pub skip_reason: Option<String>,
    /// Its problems, each with its column and value (for `error`).
    pub problems: Vec<Problem>,
    /// The results file's sentences for it (errors, or the reason of a skip).
    pub messages: Vec<String>,
    /// The results file's notes for it.
    pub notes: Vec<String>,
    /// Its values as they would be stored, as the review's first rows show them.
    pub as_stored: PreviewRow,
}

/// Checks row `row` of `input` (with its corrections) as the import with `options` and
/// `mapping` would decide it now; `None` when the file has no such row.
pub fn recheck(
    store: &mut SqliteStore,
    input: &Input,
    options: &ImportOptions,
    mapping: &Mapping,
    row: u64,
) -> Result<Option<RowCheck>, ImportError> {
    let schema = store.schema().clone();
    let checked = intake_core::recheck::check_row(input.source(), store, &schema, options, mapping, row)
        .map_err(pipeline_error)?;
    Ok(checked.map(|checked| {
        let outcome = checked.outcome;
        RowCheck {
            row,
            line: line_if_other(&checked.prepared.record),
            outcome: outcome_name(outcome.status).to_string(),
            skip_reason: outcome.skip_reason.map(|reason| reason.key().to_string()),
            problems: outcome.problems.iter().map(Problem::from).collect(),
            messages: outcome.messages,
            notes: outcome.notes,
            as_stored: PreviewRow::of(&checked.prepared, &schema).with_import_wide(options),
        }
    }))
}

fn outcome_name(status: Status) -> &'static str {
    match status {
        Status::Imported => "import",
        Status::Updated => "update",
        Status::Skipped => "skip",
        Status::Error => "error",
    }
}

fn pipeline_error(error: PipelineError<StoreError>) -> ImportError {
    match error {
        PipelineError::Store(store) => ImportError::Store(store),
        PipelineError::Source(source) => ImportError::Source(source),
        other => ImportError::Invalid(other.to_string()),
    }
}
