//! End-to-end tests of the fields a CRM keeps beyond the basics (postal address, name parts,
//! website, department, nickname, gender, further addresses) on files made the way real
//! programs make them: a Google Contacts CSV export, an Outlook CSV export, German, French and
//! Spanish Excel CSVs, an iPhone vCard; and of what a mapping decides when two columns
//! suggest one field, when a header is a real word, and what `mapping save` writes.

mod common;

use common::{Row, Workspace, path_str, read_csv};

/// Writes `text` in Windows-1252 with CRLF line ends, as Excel and Outlook on Windows save
/// a CSV.
fn windows_1252(ws: &Workspace, name: &str, text: &str) -> std::path::PathBuf {
    let text = text.replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "test text fits Windows-1252");
    let path = ws.path(name);
    std::fs::write(&path, &bytes).expect("write test file");
    path
}

/// Imports a `;`-separated file (whose results file the helpers do not read): `(imported,
/// updated, skipped, errors)`.
fn import_counts(ws: &Workspace, file: &std::path::Path, extra: &[&str]) -> (u64, u64, u64, u64) {
    let mut args = vec!["import", path_str(file), "--json"];
    args.extend_from_slice(extra);
    let json: serde_json::Value = serde_json::from_str(ws.ok(&args).trim()).expect("one JSON object");
    let n = |k: &str| json[k].as_u64().unwrap_or_default();
    (n("imported"), n("updated"), n("skipped"), n("errors"))
}

/// Runs `intake ARGS`, requires success, returns standard error.
fn ok_stderr(ws: &Workspace, args: &[&str]) -> String {
    let output = ws.run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "intake {args:?} failed: {stderr}");
    stderr
}

fn assert_fields(contact: &Row, expected: &[(&str, &str)]) {
    for (field, value) in expected {
        assert_eq!(contact[*field], *value, "{field} of {contact:?}");
    }
}

const GOOGLE: &str = "\
First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Address 2 - Label,Address 2 - Formatted,Address 2 - Street,Address 2 - City,Address 2 - PO Box,Address 2 - Region,Address 2 - Postal Code,Address 2 - Country,Address 2 - Extended Address,Website 1 - Label,Website 1 - Value
Lena,Sophie,Vogel,,,,Dr.,MBA,Leni,,Nordlicht AG,Einkauf,Beschaffung,1988-03-09,,,* myContacts,Work,lena.vogel@nordlicht.example,Mobile,+49 160 5550123,Work,\"Am Kai 7
20459 Hamburg
Germany\",Am Kai 7,Hamburg,,,20459,Germany,,Home,\"Hafenstraße 1
20457 Hamburg
Germany\",Hafenstraße 1,Hamburg,,HH,20457,Germany,Hinterhaus,Profile,https://nordlicht.example/lena
Marco,,Rossi,,,,,,,,Rossi S.r.l.,Titolare,,,,,* myContacts,Work,marco@rossi.example,,,Work,,Via Roma 1,Milano,,,20121,Italy,,,,,,,,,,,,
";

#[test]
fn a_google_contacts_export_keeps_the_address_name_parts_and_website() {
    let ws = Workspace::new();
    let file = ws.file("contacts.csv", GOOGLE);
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    let lena = ws.contact_by("email", "lena.vogel@nordlicht.example");
    assert_fields(
        &lena,
        &[
            ("name_prefix", "Dr."),
            ("first_name", "Lena"),
            ("middle_name", "Sophie"),
            ("last_name", "Vogel"),
            ("name_suffix", "MBA"),
            ("nickname", "Leni"),
            ("company", "Nordlicht AG"),
            ("department", "Beschaffung"),
            ("job_title", "Einkauf"),
            // Address 2 is labelled Home: it is hers, the Work one (Address 1) another.
            ("street", "Hafenstraße 1, Hinterhaus"),
            ("postal_code", "20457"),
            ("city", "Hamburg"),
            ("region", "HH"),
            ("country", "Germany"),
            ("other_addresses", "Am Kai 7, 20459 Hamburg, Germany"),
            ("website", "https://nordlicht.example/lena"),
        ],
    );
    let marco = ws.contact_by("email", "marco@rossi.example");
    assert_fields(&marco, &[("street", "Via Roma 1"), ("city", "Milano"), ("other_addresses", "")]);
}

const OUTLOOK: &str = "\
\"Title\",\"First Name\",\"Middle Name\",\"Last Name\",\"Suffix\",\"Company\",\"Department\",\"Job Title\",\"Business Street\",\"Business City\",\"Business State\",\"Business Postal Code\",\"Business Country/Region\",\"Home Street\",\"Home City\",\"Home State\",\"Home Postal Code\",\"Home Country/Region\",\"Business Phone\",\"Mobile Phone\",\"E-mail Address\",\"Gender\",\"Web Page\",\"Notes\"
\"Mr.\",\"John\",\"Q.\",\"Smith\",\"Jr.\",\"Contoso Ltd.\",\"Sales\",\"Account Manager\",\"1 Microsoft Way\",\"Redmond\",\"WA\",\"98052\",\"United States of America\",\"\",\"\",\"\",\"\",\"\",\"+1 425 555 0100\",\"+1 425 555 0101\",\"john.smith@contoso.example\",\"Male\",\"www.contoso.example\",\"\"
\"Ms.\",\"Jane\",\"\",\"Doe\",\"\",\"Fabrikam\",\"\",\"CFO\",\"5 Main St.\",\"Seattle\",\"WA\",\"98101\",\"United States of America\",\"12 Elm Rd.\",\"Bellevue\",\"WA\",\"98004\",\"United States of America\",\"\",\"\",\"jane.doe@fabrikam.example\",\"Female\",\"\",\"\"
";

#[test]
fn an_outlook_export_reads_title_as_the_name_prefix_and_takes_the_home_address_first() {
    let ws = Workspace::new();
    let file = windows_1252(&ws, "outlook.csv", OUTLOOK);
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    let john = ws.contact_by("email", "john.smith@contoso.example");
    assert_fields(
        &john,
        &[
            ("name_prefix", "Mr."),
            ("middle_name", "Q."),
            ("name_suffix", "Jr."),
            ("job_title", "Account Manager"),
            ("department", "Sales"),
            ("street", "1 Microsoft Way"),
            ("city", "Redmond"),
            ("region", "WA"),
            ("postal_code", "98052"),
            ("country", "United States of America"),
            ("gender", "Male"),
            ("website", "www.contoso.example"),
            ("other_addresses", ""),
        ],
    );
    // Her home address is hers; the business one is another.
    let jane = ws.contact_by("email", "jane.doe@fabrikam.example");
    assert_fields(
        &jane,
        &[
            ("name_prefix", "Ms."),
            ("street", "12 Elm Rd."),
            ("city", "Bellevue"),
            ("postal_code", "98004"),
            ("other_addresses", "5 Main St., 98101 Seattle, WA, United States of America"),
        ],
    );
}

#[test]
fn a_title_beside_a_job_title_imports_as_the_name_prefix() {
    let ws = Workspace::new();
    // A CRM's own export, not a known one: both headers suggest the job title.
    let file = ws.file(
        "crm.csv",
        "Title,First Name,Last Name,Email,Job Title\nMs.,Ada,Lovelace,ada@example.com,Analyst\n",
    );
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    let ada = ws.contact_by("email", "ada@example.com");
    assert_fields(&ada, &[("name_prefix", "Ms."), ("job_title", "Analyst")]);
    // Two columns with one name: the first takes the field, the other is reported.
    let twice = ws.file("twice.csv", "First Name,Email,Email\nBo,bo@example.com,bo@home.example\n");
    let stderr = ok_stderr(&ws, &["import", path_str(&twice)]);
    assert!(stderr.contains("not imported") && stderr.contains("\"Email\""), "{stderr}");
    assert_eq!(ws.contact_by("email", "bo@example.com")["first_name"], "Bo");
    // Two explicit maps to one field are still the user's error.
    let err = ws.fails(&["import", path_str(&twice), "--map", "First Name=email", "--map", "Email=email"]);
    assert!(err.contains("mapped twice"), "{err}");
}

#[test]
fn german_french_and_spanish_excel_headers_map_the_address() {
    let ws = Workspace::new();
    let german = windows_1252(
        &ws,
        "kunden.csv",
        "Anrede;Vorname;Nachname;E-Mail;Straße;PLZ;Ort;Bundesland;Land;Webseite;Abteilung;Geschlecht;Spitzname\n\
         Herr;Jürgen;Schäfer;j.schaefer@praxis.example;Leopoldstraße 5;80802;München;Bayern;Deutschland;praxis.example;Kardiologie;männlich;Jo\n",
    );
    assert_eq!(import_counts(&ws, &german, &["--default-region", "DE"]), (1, 0, 0, 0));
    assert_fields(
        &ws.contact_by("email", "j.schaefer@praxis.example"),
        &[
            ("name_prefix", "Herr"),
            ("street", "Leopoldstraße 5"),
            ("postal_code", "80802"),
            ("city", "München"),
            ("region", "Bayern"),
            ("country", "Deutschland"),
            ("website", "praxis.example"),
            ("department", "Kardiologie"),
            ("gender", "männlich"),
            ("nickname", "Jo"),
        ],
    );
    let french = windows_1252(
        &ws,
        "clients.csv",
        "Civilité;Prénom;Nom;Courriel;Adresse;Code postal;Ville;Région;Pays\n\
         Mme;Claire;Dubois;claire@atelier.example;12 rue de la Paix;75002;Paris;Île-de-France;France\n",
    );
    assert_eq!(import_counts(&ws, &french, &[]), (1, 0, 0, 0));
    assert_fields(
        &ws.contact_by("email", "claire@atelier.example"),
        &[
            ("name_prefix", "Mme"),
            ("street", "12 rue de la Paix"),
            ("postal_code", "75002"),
            ("city", "Paris"),
            ("region", "Île-de-France"),
        ],
    );
    let spanish = windows_1252(
        &ws,
        "clientes.csv",
        "Nombre;Apellidos;Correo electrónico;Dirección;Código postal;Ciudad;Provincia;País\n\
         Sofía;García López;sofia@correo.example;Calle Mayor 3;28013;Madrid;Madrid;España\n",
    );
    assert_eq!(import_counts(&ws, &spanish, &[]), (1, 0, 0, 0));
    assert_fields(
        &ws.contact_by("email", "sofia@correo.example"),
        &[("street", "Calle Mayor 3"), ("postal_code", "28013"), ("city", "Madrid"), ("region", "Madrid")],
    );
}

const IPHONE: &str = "BEGIN:VCARD\r
VERSION:3.0\r
PRODID:-//Apple Inc.//iPhone OS 17.5//EN\r
N:Schäfer;Jürgen;Maria;Dr.;jun.\r
FN:Dr. Jürgen Maria Schäfer jun.\r
NICKNAME:Jo\r
ORG:Praxis Schäfer;Kardiologie;\r
TITLE:Arzt\r
EMAIL;type=INTERNET;type=WORK;type=pref:j.schaefer@praxis.example\r
TEL;type=CELL;type=VOICE;type=pref:+49 171 5550111\r
item1.ADR;type=WORK;type=pref:;;Leopoldstraße 5;München;Bayern;80802;Deutschland\r
item1.X-ABADR:de\r
item2.ADR;type=HOME:;;Gartenweg 3\\nHinterhaus;Starnberg;Bayern;82319;Deutschland\r
item2.X-ABADR:de\r
item3.URL;type=pref:https://praxis.example\r
item3.X-ABLabel:_$!<HomePage>!$_\r
item4.URL:https://blog.example/jo\r
END:VCARD\r
";

/// Every field of a contact as exported, without what differs between two stores (the
/// vCard export writes the contact id as UID when there is no external id).
fn fields_of(contact: &Row) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = contact
        .iter()
        .filter(|(k, _)| !["id", "tags", "lists", "external_id"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.sort();
    fields
}

#[test]
fn an_iphone_vcard_keeps_its_addresses_and_exports_round_trip() {
    let ws = Workspace::new();
    let file = ws.file("iphone.vcf", IPHONE);
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    let juergen = ws.contact_by("email", "j.schaefer@praxis.example");
    assert_fields(
        &juergen,
        &[
            ("name_prefix", "Dr."),
            ("first_name", "Jürgen"),
            ("middle_name", "Maria"),
            ("last_name", "Schäfer"),
            ("name_suffix", "jun."),
            ("nickname", "Jo"),
            ("company", "Praxis Schäfer"),
            ("department", "Kardiologie"),
            // The home address is the contact's own, though the work one is preferred.
            ("street", "Gartenweg 3, Hinterhaus"),
            ("postal_code", "82319"),
            ("city", "Starnberg"),
            ("region", "Bayern"),
            ("country", "Deutschland"),
            ("other_addresses", "Leopoldstraße 5, 80802 München, Bayern, Deutschland"),
            ("website", "https://praxis.example|https://blog.example/jo"),
        ],
    );

    // vCard export → import into another store: the same values.
    let vcf = ws.path("export.vcf");
    ws.ok(&["contacts", "export", "--format", "vcard", "--output", path_str(&vcf)]);
    let other = Workspace::new();
    let (counts, _) = other.import(&vcf, &[]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    let again = other.contact_by("email", "j.schaefer@praxis.example");
    assert_eq!(fields_of(&again), fields_of(&juergen));

    // CSV export → import into the same store: nothing changes.
    let csv = ws.path("export.csv");
    ws.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&csv)]);
    let (counts, _) = ws.import(&csv, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (0, 0, 1, 0), "an exported file re-imported changes nothing");
}

#[test]
fn a_gendered_vcard_4_round_trips() {
    let ws = Workspace::new();
    let file = ws.file(
        "card.vcf",
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kim Lee\r\nN:Lee;Kim;;;\r\nGENDER:F\r\nEMAIL:kim@example.com\r\nEND:VCARD\r\n",
    );
    ws.import(&file, &[]);
    assert_eq!(ws.contact_by("email", "kim@example.com")["gender"], "female");
    let vcf = ws.path("export.vcf");
    ws.ok(&["contacts", "export", "--format", "vcard", "--output", path_str(&vcf)]);
    let text = std::fs::read_to_string(&vcf).expect("export");
    assert!(text.contains("GENDER:F\r\n"), "{text}");
}

#[test]
fn a_header_that_is_a_word_is_not_read_as_a_typo_of_another() {
    let ws = Workspace::new();
    let file = ws.file("leads.csv", "Email,Nickname,Employees,Nachnmae\nann@example.com,Annie,250,Berg\n");
    let out = ws.ok(&["mapping", "suggest", path_str(&file), "--json"]);
    let columns: serde_json::Value = serde_json::from_str(&out).expect("json");
    let field = |header: &str| {
        let column = columns.as_array().expect("array").iter().find(|c| c["header"] == header).expect(header);
        column["field"].as_str().map(str::to_string)
    };
    assert_eq!(field("Nickname").as_deref(), Some("nickname"), "not last_name (Nachname)");
    assert_eq!(field("Employees"), None, "not company (Employer)");
    assert_eq!(field("Nachnmae").as_deref(), Some("last_name"), "a real typo is still forgiven");
}

#[test]
fn a_saved_mapping_leaves_undecided_columns_undecided() {
    let ws = Workspace::new();
    let file = ws.file("leads.csv", "Email,First Name,Kundenstatus,Intern\nann@example.com,Ann,Gold,x\n");
    let saved = ws.path("leads.toml");
    ws.ok(&[
        "mapping",
        "save",
        path_str(&file),
        "--skip",
        "Intern",
        "--default-region",
        "DE",
        "--output",
        path_str(&saved),
    ]);
    let text = std::fs::read_to_string(&saved).expect("saved mapping");
    assert!(text.contains("undecided = [\"Kundenstatus\"]"), "{text}");
    assert!(text.contains("skip = [\"Intern\"]"), "{text}");
    // A later import with the mapping reports the column instead of dropping it unseen.
    let stderr = ok_stderr(&ws, &["import", path_str(&file), "--mapping", path_str(&saved)]);
    assert!(stderr.contains("not imported") && stderr.contains("Kundenstatus"), "{stderr}");
    assert!(!stderr.contains("Intern\""), "a skipped column is not reported: {stderr}");
}

#[test]
fn a_bad_date_format_is_refused_before_any_row_is_read() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", "Email,First Name,Birthday\nann@example.com,Ann,24.12.1971\n");
    for pattern in ["%Q", "%d.%m", "dd.mm.yyyy"] {
        let err = ws.fails(&["import", path_str(&file), "--date-format", pattern]);
        assert!(err.contains("--date-format") && err.contains(pattern), "{err}");
    }
    // Nothing was imported or recorded.
    let list = ws.ok(&["imports", "list", "--json"]);
    assert_eq!(list.trim(), "[]", "{list}");
    let results = ws.path("results.csv");
    ws.ok(&["import", path_str(&file), "--date-format", "%d.%m.%Y", "--results", path_str(&results)]);
    assert_eq!(read_csv(&results)[0]["Import Status"], "Imported");
    assert_eq!(ws.contact_by("email", "ann@example.com")["birthday"], "1971-12-24");
}
