//! Fuzzes the CSV reader end to end: encoding detection, dialect sniffing, decoding and
//! reading every record, with the settings a user can force taken from the first input byte.
//! It must never panic, the rows it gives must be numbered in order, and reading one column
//! alone (as pass 1 of an import does) must give the cells of the whole rows.
#![no_main]

use intake_core::read::{Record, Source};
use intake_formats::csv::{CsvOptions, CsvSource, TextEncoding};
use libfuzzer_sys::fuzz_target;

const ENCODINGS: [&str; 6] = ["utf-8", "utf-16le", "utf-16be", "windows-1252", "shift_jis", "gbk"];
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

fuzz_target!(|data: &[u8]| {
    let Some((&settings, bytes)) = data.split_first() else { return };
    // Bits 0-2: encoding (6, 7: detect); 3-4: delimiter; 5: detect the delimiter; 6-7: header.
    let encoding =
        ENCODINGS.get(usize::from(settings & 0b111)).and_then(|l| TextEncoding::from_label(l).ok());
    let delimiter = (settings & 0b10_0000 == 0).then(|| DELIMITERS[usize::from((settings >> 3) & 0b11)]);
    let has_header = match settings >> 6 {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    };
    let options = CsvOptions { delimiter, encoding, has_header };
    let Ok(source) = CsvSource::from_bytes("fuzz.csv", bytes.to_vec(), options) else { return };
    assert!(!source.headers().is_empty());
    let _ = source.describe();
    let Ok(mut stream) = source.records() else { return };
    let mut record = Record::default();
    // Rows keep their numbers in the file: notes above the header and the header count.
    let dialect = source.dialect();
    let mut last = dialect.preamble as u64 + u64::from(dialect.has_header);
    let column = usize::from(bytes.len() % 3);
    let mut whole = Vec::new();
    while let Ok(true) = stream.next_record(&mut record) {
        assert_eq!(record.row, last + 1, "rows are numbered in order");
        last = record.row;
        assert_eq!(record.iter().count(), record.len());
        whole.push(record.get(column).unwrap_or("").to_string());
    }
    let Ok(mut cells) = source.records() else { return };
    let (mut scratch, mut one) = (Record::default(), Record::default());
    while let Ok(true) = cells.next_cell(column, &mut scratch, &mut one) {}
    // A read error ends both at the same row, or the column read at a later one.
    let one: Vec<&str> = one.iter().collect();
    assert_eq!(one[..one.len().min(whole.len())], whole[..one.len().min(whole.len())], "column {column}");
});
