//! Arbitrary bytes read as a spreadsheet (XLSX, XLS or ODS, found from the bytes) must give
//! rows or a clear error: never a panic that escapes the reader, never unbounded memory.
#![no_main]

use intake_core::read::{Record, Source};
use intake_formats::sheet::{SheetOptions, SheetSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // The reader catches panics inside calamine, zip and cfb at its boundary and turns
        // them into errors; libFuzzer's hook would abort on them first. Panics anywhere else
        // (our code) still abort and are reported.
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            let caught = ["calamine", "/zip-", "/cfb-", "quick-xml", "quick_xml"].iter().any(|c| file.contains(c));
            if !caught {
                abort_hook(info);
            }
        }));
    },
    |data: &[u8]| {
        let options = SheetOptions {
            max_unzipped_bytes: 64 << 20,
            max_loaded_cells: 1_000_000,
            ..SheetOptions::default()
        };
        let Ok(source) = SheetSource::from_bytes("fuzz", data.to_vec(), options) else { return };
        let _ = source.headers();
        let Ok(mut stream) = source.records() else { return };
        let mut record = Record::default();
        while let Ok(true) = stream.next_record(&mut record) {}
    }
);
