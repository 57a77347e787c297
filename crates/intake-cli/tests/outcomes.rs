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

/// Rows failing three ways: 3 bad e-mails, 2 rows sharing one e-mail, 1 without a first name.
const FAILING: &str = "First Name,Email\nA,a(at)example.com\nB,b.example.com\nC,c.example.org\nD,d@example.com\nD2,d@example.com\n,e@example.com\nF,f@example.com\n";

#[test]
fn the_summary_names_the_most_common_error_reasons_and_the_error_file() {
    let ws = Workspace::new();
    let file = ws.file("failing.csv", FAILING);
    let text = ws.ok(&["import", common::path_str(&file)]);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.trim_start().starts_with("errors")).expect("errors line");
    assert!(lines[at].ends_with(" 6"), "{text}");
    assert!(lines[at + 1].contains("3 × column \"Email\""), "{text}");
    assert!(lines[at + 2].contains("2 × several rows of the file have the same email"), "{text}");
    assert!(lines[at + 3].contains("1 × a first name is required"), "{text}");
    assert!(text.contains("--errors FILE"), "points at the error file: {text}");

    let json: serde_json::Value =
        serde_json::from_str(&ws.ok(&["import", common::path_str(&file), "--json", "--dry-run"]))
            .expect("json");
    let top = json["top_error_reasons"].as_array().expect("top_error_reasons");
    assert_eq!(top.len(), 3);
    assert_eq!(top[0]["rows"], 3);
    assert_eq!(top[1]["reason"], "several rows of the file have the same email");

    let errors = ws.path("errors.csv");
    let with_file = ws.ok(&["import", common::path_str(&file), "--errors", common::path_str(&errors)]);
    assert!(!with_file.contains("--errors FILE"), "{with_file}");
}

#[test]
fn a_results_file_imported_again_ignores_its_added_columns_and_never_repeats_a_column_name() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", "First Name,Email\nAnna,anna@example.com\nBen,ben(at)example.com\n");
    let (_, rows) = ws.import(&file, &[]);
    assert_eq!(rows[1]["Import Status"], "Error");
    assert!(rows[1]["Import Errors"].contains("Email"), "{:?}", rows[1]);

    // The results file, fixed and uploaded again: its Import columns are not data.
    let results = std::fs::read_to_string(ws.path("results.csv")).expect("read").replace("(at)", "@");
    let again = ws.file("again.csv", &results);
    let output = ws
        .command(&["import", common::path_str(&again), "--results", common::path_str(&ws.path("second.csv"))])
        .output()
        .expect("run");
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!said.contains("not imported"), "its own columns are not reported as unmapped: {said}");
    let second = read_csv(&ws.path("second.csv"));
    assert_eq!(second[0]["Import Status (2)"], "Skipped");
    assert!(
        second[0]["Import Notes (2)"].contains("no changes"),
        "a skip's reason is a note: {:?}",
        second[0]
    );
    assert_eq!(second[0]["Import Errors (2)"], "");
    assert_eq!(second[1]["Import Status (2)"], "Imported");
    let header = std::fs::read_to_string(ws.path("second.csv")).expect("read");
    let names: Vec<&str> =
        header.lines().next().expect("header").trim_start_matches('\u{feff}').split(',').collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert_eq!(ws.contact_by("email", "ben@example.com")["first_name"], "Ben");
}

#[test]
fn an_error_file_fixed_and_uploaded_again_needs_no_flag_for_its_error_column() {
    let ws = Workspace::new();
    let errors = ws.path("errors.csv");
    let file = ws.file("people.csv", "First Name,Email\nAnna,anna(at)example.com\n");
    ws.import(&file, &["--errors", common::path_str(&errors)]);
    let fixed = ws.file("fixed.csv", &std::fs::read_to_string(&errors).expect("read").replace("(at)", "@"));
    let (counts, _) = ws.import(&fixed, &[]);
    assert_eq!(counts.imported, 1);
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!(anna["notes"], "", "the Error column is not read into a field");
}
