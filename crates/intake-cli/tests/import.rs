//! End-to-end tests of `intake import` through the real binary: purposes, overwrite policy,
//! identity, subscriptions, dry runs, results files and mapping.

mod common;

use common::{Workspace, path_str};

const BASE: &str = "\
First Name,Last Name,Email,Phone,Company
Anna,Schmidt,anna@example.com,+4915123456789,Acme
Bruno,Meyer,bruno@example.com,+4915198765432,
";

fn with_base() -> Workspace {
    let ws = Workspace::new();
    let base = ws.file("base.csv", BASE);
    let (counts, _) = ws.import(&base, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    ws
}

const CHANGES: &str = "\
First Name,Email,Company
Anna,anna@example.com,NewCo
Carla,carla@example.com,Carla Ltd
";

#[test]
fn add_creates_new_contacts_and_skips_existing_ones() {
    let ws = with_base();
    let file = ws.file("changes.csv", CHANGES);
    let (counts, rows) = ws.import(&file, &["--purpose", "add"]);
    assert_eq!(counts.tuple(), (1, 0, 1, 0));
    assert_eq!(rows[0]["Import Status"], "Skipped");
    assert!(rows[0]["Import Notes"].contains("exists"), "{:?}", rows[0]);
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "Acme");
    assert_eq!(ws.contact_by("email", "carla@example.com")["company"], "Carla Ltd");
}

#[test]
fn update_changes_existing_contacts_and_skips_new_ones() {
    let ws = with_base();
    let file = ws.file("changes.csv", CHANGES);
    let (counts, rows) = ws.import(&file, &["--purpose", "update"]);
    assert_eq!(counts.tuple(), (0, 1, 1, 0));
    assert_eq!(rows[1]["Import Status"], "Skipped");
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "NewCo");
    assert_eq!(ws.contacts().len(), 2, "no contact was created");
}

#[test]
fn add_update_does_both() {
    let ws = with_base();
    let file = ws.file("changes.csv", CHANGES);
    let (counts, _) = ws.import(&file, &["--purpose", "add-update"]);
    assert_eq!(counts.tuple(), (1, 1, 0, 0));
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "NewCo");
    assert_eq!(ws.contacts().len(), 3);
}

#[test]
fn no_overwrite_fills_only_empty_fields() {
    let ws = with_base();
    let file = ws.file(
        "changes.csv",
        "First Name,Email,Company\nAnna,anna@example.com,NewCo\nBruno,bruno@example.com,Meyer AG\n",
    );
    for purpose in ["update", "add-update"] {
        let (counts, rows) = ws.import(&file, &["--purpose", purpose, "--no-overwrite", "--no-import-tag"]);
        if purpose == "update" {
            assert_eq!(counts.tuple(), (0, 1, 1, 0), "Anna unchanged, Bruno's empty company filled");
            assert_eq!(rows[0]["Import Status"], "Skipped");
        } else {
            assert_eq!(counts.tuple(), (0, 0, 2, 0), "nothing left to fill");
        }
    }
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "Acme");
    assert_eq!(ws.contact_by("email", "bruno@example.com")["company"], "Meyer AG");
}

#[test]
fn add_all_creates_every_row_even_duplicates() {
    let ws = with_base();
    let file = ws.file("all.csv", "First Name,Email\nAnna,anna@example.com\nAnna,ANNA@example.com\n");
    let (counts, _) = ws.import(&file, &["--purpose", "add-all"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    assert_eq!(ws.contacts().len(), 4);
}

/// Seed 003: contact A is identified by phone and has another e-mail in the file.
#[test]
fn a_file_value_overwrites_by_default_and_not_with_no_overwrite() {
    for (flags, expected) in
        [(&[][..], "contact123@email.com"), (&["--no-overwrite"][..], "contactabc@email.com")]
    {
        let ws = Workspace::new();
        let a = ws.file("a.csv", "First Name,Email,Phone\nContact A,contactabc@email.com,+60123456789\n");
        ws.import(&a, &[]);
        let file = ws.file("b.csv", "First Name,Email,Phone\nContact A,contact123@email.com,+60123456789\n");
        let mut args = vec!["--identifier", "phone"];
        args.extend_from_slice(flags);
        ws.import(&file, &args);
        assert_eq!(ws.contact_by("phone", "+60123456789")["email"], expected, "flags {flags:?}");
    }
}

/// Seed 003: two rows with the same identifier are both flagged and neither is applied.
#[test]
fn rows_sharing_an_identifier_are_all_errors() {
    let ws = with_base();
    let file = ws.file(
        "dup.csv",
        "First Name,Email,Company\nAnna,anna@example.com,One\nAnnie,Anna@Example.com,Two\nDora,dora@example.com,Three\n",
    );
    let errors = ws.path("errors.csv");
    let (counts, rows) = ws.import(&file, &["--errors", path_str(&errors)]);
    assert_eq!(counts.tuple(), (1, 0, 0, 2));
    assert!(rows[0]["Import Errors"].contains("2 rows of this file"), "{:?}", rows[0]);
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "Acme", "neither row applied");
    let error_rows = common::read_csv(&errors);
    assert_eq!(error_rows.len(), 2);
    assert!(error_rows.iter().all(|r| r["Error"].contains("anna@example.com")));
    assert_eq!(error_rows[1]["First Name"], "Annie", "original cells kept for re-upload");
}

/// Seed 003: e-mail addresses are not case-sensitive.
#[test]
fn email_identity_ignores_case() {
    let ws = Workspace::new();
    ws.import(&ws.file("a.csv", "First Name,Email\nJohn,john.smith@gmail.com\n"), &[]);
    let (counts, _) =
        ws.import(&ws.file("b.csv", "First Name,Email,City\nJohn,John.Smith@gmail.com,Berlin\n"), &[]);
    assert_eq!(counts.tuple(), (0, 1, 0, 0));
    let contacts = ws.contacts();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["city"], "Berlin");
}

/// Seed 003: an identifier that two existing contacts share is an error on the row.
#[test]
fn an_identifier_shared_by_two_existing_contacts_is_an_error() {
    let ws = Workspace::new();
    let twice = ws.file("twice.csv", "First Name,Email\nAnna,anna@example.com\nAnna,anna@example.com\n");
    ws.import(&twice, &["--purpose", "add-all"]);
    let (counts, rows) =
        ws.import(&ws.file("u.csv", "First Name,Email,City\nAnna,anna@example.com,Rome\n"), &[]);
    assert_eq!(counts.tuple(), (0, 0, 0, 1));
    assert!(rows[0]["Import Errors"].contains("2 existing contacts"), "{:?}", rows[0]);
    assert!(ws.contacts().iter().all(|c| c["city"].is_empty()));
}

#[test]
fn a_phone_matches_whatever_way_it_is_written() {
    let ws = Workspace::new();
    ws.import(&ws.file("a.csv", "First Name,Phone\nAnna,+49 151 23456789\n"), &["--identifier", "phone"]);
    for (i, written) in
        ["0049151 23456789", "0151 23456789", "151 23456789", "(0151) 234-567 89"].iter().enumerate()
    {
        let file = ws.file("b.csv", &format!("First Name,Phone,Notes\nAnna,{written},note {i}\n"));
        let (counts, _) = ws.import(&file, &["--identifier", "phone", "--default-region", "DE"]);
        assert_eq!(counts.tuple(), (0, 1, 0, 0), "{written} is the same number");
    }
    let contacts = ws.contacts();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["phone"], "+4915123456789");
    assert_eq!(contacts[0]["notes"], "note 3");
}

#[test]
fn an_import_never_resubscribes_an_unsubscribed_contact() {
    let ws = Workspace::new();
    ws.import(
        &ws.file("a.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,unsubscribed\n"),
        &[],
    );
    let file =
        ws.file("b.csv", "First Name,Email,Email Subscription,City\nAnna,anna@example.com,subscribed,Oslo\n");
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (0, 1, 0, 0), "the row still imports its other fields");
    assert!(rows[0]["Import Notes"].contains("kept unsubscribed"), "{:?}", rows[0]);
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["email_subscription"], "unsubscribed");
    assert_eq!(anna["city"], "Oslo");
    // Only an explicit force re-subscribes.
    ws.import(&file, &["--force-resubscribe"]);
    assert_eq!(ws.contact_by("email", "anna@example.com")["email_subscription"], "subscribed");
}

#[test]
fn unsubscribe_all_unsubscribes_every_contact_of_the_file_on_every_channel() {
    let ws = with_base();
    let file = ws.file("u.csv", "First Name,Email\nAnna,anna@example.com\nNew,new@example.com\n");
    ws.import(&file, &["--unsubscribe-all"]);
    for email in ["anna@example.com", "new@example.com"] {
        let c = ws.contact_by("email", email);
        for channel in ["email_subscription", "sms_subscription", "whatsapp_subscription"] {
            assert_eq!(c[channel], "unsubscribed", "{email} {channel}");
        }
    }
    assert_eq!(ws.contact_by("email", "bruno@example.com")["email_subscription"], "none");
}

const MIXED: &str = "\
First Name,Email,Phone,Birthday
Anna,anna@example.com,+4915123456789,1990-04-15
Carla,carla@example.com,0151 1234567,1990-02-31
Dora,dora@example.com,garbage,
,nofirst@example.com,,
Eve,eve@example.com,,2001-01-01
";

#[test]
fn a_dry_run_reports_the_counts_of_the_real_import_and_writes_nothing() {
    let ws = with_base();
    let file = ws.file("mixed.csv", MIXED);
    let errors = ws.path("dry-errors.csv");
    let before = ws.contacts();
    let (dry, _) = ws.import(&file, &["--dry-run", "--default-region", "DE", "--errors", path_str(&errors)]);
    assert_eq!(ws.contacts(), before, "a dry run writes nothing");
    assert_eq!(common::read_csv(&errors).len() as u64, dry.errors, "the dry run writes the error file");
    let (real, _) = ws.import(&file, &["--default-region", "DE"]);
    assert_eq!(dry.tuple(), real.tuple());
    assert_eq!(real.tuple(), (1, 1, 0, 3));
}

#[test]
fn every_bad_cell_of_a_row_is_reported_with_row_column_and_value() {
    let ws = Workspace::new();
    let file = ws.file("bad.csv", "First Name,Email,Phone,Birthday\nAnna,not-an-email,12ab,1990-02-31\n");
    let (counts, rows) = ws.import(&file, &["--default-region", "DE"]);
    assert_eq!(counts.errors, 1);
    let errors = &rows[0]["Import Errors"];
    for expected in [
        "row 2, column \"Email\", value \"not-an-email\"",
        "column \"Phone\", value \"12ab\"",
        "column \"Birthday\", value \"1990-02-31\": no such date",
    ] {
        assert!(errors.contains(expected), "{expected} in {errors}");
    }
    assert!(ws.contacts().is_empty());
}

#[test]
fn placeholders_count_as_empty_with_a_note() {
    let ws = Workspace::new();
    let file = ws.file("p.csv", "First Name,Email,Phone,City\nAnna,anna@example.com,n/a,NULL\n");
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.imported, 1);
    assert!(rows[0]["Import Notes"].contains("\"n/a\" read as empty"), "{:?}", rows[0]);
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["phone"], "");
    assert_eq!(anna["city"], "");
}

#[test]
fn ragged_rows_are_errors_and_columns_stay_aligned() {
    let ws = Workspace::new();
    let file = ws.file("r.csv", "First Name,Email,City\nAnna,anna@example.com\nBen,ben@example.com,Rome,extra\nCleo,cleo@example.com,Paris\n");
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (1, 0, 0, 2));
    assert!(rows[1]["Import Errors"].contains("extra cells: extra"), "{:?}", rows[1]);
    assert_eq!(rows[2]["City"], "Paris");
}

#[test]
fn a_first_name_is_required_to_create_unless_the_setting_is_off() {
    let ws = Workspace::new();
    let file = ws.file("n.csv", "Email\nanon@example.com\n");
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.errors, 1);
    assert!(rows[0]["Import Errors"].contains("first name is required"));
    ws.ok(&["settings", "set", "require-first-name", "false"]);
    let (counts, _) = ws.import(&file, &[]);
    assert_eq!(counts.imported, 1);
}

#[test]
fn tags_lists_and_the_import_tag_are_added() {
    let ws = Workspace::new();
    let file =
        ws.file("t.csv", "First Name,Email,Tags\nAnna,anna@example.com,vip| fair \nBen,ben@example.com,\n");
    let (counts, _) = ws.import(&file, &["--tag", "q4", "--list", "Newsletter"]);
    let import_tag = format!("import-{}-{}", today(), counts.import_id);
    let anna = ws.contact_by("email", "anna@example.com");
    let mut tags: Vec<&str> = anna["tags"].split('|').collect();
    tags.sort();
    let mut expected = vec!["fair", "q4", "vip", import_tag.as_str()];
    expected.sort();
    assert_eq!(tags, expected);
    assert_eq!(anna["lists"], "Newsletter");
    assert_eq!(ws.contact_by("email", "ben@example.com")["lists"], "Newsletter");
}

/// In one batch the writer gives updated contacts the import-wide tags and lists by their
/// ids and created ones by their id range: both must get them.
#[test]
fn updated_and_created_contacts_of_one_batch_both_get_the_import_wide_tags_and_lists() {
    let ws = Workspace::new();
    ws.import(&ws.file("a.csv", "First Name,Email\nAnna,anna@example.com\n"), &["--no-import-tag"]);
    let file = ws.file("b.csv", "First Name,Email,Company\nAnna,anna@example.com,Acme\nBen,ben@example.com,\nCleo,cleo@example.com,\n");
    let (counts, _) = ws.import(&file, &["--tag", "fair", "--list", "Leads"]);
    assert_eq!(counts.tuple(), (2, 1, 0, 0));
    let import_tag = format!("import-{}-{}", today(), counts.import_id);
    for email in ["anna@example.com", "ben@example.com", "cleo@example.com"] {
        let contact = ws.contact_by("email", email);
        let mut tags: Vec<&str> = contact["tags"].split('|').collect();
        tags.sort();
        assert_eq!(tags, ["fair", import_tag.as_str()], "{email}");
        assert_eq!(contact["lists"], "Leads", "{email}");
    }
}

#[test]
fn importing_the_same_file_again_changes_nothing_even_with_the_import_tag() {
    let ws = Workspace::new();
    let file = ws.file("same.csv", MIXED);
    ws.import(&file, &["--default-region", "DE", "--tag", "fair"]);
    let before = ws.contacts();
    let (again, rows) = ws.import(&file, &["--default-region", "DE", "--tag", "fair", "--no-import-tag"]);
    assert_eq!(again.tuple(), (0, 0, 2, 3));
    assert!(
        rows.iter()
            .filter(|r| r["Import Status"] == "Skipped")
            .all(|r| r["Import Notes"].contains("no changes"))
    );
    assert_eq!(ws.contacts(), before);
    // The automatic tag marks what an import added or updated: unchanged contacts get none.
    let (tagged, _) = ws.import(&file, &["--default-region", "DE", "--tag", "fair"]);
    assert_eq!(tagged.tuple(), (0, 0, 2, 3), "nothing changed, so nothing is tagged");
    assert_eq!(ws.contacts(), before);
}

/// Contacts far apart in the store are loaded one by one, not by a range scan: the tag their
/// import gave them counts there too.
#[test]
fn a_tag_from_the_creating_import_counts_for_contacts_loaded_one_by_one() {
    let ws = Workspace::new();
    let mut all = String::from("First Name,Email\n");
    for i in 0..100 {
        all.push_str(&format!("P{i},p{i}@example.com\n"));
    }
    ws.import(&ws.file("all.csv", &all), &["--tag", "fair", "--list", "Leads"]);
    let before = ws.contacts();
    let ends = ws.file("ends.csv", "First Name,Email\nP0,p0@example.com\nP99,p99@example.com\n");
    let args = ["--tag", "fair", "--list", "Leads", "--no-import-tag"];
    let (again, rows) = ws.import(&ends, &args);
    assert_eq!(again.tuple(), (0, 0, 2, 0));
    assert!(rows.iter().all(|r| r["Import Notes"].contains("no changes")), "{rows:?}");
    assert_eq!(ws.contacts(), before);
    let (tagged, _) = ws.import(&ends, &["--tag", "vip", "--no-import-tag"]);
    assert_eq!(tagged.tuple(), (0, 2, 0, 0));
    let mut tags: Vec<String> =
        ws.contact_by("email", "p99@example.com")["tags"].split('|').map(String::from).collect();
    tags.sort();
    assert_eq!(tags, ["fair", &format!("import-{}-1", today()), "vip"]);
}

#[test]
fn custom_fields_are_validated_by_type() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "plan", "--type", "choice", "--choices", "free,pro"]);
    ws.ok(&["fields", "add", "seats", "--type", "integer"]);
    ws.ok(&["fields", "add", "interests", "--type", "multi_choice", "--choices", "golf,wine,art"]);
    let file = ws.file(
        "c.csv",
        "First Name,Email,plan,seats,interests\nAnna,anna@example.com,PRO,12,Wine|golf\nBen,ben@example.com,gold,1.5,golf|cars\n",
    );
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (1, 0, 0, 1));
    let errors = &rows[1]["Import Errors"];
    assert!(errors.contains("value \"gold\": not one of the choices (free, pro)"), "{errors}");
    assert!(errors.contains("\"cars\""), "{errors}");
    assert!(errors.contains("column \"seats\""), "{errors}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(
        (anna["plan"].as_str(), anna["seats"].as_str(), anna["interests"].as_str()),
        ("pro", "12", "wine|golf")
    );
}

/// A re-import compares custom values with the stored ones (they live in a JSON column,
/// loaded only for the fields a file sets) under the same overwrite rules as built-in ones.
#[test]
fn custom_values_are_compared_and_overwritten_like_builtin_ones() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "plan", "--type", "choice", "--choices", "free,pro"]);
    ws.ok(&["fields", "add", "seats", "--type", "integer"]);
    let first = ws.file("a.csv", "First Name,Email,plan\nAnna,anna@example.com,pro\n");
    assert_eq!(ws.import(&first, &["--no-import-tag"]).0.tuple(), (1, 0, 0, 0));
    let (same, rows) = ws.import(&first, &["--no-import-tag"]);
    assert_eq!(same.tuple(), (0, 0, 1, 0), "{rows:?}");
    let changed = ws.file("b.csv", "First Name,Email,plan,seats\nAnna,anna@example.com,free,3\n");
    assert_eq!(ws.import(&changed, &["--no-import-tag", "--no-overwrite"]).0.tuple(), (0, 1, 0, 0));
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(
        (anna["plan"].as_str(), anna["seats"].as_str()),
        ("pro", "3"),
        "only the empty field is filled"
    );
    assert_eq!(ws.import(&changed, &["--no-import-tag"]).0.tuple(), (0, 1, 0, 0));
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!((anna["plan"].as_str(), anna["seats"].as_str()), ("free", "3"));
}

/// The store writer binds only what changes from one new contact to the next: what one
/// contact had must not leak into the next one that lacks it.
#[test]
fn new_contacts_take_nothing_from_the_one_before() {
    let ws = Workspace::new();
    ws.ok(&["fields", "add", "plan", "--type", "choice", "--choices", "free,pro"]);
    let file = ws.file(
        "c.csv",
        "First Name,Email,plan,Email Subscription,SMS Subscription\n\
         Anna,anna@example.com,pro,subscribed,unsubscribed\n\
         Ben,ben@example.com,,,\n\
         Cleo,cleo@example.com,free,unsubscribed,\n",
    );
    assert_eq!(ws.import(&file, &[]).0.tuple(), (3, 0, 0, 0));
    let got = |email: &str| {
        let c = ws.contact_by("email", email);
        [c["plan"].clone(), c["email_subscription"].clone(), c["sms_subscription"].clone()]
    };
    assert_eq!(got("anna@example.com"), ["pro", "subscribed", "unsubscribed"]);
    assert_eq!(got("ben@example.com"), ["", "none", "none"]);
    assert_eq!(got("cleo@example.com"), ["free", "unsubscribed", "none"]);
}

#[test]
fn mapping_overrides_skips_and_reports() {
    let ws = Workspace::new();
    let file = ws.file("m.csv", "Vorname,E-Mail,Handy,Internal\nAnna,anna@example.com,+4915123456789,x\n");
    let out = ws.run(&["import", path_str(&file), "--map", "Vorname=first_name", "--map", "Handy=phone"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Internal"), "unmapped columns are reported: {stderr}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!((anna["first_name"].as_str(), anna["phone"].as_str()), ("Anna", "+4915123456789"));
    // An explicit --map wins over a header that only matched by name …
    ws.ok(&[
        "import",
        path_str(&file),
        "--map",
        "Handy=email",
        "--map",
        "E-Mail=notes",
        "--map",
        "Vorname=first_name",
    ]);
    // … but two explicit maps cannot share a field.
    let err = ws.fails(&["import", path_str(&file), "--map", "Handy=phone", "--map", "Internal=phone"]);
    assert!(err.contains("mapped twice") && err.contains("Handy") && err.contains("Internal"), "{err}");
    // Two columns with one name are two suggestions: the leftmost takes the field, the other
    // is reported as not imported (the issue changed this from an error).
    let twice = ws.file(
        "twice.csv",
        "First Name,Email,email
Anna,a@example.com,b@example.com\n",
    );
    let output = ws.run(&["import", path_str(&twice)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("\"email\""), "the second column is reported: {stderr}");
    assert_eq!(ws.contact_by("email", "a@example.com")["first_name"], "Anna");
    let err = ws.fails(&["import", path_str(&file), "--map", "Nope=phone"]);
    assert!(err.contains("no column \"Nope\""), "{err}");
    let err = ws.fails(&["import", path_str(&file), "--skip", "E-Mail", "--map", "Vorname=first_name"]);
    assert!(err.contains("identifier"), "{err}");
}

#[test]
fn imports_are_listed_with_their_state() {
    let ws = with_base();
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    let first = &listed.as_array().expect("array")[0];
    assert_eq!(first["state"], "completed");
    assert_eq!(first["id"], "1");
    assert_eq!(first["rows"], 2);
}

fn today() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

/// Lookups go by a 64-bit hash of the identifier and are checked against the stored value.
/// A collision is forced here by writing other addresses' hashes into the store: the row
/// must reach only the contact that really has its address, whether the store was scanned
/// (few contacts) or looked up per batch (many).
#[test]
fn a_hash_collision_in_the_store_never_matches_the_wrong_contact() {
    for others in [1, 40] {
        let ws = Workspace::new();
        let mut base = String::from("First Name,Email\nAnna,anna@example.com\n");
        for i in 0..others {
            base.push_str(&format!("Xaver,xaver{i}@example.com\n"));
        }
        ws.import(&ws.file("base.csv", &base), &["--no-import-tag"]);
        let db = rusqlite::Connection::open(ws.db()).expect("open the store");
        let set_hash = |email: &str, hash_of: &str| {
            db.execute(
                "UPDATE contacts SET email_hash = ?1 WHERE email = ?2",
                rusqlite::params![intake_core::identify::key_hash_sql(hash_of), email],
            )
            .expect("forge a hash");
        };
        // xaver0 now looks like carla (one wrong candidate), xaver1.. like anna (two).
        set_hash("xaver0@example.com", "carla@example.com");
        for i in 1..others {
            set_hash(&format!("xaver{i}@example.com"), "anna@example.com");
        }
        let file = ws.file(
            "u.csv",
            "First Name,Email,City\nAnna,anna@example.com,Rome\nCarla,carla@example.com,Oslo\n",
        );
        let (counts, rows) = ws.import(&file, &["--no-import-tag"]);
        assert_eq!(counts.tuple(), (1, 1, 0, 0), "{others} others: {rows:?}");
        assert_eq!(ws.contact_by("email", "anna@example.com")["city"], "Rome");
        assert_eq!(ws.contact_by("email", "carla@example.com")["city"], "Oslo");
        assert!(ws.contacts().iter().filter(|c| c["first_name"] == "Xaver").all(|c| c["city"].is_empty()));
    }
}

/// A consent-log entry as the tests compare it: contact, channel, old and new status, source.
type LogEntry = (i64, String, String, String, String);

/// The store's consent log (`subscription_log`), sorted.
fn consent_log(ws: &Workspace) -> Vec<LogEntry> {
    let db = rusqlite::Connection::open(ws.db()).expect("open the store");
    let mut stmt = db
        .prepare("SELECT contact_id, channel, old_status, new_status, source FROM subscription_log")
        .expect("query the log");
    let mut entries: Vec<LogEntry> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("read the log")
        .collect::<Result<_, _>>()
        .expect("read the log");
    entries.sort();
    entries
}

/// The consent log (`subscription_log`): every subscription status an import sets, with
/// its source, also the ones it creates contacts with, and they outlive the contact.
#[test]
fn subscription_statuses_are_logged_with_their_source_and_outlive_the_contact() {
    let ws = Workspace::new();
    let file = ws.file(
        "s.csv",
        "First Name,Email,Email Subscription,SMS Subscription\n\
         Anna,anna@example.com,subscribed,\nBen,ben@example.com,,unsubscribed\nCleo,cleo@example.com,,\n",
    );
    let (created, _) = ws.import(&file, &[]);
    let log = || consent_log(&ws);
    let event = |id: i64, channel: &str, old: &str, new: &str, import: &str| {
        (id, channel.to_string(), old.to_string(), new.to_string(), format!("import:{import}"))
    };
    let first = &created.import_id;
    let anna_created = event(1, "email", "none", "subscribed", first);
    let ben_created = event(2, "sms", "none", "unsubscribed", first);
    assert_eq!(log(), vec![anna_created.clone(), ben_created.clone()]);

    let change =
        ws.file("u.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,unsubscribed\n");
    let (changed, _) = ws.import(&change, &[]);
    let anna_changed = event(1, "email", "subscribed", "unsubscribed", &changed.import_id);
    let everything = vec![anna_created, anna_changed, ben_created];
    assert_eq!(log(), everything);
    ws.ok(&["contacts", "delete", "--email", "anna@example.com"]);
    assert_eq!(log(), everything, "the log of a deleted contact stays");
}

/// A store written before creations were read from the contact row has them as event
/// rows; the log must not show them twice.
#[test]
fn creations_written_as_rows_by_an_older_version_are_logged_once() {
    let ws = Workspace::new();
    let file = ws.file("s.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,subscribed\n");
    let (created, _) = ws.import(&file, &[]);
    let db = rusqlite::Connection::open(ws.db()).expect("open the store");
    let source = format!("import:{}", created.import_id);
    db.execute(
        "INSERT INTO subscription_events (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
         SELECT workspace_id, id, 'email', 'none', 'subscribed', ?1, 0, created_at FROM contacts",
        [&source],
    )
    .expect("write the creation as an older version did");
    let anna = (1, "email".to_string(), "none".to_string(), "subscribed".to_string(), source);
    assert_eq!(consent_log(&ws), [anna]);
}

#[test]
fn a_new_contact_never_gets_a_value_of_the_row_before() {
    // The store writer keeps bindings from one contact to the next; a cell left empty must
    // still be empty in the store, whatever the row before had.
    let ws = Workspace::new();
    let file = ws.file(
        "alternate.csv",
        "First Name,Email,Phone,Company,Email Subscription\n\
         Ann,ann@example.com,+49 151 23456789,Acme,subscribed\n\
         Bob,bob@example.com,,,\n\
         Cem,cem@example.com,,Initech,unsubscribed\n\
         Dan,dan@example.com,+49 151 23456780,,\n",
    );
    let (counts, rows) = ws.import(&file, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (4, 0, 0, 0), "{rows:?}");
    let bob = ws.contact_by("email", "bob@example.com");
    assert_eq!((bob["phone"].as_str(), bob["company"].as_str()), ("", ""));
    assert_eq!(bob["email_subscription"], "none");
    let cem = ws.contact_by("email", "cem@example.com");
    assert_eq!((cem["phone"].as_str(), cem["company"].as_str()), ("", "Initech"));
    assert_eq!(cem["email_subscription"], "unsubscribed");
    let dan = ws.contact_by("email", "dan@example.com");
    assert_eq!((dan["phone"].as_str(), dan["company"].as_str()), ("+4915123456780", ""));
    assert_eq!(ws.contact_by("email", "ann@example.com")["company"], "Acme");
}
