//! A CSV or text file as a [`Source`]: its encoding ([`super::encoding`]) and dialect
//! ([`super::sniff`]) found from a sample of its first [`SAMPLE_BYTES`] unless the caller fixes
//! them, then streamed with the `csv` crate, one reused byte record per row; a read of one
//! column alone (pass 1 of an import) goes through [`super::column`] instead.
//!
//! Ragged rows are kept (the pipeline makes them Errors). Bytes that are not valid in the
//! file's encoding make their row an Error instead of aborting the file. UTF-8 files are not
//! transcoded: their records are validated as UTF-8 once each, cell by cell only when that
//! fails. A row may not grow beyond [`MAX_RECORD_BYTES`] (an unclosed quote would otherwise
//! pull the rest of the file into one row); past that the read stops with an error naming the
//! row and line where it began.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use intake_core::read::{Record, RecordStream, RowPlace, Source, SourceError};

use super::column::ColumnScanner;
use super::decode::{RecordTooLong, TextReader};
use super::encoding::{DetectedEncoding, EncodingSource, TextEncoding, detect_encoding};
use super::lines::LineTracker;
use super::results::ResultsFormat;
use super::sniff::{Dialect, DialectHints, sniff_dialect};

/// How many bytes at the start of a file the encoding and dialect are found from.
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// The most bytes one row may take (as UTF-8).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Read buffer of the CSV parser (smaller for smaller inputs).
const BUFFER_BYTES: usize = 256 * 1024;
const MIN_BUFFER_BYTES: usize = 8 * 1024;

/// How to read a CSV file: each setting left `None` is found from the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The cell separator.
    pub delimiter: Option<u8>,
    /// The text encoding.
    pub encoding: Option<TextEncoding>,
    /// Whether the first row is a header (without one the columns are `Column 1` … `Column N`).
    pub has_header: Option<bool>,
}

/// Where the bytes come from.
enum Input {
    File(PathBuf),
    Memory(Arc<[u8]>),
}

/// A read buffer for an input of `len` bytes.
fn buffer_size(len: Option<u64>) -> usize {
    let len = len.and_then(|l| usize::try_from(l).ok()).unwrap_or(BUFFER_BYTES);
    len.saturating_add(1).clamp(MIN_BUFFER_BYTES, BUFFER_BYTES)
}

impl Input {
    fn len(&self) -> Option<u64> {
        match self {
            Input::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Input::Memory(bytes) => Some(bytes.len() as u64),
        }
    }

    /// A new reader of the bytes from `offset` on.
    fn open_at(&self, name: &Path, offset: u64) -> Result<Box<dyn Read + Send>, SourceError> {
        let io_error = |e: std::io::Error| SourceError { message: format!("{}: {e}", name.display()) };
        match self {
            Input::File(path) => {
                let mut file = File::open(path).map_err(io_error)?;
                if offset > 0 {
                    file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
                }
                Ok(Box::new(BufReader::with_capacity(
                    buffer_size(file.metadata().ok().map(|m| m.len())),
                    file,
                )))
            }
            Input::Memory(bytes) => {
                let mut cursor = Cursor::new(Arc::clone(bytes));
                cursor.set_position(offset);
                Ok(Box::new(cursor))
            }
        }
    }
}

/// A CSV file, its encoding and dialect found, its header row read.
pub struct CsvSource {
    name: PathBuf,
    input: Input,
    encoding: DetectedEncoding,
    dialect: Dialect,
    headers: Vec<String>,
    buffer: usize,
}

impl CsvSource {
    /// Opens `path`, finds what `options` leaves open and reads the header row.
    pub fn open(path: &Path, options: CsvOptions) -> Result<CsvSource, SourceError> {
        CsvSource::new(path.to_path_buf(), Input::File(path.to_path_buf()), options)
    }

    /// The same for a file held in memory; `name` is used in messages.
    pub fn from_bytes(
        name: &str,
        bytes: impl Into<Arc<[u8]>>,
        options: CsvOptions,
    ) -> Result<CsvSource, SourceError> {
        CsvSource::new(PathBuf::from(name), Input::Memory(bytes.into()), options)
    }

    fn new(name: PathBuf, input: Input, options: CsvOptions) -> Result<CsvSource, SourceError> {
        let (sample, at_eof) = read_sample(&mut *input.open_at(&name, 0)?)
            .map_err(|e| SourceError { message: format!("{}: {e}", name.display()) })?;
        let encoding = match options.encoding {
            Some(declared) => DetectedEncoding::declared(declared, &sample),
            None => detect_encoding(&sample, at_eof),
        };
        let text = encoding.decode_sample(&sample);
        refuse_binary(&name, &text)?;
        let hints = DialectHints { delimiter: options.delimiter, has_header: options.has_header };
        let dialect = sniff_dialect(&text, at_eof, hints);
        let buffer = buffer_size(input.len());
        let mut source = CsvSource { name, input, encoding, dialect, headers: Vec::new(), buffer };
        source.headers = source.read_headers()?;
        Ok(source)
    }

    fn read_headers(&self) -> Result<Vec<String>, SourceError> {
        let mut stream = self.stream()?;
        stream.skip_preamble(self.dialect.preamble)?;
        let mut first = csv::ByteRecord::new();
        let start = stream.reader.position().byte();
        let found = stream.reader.read_byte_record(&mut first).map_err(|e| stream.error(&e, start))?;
        if !found {
            let what = if self.dialect.has_header { "it has no header row" } else { "it has no row" };
            return Err(SourceError { message: format!("{} is empty: {what}", self.name.display()) });
        }
        if !self.dialect.has_header {
            let width = if self.dialect.columns > 0 { self.dialect.columns } else { first.len() };
            return Ok((1..=width).map(|i| format!("Column {i}")).collect());
        }
        let headers: Vec<String> =
            first.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
        if headers.iter().all(String::is_empty) {
            return Err(SourceError {
                message: format!("{}: the header row (row 1) is blank", self.name.display()),
            });
        }
        Ok(headers)
    }

    /// The file's text from the start (after any byte-order mark), decoded as UTF-8.
    fn text(&self) -> Result<Text, SourceError> {
        let raw = self.input.open_at(&self.name, self.encoding.bom_len as u64)?;
        Ok(TextReader::new(raw, self.encoding.encoding, self.encoding.source)
            .with_budget(MAX_RECORD_BYTES + 2 * self.buffer as u64)
            .with_chunk_size(self.buffer / 4))
    }

    /// A reader from the start of the file (after any byte-order mark), header included.
    fn stream(&self) -> Result<CsvRecords<'_>, SourceError> {
        let text = self.text()?;
        let reader = csv::ReaderBuilder::new()
            .delimiter(self.dialect.delimiter)
            .quote(self.dialect.quote.unwrap_or(b'"'))
            .quoting(self.dialect.quote.is_some())
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(self.buffer)
            .from_reader(LineTracker::new(text));
        Ok(CsvRecords {
            reader,
            source: self,
            raw: csv::ByteRecord::new(),
            row: 0,
            start: (0, 1),
            line: 0,
            ends_in_break: false,
            end_checked: false,
            column: None,
            cell: Vec::new(),
        })
    }

    /// The file's path (or the name given to [`CsvSource::from_bytes`]).
    pub fn path(&self) -> &Path {
        &self.name
    }

    /// The cell separator.
    pub fn delimiter(&self) -> u8 {
        self.dialect.delimiter
    }

    /// The dialect the file is read in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The encoding the file is read in, and how it was found.
    pub fn encoding(&self) -> DetectedEncoding {
        self.encoding
    }

    /// How results and error files for this file are written: same delimiter, UTF-8, with a
    /// byte-order mark when the file had one or was not UTF-8 (so that Excel, which wrote
    /// such files, reads them as UTF-8).
    pub fn results_format(&self) -> ResultsFormat {
        let plain_utf8 = self.encoding.encoding.is_utf8() && self.encoding.bom_len == 0;
        ResultsFormat { delimiter: self.dialect.delimiter, byte_order_mark: !plain_utf8 }
    }

    /// One line for people: encoding, delimiter, quote and header.
    pub fn describe(&self) -> String {
        let delimiter = match self.dialect.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", char::from(d).escape_default()),
        };
        let quote = match self.dialect.quote {
            Some(q) => format!("quote '{}'", char::from(q)),
            None => "no quoting".to_string(),
        };
        let encoding = match self.encoding.source {
            // Nothing but ASCII in the part read to decide; a later byte decides between UTF-8
            // and the local code page, which a person need not hear about.
            EncodingSource::AsciiSoFar => "plain text".to_string(),
            source => format!("{} ({})", self.encoding.encoding, source.describe()),
        };
        let header = if self.dialect.preamble > 0 {
            format!(
                "row {} is the header (the rows of notes above it are skipped)",
                self.dialect.preamble + 1
            )
        } else if self.dialect.has_header {
            "first row is the header".to_string()
        } else {
            format!("no header row (columns Column 1 … Column {})", self.headers.len())
        };
        format!("{encoding}, delimiter {delimiter}, {quote}, {header}")
    }
}

/// Refuses a file whose decoded sample is more than one part in twenty NULs and other
/// control characters: executables, images, archives and random bytes, which would otherwise
/// be "read" as columns of garbage and fail later with a message about the mapping. Text in
/// any encoding (UTF-16 is decoded by now) has next to none; a stray NUL in a CSV file is
/// only that cell's. Tab, line breaks, form feed, DOS's end-of-file `^Z` and the escape
/// character (which cells sometimes hold) are not counted.
fn refuse_binary(name: &Path, text: &[u8]) -> Result<(), SourceError> {
    let is_control = |b: &u8| matches!(b, 0x00..=0x08 | 0x0E..=0x19 | 0x1C..=0x1F);
    let controls = text.iter().filter(|b| is_control(b)).count();
    if controls < 4 || controls * 20 < text.len() {
        return Ok(());
    }
    let first = text.iter().position(is_control).unwrap_or(0);
    let line = 1 + text[..first].iter().filter(|&&b| b == b'\n').count();
    let nuls = text.iter().filter(|&&b| b == 0).count();
    Err(SourceError {
        message: format!(
            "{} is not a text file or spreadsheet: its start holds {nuls} NUL bytes and {} other \
             control characters (from line {line}), as programs, images and archives do; a \
             spreadsheet is read as .xlsx, .xls or .ods",
            name.display(),
            controls - nuls
        ),
    })
}

/// Reads up to [`SAMPLE_BYTES`]; `true` when that is the whole input.
fn read_sample(input: &mut dyn Read) -> std::io::Result<(Vec<u8>, bool)> {
    let mut sample = Vec::new();
    input.take(SAMPLE_BYTES as u64 + 1).read_to_end(&mut sample)?;
    let at_eof = sample.len() <= SAMPLE_BYTES;
    sample.truncate(SAMPLE_BYTES);
    Ok((sample, at_eof))
}

impl Source for CsvSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError> {
        let mut stream = self.stream()?;
        stream.skip_preamble(self.dialect.preamble)?;
        if self.dialect.has_header {
            let start = stream.reader.position().byte();
            stream.reader.read_byte_record(&mut stream.raw).map_err(|e| stream.error(&e, start))?;
            stream.row += 1;
        }
        Ok(Box::new(stream))
    }
}

/// The decoded text of a file.
type Text = TextReader<Box<dyn Read + Send>>;

/// Whether a read stopped at [`MAX_RECORD_BYTES`].
fn is_too_long(error: &std::io::Error) -> bool {
    error.get_ref().is_some_and(|e| e.is::<RecordTooLong>())
}

struct CsvRecords<'a> {
    reader: csv::Reader<LineTracker<Text>>,
    source: &'a CsvSource,
    raw: csv::ByteRecord,
    /// Row number of the last row read (the header is row 1 when there is one).
    row: u64,
    /// Where the last row read began in the text: byte offset and line.
    start: (u64, u64),
    /// The line the last row read starts on (after the blank lines before it).
    line: u64,
    /// Whether the last row read ended in a line break inside a cell (a quote left open
    /// would end the file so).
    ends_in_break: bool,
    /// Whether the end of the file has been checked for a quote left open.
    end_checked: bool,
    /// Once [`RecordStream::next_cell`] is called, what reads on from where `reader` was.
    column: Option<ColumnScanner<Text>>,
    /// The last cell `column` read.
    cell: Vec<u8>,
}

impl CsvRecords<'_> {
    /// Reads past `rows` rows of notes above the header; rows keep their numbers in the file.
    fn skip_preamble(&mut self, rows: usize) -> Result<(), SourceError> {
        for _ in 0..rows {
            let start = self.reader.position().byte();
            self.reader.read_byte_record(&mut self.raw).map_err(|e| self.error(&e, start))?;
            self.row += 1;
        }
        Ok(())
    }

    /// A read error of the row whose read began at text offset `start`, naming the row and
    /// the line it starts on.
    fn error(&mut self, error: &csv::Error, start: u64) -> SourceError {
        let too_long = match error.kind() {
            csv::ErrorKind::Io(io) => is_too_long(io),
            _ => false,
        };
        let place = RowPlace { row: self.row + 1, line: self.reader.get_mut().line_at(start) };
        self.read_error(&place.to_string(), too_long, error)
    }

    /// A read error at `place` (the row, and the line it began on where that is known).
    fn read_error(&self, place: &str, too_long: bool, error: &dyn std::fmt::Display) -> SourceError {
        let name = self.source.name.display();
        let message = match too_long {
            true => format!(
                "{name}: {place} is longer than {} MiB; is a quote (\") left open? It then runs on \
                 to the end of the file",
                MAX_RECORD_BYTES / (1024 * 1024)
            ),
            false => format!("{name}: {place}: {error}"),
        };
        SourceError { message }
    }

    /// A scanner of the text from where the `csv` reader stands (it reads ahead, so the
    /// text is opened again and read up to there).
    fn scanner(&self) -> Result<ColumnScanner<Text>, SourceError> {
        let consumed = self.reader.position().byte();
        self.scanner_at(consumed, false)
    }

    /// A scanner of the text from byte `offset` on. With `seek`, and when the text is the
    /// file's own bytes, the file is opened at that offset instead of read up to it.
    fn scanner_at(&self, offset: u64, seek: bool) -> Result<ColumnScanner<Text>, SourceError> {
        let (delimiter, quote) = (self.source.dialect.delimiter, self.source.dialect.quote);
        if seek && self.reader.get_ref().get_ref().passed_through() {
            let bom = self.source.encoding.bom_len as u64;
            let raw = self.source.input.open_at(&self.source.name, bom + offset)?;
            let encoding = self.source.encoding;
            let text = TextReader::new(raw, encoding.encoding, encoding.source);
            return Ok(ColumnScanner::new(text, delimiter, quote).starting_at(offset));
        }
        let mut text = self.source.text()?;
        let skipped = std::io::copy(&mut (&mut text).take(offset), &mut std::io::sink())
            .map_err(|e| self.scan_error(&e))?;
        if skipped != offset {
            return Err(SourceError {
                message: format!("{}: the file changed while it was read", self.source.name.display()),
            });
        }
        Ok(ColumnScanner::new(text, delimiter, quote).starting_at(offset))
    }

    /// A read error of the column scanner, naming the row it was reading.
    fn scan_error(&self, error: &std::io::Error) -> SourceError {
        self.read_error(&format!("row {}", self.row + 1), is_too_long(error), error)
    }

    /// The error of a quote opened at text offset `at`, in row `row`, and never closed.
    fn unclosed_quote(&self, row: u64, at: u64) -> SourceError {
        let line = match self.line_at(at) {
            Ok(line) => format!("line {line}"),
            Err(e) => return e,
        };
        let quote = char::from(self.source.dialect.quote.unwrap_or(b'"'));
        SourceError {
            message: format!(
                "{}: row {row}: the quote ({quote}) opened on {line} is never closed, so the rest of \
                 the file would be one cell; close it, or double a quote that is part of the text \
                 ({quote}{quote})",
                self.source.name.display()
            ),
        }
    }

    /// The line of text offset `at` (read again from the start: only for error messages).
    fn line_at(&self, at: u64) -> Result<u64, SourceError> {
        let mut text = self.source.text()?.take(at);
        let mut buffer = vec![0; 64 * 1024];
        let mut lines = 1;
        loop {
            let read = match text.read(&mut buffer) {
                Ok(0) => return Ok(lines),
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.scan_error(&e)),
            };
            lines += memchr::memchr_iter(b'\n', &buffer[..read]).count() as u64;
        }
    }

    /// At the end of the file: an error when the last row is a quoted cell never closed.
    /// `csv_core` ends such a cell at the end of the input without a word, so the last row
    /// is read again, from where it began, by the scanner, which tells. That is needed only
    /// when the row ended in a line break inside a cell (a file that ends with one after an
    /// open quote) or the file has no line break at its end.
    fn check_end(&mut self) -> Result<(), SourceError> {
        if self.end_checked || self.row == 0 || self.source.dialect.quote.is_none() {
            return Ok(());
        }
        self.end_checked = true;
        if !self.ends_in_break && self.file_ends_in_break() {
            return Ok(());
        }
        let mut scanner = self.scanner_at(self.start.0, true)?;
        scanner.next_cell(usize::MAX, &mut Vec::new()).map_err(|e| self.scan_error(&e))?;
        match scanner.unclosed_quote() {
            Some(at) => Err(self.unclosed_quote(self.row, at)),
            None => Ok(()),
        }
    }

    /// Whether the text read so far is the file's own bytes and its last byte is a line
    /// break (`false` when that is not known).
    fn file_ends_in_break(&self) -> bool {
        let end = self.reader.position().byte();
        if end == 0 || !self.reader.get_ref().get_ref().passed_through() {
            return false;
        }
        let offset = self.source.encoding.bom_len as u64 + end - 1;
        let mut last = [0u8];
        let read = self
            .source
            .input
            .open_at(&self.source.name, offset)
            .and_then(|mut input| input.read_exact(&mut last).map_err(SourceError::from));
        read.is_ok() && matches!(last[0], b'\n' | b'\r')
    }

    /// Reads the next row's bytes into `self.raw`; `false` at the end.
    fn read_raw(&mut self) -> Result<bool, SourceError> {
        self.reader.get_mut().get_mut().reset_budget();
        let start = self.reader.position();
        self.start = (start.byte(), start.line());
        match self.reader.read_byte_record(&mut self.raw) {
            Ok(true) => {}
            Ok(false) => {
                self.check_end()?;
                return Ok(false);
            }
            Err(e) => return Err(self.error(&e, self.start.0)),
        }
        self.row += 1;
        self.ends_in_break = matches!(self.raw.as_slice().last(), Some(b'\n' | b'\r'));
        self.line = self.reader.get_mut().line_at(self.start.0);
        Ok(true)
    }

    /// The cells of `self.raw` into `record`, each checked on its own.
    fn push_cells_one_by_one(&self, record: &mut Record) {
        for (column, cell) in self.raw.iter().enumerate() {
            match std::str::from_utf8(cell) {
                Ok(text) => record.push(text),
                Err(_) => {
                    record.push(&String::from_utf8_lossy(cell));
                    if record.problem.is_none() {
                        record.problem = Some(format!(
                            "cell {} holds bytes that are not valid UTF-8 (shown as \u{FFFD}); save the file \
                             as UTF-8 or name its encoding",
                            column + 1
                        ));
                    }
                }
            }
        }
    }
}

impl RecordStream for CsvRecords<'_> {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        if !self.read_raw()? {
            return Ok(false);
        }
        record.clear();
        record.row = self.row;
        record.line = self.line;
        // One UTF-8 check for the whole row; cell boundaries are then char boundaries unless
        // a cell ends inside a character, which only invalid cells do.
        let Ok(text) = std::str::from_utf8(self.raw.as_slice()) else {
            self.push_cells_one_by_one(record);
            return Ok(true);
        };
        let mut start = 0;
        for cell in self.raw.iter() {
            let end = start + cell.len();
            match text.get(start..end) {
                Some(cell) => record.push(cell),
                None => {
                    record.clear();
                    record.row = self.row;
                    record.line = self.line;
                    self.push_cells_one_by_one(record);
                    return Ok(true);
                }
            }
            start = end;
        }
        let decoder = self.reader.get_ref().get_ref();
        if decoder.saw_malformed() {
            let bad = record.iter().position(|cell| cell.contains('\u{FFFD}'));
            if let Some(column) = bad {
                record.problem = Some(format!(
                    "cell {} holds bytes that are not valid {} (shown as \u{FFFD}); check the file's encoding",
                    column + 1,
                    decoder.encoding()
                ));
            }
        }
        Ok(true)
    }

    /// Only the one cell is checked and copied: pass 1 of an import reads the identifier
    /// column of every row, and parsing whole records was most of its reading thread. The
    /// first call hands the stream over to a [`ColumnScanner`] that starts where the `csv`
    /// reader stands; `next_record` must not be called after it.
    fn next_cell(
        &mut self,
        column: usize,
        _scratch: &mut Record,
        cells: &mut Record,
    ) -> Result<bool, SourceError> {
        if self.column.is_none() {
            self.column = Some(self.scanner()?);
        }
        let Some(scanner) = &mut self.column else { return Ok(false) };
        if let Some(at) = scanner.unclosed_quote() {
            return Err(self.unclosed_quote(self.row, at));
        }
        scanner.input_mut().reset_budget();
        match scanner.next_cell(column, &mut self.cell) {
            Ok(true) => self.row += 1,
            Ok(false) => return Ok(false),
            Err(e) => return Err(self.scan_error(&e)),
        }
        // As `next_record` reads it: valid text as is, invalid bytes as U+FFFD.
        match std::str::from_utf8(&self.cell) {
            Ok(text) => cells.push(text),
            Err(_) => cells.push(&String::from_utf8_lossy(&self.cell)),
        }
        Ok(true)
    }
}
