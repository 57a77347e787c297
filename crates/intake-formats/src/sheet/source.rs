//! [`SheetSource`]: one sheet of a workbook as a [`Source`]. Every pass re-checks the file's
//! caps, then streams (XLSX) or loads (XLS, ODS) the sheet and skips to the row after its
//! header.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use calamine::Reader;
use intake_core::read::{RecordStream, Source, SourceError};

use super::error::{SheetError, panic_reason};
use super::guard;
use super::input::Input;
use super::loaded::{self, LoadedRecords, LoadedRows};
use super::options::{SheetChoice, SheetOptions};
use super::row::RowBuf;
use super::xlsx;

/// The kind of workbook, found from the file's bytes (not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Office Open XML (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel 97–2003 binary (`.xls`).
    Xls,
    /// OpenDocument (`.ods`).
    Ods,
}

/// One sheet of a workbook with its header row.
pub struct SheetSource {
    input: Input,
    options: SheetOptions,
    format: SheetFormat,
    sheet: String,
    sheet_names: Vec<String>,
    headers: Vec<String>,
}

impl SheetSource {
    /// Opens the workbook at `path`, chooses the sheet and reads its header row.
    pub fn open(path: &Path, options: SheetOptions) -> Result<SheetSource, SheetError> {
        SheetSource::new(Input::Path(path.to_path_buf()), options)
    }

    /// Reads a workbook held in memory; `name` is used in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, options: SheetOptions) -> Result<SheetSource, SheetError> {
        SheetSource::new(Input::Bytes { name: name.to_string(), bytes: Arc::from(bytes) }, options)
    }

    fn new(input: Input, options: SheetOptions) -> Result<SheetSource, SheetError> {
        let file = input.name();
        guarded(&file, || {
            let format = check(&input, &options)?;
            let names = sheet_names(&input, format)?;
            let sheet = choose(&names, options.sheet.as_ref(), &file)?;
            let headers = read_headers(&input, format, &sheet, &options)?
                .ok_or_else(|| SheetError::NoHeader { file: file.clone(), sheet: sheet.clone() })?;
            let sheet_names = names.into_iter().map(|(name, _)| name).collect();
            Ok(SheetSource {
                input: input.clone(),
                options: options.clone(),
                format,
                sheet,
                sheet_names,
                headers,
            })
        })
    }

    /// The workbook's kind.
    pub fn format(&self) -> SheetFormat {
        self.format
    }

    /// The name of the sheet being read.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// Every sheet of the workbook, in tab order.
    pub fn sheet_names(&self) -> &[String] {
        &self.sheet_names
    }

    fn loaded_records(&self) -> Result<LoadedRecords, SheetError> {
        let file = self.input.name();
        guarded(&file, || {
            check(&self.input, &self.options)?;
            let range = loaded::load(&self.input, self.format, &self.sheet)?;
            let mut rows = LoadedRows::new(range, file.clone());
            let mut buf = RowBuf::new(&self.options);
            rows.next_row(&mut buf)?; // the header row
            Ok(LoadedRecords { rows, buf, header_len: self.headers.len() })
        })
    }
}

impl Source for SheetSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError> {
        match self.format {
            SheetFormat::Xlsx => {
                guarded(&self.input.name(), || check(&self.input, &self.options))?;
                let (input, sheet) = (self.input.clone(), self.sheet.clone());
                Ok(Box::new(xlsx::stream(input, sheet, self.headers.len(), self.options.clone())))
            }
            _ => Ok(Box::new(self.loaded_records()?)),
        }
    }
}

/// Runs `f`, turning a panic inside calamine, zip or cfb on a malformed file into that file's
/// error: these parsers are not ours, and a broken upload must not take the process down.
fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(SheetError::Malformed { file: file.to_string(), reason: panic_reason(&*payload) })
    })
}

/// Finds the format and checks the caps that apply to it.
fn check(input: &Input, options: &SheetOptions) -> Result<SheetFormat, SheetError> {
    let format = guard::check(&mut input.open()?, &input.name(), options)?;
    if format != SheetFormat::Xlsx {
        loaded::check(input, format, options)?;
    }
    Ok(format)
}

fn sheet_names(input: &Input, format: SheetFormat) -> Result<Vec<(String, bool)>, SheetError> {
    match format {
        SheetFormat::Xlsx => {
            let book = xlsx::open(input)?;
            let sheets = book.sheets_metadata();
            Ok(sheets.iter().map(|s| (s.name.clone(), s.typ == calamine::SheetType::WorkSheet)).collect())
        }
        _ => loaded::sheet_names(input, format),
    }
}

/// The sheet the user chose, or the first worksheet.
fn choose(names: &[(String, bool)], choice: Option<&SheetChoice>, file: &str) -> Result<String, SheetError> {
    let found = match choice {
        None => names.iter().find(|(_, worksheet)| *worksheet).or(names.first()),
        Some(SheetChoice::Number(n)) => n.checked_sub(1).and_then(|i| names.get(i)),
        Some(SheetChoice::Name(wanted)) => names.iter().find(|(name, _)| name == wanted).or_else(|| {
            let mut same = names.iter().filter(|(name, _)| name.to_lowercase() == wanted.to_lowercase());
            same.next().filter(|_| same.next().is_none())
        }),
    };
    found.map(|(name, _)| name.clone()).ok_or_else(|| SheetError::NoSuchSheet {
        file: file.to_string(),
        wanted: match choice {
            None => "at all".to_string(),
            Some(SheetChoice::Number(n)) => format!("number {n}"),
            Some(SheetChoice::Name(name)) => format!("{name:?}"),
        },
        available: listing(names),
    })
}

fn listing(names: &[(String, bool)]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let items: Vec<String> =
        names.iter().enumerate().map(|(i, (name, _))| format!("{} {name:?}", i + 1)).collect();
    items.join(", ")
}

fn read_headers(
    input: &Input,
    format: SheetFormat,
    sheet: &str,
    options: &SheetOptions,
) -> Result<Option<Vec<String>>, SheetError> {
    let mut buf = RowBuf::new(options);
    let found = match format {
        SheetFormat::Xlsx => {
            let mut book = xlsx::open(input)?;
            xlsx::Rows::new(&mut book, sheet, &input.name())?.next_row(&mut buf)?
        }
        _ => LoadedRows::new(loaded::load(input, format, sheet)?, input.name()).next_row(&mut buf)?,
    };
    Ok(found.then(|| buf.headers()))
}
