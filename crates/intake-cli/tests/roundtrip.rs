//! Export is data: a store whose contacts have every built-in field, a custom field of each
//! type, tags in several spellings, lists and every subscription channel in every state is
//! exported (CSV with and without a byte-order mark, and vCard) and imported again. Into the
//! same store with `add-update` every row is Skipped "unchanged" and nothing changes; into an
//! empty store the contacts come out the same.

mod common;

use common::{Row, Workspace, path_str};

/// `(name, type, choices)` of a custom field of each type.
const CUSTOM: &[(&str, &str, &str)] = &[
    ("c_text", "text", ""),
    ("c_email", "email", ""),
    ("c_phone", "phone", ""),
    ("c_date", "date", ""),
    ("c_integer", "integer", ""),
    ("c_decimal", "decimal", ""),
    ("c_boolean", "boolean", ""),
    ("c_choice", "choice", "gold,silver,bronze"),
    ("c_multi", "multi_choice", "news,events,offers"),
    ("c_url", "url", ""),
    ("c_emails", "emails", ""),
    ("c_phones", "phones", ""),
    ("c_texts", "texts", ""),
];

/// Anna has every field, Ben some; each channel is subscribed, unsubscribed and none once
/// across them and Cleo. Tags and lists come in several spellings (`vip` is `VIP`), one tag
/// holds a comma, one starts with what a spreadsheet reads as a formula.
const PEOPLE: &[&[(&str, &str)]] = &[
    &[
        ("first_name", "Anna"),
        ("last_name", "Müller"),
        ("email", "anna@example.com"),
        ("phone", "+49 151 23456789"),
        ("whatsapp", "+49 151 99999999"),
        ("company", "ACME; Inc., Berlin"),
        ("job_title", "CEO"),
        ("birthday", "1985-04-15"),
        ("city", "Berlin"),
        ("country", "Germany"),
        ("language", "de"),
        ("notes", "line one, with comma\nline two; with semicolon"),
        ("external_id", "crm-1"),
        ("other_emails", "anna@work.example|a.m@example.org"),
        ("other_phones", "+49 30 12345678|+49 89 12345678"),
        ("street", "Hauptstr. 5, Hinterhaus"),
        ("postal_code", "10115"),
        ("region", "Berlin"),
        ("website", "https://anna.example/|https://acme.example/"),
        ("department", "Sales"),
        ("middle_name", "Maria"),
        ("name_prefix", "Dr."),
        ("name_suffix", "PhD"),
        ("nickname", "Anni"),
        ("gender", "female"),
        ("other_addresses", "Nebenweg 1, 20095 Hamburg|Rue 2, 75001 Paris"),
        ("c_text", "free, text; with: marks"),
        ("c_email", "C@Example.com"),
        ("c_phone", "+49 30 1111111"),
        ("c_date", "2001-02-03"),
        ("c_integer", "-42"),
        ("c_decimal", "12.50"),
        ("c_boolean", "yes"),
        ("c_choice", "Silver"),
        ("c_multi", "news|offers"),
        ("c_url", "https://c.example/"),
        ("c_emails", "e1@example.com|e2@example.com"),
        ("c_phones", "+49 30 2222222|+49 30 3333333"),
        ("c_texts", "one, with comma|two"),
        ("email_subscription", "subscribed"),
        ("sms_subscription", "unsubscribed"),
        ("whatsapp_subscription", "none"),
        ("tags", "VIP|Fair, 2026|Ärger|-minus"),
        ("lists", "Newsletter|Key Accounts"),
    ],
    &[
        ("first_name", "Ben"),
        ("last_name", "Okafor"),
        ("email", "ben@example.com"),
        ("phone", "0170 1234567"),
        ("whatsapp", "0170 1234567"),
        ("birthday", "--04-15"),
        ("gender", "nonbinary"),
        ("email_subscription", "unsubscribed"),
        ("sms_subscription", "none"),
        ("whatsapp_subscription", "subscribed"),
        ("tags", "vip|ärger"),
        ("lists", "newsletter"),
    ],
];

/// Cleo's only tag and list hold a comma, as an Outlook `;` cell gives them.
const CLEO: &str = "First Name,Last Name,Email,Email Subscription,SMS Subscription,WhatsApp Subscription,Tags,Lists\n\
                    Cleo,Ng,cleo@example.com,none,subscribed,unsubscribed,\"fair, 2026;\",\"Partners, Berlin;\"\n";

/// `rows` as a CSV file of their columns.
fn csv_of(rows: &[&[(&str, &str)]]) -> String {
    let header: Vec<&str> = rows[0].iter().map(|(column, _)| *column).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).expect("header");
    for row in rows {
        let cell = |column: &&str| row.iter().find(|(c, _)| c == column).map_or("", |(_, v)| *v);
        out.write_record(header.iter().map(cell)).expect("row");
    }
    String::from_utf8(out.into_inner().expect("flush")).expect("utf-8")
}

/// A workspace with the custom fields of [`CUSTOM`] and no contact.
fn with_fields() -> Workspace {
    let ws = Workspace::new();
    for (name, field_type, choices) in CUSTOM {
        let mut args = vec!["fields", "add", name, "--type", field_type];
        if !choices.is_empty() {
            args.extend(["--choices", choices]);
        }
        ws.ok(&args);
    }
    ws
}

/// The store of [`PEOPLE`] and [`CLEO`], with lists from the file, from `--list`
/// (`Customers`, given by the import that created Anna and Ben) and from a later import
/// (`KEY ACCOUNTS`, the list `Key Accounts` in other letters, for Ben).
fn full_store() -> Workspace {
    let ws = with_fields();
    let people = ws.file("people.csv", &csv_of(PEOPLE));
    let (counts, rows) = ws.import(&people, &["--default-region", "DE", "--list", "Customers"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0), "{rows:?}");
    let (counts, rows) = ws.import(&ws.file("cleo.csv", CLEO), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0), "{rows:?}");
    let later = ws.file("later.csv", "Email,Lists\nben@example.com,KEY ACCOUNTS\n");
    let (counts, rows) = ws.import(&later, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (0, 1, 0, 0), "{rows:?}");
    ws
}

/// `intake contacts export` in `format` (and more flags) to `name`.
fn export(ws: &Workspace, name: &str, flags: &[&str]) -> std::path::PathBuf {
    let out = ws.path(name);
    let mut args = vec!["contacts", "export", "--output", path_str(&out)];
    args.extend_from_slice(flags);
    ws.ok(&args);
    out
}

/// The contacts without their ids, which another store gives anew.
fn without_ids(contacts: Vec<Row>) -> Vec<Row> {
    contacts
        .into_iter()
        .map(|mut contact| {
            contact.remove("id");
            contact
        })
        .collect()
}

#[test]
fn the_store_has_every_field_tag_list_and_subscription_state() {
    let ws = full_store();
    let contacts = ws.contacts();
    let anna = &contacts[0];
    let listed = ws.ok(&["fields", "list"]);
    let fields: Vec<&str> = listed.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert!(fields.len() > CUSTOM.len() + 20, "{listed}");
    for field in fields {
        assert!(!anna[field].is_empty(), "Anna has no {field}: {anna:?}");
    }
    assert_eq!(anna["tags"].split('|').filter(|t| !t.starts_with("import-")).count(), 4, "{anna:?}");
    assert_eq!(contacts[1]["tags"].split('|').filter(|t| !t.starts_with("import-")).count(), 2);
    let lists: Vec<&str> = contacts.iter().map(|c| c["lists"].as_str()).collect();
    let all = "Customers|Key Accounts|Newsletter";
    assert_eq!(lists, [all, all, "Partners, Berlin|"], "one list with a comma keeps a `|`");
    assert_eq!(contacts[2]["tags"], "Fair, 2026|", "spelt as first written");
    for channel in ["email", "sms", "whatsapp"] {
        let mut states: Vec<&str> =
            contacts.iter().map(|c| c[&format!("{channel}_subscription")].as_str()).collect();
        states.sort_unstable();
        assert_eq!(states, ["none", "subscribed", "unsubscribed"], "{channel}");
    }
}

/// Imports `file` again into the store it was exported from: every row is Skipped
/// "unchanged" and the contacts are as they were.
fn reimport_changes_nothing(ws: &Workspace, file: &std::path::Path) {
    let before = ws.contacts();
    let (counts, rows) = ws.import(file, &["--purpose", "add-update"]);
    assert_eq!(counts.tuple(), (0, 0, 3, 0), "{rows:?}");
    for row in &rows {
        assert_eq!(row["Import Status"], "Skipped", "{row:?}");
        assert!(row["Import Notes"].starts_with("no changes to contact"), "{row:?}");
    }
    assert_eq!(ws.contacts(), before, "every field, tag, list and subscription as it was");
}

/// Imports `file` into an empty store with the same custom fields: the contacts are the
/// same, but for their ids.
fn fresh_import_gives_the_same(ws: &Workspace, file: &std::path::Path) {
    let fresh = with_fields();
    let (counts, rows) = fresh.import(file, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0), "{rows:?}");
    assert_eq!(without_ids(fresh.contacts()), without_ids(ws.contacts()));
}

#[test]
fn a_csv_export_imported_again_changes_nothing() {
    let ws = full_store();
    let excel = export(&ws, "excel.csv", &["--format", "csv"]);
    reimport_changes_nothing(&ws, &excel);
    let machine = export(&ws, "machine.csv", &["--format", "csv", "--no-bom"]);
    reimport_changes_nothing(&ws, &machine);
}

#[test]
fn a_csv_export_imported_into_an_empty_store_gives_the_same_contacts() {
    let ws = full_store();
    fresh_import_gives_the_same(&ws, &export(&ws, "excel.csv", &["--format", "csv"]));
    fresh_import_gives_the_same(&ws, &export(&ws, "machine.csv", &["--format", "csv", "--no-bom"]));
}

#[test]
fn a_vcard_export_imported_again_changes_nothing() {
    let ws = full_store();
    reimport_changes_nothing(&ws, &export(&ws, "cards.vcf", &["--format", "vcard"]));
}

#[test]
fn a_vcard_export_imported_into_an_empty_store_gives_the_same_contacts() {
    let ws = full_store();
    fresh_import_gives_the_same(&ws, &export(&ws, "cards.vcf", &["--format", "vcard"]));
}

#[test]
fn a_vcard_export_carries_what_vcard_has_no_property_for_as_intake_properties() {
    let ws = full_store();
    let text = std::fs::read_to_string(export(&ws, "cards.vcf", &["--format", "vcard"])).expect("read");
    common::assert_card_lines(
        &text,
        &[
            "LANG:de",
            "X-INTAKE-LISTS:Customers,Key Accounts,Newsletter",
            "X-INTAKE-EMAIL-SUBSCRIPTION:subscribed",
            "X-INTAKE-SMS-SUBSCRIPTION:unsubscribed",
            "X-INTAKE-FIELD-C-TEXT:free\\, text\\; with: marks",
            "X-INTAKE-FIELD-C-MULTI:news|offers",
            "X-INTAKE-LISTS:Partners\\, Berlin",
            "CATEGORIES:Fair\\, 2026",
        ],
    );
    assert!(!text.contains("SUBSCRIPTION:none"), "none is what a card without one says");
}

#[test]
fn a_vcard_value_of_a_field_the_store_lacks_is_noted() {
    let ws = full_store();
    let cards = export(&ws, "cards.vcf", &["--format", "vcard"]);
    let bare = Workspace::new();
    let (counts, rows) = bare.import(&cards, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0), "{rows:?}");
    let notes = &rows[0]["Import Notes"];
    assert!(notes.contains("no field for X-INTAKE-FIELD-C-TEXT; its value was not imported"), "{notes}");
    assert!(rows[2]["Import Notes"].is_empty(), "{rows:?}");
}
