//! Size check of an ODS workbook before calamine loads it. calamine reads every table of
//! `content.xml` at open, expanding `number-columns-repeated` cells into a list and then
//! `number-rows-repeated` rows into a dense array (cloning the text of repeated cells), so a
//! small `content.xml` can ask for billions of cells. This streams `content.xml` once,
//! counting what calamine would build, and refuses a table above `max_loaded_cells` (or whose
//! repeated text would exceed `max_unzipped_bytes`).

use std::io::{BufReader, Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::error::SheetError;
use super::error::{row_too_large, size_in_words};
use super::guard::{malformed, too_many_cells};
use super::options::SheetOptions;
use super::text_cap::{TextCap, text_too_long};

/// calamine's own limits on one ODS table.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// Checks every table of the ODS in `reader`.
pub(crate) fn check<R: Read + Seek>(reader: R, file: &str, options: &SheetOptions) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| malformed(file, &e.to_string()))?;
    let content = archive.by_name("content.xml").map_err(|e| malformed(file, &e.to_string()))?;
    // The parser gathers each text into one buffer: a text above the row cap is refused
    // before it is (calamine would then hold it too).
    let mut xml = Reader::from_reader(BufReader::new(TextCap::new(content, options.max_row_bytes)));
    let mut table = Table::default();
    let mut buf = Vec::new();
    loop {
        let event = xml.read_event_into(&mut buf).map_err(|e| xml_error(file, &e))?;
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) => table.start(&e, true),
            Event::Empty(e) => {
                table.start(&e, false);
                table.close(e.name().as_ref(), file, options)?;
            }
            Event::Text(t) => table.text(t.len() as u64),
            Event::CData(t) => table.text(t.len() as u64),
            Event::End(e) => table.close(e.name().as_ref(), file, options)?,
            _ => {}
        }
        buf.clear();
    }
}

/// A parser error, or the text cap's.
fn xml_error(file: &str, error: &quick_xml::Error) -> SheetError {
    let cap = match error {
        quick_xml::Error::Io(io) => text_too_long(io),
        _ => None,
    };
    match cap {
        Some(cap) => row_too_large(file, format!("a cell holds more than {}", size_in_words(cap)), cap),
        None => malformed(file, &error.to_string()),
    }
}

/// What calamine would build for one table.
#[derive(Default)]
struct Table {
    /// Cells in calamine's list of row cells (column repeats expanded, rows not).
    listed: u64,
    /// Rows seen, repeats expanded, and the span of rows with a value.
    rows: u64,
    first_row: Option<u64>,
    last_row: u64,
    /// Widest row (one past its last non-empty cell).
    width: u64,
    /// Text of the dense array: each cell's text times its column and row repeats.
    text: u64,
    row: Row,
    /// Depth inside the current cell (0 = not in a cell).
    cell_depth: u32,
    cell: Cell,
}

#[derive(Default)]
struct Row {
    repeats: u64,
    columns: u64,
    width: u64,
    text: u64,
}

#[derive(Default)]
struct Cell {
    repeats: u64,
    has_value: bool,
    text: u64,
}

impl Table {
    fn start(&mut self, e: &BytesStart<'_>, has_children: bool) {
        if self.cell_depth > 0 {
            self.cell_depth += 1;
            self.cell.has_value = true;
            return;
        }
        match e.name().as_ref() {
            "table:table-row" => {
                let repeats = repeat(e, "table:number-rows-repeated").min(MAX_ROWS);
                self.row = Row { repeats, ..Row::default() };
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let has_value = e.attributes().flatten().any(|a| {
                    matches!(a.key.as_ref(), "office:value-type" | "table:formula" | "office:value")
                });
                let repeats = repeat(e, "table:number-columns-repeated");
                self.cell = Cell { repeats, has_value: has_value || has_children, text: 0 };
                self.cell_depth = 1;
            }
            _ => {}
        }
    }

    fn text(&mut self, len: u64) {
        if self.cell_depth > 0 {
            self.cell.text = self.cell.text.saturating_add(len);
            self.cell.has_value = true;
        }
    }

    /// Handles an end tag; at the end of a table, checks it and starts afresh.
    fn close(&mut self, name: &str, file: &str, options: &SheetOptions) -> Result<(), SheetError> {
        if self.end(name) {
            self.check(file, options)?;
            *self = Table::default();
        }
        Ok(())
    }

    /// Handles an end tag; true at the end of a table.
    fn end(&mut self, name: &str) -> bool {
        if self.cell_depth > 1 {
            self.cell_depth -= 1;
            return false;
        }
        if self.cell_depth == 1 {
            self.cell_depth = 0;
            self.end_cell();
            return false;
        }
        match name {
            "table:table-row" => self.end_row(),
            "table:table" => return true,
            _ => {}
        }
        false
    }

    fn end_cell(&mut self) {
        let cell = std::mem::take(&mut self.cell);
        let room = MAX_COLUMNS.saturating_sub(self.row.columns);
        let repeats = cell.repeats.min(room);
        self.row.columns += repeats;
        if cell.has_value {
            self.row.width = self.row.columns;
            self.row.text = self.row.text.saturating_add(cell.text.saturating_mul(repeats));
        }
    }

    fn end_row(&mut self) {
        let row = std::mem::take(&mut self.row);
        let room = MAX_ROWS.saturating_sub(self.rows);
        let repeats = row.repeats.min(room);
        self.listed = self.listed.saturating_add(row.width);
        if row.width > 0 {
            self.first_row.get_or_insert(self.rows);
            self.last_row = self.rows + repeats.max(1) - 1;
            self.width = self.width.max(row.width);
            self.text = self.text.saturating_add(row.text.saturating_mul(repeats.max(1)));
        }
        self.rows += repeats;
    }

    fn check(&self, file: &str, options: &SheetOptions) -> Result<(), SheetError> {
        let dense = self.first_row.map_or(0, |first| (self.last_row - first + 1).saturating_mul(self.width));
        let cells = dense.max(self.listed);
        if cells > options.max_loaded_cells {
            return Err(too_many_cells(file, format!("a sheet would load as {cells} cells"), options));
        }
        if self.text > options.max_unzipped_bytes {
            return Err(SheetError::TooLarge {
                file: file.to_string(),
                what: format!("a sheet's repeated cells would expand to {} bytes of text", self.text),
                cap: format!("{} bytes", options.max_unzipped_bytes),
                option: "max_unzipped_bytes",
            });
        }
        Ok(())
    }
}

fn repeat(e: &BytesStart<'_>, key: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
}
