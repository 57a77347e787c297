//! What every reader hands the pipeline: a header row and a stream of [`Record`]s that keep
//! their row number, read as many times as the pipeline needs (it reads twice: once to find
//! duplicate identifiers across the whole file, once to import).

/// One data row: its cells in one buffer (like `csv::StringRecord`, one allocation reused
/// per row) and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Row number as a spreadsheet shows it: the header is row 1, the first data row is 2.
    pub row: u64,
    /// The line of the file the row starts on, for a reader of lines (CSV); 0 where rows
    /// have no lines of their own (spreadsheets) or the reader names them itself (vCard).
    pub line: u64,
    text: String,
    ends: Vec<usize>,
    /// A problem with the row as a whole that the reader found (for example bytes that are
    /// not valid in the file's encoding); the row becomes an Error with this reason.
    pub problem: Option<String>,
    /// What the reader passed over in a row that still imports (a stray line inside a vCard);
    /// it goes to the row's Notes in the results file.
    pub note: Option<String>,
}

impl Record {
    /// Where the row is, as messages name it.
    pub fn place(&self) -> RowPlace {
        RowPlace { row: self.row, line: self.line }
    }

    /// Empties the record for reuse.
    pub fn clear(&mut self) {
        self.line = 0;
        self.text.clear();
        self.ends.clear();
        self.problem = None;
        self.note = None;
    }

    /// Appends a cell.
    pub fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    /// An empty record with room for `cells` cells of `bytes` bytes in all.
    pub fn with_capacity(cells: usize, bytes: usize) -> Record {
        Record { text: String::with_capacity(bytes), ends: Vec::with_capacity(cells), ..Record::default() }
    }

    /// Builds a record from cells.
    pub fn from_cells<'a>(row: u64, cells: impl IntoIterator<Item = &'a str>) -> Record {
        let mut record = Record { row, ..Record::default() };
        for cell in cells {
            record.push(cell);
        }
        record
    }

    /// Bytes of all its cells together.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no cell.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `index`, if the row has that many cells.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.text[start..end])
    }

    /// Whether every cell is empty or spaces (Excel's `;;;;;` lines). Stops at the first
    /// character that is not white space, so a normal row costs one comparison.
    pub fn is_blank(&self) -> bool {
        self.text.trim_start().is_empty()
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Where a row is, as every message names it: `row 7`, or `row 7 (line 9)` when the row
/// starts on another line of the file than its number (a line break inside a quoted cell
/// above it, or a blank line, make the two differ): the user looks for the row in a
/// spreadsheet by its number and in a text editor by its line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowPlace {
    /// Row number (header = row 1).
    pub row: u64,
    /// The line the row starts on; 0 when not known or not told apart.
    pub line: u64,
}

impl std::fmt::Display for RowPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "row {}", self.row),
            line if line == self.row => write!(f, "row {}", self.row),
            line => write!(f, "row {} (line {line})", self.row),
        }
    }
}

/// Why a source could not be read at all (not a row problem: those become row outcomes).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// What went wrong, naming the line or row where there is one.
    pub message: String,
}

impl From<std::io::Error> for SourceError {
    fn from(e: std::io::Error) -> Self {
        SourceError { message: e.to_string() }
    }
}

/// A file (or other input) that can be read from the start as often as needed.
pub trait Source: Sync {
    /// Column headers, in file order.
    fn headers(&self) -> &[String];
    /// A new stream of the data rows, from the first.
    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError>;
}

/// Data rows of a source, one at a time.
pub trait RecordStream {
    /// Reads the next row into `record`; `false` at the end.
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError>;

    /// Reads the next row and appends its cell `column` (empty when the row is shorter) to
    /// `cells`, exactly as [`RecordStream::next_record`] would have read it; `false` at the
    /// end. `scratch` is room for a whole row. For a pass over one column: a source that can
    /// skip making the other cells overrides it.
    fn next_cell(
        &mut self,
        column: usize,
        scratch: &mut Record,
        cells: &mut Record,
    ) -> Result<bool, SourceError> {
        if !self.next_record(scratch)? {
            return Ok(false);
        }
        cells.push(scratch.get(column).unwrap_or(""));
        Ok(true)
    }
}
