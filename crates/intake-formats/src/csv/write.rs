//! Writes CSV records byte for byte as the `csv` crate's writer does with its defaults
//! (quotes only around a cell that holds the delimiter, a quote, CR or LF; `\n` after each
//! record), for the results and error files.
//!
//! Our own because the results file is as large as the input and is written on the
//! import's deciding thread, which every row passes through: `csv::Writer` copies each cell
//! through a byte-at-a-time state machine built for output buffers of any size, and took a
//! third of that thread's time. Here a cell that needs no quotes (almost all) is one copy
//! into the buffer. A property test holds the output to the crate's.

use std::io::{self, BufWriter, Write};

/// A CSV writer over a buffered `W`.
pub(crate) struct CsvWriter<W: Write> {
    out: BufWriter<W>,
    delimiter: u8,
    /// The bytes that make a cell need quotes.
    special: [bool; 256],
}

impl<W: Write> CsvWriter<W> {
    pub(crate) fn new(inner: W, delimiter: u8, buffer: usize) -> CsvWriter<W> {
        let mut special = [false; 256];
        for byte in [delimiter, b'"', b'\r', b'\n'] {
            special[usize::from(byte)] = true;
        }
        CsvWriter { out: BufWriter::with_capacity(buffer, inner), delimiter, special }
    }

    /// Writes one record. A record with no bytes at all (no cells, or one empty cell) is
    /// written as `""`, so that it is not an empty line, which readers skip.
    pub(crate) fn write_record<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        let mut bytes = 0;
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(&[self.delimiter])?;
                bytes += 1;
            }
            self.write_cell(cell.as_bytes())?;
            bytes += cell.len();
        }
        if bytes == 0 {
            self.out.write_all(b"\"\"")?;
        }
        self.out.write_all(b"\n")
    }

    fn write_cell(&mut self, cell: &[u8]) -> io::Result<()> {
        if !cell.iter().any(|&b| self.special[usize::from(b)]) {
            return self.out.write_all(cell);
        }
        self.out.write_all(b"\"")?;
        let mut parts = cell.split(|&b| b == b'"');
        if let Some(first) = parts.next() {
            self.out.write_all(first)?;
        }
        for part in parts {
            self.out.write_all(b"\"\"")?;
            self.out.write_all(part)?;
        }
        self.out.write_all(b"\"")
    }

    /// Writes out what is buffered.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The writer underneath (what is buffered is not in it yet).
    pub(crate) fn get_ref(&self) -> &W {
        self.out.get_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(records: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer = CsvWriter::new(Vec::new(), delimiter, 64);
        for record in records {
            writer.write_record(record.iter().map(String::as_str)).unwrap();
        }
        writer.flush().unwrap();
        writer.get_ref().clone()
    }

    fn the_crates(records: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer =
            csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(Vec::new());
        for record in records {
            writer.write_record(record).unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn quotes_only_where_needed() {
        let records = vec![
            vec!["a".to_string(), "b,c".into(), "say \"hi\"".into(), "two\nlines".into(), "".into()],
            vec!["".into()],
            vec![],
            vec!["x;y".into(), "cr\r".into()],
        ];
        assert_eq!(
            String::from_utf8(ours(&records, b',')).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\n\"\"\n\"\"\nx;y,\"cr\r\"\n"
        );
    }

    proptest! {
        #[test]
        fn writes_what_the_csv_crate_writes(
            records in prop::collection::vec(
                prop::collection::vec("[a,;\t\"\r\n é#']{0,6}", 0..5),
                0..6,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        ) {
            prop_assert_eq!(ours(&records, delimiter), the_crates(&records, delimiter));
        }
    }
}
