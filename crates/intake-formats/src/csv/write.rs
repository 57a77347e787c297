//! Writes CSV records byte for byte as the `csv` crate's writer does with its defaults
//! (quotes only around a cell that holds the delimiter, a quote, CR or LF; `\n` after each
//! record), for the results and error files, with every cell a spreadsheet would run as a
//! formula guarded by a leading `'` as the CSV export guards it
//! ([`intake_core::normalize::formula_guard`]): these files echo the input's cells
//! (`=HYPERLINK(…)`) and are made to be opened in a spreadsheet. Intake's reading takes the
//! `'` off again, so a fixed error file re-imports the values it was given.
//!
//! Our own because the results file is as large as the input and is written on the
//! import's deciding thread, which every row passes through: `csv::Writer` copies each cell
//! through a byte-at-a-time state machine built for output buffers of any size, and took a
//! third of that thread's time. Here a cell that needs no quotes (almost all) is one copy
//! into the buffer, and the guard costs a look at its first byte. A property test holds the
//! output to the crate's writing the guarded cells.

use std::io::{self, BufWriter, Write};

use intake_core::normalize::formula_guard;

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

    /// Writes one record, its cells guarded against formulas. A record with no bytes at all
    /// (no cells, or one empty cell) is written as `""`, so that it is not an empty line,
    /// which readers skip.
    pub(crate) fn write_record<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        let mut bytes = 0;
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(&[self.delimiter])?;
                bytes += 1;
            }
            let guard = formula_guard(cell).as_bytes();
            self.write_cell(guard, cell.as_bytes())?;
            bytes += guard.len() + cell.len();
        }
        if bytes == 0 {
            self.out.write_all(b"\"\"")?;
        }
        self.out.write_all(b"\n")
    }

    /// Writes `guard` and `cell` as one cell (the guard is written apart from the cell, so
    /// that the cell is never copied to put it in front).
    fn write_cell(&mut self, guard: &[u8], cell: &[u8]) -> io::Result<()> {
        let special = |bytes: &[u8]| bytes.iter().any(|&b| self.special[usize::from(b)]);
        if !special(guard) && !special(cell) {
            // Almost every cell has no guard: no call for it (it showed as a tenth more of
            // libc's copying on the results file's writing).
            if !guard.is_empty() {
                self.out.write_all(guard)?;
            }
            return self.out.write_all(cell);
        }
        self.out.write_all(b"\"")?;
        self.out.write_all(guard)?;
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
    use crate::export::guard_formula;
    use proptest::prelude::*;

    fn ours(records: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer = CsvWriter::new(Vec::new(), delimiter, 64);
        for record in records {
            writer.write_record(record.iter().map(String::as_str)).unwrap();
        }
        writer.flush().unwrap();
        writer.get_ref().clone()
    }

    /// What the `csv` crate writes of the records with their cells guarded as the CSV export
    /// guards them.
    fn the_crates_guarded(records: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer =
            csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(Vec::new());
        for record in records {
            writer.write_record(record.iter().map(|cell| guard_formula(cell).into_owned())).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect()
    }

    #[test]
    fn quotes_only_where_needed() {
        let records = table(&[&["a", "b,c", "say \"hi\"", "two\nlines", ""], &[""], &[], &["x;y", "cr\r"]]);
        assert_eq!(
            String::from_utf8(ours(&records, b',')).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\n\"\"\n\"\"\nx;y,\"cr\r\"\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_apostrophe() {
        let records = table(&[
            &["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "@SUM(1)", "+4915123456789", "+ACME"],
            &["-2", "\tindented", "\rreturn", "'=guarded already", "plain", " =spaced", "-1+A1"],
        ]);
        assert_eq!(
            String::from_utf8(ours(&records, b',')).unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'=cmd|' /C calc'!A0,'@SUM(1),+4915123456789,'+ACME\n\
             -2,'\tindented,\"'\rreturn\",'=guarded already,plain, =spaced,'-1+A1\n"
        );
        // With `'` as the delimiter, the guard itself needs quotes.
        assert_eq!(String::from_utf8(ours(&table(&[&["=1", "x"]]), b'\'')).unwrap(), "\"'=1\"'x\n");
    }

    proptest! {
        /// Byte for byte the `csv` crate's output of the guarded cells, on cells that need
        /// quotes, a guard, both or neither.
        #[test]
        fn writes_what_the_csv_crate_writes(
            records in prop::collection::vec(
                prop::collection::vec("[a,;\t\"\r\n é#'=+@-]{0,6}", 0..5),
                0..6,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|', b'\'']),
        ) {
            prop_assert_eq!(ours(&records, delimiter), the_crates_guarded(&records, delimiter));
        }
    }
}
