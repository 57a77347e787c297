//! Why an import could not be set up or run.

use std::path::PathBuf;

use intake_core::map::MappingError;
use intake_core::read::SourceError;
use intake_formats::sheet::SheetError;
use intake_store::StoreError;

/// Why an import could not be set up or run. Every message is a sentence for people.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The settings break a rule (an unknown purpose, a bad `--delimiter` …).
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    File { path: PathBuf, source: std::io::Error },
    /// The input file cannot be read as what it seems to be.
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// The results or error file could not be written.
    #[error(transparent)]
    Results(#[from] intake_formats::csv::ResultsWriterError),
    /// The mapping cannot be built (a column mapped twice, an unknown field …).
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another import, resume or undo holds the workspace's lease.
    #[error("{0}")]
    Busy(String),
    /// The import stopped; the message says why and what to do.
    #[error("{0}")]
    Stopped(String),
    /// Stopped on request at the end of a batch; what it wrote stays.
    #[error("import {id} was cancelled after {rows} rows")]
    Cancelled { id: i64, rows: u64 },
}

impl ImportError {
    pub(crate) fn file(path: impl Into<PathBuf>, source: std::io::Error) -> ImportError {
        ImportError::File { path: path.into(), source }
    }
}
