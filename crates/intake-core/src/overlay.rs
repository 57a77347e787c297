//! Corrected rows laid over a source's rows: a person corrected some cells of some rows in
//! the review of an import, and every reading of the file (the review, pass 1's identifiers,
//! pass 2, a resume) takes the corrected cells in place of the file's, by row number. The
//! file itself is never rewritten; the corrections are the store's.
//!
//! It must not decide anything about the corrected values: they go through the same
//! preparing, identifying and deciding as any cell of the file.

use std::collections::BTreeMap;

use crate::read::{Record, RecordStream, SourceError};

/// The corrections of one import's rows, by row number (the header is row 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections {
    rows: BTreeMap<u64, CorrectedRow>,
}

/// The corrected cells of one row, by column index, and the note the row's results carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectedRow {
    /// Column index → the corrected cell.
    pub cells: Vec<(usize, String)>,
    /// Said in the row's `Import Notes` (who corrected it, and that it was in the review).
    pub note: String,
}

impl Corrections {
    /// Lays `row` over row number `number`, in place of an earlier correction of it.
    pub fn insert(&mut self, number: u64, row: CorrectedRow) {
        self.rows.insert(number, row);
    }

    /// Whether no row is corrected.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The correction of row `number`, if it has one.
    pub fn get(&self, number: u64) -> Option<&CorrectedRow> {
        self.rows.get(&number)
    }

    /// `record` with its corrected cells in place of the file's, when its row has a
    /// correction. A correction of a column past the end of a short row pads it with empty
    /// cells. The reader's problem of the row (bytes it could not read) stays: a correction
    /// changes cells, not how the file was read.
    pub fn apply(&self, record: &mut Record) {
        let Some(corrected) = self.rows.get(&record.row) else { return };
        let width = corrected.cells.iter().map(|(at, _)| at + 1).max().unwrap_or(0).max(record.len());
        let mut cells: Vec<String> = (0..width).map(|at| record.get(at).unwrap_or("").to_string()).collect();
        for (at, value) in &corrected.cells {
            cells[*at].clone_from(value);
        }
        let (row, line, problem) = (record.row, record.line, record.problem.take());
        let note = match record.note.take() {
            Some(earlier) => format!("{earlier}; {}", corrected.note),
            None => corrected.note.clone(),
        };
        record.clear();
        for cell in &cells {
            record.push(cell);
        }
        (record.row, record.line, record.problem, record.note) = (row, line, problem, Some(note));
    }
}

/// A source's rows with [`Corrections`] laid over them.
pub struct CorrectedStream<'a> {
    inner: Box<dyn RecordStream + Send + 'a>,
    corrections: &'a Corrections,
}

impl<'a> CorrectedStream<'a> {
    /// `inner`'s rows, corrected.
    pub fn new(inner: Box<dyn RecordStream + Send + 'a>, corrections: &'a Corrections) -> Self {
        CorrectedStream { inner, corrections }
    }
}

impl RecordStream for CorrectedStream<'_> {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        if !self.inner.next_record(record)? {
            return Ok(false);
        }
        self.corrections.apply(record);
        Ok(true)
    }

    // `next_cell` is the trait's: it reads whole rows, so that a corrected identifier counts
    // in pass 1 as it will in pass 2 (a stream of one column does not know its row numbers).
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_replaces_its_cells_and_pads_a_short_row() {
        let mut corrections = Corrections::default();
        corrections
            .insert(3, CorrectedRow { cells: vec![(2, "x@example.com".into())], note: "fixed".into() });
        let mut record = Record::from_cells(3, ["Anna", "bad"]);
        record.line = 4;
        corrections.apply(&mut record);
        assert_eq!(record.iter().collect::<Vec<_>>(), ["Anna", "bad", "x@example.com"]);
        assert_eq!((record.row, record.line, record.note.as_deref()), (3, 4, Some("fixed")));
        let mut other = Record::from_cells(2, ["Bob"]);
        corrections.apply(&mut other);
        assert_eq!((other.len(), other.note.as_deref()), (1, None));
    }
}
