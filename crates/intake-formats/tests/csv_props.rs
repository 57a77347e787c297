//! Properties of encoding detection, dialect sniffing and reading: no input makes them panic,
//! a CSV that the `csv` crate writes with any of the four delimiters is sniffed back with
//! that delimiter, and its cells read back as written, in UTF-8, UTF-16 or a legacy encoding.

use intake_core::read::{Record, Source};
use intake_formats::csv::{CsvOptions, CsvSource, DELIMITERS, DialectHints, detect_encoding, sniff_dialect};
use proptest::prelude::*;

/// Cells of plausible contact data: letters (some non-ASCII), digits, `@ . + -`, spaces,
/// quotes, line breaks, and `#`, which stands for the file's delimiter (so that some cells
/// must be quoted). Ambiguous by nature, and so left out: other candidate delimiters (a comma
/// file whose every row holds the same number of unquoted semicolons) and cells that start
/// with `'` (a file whose cells are all wrapped in `'…'` may be single-quoted).
fn cell() -> impl Strategy<Value = String> {
    "([a-zA-Z0-9äöüßéЖ @.+\"#\n-][a-zA-Z0-9äöüßéЖ @.+'\"#\n-]{0,9})?"
}

fn table() -> impl Strategy<Value = Vec<Vec<String>>> {
    (2usize..6, 1usize..12)
        .prop_flat_map(|(columns, rows)| prop::collection::vec(prop::collection::vec(cell(), columns), rows))
}

fn write(table: &[Vec<String>], delimiter: u8) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    let d = char::from(delimiter).to_string();
    for row in table {
        writer.write_record(row.iter().map(|c| c.replace('#', &d))).expect("write");
    }
    writer.into_inner().expect("flush")
}

fn read_back(source: &CsvSource) -> Vec<Vec<String>> {
    let mut stream = source.records().expect("records");
    let mut record = Record::default();
    let mut rows = Vec::new();
    while stream.next_record(&mut record).expect("next") {
        assert!(record.problem.is_none(), "{record:?}");
        rows.push(record.iter().map(str::to_string).collect());
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn detection_and_sniffing_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), at_eof: bool,
                                           delimiter in prop::option::of(any::<u8>()), header: Option<bool>) {
        let _ = detect_encoding(&bytes, at_eof);
        let dialect = sniff_dialect(&bytes, at_eof, DialectHints { delimiter, has_header: header });
        if let Some(d) = delimiter {
            prop_assert_eq!(dialect.delimiter, d);
        }
    }

    #[test]
    fn reading_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(source) = CsvSource::from_bytes("any.csv", bytes, CsvOptions::default()) {
            let mut stream = source.records().expect("records");
            let mut record = Record::default();
            let mut last = 0;
            while let Ok(true) = stream.next_record(&mut record) {
                prop_assert!(record.row > last);
                last = record.row;
            }
        }
    }

    /// Pass 1 of an import reads only the identifier column; its cells must be the ones
    /// pass 2 reads in whole rows, or a row would be counted under another key.
    #[test]
    fn one_column_reads_as_in_whole_rows(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..600),
            prop::collection::vec(prop::sample::select(b"ab,;\t\"\"\r\n\n \xC3\xA9\xEF\xBB\xBF".to_vec()), 0..600),
        ],
        column in 0usize..4,
    ) {
        if let Ok(source) = CsvSource::from_bytes("any.csv", bytes, CsvOptions::default()) {
            let (mut rows, mut record) = (source.records().expect("records"), Record::default());
            let mut whole = Vec::new();
            while let Ok(true) = rows.next_record(&mut record) {
                whole.push(record.get(column).unwrap_or("").to_string());
            }
            let (mut cells, mut scratch, mut one) = (source.records().expect("records"), Record::default(), Record::default());
            while let Ok(true) = cells.next_cell(column, &mut scratch, &mut one) {}
            prop_assert_eq!(one.iter().collect::<Vec<_>>(), whole);
        }
    }

    #[test]
    fn a_written_csv_is_sniffed_with_its_delimiter(table in table(), which in 0usize..4) {
        let delimiter = DELIMITERS[which];
        let bytes = write(&table, delimiter);
        let dialect = sniff_dialect(&bytes, true, DialectHints::default());
        prop_assert_eq!(char::from(dialect.delimiter), char::from(delimiter), "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn a_written_csv_reads_back_cell_for_cell(table in table(), which in 0usize..4, utf16: bool) {
        let delimiter = DELIMITERS[which];
        let text = String::from_utf8(write(&table, delimiter)).expect("utf-8");
        let bytes = if utf16 {
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        } else {
            text.into_bytes()
        };
        let options = CsvOptions { has_header: Some(false), ..CsvOptions::default() };
        let source = CsvSource::from_bytes("t.csv", bytes, options).expect("open");
        let d = char::from(delimiter).to_string();
        let expected: Vec<Vec<String>> =
            table.iter().map(|r| r.iter().map(|c| c.replace('#', &d)).collect()).collect();
        prop_assert_eq!(read_back(&source), expected);
    }
}
