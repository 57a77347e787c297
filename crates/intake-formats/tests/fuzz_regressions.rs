//! Inputs the fuzz targets found, each held to what the target checks.

use intake_core::read::{Record, Source};
use intake_formats::csv::{CsvOptions, CsvSource, TextEncoding};

/// What the `csv_reader` fuzz target checks: reading one column alone (pass 1 of an import)
/// gives the cells of the whole rows.
fn one_column_matches_whole_rows(bytes: &[u8], options: CsvOptions, column: usize) {
    let source = CsvSource::from_bytes("fuzz.csv", bytes.to_vec(), options).expect("opens");
    let mut whole = Vec::new();
    let mut stream = source.records().expect("records");
    let mut record = Record::default();
    while let Ok(true) = stream.next_record(&mut record) {
        whole.push(record.get(column).unwrap_or("").to_string());
    }
    let mut cells = source.records().expect("records");
    let (mut scratch, mut one) = (Record::default(), Record::default());
    while let Ok(true) = cells.next_cell(column, &mut scratch, &mut one) {}
    let one: Vec<&str> = one.iter().collect();
    assert_eq!(one[..one.len().min(whole.len())], whole[..one.len().min(whole.len())]);
}

#[test]
fn utf16_with_stray_byte_order_marks_reads_the_same_by_column() {
    let encoding = TextEncoding::from_label("utf-16be").ok();
    let options = CsvOptions { delimiter: Some(b';'), encoding, has_header: Some(false) };
    one_column_matches_whole_rows(&[0xFE, 0xFF, 0xFE, 0xFF, 0xFF, 0x07], options, 0);
}

#[test]
fn utf8_with_a_second_byte_order_mark_reads_the_same_by_column() {
    let options = CsvOptions { delimiter: Some(b','), encoding: None, has_header: Some(false) };
    let text = b"\xEF\xBB\xBF\xEF\xBB\xBF\"a,b\",c\n\"d\",e\n";
    for column in 0..2 {
        one_column_matches_whole_rows(text, options, column);
    }
}
