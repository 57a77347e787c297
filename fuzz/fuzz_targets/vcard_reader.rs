//! Fuzzes the vCard reader: any bytes either fail to open with a `SourceError` or read to
//! the end, every row with the fixed number of cells, without a panic. Small caps make the
//! overlong-line and overfull-card paths reachable.
#![no_main]

use intake_core::read::Record;
use intake_formats::vcard::{COLUMNS, VcardOptions, VcardSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for options in [VcardOptions { max_line_bytes: 64, max_card_bytes: 300 }, VcardOptions::default()] {
        let Ok(source) = VcardSource::from_bytes("fuzz.vcf", data.to_vec(), options) else { continue };
        let Ok(mut stream) = intake_core::read::Source::records(&source) else { continue };
        let mut record = Record::default();
        let mut rows = 0u64;
        while let Ok(true) = stream.next_record(&mut record) {
            rows += 1;
            assert_eq!(record.len(), COLUMNS.len());
            assert_eq!(record.row, rows + 1);
        }
    }
});
