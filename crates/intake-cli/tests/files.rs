//! End-to-end tests of the other files customers have: a spreadsheet (numbers, dates and
//! the sheet to read) and vCards (an iPhone's, with several addresses and numbers, and a
//! vCard export read back), imported through the real binary.

mod common;

use std::path::PathBuf;

use common::{Workspace, path_str};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn example(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples")).join(name)
}

/// A workbook whose second sheet holds contacts, with a phone stored as a number and a
/// birthday stored as a date.
fn workbook(ws: &Workspace) -> PathBuf {
    let path = ws.path("contacts.xlsx");
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "not the contacts").unwrap();
    let sheet = book.add_worksheet().set_name("Kontakte").unwrap();
    for (column, header) in ["Vorname", "Nachname", "E-Mail", "Telefon", "Geburtstag"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let date = Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_string(1, 0, "Anna").unwrap();
    sheet.write_string(1, 1, "Schmidt").unwrap();
    sheet.write_string(1, 2, "anna@example.com").unwrap();
    sheet.write_number(1, 3, 4915123456789.0).unwrap();
    sheet.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(1985, 4, 15).unwrap(), &date).unwrap();
    book.save(&path).unwrap();
    path
}

#[test]
fn a_spreadsheet_imports_numbers_and_dates_as_stored() {
    let ws = Workspace::new();
    let book = workbook(&ws);
    let (counts, rows) = ws.import(&book, &["--sheet", "Kontakte", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0), "{rows:?}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["phone"], "+4915123456789", "a phone stored as a number stays a phone");
    assert_eq!(anna["birthday"], "1985-04-15", "a date cell is a date");
    assert_eq!(anna["last_name"], "Schmidt");
}

#[test]
fn a_missing_sheet_is_a_clear_error_naming_the_sheets() {
    let ws = Workspace::new();
    let book = workbook(&ws);
    let stderr = ws.fails(&["import", path_str(&book), "--sheet", "People"]);
    assert!(stderr.contains("Kontakte") && stderr.contains("People"), "{stderr}");
}

#[test]
fn an_iphone_vcard_keeps_every_address_and_number() {
    let ws = Workspace::new();
    let (counts, rows) = ws.import(&example("iphone-contacts.vcf"), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0), "{rows:?}");
    let katrin = ws.contact_by("email", "katrin.schneider@partner.example");
    assert_eq!(katrin["first_name"], "Katrin");
    assert_eq!(katrin["last_name"], "Schneider");
    assert_eq!(katrin["company"], "Schneider & Partner");
    assert_eq!(katrin["job_title"], "Leiterin Vertrieb");
    assert_eq!(katrin["other_emails"], "katrin@schneider.example");
    assert_eq!(katrin["phone"], "+49405550199", "the preferred number");
    assert_eq!(katrin["other_phones"], "+4915155501234", "the labelled mobile number");
    assert_eq!(katrin["whatsapp"], "", "nothing on the card says WhatsApp");
    assert_eq!(katrin["city"], "Hamburg");
    assert_eq!(katrin["birthday"], "1982-06-30");
    assert_eq!(katrin["notes"], "Kennengelernt auf der Messe, Stand 4");
    assert_eq!(katrin["tags"], "Kunden|Messe 2026");
    // Apple writes a birthday without a year as 1604.
    assert_eq!(ws.contact_by("email", "chidi.okafor@mail.example")["birthday"], "--09-12");
}

#[test]
fn a_vcard_export_imported_again_changes_nothing() {
    let ws = Workspace::new();
    ws.import(&example("iphone-contacts.vcf"), &["--no-import-tag"]);
    let before = ws.contacts();
    let out = ws.path("export.vcf");
    ws.ok(&["contacts", "export", "--format", "vcard", "--output", path_str(&out)]);
    let (counts, rows) = ws.import(&out, &["--purpose", "add-update", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (0, 0, 2, 0), "{rows:?}");
    assert_eq!(ws.contacts(), before);
}
