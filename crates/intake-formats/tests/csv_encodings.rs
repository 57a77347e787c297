//! The CSV reader on files as the programs customers use write them, made here byte for byte:
//! Excel's German "CSV (Trennzeichen-getrennt)" (Windows-1252, `;`, CRLF), Russian and
//! Japanese Windows exports (Windows-1251, Shift_JIS), Chinese (GBK), Excel's "Unicode text"
//! (UTF-16LE with a byte-order mark, tab-separated), headerless files, and the awkward cases:
//! a file that is ASCII for longer than the sample, a UTF-8 file with one broken row,
//! malformed legacy bytes, an unclosed quote.

mod common;

use common::{cells, rows, table};
use intake_core::read::{Record, Source};
use intake_formats::csv::{
    CsvOptions, CsvSource, EncodingSource, MAX_RECORD_BYTES, SAMPLE_BYTES, TextEncoding,
};

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "the fixture is representable in {}", encoding.name());
    bytes.into_owned()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn open(name: &str, bytes: Vec<u8>) -> CsvSource {
    CsvSource::from_bytes(name, bytes, CsvOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const EXCEL_DE: &str = "Vorname;Nachname;E-Mail;Straße;Ort\r\n\
Jürgen;Müller;juergen@example.de;Schloßallee 1;Köln\r\n\
Änne;Böhm;aenne@example.de;\"Hauptstraße 5; Hinterhaus\";Düsseldorf\r\n\
Björn;Weiß;bjoern@example.de;Gärtnerweg 3;Lübeck\r\n";

#[test]
fn a_german_excel_file_is_windows_1252_with_semicolons() {
    let source = open("kontakte.csv", encode(encoding_rs::WINDOWS_1252, EXCEL_DE));
    assert_eq!(source.encoding().encoding.name(), "windows-1252");
    assert_eq!(source.encoding().source, EncodingSource::Guessed);
    assert_eq!((source.delimiter(), source.dialect().has_header), (b';', true));
    assert_eq!(source.headers(), ["Vorname", "Nachname", "E-Mail", "Straße", "Ort"]);
    assert_eq!(
        cells(&source),
        table(&[
            &["Jürgen", "Müller", "juergen@example.de", "Schloßallee 1", "Köln"],
            &["Änne", "Böhm", "aenne@example.de", "Hauptstraße 5; Hinterhaus", "Düsseldorf"],
            &["Björn", "Weiß", "bjoern@example.de", "Gärtnerweg 3", "Lübeck"],
        ])
    );
    let format = source.results_format();
    assert_eq!((format.delimiter, format.byte_order_mark), (b';', true), "results go back to Excel as UTF-8");
}

#[test]
fn a_russian_file_is_windows_1251() {
    let text = "Имя,Фамилия,Email,Город\n\
                Иван,Петров,ivan@example.ru,Москва\n\
                Мария,Смирнова,maria@example.ru,Санкт-Петербург\n\
                Алексей,Кузнецов,alexey@example.ru,Новосибирск\n";
    let source = open("contacts.csv", encode(encoding_rs::WINDOWS_1251, text));
    assert_eq!(source.encoding().encoding.name(), "windows-1251");
    assert_eq!(source.headers(), ["Имя", "Фамилия", "Email", "Город"]);
    assert_eq!(cells(&source)[1], ["Мария", "Смирнова", "maria@example.ru", "Санкт-Петербург"]);
}

#[test]
fn a_japanese_file_is_shift_jis() {
    let text = "氏名,メール,電話番号,住所\r\n\
                山田太郎,taro@example.jp,03-1234-5678,東京都千代田区\r\n\
                鈴木花子,hanako@example.jp,06-9876-5432,大阪府大阪市\r\n\
                佐藤健,ken@example.jp,052-111-2222,愛知県名古屋市\r\n";
    let source = open("contacts.csv", encode(encoding_rs::SHIFT_JIS, text));
    assert_eq!(source.encoding().encoding.name(), "Shift_JIS");
    assert_eq!(source.headers(), ["氏名", "メール", "電話番号", "住所"]);
    assert_eq!(cells(&source)[0], ["山田太郎", "taro@example.jp", "03-1234-5678", "東京都千代田区"]);
}

#[test]
fn a_chinese_file_is_gbk() {
    let text = "姓名,电子邮件,城市\n张伟,zhang@example.cn,北京市\n王芳,wang@example.cn,上海市\n李娜,li@example.cn,广州市\n";
    let source = open("contacts.csv", encode(encoding_rs::GBK, text));
    assert_eq!(source.encoding().encoding.name(), "GBK");
    assert_eq!(cells(&source)[2], ["李娜", "li@example.cn", "广州市"]);
}

#[test]
fn excel_unicode_text_is_utf16le_with_tabs() {
    let text = "First Name\tLast Name\tEmail\tNotes\r\n\
                Zoë\tÅström\tzoe@example.com\t\"two\tcells? no: one, with a tab\"\r\n\
                Ῥόδη\tʤones\trhode@example.com\t\"line one\r\nline two\"\r\n";
    let source = open("contacts.txt", utf16le_with_bom(text));
    assert_eq!(source.encoding().encoding.name(), "UTF-16LE");
    assert_eq!(source.encoding().source, EncodingSource::ByteOrderMark);
    assert_eq!(source.delimiter(), b'\t');
    assert_eq!(source.headers(), ["First Name", "Last Name", "Email", "Notes"]);
    assert_eq!(
        cells(&source),
        table(&[
            &["Zoë", "Åström", "zoe@example.com", "two\tcells? no: one, with a tab"],
            &["Ῥόδη", "ʤones", "rhode@example.com", "line one\r\nline two"],
        ])
    );
}

#[test]
fn a_headerless_file_gets_numbered_columns_and_rows_from_1() {
    let source = open("plain.csv", b"Anna,anna@example.com,+4915123456789\nBen,ben@example.com,\n".to_vec());
    assert!(!source.dialect().has_header);
    assert_eq!(source.headers(), ["Column 1", "Column 2", "Column 3"]);
    let read = rows(&source);
    assert_eq!((read[0].row, read[1].row), (1, 2));
    assert_eq!(read[0].cells, ["Anna", "anna@example.com", "+4915123456789"]);

    let forced = CsvSource::from_bytes(
        "names.csv",
        b"Name,Town\nAnna,Rome\n".to_vec(),
        CsvOptions { has_header: Some(false), ..CsvOptions::default() },
    )
    .expect("open");
    assert_eq!(forced.headers(), ["Column 1", "Column 2"]);
    assert_eq!(cells(&forced), table(&[&["Name", "Town"], &["Anna", "Rome"]]));
}

#[test]
fn a_declared_encoding_wins_and_an_unknown_one_is_refused() {
    let bytes = encode(encoding_rs::WINDOWS_1252, "Name,City\nJürgen,Köln\n");
    let koi8 = TextEncoding::from_label("koi8-r").expect("label");
    let source = CsvSource::from_bytes(
        "x.csv",
        bytes.clone(),
        CsvOptions { encoding: Some(koi8), ..CsvOptions::default() },
    )
    .expect("open");
    assert_eq!(source.encoding().source, EncodingSource::Declared);
    assert_eq!(source.encoding().encoding.name(), "KOI8-R");
    assert_ne!(cells(&source)[0][0], "Jürgen");

    // Declared UTF-8: bytes that are not UTF-8 stay that row's problem, as before detection.
    let utf8 = CsvOptions { encoding: Some(TextEncoding::UTF_8), ..CsvOptions::default() };
    let source = CsvSource::from_bytes("x.csv", bytes, utf8).expect("open");
    let read = rows(&source);
    assert_eq!(read[0].cells, ["J\u{FFFD}rgen", "K\u{FFFD}ln"]);
    let problem = read[0].problem.as_deref().expect("a problem");
    assert!(problem.contains("cell 1") && problem.contains("UTF-8"), "{problem}");

    let error = TextEncoding::from_label("latin-9000").expect_err("unknown");
    assert!(error.to_string().contains("latin-9000"), "{error}");
}

#[test]
fn a_file_that_is_ascii_beyond_the_sample_is_decided_at_its_first_other_byte() {
    let mut text = String::from("Name;City\n");
    while text.len() < SAMPLE_BYTES + 1000 {
        text.push_str("Anna;Rome\n");
    }
    let ascii_rows = text.lines().count() - 1;
    text.push_str("Jürgen;Köln\nRenée;Besançon\n");
    let source = open("late.csv", encode(encoding_rs::WINDOWS_1252, &text));
    assert_eq!(source.encoding().source, EncodingSource::AsciiSoFar);
    assert_eq!(source.delimiter(), b';');
    let read = rows(&source);
    assert_eq!(read.len(), ascii_rows + 2);
    assert_eq!(read[ascii_rows].cells, ["Jürgen", "Köln"]);
    assert_eq!(read[ascii_rows + 1].cells, ["Renée", "Besançon"]);
    assert!(read.iter().all(|r| r.problem.is_none()));
}

#[test]
fn a_utf8_file_with_one_broken_row_keeps_the_others() {
    let mut bytes = "Name,City\nJürgen,Köln\nRenée,Besançon\nZoë,Åre\nBjörn,Malmö\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"Broken,K\xF6ln\n");
    bytes.extend_from_slice("Ана,Москва\n".as_bytes());
    let source = open("mixed.csv", bytes);
    assert_eq!(source.encoding().source, EncodingSource::MostlyUtf8);
    let read = rows(&source);
    assert_eq!(read[4].problem.as_deref().map(|p| p.contains("cell 2")), Some(true), "{read:?}");
    assert_eq!(read[5].cells, ["Ана", "Москва"]);
    assert!(read.iter().filter(|r| r.problem.is_some()).count() == 1);
}

#[test]
fn malformed_legacy_bytes_are_their_rows_problem() {
    let mut bytes =
        encode(encoding_rs::SHIFT_JIS, "氏名,メール\n山田太郎,taro@example.jp\n鈴木花子,hanako@example.jp\n");
    bytes.extend_from_slice(b"\x82,bad@example.jp\n"); // a lead byte followed by a comma
    bytes.extend_from_slice(&encode(encoding_rs::SHIFT_JIS, "佐藤健,ken@example.jp\n"));
    let shift_jis = TextEncoding::from_label("shift_jis").expect("label");
    let source = CsvSource::from_bytes(
        "x.csv",
        bytes,
        CsvOptions { encoding: Some(shift_jis), ..CsvOptions::default() },
    )
    .expect("open");
    let read = rows(&source);
    assert_eq!(read.len(), 4);
    let problem = read[2].problem.as_deref().expect("malformed row");
    assert!(problem.contains("cell 1") && problem.contains("Shift_JIS"), "{problem}");
    assert_eq!(read[3].cells, ["佐藤健", "ken@example.jp"]);
    assert!(read[3].problem.is_none());
}

#[test]
fn an_unclosed_quote_stops_with_the_row_and_line_instead_of_eating_memory() {
    // Quotes are in use in the sample (a stray quote there would make the sniffer read quotes
    // as plain characters); the unclosed one comes after it.
    let mut bytes = b"Name,Notes\n".to_vec();
    let mut rows_before = 0u64;
    while bytes.len() < SAMPLE_BYTES + 100 {
        bytes.extend_from_slice(b"Anna,\"Rome, Italy\"\n");
        rows_before += 1;
    }
    bytes.extend_from_slice(b"Ben,\"never closed\n");
    let filler = b"more text, more lines\n".repeat((MAX_RECORD_BYTES as usize + (1 << 20)) / 22);
    bytes.extend_from_slice(&filler);
    let source = open("open-quote.csv", bytes);
    assert_eq!(source.dialect().quote, Some(b'"'));
    let mut stream = source.records().expect("records");
    let mut record = Record::default();
    for _ in 0..rows_before {
        assert!(stream.next_record(&mut record).expect("a good row"));
    }
    let error = stream.next_record(&mut record).expect_err("the open row runs on");
    // The row starts on the line of its number, so the message names only the row.
    let row = rows_before + 2;
    assert!(error.message.contains(&format!("row {row} is longer than")), "row {row}: {}", error.message);
    assert!(error.message.contains("quote"), "{}", error.message);
}
