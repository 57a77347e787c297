//! End-to-end tests of the files a command touches: an output that is the input, the store or
//! another output is refused and nothing changes; a resumed import writes only its own files,
//! from any directory; `--db` is a file path; a store that cannot be used is named with one
//! sentence; personal data is created readable by its owner only.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{Workspace, big_file, path_str, read_csv};

const FILE: &str = "First Name,Email\nAnna,anna@example.com\nBen,ben@example.com\n";

/// The bytes of each of `paths` (empty for a missing file).
fn snapshot(paths: &[&Path]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| std::fs::read(p).unwrap_or_default()).collect()
}

#[test]
fn an_output_that_is_the_input_the_store_or_the_other_output_is_refused_and_nothing_changes() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    ws.import(&input, &[]);
    let (db, wal, other) = (ws.db(), ws.path("intake.db-wal"), ws.path("out.csv"));
    let mapping = ws.path("saved.toml");
    ws.ok(&["mapping", "save", path_str(&input), "--output", path_str(&mapping)]);
    let watched = [input.as_path(), db.as_path(), wal.as_path(), mapping.as_path()];
    let before = snapshot(&watched);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["import", path_str(&input), "--results", path_str(&input)], "the input file"),
        (vec!["import", path_str(&input), "--errors", path_str(&input)], "the input file"),
        (vec!["import", path_str(&input), "--results", path_str(&db)], "the store"),
        (vec!["import", path_str(&input), "--errors", path_str(&wal)], "a file of the store"),
        (
            vec!["import", path_str(&input), "--results", path_str(&other), "--errors", path_str(&other)],
            "--results",
        ),
        (
            vec![
                "import",
                path_str(&input),
                "--mapping",
                path_str(&mapping),
                "--results",
                path_str(&mapping),
            ],
            "--mapping",
        ),
        (vec!["contacts", "export", "--output", path_str(&db)], "the store"),
        (vec!["mapping", "save", path_str(&input), "--output", path_str(&input)], "the input file"),
        (vec!["mapping", "save", path_str(&input), "--output", path_str(&mapping)], "exists"),
    ];
    for (args, named) in cases {
        let error = ws.fails(&args);
        assert!(error.contains(named), "{args:?}: {error}");
        assert_eq!(snapshot(&watched), before, "{args:?} changed a file");
        assert!(!other.exists(), "{args:?} wrote {}", other.display());
    }
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "no refused import was recorded");
    ws.ok(&["mapping", "save", path_str(&input), "--output", path_str(&mapping), "--force"]);
}

/// A folder, or a path in a folder that is not there, is no file to write: refused before
/// anything is read or written, naming the flag, with no import recorded to resume and no
/// temporary file left behind (an export into `.` once left `..<pid>.partial`).
#[test]
fn an_output_that_cannot_be_a_file_is_refused_before_anything_is_written() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    let folder = ws.path("out");
    std::fs::create_dir(&folder).expect("a folder");
    let missing = ws.path("missing/results.csv");
    let under_a_file = input.join("results.csv");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["import", path_str(&input), "--results", path_str(&folder)], "--results"),
        (vec!["import", path_str(&input), "--errors", path_str(&missing)], "--errors"),
        (vec!["import", path_str(&input), "--results", path_str(&under_a_file)], "--results"),
        (vec!["contacts", "export", "--output", path_str(&folder)], "--output"),
        (vec!["contacts", "export", "--output", "."], "--output"),
        (vec!["mapping", "save", path_str(&input), "--output", path_str(&folder)], "--output"),
    ];
    let before = files_in(ws.dir.path());
    for (args, flag) in cases {
        let error = ws.fails(&args);
        assert!(error.contains(flag) && error.contains("nothing was read or written"), "{args:?}: {error}");
        assert!(!error.contains("os error"), "{args:?}: a system error instead of a sentence: {error}");
        let now: Vec<String> =
            files_in(ws.dir.path()).into_iter().filter(|f| !f.starts_with("intake.db")).collect();
        let was: Vec<String> = before.iter().filter(|f| !f.starts_with("intake.db")).cloned().collect();
        assert_eq!(now, was, "{args:?} left a file");
        assert!(files_in(&folder).is_empty(), "{args:?} wrote into the folder");
    }
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "a refused import was recorded: {listed}");
}

/// A results file that cannot be opened once the import has begun (here a link to a folder
/// that is not there) fails the import, which says why, once; it does not look like an
/// import a kill interrupted.
#[cfg(unix)]
#[test]
fn an_import_whose_results_file_cannot_be_opened_fails_and_says_why() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    let results = ws.path("results.csv");
    std::os::unix::fs::symlink(ws.path("gone/results.csv"), &results).expect("a dangling link");
    let error = ws.fails(&["import", path_str(&input), "--results", path_str(&results)]);
    assert_eq!(error.matches("No such file or directory").count(), 1, "said once: {error}");
    let listed: serde_json::Value =
        serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["state"], "failed", "{listed}");
    assert!(listed[0]["message"].as_str().is_some_and(|m| m.contains("results.csv")), "{listed}");
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list a folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

#[test]
fn a_resume_from_another_directory_writes_only_the_imports_own_files() {
    let ws = killed_import_with_relative_paths();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let decoys = [elsewhere.path().join("results.csv"), elsewhere.path().join("errors.csv")];
    for decoy in &decoys {
        std::fs::write(decoy, "someone else's file\n").expect("decoy");
    }
    let resumed = ws
        .command(&["imports", "resume", "1", "--json"])
        .current_dir(elsewhere.path())
        .output()
        .expect("run");
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    for decoy in &decoys {
        assert_eq!(
            std::fs::read_to_string(decoy).expect("decoy"),
            "someone else's file\n",
            "{}",
            decoy.display()
        );
    }
    let rows = read_csv(&ws.path("results.csv"));
    assert_eq!(rows.len(), 150_000, "the import's own results file lists every row once");
}

/// A workspace whose import 1 of 150,000 rows, started with relative output paths as a user
/// types them, was killed part-way.
fn killed_import_with_relative_paths() -> Workspace {
    for _ in 0..common::KILL_TRIALS {
        let ws = Workspace::new();
        ws.file("big.csv", &big_file(150_000));
        let mut child = ws
            .command(&[
                "import",
                "big.csv",
                "--results",
                "results.csv",
                "--errors",
                "errors.csv",
                "--batch-size",
                "2000",
            ])
            .current_dir(ws.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start import");
        if common::kill_after_checkpoint(&ws, &mut child, 4000) {
            return ws;
        }
    }
    panic!("the import finished before it could be killed in {} trials", common::KILL_TRIALS);
}

#[test]
fn db_is_always_a_file_path() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    for name in ["file:x.db", ":memory:"] {
        let run = |args: &[&str]| {
            let mut all = vec!["--db", name];
            all.extend_from_slice(args);
            std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
                .args(&all)
                .current_dir(ws.dir.path())
                .output()
                .expect("run")
        };
        let imported = run(&["import", path_str(&input), "--json"]);
        assert!(imported.status.success(), "{name}: {}", String::from_utf8_lossy(&imported.stderr));
        assert!(ws.path(name).is_file(), "{name} is a file in the working directory");
        let listed: serde_json::Value =
            serde_json::from_slice(&run(&["imports", "list", "--json"]).stdout).expect("json");
        assert_eq!(listed[0]["imported"], 2, "{name}: the same store next time");
    }
}

#[test]
fn a_store_that_cannot_be_used_is_named_with_one_sentence_and_left_as_it_is() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    let text = ws.file("notes.txt", &"not a database, just a long enough text file\n".repeat(200));
    let foreign = ws.path("other.sqlite");
    rusqlite::Connection::open(&foreign)
        .expect("open")
        .execute_batch("CREATE TABLE orders (id INTEGER)")
        .expect("create");
    let newer = ws.path("newer.db");
    let with_db = |db: &Path, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("run")
    };
    assert!(with_db(&newer, &["fields", "list"]).status.success());
    rusqlite::Connection::open(&newer)
        .expect("open")
        .pragma_update(None, "user_version", 99)
        .expect("version");
    let cases =
        [(&text, "is not an intake store"), (&foreign, "another program"), (&newer, "schema version 99")];
    for (path, says) in cases {
        let before = std::fs::read(path).expect("read");
        let output = with_db(path, &["import", path_str(&input)]);
        assert!(!output.status.success());
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.contains(says) && error.matches(path_str(path)).count() == 1, "{error}");
        assert_eq!(error.trim().lines().count(), 1, "one sentence: {error}");
        assert!(!error.contains("Error code"), "no raw SQLite error: {error}");
        assert_eq!(std::fs::read(path).expect("read"), before, "{} unchanged", path.display());
    }
}

#[test]
fn a_store_locked_longer_than_the_busy_timeout_is_named() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    ws.ok(&["fields", "list"]);
    let holder = rusqlite::Connection::open(ws.db()).expect("open");
    holder.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let output =
        ws.command(&["import", path_str(&input)]).env("INTAKE_BUSY_TIMEOUT", "0.5").output().expect("run");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(error.contains("is locked by another process") && error.contains(path_str(&ws.db())), "{error}");
    assert_eq!(error.matches("locked").count(), 1, "said once: {error}");
    assert!(!error.contains("Error code"), "no raw SQLite error: {error}");
    holder.execute_batch("ROLLBACK").expect("unlock");
    ws.ok(&["import", path_str(&input)]);
}

#[cfg(unix)]
#[test]
fn personal_data_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    let input = ws.file("in.csv", "First Name,Email\nAnna,anna@example.com\nBen,broken\n");
    ws.import(&input, &["--errors", path_str(&ws.path("errors.csv"))]);
    ws.ok(&["contacts", "export", "--output", path_str(&ws.path("all.vcf")), "--format", "vcard"]);
    for name in ["intake.db", "results.csv", "errors.csv", "all.vcf", "export.csv"] {
        ws.contacts();
        let mode = std::fs::metadata(ws.path(name)).expect(name).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

/// Makes `path` unwritable until dropped: `chattr +i` where the test runs as root (which
/// file modes do not stop), a read-only mode otherwise.
struct ReadOnly<'a>(&'a Path, bool);

impl<'a> ReadOnly<'a> {
    fn make(path: &'a Path) -> Option<ReadOnly<'a>> {
        let immutable = std::process::Command::new("chattr").arg("+i").arg(path).status();
        if immutable.is_ok_and(|s| s.success()) {
            return Some(ReadOnly(path, true));
        }
        let mut permissions = std::fs::metadata(path).ok()?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(path, permissions).ok()?;
        // Root writes to a read-only file anyway: then this machine cannot make one.
        let writable = std::fs::OpenOptions::new().append(true).open(path).is_ok();
        Some(ReadOnly(path, false)).filter(|_| !writable)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr").arg("-i").arg(self.0).status();
        }
    }
}

#[test]
fn a_read_only_store_is_named_with_one_sentence() {
    let ws = Workspace::new();
    let input = ws.file("in.csv", FILE);
    ws.import(&input, &[]);
    let db = ws.db();
    let before = std::fs::read(&db).expect("read");
    let Some(_read_only) = ReadOnly::make(&db) else {
        eprintln!("skipped: this machine cannot make a file read-only for this user (no chattr, root)");
        return;
    };
    let error = ws.fails(&["import", path_str(&input)]);
    assert!(error.contains("cannot be written") && error.contains(path_str(&db)), "{error}");
    assert_eq!(error.matches("cannot be written").count(), 1, "said once: {error}");
    assert!(!error.contains("Error code"), "no raw SQLite error: {error}");
    assert_eq!(std::fs::read(&db).expect("read"), before, "the store is unchanged");
}
