//! One spreadsheet row being assembled from its cells: a buffer of at most `max_columns`
//! cells, reused row after row, that becomes a [`Record`].

use intake_core::read::Record;

use super::error::{SheetError, row_too_large, size_in_words};
use super::options::SheetOptions;
use super::value::{Value, column_letters};

/// The cells of one row, by column.
pub(crate) struct RowBuf {
    /// 1-based row number, as the spreadsheet shows it.
    pub(crate) row: u64,
    cells: Vec<String>,
    /// One past the last non-empty column.
    width: usize,
    problem: Option<String>,
    max_columns: u32,
    max_rows: u32,
    /// Bytes of text in the row so far, and their cap.
    bytes: u64,
    max_bytes: u64,
}

impl RowBuf {
    pub(crate) fn new(options: &SheetOptions) -> RowBuf {
        RowBuf {
            row: 0,
            cells: Vec::new(),
            width: 0,
            problem: None,
            max_columns: options.max_columns,
            max_rows: options.max_rows,
            bytes: 0,
            max_bytes: options.max_row_bytes,
        }
    }

    /// Empties the buffer for row `row` (0-based, as calamine counts).
    pub(crate) fn start(&mut self, row: u32) {
        for cell in &mut self.cells[..self.width] {
            cell.clear();
        }
        self.width = 0;
        self.bytes = 0;
        self.problem = None;
        self.row = u64::from(row) + 1;
    }

    /// Puts a cell at `column` (0-based); empty cells are ignored, wherever they are.
    pub(crate) fn put(&mut self, column: u32, value: Value<'_>, file: &str) -> Result<(), SheetError> {
        if value.is_empty() {
            return Ok(());
        }
        self.check_bounds(column, file)?;
        let index = column as usize;
        if self.cells.len() <= index {
            self.cells.resize_with(index + 1, String::new);
        }
        self.width = self.width.max(index + 1);
        let cell = &mut self.cells[index];
        cell.clear();
        value.write_to(cell);
        self.bytes += cell.len() as u64;
        if self.bytes > self.max_bytes {
            let what = format!("row {} holds more than {} of text", self.row, size_in_words(self.max_bytes));
            return Err(row_too_large(file, what, self.max_bytes));
        }
        if let Value::Error(error) = value {
            self.note_error(column, &error.to_string());
        }
        Ok(())
    }

    fn check_bounds(&self, column: u32, file: &str) -> Result<(), SheetError> {
        let place = || format!("row {} has a value in column {}", self.row, column_letters(column));
        if u64::from(column) >= u64::from(self.max_columns) {
            return Err(SheetError::TooLarge {
                file: file.to_string(),
                what: format!("{} (column number {})", place(), u64::from(column) + 1),
                cap: format!("{} columns", self.max_columns),
                option: "max_columns",
            });
        }
        if self.row > u64::from(self.max_rows) {
            return Err(SheetError::TooLarge {
                file: file.to_string(),
                what: place(),
                cap: format!("{} rows", self.max_rows),
                option: "max_rows",
            });
        }
        Ok(())
    }

    fn note_error(&mut self, column: u32, error: &str) {
        let text =
            format!("row {}, column {}: the cell holds the error {error}", self.row, column_letters(column));
        match &mut self.problem {
            Some(problem) => {
                problem.push_str("; ");
                problem.push_str(&text);
            }
            None => self.problem = Some(text),
        }
    }

    /// Whether every cell is empty or blank.
    pub(crate) fn is_blank(&self) -> bool {
        self.cells[..self.width].iter().all(|c| c.trim().is_empty())
    }

    /// The header cells, trimmed.
    pub(crate) fn headers(&self) -> Vec<String> {
        self.cells[..self.width].iter().map(|c| c.trim().to_string()).collect()
    }

    /// Fills `record`: a missing trailing cell is an empty cell, so the row is padded to the
    /// header's width; non-empty cells past the header are kept (the pipeline makes the row
    /// an Error naming them, as for CSV).
    pub(crate) fn fill(&self, record: &mut Record, header_len: usize) {
        record.clear();
        record.row = self.row;
        record.problem = self.problem.clone();
        for cell in &self.cells[..self.width] {
            record.push(cell);
        }
        for _ in self.width..header_len {
            record.push("");
        }
    }
}
