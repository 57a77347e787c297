//! Spreadsheet reader: XLSX fixtures written here with rust_xlsxwriter (dates, big numbers,
//! formulas, several sheets, junk rows above the header, 200,000 rows), hostile files (zip
//! bomb, a cell at XFD1048576, a repeated ODS table), a hand-made ODS, and the public csvkit
//! corpus compared with its expected CSV files.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use intake_core::read::{Record, Source};
use intake_formats::sheet::{SheetChoice, SheetError, SheetOptions, SheetSource};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// Counts live heap bytes and their peak, to show that reading a large sheet stays small.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Tests run one at a time, so the memory test sees only its own allocations.
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_all(source: &SheetSource) -> Vec<Record> {
    let mut stream = source.records().expect("records");
    let mut rows = Vec::new();
    let mut record = Record::default();
    while stream.next_record(&mut record).expect("row") {
        rows.push(record.clone());
    }
    rows
}

fn cells(record: &Record) -> Vec<&str> {
    record.iter().collect()
}

fn open_bytes(bytes: Vec<u8>, options: SheetOptions) -> Result<SheetSource, SheetError> {
    SheetSource::from_bytes("test.xlsx", bytes, options)
}

fn contacts_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("Contacts").unwrap();
    sheet.write_string(2, 1, "   ").unwrap(); // blank junk above the header
    for (column, header) in
        ["Name", "Phone", "Mobile", "Birthday", "Score", "VIP", "Total"].iter().enumerate()
    {
        sheet.write_string(4, column as u16, *header).unwrap();
    }
    sheet.write_string(5, 0, "Anna").unwrap();
    sheet.write_number(5, 1, 4915123456789.0).unwrap();
    sheet.write_number(5, 2, 49151234567890.0).unwrap();
    sheet.write_datetime_with_format(5, 3, ExcelDateTime::from_ymd(1990, 4, 15).unwrap(), &date).unwrap();
    sheet.write_number(5, 4, 12.5).unwrap();
    sheet.write_boolean(5, 5, true).unwrap();
    sheet.write_formula(5, 6, Formula::new("=E6*2").set_result("25")).unwrap();
    sheet.write_string(7, 0, "Ben").unwrap(); // a blank row 7 between, a short row
    let other = book.add_worksheet();
    other.set_name("ʤ").unwrap();
    other.write_string(0, 0, "email").unwrap();
    other.write_string(1, 0, "zoe@example.com").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_reads_as_the_sheet_stores_it() {
    let _serial = serial();
    let source = open_bytes(contacts_workbook(), SheetOptions::default()).unwrap();
    assert_eq!(source.headers(), ["Name", "Phone", "Mobile", "Birthday", "Score", "VIP", "Total"]);
    assert_eq!(source.sheet(), "Contacts");
    let rows = read_all(&source);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].row, 6, "row numbers are the spreadsheet's");
    assert_eq!(
        cells(&rows[0]),
        ["Anna", "4915123456789", "49151234567890", "1990-04-15", "12.5", "true", "25"]
    );
    assert_eq!(rows[1].row, 8);
    assert_eq!(cells(&rows[1]), ["Ben", "", "", "", "", "", ""], "a short row is padded");
    assert!(rows.iter().all(|r| r.problem.is_none()));
}

#[test]
fn a_sheet_is_chosen_by_name_or_number() {
    let _serial = serial();
    for choice in [SheetChoice::Name("ʤ".into()), SheetChoice::Number(2), SheetChoice::parse("2")] {
        let options = SheetOptions { sheet: Some(choice), ..SheetOptions::default() };
        let source = open_bytes(contacts_workbook(), options).unwrap();
        assert_eq!(source.sheet(), "ʤ");
        assert_eq!(source.headers(), ["email"]);
        let rows = read_all(&source);
        assert_eq!((rows[0].row, cells(&rows[0])), (2, vec!["zoe@example.com"]));
    }
}

#[test]
fn a_missing_sheet_is_an_error_listing_the_sheets() {
    let _serial = serial();
    for choice in [SheetChoice::Name("People".into()), SheetChoice::Number(3), SheetChoice::Number(0)] {
        let options = SheetOptions { sheet: Some(choice), ..SheetOptions::default() };
        let error = open_bytes(contacts_workbook(), options).err().expect("refused").to_string();
        assert!(error.contains(r#"1 "Contacts", 2 "ʤ""#), "{error}");
    }
}

/// A minimal XLSX around one sheet's XML, written by hand to hold what rust_xlsxwriter does
/// not write (error values, cells at the far corner).
fn xlsx_with_sheet(sheet_xml: &str) -> Vec<u8> {
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    zip_of(&files)
}

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, text) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

#[test]
fn an_error_cell_makes_its_row_a_problem_naming_the_cell() {
    let _serial = serial();
    let xml = sheet_xml(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>total</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Anna</t></is></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row><row r="3"><c r="A3" t="e"><v>#N/A</v></c></row>"#,
    );
    let source = open_bytes(xlsx_with_sheet(&xml), SheetOptions::default()).unwrap();
    let rows = read_all(&source);
    assert_eq!(cells(&rows[0]), ["Anna", "#DIV/0!"]);
    assert_eq!(rows[0].problem.as_deref(), Some("row 2, column B: the cell holds the error #DIV/0!"));
    assert_eq!(rows[1].problem.as_deref(), Some("row 3, column A: the cell holds the error #N/A"));
}

#[test]
fn a_cell_at_xfd1048576_is_refused_without_a_dense_allocation() {
    let _serial = serial();
    let xml = sheet_xml(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let bytes = xlsx_with_sheet(&xml);
    assert!(bytes.len() < 4096);
    let source = open_bytes(bytes.clone(), SheetOptions::default()).unwrap();
    let mut stream = source.records().unwrap();
    let error = stream.next_record(&mut Record::default()).expect_err("refused").to_string();
    assert!(error.contains("column XFD") && error.contains("max_columns"), "{error}");

    // Allowed up to Excel's width, the far cell is read as an extra cell of its row.
    let options = SheetOptions { max_columns: 16_384, ..SheetOptions::default() };
    let rows = read_all(&open_bytes(bytes, options).unwrap());
    assert_eq!((rows.len(), rows[0].row, rows[0].len()), (1, 1_048_576, 16_384));
}

/// The row cap is said as it is, Excel's 1,048,576 rows (a message once said 65535).
#[test]
fn a_cell_below_the_last_row_is_refused_naming_the_real_row_cap() {
    let _serial = serial();
    let xml = sheet_xml(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row r="1048577"><c r="A1048577"><v>1</v></c></row>"#,
    );
    let source = open_bytes(xlsx_with_sheet(&xml), SheetOptions::default()).unwrap();
    let mut stream = source.records().unwrap();
    let error = stream.next_record(&mut Record::default()).expect_err("refused").to_string();
    assert!(error.contains("row 1048577 has a value in column A, above the cap of 1048576 rows"), "{error}");
    assert!(error.contains("max_rows") && !error.contains("65535"), "{error}");
}

#[test]
fn a_zip_bomb_is_refused_naming_the_cap() {
    let _serial = serial();
    let zeros = "0".repeat(20 << 20);
    let xml = sheet_xml("");
    let bytes =
        zip_of(&[("[Content_Types].xml", "<Types/>"), ("xl/worksheets/sheet1.xml", &xml), ("big", &zeros)]);
    assert!(bytes.len() < 1 << 20, "the bomb is small: {}", bytes.len());
    let options = SheetOptions { max_unzipped_bytes: 10 << 20, ..SheetOptions::default() };
    let error = open_bytes(bytes, options).err().expect("refused").to_string();
    assert!(error.contains("10485760 bytes") && error.contains("max_unzipped_bytes"), "{error}");
}

/// An XLSX with the files of `xlsx_with_sheet` and a shared-strings part.
fn xlsx_with_shared_strings(sheet: &str, strings: &str) -> Vec<u8> {
    let with_strings = xlsx_with_sheet(sheet);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(with_strings)).unwrap();
    let mut files: Vec<(String, String)> = (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            (entry.name().unwrap().to_string(), text)
        })
        .collect();
    files.push(("xl/sharedStrings.xml".to_string(), strings.to_string()));
    let rels = files.iter_mut().find(|(name, _)| name == "xl/_rels/workbook.xml.rels").unwrap();
    rels.1 = rels.1.replace(
        "</Relationships>",
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    zip_of(&borrowed)
}

/// A first name of 40 MiB packs into a zip of about 40 KB; calamine would read it whole
/// when it opens the workbook (a 1,000 MB one took 4 GB and aborted the process). It is
/// refused before, by the row cap, with next to no memory.
#[test]
fn a_huge_shared_string_is_refused_before_calamine_reads_it() {
    let _serial = serial();
    let huge = "x".repeat(40 << 20);
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>First Name</t></si><si><t>{huge}</t></si></sst>"#
    );
    drop(huge);
    let sheet = sheet_xml(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>"#,
    );
    let bytes = xlsx_with_shared_strings(&sheet, &strings);
    drop(strings);
    assert!(bytes.len() < 1 << 20, "the file is small: {}", bytes.len());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let error = open_bytes(bytes, SheetOptions::default()).err().expect("refused").to_string();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(error.contains("longer than 16 MiB") && error.contains("max_row_bytes"), "{error}");
    assert!(!error.contains("raise that option"), "{error}");
    assert!(peak < 8 << 20, "refusing it used {peak} bytes at its peak");
}

/// The same for an inline string in the sheet's own XML: calamine's parser would gather it
/// whole before any row reached the row cap (a 200 MB one took 625 MB).
#[test]
fn a_huge_inline_string_is_refused_before_calamine_reads_it() {
    let _serial = serial();
    let huge = "x".repeat(40 << 20);
    let xml = sheet_xml(&format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>{huge}</t></is></c></row>"#
    ));
    drop(huge);
    let bytes = xlsx_with_sheet(&xml);
    drop(xml);
    assert!(bytes.len() < 1 << 20, "the file is small: {}", bytes.len());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let error = open_bytes(bytes, SheetOptions::default()).err().expect("refused").to_string();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(
        error.contains("a cell holds a text longer than 16 MiB") && error.contains("max_row_bytes"),
        "{error}"
    );
    assert!(peak < 8 << 20, "refusing it used {peak} bytes at its peak");
}

/// The same cap as a CSV row holds for a row of a sheet, and for one text of an ODS.
#[test]
fn a_sheet_row_or_ods_cell_over_the_row_cap_is_refused() {
    let _serial = serial();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Notes").unwrap();
    for column in 0..40u16 {
        sheet.write_string(1, column, "y".repeat(30_000)).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let options = SheetOptions { max_row_bytes: 1 << 20, ..SheetOptions::default() };
    let source = open_bytes(bytes, options.clone()).unwrap();
    let mut stream = source.records().unwrap();
    let error = stream.next_record(&mut Record::default()).expect_err("refused").to_string();
    assert!(
        error.contains("row 2 holds more than 1 MiB of text") && error.contains("max_row_bytes"),
        "{error}"
    );

    let big = "z".repeat(2 << 20);
    let ods = ods_with_table(&format!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>{big}</text:p></table:table-cell></table:table-row>"#
    ));
    let error = SheetSource::from_bytes("people.ods", ods, options).err().expect("refused").to_string();
    assert!(error.contains("a cell holds more than 1 MiB") && error.contains("max_row_bytes"), "{error}");
}

#[test]
fn too_many_zip_entries_are_refused() {
    let _serial = serial();
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
    let options = SheetOptions { max_zip_entries: 10, ..SheetOptions::default() };
    let error = open_bytes(zip_of(&files), options).err().expect("refused").to_string();
    assert!(error.contains("max_zip_entries"), "{error}");
}

#[test]
fn bytes_that_are_no_spreadsheet_are_a_clear_error() {
    let _serial = serial();
    for bytes in [
        b"name,email\n".to_vec(),
        b"PK\x03\x04broken".to_vec(),
        vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
    ] {
        let error = open_bytes(bytes, SheetOptions::default()).err().expect("refused").to_string();
        assert!(error.contains("not a readable spreadsheet"), "{error}");
    }
}

fn ods_with_table(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="People">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", &content),
    ])
}

#[test]
fn an_ods_reads_dates_numbers_and_text() {
    let _serial = serial();
    let bytes = ods_with_table(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>phone</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>birthday</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>Anna</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="4915123456789"><text:p>4.91512E+12</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="1990-04-15"><text:p>15.04.90</text:p></table:table-cell></table:table-row>"#,
    );
    let source = SheetSource::from_bytes("people.ods", bytes, SheetOptions::default()).unwrap();
    assert_eq!(source.headers(), ["name", "phone", "birthday"]);
    let rows = read_all(&source);
    assert_eq!((rows[0].row, cells(&rows[0])), (2, vec!["Anna", "4915123456789", "1990-04-15"]));
}

#[test]
fn an_ods_that_repeats_into_billions_of_cells_is_refused() {
    let _serial = serial();
    let bytes = ods_with_table(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#,
    );
    let error = SheetSource::from_bytes("bomb.ods", bytes, SheetOptions::default()).err().expect("refused");
    assert!(error.to_string().contains("max_loaded_cells"), "{error}");
}

#[test]
fn a_200k_row_xlsx_is_read_in_bounded_memory() {
    let _serial = serial();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (column, header) in ["name", "phone", "n", "score"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    for row in 1..=200_000u32 {
        sheet.write_string(row, 0, "Anna").unwrap();
        sheet.write_number(row, 1, 4915100000000.0 + f64::from(row)).unwrap();
        sheet.write_number(row, 2, f64::from(row)).unwrap();
        sheet.write_number(row, 3, 0.5).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    drop(book);
    let source = open_bytes(bytes, SheetOptions::default()).unwrap();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut stream = source.records().unwrap();
    let (mut record, mut count, mut last) = (Record::default(), 0u64, 0u64);
    while stream.next_record(&mut record).unwrap() {
        count += 1;
        last = record.row;
    }
    drop(stream);
    assert_eq!((count, last, record.get(1)), (200_000, 200_001, Some("4915100200000")));
    // A dense sheet of 800,000 cells alone would be over 25 MB.
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(peak < 8 << 20, "reading used {peak} bytes at its peak");
}

// ---- the public csvkit corpus, compared with its expected CSV files ----

fn corpus(name: &str) -> Option<PathBuf> {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/xlsx/csvkit")).join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: the csvkit corpus is not at {}", path.display());
        None
    }
}

/// Spellings that differ only by convention: csvkit writes `True`, `40.0` (XLS) and a
/// midnight datetime in full.
fn canonical(cell: &str) -> String {
    let cell = cell.strip_suffix("T00:00:00").unwrap_or(cell);
    let cell = cell.strip_suffix(".0").unwrap_or(cell);
    cell.to_lowercase()
}

fn expected_rows(csv_name: &str) -> Option<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(corpus(csv_name)?).ok()?;
    Some(text.lines().map(|line| line.split(',').map(canonical).collect()).collect())
}

fn compare(book: &str, expected: &str, sheet: Option<SheetChoice>) {
    let _serial = serial();
    let (Some(path), Some(expected)) = (corpus(book), expected_rows(expected)) else { return };
    let source = SheetSource::open(&path, SheetOptions { sheet, ..SheetOptions::default() }).unwrap();
    let headers: Vec<String> = source.headers().iter().map(|h| canonical(h)).collect();
    assert_eq!(headers, expected[0][..headers.len()], "{book} headers");
    let rows = read_all(&source);
    assert_eq!(rows.len(), expected.len() - 1, "{book} rows");
    for (record, want) in rows.iter().zip(&expected[1..]) {
        let got: Vec<String> = record.iter().take(headers.len()).map(canonical).collect();
        assert_eq!(got, want[..headers.len()], "{book} row {}", record.row);
    }
}

#[test]
fn csvkit_test_xlsx_matches_its_expected_csv() {
    compare("test.xlsx", "testxlsx_converted.csv", None);
}

#[test]
fn csvkit_test_xls_matches_its_expected_csv() {
    compare("test.xls", "testxls_converted.csv", None);
}

#[test]
fn csvkit_sheets_are_chosen_by_name_and_an_empty_one_is_refused() {
    let _serial = serial();
    for name in ["sheets.xlsx", "sheets.xls"] {
        let Some(path) = corpus(name) else { return };
        let pick = |choice: SheetChoice| {
            SheetSource::open(&path, SheetOptions { sheet: Some(choice), ..SheetOptions::default() })
        };
        assert_eq!(pick(SheetChoice::Name("ʤ".into())).unwrap().headers(), ["a", "b", "c"], "{name}");
        assert_eq!(pick(SheetChoice::Name("DATA".into())).unwrap().sheet(), "data", "{name}");
        let error = pick(SheetChoice::Number(1)).err().expect("empty sheet").to_string();
        assert!(error.contains("\"not this one\" is empty"), "{error}");
    }
}

#[test]
fn csvkit_skip_lines_files_find_their_header_below_junk() {
    let _serial = serial();
    for name in ["test_skip_lines.xlsx", "test_skip_lines.xls", "dummy.xlsx", "dummy.xls"] {
        let Some(path) = corpus(name) else { return };
        let source = SheetSource::open(&path, SheetOptions::default()).unwrap();
        assert!(!source.headers().is_empty(), "{name}");
        let rows = read_all(&source);
        assert!(rows.iter().all(|r| r.row > 1), "{name}");
    }
}
