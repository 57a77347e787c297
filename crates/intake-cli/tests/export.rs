//! End-to-end tests of `intake contacts export`: CSV cells that a spreadsheet would run as
//! formulas are guarded, vCard 4.0 cards hold the contacts, and an exported file imported
//! again with `add-update` changes nothing and creates nobody.

mod common;

use common::{Workspace, path_str};

const PEOPLE: &str = "\
First Name,Last Name,Email,Phone,Company,Birthday,Notes,Tags,Email Subscription
Anna,Müller,anna@example.com,+49 151 23456789,\"ACME, Inc.\",1985-04-15,\"=HYPERLINK(\"\"http://x\"\")\",vip|fair,subscribed
Ben,Ng,ben@example.com,0170 1234567,-minus,,@mention,,unsubscribed
";

fn with_people() -> Workspace {
    let ws = Workspace::new();
    let (counts, _) =
        ws.import(&ws.file("people.csv", PEOPLE), &["--default-region", "DE", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    ws
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_guarded() {
    let ws = with_people();
    let out = ws.path("export.csv");
    ws.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&out)]);
    let rows = common::read_csv(&out);
    let anna = &rows[0];
    assert_eq!(anna["notes"], "'=HYPERLINK(\"http://x\")");
    assert_eq!(anna["phone"], "+4915123456789", "a phone is data, written exactly (E.164)");
    assert_eq!(anna["company"], "ACME, Inc.");
    assert_eq!(rows[1]["company"], "'-minus");
    assert_eq!(rows[1]["notes"], "'@mention");
}

#[test]
fn csv_export_has_a_byte_order_mark_for_excel_unless_asked_not_to() {
    let ws = with_people();
    let (excel, machine) = (ws.path("excel.csv"), ws.path("machine.csv"));
    ws.ok(&["contacts", "export", "--output", path_str(&excel)]);
    ws.ok(&["contacts", "export", "--output", path_str(&machine), "--no-bom"]);
    let (excel, machine) = (std::fs::read(&excel).expect("read"), std::fs::read(&machine).expect("read"));
    assert!(excel.starts_with(b"\xEF\xBB\xBFid,first_name,"), "{:?}", &excel[..12]);
    assert!(machine.starts_with(b"id,first_name,"));
    assert_eq!(&excel[3..], &machine[..]);
}

#[test]
fn an_exported_csv_imported_again_changes_nothing() {
    let ws = with_people();
    let before = ws.contacts();
    let out = ws.path("export.csv");
    ws.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&out)]);
    // With the automatic import tag too: unchanged contacts are not tagged.
    let (counts, rows) = ws.import(&out, &["--purpose", "add-update"]);
    assert_eq!(counts.tuple(), (0, 0, 2, 0), "{rows:?}");
    assert!(rows.iter().all(|r| r["Import Notes"].contains("no changes")), "{rows:?}");
    assert_eq!(ws.contacts(), before);
}

#[test]
fn a_vcard_export_holds_every_contact() {
    let ws = with_people();
    let out = ws.path("export.vcf");
    ws.ok(&["contacts", "export", "--format", "vcard", "--output", path_str(&out)]);
    let text = std::fs::read_to_string(&out).expect("read the export");
    assert_eq!(text.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 2);
    common::assert_card_lines(
        &text,
        &[
            "FN:Anna Müller",
            "N:Müller;Anna;;;",
            "EMAIL;PREF=1:anna@example.com",
            "TEL;VALUE=uri;TYPE=voice;PREF=1:tel:+4915123456789",
            "ORG:ACME\\, Inc.",
            "BDAY:19850415",
            "CATEGORIES:fair,vip",
            "TEL;VALUE=uri;TYPE=voice;PREF=1:tel:+491701234567",
        ],
    );
}

#[test]
fn a_vcard_export_imported_again_changes_nothing() {
    let ws = Workspace::new();
    let file = ws.file(
        "full.csv",
        "First Name,Last Name,Email,Other Emails,Phone,Other Phones,Company,Job Title,Birthday,City,Country,Notes,External ID,Tags\n\
         Anna,Müller,anna@example.com,anna@work.example|a.m@example.org,+4915123456789,+493012345678,\"ACME, Inc.\",CEO,1985-04-15,Berlin,DE,\"line one, with comma\",crm-1,vip|fair\n\
         Ben,Okafor,ben@example.com,,+491701234567,,,,,,,,,\n",
    );
    ws.import(&file, &["--no-import-tag"]);
    let before = ws.contacts();
    let out = ws.path("export.vcf");
    ws.ok(&["contacts", "export", "--format", "vcard", "--output", path_str(&out)]);
    let (counts, rows) = ws.import(&out, &["--purpose", "add-update"]);
    assert_eq!(counts.tuple(), (0, 0, 2, 0), "{rows:?}");
    assert_eq!(ws.contacts(), before, "every value, e-mail, phone and tag as it was");
    let ben = ws.contact_by("email", "ben@example.com");
    assert_eq!(ben["external_id"], "", "intake's own id is not read back as an external id");
}
