//! Opening the file to import as a [`Source`], by its kind: CSV or other delimited text
//! (encoding and dialect found from the file unless the user said), and reading a sample of
//! its rows for the mapping suggestions.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use intake_core::plan::ReaderSettings;
use intake_core::read::{Record, Source};
use intake_formats::csv::{CsvOptions, CsvSource, ResultsFormat, TextEncoding};

use crate::args::ReadArgs;

/// Rows read to recognize columns by their values.
const SAMPLE_ROWS: usize = 200;

/// An opened input file.
pub enum Input {
    /// CSV or other delimited text.
    Csv(CsvSource),
}

impl Input {
    /// The rows, as the pipeline reads them.
    pub fn source(&self) -> &dyn Source {
        match self {
            Input::Csv(csv) => csv,
        }
    }

    /// How the results and error files are written.
    pub fn results_format(&self) -> ResultsFormat {
        match self {
            Input::Csv(csv) => csv.results_format(),
        }
    }

    /// One line for people on how the file is read.
    pub fn describe(&self) -> String {
        match self {
            Input::Csv(csv) => csv.describe(),
        }
    }

    /// What a resumed import must know to read the file the same way.
    pub fn record_settings(&self, settings: &mut ReaderSettings) {
        match self {
            Input::Csv(csv) => settings.delimiter = Some(char::from(csv.delimiter())),
        }
    }

    /// The first rows' cells, for suggestions from values.
    pub fn sample(&self) -> anyhow::Result<Vec<Vec<String>>> {
        let mut records = self.source().records()?;
        let mut record = Record::default();
        let mut rows = Vec::new();
        while rows.len() < SAMPLE_ROWS && records.next_record(&mut record)? {
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(rows)
    }
}

/// The reader settings the flags give.
pub fn settings(read: &ReadArgs) -> anyhow::Result<ReaderSettings> {
    let file_size =
        std::fs::metadata(&read.file).with_context(|| format!("reading {}", read.file.display()))?.len();
    Ok(ReaderSettings {
        delimiter: read.delimiter.as_deref().map(parse_delimiter).transpose()?,
        encoding: read.encoding.clone(),
        has_header: match (read.header, read.no_header) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        sheet: None,
        file_size: Some(file_size),
    })
}

fn parse_delimiter(text: &str) -> anyhow::Result<char> {
    match text {
        "\\t" | "tab" => Ok('\t'),
        _ => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some('"' | '\r' | '\n'), None) => bail!("--delimiter cannot be a quote or a line break"),
                (Some(c), None) if c.is_ascii() => Ok(c),
                _ => bail!("--delimiter must be one ASCII character (or \\t), not {text:?}"),
            }
        }
    }
}

/// Opens `path` with the user's reader settings.
pub fn open(path: &Path, settings: &ReaderSettings) -> anyhow::Result<Input> {
    let encoding = settings
        .encoding
        .as_deref()
        .map(TextEncoding::from_label)
        .transpose()
        .map_err(|e| anyhow!("--encoding: {e}"))?;
    let delimiter = settings.delimiter.map(|c| c as u8);
    let options = CsvOptions { delimiter, encoding, has_header: settings.has_header };
    Ok(Input::Csv(CsvSource::open(path, options)?))
}
