//! End-to-end tests of several `intake` processes on one store at once: one import per
//! workspace at a time (the others refused naming it, or waiting their turn with `--wait`),
//! workspaces side by side, a running import neither resumed nor undone, a killed one taken
//! over, and a new store opened by many processes at once.

mod common;

use std::fmt::Write as _;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Workspace, big_file, checkpoint_rows, path_str};
use serde_json::Value;

/// Contacts `from..to`, each with an e-mail, a phone, a tag column and a date.
fn people(from: usize, to: usize) -> String {
    let mut text = String::from("First Name,Email,Phone,Tags,Birthday\n");
    for i in from..to {
        let _ = writeln!(
            text,
            "P{i},p{i}@example.com,+49 151 {:08},vip|fair,1980-01-{:02}",
            10_000_000 + i,
            1 + i % 28
        );
    }
    text
}

fn spawn(command: &mut Command) -> Child {
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start intake")
}

/// (contacts stored, distinct e-mails among them), read from the store itself.
fn stored_and_distinct(ws: &Workspace) -> (i64, i64) {
    let conn = rusqlite::Connection::open(ws.db()).expect("open store");
    conn.query_row("SELECT count(*), count(DISTINCT email) FROM contacts", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("count")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&output.stdout)))
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `processes` imports of overlapping files into one workspace at once, 20 rounds.
fn concurrent_rounds(processes: usize, wait: bool) {
    const ROWS: usize = 2_000;
    for round in 0..20 {
        let ws = Workspace::new();
        // File k holds people k*ROWS/2 .. k*ROWS/2 + ROWS: each overlaps the next by half.
        let files: Vec<_> = (0..processes)
            .map(|k| ws.file(&format!("f{k}.csv"), &people(k * ROWS / 2, k * ROWS / 2 + ROWS)))
            .collect();
        let distinct = ((processes + 1) * ROWS / 2) as i64;
        let mut children: Vec<Child> = files
            .iter()
            .map(|file| {
                let mut command = ws.command(&["import", path_str(file), "--json"]);
                if wait {
                    command.arg("--wait");
                }
                spawn(&mut command)
            })
            .collect();
        let outputs: Vec<Output> = children.drain(..).map(|c| c.wait_with_output().expect("wait")).collect();
        let (mut imported, mut touched, mut succeeded) = (0, 0, 0);
        let mut union = std::collections::BTreeSet::new();
        for (k, output) in outputs.iter().enumerate() {
            if output.status.success() {
                let counts = json_of(output);
                imported += counts["imported"].as_i64().expect("imported");
                let n = |key: &str| counts[key].as_i64().unwrap_or_else(|| panic!("{key} in {counts}"));
                touched += n("imported") + n("updated") + n("skipped");
                assert_eq!(n("errors"), 0, "round {round}: {counts}");
                succeeded += 1;
                union.extend(k * ROWS / 2..k * ROWS / 2 + ROWS);
            } else {
                assert!(!wait, "round {round}: with --wait every import finishes: {}", stderr_of(output));
                let error = stderr_of(output);
                assert!(
                    error.contains("is running in workspace default since") && error.contains("--wait"),
                    "round {round}: refused naming the running import: {error}"
                );
            }
        }
        assert!(succeeded >= 1, "round {round}: one import ran");
        let (stored, distinct_stored) = stored_and_distinct(&ws);
        assert_eq!(stored, distinct_stored, "round {round}: nobody stored twice");
        assert_eq!(stored, union.len() as i64, "round {round}: everyone of the imports that ran, once");
        assert_eq!(imported, stored, "round {round}: each person created by one import");
        if wait {
            assert_eq!(stored, distinct, "round {round}");
            // The later imports find the earlier ones' people unchanged: Skipped, not Errors.
            assert_eq!(
                touched,
                (processes * ROWS) as i64,
                "round {round}: every row imported, updated or unchanged"
            );
        }
    }
}

#[test]
fn two_imports_at_once_never_duplicate_anyone_and_the_later_one_names_the_first() {
    concurrent_rounds(2, false);
}

#[test]
fn four_imports_at_once_never_duplicate_anyone() {
    concurrent_rounds(4, false);
}

#[test]
fn imports_that_wait_their_turn_all_finish_and_their_counts_add_up() {
    concurrent_rounds(2, true);
    concurrent_rounds(4, true);
}

/// The state `imports list --json` gives import `id` of `workspace`.
fn state_of(ws: &Workspace, workspace: &str, id: usize) -> String {
    let listed = ws.run(&["--workspace", workspace, "imports", "list", "--json"]);
    let Ok(listed) = serde_json::from_slice::<Value>(&listed.stdout) else { return String::new() };
    let found = listed.as_array().and_then(|all| {
        all.iter().find(|r| r["id"].as_str().and_then(|s| s.parse().ok()) == Some(id)).cloned()
    });
    found.map(|r| r["state"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
}

/// Starts a long import of `rows` people into `workspace` and returns once it holds the
/// workspace's lease and has committed a batch; `None` when it ended before it was seen so
/// (a loaded machine did not run the poll for as long as the import took).
fn start_long_import(ws: &Workspace, workspace: &str, rows: usize) -> Option<Child> {
    let file = ws.file(&format!("{workspace}.csv"), &big_file(rows));
    let mut command =
        ws.command(&["--workspace", workspace, "import", path_str(&file), "--batch-size", "2000"]);
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start import");
    let started = Instant::now();
    while checkpoint_rows(ws, 1) == 0 || state_of(ws, workspace, 1) != "running" {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint within a minute");
        if child.try_wait().expect("poll").is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Some(child)
}

#[test]
fn imports_into_two_workspaces_run_side_by_side() {
    let ws = Workspace::new();
    // Make both workspaces (and the store) exist before the long import starts.
    ws.ok(&["--workspace", "one", "keys", "create"]);
    ws.ok(&["--workspace", "two", "keys", "create"]);
    let mut long = start_long_import(&ws, "one", 400_000).expect("400,000 rows take longer than a poll");
    let small = ws.file("small.csv", &people(0, 500));
    let other = ws.ok(&["--workspace", "two", "import", path_str(&small), "--json"]);
    assert!(
        long.try_wait().expect("poll").is_none(),
        "workspace two's import finished while workspace one's was still running"
    );
    let other: Value = serde_json::from_str(other.trim()).expect("json");
    assert_eq!(other["imported"], 500);
    let status = long.wait().expect("wait");
    assert!(status.success());
    assert_eq!(state_of(&ws, "one", 1), "completed");
}

#[test]
fn a_running_import_is_neither_resumed_nor_undone_and_a_killed_one_is_taken_over() {
    let reference = Workspace::new();
    let file = reference.file("default.csv", &big_file(150_000));
    let (expected, _) = reference.import(&file, &["--batch-size", "2000"]);

    // The refusals count only if the import was still running when it was killed after them.
    let (ws, refusals) = (0..common::KILL_TRIALS)
        .find_map(|_| {
            let ws = Workspace::new();
            let mut running = start_long_import(&ws, "default", 150_000)?;
            let refusals = [["imports", "resume", "1"], ["imports", "undo", "1"]].map(|c| ws.fails(&c));
            common::killed_before_the_end(&ws, &mut running, 1).then_some((ws, refusals))
        })
        .expect("the import finished before it could be killed in every trial");
    for refused in refusals {
        assert!(
            refused.contains("import 1 is running in workspace default since") && refused.contains("pid"),
            "{refused}"
        );
    }
    assert_eq!(state_of(&ws, "default", 1), "interrupted");

    // Two resumes at once: one finishes the import, the other is refused.
    let resumes: Vec<Child> =
        (0..2).map(|_| spawn(&mut ws.command(&["imports", "resume", "1", "--json"]))).collect();
    let outputs: Vec<Output> = resumes.into_iter().map(|c| c.wait_with_output().expect("wait")).collect();
    let finished: Vec<&Output> = outputs.iter().filter(|o| o.status.success()).collect();
    assert_eq!(
        finished.len(),
        1,
        "exactly one resume runs: {:?}",
        outputs.iter().map(stderr_of).collect::<Vec<_>>()
    );
    let refused = outputs.iter().find(|o| !o.status.success()).map(stderr_of).unwrap_or_default();
    assert!(
        refused.contains("is running in workspace default") || refused.contains("is completed"),
        "the other resume is refused: {refused}"
    );
    let counts = json_of(finished[0]);
    assert_eq!(counts["rows"], expected.rows);
    assert_eq!(counts["imported"], expected.imported);
    assert_eq!(counts["errors"], expected.errors);
    assert_eq!(state_of(&ws, "default", 1), "completed");
    let (stored, distinct) = stored_and_distinct(&ws);
    assert_eq!(stored as u64, expected.imported);
    assert_eq!(distinct, stored);
}

#[test]
fn eight_processes_opening_a_new_store_at_once_all_succeed() {
    for _ in 0..5 {
        let ws = Workspace::new();
        let opening: Vec<Child> = (0..8)
            .map(|k| {
                let args: &[&str] = match k % 2 {
                    0 => &["fields", "list"],
                    _ => &["imports", "list", "--json"],
                };
                spawn(&mut ws.command(args))
            })
            .collect();
        for child in opening {
            let output = child.wait_with_output().expect("wait");
            assert!(output.status.success(), "{}", stderr_of(&output));
            assert!(output.stderr.is_empty(), "{}", stderr_of(&output));
        }
    }
}
