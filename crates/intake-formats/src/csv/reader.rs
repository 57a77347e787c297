//! A CSV file as a [`Source`]: streamed with the `csv` crate, one reused byte record per row,
//! ragged rows kept (the pipeline makes them Errors), bytes that are not UTF-8 kept as that
//! row's problem instead of aborting the file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use intake_core::read::{Record, RecordStream, Source, SourceError};

/// How to read a CSV file.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// The cell separator.
    pub delimiter: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',' }
    }
}

/// A CSV file with a header row.
pub struct CsvSource {
    path: PathBuf,
    options: CsvOptions,
    headers: Vec<String>,
}

impl CsvSource {
    /// Opens `path` and reads its header row.
    pub fn open(path: &Path, options: CsvOptions) -> Result<CsvSource, SourceError> {
        let mut reader = reader_for(path, &options)?;
        let mut header = csv::ByteRecord::new();
        let has_header = reader.read_byte_record(&mut header).map_err(|e| csv_error(path, &e))?;
        if !has_header {
            return Err(SourceError {
                message: format!("{} is empty: it has no header row", path.display()),
            });
        }
        let headers: Vec<String> =
            header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
        if headers.iter().all(String::is_empty) {
            return Err(SourceError {
                message: format!("{}: the header row (row 1) is blank", path.display()),
            });
        }
        Ok(CsvSource { path: path.to_path_buf(), options, headers })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cell separator.
    pub fn delimiter(&self) -> u8 {
        self.options.delimiter
    }
}

fn reader_for(path: &Path, options: &CsvOptions) -> Result<csv::Reader<Box<dyn Read + Send>>, SourceError> {
    let file = File::open(path).map_err(|e| SourceError { message: format!("{}: {e}", path.display()) })?;
    let input: Box<dyn Read + Send> = Box::new(BufReader::with_capacity(256 * 1024, file));
    Ok(csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(input))
}

fn csv_error(path: &Path, error: &csv::Error) -> SourceError {
    let place = error.position().map(|p| format!(" at line {}", p.line())).unwrap_or_default();
    SourceError { message: format!("{}{place}: {error}", path.display()) }
}

impl Source for CsvSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError> {
        let mut reader = reader_for(&self.path, &self.options)?;
        let mut header = csv::ByteRecord::new();
        reader.read_byte_record(&mut header).map_err(|e| csv_error(&self.path, &e))?;
        Ok(Box::new(CsvRecords { reader, path: &self.path, raw: csv::ByteRecord::new(), row: 1 }))
    }
}

struct CsvRecords<'a> {
    reader: csv::Reader<Box<dyn Read + Send>>,
    path: &'a Path,
    raw: csv::ByteRecord,
    row: u64,
}

impl RecordStream for CsvRecords<'_> {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        if !self.reader.read_byte_record(&mut self.raw).map_err(|e| csv_error(self.path, &e))? {
            return Ok(false);
        }
        self.row += 1;
        record.clear();
        record.row = self.row;
        for (column, cell) in self.raw.iter().enumerate() {
            match std::str::from_utf8(cell) {
                Ok(text) => record.push(text),
                Err(_) => {
                    record.push(&String::from_utf8_lossy(cell));
                    if record.problem.is_none() {
                        record.problem = Some(format!(
                            "cell {} holds bytes that are not valid UTF-8 (shown as \u{FFFD}); save the file as UTF-8",
                            column + 1
                        ));
                    }
                }
            }
        }
        Ok(true)
    }
}
