//! End-to-end tests of `intake import` on files as customers' programs write them: the
//! encoding and dialect are found from the file (Excel DE's Windows-1252 with `;`, Russian
//! Windows-1251, Japanese Shift_JIS, Excel's UTF-16 "Unicode text" with tabs, headerless
//! files), the user can override each, the stored values are right, and the results file
//! comes back in the file's delimiter, in UTF-8.

mod common;

use std::path::PathBuf;

use common::{Workspace, counts_of, import_delimited, path_str};

fn bytes_file(ws: &Workspace, name: &str, bytes: &[u8]) -> PathBuf {
    let path = ws.path(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "the fixture is representable in {}", encoding.name());
    bytes.into_owned()
}

const EXCEL_DE: &str = "Vorname;Nachname;E-Mail;Ort\r\n\
Jürgen;Müller;juergen@example.de;Köln\r\n\
Änne;Böhm;aenne@example.de;\"Düsseldorf; Altstadt\"\r\n\
Björn;Weiß;bjoern@example.de;Lübeck;zu viel\r\n\
Grete;Größe;grete@example.de;Gießen\r\n";

const GERMAN_MAP: [&str; 6] =
    ["--map", "Vorname=first_name", "--map", "Nachname=last_name", "--map", "Ort=city"];

#[test]
fn a_german_excel_file_imports_with_its_umlauts_and_semicolons() {
    let ws = Workspace::new();
    let file = bytes_file(&ws, "kontakte.csv", &encode(encoding_rs::WINDOWS_1252, EXCEL_DE));
    let (json, raw, rows) = import_delimited(&ws, &file, b';', &GERMAN_MAP);
    assert_eq!(counts_of(&json), (3, 0, 0, 1));
    let juergen = ws.contact_by("email", "juergen@example.de");
    assert_eq!((juergen["first_name"].as_str(), juergen["last_name"].as_str()), ("Jürgen", "Müller"));
    assert_eq!(juergen["city"], "Köln");
    assert_eq!(ws.contact_by("email", "aenne@example.de")["city"], "Düsseldorf; Altstadt");
    assert_eq!(ws.contact_by("email", "grete@example.de")["last_name"], "Größe");

    // The ragged row is its own Error; the results come back with `;`, in UTF-8 with a BOM
    // so that Excel reads them right.
    assert!(raw.starts_with("\u{FEFF}Vorname;Nachname;E-Mail;Ort;Import Status".as_bytes()));
    assert!(std::str::from_utf8(&raw).is_ok(), "results are UTF-8");
    assert_eq!(rows[2]["Import Status"], "Error");
    assert!(rows[2]["Import Errors"].contains("zu viel"), "{:?}", rows[2]);
    assert_eq!(rows[1]["Ort"], "Düsseldorf; Altstadt");
}

#[test]
fn what_was_found_is_reported_unless_json_is_asked_for() {
    let ws = Workspace::new();
    let file = bytes_file(&ws, "kontakte.csv", &encode(encoding_rs::WINDOWS_1252, EXCEL_DE));
    let mut args = vec!["import", path_str(&file), "--dry-run"];
    args.extend_from_slice(&GERMAN_MAP);
    let output = ws.run(&args);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("windows-1252") && stderr.contains("delimiter ';'"), "{stderr}");
}

#[test]
fn a_russian_windows_1251_file_imports_in_cyrillic() {
    let ws = Workspace::new();
    let text = "First Name,Last Name,Email,City\n\
                Иван,Петров,ivan@example.ru,Москва\n\
                Мария,Смирнова,maria@example.ru,Санкт-Петербург\n\
                Алексей,Кузнецов,alexey@example.ru,Новосибирск\n";
    let file = bytes_file(&ws, "contacts.csv", &encode(encoding_rs::WINDOWS_1251, text));
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0));
    assert_eq!(rows[1]["City"], "Санкт-Петербург");
    let maria = ws.contact_by("email", "maria@example.ru");
    assert_eq!((maria["first_name"].as_str(), maria["city"].as_str()), ("Мария", "Санкт-Петербург"));
}

#[test]
fn a_japanese_shift_jis_file_imports_in_japanese() {
    let ws = Workspace::new();
    let text = "First Name,Last Name,Email,Company\r\n\
                太郎,山田,taro@example.jp,株式会社サンプル\r\n\
                花子,鈴木,hanako@example.jp,東京商事\r\n\
                健,佐藤,ken@example.jp,名古屋製作所\r\n";
    let file = bytes_file(&ws, "contacts.csv", &encode(encoding_rs::SHIFT_JIS, text));
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0));
    let taro = ws.contact_by("email", "taro@example.jp");
    assert_eq!((taro["first_name"].as_str(), taro["last_name"].as_str()), ("太郎", "山田"));
    assert_eq!(taro["company"], "株式会社サンプル");
}

#[test]
fn excel_unicode_text_imports_and_its_results_keep_the_tabs() {
    let ws = Workspace::new();
    let text = "First Name\tLast Name\tEmail\tComments\r\n\
                Zoë\tÅström\tzoe@example.com\t\"likes tabs\there\"\r\n\
                Ῥόδη\tʤones\trhode@example.com\t\"line one\r\nline two\"\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let file = bytes_file(&ws, "contacts.txt", &bytes);
    let (json, raw, rows) = import_delimited(&ws, &file, b'\t', &[]);
    assert_eq!(counts_of(&json), (2, 0, 0, 0));
    assert!(raw.starts_with("\u{FEFF}First Name\tLast Name\tEmail\tComments\tImport Status".as_bytes()));
    assert_eq!(rows[0]["Comments"], "likes tabs\there");
    let zoe = ws.contact_by("email", "zoe@example.com");
    assert_eq!((zoe["first_name"].as_str(), zoe["last_name"].as_str()), ("Zoë", "Åström"));
    assert_eq!(ws.contact_by("email", "rhode@example.com")["notes"], "line one\r\nline two");
}

#[test]
fn a_headerless_file_has_numbered_columns_and_rows_counted_from_1() {
    let ws = Workspace::new();
    let file = ws.file(
        "plain.csv",
        "Anna,anna@example.com,Berlin\nBen,not-an-email,Rome\nCleo,cleo@example.com,Paris\n",
    );
    let map = ["--map", "Column 1=first_name", "--map", "Column 2=email", "--map", "Column 3=city"];
    let (counts, rows) = ws.import(&file, &map);
    assert_eq!(counts.tuple(), (2, 0, 0, 1));
    assert!(rows[1]["Import Errors"].contains("row 2"), "the second line is row 2: {:?}", rows[1]);
    assert_eq!(rows[0]["Column 1"], "Anna");
    assert_eq!(ws.contact_by("email", "cleo@example.com")["city"], "Paris");
}

#[test]
fn no_header_and_header_override_the_guess() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", "First Name,Email\nAnna,anna@example.com\n");
    let map = ["--map", "Column 1=first_name", "--map", "Column 2=email", "--no-header"];
    let (counts, rows) = ws.import(&file, &map);
    assert_eq!(counts.tuple(), (1, 0, 0, 1), "the header line is now a data row, and no e-mail");
    assert_eq!(rows[0]["Column 2"], "Email");

    let ws = Workspace::new();
    let numbers = ws.file("numbers.csv", "First Name,2025\nAnna,yes\n");
    let out = ws.run(&["import", path_str(&numbers), "--purpose", "add-all", "--header"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2025"), "2025 is a column name");
    assert_eq!(ws.contacts()[0]["first_name"], "Anna");
}

#[test]
fn a_declared_encoding_wins_and_an_unknown_one_stops_the_import() {
    let ws = Workspace::new();
    let bytes = encode(encoding_rs::WINDOWS_1252, "First Name,Email\nJürgen,juergen@example.de\n");
    let file = bytes_file(&ws, "latin1.csv", &bytes);
    let (counts, rows) = ws.import(&file, &["--encoding", "utf-8"]);
    assert_eq!(counts.tuple(), (0, 0, 0, 1), "declared UTF-8: the Latin-1 byte is that row's error");
    assert!(rows[0]["Import Errors"].contains("not valid UTF-8"), "{:?}", rows[0]);

    let (counts, _) = ws.import(&file, &["--encoding", "latin1"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    assert_eq!(ws.contact_by("email", "juergen@example.de")["first_name"], "Jürgen");

    let error = ws.fails(&["import", path_str(&file), "--encoding", "klingon"]);
    assert!(error.contains("--encoding") && error.contains("\"klingon\""), "{error}");
}

#[test]
fn a_given_delimiter_is_used_and_written_back() {
    let ws = Workspace::new();
    let file = ws.file("pipes.csv", "First Name|Email|Comments\nAnna|anna@example.com|a, b; c\n");
    let (json, raw, rows) = import_delimited(&ws, &file, b'|', &["--delimiter", "|"]);
    assert_eq!(counts_of(&json), (1, 0, 0, 0));
    assert!(raw.starts_with(b"First Name|Email|Comments|Import Status"), "plain UTF-8 input: no BOM");
    assert_eq!(rows[0]["Comments"], "a, b; c");
    assert_eq!(ws.contact_by("email", "anna@example.com")["notes"], "a, b; c");
    let error = ws.fails(&["import", path_str(&file), "--delimiter", "\""]);
    assert!(error.contains("--delimiter"), "{error}");
}
