//! End-to-end tests of how values are read, on files made the way customers' programs make
//! them (a German Excel CSV in Windows-1252 with `;`, Outlook and Google CSV exports, iPhone
//! and Android vCards): subscriptions and booleans in the words people write, one day/month
//! order per date column that survives a bad value, and tags that are one tag whatever
//! their case. Each asserts what a user sees: counts, results rows, exported contacts.

mod common;

use std::path::{Path, PathBuf};

use common::{Row, Workspace, path_str};

/// Writes `text` encoded as Windows-1252, as Excel DE saves "CSV (Trennzeichen-getrennt)".
fn excel_de_file(ws: &Workspace, name: &str, text: &str) -> PathBuf {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable, "the fixture is representable in Windows-1252");
    let path = ws.path(name);
    std::fs::write(&path, &bytes).expect("write test file");
    path
}

/// Imports with `--json --results` plus `extra`; returns the counts `(imported, updated,
/// skipped, errors)` and the results rows read with `delimiter`.
fn import(ws: &Workspace, file: &Path, delimiter: u8, extra: &[&str]) -> ((u64, u64, u64, u64), Vec<Row>) {
    let (json, _, rows) = common::import_delimited(ws, file, delimiter, extra);
    (common::counts_of(&json), rows)
}

// Item 7: one reading of a date column, per column, that a bad value does not spoil.

const GEBURTSTAGE: &str = "Vorname;Nachname;E-Mail;Geburtstag\r\n\
Jürgen;Müller;juergen@example.de;24.12.1971\r\n\
Änne;Böhm;aenne@example.de;29.02.2001\r\n\
Grete;Größe;grete@example.de;03.04.1985\r\n\
Björn;Weiß;bjoern@example.de;\r\n";

#[test]
fn one_impossible_date_is_its_rows_error_and_the_column_keeps_its_order() {
    let ws = Workspace::new();
    let file = excel_de_file(&ws, "geburtstage.csv", GEBURTSTAGE);
    let (counts, rows) = import(&ws, &file, b';', &["--no-import-tag"]);
    assert_eq!(counts, (3, 0, 0, 1), "{rows:?}");
    assert_eq!(rows[1]["Import Status"], "Error");
    let error = &rows[1]["Import Errors"];
    assert!(
        error.contains("row 3") && error.contains("Geburtstag") && error.contains("29.02.2001"),
        "{error}"
    );
    assert!(error.contains("no such date"), "{error}");
    assert_eq!(ws.contact_by("email", "juergen@example.de")["birthday"], "1971-12-24");
    assert_eq!(
        ws.contact_by("email", "grete@example.de")["birthday"],
        "1985-04-03",
        "day first, as the column"
    );
}

#[test]
fn outlooks_zero_date_is_an_empty_birthday() {
    let ws = Workspace::new();
    let file = ws.file(
        "outlook.csv",
        "First Name,Last Name,E-mail Address,Birthday\r\n\
         Anna,Smith,anna@example.com,0/0/00\r\n\
         Bob,Jones,bob@example.com,4/15/1985\r\n",
    );
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (2, 0, 0, 0), "{rows:?}");
    assert_eq!(ws.contact_by("email", "anna@example.com")["birthday"], "");
    assert_eq!(ws.contact_by("email", "bob@example.com")["birthday"], "1985-04-15", "US month first");
}

// Items 8 and 9: yes and no in the words people write.

#[test]
fn a_newsletter_column_takes_yes_no_ja_nein_oui_non_opt_in_and_opt_out() {
    let ws = Workspace::new();
    let file = ws.file(
        "newsletter.csv",
        "First Name,Email,Newsletter\n\
         A,a@example.com,yes\n\
         B,b@example.com,No\n\
         C,c@example.com,Ja\n\
         D,d@example.com,nein\n\
         E,e@example.com,OUI\n\
         F,f@example.com,non\n\
         G,g@example.com,sí\n\
         H,h@example.com,opt-in\n\
         I,i@example.com,Opt-Out\n\
         J,j@example.com,1\n\
         K,k@example.com,Unsubscribed\n\
         L,l@example.com,maybe\n",
    );
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (11, 0, 0, 1), "{rows:?}");
    assert!(rows[11]["Import Errors"].contains("\"maybe\""), "{:?}", rows[11]);
    let status = |email: &str| ws.contact_by("email", email)["email_subscription"].clone();
    for yes in ["a", "c", "e", "g", "h", "j"] {
        assert_eq!(status(&format!("{yes}@example.com")), "subscribed", "{yes}");
    }
    for no in ["b", "d", "f", "i", "k"] {
        assert_eq!(status(&format!("{no}@example.com")), "unsubscribed", "{no}");
    }
}

#[test]
fn boolean_fields_and_settings_take_ja_nein_oui_non() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "vip", "--type", "boolean"]);
    let file = excel_de_file(
        &ws,
        "vip.csv",
        "Vorname;E-Mail;VIP\r\nJürgen;juergen@example.de;Ja\r\nÄnne;aenne@example.de;Nein\r\nGrete;grete@example.de;Oui\r\n",
    );
    let (counts, rows) = import(&ws, &file, b';', &["--map", "VIP=vip"]);
    assert_eq!(counts, (3, 0, 0, 0), "{rows:?}");
    assert_eq!(ws.contact_by("email", "juergen@example.de")["vip"], "true");
    assert_eq!(ws.contact_by("email", "aenne@example.de")["vip"], "false");
    assert_eq!(ws.contact_by("email", "grete@example.de")["vip"], "true");

    ws.ok(&["settings", "set", "require-first-name", "no"]);
    assert_eq!(ws.ok(&["settings", "get", "require-first-name"]).trim(), "false");
    ws.ok(&["settings", "set", "require-first-name", "Ja"]);
    assert_eq!(ws.ok(&["settings", "get", "require-first-name"]).trim(), "true");
    assert!(ws.fails(&["settings", "set", "require-first-name", "perhaps"]).contains("yes or no"));
}

#[test]
fn the_workspace_default_region_reads_national_numbers_of_an_import_that_names_none() {
    let ws = Workspace::new();
    let file = ws.file("kontakte.csv", "Vorname,Email,Telefon\nAnna,anna@example.de,0151 23456789\n");
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.errors, 1, "no region, no country code: {rows:?}");

    assert_eq!(ws.ok(&["settings", "get", "default-region"]).trim(), "none");
    ws.ok(&["settings", "set", "default-region", "de"]);
    assert_eq!(ws.ok(&["settings", "get", "default-region"]).trim(), "DE");
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.imported, 1);
    assert_eq!(ws.contact_by("email", "anna@example.de")["phone"], "+4915123456789");
    // A flag still wins: read in Austria, the same digits are another number.
    let other = ws.file("at.csv", "Vorname,Email,Telefon\nBen,ben@example.at,0664 1234567\n");
    ws.import(&other, &["--default-region", "AT"]);
    assert_eq!(ws.contact_by("email", "ben@example.at")["phone"], "+436641234567");

    for bad in ["XX", "Germany", ""] {
        assert!(ws.fails(&["settings", "set", "default-region", bad]).contains("two-letter"), "{bad}");
    }
    ws.ok(&["settings", "set", "default-region", "none"]);
    assert_eq!(ws.ok(&["settings", "get", "default-region"]).trim(), "none");
}

// Items 5 and 6: a bad additional value never refuses the contact; extensions and numbers
// Excel shortened are said in plain words.

const GOOGLE_HEADER: &str = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,\
E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Labels\n";

#[test]
fn a_broken_second_email_of_a_google_export_is_left_out_with_a_note() {
    let ws = Workspace::new();
    let file = ws.file(
        "google.csv",
        &format!(
            "{GOOGLE_HEADER}\
             Anna,Schmidt,* Home,anna@example.com,Work,anna(at)work,Mobile,+49 151 23456789,Work,+49 30 1234567 x12,* myContacts\n\
             Bruno,Meyer,* Home,bruno@example.com,Work,bruno@work.example,Mobile,+49 151 98765432,Work,12,* myContacts\n"
        ),
    );
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (2, 0, 0, 0), "{rows:?}");
    let notes = &rows[0]["Import Notes"];
    assert!(
        notes.contains("E-mail 2 - Value") && notes.contains("anna(at)work") && notes.contains("left out"),
        "{notes}"
    );
    assert!(notes.contains("extension \"12\""), "the extension is noted, not dropped silently: {notes}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["other_emails"], "");
    assert_eq!(anna["other_phones"], "+49301234567");
    let notes = &rows[1]["Import Notes"];
    assert!(notes.contains("Phone 2 - Value") && notes.contains("\"12\""), "{notes}");
    let bruno = ws.contact_by("email", "bruno@example.com");
    assert_eq!((bruno["other_emails"].as_str(), bruno["other_phones"].as_str()), ("bruno@work.example", ""));
}

#[test]
fn the_fourth_phone_of_an_iphone_card_is_left_out_not_the_card() {
    let ws = Workspace::new();
    let file = ws.file(
        "iphone.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Schmidt;Anna;;;\r\nFN:Anna Schmidt\r\n\
         EMAIL;type=INTERNET;type=HOME;type=pref:anna@example.com\r\n\
         TEL;type=CELL;type=VOICE;type=pref:+49 151 23456789\r\n\
         TEL;type=WORK;type=VOICE:+49 30 1234567\r\n\
         TEL;type=HOME;type=VOICE:+49 40 7654321\r\n\
         TEL;type=OTHER;type=VOICE:call me\r\n\
         END:VCARD\r\n",
    );
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (1, 0, 0, 0), "{rows:?}");
    assert!(rows[0]["Import Notes"].contains("\"call me\" left out"), "{:?}", rows[0]);
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["phone"], "+4915123456789", "the preferred, mobile number is the phone");
    assert_eq!(anna["whatsapp"], "", "nothing on the card says WhatsApp");
    assert_eq!(anna["other_phones"], "+49301234567|+49407654321");
}

#[test]
fn a_number_excel_shortened_says_so() {
    let ws = Workspace::new();
    let file = excel_de_file(
        &ws,
        "handy.csv",
        "Vorname;E-Mail;Telefon\r\nJürgen;juergen@example.de;4,91511E+12\r\nÄnne;aenne@example.de;4.91511E+12\r\n",
    );
    let (counts, rows) = import(&ws, &file, b';', &["--default-region", "DE", "--map", "Telefon=phone"]);
    assert_eq!(counts, (0, 0, 0, 2), "{rows:?}");
    for row in &rows {
        let error = &row["Import Errors"];
        assert!(
            error.contains("Excel shortened this number: format the column as text and export again"),
            "{error}"
        );
        assert!(error.contains("Telefon") && error.contains("E+12"), "{error}");
    }
}

// Item 4: the number people message is the contact's phone.

const ANDROID_CARD: &str = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Meyer;Bruno;;;\r\nFN:Bruno Meyer\r\n\
TEL;CELL:+49 151 98765432\r\nEMAIL;HOME:bruno@example.com\r\nEND:VCARD\r\n";

#[test]
fn an_android_cards_only_cell_number_is_its_phone_and_a_reimport_by_phone_updates_it() {
    let ws = Workspace::new();
    let file = ws.file("android.vcf", ANDROID_CARD);
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (1, 0, 0, 0), "{rows:?}");
    let bruno = ws.contact_by("email", "bruno@example.com");
    assert_eq!((bruno["phone"].as_str(), bruno["whatsapp"].as_str()), ("+4915198765432", ""));

    let again = ws.file("again.csv", "First Name,Phone,Company\nBruno,0151 98765432,Acme\n");
    let (counts, rows) = import(&ws, &again, b',', &["--identifier", "phone", "--default-region", "DE"]);
    assert_eq!(counts, (0, 1, 0, 0), "matched by the phone, not a duplicate: {rows:?}");
    assert_eq!(ws.contacts().len(), 1);
}

#[test]
fn whatsapp_from_mobile_sets_the_whatsapp_number_only_when_asked() {
    let ws = Workspace::new();
    let file = ws.file("android.vcf", ANDROID_CARD);
    let (counts, _) = import(&ws, &file, b',', &["--whatsapp-from-mobile"]);
    assert_eq!(counts, (1, 0, 0, 0));
    let bruno = ws.contact_by("email", "bruno@example.com");
    assert_eq!((bruno["phone"].as_str(), bruno["whatsapp"].as_str()), ("+4915198765432", "+4915198765432"));
}

const OUTLOOK_HEADER: &str = "First Name,Middle Name,Last Name,Title,E-mail Address,Business Phone,Mobile Phone,Home Phone,Job Title\r\n";

#[test]
fn outlooks_mobile_phone_is_the_phone_and_the_office_line_another_phone() {
    let ws = Workspace::new();
    let file = ws.file(
        "outlook.csv",
        &format!(
            "{OUTLOOK_HEADER}\
             Anna,,Smith,,anna@example.com,+49 30 1234567,+49 151 23456789,,Buyer\r\n\
             Carl,,Jones,,carl@example.com,+49 30 7654321,,+49 40 1111111,\r\n"
        ),
    );
    let (counts, rows) = import(&ws, &file, b',', &["--no-import-tag"]);
    assert_eq!(counts, (2, 0, 0, 0), "{rows:?}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["phone"], "+4915123456789");
    assert_eq!(anna["whatsapp"], "");
    assert_eq!(anna["other_phones"], "+49301234567");
    let carl = ws.contact_by("email", "carl@example.com");
    assert_eq!(carl["phone"], "+49307654321", "no mobile: the first number");
    assert_eq!(carl["other_phones"], "+49401111111");
}

#[test]
fn a_german_excel_files_handy_is_the_phone_and_its_telefon_another() {
    let ws = Workspace::new();
    let file = excel_de_file(
        &ws,
        "kontakte.csv",
        "Vorname;E-Mail;Telefon;Handy\r\nJürgen;juergen@example.de;030 1234567;0151 23456789\r\n\
         Änne;aenne@example.de;030 7654321;\r\n",
    );
    let (counts, rows) = import(&ws, &file, b';', &["--default-region", "DE", "--whatsapp-from-mobile"]);
    assert_eq!(counts, (2, 0, 0, 0), "{rows:?}");
    let juergen = ws.contact_by("email", "juergen@example.de");
    assert_eq!(juergen["phone"], "+4915123456789");
    assert_eq!(juergen["other_phones"], "+49301234567");
    assert_eq!(juergen["whatsapp"], "+4915123456789", "--whatsapp-from-mobile");
    let aenne = ws.contact_by("email", "aenne@example.de");
    assert_eq!(
        (aenne["phone"].as_str(), aenne["whatsapp"].as_str()),
        ("+49307654321", ""),
        "a landline is no WhatsApp"
    );
}

// Item 10: tags are one tag whatever their case; system labels are no tags.

fn tags_of(ws: &Workspace, email: &str) -> Vec<String> {
    let mut tags: Vec<String> = ws.contact_by("email", email)["tags"]
        .split('|')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    tags.sort();
    tags
}

#[test]
fn tags_in_any_case_are_one_tag_and_googles_system_labels_are_none() {
    let ws = Workspace::new();
    let outlook = ws.file(
        "outlook.csv",
        &format!("{OUTLOOK_HEADER}Anna,,Smith,,anna@example.com,,+49 151 23456789,,,\r\n")
            .replace("Job Title\r\n", "Job Title,Categories\r\n")
            .replace("+49 151 23456789,,,\r\n", "+49 151 23456789,,,VIP;Kunden\r\n"),
    );
    let (counts, rows) = import(&ws, &outlook, b',', &["--no-import-tag"]);
    assert_eq!(counts, (1, 0, 0, 0), "{rows:?}");

    let google = ws.file(
        "google.csv",
        &format!(
            "{GOOGLE_HEADER}Anna,Smith,* Home,anna@example.com,,,,,,,* myContacts ::: vip ::: Kunden ::: * starred ::: Leads\n"
        ),
    );
    let (counts, rows) =
        import(&ws, &google, b',', &["--no-import-tag", "--tag", "Fair 2026,leads", "--tag", "VIP"]);
    assert_eq!(counts, (0, 1, 0, 0), "only Leads and Fair 2026 are new: {rows:?}");
    assert_eq!(tags_of(&ws, "anna@example.com"), ["Fair 2026", "Kunden", "Leads", "VIP"]);

    // The same file again, tags spelt otherwise: nothing changes.
    let (counts, rows) =
        import(&ws, &google, b',', &["--no-import-tag", "--tag", "fair 2026", "--tag", "LEADS"]);
    assert_eq!(counts, (0, 0, 1, 0), "{rows:?}");
    assert!(rows[0]["Import Notes"].contains("no changes"), "{rows:?}");

    // An export imported again keeps the same tags.
    let export = ws.path("contacts.csv");
    ws.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&export)]);
    let (counts, rows) = import(&ws, &export, b',', &["--no-import-tag"]);
    assert_eq!(counts, (0, 0, 1, 0), "{rows:?}");
    assert_eq!(tags_of(&ws, "anna@example.com"), ["Fair 2026", "Kunden", "Leads", "VIP"]);
}

#[test]
fn a_us_date_column_whose_header_says_mm_dd_yyyy_is_read_month_first() {
    let ws = Workspace::new();
    let file = ws.file(
        "us.csv",
        "First Name,Email,Birthday (MM/DD/YYYY)\nAnn,ann@example.com,03/04/1985\nBob,bob@example.com,1/2/1990\n",
    );
    let output =
        ws.run(&["import", path_str(&file), "--map", "Birthday (MM/DD/YYYY)=birthday", "--no-import-tag"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dates read as %m/%d/%Y (its header says so)"), "{stderr}");
    assert_eq!(ws.contact_by("email", "ann@example.com")["birthday"], "1985-03-04");
    assert_eq!(ws.contact_by("email", "bob@example.com")["birthday"], "1990-01-02");
}

#[test]
fn extensions_of_a_vcard_and_an_outlook_file_are_noted_not_dropped_silently() {
    let ws = Workspace::new();
    let card = ws.file(
        "ext.vcf",
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Eva Klein\r\nN:Klein;Eva;;;\r\nEMAIL:eva@example.com\r\n\
         TEL;VALUE=uri;TYPE=work:tel:+49-30-1234567;ext=12\r\nEND:VCARD\r\n",
    );
    let (counts, rows) = import(&ws, &card, b',', &["--no-import-tag"]);
    assert_eq!(counts, (1, 0, 0, 0), "{rows:?}");
    assert!(rows[0]["Import Notes"].contains("extension \"12\""), "{:?}", rows[0]);
    assert_eq!(ws.contact_by("email", "eva@example.com")["phone"], "+49301234567");
    assert_eq!(ws.contact_by("email", "eva@example.com")["other_phones"], "", "the extension is no number");

    let outlook = ws.file(
        "outlook.csv",
        &format!("{OUTLOOK_HEADER}Tom,,Berg,,tom@example.com,+49 89 5550100 ext. 7,+49 151 23456789,,\r\n"),
    );
    let (counts, rows) = import(&ws, &outlook, b',', &["--no-import-tag"]);
    assert_eq!(counts, (1, 0, 0, 0), "{rows:?}");
    assert!(
        rows[0]["Import Notes"].contains("extension \"7\"")
            && rows[0]["Import Notes"].contains("Business Phone"),
        "{:?}",
        rows[0]
    );
    assert_eq!(ws.contact_by("email", "tom@example.com")["other_phones"], "+49895550100");
}
