//! vCard 2.1, 3.0 and 4.0 files as a [`Source`]: each card becomes one row of the fixed
//! columns in [`COLUMNS`].
//!
//! The file is streamed line by line and at most one card's values are held; PHOTO, LOGO,
//! SOUND and KEY values are consumed without being kept, and a line or card over the caps in
//! [`VcardOptions`] becomes that card's problem. A broken card (no BEGIN or END, a line that
//! is not a property) gets a problem naming the card and line, and reading goes on with the
//! next card; a file whose first line is not vCard at all is a [`SourceError`].
//!
//! Why an own parser and not `calcard`: `calcard` parses a whole `&str` that must already be
//! UTF-8, so it would still need the streaming, card splitting, PHOTO filtering and per-value
//! charset handling done here, and the bounded-memory guarantee is this reader's main job;
//! what is left after those (splitting a content line, parameters, unescaping) is small and
//! tested here. Quoted-printable, base64 and charsets use `quoted_printable`, `base64` and
//! `encoding_rs`.
//!
//! ```no_run
//! use intake_core::read::{Record, Source};
//! use intake_formats::vcard::{VcardOptions, VcardSource};
//!
//! let source = VcardSource::open("contacts.vcf".as_ref(), VcardOptions::default())?;
//! let mut records = source.records()?;
//! let mut record = Record::default();
//! while records.next_record(&mut record)? {
//!     println!("{:?} {:?}", record.get(0), record.problem);
//! }
//! # Ok::<(), intake_core::read::SourceError>(())
//! ```

mod card;
mod encoding;
mod lines;
mod property;
mod stream;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use intake_core::read::{RecordStream, Source, SourceError};

pub use card::COLUMNS;

use encoding::FileEncoding;
use lines::{LineKind, LineReader};

/// Limits of the vCard reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcardOptions {
    /// Most bytes of one (unfolded) line that are read; a longer line is that card's problem.
    /// PHOTO, LOGO, SOUND and KEY lines are never kept, whatever their length.
    pub max_line_bytes: usize,
    /// Most bytes of text one card may keep; past it the card is a problem.
    pub max_card_bytes: usize,
}

impl Default for VcardOptions {
    fn default() -> Self {
        VcardOptions { max_line_bytes: 1 << 20, max_card_bytes: 1 << 20 }
    }
}

enum Input {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// A vCard file (or bytes) read as rows of [`COLUMNS`] (and of the custom fields of
/// [`VcardSource::with_fields`]).
pub struct VcardSource {
    input: Input,
    name: String,
    options: VcardOptions,
    encoding: FileEncoding,
    headers: Vec<String>,
    /// The custom fields read from `X-INTAKE-FIELD-…` properties, in their columns' order.
    fields: Vec<String>,
}

impl VcardSource {
    /// Opens `path`, detects its encoding and checks that it starts like a vCard file.
    pub fn open(path: &Path, options: VcardOptions) -> Result<VcardSource, SourceError> {
        let name = path.display().to_string();
        let mut sample = Vec::new();
        File::open(path)
            .and_then(|file| file.take(encoding::SAMPLE as u64).read_to_end(&mut sample))
            .map_err(|e| SourceError { message: format!("{name}: {e}") })?;
        VcardSource::new(Input::File(path.to_path_buf()), name, &sample, options)
    }

    /// Reads vCards held in memory; `name` is used in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, options: VcardOptions) -> Result<VcardSource, SourceError> {
        let sample = bytes[..bytes.len().min(encoding::SAMPLE)].to_vec();
        VcardSource::new(Input::Bytes(bytes), name.to_string(), &sample, options)
    }

    fn new(input: Input, name: String, sample: &[u8], options: VcardOptions) -> Result<Self, SourceError> {
        let headers = COLUMNS.iter().map(|c| (*c).to_string()).collect();
        let encoding = encoding::detect(sample);
        let source = VcardSource { input, name, options, encoding, headers, fields: Vec::new() };
        source.check_start()?;
        Ok(source)
    }

    /// Also reads the values of these custom fields (a workspace's), which intake's export
    /// writes as `X-INTAKE-FIELD-<NAME>` properties, into columns named as the fields, after
    /// [`COLUMNS`]. A card's value of any other field is noted as not imported.
    pub fn with_fields(mut self, fields: &[String]) -> VcardSource {
        self.headers.extend(fields.iter().cloned());
        self.fields.extend(fields.iter().cloned());
        self
    }

    /// The file's path, when it was opened from one.
    pub fn path(&self) -> Option<&Path> {
        match &self.input {
            Input::File(path) => Some(path),
            Input::Bytes(_) => None,
        }
    }

    fn lines(&self) -> Result<LineReader<Box<dyn BufRead + Send + '_>>, SourceError> {
        let raw: Box<dyn BufRead + Send + '_> = match &self.input {
            Input::File(path) => {
                let file = File::open(path).map_err(|e| self.error(&e))?;
                Box::new(BufReader::with_capacity(256 * 1024, file))
            }
            Input::Bytes(bytes) => Box::new(bytes.as_slice()),
        };
        let input = encoding::reader(raw, self.encoding).map_err(|e| self.error(&e))?;
        Ok(LineReader::new(input, self.options.max_line_bytes))
    }

    fn error(&self, e: &std::io::Error) -> SourceError {
        SourceError { message: format!("{}: {e}", self.name) }
    }

    /// The first non-blank line must be `BEGIN:VCARD` or a vCard property (a card whose
    /// BEGIN is missing is still read, as a broken card).
    fn check_start(&self) -> Result<(), SourceError> {
        let mut lines = self.lines()?;
        loop {
            let Some(line) = lines.next_logical().map_err(|e| self.error(&e))? else {
                return Err(SourceError { message: format!("{} is empty: it holds no vCard", self.name) });
            };
            match line.kind {
                LineKind::Blank => continue,
                LineKind::Skipped => return Ok(()),
                LineKind::Content if starts_like_vcard(lines.text()) => return Ok(()),
                LineKind::Content => {
                    let found = stream::snippet(lines.text());
                    return Err(SourceError {
                        message: format!(
                            "{}: line {} is not vCard (expected BEGIN:VCARD, found {found:?}); is this a vCard file?",
                            self.name, line.line
                        ),
                    });
                }
            }
        }
    }
}

/// `BEGIN:VCARD`, or a property only vCards have.
fn starts_like_vcard(line: &[u8]) -> bool {
    const NAMES: [&[u8]; 10] =
        [b"VERSION", b"N", b"FN", b"TEL", b"EMAIL", b"ORG", b"UID", b"ADR", b"PRODID", b"END"];
    if lines::is_begin(line) {
        return true;
    }
    property::parse(line)
        .is_some_and(|p| p.group.is_none() && NAMES.iter().any(|n| n.eq_ignore_ascii_case(p.name)))
}

impl Source for VcardSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn records(&self) -> Result<Box<dyn RecordStream + Send + '_>, SourceError> {
        let lines = self.lines()?;
        Ok(Box::new(
            stream::CardStream::new(lines, &self.name, self.options, self.encoding.fallback)
                .with_fields(&self.fields),
        ))
    }
}
