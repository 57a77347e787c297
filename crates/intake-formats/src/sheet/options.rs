//! How to read a spreadsheet: which sheet, and the caps that keep a hostile or broken file
//! from taking the process down.

/// Which sheet of a workbook to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetChoice {
    /// The sheet with this name (exact, else the only one equal ignoring case).
    Name(String),
    /// The sheet at this 1-based position among the workbook's tabs.
    Number(usize),
}

impl SheetChoice {
    /// Reads a `--sheet` value: digits are a 1-based number, anything else a name.
    pub fn parse(text: &str) -> SheetChoice {
        match text.parse::<usize>() {
            Ok(n) => SheetChoice::Number(n),
            Err(_) => SheetChoice::Name(text.to_string()),
        }
    }
}

/// How to read a spreadsheet. The defaults suit contact files; every cap names itself in the
/// error it causes, so a user who meets one knows which to raise.
#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// The sheet to read; `None` reads the first worksheet.
    pub sheet: Option<SheetChoice>,
    /// Highest column a non-empty cell may have (1-based; `max_columns`). Each row is built
    /// in a buffer this wide at most. Default 1,024 (Excel allows 16,384).
    pub max_columns: u32,
    /// Highest row number a non-empty cell may have (`max_rows`). Default 1,048,576, Excel's.
    pub max_rows: u32,
    /// Cap on the sum of the uncompressed sizes a zip (XLSX, ODS) declares for its entries
    /// (`max_unzipped_bytes`). Default 1 GiB.
    pub max_unzipped_bytes: u64,
    /// Cap on the number of entries in a zip (`max_zip_entries`). Default 100,000.
    pub max_zip_entries: u64,
    /// Cap on the cells an XLS or ODS sheet would be loaded as (its bounding box, empty cells
    /// included; `max_loaded_cells`). Default 10,000,000 (about 320 MB).
    pub max_loaded_cells: u64,
    /// Cap on the text of one row, as for a CSV row (`max_row_bytes`); also on one shared
    /// string of an XLSX and one text of an ODS, checked before calamine reads them. Default
    /// 16 MiB ([`crate::csv::MAX_RECORD_BYTES`]).
    pub max_row_bytes: u64,
}

impl Default for SheetOptions {
    fn default() -> Self {
        SheetOptions {
            sheet: None,
            max_columns: 1_024,
            max_rows: 1_048_576,
            max_unzipped_bytes: 1 << 30,
            max_zip_entries: 100_000,
            max_loaded_cells: 10_000_000,
            max_row_bytes: crate::csv::MAX_RECORD_BYTES,
        }
    }
}
