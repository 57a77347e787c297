//! Opening the file to import as a [`Source`], by its kind: a spreadsheet (`.xlsx`, `.xls`,
//! `.ods`, or a file that starts like one), a vCard file (`.vcf`, or one that starts with
//! `BEGIN:VCARD`), or else CSV and other delimited text (encoding and dialect found from the
//! file unless the user said); and reading a sample of its rows for the mapping suggestions.

use std::path::Path;

use std::path::PathBuf;

use intake_core::model::{FieldKind, Schema};
use intake_core::overlay::{CorrectedStream, Corrections};
use intake_core::plan::{ReaderSettings, SheetCaps};
use intake_core::read::{Record, RecordStream, Source, SourceError};
use intake_formats::csv::{CsvOptions, CsvSource, ResultsFormat, TextEncoding};
use intake_formats::sheet::{SheetChoice, SheetOptions, SheetSource};
use intake_formats::vcard::{VcardOptions, VcardSource};

use crate::ImportError;

/// How to read the file, as a person said it (`--delimiter`, `--encoding` …): what is not
/// said is found from the file.
#[derive(Debug, Clone, Default)]
pub struct ReadRequest {
    pub file: PathBuf,
    /// One ASCII character, or `\t` / `tab`.
    pub delimiter: Option<String>,
    /// An encoding label (`utf-8`, `windows-1252`, `utf-16le` …).
    pub encoding: Option<String>,
    /// Whether the first row is a header; found from the file when `None`.
    pub has_header: Option<bool>,
    /// A spreadsheet's sheet, by name or 1-based number.
    pub sheet: Option<String>,
    /// A spreadsheet's caps, where the person raised or lowered them.
    pub sheet_caps: SheetCaps,
}

/// Rows read to recognize columns by their values.
const SAMPLE_ROWS: usize = 200;

/// An opened input file, with the corrections of its rows a person made in the review laid
/// over it (none, unless [`Input::with_corrections`] gave some): every reading of its rows
/// takes them.
pub struct Input {
    file: InputFile,
    corrections: Corrections,
}

/// The file, by its kind.
enum InputFile {
    /// CSV or other delimited text.
    Csv(CsvSource),
    /// A worksheet of an Excel or OpenDocument spreadsheet.
    Sheet(SheetSource),
    /// vCard 2.1, 3.0 or 4.0 cards, one row each.
    Vcard(VcardSource),
}

impl From<InputFile> for Input {
    fn from(file: InputFile) -> Input {
        Input { file, corrections: Corrections::default() }
    }
}

impl Source for Input {
    fn headers(&self) -> &[String] {
        self.file_source().headers()
    }

    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError> {
        let rows = self.file_source().records()?;
        match self.corrections.is_empty() {
            true => Ok(rows),
            false => Ok(Box::new(CorrectedStream::new(rows, &self.corrections))),
        }
    }
}

/// How a file is read: its format, and for CSV its encoding and dialect, for a spreadsheet
/// its sheets; and its column headers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileInfo {
    /// `csv`, `xlsx`, `xls`, `ods` or `vcard`.
    pub format: String,
    pub encoding: Option<String>,
    /// One character, or `\t`.
    pub delimiter: Option<String>,
    pub quote: Option<String>,
    pub has_header: bool,
    /// The row of the header (after rows of notes above it).
    pub header_row: Option<u64>,
    /// The sheet read.
    pub sheet: Option<String>,
    /// Every sheet of the workbook, in tab order.
    pub sheet_names: Vec<String>,
    pub headers: Vec<String>,
}

/// Results files of inputs that are not CSV: comma-separated UTF-8 with a byte-order mark,
/// which Excel opens with the right characters.
const RESULTS_AS_CSV: ResultsFormat = ResultsFormat { delimiter: b',', byte_order_mark: true };

impl Input {
    /// The rows, as the pipeline reads them: corrected where a correction was given.
    pub fn source(&self) -> &dyn Source {
        self
    }

    /// The file's rows as read, without corrections.
    fn file_source(&self) -> &dyn Source {
        match &self.file {
            InputFile::Csv(csv) => csv,
            InputFile::Sheet(sheet) => sheet,
            InputFile::Vcard(cards) => cards,
        }
    }

    /// The input with `corrections` laid over its rows (in place of any it had).
    pub fn with_corrections(mut self, corrections: Corrections) -> Input {
        self.corrections = corrections;
        self
    }

    /// Row number `row` as the file has it (without corrections); `None` when the file has no
    /// such row.
    pub fn row_as_read(&self, row: u64) -> Result<Option<Record>, ImportError> {
        let mut records = self.file_source().records()?;
        let mut record = Record::default();
        while records.next_record(&mut record)? {
            if record.row == row {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// How the results and error files are written.
    pub fn results_format(&self) -> ResultsFormat {
        match &self.file {
            InputFile::Csv(csv) => csv.results_format(),
            InputFile::Sheet(_) | InputFile::Vcard(_) => RESULTS_AS_CSV,
        }
    }

    /// One line for people on how the file is read.
    pub fn describe(&self) -> String {
        match &self.file {
            InputFile::Csv(csv) => csv.describe(),
            InputFile::Sheet(sheet) => format!("{:?} spreadsheet, sheet {:?}", sheet.format(), sheet.sheet()),
            InputFile::Vcard(_) => "vCard, one row per card".to_string(),
        }
    }

    /// How the file is read, field by field, for a program to show and change.
    pub fn file_info(&self) -> FileInfo {
        let headers = self.source().headers().to_vec();
        match &self.file {
            InputFile::Csv(csv) => {
                let dialect = csv.dialect();
                FileInfo {
                    format: "csv".into(),
                    encoding: Some(csv.encoding().encoding.to_string()),
                    delimiter: Some(match dialect.delimiter {
                        b'\t' => "\\t".to_string(),
                        d => char::from(d).to_string(),
                    }),
                    quote: dialect.quote.map(|q| char::from(q).to_string()),
                    has_header: dialect.has_header,
                    header_row: dialect.has_header.then_some(dialect.preamble as u64 + 1),
                    sheet: None,
                    sheet_names: Vec::new(),
                    headers,
                }
            }
            InputFile::Sheet(sheet) => FileInfo {
                format: format!("{:?}", sheet.format()).to_lowercase(),
                encoding: None,
                delimiter: None,
                quote: None,
                has_header: true,
                header_row: Some(1),
                sheet: Some(sheet.sheet().to_string()),
                sheet_names: sheet.sheet_names().to_vec(),
                headers,
            },
            InputFile::Vcard(_) => FileInfo {
                format: "vcard".into(),
                encoding: None,
                delimiter: None,
                quote: None,
                has_header: false,
                header_row: None,
                sheet: None,
                sheet_names: Vec::new(),
                headers,
            },
        }
    }

    /// Counts the file's rows, telling `so_far` the count every `every` rows; stops early,
    /// with the count so far, once `enough` rows are counted.
    pub fn count_rows(
        &self,
        every: u64,
        enough: u64,
        so_far: &mut dyn FnMut(u64),
    ) -> Result<u64, ImportError> {
        let mut records = self.source().records()?;
        let mut record = Record::default();
        let mut rows = 0;
        while rows < enough && records.next_record(&mut record)? {
            rows += 1;
            if rows % every == 0 {
                so_far(rows);
            }
        }
        Ok(rows)
    }

    /// What a resumed import must know to read the file the same way.
    pub fn record_settings(&self, settings: &mut ReaderSettings) {
        match &self.file {
            InputFile::Csv(csv) => settings.delimiter = Some(char::from(csv.delimiter())),
            InputFile::Sheet(sheet) => settings.sheet = Some(sheet.sheet().to_string()),
            InputFile::Vcard(_) => {}
        }
    }

    /// The first rows' cells, for suggestions from values.
    pub fn sample(&self) -> Result<Vec<Vec<String>>, ImportError> {
        let mut records = self.source().records()?;
        let mut record = Record::default();
        let mut rows = Vec::new();
        while rows.len() < SAMPLE_ROWS && records.next_record(&mut record)? {
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(rows)
    }
}

/// The reader settings `read` gives.
pub fn settings(read: &ReadRequest) -> Result<ReaderSettings, ImportError> {
    let file_size = std::fs::metadata(&read.file).map_err(|e| ImportError::file(&read.file, e))?.len();
    Ok(ReaderSettings {
        delimiter: read.delimiter.as_deref().map(parse_delimiter).transpose()?,
        encoding: read.encoding.clone(),
        has_header: read.has_header,
        sheet: read.sheet.clone(),
        file_size: Some(file_size),
        sheet_caps: read.sheet_caps,
    })
}

fn parse_delimiter(text: &str) -> Result<char, ImportError> {
    let invalid = |message: String| Err(ImportError::Invalid(message));
    match text {
        "\\t" | "tab" => Ok('\t'),
        _ => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some('"' | '\r' | '\n'), None) => {
                    invalid("--delimiter cannot be a quote or a line break".into())
                }
                (Some(c), None) if c.is_ascii() => Ok(c),
                _ => invalid(format!("--delimiter must be one ASCII character (or \\t), not {text:?}")),
            }
        }
    }
}

/// Opens `path` with the user's reader settings. A vCard file is read with the custom fields
/// of `schema`, which intake's export writes as properties of its own.
pub fn open(path: &Path, settings: &ReaderSettings, schema: &Schema) -> Result<Input, ImportError> {
    let kind = kind_of(path)?;
    if settings.sheet.is_some() && !matches!(kind, Kind::Sheet) {
        return Err(ImportError::Invalid(format!(
            "--sheet is for spreadsheets (.xlsx, .xls, .ods), and {} is not one; leave --sheet out",
            path.display()
        )));
    }
    match kind {
        Kind::Sheet => {
            let sheet = settings.sheet.as_deref().map(SheetChoice::parse);
            Ok(InputFile::Sheet(SheetSource::open(path, sheet_options(sheet, &settings.sheet_caps))?).into())
        }
        Kind::Vcard => {
            let custom: Vec<String> = schema
                .fields()
                .iter()
                .filter(|field| field.kind == FieldKind::Custom)
                .map(|field| field.name.clone())
                .collect();
            Ok(InputFile::Vcard(VcardSource::open(path, VcardOptions::default())?.with_fields(&custom))
                .into())
        }
        Kind::Text => {
            let encoding = settings
                .encoding
                .as_deref()
                .map(TextEncoding::from_label)
                .transpose()
                .map_err(|e| ImportError::Invalid(format!("--encoding: {e}")))?;
            let delimiter = settings.delimiter.map(|c| c as u8);
            let options = CsvOptions { delimiter, encoding, has_header: settings.has_header };
            Ok(InputFile::Csv(CsvSource::open(path, options)?).into())
        }
    }
}

/// The reader's options with the caps the person set.
fn sheet_options(sheet: Option<SheetChoice>, caps: &SheetCaps) -> SheetOptions {
    let defaults = SheetOptions::default();
    SheetOptions {
        sheet,
        max_rows: caps.max_rows.unwrap_or(defaults.max_rows),
        max_columns: caps.max_columns.unwrap_or(defaults.max_columns),
        max_loaded_cells: caps.max_cells.unwrap_or(defaults.max_loaded_cells),
        max_unzipped_bytes: caps.max_unzipped_bytes.unwrap_or(defaults.max_unzipped_bytes),
        max_zip_entries: caps.max_zip_entries.unwrap_or(defaults.max_zip_entries),
        ..defaults
    }
}

enum Kind {
    Sheet,
    Vcard,
    Text,
}

/// The kind of file, by its extension or else by its first bytes (a zip or OLE container
/// is a spreadsheet; `BEGIN:VCARD`, in any case, after a byte-order mark or blank lines, a
/// vCard file).
fn kind_of(path: &Path) -> Result<Kind, ImportError> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => return Ok(Kind::Sheet),
        "vcf" | "vcard" => return Ok(Kind::Vcard),
        _ => {}
    }
    let mut head = [0u8; 64];
    let read = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut head))
        .map_err(|e| ImportError::file(path, e))?;
    let head = &head[..read];
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Kind::Sheet);
    }
    let text =
        String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)).to_ascii_uppercase();
    if text.trim_start().starts_with("BEGIN:VCARD") {
        return Ok(Kind::Vcard);
    }
    Ok(Kind::Text)
}
