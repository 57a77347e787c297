//! CSV: a streaming reader ([`CsvSource`]) and the results/error file writer
//! ([`ResultsWriter`]).

mod reader;
mod results;

pub use reader::{CsvOptions, CsvSource};
pub use results::{ResultsWriter, ResultsWriterError};
