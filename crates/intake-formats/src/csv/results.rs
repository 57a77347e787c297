//! The results file (every row, its original cells, `Import Status`, `Errors`, `Notes`) and
//! the error file (only the Error rows, with an `Error` column, ready to fix and re-upload).
//! Both can be cut back to a checkpoint so a resumed import carries on where it was. Their
//! cells that a spreadsheet would run as formulas (`=HYPERLINK(…)`, `+49…`) get a leading
//! `'` as in the CSV export, which intake's reading takes off again (see `write`).

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use intake_core::plan::{RowOutcome, Status};
use intake_core::read::Record;
use intake_core::report::{ERROR_FILE_COLUMN, RESULTS_COLUMNS, ResultSink, SinkOffsets, added_column_names};

use super::write::CsvWriter;

/// How results and error files are written: the input's delimiter, always UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultsFormat {
    /// The cell separator.
    pub delimiter: u8,
    /// Start a new file with a UTF-8 byte-order mark (Excel needs one to read UTF-8).
    pub byte_order_mark: bool,
}

impl Default for ResultsFormat {
    fn default() -> Self {
        ResultsFormat { delimiter: b',', byte_order_mark: false }
    }
}

/// Why a results file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ResultsWriterError {
    path: String,
    source: std::io::Error,
}

/// Writes the results and error files of one import.
pub struct ResultsWriter {
    header_len: usize,
    results: Option<CsvWriter<File>>,
    errors: Option<CsvWriter<File>>,
}

impl ResultsWriter {
    /// Opens the files; with `resume_at` they are cut back to those offsets and appended to,
    /// otherwise created anew with a header row.
    pub fn open(
        headers: &[String],
        format: ResultsFormat,
        results: Option<&Path>,
        errors: Option<&Path>,
        resume_at: Option<SinkOffsets>,
    ) -> Result<ResultsWriter, ResultsWriterError> {
        let extra_results = added_column_names(headers, &RESULTS_COLUMNS);
        let results = results
            .map(|p| open_one(p, format, headers, &extra_results, resume_at.map(|o| o.results)))
            .transpose()?;
        let extra_errors = added_column_names(headers, &[ERROR_FILE_COLUMN]);
        let errors = errors
            .map(|p| open_one(p, format, headers, &extra_errors, resume_at.map(|o| o.errors)))
            .transpose()?;
        Ok(ResultsWriter { header_len: headers.len(), results, errors })
    }

    /// The row's cells cut or padded to the header's width: extra cells of a ragged row are
    /// named in its error, and the status columns stay aligned.
    fn cells(header_len: usize, record: &Record) -> impl Iterator<Item = &str> {
        let padding = header_len.saturating_sub(record.len());
        record.iter().take(header_len).chain(std::iter::repeat_n("", padding))
    }
}

fn open_one(
    path: &Path,
    format: ResultsFormat,
    headers: &[String],
    extra: &[String],
    resume_at: Option<u64>,
) -> Result<CsvWriter<File>, ResultsWriterError> {
    let error = |source| ResultsWriterError { path: path.display().to_string(), source };
    // Results hold personal data: readable by their owner only, whatever the umask.
    let mut options = OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match resume_at {
        Some(offset) => {
            let mut file = options.truncate(false).open(path).map_err(error)?;
            // Shorter than what the import wrote: it is not the import's file any more, and
            // cutting it "back" would pad it with zeros.
            if file.metadata().map_err(error)?.len() < offset {
                return Err(error(std::io::Error::other(format!(
                    "it is shorter than the {offset} bytes the import had written; it was changed or \
                     replaced since, so the import cannot carry on writing it"
                ))));
            }
            file.set_len(offset).map_err(error)?;
            file.seek(SeekFrom::End(0)).map_err(error)?;
            file
        }
        None => options.truncate(true).open(path).map_err(error)?,
    };
    const RESULTS_BUFFER: usize = 256 * 1024;
    let at_start = file.stream_position().map_err(error)? == 0;
    if at_start && format.byte_order_mark {
        file.write_all(b"\xEF\xBB\xBF").map_err(error)?;
    }
    // A results file is as large as the input: with the default 8 KiB buffer, writing it was
    // one system call per 8 KiB and a tenth of the deciding thread's time.
    let mut writer = CsvWriter::new(file, format.delimiter, RESULTS_BUFFER);
    if at_start {
        let header = headers.iter().chain(extra).map(String::as_str);
        writer.write_record(header).map_err(error)?;
    }
    Ok(writer)
}

impl ResultSink for ResultsWriter {
    fn write(&mut self, record: &Record, outcome: &RowOutcome) -> std::io::Result<()> {
        if self.results.is_none() && (self.errors.is_none() || outcome.status != Status::Error) {
            return Ok(());
        }
        let messages = outcome.messages.join("; ");
        if let Some(writer) = &mut self.results {
            let notes = outcome.notes.join("; ");
            // A skip's reason is no error: it goes with the notes.
            let skip_notes;
            let (errors, notes) = match outcome.status {
                Status::Skipped => {
                    skip_notes = [messages.as_str(), notes.as_str()]
                        .into_iter()
                        .filter(|text| !text.is_empty())
                        .collect::<Vec<_>>()
                        .join("; ");
                    ("", skip_notes.as_str())
                }
                _ => (messages.as_str(), notes.as_str()),
            };
            let extra = [outcome.status.as_str(), errors, notes];
            writer.write_record(Self::cells(self.header_len, record).chain(extra))?;
        }
        if let (Status::Error, Some(writer)) = (outcome.status, &mut self.errors) {
            writer.write_record(Self::cells(self.header_len, record).chain([messages.as_str()]))?;
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> std::io::Result<SinkOffsets> {
        let offset = |writer: &mut Option<CsvWriter<File>>| -> std::io::Result<u64> {
            match writer {
                Some(w) => {
                    w.flush()?;
                    let mut file: &File = w.get_ref();
                    file.stream_position()
                }
                None => Ok(0),
            }
        };
        Ok(SinkOffsets { results: offset(&mut self.results)?, errors: offset(&mut self.errors)? })
    }
}
