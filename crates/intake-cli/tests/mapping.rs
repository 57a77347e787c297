//! End-to-end tests of mapping without help: headers in other languages, columns known only
//! by their values, day/month order from the whole column, known exports (the samples in
//! `examples/`), and `intake mapping suggest | save` with `import --mapping`.

mod common;

use std::path::PathBuf;

use common::{Workspace, path_str};

const GERMAN: &str = "\
Vorname;Nachname;E-Mail;Handy;Telefon;Geburtstag;Firma
Jürgen;Schäfer;j.schaefer@praxis.example;0171 5550111;089 5550100;24.12.1971;Praxis Schäfer
Anna;Meier;anna@meier.example;0160 5550123;030 5550100;01.02.1985;Meier GmbH
";

fn example(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples")).join(name)
}

#[test]
fn german_headers_map_by_themselves_and_dates_are_read_day_first() {
    let ws = Workspace::new();
    let file = ws.file("de.csv", GERMAN);
    let output = ws.run(&["import", path_str(&file), "--default-region", "DE"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mapped \"Vorname\" to first_name"), "{stderr}");
    assert!(stderr.contains("dates read as %d.%m.%Y"), "{stderr}");
    let juergen = ws.contact_by("email", "j.schaefer@praxis.example");
    assert_eq!(juergen["first_name"], "Jürgen");
    assert_eq!(juergen["last_name"], "Schäfer");
    assert_eq!(juergen["phone"], "+491715550111", "the mobile column is the phone");
    assert_eq!(juergen["other_phones"], "+49895550100");
    assert_eq!(juergen["whatsapp"], "", "no column says WhatsApp");
    assert_eq!(juergen["birthday"], "1971-12-24");
    assert_eq!(juergen["company"], "Praxis Schäfer");
}

#[test]
fn each_date_and_decimal_column_is_read_in_its_own_format() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "signup", "--type", "date"]);
    ws.ok(&["fields", "add", "revenue", "--type", "decimal"]);
    // Birthdays day first with dots, sign-ups month first with slashes (each column shows
    // its order by one day past the 12th), revenue with a decimal comma.
    let file = ws.file(
        "mixed.csv",
        "First Name;Email;Birthday;Signup;Revenue\n\
         Ann;ann@example.com;24.12.1971;03/25/2024;1.234,50\n\
         Bob;bob@example.com;01.02.1985;11/02/2023;12,5\n\
         Cem;cem@example.com;05.06.1990;01/04/2022;3\n",
    );
    let output = ws.run(&["import", path_str(&file)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("column \"Birthday\": dates read as %d.%m.%Y"), "{stderr}");
    assert!(stderr.contains("column \"Signup\": dates read as %m/%d/%Y"), "{stderr}");
    assert!(stderr.contains("column \"Revenue\": numbers read with a decimal comma"), "{stderr}");
    let ann = ws.contact_by("email", "ann@example.com");
    assert_eq!((ann["birthday"].as_str(), ann["signup"].as_str()), ("1971-12-24", "2024-03-25"));
    assert_eq!(ann["revenue"], "1234.50");
    let bob = ws.contact_by("email", "bob@example.com");
    assert_eq!((bob["birthday"].as_str(), bob["signup"].as_str()), ("1985-02-01", "2023-11-02"));
    assert_eq!(bob["revenue"], "12.5");
    assert_eq!(ws.contact_by("email", "cem@example.com")["revenue"], "3");
}

#[test]
fn an_order_the_first_rows_leave_open_is_settled_by_the_whole_column() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "revenue", "--type", "decimal"]);
    // 300 rows whose dates all fit both orders and whose amounts are all like 1,234, but for
    // row 280 (a day past the 12th) and row 290 (a decimal comma).
    let mut text = String::from("First Name,Email,Birthday,Revenue\n");
    for i in 1..=300 {
        let date = match i {
            280 => "25/03/1990".to_string(),
            _ => format!("{:02}/{:02}/1990", 1 + i % 12, 1 + i % 11),
        };
        let revenue = if i == 290 { "\"12,5\"".to_string() } else { format!("\"{},{:03}\"", i % 9 + 1, i) };
        text.push_str(&format!("P{i},p{i}@example.com,{date},{revenue}\n"));
    }
    let file = ws.file("late.csv", &text);
    let output = ws.run(&["import", path_str(&file)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("column \"Birthday\": dates read as %d/%m/%Y (the first rows"), "{stderr}");
    assert!(stderr.contains("column \"Revenue\": numbers read with a decimal comma"), "{stderr}");
    let p280 = ws.contact_by("email", "p280@example.com");
    assert_eq!(p280["birthday"], "1990-03-25");
    // Row 13: 02/03/1990 is the 2nd of March, day first.
    assert_eq!(ws.contact_by("email", "p13@example.com")["birthday"], "1990-03-02");
    assert_eq!(ws.contact_by("email", "p290@example.com")["revenue"], "12.5");
    assert_eq!(ws.contact_by("email", "p13@example.com")["revenue"], "5.013");
}

#[test]
fn an_ambiguous_day_month_order_is_reported_not_guessed() {
    let ws = Workspace::new();
    let file = ws.file(
        "d.csv",
        "First Name,Email,Birthday\nAnna,anna@example.com,03/04/1985\nBen,ben@example.com,01/02/1990\n",
    );
    let output = ws.run(&["import", path_str(&file), "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["errors"], 2, "no order was guessed: the dates are not ISO");
    // Each row says why, and how to decide.
    let results = ws.path("results.csv");
    ws.run(&["import", path_str(&file), "--dry-run", "--results", path_str(&results)]);
    let rows = common::read_csv(&results);
    assert!(
        rows[0]["Import Errors"]
            .contains("could be either way round (%d/%m/%Y or %m/%d/%Y); say which with --date-format"),
        "{rows:?}"
    );
    let output = ws.run(&["import", path_str(&file)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("read both as %d/%m/%Y and as %m/%d/%Y"), "{stderr}");
}

#[test]
fn suggest_shows_each_column_with_its_field_confidence_and_kind() {
    let ws = Workspace::new();
    let file = ws.file(
        "c.csv",
        "Column 1,Column 2,Prénom,Emial\n\
         a@example.com,+49 151 23456789,Anna,x\nb@example.com,+49 170 1234567,Ben,y\n",
    );
    let out = ws.ok(&["mapping", "suggest", path_str(&file), "--json"]);
    let columns: serde_json::Value = serde_json::from_str(&out).expect("json array");
    let column =
        |header: &str| columns.as_array().unwrap().iter().find(|c| c["header"] == header).unwrap().clone();
    assert_eq!(column("Column 1")["field"], "email");
    assert_eq!(column("Column 1")["basis"], "values");
    assert_eq!(column("Column 1")["kind"], "e-mail");
    assert_eq!(column("Column 2")["kind"], "phone (mobile)");
    assert_eq!(column("Prénom")["field"], "first_name");
    assert!(column("Prénom")["confidence"].as_f64().unwrap() >= 0.9);
    assert_eq!(column("Column 1")["samples"][0], "a@example.com");
}

#[test]
fn a_saved_mapping_makes_a_recurring_import_one_command() {
    let ws = Workspace::new();
    let file = ws.file("x.csv", "Name,Mail,Kundenstatus\nAnna,anna@example.com,gold\n");
    let saved = ws.path("crm.toml");
    ws.ok(&["mapping", "save", path_str(&file), "--map", "Name=first_name", "--output", path_str(&saved)]);
    let text = std::fs::read_to_string(&saved).expect("saved mapping");
    assert!(text.contains("Name = \"first_name\""), "{text}");
    assert!(text.contains("Mail = \"email\""), "{text}");
    assert!(text.contains("\"Kundenstatus\""), "{text}");
    let next = ws.file("y.csv", "Name,Mail,Kundenstatus\nBen,ben@example.com,silver\n");
    let (counts, _) = ws.import(&next, &["--mapping", path_str(&saved)]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    assert_eq!(ws.contact_by("email", "ben@example.com")["first_name"], "Ben");
}

#[test]
fn a_google_contacts_export_maps_without_help() {
    let ws = Workspace::new();
    let (counts, rows) = ws.import(&example("google-contacts.csv"), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0), "{rows:?}");
    let lena = ws.contact_by("email", "lena.vogel@nordlicht.example");
    assert_eq!(lena["last_name"], "Vogel");
    assert_eq!(lena["phone"], "+491605550123");
    assert_eq!(lena["company"], "Nordlicht AG");
    assert_eq!(lena["job_title"], "Einkauf");
    assert_eq!(lena["city"], "Hamburg");
    assert_eq!(lena["tags"], "Kunden", "Google's system group * myContacts is no tag");
    // The second address and number columns are kept, not dropped.
    assert_eq!(lena["other_emails"], "lena@vogel.example");
    assert_eq!(lena["other_phones"], "+49405550456");
    assert_eq!(ws.contact_by("email", "marco@rossi.example")["birthday"], "--07-21");
    // Google writes several values of one label into one cell, ` ::: `-separated: the first
    // is the contact's address or number, the others are kept beside it.
    let sofia = ws.contact_by("email", "sofia.garcia@correo.example");
    assert_eq!(sofia["first_name"], "Sofía");
    assert_eq!(sofia["other_emails"], "sofia@familia.example");
    assert_eq!(sofia["phone"], "+34612550177");
    assert_eq!(sofia["other_phones"], "+34915550123");
}

#[test]
fn a_bad_address_among_several_is_left_out_with_a_note_naming_it() {
    let ws = Workspace::new();
    let file = ws.file(
        "several.csv",
        "First Name,Email,Other Emails\n\
         Ann,ann@example.com ::: ann@work.example,\n\
         Bob,bob@example.com,bob@home.example; BOB@EXAMPLE.COM | bob@home.example\n\
         Cem,cem@example.com,cem@home.example ::: not-an-address\n",
    );
    let (counts, rows) = ws.import(&file, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0), "{rows:?}");
    assert_eq!(ws.contact_by("email", "ann@example.com")["other_emails"], "ann@work.example");
    // Repeats, and the primary address itself, are kept once, in the primary field.
    assert_eq!(ws.contact_by("email", "bob@example.com")["other_emails"], "bob@home.example");
    assert!(rows[2]["Import Notes"].contains("\"not-an-address\" left out"), "{rows:?}");
    assert!(rows[2]["Import Notes"].contains("Other Emails"), "{rows:?}");
    assert_eq!(ws.contact_by("email", "cem@example.com")["other_emails"], "cem@home.example");
}

#[test]
fn an_outlook_export_maps_without_help_and_its_title_is_not_a_job() {
    let ws = Workspace::new();
    let (counts, rows) = ws.import(&example("outlook-contacts.csv"), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0), "{rows:?}");
    let juergen = ws.contact_by("email", "j.schaefer@praxis.example");
    assert_eq!(juergen["job_title"], "Arzt");
    assert_eq!(juergen["phone"], "+491715550111", "Outlook's Mobile Phone");
    assert_eq!(juergen["whatsapp"], "");
    assert_eq!(juergen["city"], "München");
    assert_eq!(juergen["birthday"], "1971-11-02");
    assert_eq!(juergen["tags"], "Kunden|VIP");
    assert_eq!(juergen["other_phones"], "+49895550199|+49895550100");
    let claire = ws.contact_by("email", "claire.dubois@atelier.example");
    assert_eq!(claire["other_emails"], "c.dubois@perso.example");
    assert_eq!(ws.contact_by("email", "claire.dubois@atelier.example")["company"], "Atelier Dubois");
}

#[test]
fn a_linkedin_export_with_its_notes_above_the_header_maps_without_help() {
    let ws = Workspace::new();
    let (counts, rows) = ws.import(&example("linkedin-connections.csv"), &["--no-import-tag"]);
    // LinkedIn leaves out the e-mail of people who hide it: such a row cannot be matched.
    assert_eq!(counts.tuple(), (1, 0, 0, 1), "{rows:?}");
    // The export's rows of notes above the header are skipped; rows keep their numbers (the
    // blank line below the notes puts row 5 on line 6).
    assert!(rows[1]["Import Errors"].contains("row 5 (line 6): the identifier email is empty"), "{rows:?}");
    let priya = ws.contact_by("email", "priya.nair@example.com");
    assert_eq!(priya["company"], "Globex");
    assert_eq!(priya["job_title"], "Head of Growth");
}

#[test]
fn several_columns_may_fill_a_list_field_but_not_another_field() {
    let ws = Workspace::new();
    let file = ws.file("mails.csv", "Name,Mail,Mail 2,Mail 3\nAnn,ann@x.com,a2@x.com,A3@x.com\n");
    let maps = ["--map", "Name=first_name", "--map", "Mail=email"];
    let lists = ["--map", "Mail 2=other_emails", "--map", "Mail 3=other_emails"];
    let args: Vec<&str> = maps.iter().chain(&lists).copied().chain(["--no-import-tag"]).collect();
    let (counts, rows) = ws.import(&file, &args);
    assert_eq!(counts.tuple(), (1, 0, 0, 0), "{rows:?}");
    assert_eq!(ws.contact_by("email", "ann@x.com")["other_emails"], "a2@x.com|a3@x.com");
    let twice = ws.run(&["import", path_str(&file), "--map", "Mail=email", "--map", "Mail 2=email"]);
    assert!(!twice.status.success());
    let stderr = String::from_utf8_lossy(&twice.stderr);
    assert!(stderr.contains("Mail") && stderr.contains("Mail 2"), "{stderr}");
}
