//! Where a workbook's bytes come from (a file, or bytes in memory), reopened from the start
//! for every pass, as calamine needs `Read + Seek`.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use super::error::SheetError;

/// A workbook's bytes.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    Path(PathBuf),
    Bytes { name: String, bytes: Arc<[u8]> },
}

/// An open [`Input`].
pub(crate) enum InputReader {
    File(BufReader<File>),
    Bytes(Cursor<Arc<[u8]>>),
}

impl Input {
    /// The name used in messages.
    pub(crate) fn name(&self) -> String {
        match self {
            Input::Path(path) => path.display().to_string(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    /// Opens the input at its start.
    pub(crate) fn open(&self) -> Result<InputReader, SheetError> {
        match self {
            Input::Path(path) => File::open(path)
                .map(|f| InputReader::File(BufReader::with_capacity(64 * 1024, f)))
                .map_err(|source| SheetError::Io { file: self.name(), source }),
            Input::Bytes { bytes, .. } => Ok(InputReader::Bytes(Cursor::new(bytes.clone()))),
        }
    }
}

impl Read for InputReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            InputReader::File(r) => r.read(buf),
            InputReader::Bytes(r) => r.read(buf),
        }
    }
}

impl Seek for InputReader {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            InputReader::File(r) => r.seek(pos),
            InputReader::Bytes(r) => r.seek(pos),
        }
    }
}
