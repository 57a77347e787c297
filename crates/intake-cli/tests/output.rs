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
    let commands: [&[&str]; 12] = [
        &["--help"],
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

/// Fails the test when `bytes` hold an escape (0x1b) or a right-to-left override (U+202E).
fn assert_no_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&0x1b) && !text.contains('\u{202e}'), "{what}: {text:?}");
}

#[test]
fn values_from_outside_reach_the_terminal_with_their_controls_escaped() {
    let ws = Workspace::new();
    let red = "\x1b[31m";
    let file = ws.file(
        &format!("{red}people\u{202e}vsc.csv"),
        &format!(
            "First Name,Email,{red}Status\u{202e},Note\n\
             Anna{red},anna@example.com,{red}gold,\u{202e}evil\n\
             Ben,ben@example.com,\u{202e}silver,{red}x\n\
             Cem,cem@example.com,{red}gold,plain\n"
        ),
    );
    let results = ws.path(&format!("results{red}.csv"));
    ws.ok(&["fields", "add", "note", "--type", "text", "--label", &format!("{red}Note\u{202e}")]);
    let runs: [&[&str]; 6] = [
        &["import", path_str(&file), "--results", path_str(&results), "--default-region", "DE"],
        &["mapping", "suggest", path_str(&file)],
        &["imports", "list"],
        &["fields", "list"],
        &["import", &format!("{red}missing\u{202e}.csv")],
        &["import", path_str(&file), &format!("{red}unexpected\u{202e}")],
    ];
    for args in runs {
        let output = ws.run(args);
        assert_no_controls(&format!("stdout of intake {args:?}"), &output.stdout);
        assert_no_controls(&format!("stderr of intake {args:?}"), &output.stderr);
        let shown = [&output.stdout, &output.stderr].map(|bytes| String::from_utf8_lossy(bytes).into_owned());
        assert!(
            shown.iter().any(|text| text.contains("\\u{202e}")),
            "intake {args:?} shows the override, escaped: {shown:?}"
        );
    }
}

/// People whose every value is distinctive enough to be found in a log: names, e-mail
/// addresses, and phone numbers in international and in national form.
const PRIVATE_PEOPLE: &str = "\
First Name,Last Name,Email,Phone,Mobile
Quirinus,Zebrowski,quirinus.zebrowski@example.org,+49 151 23456701,0170 2345670
Philippa,Yarborough,philippa@yarborough.example,0151 23456702,+4917023456702
Xaver,Wendelstein,xw@wendelstein.example,015123456703,not a number
";

/// Standard error of an import of [`PRIVATE_PEOPLE`] logged with `variable=filter`.
fn logged_import(variable: &str, filter: &str) -> String {
    let ws = Workspace::new();
    let file = ws.file("people.csv", PRIVATE_PEOPLE);
    let output = ws
        .command(&["import", path_str(&file), "--default-region", "DE", "--map", "Mobile=whatsapp"])
        .env_remove("INTAKE_LOG")
        .env_remove("RUST_LOG")
        .env(variable, filter)
        .output()
        .expect("run intake");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stderr).expect("utf-8")
}

/// The file's values, and each phone number's digits after the country code and trunk
/// prefix (the form the phone library logs them in).
fn private_values() -> Vec<String> {
    let mut values = Vec::new();
    for line in PRIVATE_PEOPLE.lines().skip(1) {
        for cell in line.split(',') {
            values.push(cell.to_string());
            let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 10 {
                let national = digits.trim_start_matches("49").trim_start_matches('0');
                values.push(national.to_string());
            }
        }
    }
    values
}

#[test]
fn no_contact_data_reaches_the_log_at_trace_level() {
    for variable in ["INTAKE_LOG", "RUST_LOG"] {
        let log = logged_import(variable, "trace");
        // Below the default level (warn): the filter is applied (no crate logs at trace level
        // in an import since rusqlite_migration went).
        assert!(log.contains("DEBUG"), "{variable}=trace logs: {log}");
        for value in private_values() {
            assert!(!log.contains(&value), "{variable}=trace logged {value:?}:\n{log}");
        }
    }
}

#[test]
fn rust_log_is_honoured_and_intake_log_wins() {
    assert!(logged_import("RUST_LOG", "debug").contains("DEBUG"), "RUST_LOG=debug logs");
    let ws = Workspace::new();
    let output = ws
        .command(&["fields", "list"])
        .env("INTAKE_LOG", "error")
        .env("RUST_LOG", "trace")
        .output()
        .expect("run intake");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "", "INTAKE_LOG=error wins over RUST_LOG=trace");
}

/// Cells a spreadsheet would run as formulas, in several columns, each row with a bad
/// e-mail address (`(at)` for `@`) that puts it in the error file; the last row is fine.
const FORMULAS: &str = "\
First Name,Last Name,Email,Phone,Company,Note,Tags
\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",Alpha,anna(at)example.com,+4915123456789,\"=cmd|' /C calc'!A0\",@SUM(1),-vip|@home
Ben,@SUM(1),ben(at)example.com,+4917012345678,+ACME,\"=cmd|' /C calc'!A0\",=tag
Cem,Plain,cem@example.com,-,Plain Ltd,-2,
";

/// The cells of [`FORMULAS`] a spreadsheet would run as formulas, by column.
const FORMULA_CELLS: [(&str, &str); 8] = [
    ("First Name", "=HYPERLINK(\"http://x\",\"y\")"),
    ("Company", "=cmd|' /C calc'!A0"),
    ("Note", "@SUM(1)"),
    ("Tags", "-vip|@home"),
    ("Last Name", "@SUM(1)"),
    ("Company", "+ACME"),
    ("Note", "=cmd|' /C calc'!A0"),
    ("Tags", "=tag"),
];

/// Each stored contact's `first_name, last_name, phone, company, notes`, by e-mail address,
/// and every tag: read from the database, since the CSV export guards them itself.
fn stored(ws: &Workspace) -> (Vec<Vec<String>>, Vec<String>) {
    let db = rusqlite::Connection::open(ws.db()).expect("open the store");
    let mut contacts = db
        .prepare("SELECT email, first_name, last_name, phone, company, notes FROM contacts ORDER BY email")
        .expect("query");
    let contacts = contacts
        .query_map([], |row| {
            (0..6).map(|i| row.get::<_, Option<String>>(i).map(Option::unwrap_or_default)).collect()
        })
        .expect("contacts")
        .collect::<Result<Vec<Vec<String>>, _>>()
        .expect("contacts");
    let mut tags = db.prepare("SELECT name FROM tags ORDER BY name").expect("query");
    let tags = tags.query_map([], |row| row.get(0)).expect("tags").collect::<Result<_, _>>().expect("tags");
    (contacts, tags)
}

#[test]
fn results_and_error_files_guard_formulas_and_a_fixed_error_file_imports_the_values() {
    let ws = Workspace::new();
    let errors = ws.path("errors.csv");
    let file = ws.file("formulas.csv", FORMULAS);
    let (counts, results) = ws.import(&file, &["--errors", path_str(&errors), "--no-import-tag"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 2), "{results:?}");
    let error_rows = common::read_csv(&errors);
    assert_eq!(error_rows.len(), 2);
    for (rows, what) in [(&results[..2], "results"), (&error_rows[..], "error file")] {
        for (column, cell) in FORMULA_CELLS {
            let guarded = format!("'{cell}");
            assert!(
                rows.iter().any(|row| row[column] == guarded),
                "{what}: {column} {guarded:?} in {rows:?}"
            );
        }
        for row in rows {
            assert!(
                row.values().all(|cell| !cell.starts_with(['=', '@', '\t', '\r'])),
                "{what}: a cell unguarded in {row:?}"
            );
        }
        // Numbers and phone numbers are data: written exactly.
        assert!(rows.iter().any(|row| row["Phone"] == "+4915123456789" || row["Phone"] == "+4917012345678"));
    }
    assert_eq!((results[2]["Phone"].as_str(), results[2]["Note"].as_str()), ("'-", "-2"));

    // Fixed as a user would, in a text editor, and uploaded again.
    let fixed = ws.file("fixed.csv", &std::fs::read_to_string(&errors).expect("read").replace("(at)", "@"));
    let (counts, rows) = ws.import(&fixed, &["--skip", "Error", "--no-import-tag"]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0), "{rows:?}");
    let (contacts, tags) = stored(&ws);
    let row = |cells: [&str; 6]| cells.map(str::to_string).to_vec();
    assert_eq!(
        contacts,
        [
            row([
                "anna@example.com",
                "=HYPERLINK(\"http://x\",\"y\")",
                "Alpha",
                "+4915123456789",
                "=cmd|' /C calc'!A0",
                "@SUM(1)"
            ]),
            row(["ben@example.com", "Ben", "@SUM(1)", "+4917012345678", "+ACME", "=cmd|' /C calc'!A0"]),
            row(["cem@example.com", "Cem", "Plain", "", "Plain Ltd", "-2"]),
        ]
    );
    assert_eq!(tags, ["-vip", "=tag", "@home"]);
}
