//! End-to-end tests of row outcomes across imports: a re-imported row that changes nothing
//! is Skipped ("unchanged") and gets no import tag, and a dry run agrees with the import.

mod common;

use common::{Workspace, read_csv};

const PEOPLE: &str = "First Name,Email,Company\nAnna,anna@example.com,Acme\nBen,ben@example.com,Beta\n";

#[test]
fn an_unchanged_contact_is_skipped_and_gets_no_import_tag() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", PEOPLE);
    let (first, _) = ws.import(&file, &[]);
    assert_eq!(first.imported, 2);

    let again = ws.file(
        "again.csv",
        "First Name,Email,Company\nAnna,anna@example.com,Acme\nBen,ben@example.com,Gamma\n",
    );
    let (dry, _) = ws.import(&again, &["--dry-run"]);
    let (second, rows) = ws.import(&again, &[]);
    assert_eq!(second.tuple(), (0, 1, 1, 0), "Anna unchanged, Ben's company changed");
    assert_eq!(dry.tuple(), second.tuple(), "the dry run says what the import does");
    assert_eq!(rows[0]["Import Status"], "Skipped");
    assert_eq!(rows[1]["Import Status"], "Updated");

    let tag_of = |id: &str| format!("-{id}");
    let anna = ws.contact_by("email", "anna@example.com");
    let ben = ws.contact_by("email", "ben@example.com");
    assert!(!anna["tags"].split('|').any(|t| t.ends_with(&tag_of(&second.import_id))), "{anna:?}");
    assert!(ben["tags"].split('|').any(|t| t.ends_with(&tag_of(&second.import_id))), "{ben:?}");
}

#[test]
fn a_user_tag_the_contact_lacks_is_a_change() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", PEOPLE);
    ws.import(&file, &[]);
    let (tagged, _) = ws.import(&file, &["--tag", "fair"]);
    assert_eq!(tagged.updated, 2, "the tag is new to both");
    let (again, _) = ws.import(&file, &["--tag", "fair"]);
    assert_eq!(again.skipped, 2, "nothing new the second time");
    let results = read_csv(&ws.path("results.csv"));
    assert!(results.iter().all(|r| r["Import Status"] == "Skipped"));
}
