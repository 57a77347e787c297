//! End-to-end tests of what intake prints and writes besides the store: every command ends
//! quietly when its standard output is closed (and an import still completes), values from
//! the file reach the terminal with their control characters escaped, logs hold no contact
//! data, and results and error files guard cells a spreadsheet would run as formulas.

mod common;

use std::process::{Output, Stdio};

use common::{Workspace, path_str};
use serde_json::Value;

/// The write end of a pipe whose read end is closed: the first write to it fails with
/// `EPIPE`, as when `head` has read its line and gone, without waiting for that to happen.
/// (`std::io::pipe` is `pipe(2)` with close-on-exec, so no child started by another test at
/// the same time inherits the read end and keeps the pipe open.)
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer
}

/// Runs `intake ARGS` with standard output closed, standard error captured.
fn run_with_stdout_closed(ws: &Workspace, args: &[&str]) -> Output {
    ws.command(args).stdout(Stdio::from(closed_pipe())).stderr(Stdio::piped()).output().expect("run intake")
}

/// `rows` contacts, each with a name, an e-mail address and a phone number.
fn people_csv(rows: usize) -> String {
    let mut text = String::from("First Name,Last Name,Email,Phone\n");
    for i in 0..rows {
        text.push_str(&format!("Person{i},Family{i},person{i}@example.com,+49151{i:08}\n"));
    }
    text
}

/// The imports as `intake imports list --json` shows them.
fn imports(ws: &Workspace) -> Vec<Value> {
    let listing: Value = serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("JSON");
    listing.as_array().expect("an array").clone()
}

#[test]
fn every_listing_ends_quietly_when_stdout_is_closed() {
    let ws = Workspace::new();
    let people = ws.file("people.csv", &people_csv(3000));
    for _ in 0..5 {
        ws.ok(&["import", path_str(&people), "--json"]);
    }
    let commands: [&[&str]; 11] = [
        &["fields", "list"],
        &["imports", "list"],
        &["imports", "list", "--json"],
        &["contacts", "export", "--format", "csv"],
        &["contacts", "export", "--format", "vcard"],
        &["mapping", "suggest", path_str(&people)],
        &["mapping", "suggest", path_str(&people), "--json"],
        &["settings", "get", "require-first-name"],
        &["import", path_str(&people), "--json"],
        &["import", path_str(&people), "--json", "--dry-run"],
        &["imports", "undo", "1", "--json"],
    ];
    for args in commands {
        let output = run_with_stdout_closed(&ws, args);
        assert_eq!(
            (output.status.code(), String::from_utf8_lossy(&output.stderr).as_ref()),
            (Some(0), ""),
            "intake {args:?} with standard output closed"
        );
    }
}

#[test]
fn an_import_with_stdout_and_stderr_closed_completes() {
    let ws = Workspace::new();
    // An unmapped column and a bad row, so that the import has notes for standard error.
    let mut text = String::from("First Name,Email,Kundenstatus\n");
    for i in 0..500 {
        text.push_str(&format!("Person{i},person{i}@example.com,aktiv\n"));
    }
    text.push_str("Bad,not-an-email,aktiv\n");
    let people = ws.file("people.csv", &text);
    let output = ws
        .command(&["import", path_str(&people), "--default-region", "DE"])
        .stdout(Stdio::from(closed_pipe()))
        .stderr(Stdio::from(closed_pipe()))
        .output()
        .expect("run intake");
    assert_eq!(output.status.code(), Some(0));
    let listed = imports(&ws);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let import = &listed[0];
    assert_eq!(import["state"], "completed", "{import}");
    assert_eq!(
        [&import["rows"], &import["imported"], &import["updated"], &import["skipped"], &import["errors"]],
        [501, 500, 0, 0, 1],
        "{import}"
    );
}
