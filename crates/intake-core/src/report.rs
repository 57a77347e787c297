//! Reporting: the counts of an import, the checkpoint that lets it resume, and the
//! [`ResultSink`] contract for the results and error files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plan::{RowOutcome, Status};
use crate::read::Record;

/// How many rows got each outcome. `imported + updated + skipped + errors == rows` always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Rows read.
    pub rows: u64,
    /// New contacts created.
    pub imported: u64,
    /// Existing contacts changed.
    pub updated: u64,
    /// Rows skipped by design.
    pub skipped: u64,
    /// Rows with errors (nothing written).
    pub errors: u64,
    /// Skipped rows by reason (`exists`, `not_found`, `unchanged`).
    pub skipped_reasons: BTreeMap<String, u64>,
    /// Error rows by reason (a row with two problems counts under both), at most
    /// [`ERROR_REASONS`] of them; the rest under [`OTHER_REASONS`].
    #[serde(default)]
    pub error_reasons: BTreeMap<String, u64>,
}

/// How many error reasons are told apart: a file whose every bad row fails its own way
/// (a reason that quotes the value) must not make the counts, which every checkpoint holds,
/// as large as the file.
pub const ERROR_REASONS: usize = 200;

/// Where the error reasons past [`ERROR_REASONS`] are counted.
pub const OTHER_REASONS: &str = "other reasons";

impl Counts {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &RowOutcome) {
        self.rows += 1;
        match outcome.status {
            Status::Imported => self.imported += 1,
            Status::Updated => self.updated += 1,
            Status::Error => {
                self.errors += 1;
                for reason in &outcome.reasons {
                    self.count_error_reason(reason);
                }
            }
            Status::Skipped => {
                self.skipped += 1;
                let reason = outcome.skip_reason.map_or("other", |r| r.key());
                *self.skipped_reasons.entry(reason.to_string()).or_default() += 1;
            }
        }
    }

    fn count_error_reason(&mut self, reason: &str) {
        if let Some(count) = self.error_reasons.get_mut(reason) {
            *count += 1;
            return;
        }
        let key = if self.error_reasons.len() < ERROR_REASONS { reason } else { OTHER_REASONS };
        *self.error_reasons.entry(key.to_string()).or_default() += 1;
    }

    /// The `n` most common error reasons with their counts, most common first.
    pub fn top_error_reasons(&self, n: usize) -> Vec<(&str, u64)> {
        let mut reasons: Vec<(&str, u64)> =
            self.error_reasons.iter().map(|(r, c)| (r.as_str(), *c)).collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        reasons.truncate(n);
        reasons
    }

    /// Whether the outcomes add up to the rows read.
    pub fn add_up(&self) -> bool {
        self.imported + self.updated + self.skipped + self.errors == self.rows
    }
}

/// The columns a results file adds after the row's own cells.
pub const RESULTS_COLUMNS: [&str; 3] = ["Import Status", "Import Errors", "Import Notes"];

/// The column an error file adds after the row's own cells.
pub const ERROR_FILE_COLUMN: &str = "Error";

/// The names of the columns `added` after a file's `headers`: each as it is, or with
/// ` (2)`, ` (3)` … when the file has a column of that name already (a results file
/// imported again), so that no two columns share a name.
pub fn added_column_names(headers: &[String], added: &[&str]) -> Vec<String> {
    let taken = |name: &str| headers.iter().any(|h| h.trim().eq_ignore_ascii_case(name));
    added
        .iter()
        .map(|name| {
            let mut candidate = name.to_string();
            let mut n = 2;
            while taken(&candidate) {
                candidate = format!("{name} ({n})");
                n += 1;
            }
            candidate
        })
        .collect()
}

/// Whether `header` is a column intake's results or error files add (suffixed or not): a
/// results or error file imported again leaves them out rather than reading them as data.
pub fn is_added_column(header: &str) -> bool {
    let header = header.trim();
    let base = match header.strip_suffix(')').and_then(|h| h.rsplit_once(" (")) {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => header,
    };
    RESULTS_COLUMNS.iter().chain([&ERROR_FILE_COLUMN]).any(|name| base.eq_ignore_ascii_case(name))
}

/// Where the results and error files stood after a batch, so a resumed import can cut them
/// back to the last committed batch and carry on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkOffsets {
    /// Bytes of the results file written.
    pub results: u64,
    /// Bytes of the error file written.
    pub errors: u64,
}

/// The state of an import after its last committed batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Data rows of the source consumed so far.
    pub rows_done: u64,
    /// Outcomes so far.
    pub counts: Counts,
    /// Where the results files stood.
    pub sink: SinkOffsets,
}

/// Receives every row with its outcome (the results file, the error file).
pub trait ResultSink {
    /// Writes one row's outcome.
    fn write(&mut self, record: &Record, outcome: &RowOutcome) -> std::io::Result<()>;
    /// Flushes what was written and says where the files stand.
    fn checkpoint(&mut self) -> std::io::Result<SinkOffsets>;
}

/// A sink that keeps nothing, for callers that only want counts.
pub struct NoSink;

impl ResultSink for NoSink {
    fn write(&mut self, _: &Record, _: &RowOutcome) -> std::io::Result<()> {
        Ok(())
    }
    fn checkpoint(&mut self) -> std::io::Result<SinkOffsets> {
        Ok(SinkOffsets::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_columns_never_take_a_name_the_file_has() {
        let headers: Vec<String> =
            ["Email", "Import Status", "Import Status (2)", "Error"].map(String::from).to_vec();
        assert_eq!(
            added_column_names(&headers, &RESULTS_COLUMNS),
            ["Import Status (3)", "Import Errors", "Import Notes"]
        );
        assert_eq!(added_column_names(&headers, &[ERROR_FILE_COLUMN]), ["Error (2)"]);
        for header in ["Import Status", "import notes", "Import Errors (2)", "Error", "Error (12)"] {
            assert!(is_added_column(header), "{header}");
        }
        for header in ["Errors", "Status", "Error (x)", "Notes", "Email"] {
            assert!(!is_added_column(header), "{header}");
        }
    }
}
