//! XLS and ODS sheets, which calamine can only load whole: the file's size has been checked
//! (`xls_guard`, `ods_guard`) before this loads it; rows are then read from the loaded range.

use calamine::{Data, Ods, Range, Reader, Xls};
use intake_core::read::{Record, RecordStream, SourceError};

use super::error::SheetError;
use super::guard::malformed;
use super::input::Input;
use super::options::SheetOptions;
use super::row::RowBuf;
use super::source::SheetFormat;
use super::value::Value;

/// The sheet names of an XLS or ODS workbook, with whether each is a worksheet.
pub(crate) fn sheet_names(input: &Input, format: SheetFormat) -> Result<Vec<(String, bool)>, SheetError> {
    let file = input.name();
    let metadata = match format {
        SheetFormat::Xls => {
            Xls::new(input.open()?).map_err(|e| malformed(&file, &e.to_string()))?.sheets_metadata().to_vec()
        }
        _ => {
            Ods::new(input.open()?).map_err(|e| malformed(&file, &e.to_string()))?.sheets_metadata().to_vec()
        }
    };
    Ok(metadata.into_iter().map(|s| (s.name, s.typ == calamine::SheetType::WorkSheet)).collect())
}

/// Loads one sheet.
pub(crate) fn load(input: &Input, format: SheetFormat, sheet: &str) -> Result<Range<Data>, SheetError> {
    let file = input.name();
    let error = |e: &dyn std::fmt::Display| malformed(&file, &e.to_string());
    match format {
        SheetFormat::Xls => {
            Xls::new(input.open()?).map_err(|e| error(&e))?.worksheet_range(sheet).map_err(|e| error(&e))
        }
        _ => Ods::new(input.open()?).map_err(|e| error(&e))?.worksheet_range(sheet).map_err(|e| error(&e)),
    }
}

/// The non-empty rows of a loaded sheet.
pub(crate) struct LoadedRows {
    range: Range<Data>,
    next: usize,
    file: String,
}

impl LoadedRows {
    pub(crate) fn new(range: Range<Data>, file: String) -> LoadedRows {
        LoadedRows { range, next: 0, file }
    }

    /// Reads the next row that has a value into `buf`; false at the end of the sheet.
    pub(crate) fn next_row(&mut self, buf: &mut RowBuf) -> Result<bool, SheetError> {
        let Some((first_row, first_col)) = self.range.start() else { return Ok(false) };
        let width = self.range.width();
        while self.next < self.range.height() {
            let index = self.next;
            self.next += 1;
            buf.start(first_row.saturating_add(index as u32));
            for column in 0..width {
                if let Some(data) = self.range.get((index, column)) {
                    buf.put(first_col.saturating_add(column as u32), Value::from(data), &self.file)?;
                }
            }
            if !buf.is_blank() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The records of a loaded sheet after its header row.
pub(crate) struct LoadedRecords {
    pub(crate) rows: LoadedRows,
    pub(crate) buf: RowBuf,
    pub(crate) header_len: usize,
}

impl RecordStream for LoadedRecords {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        if !self.rows.next_row(&mut self.buf)? {
            return Ok(false);
        }
        self.buf.fill(record, self.header_len);
        Ok(true)
    }
}

/// Checks the size of an XLS or ODS before calamine opens it.
pub(crate) fn check(input: &Input, format: SheetFormat, options: &SheetOptions) -> Result<(), SheetError> {
    let file = input.name();
    match format {
        SheetFormat::Xls => super::xls_guard::check(input.open()?, &file, options),
        _ => super::ods_guard::check(input.open()?, &file, options),
    }
}
