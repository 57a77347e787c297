//! End-to-end tests of `intake imports undo`: an undo only ever takes permission to send
//! away, keeps a contact the import created once later work depends on it, and `--dry-run`
//! shows the same report without changing anything.

mod common;

use common::{Workspace, path_str};
use serde_json::Value;

/// Runs `intake imports undo ID --json` with `extra` flags and returns its report.
fn undo(ws: &Workspace, import_id: &str, extra: &[&str]) -> Value {
    let mut args = vec!["imports", "undo", import_id, "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(ws.ok(&args).trim()).expect("one JSON object")
}

/// The sentences of one of the report's lists.
fn lines(report: &Value, key: &str) -> Vec<String> {
    let list = report[key].as_array().unwrap_or_else(|| panic!("{key} in {report}"));
    list.iter().map(|line| line.as_str().expect("a sentence").to_string()).collect()
}

/// The consent log's entries for the e-mail channel: (old, new, source), in order.
fn email_log(ws: &Workspace) -> Vec<(String, String, String)> {
    let db = rusqlite::Connection::open(ws.db()).expect("open the store");
    let mut stmt = db
        .prepare(
            "SELECT old_status, new_status, source FROM subscription_log \
             WHERE channel = 'email' ORDER BY at, source, old_status, new_status",
        )
        .expect("query the log");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("read the log")
        .collect::<Result<_, _>>()
        .expect("read the log")
}

fn email_status(ws: &Workspace, email: &str) -> String {
    ws.contact_by("email", email)["email_subscription"].clone()
}

/// Imports Anna with `status` on e-mail (empty: none), then a file that sets her e-mail
/// channel to `to`, and returns the second import's id.
fn anna_from_to(ws: &Workspace, status: &str, to: &str, extra: &[&str]) -> String {
    let base = format!("First Name,Email,Email Subscription\nAnna,anna@example.com,{status}\n");
    ws.import(&ws.file("base.csv", &base), &[]);
    let change = format!("First Name,Email,Email Subscription\nAnna,anna@example.com,{to}\n");
    let (counts, _) = ws.import(&ws.file("change.csv", &change), extra);
    assert_eq!(counts.updated, 1);
    assert_eq!(email_status(ws, "anna@example.com"), to);
    counts.import_id
}

#[test]
fn an_unsubscribe_the_import_set_stays_and_still_protects_against_later_imports() {
    let ws = Workspace::new();
    let import = anna_from_to(&ws, "", "unsubscribed", &[]);
    let report = undo(&ws, &import, &[]);
    assert_eq!(report["restored"], 0);
    let kept = lines(&report, "kept_unsubscribed");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("email_subscription") && kept[0].contains("unsubscribed"), "{kept:?}");
    assert_eq!(email_status(&ws, "anna@example.com"), "unsubscribed");

    let again =
        ws.file("again.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,subscribed\n");
    let (_, rows) = ws.import(&again, &[]);
    assert!(rows[0]["Import Notes"].contains("kept unsubscribed"), "{:?}", rows[0]);
    assert_eq!(
        email_status(&ws, "anna@example.com"),
        "unsubscribed",
        "no re-subscription without --force-resubscribe"
    );
}

#[test]
fn a_subscription_the_import_took_away_is_not_given_back() {
    let ws = Workspace::new();
    let import = anna_from_to(&ws, "subscribed", "none", &[]);
    let log_before = email_log(&ws);
    let report = undo(&ws, &import, &[]);
    assert_eq!(report["restored"], 0);
    let kept = lines(&report, "kept_unsubscribed");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("email_subscription") && kept[0].contains("none"), "{kept:?}");
    assert_eq!(email_status(&ws, "anna@example.com"), "none", "an undo never raises a channel");
    assert_eq!(email_log(&ws), log_before, "nothing restored, nothing logged");
}

/// Passes on the code before the rule too: it pins that the rule still lowers what it may.
#[test]
fn a_subscription_the_import_gave_is_taken_back_and_logged() {
    let ws = Workspace::new();
    let import = anna_from_to(&ws, "", "subscribed", &[]);
    let report = undo(&ws, &import, &[]);
    assert_eq!(report["restored"], 1);
    assert_eq!(lines(&report, "kept_unsubscribed"), Vec::<String>::new());
    assert_eq!(email_status(&ws, "anna@example.com"), "none");
    let undone = ("subscribed".to_string(), "none".to_string(), format!("undo of import {import}"));
    assert!(email_log(&ws).contains(&undone), "{:?}", email_log(&ws));
}

/// Passes on the code before the rule too: it pins that a forced re-subscription is undone.
#[test]
fn a_forced_resubscription_is_undone() {
    let ws = Workspace::new();
    let import = anna_from_to(&ws, "unsubscribed", "subscribed", &["--force-resubscribe"]);
    let report = undo(&ws, &import, &[]);
    assert_eq!(report["restored"], 1);
    assert_eq!(lines(&report, "kept_unsubscribed"), Vec::<String>::new());
    assert_eq!(email_status(&ws, "anna@example.com"), "unsubscribed");
}

const CREATED: &str = "First Name,Email\nCarla,carla@example.com\nDora,dora@example.com\n";

/// Imports Carla and Dora (import A), then `later` with `extra` flags (import B); undoes A
/// and checks that Carla, whom B changed, is kept and named in a conflict, and Dora, whom
/// nobody touched since, is deleted. Returns Carla as exported after the undo.
fn undo_keeps_carla(later: &str, extra: &[&str]) -> common::Row {
    let ws = Workspace::new();
    let (created, _) = ws.import(&ws.file("a.csv", CREATED), &[]);
    assert_eq!(created.imported, 2);
    let (changed, _) = ws.import(&ws.file("b.csv", later), extra);
    assert_eq!(changed.updated, 1);
    let carla = ws.contact_by("email", "carla@example.com")["id"].clone();

    let report = undo(&ws, &created.import_id, &[]);
    assert_eq!(report["deleted"], 1, "{report}");
    let expected = format!(
        "contact {carla}: created by import {} and changed since by import {}; kept",
        created.import_id, changed.import_id
    );
    assert_eq!(lines(&report, "conflicts"), vec![expected]);
    let left = ws.contacts();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["email"], "carla@example.com");
    left[0].clone()
}

#[test]
fn a_created_contact_a_later_import_changed_is_kept() {
    let later = "First Name,Email,Company\nCarla,carla@example.com,Later Inc\n";
    let carla = undo_keeps_carla(later, &["--no-import-tag"]);
    assert_eq!(carla["company"], "Later Inc");
}

#[test]
fn a_created_contact_a_later_import_tagged_is_kept() {
    let later = "First Name,Email\nCarla,carla@example.com\n";
    let carla = undo_keeps_carla(later, &["--tag", "vip", "--no-import-tag"]);
    assert_eq!(carla["tags"], "vip");
}

#[test]
fn a_created_contact_a_later_import_put_on_a_list_is_kept() {
    let later = "First Name,Email\nCarla,carla@example.com\n";
    let carla = undo_keeps_carla(later, &["--list", "Fair", "--no-import-tag"]);
    assert_eq!(carla["lists"], "Fair");
}

/// Undoing the later import first takes away what depended on the contact, so undoing the
/// import that created it then deletes it.
#[test]
fn once_the_later_import_is_undone_the_created_contact_goes_too() {
    let ws = Workspace::new();
    let (created, _) = ws.import(&ws.file("a.csv", CREATED), &[]);
    let later =
        "First Name,Email,Company,Email Subscription\nCarla,carla@example.com,Later Inc,unsubscribed\n";
    let (changed, _) = ws.import(&ws.file("b.csv", later), &["--tag", "vip"]);
    undo(&ws, &changed.import_id, &[]);
    let report = undo(&ws, &created.import_id, &[]);
    assert_eq!(report["deleted"], 2, "{report}");
    assert_eq!(lines(&report, "conflicts"), Vec::<String>::new());
    assert!(ws.contacts().is_empty());
    let back = ws.file("c.csv", "First Name,Email,Email Subscription\nCarla,carla@example.com,subscribed\n");
    ws.import(&back, &[]);
    assert_eq!(email_status(&ws, "carla@example.com"), "unsubscribed", "her unsubscribe outlives her");
}

/// What a dry run could change: the contacts as exported (bytes), the consent log and the
/// suppressions.
fn snapshot(ws: &Workspace) -> (Vec<u8>, Vec<(String, String, String)>, i64) {
    let out = ws.path("snapshot.csv");
    ws.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&out)]);
    let exported = std::fs::read(&out).expect("read the export");
    let db = rusqlite::Connection::open(ws.db()).expect("open the store");
    let suppressions =
        db.query_row("SELECT count(*) FROM suppressions", [], |r| r.get(0)).expect("count suppressions");
    (exported, email_log(ws), suppressions)
}

fn state_of(ws: &Workspace, import_id: &str) -> String {
    let listed: Value = serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    let imports = listed.as_array().expect("an array");
    let found = imports.iter().find(|i| i["id"] == import_id).expect("the import is listed");
    found["state"].as_str().expect("state").to_string()
}

fn without_dry_run(mut report: Value) -> Value {
    report.as_object_mut().expect("an object").remove("dry_run");
    report
}

#[test]
fn a_dry_run_reports_what_undo_would_do_and_changes_nothing() {
    let ws = Workspace::new();
    ws.import(
        &ws.file("base.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,subscribed\n"),
        &[],
    );
    let a = ws.file(
        "a.csv",
        "First Name,Email,Company,Email Subscription\n\
         Anna,anna@example.com,Acme,unsubscribed\nCarla,carla@example.com,,\nDora,dora@example.com,,unsubscribed\n",
    );
    let (import, _) = ws.import(&a, &["--tag", "fair"]);
    ws.import(&ws.file("b.csv", "First Name,Email,Company\nCarla,carla@example.com,Later Inc\n"), &[]);
    let before = snapshot(&ws);

    let dry = undo(&ws, &import.import_id, &["--dry-run"]);
    let text = ws.ok(&["imports", "undo", &import.import_id, "--dry-run"]);
    assert!(text.contains("dry run"), "{text}");
    assert_eq!(snapshot(&ws), before, "a dry run changes nothing");
    assert_eq!(state_of(&ws, &import.import_id), "completed");

    let real = undo(&ws, &import.import_id, &[]);
    assert_eq!((&dry["dry_run"], &real["dry_run"]), (&Value::Bool(true), &Value::Bool(false)));
    // Dora deleted; Anna's company restored; Carla kept; Anna's unsubscribe kept.
    assert_eq!((&real["deleted"], &real["restored"]), (&Value::from(1), &Value::from(1)), "{real}");
    assert_eq!(lines(&real, "conflicts").len(), 1, "{real}");
    assert_eq!(lines(&real, "kept_unsubscribed").len(), 1, "{real}");
    assert_eq!(without_dry_run(dry), without_dry_run(real), "the dry run's report is the undo's");
    assert_ne!(snapshot(&ws), before);
    assert_eq!(state_of(&ws, &import.import_id), "undone");
}
