//! CSV and delimited text: encoding detection ([`detect_encoding`]), dialect sniffing
//! ([`sniff_dialect`]), a streaming reader ([`CsvSource`]) and the results/error file writer
//! ([`ResultsWriter`]).
//!
//! ```
//! use intake_core::read::{Record, Source};
//! use intake_formats::csv::{CsvOptions, CsvSource};
//!
//! // Windows-1252 with semicolons, as a German Excel saves "CSV (Trennzeichen-getrennt)".
//! let bytes = b"Vorname;Stadt\nJ\xFCrgen;K\xF6ln\n".to_vec();
//! let source = CsvSource::from_bytes("kontakte.csv", bytes, CsvOptions::default())?;
//! assert_eq!(source.headers(), ["Vorname", "Stadt"]);
//! assert_eq!(source.encoding().encoding.name(), "windows-1252");
//! let mut records = source.records()?;
//! let mut record = Record::default();
//! assert!(records.next_record(&mut record)?);
//! assert_eq!(record.get(1), Some("Köln"));
//! # Ok::<(), intake_core::read::SourceError>(())
//! ```

mod column;
mod decode;
mod encoding;
mod lines;
mod reader;
mod results;
mod sniff;
mod write;

pub use decode::{LOOKAHEAD_BYTES, RecordTooLong, TextReader};
pub use encoding::{
    DetectedEncoding, EncodingSource, MOSTLY_UTF8_RATIO, TextEncoding, UnknownEncoding, detect_encoding,
};
pub use reader::{CsvOptions, CsvSource, MAX_RECORD_BYTES, SAMPLE_BYTES};
pub use results::{ResultsFormat, ResultsWriter, ResultsWriterError};
pub use sniff::{
    DELIMITERS, Dialect, DialectHints, HEADER_RECORDS, looks_like_data, looks_like_header, sniff_dialect,
};
