//! One column of every record of a CSV stream, read straight from its bytes.
//!
//! Pass 1 of an import reads the identifier column of every row. Through the `csv` crate
//! that meant parsing every cell of every row into a record and throwing all but one away:
//! 0.49 s of the 1M-row benchmark's 12.8 s of CPU, on the thread that paces pass 1. This
//! scanner copies only the one cell and jumps over the rest with `memchr`.
//!
//! It splits records exactly as `csv_core` does with the options the CSV source uses (the
//! source's delimiter and quote or no quoting, doubled quotes inside quotes, any of `\r`,
//! `\n`, `\r\n` ending a record, blank lines skipped, ragged rows kept): the property test
//! `one_column_reads_as_in_whole_rows` holds the two to the same cells for any bytes.
//!
//! `csv_core` ends a quoted cell that is never closed at the end of the input without a
//! word; the scanner does the same but remembers where that quote opened
//! ([`ColumnScanner::unclosed_quote`]): such a cell holds the rest of the file and is never
//! what the user meant.

use std::io::Read;

/// Where the scanner is within a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records (blank lines are skipped here).
    StartRecord,
    /// At the start of a field.
    StartField,
    /// In a field that did not start with a quote.
    InField,
    /// In a quoted field.
    InQuoted,
    /// Just after a quote inside a quoted field: a second quote is a literal one.
    AfterQuote,
}

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// Reads the cells of one column from a stream of CSV bytes (UTF-8 as decoded).
pub(crate) struct ColumnScanner<R> {
    input: R,
    /// Offset in the text of the buffer's first byte.
    offset: u64,
    /// Offset of the quote that opened the last quoted cell.
    quote_at: u64,
    /// Offset of a quote still open at the end of the input.
    unclosed: Option<u64>,
    buffer: Vec<u8>,
    /// The unread bytes are `buffer[at..end]`.
    at: usize,
    end: usize,
    /// The last byte of the buffer before the last refill.
    last_of_previous: u8,
    delimiter: u8,
    quote: Option<u8>,
    /// Whether the text's first bytes are still to come: a UTF-8 byte-order mark there is
    /// skipped, as the `csv` crate skips it (a second BOM after the file's own, which the
    /// decoder took off, or one inside UTF-16 text).
    at_text_start: bool,
}

/// U+FEFF in UTF-8.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl<R: Read> ColumnScanner<R> {
    pub(crate) fn new(input: R, delimiter: u8, quote: Option<u8>) -> ColumnScanner<R> {
        ColumnScanner {
            input,
            offset: 0,
            quote_at: 0,
            unclosed: None,
            buffer: vec![0; CHUNK],
            at: 0,
            end: 0,
            last_of_previous: b'\n',
            delimiter,
            quote,
            at_text_start: true,
        }
    }

    /// Counts offsets from `base`, where the input starts in the text.
    pub(crate) fn starting_at(mut self, base: u64) -> ColumnScanner<R> {
        self.offset = base;
        self.at_text_start = base == 0;
        self
    }

    /// Where (the offset in the text) a quote opened that was still open at the end of the
    /// input, once the scanner has read to there.
    pub(crate) fn unclosed_quote(&self) -> Option<u64> {
        self.unclosed
    }

    /// The stream it reads.
    pub(crate) fn input_mut(&mut self) -> &mut R {
        &mut self.input
    }

    /// Reads more when no unread bytes are left; none are left at the end of the input.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.at == self.end {
            if self.end > 0 {
                self.last_of_previous = self.buffer[self.end - 1];
            }
            self.offset += self.end as u64;
            self.at = 0;
            self.end = loop {
                match self.input.read(&mut self.buffer) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    read => break read?,
                }
            };
        }
        Ok(())
    }

    /// Puts the cell of `column` of the next record into `cell` (empty when the record is
    /// shorter); `false` at the end of the input.
    pub(crate) fn next_cell(&mut self, column: usize, cell: &mut Vec<u8>) -> std::io::Result<bool> {
        cell.clear();
        let mut state = State::StartRecord;
        let mut field = 0;
        loop {
            let (delimiter, quote) = (self.delimiter, self.quote);
            self.fill()?;
            if std::mem::take(&mut self.at_text_start) && self.buffer[self.at..self.end].starts_with(UTF8_BOM)
            {
                self.at += UTF8_BOM.len();
                continue;
            }
            // The byte before the unread ones.
            let before = match self.at {
                0 => self.last_of_previous,
                at => self.buffer[at - 1],
            };
            let bytes = &self.buffer[self.at..self.end];
            if bytes.is_empty() {
                if state == State::InQuoted {
                    self.unclosed = Some(self.quote_at);
                }
                return Ok(state != State::StartRecord);
            }
            let wanted = field == column;
            // How many bytes this step takes, and the state after them.
            let (taken, next) = match state {
                // Past the wanted cell only the end of the record matters: jump from quote to
                // quote, not from cell to cell (the cells after an e-mail column were most of
                // pass 1's reading). A quote opens a quoted cell only right after a delimiter;
                // anywhere else in an unquoted cell it is text, as in `csv_core`.
                State::InField if field > column => match quote {
                    Some(q) => match memchr::memchr3(q, b'\r', b'\n', bytes) {
                        None => (bytes.len(), State::InField),
                        Some(i) if bytes[i] == q => {
                            let opens = match i {
                                0 => before == delimiter,
                                _ => bytes[i - 1] == delimiter,
                            };
                            if opens {
                                self.quote_at = self.offset + (self.at + i) as u64;
                            }
                            self.at += i + 1;
                            state = if opens { State::InQuoted } else { State::InField };
                            continue;
                        }
                        Some(i) => {
                            self.at += i + 1;
                            return Ok(true);
                        }
                    },
                    None => match memchr::memchr2(b'\r', b'\n', bytes) {
                        None => (bytes.len(), State::InField),
                        Some(i) => {
                            self.at += i + 1;
                            return Ok(true);
                        }
                    },
                },
                State::StartRecord if is_end(bytes[0]) => (1, State::StartRecord),
                State::StartRecord => (0, State::StartField),
                State::StartField if Some(bytes[0]) == quote => {
                    self.quote_at = self.offset + self.at as u64;
                    (1, State::InQuoted)
                }
                State::StartField => (0, State::InField),
                State::InField => match memchr::memchr3(delimiter, b'\r', b'\n', bytes) {
                    None => (bytes.len(), State::InField),
                    Some(i) => {
                        if wanted {
                            cell.extend_from_slice(&bytes[..i]);
                        }
                        let ended_field = bytes[i] == delimiter;
                        self.at += i + 1;
                        if ended_field {
                            field += 1;
                            state = State::StartField;
                            continue;
                        }
                        return Ok(true);
                    }
                },
                State::InQuoted => match quote.and_then(|q| memchr::memchr(q, bytes)) {
                    None => (bytes.len(), State::InQuoted),
                    Some(i) => {
                        if wanted {
                            cell.extend_from_slice(&bytes[..i]);
                        }
                        self.at += i + 1;
                        state = State::AfterQuote;
                        continue;
                    }
                },
                State::AfterQuote => {
                    let byte = bytes[0];
                    self.at += 1;
                    if Some(byte) == quote {
                        if wanted {
                            cell.push(byte);
                        }
                        state = State::InQuoted;
                    } else if byte == delimiter {
                        field += 1;
                        state = State::StartField;
                    } else if is_end(byte) {
                        return Ok(true);
                    } else {
                        // Text after a closing quote belongs to the field, as in `csv_core`.
                        if wanted {
                            cell.push(byte);
                        }
                        state = State::InField;
                    }
                    continue;
                }
            };
            if wanted && matches!(state, State::InField | State::InQuoted) {
                cell.extend_from_slice(&bytes[..taken]);
            }
            self.at += taken;
            state = next;
        }
    }
}

/// Whether `byte` ends a record.
fn is_end(byte: u8) -> bool {
    byte == b'\r' || byte == b'\n'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(input: &[u8], column: usize, quote: Option<u8>) -> Vec<String> {
        let mut scanner = ColumnScanner::new(input, b',', quote);
        let mut cell = Vec::new();
        let mut cells = Vec::new();
        while scanner.next_cell(column, &mut cell).expect("in memory") {
            cells.push(String::from_utf8_lossy(&cell).into_owned());
        }
        cells
    }

    #[test]
    fn reads_plain_quoted_ragged_and_multi_line_cells() {
        let input = b"a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n\"q\"\"\",\"line\none\"\r4\n,,\n5";
        assert_eq!(column(input, 1, Some(b'"')), ["b", "x, \"y\"", "line\none", "", "", ""]);
        assert_eq!(column(input, 0, Some(b'"')), ["a", "1", "q\"", "4", "", "5"]);
    }

    #[test]
    fn text_after_a_closing_quote_stays_in_the_cell() {
        assert_eq!(column(b"\"ab\"cd,e\n", 0, Some(b'"')), ["abcd"]);
    }

    #[test]
    fn a_quote_never_closed_ends_the_cell_and_is_remembered() {
        let mut scanner =
            ColumnScanner::new(&b"a,b\n1,\"ab\"\"\n2,3\n"[..], b',', Some(b'"')).starting_at(10);
        let mut cell = Vec::new();
        assert!(scanner.next_cell(1, &mut cell).expect("first row"));
        assert_eq!(scanner.unclosed_quote(), None);
        assert!(scanner.next_cell(1, &mut cell).expect("the rest, as csv_core reads it"));
        assert_eq!(cell, b"ab\"\n2,3\n");
        assert_eq!(scanner.unclosed_quote(), Some(16));
    }

    #[test]
    fn without_quoting_quotes_are_text() {
        assert_eq!(column(b"\"a,b\"\n", 1, None), ["b\""]);
    }

    /// Hands over `step` bytes per read, so that records cross every buffer boundary.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The cells of `column` as the `csv` crate reads them with the CSV source's options.
    fn by_csv_crate(bytes: &[u8], column: usize, delimiter: u8, quote: Option<u8>) -> Vec<Vec<u8>> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote.unwrap_or(b'"'))
            .quoting(quote.is_some())
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::ByteRecord::new();
        let mut cells = Vec::new();
        while reader.read_byte_record(&mut record).expect("in memory") {
            cells.push(record.get(column).unwrap_or_default().to_vec());
        }
        cells
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any bytes, mostly the ones that matter to CSV, split into the same records and
        /// cells as `csv_core` splits them, however the reads are cut.
        #[test]
        fn cells_are_the_csv_crate_s(
            bytes in proptest::collection::vec(
                proptest::sample::select(b"ab,;\t\"\"\r\n\n \xC3\xA9".to_vec()), 0..200),
            column in 0usize..4,
            delimiter in proptest::sample::select(b",;\t".to_vec()),
            quoting: bool,
            step in 1usize..5,
        ) {
            let quote = quoting.then_some(b'"');
            let mut scanner = ColumnScanner::new(Trickle { bytes: &bytes, step }, delimiter, quote);
            let mut cell = Vec::new();
            let mut cells = Vec::new();
            while scanner.next_cell(column, &mut cell).expect("in memory") {
                cells.push(cell.clone());
            }
            if let Some(at) = scanner.unclosed_quote() {
                proptest::prop_assert_eq!(bytes.get(at as usize), quote.as_ref());
            }
            let expected = by_csv_crate(&bytes, column, delimiter, quote);
            proptest::prop_assert_eq!(cells, expected);
        }
    }
}
