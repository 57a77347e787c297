//! Test helpers: a fresh workspace (temp dir + database) per test, running the real `intake`
//! binary, and reading back what a user would see (JSON counts, exported contacts, results
//! files). `Workspace::import` checks the invariants after every import.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod browser;
pub mod peers;
pub mod server;
pub mod web;

/// One test's private store and files.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// A contact as exported: header → cell.
pub type Row = HashMap<String, String>;

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("intake.db")
    }

    /// Writes a file into the workspace and returns its path.
    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).expect("write test file");
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
        command.arg("--db").arg(self.db()).args(args);
        command
    }

    /// Runs `intake ARGS` and returns its output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run intake")
    }

    /// Runs `intake ARGS`, requires success, returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "intake {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs `intake ARGS`, requires failure, returns standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "intake {args:?} should have failed");
        String::from_utf8(output.stderr).expect("utf-8 output")
    }

    /// Imports `file` with `--json --results` and the extra args; checks that every row has
    /// exactly one outcome (counts add up, results file has one line per row) and returns the
    /// counts and the results file's rows.
    pub fn import(&self, file: &Path, extra: &[&str]) -> (Counts, Vec<Row>) {
        let results = self.path("results.csv");
        let mut args = vec!["import", path_str(file), "--json", "--results", path_str(&results)];
        args.extend_from_slice(extra);
        let stdout = self.ok(&args);
        let json: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
        let counts = Counts::from_json(&json);
        assert_eq!(
            counts.imported + counts.updated + counts.skipped + counts.errors,
            counts.rows,
            "counts must add up to the rows read: {counts:?}"
        );
        let rows = read_csv(&results);
        assert_eq!(rows.len() as u64, counts.rows, "the results file lists every row");
        for row in &rows {
            let status = &row["Import Status"];
            assert!(
                ["Imported", "Updated", "Skipped", "Error"].contains(&status.as_str()),
                "status {status}"
            );
        }
        (counts, rows)
    }

    /// The store's contacts as `intake contacts export --format csv` writes them, with the
    /// `'` that guards cells such as `+4915…` against formula injection taken off again (as
    /// intake's import does; tests/export.rs checks the guard itself).
    pub fn contacts(&self) -> Vec<Row> {
        let out = self.path("export.csv");
        self.ok(&["contacts", "export", "--format", "csv", "--output", path_str(&out)]);
        read_csv(&out)
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|(k, v)| (k, intake_core::normalize::strip_formula_guard(&v).to_string()))
                    .collect()
            })
            .collect()
    }

    /// The exported contact whose `column` is `value`.
    pub fn contact_by(&self, column: &str, value: &str) -> Row {
        let contacts = self.contacts();
        let found: Vec<&Row> = contacts.iter().filter(|c| c[column] == value).collect();
        assert_eq!(found.len(), 1, "exactly one contact with {column}={value}: {contacts:?}");
        found[0].clone()
    }
}

/// The counts `intake import --json` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub rows: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub errors: u64,
    pub import_id: String,
}

impl Counts {
    fn from_json(json: &Value) -> Counts {
        let n = |k: &str| json[k].as_u64().unwrap_or_else(|| panic!("{k} in {json}"));
        Counts {
            rows: n("rows"),
            imported: n("imported"),
            updated: n("updated"),
            skipped: n("skipped"),
            errors: n("errors"),
            import_id: json["import_id"].as_str().expect("import_id").to_string(),
        }
    }

    /// `(imported, updated, skipped, errors)`.
    pub fn tuple(&self) -> (u64, u64, u64, u64) {
        (self.imported, self.updated, self.skipped, self.errors)
    }
}

/// A file of `rows` contacts, every 50th row bad, with messy phones.
pub fn big_file(rows: usize) -> String {
    let mut text = String::from("First Name,Last Name,Email,Phone,City\n");
    for i in 0..rows {
        let email =
            if i % 50 == 7 { format!("broken{i}.example.com") } else { format!("person{i}@example.com") };
        let phone = match i % 3 {
            0 => format!("+49 151 {:08}", 10_000_000 + i),
            1 => format!("0151 {:08}", 10_000_000 + i),
            _ => format!("151{:08}", 10_000_000 + i),
        };
        let _ = writeln!(text, "Name{i},Family{},{email},{phone},City{}", i % 97, i % 13);
    }
    text
}

/// Rows the import `id` has committed, read from its checkpoint (0 until it has one).
pub fn checkpoint_rows(ws: &Workspace, id: i64) -> u64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    let checkpoint: rusqlite::Result<String> =
        conn.query_row("SELECT checkpoint FROM imports WHERE id = ?1", [id], |r| r.get(0));
    checkpoint
        .ok()
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
        .and_then(|c| c["rows_done"].as_u64())
        .unwrap_or(0)
}

/// Kills (`kill -9`) the running import 1 of `child` once it has committed `rows` rows: a
/// crash in the middle of an import. Returns false when the import finished on its own before
/// the kill landed (the poll was not scheduled for as long as the import took, which a loaded
/// two-core machine does): the caller starts a new trial rather than test a completed import.
pub fn kill_after_checkpoint(ws: &Workspace, child: &mut std::process::Child, rows: u64) -> bool {
    running_at_checkpoint(ws, child, 1, rows) && killed_before_the_end(ws, child, 1)
}

/// Waits until import `id`, run by `child`, has committed `rows` rows; false when `child`
/// ended first.
pub fn running_at_checkpoint(ws: &Workspace, child: &mut std::process::Child, id: i64, rows: u64) -> bool {
    let started = std::time::Instant::now();
    while checkpoint_rows(ws, id) < rows {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no checkpoint within a minute");
        if child.try_wait().expect("poll").is_some() {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    true
}

/// `kill -9` of `child`, running import `id`; whether the kill cut the import short (false:
/// the process had ended on its own, or had already recorded the import as completed and was
/// only writing its summary when the kill came).
pub fn killed_before_the_end(ws: &Workspace, child: &mut std::process::Child, id: i64) -> bool {
    use std::os::unix::process::ExitStatusExt;
    child.kill().expect("kill -9");
    let died_of_the_kill = child.wait().expect("reap").signal() == Some(9);
    died_of_the_kill && stored_state(ws, id).as_deref() != Some("completed")
}

/// Import `id`'s state as the store records it (`None` when there is no such import yet).
pub fn stored_state(ws: &Workspace, id: i64) -> Option<String> {
    let conn =
        rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("SELECT state FROM imports WHERE id = ?1", [id], |r| r.get(0)).ok()
}

/// How many times a test starts an import again that finished before it could be killed.
pub const KILL_TRIALS: usize = 5;

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A CSV file as rows of header → cell.
pub fn read_csv(path: &Path) -> Vec<Row> {
    rows_of(&std::fs::read(path).expect("open csv"), b',')
}

/// The rows of CSV `bytes` with cells separated by `delimiter`, as header → cell.
pub fn rows_of(bytes: &[u8], delimiter: u8) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes);
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Imports `file` with `--json --results` and the extra args, and returns the JSON counts,
/// the results file's bytes and its rows (written with the input's `delimiter`); checks
/// that the results file has one row per row read.
pub fn import_delimited(
    ws: &Workspace,
    file: &Path,
    delimiter: u8,
    extra: &[&str],
) -> (Value, Vec<u8>, Vec<Row>) {
    let results = ws.path("results.csv");
    let mut args = vec!["import", path_str(file), "--json", "--results", path_str(&results)];
    args.extend_from_slice(extra);
    let json: Value = serde_json::from_str(ws.ok(&args).trim()).expect("one JSON object");
    let raw = std::fs::read(&results).expect("results file");
    let rows = rows_of(&raw, delimiter);
    assert_eq!(rows.len() as u64, json["rows"].as_u64().expect("rows"), "one results row per row");
    (json, raw, rows)
}

/// `(imported, updated, skipped, errors)` of `intake import --json`'s object.
pub fn counts_of(json: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| json[k].as_u64().unwrap_or_else(|| panic!("{k} in {json}"));
    (n("imported"), n("updated"), n("skipped"), n("errors"))
}

/// Checks that the vCard `text`, its folded lines joined, has each of `lines` as a whole line.
pub fn assert_card_lines(text: &str, lines: &[&str]) {
    let unfolded = text.replace("\r\n ", "");
    for line in lines {
        let whole =
            unfolded.starts_with(&format!("{line}\r\n")) || unfolded.contains(&format!("\n{line}\r\n"));
        assert!(whole, "{line} missing in\n{unfolded}");
    }
}
