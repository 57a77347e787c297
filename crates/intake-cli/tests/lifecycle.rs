//! End-to-end tests of what happens around an import: killed and resumed, undone, and the
//! suppression that outlives a deleted contact.

mod common;

use common::{Workspace, big_file, checkpoint_rows, path_str, read_csv};

#[test]
fn a_killed_import_resumes_to_the_same_store_and_counts_as_an_uninterrupted_one() {
    const ROWS: usize = 300_000;
    let reference = Workspace::new();
    let file = reference.file("big.csv", &big_file(ROWS));
    let args = ["--default-region", "DE", "--batch-size", "2000"];
    let (expected, _) = reference.import(&file, &args);
    assert_eq!(expected.rows, ROWS as u64);

    let ws = killed_import(&file, &args);
    let results = ws.path("results.csv");
    let done = checkpoint_rows(&ws, 1);
    assert!(done < ROWS as u64, "killed mid-way ({done} rows committed)");
    assert_eq!(done % 2000, 0, "only whole batches are committed");
    let stored = ws.contacts().len() as u64;
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    let killed = &listed[0];
    assert_eq!(killed["state"], "interrupted", "its process is gone");
    assert!(killed["stopped_at"].as_i64().is_some(), "{killed}");
    assert!(killed["resume_command"].as_str().is_some_and(|c| c.ends_with("imports resume 1")), "{killed}");
    assert_eq!(
        stored,
        killed["imported"].as_u64().expect("imported"),
        "the store holds exactly the committed batches"
    );
    // The bulk load dropped the index of lists by contact, which undo reads; opening the
    // store built it again. (Contacts by tag waits for a listing that needs it.)
    let db = rusqlite::Connection::open(ws.db()).expect("open");
    let indexes: Vec<String> = db
        .prepare("SELECT name FROM sqlite_schema WHERE name = 'list_members_by_contact'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("indexes");
    assert_eq!(indexes.len(), 1, "{indexes:?}");

    let resumed: serde_json::Value =
        serde_json::from_str(ws.ok(&["imports", "resume", "1", "--json"]).trim()).expect("json");
    for key in ["rows", "imported", "updated", "skipped", "errors"] {
        let want = match key {
            "rows" => expected.rows,
            "imported" => expected.imported,
            "updated" => expected.updated,
            "skipped" => expected.skipped,
            _ => expected.errors,
        };
        assert_eq!(resumed[key].as_u64(), Some(want), "{key}");
    }
    assert_eq!(ws.contacts(), reference.contacts(), "same final store");
    let (resumed_results, reference_results) = (read_csv(&results), read_csv(&reference.path("results.csv")));
    assert_eq!(resumed_results.len(), ROWS);
    assert_eq!(resumed_results, reference_results, "the results file lists every row once");
    let again = ws.fails(&["imports", "resume", "1"]);
    assert!(again.contains("completed"), "{again}");
}

/// Ctrl-C (SIGINT) in the middle of an import: the person is told how to finish it, the import
/// is `interrupted`, and resuming it ends as an uninterrupted import would.
#[test]
fn ctrl_c_during_an_import_says_how_to_resume_it_and_the_resume_finishes_it() {
    const ROWS: usize = 150_000;
    let reference = Workspace::new();
    let file = reference.file("big.csv", &big_file(ROWS));
    let args = ["--default-region", "DE", "--batch-size", "2000"];
    let (expected, _) = reference.import(&file, &args);

    let (ws, status, said) = (0..common::KILL_TRIALS)
        .find_map(|_| interrupted_by_ctrl_c(&file, &args))
        .expect("the import ended before Ctrl-C in every trial");
    assert_eq!(status.code(), Some(130), "{said}");
    let resume =
        format!("import 1 interrupted; finish it with: intake --db {} imports resume 1", ws.db().display());
    assert!(said.contains(&resume), "{said}");
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["state"], "interrupted", "{listed}");
    let resumed: serde_json::Value =
        serde_json::from_str(ws.ok(&["imports", "resume", "1", "--json"]).trim()).expect("json");
    assert_eq!(
        (resumed["rows"].as_u64(), resumed["imported"].as_u64(), resumed["errors"].as_u64()),
        (Some(expected.rows), Some(expected.imported), Some(expected.errors))
    );
    assert_eq!(ws.contacts(), reference.contacts(), "same final store");
}

/// A workspace whose import 1 of `file` got SIGINT after its first batches, with the exit
/// status and what it said on stderr; `None` when it had ended first.
fn interrupted_by_ctrl_c(
    file: &std::path::Path,
    args: &[&str],
) -> Option<(Workspace, std::process::ExitStatus, String)> {
    let ws = Workspace::new();
    let mut child = ws
        .command(&["import", path_str(file)])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start import");
    if !common::running_at_checkpoint(&ws, &mut child, 1, 4000) {
        return None;
    }
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: a plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0, "SIGINT sent");
    let output = child.wait_with_output().expect("wait");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    let cut_short = common::stored_state(&ws, 1).as_deref() != Some("completed");
    cut_short.then_some((ws, output.status, said))
}

/// A workspace whose import 1 of `file` was killed part-way.
fn killed_import(file: &std::path::Path, args: &[&str]) -> Workspace {
    for _ in 0..common::KILL_TRIALS {
        let ws = Workspace::new();
        let mut child = ws
            .command(&["import", path_str(file), "--results", path_str(&ws.path("results.csv"))])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start import");
        if common::kill_after_checkpoint(&ws, &mut child, 4000) {
            return ws;
        }
    }
    panic!("the import finished before it could be killed in {} trials", common::KILL_TRIALS);
}

fn journal_mode(ws: &Workspace) -> String {
    let conn = rusqlite::Connection::open(ws.db()).expect("open store");
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("journal mode")
}

/// A load into an empty store goes through a rollback journal (each page written once), but
/// the store must end on the write-ahead log, where readers do not block the next import;
/// and a reader that holds the store open must not stop or stall the load.
#[test]
fn a_bulk_load_leaves_the_store_on_the_write_ahead_log_with_or_without_a_reader() {
    let ws = Workspace::new();
    let file = ws.file("big.csv", &big_file(20_000));
    let (counts, _) = ws.import(&file, &["--default-region", "DE", "--batch-size", "2000"]);
    assert_eq!(counts.imported, 19_600);
    assert_eq!(journal_mode(&ws), "wal");

    let other = Workspace::new();
    other.ok(&["fields", "list"]);
    let reader = rusqlite::Connection::open(other.db()).expect("open store");
    let stored: i64 = reader.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0)).expect("count");
    assert_eq!(stored, 0);
    let (counts, _) = other.import(&file, &["--default-region", "DE", "--batch-size", "2000"]);
    assert_eq!(counts.imported, 19_600);
    let stored: i64 = reader.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0)).expect("count");
    assert_eq!(stored, 19_600);
    assert_eq!(journal_mode(&other), "wal");
    assert_eq!(ws.contacts(), other.contacts(), "the same store either way");
}

const BASE: &str = "\
First Name,Email,Company,Email Subscription
Anna,anna@example.com,Acme,subscribed
Bruno,bruno@example.com,,subscribed
";

#[test]
fn undo_restores_the_store_to_what_it_was() {
    let ws = Workspace::new();
    ws.import(&ws.file("base.csv", BASE), &["--tag", "base"]);
    let before = ws.contacts();
    let change = ws.file(
        "change.csv",
        "First Name,Email,Company,Email Subscription,Tags\nAnna,anna@example.com,NewCo,,new-tag\nBruno,bruno@example.com,Meyer AG,,\nCarla,carla@example.com,Carla Ltd,subscribed,x\n",
    );
    let (counts, _) = ws.import(&change, &["--list", "Fair", "--tag", "base"]);
    assert_eq!(counts.tuple(), (1, 2, 0, 0));
    let undo: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "undo", &counts.import_id, "--json"])).expect("json");
    assert_eq!(undo["deleted"], 1);
    assert_eq!(undo["restored"], 2);
    // Anna: new-tag, the import tag, Fair; Bruno: the import tag, Fair; Carla: x, base, the
    // import tag, Fair. Anna and Bruno had `base` from the first import already.
    assert_eq!(undo["memberships_removed"], 9);
    assert_eq!(ws.contacts(), before);
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["state"], "undone");
    let again = ws.fails(&["imports", "undo", &counts.import_id]);
    assert!(again.contains("already undone"), "{again}");
}

#[test]
fn undo_lists_values_changed_since_and_leaves_them() {
    let ws = Workspace::new();
    ws.import(&ws.file("base.csv", BASE), &[]);
    let (first, _) =
        ws.import(&ws.file("a.csv", "First Name,Email,Company\nAnna,anna@example.com,NewCo\n"), &[]);
    ws.import(&ws.file("b.csv", "First Name,Email,Company\nAnna,anna@example.com,Later Inc\n"), &[]);
    let undo: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "undo", &first.import_id, "--json"])).expect("json");
    assert_eq!(undo["restored"], 0);
    let conflicts = undo["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0].as_str().expect("text").contains("company"), "{conflicts:?}");
    assert_eq!(ws.contact_by("email", "anna@example.com")["company"], "Later Inc");
}

#[test]
fn undo_never_resubscribes() {
    let ws = Workspace::new();
    ws.import(&ws.file("base.csv", BASE), &[]);
    let (unsub, _) = ws.import(
        &ws.file("u.csv", "First Name,Email,Email Subscription\nBruno,bruno@example.com,unsubscribed\n"),
        &[],
    );
    let undo: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "undo", &unsub.import_id, "--json"])).expect("json");
    assert_eq!(undo["kept_unsubscribed"].as_array().map(Vec::len), Some(1));
    assert_eq!(ws.contact_by("email", "bruno@example.com")["email_subscription"], "unsubscribed");
}

#[test]
fn an_unsubscribe_outlives_the_deletion_of_the_contact() {
    let ws = Workspace::new();
    let file = ws.file(
        "a.csv",
        "First Name,Email,Phone,Email Subscription,SMS Subscription\nAnna,anna@example.com,+4915123456789,unsubscribed,subscribed\nBen,ben@example.com,+4915198765432,unsubscribed,\n",
    );
    ws.import(&file, &[]);
    ws.ok(&["contacts", "delete", "--email", "ANNA@example.com"]);
    ws.ok(&["contacts", "delete", "--phone", "0151 98765432", "--default-region", "DE"]);
    assert!(ws.contacts().is_empty());
    let back = ws.file(
        "b.csv",
        "First Name,Email,Phone,Email Subscription\nAnna,anna@example.com,,subscribed\nBen,,+4915198765432,\n",
    );
    let (counts, rows) = ws.import(&back, &["--purpose", "add-all"]);
    assert_eq!(counts.imported, 2);
    assert!(rows[0]["Import Notes"].contains("suppression"), "{:?}", rows[0]);
    let anna = ws.contact_by("first_name", "Anna");
    assert_eq!(anna["email_subscription"], "unsubscribed");
    assert_eq!(anna["sms_subscription"], "none", "only what she unsubscribed from");
    assert_eq!(ws.contact_by("first_name", "Ben")["email_subscription"], "unsubscribed", "found by phone");
}
