//! End-to-end tests of a file's lists column: each row's contact joins the static lists its
//! cell names (split as tags are, in any case), a new membership alone makes a row Updated,
//! and undo takes the memberships away as it takes those of `--list`.

mod common;

use common::{Workspace, path_str};
use serde_json::Value;

const PEOPLE: &str = "First Name,Email\nAnna,anna@example.com\nBen,ben@example.com\n";

fn with_people() -> Workspace {
    let ws = Workspace::new();
    let (counts, _) = ws.import(&ws.file("people.csv", PEOPLE), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0));
    ws
}

fn lists_of(ws: &Workspace, email: &str) -> String {
    ws.contact_by("email", email)["lists"].clone()
}

#[test]
fn a_lists_column_puts_each_row_on_its_own_lists_in_any_spelling() {
    let ws = Workspace::new();
    let file = ws.file(
        "lists.csv",
        "First Name,Email,Mailing Lists\n\
         Anna,anna@example.com,Newsletter|Key Accounts\n\
         Ben,ben@example.com,newsletter; VIP Events\n\
         Cleo,cleo@example.com,\"NEWSLETTER, newsletter\"\n\
         Dan,dan@example.com,\n",
    );
    let (counts, rows) = ws.import(&file, &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (4, 0, 0, 0), "{rows:?}");
    assert_eq!(lists_of(&ws, "anna@example.com"), "Key Accounts|Newsletter");
    assert_eq!(lists_of(&ws, "ben@example.com"), "Newsletter|VIP Events", "`newsletter` is Newsletter");
    assert_eq!(lists_of(&ws, "cleo@example.com"), "Newsletter");
    assert_eq!(lists_of(&ws, "dan@example.com"), "");
}

#[test]
fn headers_in_other_languages_name_the_lists_column() {
    let ws = Workspace::new();
    let file = ws.file("listen.csv", "Vorname,E-Mail,Listen\nAnna,anna@example.com,Kunden\n");
    let out = ws.ok(&["mapping", "suggest", path_str(&file), "--json"]);
    let columns: Value = serde_json::from_str(out.trim()).expect("json");
    let columns = columns.as_array().expect("one entry per column");
    let listen = columns.iter().find(|c| c["header"] == "Listen").expect("the Listen column");
    assert_eq!(listen["field"], "lists", "{listen}");
    ws.import(&file, &["--no-import-tag"]);
    assert_eq!(lists_of(&ws, "anna@example.com"), "Kunden");
}

#[test]
fn a_new_list_membership_alone_is_an_update_and_none_is_unchanged() {
    let ws = with_people();
    let file = ws.file(
        "lists.csv",
        "First Name,Email,Lists\nAnna,anna@example.com,Newsletter\nBen,ben@example.com,\n",
    );
    let (dry, _) = ws.import(&file, &["--dry-run"]);
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (0, 1, 1, 0), "{rows:?}");
    assert_eq!(dry.tuple(), counts.tuple(), "the dry run says what the import does");
    assert_eq!(rows[0]["Import Status"], "Updated");
    assert_eq!(lists_of(&ws, "anna@example.com"), "Newsletter");

    let again = ws.file("again.csv", "First Name,Email,Lists\nAnna,anna@example.com,NEWSLETTER\n");
    let (counts, rows) = ws.import(&again, &[]);
    assert_eq!(counts.tuple(), (0, 0, 1, 0), "in the list already, in any spelling: {rows:?}");
    assert!(rows[0]["Import Notes"].starts_with("no changes"), "{rows:?}");
    let tags = ws.contact_by("email", "anna@example.com")["tags"].clone();
    assert!(!tags.split('|').any(|t| t.ends_with(&format!("-{}", counts.import_id))), "{tags}");
}

#[test]
fn undo_takes_away_the_list_memberships_of_the_lists_column() {
    let ws = with_people();
    let before = ws.contacts();
    let file = ws.file(
        "lists.csv",
        "First Name,Email,Lists\nAnna,anna@example.com,Newsletter|Leads\nCleo,cleo@example.com,Leads\n",
    );
    let (counts, _) = ws.import(&file, &["--list", "Fair"]);
    assert_eq!(counts.tuple(), (1, 1, 0, 0));
    assert_eq!(lists_of(&ws, "anna@example.com"), "Fair|Leads|Newsletter");
    let report: Value = serde_json::from_str(ws.ok(&["imports", "undo", &counts.import_id, "--json"]).trim())
        .expect("one JSON object");
    assert_eq!(report["deleted"], 1, "Cleo, whom the import created: {report}");
    assert_eq!(report["conflicts"], serde_json::json!([]), "{report}");
    assert_eq!(ws.contacts(), before, "Anna is on no list again");
}

#[test]
fn list_flags_are_split_and_matched_in_any_case_as_tag_flags_are() {
    let ws = with_people();
    let file = ws.file("people.csv", PEOPLE);
    let (counts, _) = ws.import(&file, &["--list", "Leads,Fair 2026", "--list", "leads", "--no-import-tag"]);
    assert_eq!(counts.updated, 2);
    assert_eq!(lists_of(&ws, "ben@example.com"), "Fair 2026|Leads");
    let (counts, _) = ws.import(&file, &["--list", "LEADS", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (0, 0, 2, 0), "`LEADS` is the list Leads");
    assert_eq!(lists_of(&ws, "ben@example.com"), "Fair 2026|Leads");
}

/// 300 people with 1 to 3 tags and lists each: the store writes a batch's memberships many
/// rows to a statement, and every contact must end with exactly its own, on creation and
/// when a second file adds more.
#[test]
fn many_rows_of_tags_and_lists_each_reach_their_own_contact() {
    let ws = Workspace::new();
    let names = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"];
    let own = |i: usize, shift: usize| -> Vec<&str> {
        (0..1 + i % 3).map(|k| names[(i + k + shift) % 5]).collect()
    };
    let file_of = |shift: usize| {
        let mut csv = String::from("First Name,Email,Tags,Lists\n");
        for i in 0..300 {
            let tags = own(i, shift).join("|");
            csv.push_str(&format!("P{i},p{i}@example.com,{tags},{tags}\n"));
        }
        csv
    };
    let (counts, _) = ws.import(&ws.file("first.csv", &file_of(0)), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (300, 0, 0, 0));
    ws.import(&ws.file("second.csv", &file_of(1)), &["--no-import-tag"]);
    for i in [0, 1, 2, 63, 64, 65, 127, 128, 199, 299] {
        let mut want: Vec<&str> = own(i, 0).into_iter().chain(own(i, 1)).collect();
        want.sort_unstable();
        want.dedup();
        let contact = ws.contact_by("email", &format!("p{i}@example.com"));
        assert_eq!(contact["tags"], want.join("|"), "tags of p{i}");
        assert_eq!(contact["lists"], want.join("|"), "lists of p{i}");
    }
}

/// A tag and a list an import gave everything it created (`--tag`, `--list`) are the
/// contacts' own when a later file names them in any case: nothing to add, every row
/// unchanged; a name they lack is added.
#[test]
fn memberships_an_import_gave_all_it_created_count_as_the_contacts_own() {
    let ws = Workspace::new();
    let mut people = String::from("First Name,Email\n");
    for i in 0..100 {
        people.push_str(&format!("P{i},p{i}@example.com\n"));
    }
    let (counts, _) =
        ws.import(&ws.file("people.csv", &people), &["--tag", "Fair", "--list", "News", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (100, 0, 0, 0));
    let mut again = String::from("First Name,Email,Tags,Lists\n");
    for i in 0..100 {
        let tags = if i == 42 { "fair|Late" } else { "FAIR" };
        again.push_str(&format!("P{i},p{i}@example.com,{tags},news\n"));
    }
    let (counts, rows) = ws.import(&ws.file("again.csv", &again), &["--no-import-tag"]);
    assert_eq!(counts.tuple(), (0, 1, 99, 0), "{rows:?}");
    assert_eq!(ws.contact_by("email", "p42@example.com")["tags"], "Fair|Late");
    assert_eq!(ws.contact_by("email", "p7@example.com")["tags"], "Fair");
    assert_eq!(ws.contact_by("email", "p7@example.com")["lists"], "News");
}
