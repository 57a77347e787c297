//! The service's jobs, through a real `intake serve`: a review is a dry run with the counts the
//! import then gives, its error file and first rows, and expires; imports of one workspace
//! wait in line; a cancel stops at a batch's end and can be undone; a server killed in the
//! middle of an import finishes it after a restart; the event stream follows an import to its
//! end.

mod common;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use common::server::Server;
use common::{Workspace, big_file, checkpoint_rows};
use serde_json::{Value, json};

/// A small file: two good rows, one bad e-mail, one phone written the German way.
const SMALL: &str = "First Name,Last Name,E-Mail,Mobile\n\
                     Jürgen,Muster,JUERGEN@Example.com,0151 23456789\n\
                     Anna,Beispiel,anna@example.com,+49 160 1234567\n\
                     Bert,Kaputt,bert-at-example.com,\n";

fn upload(server: &Server, key: &str, name: &str, body: &[u8]) -> String {
    let (status, uploaded) = server.upload(key, name, body);
    assert_eq!(status, 201, "{uploaded}");
    uploaded["id"].as_str().expect("an id").to_string()
}

/// Uploads `body` with the region its phones need.
fn upload_de(server: &Server, key: &str, name: &str, body: &[u8]) -> String {
    let id = upload(server, key, name, body);
    let (status, set) = server.patch(&format!("/v1/imports/{id}"), key, &json!({ "default_region": "DE" }));
    assert_eq!(status, 200, "{set}");
    id
}

fn wait_for(server: &Server, key: &str, id: &str, what: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, import) = server.get(&format!("/v1/imports/{id}"), key);
        assert_eq!(status, 200, "{import}");
        if what(&import) {
            return import;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "waited a minute: {import}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_review_counts_what_the_import_then_does_changes_nothing_and_a_change_undoes_it() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = upload(&server, &key, "kontakte.csv", SMALL.as_bytes());
    let (status, _) = server.patch(&format!("/v1/imports/{id}"), &key, &json!({ "default_region": "DE" }));
    assert_eq!(status, 200);
    let (status, _) = server.get(&format!("/v1/imports/{id}/review"), &key);
    assert_eq!(status, 404, "no review before one was asked for");

    let (status, reviewing) = server.post(&format!("/v1/imports/{id}/review"), &key, &json!({}));
    assert_eq!(status, 202, "{reviewing}");
    let reviewed = server.finished(&key, &id);
    assert_eq!(reviewed["state"], "reviewed", "{reviewed}");
    assert!(
        reviewed["review_expires_at"].as_i64().unwrap_or(0) > reviewed["started_at"].as_i64().unwrap_or(0)
    );
    let (status, review) = server.get(&format!("/v1/imports/{id}/review"), &key);
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["expired"], false);
    let counts = &review["counts"];
    assert_eq!(
        (counts["rows"].as_u64(), counts["imported"].as_u64(), counts["errors"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    let reasons = review["top_error_reasons"].to_string();
    assert!(reasons.contains("E-Mail"), "the reason names the column: {reasons}");
    let first = &review["first_rows"][0];
    assert_eq!(first["row"], 2);
    assert_eq!(first["values"]["email"], "juergen@example.com", "{first}");
    assert_eq!(first["values"]["phone"], "+4915123456789", "stored as the import stores it: {first}");
    let third = review["first_rows"][2]["errors"].to_string();
    assert!(third.contains("bert-at-example.com"), "{third}");
    let (status, errors) = server.get_bytes(&format!("/v1/imports/{id}/review/errors.csv"), &key);
    assert_eq!(status, 200);
    let errors = String::from_utf8_lossy(&errors);
    assert!(errors.contains("bert-at-example.com") && !errors.contains("anna@"), "{errors}");
    assert!(ws.contacts().is_empty(), "a review writes no contact");

    // A changed setting needs a new review.
    let (status, _) = server.patch(&format!("/v1/imports/{id}"), &key, &json!({ "tags": ["messe"] }));
    assert_eq!(status, 200);
    let (_, import) = server.get(&format!("/v1/imports/{id}"), &key);
    assert_eq!(import["state"], "uploaded", "{import}");
    let (status, _) = server.get(&format!("/v1/imports/{id}/review"), &key);
    assert_eq!(status, 404, "the old review no longer holds");

    server.post(&format!("/v1/imports/{id}/review"), &key, &json!({}));
    server.finished(&key, &id);
    let (status, started) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    assert_eq!(status, 202, "{started}");
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    for count in ["rows", "imported", "updated", "skipped", "errors"] {
        assert_eq!(done["counts"][count], counts[count], "the review said what the import did: {count}");
    }
    assert_eq!(done["started_by"], "key:1");
    assert_eq!(done["options"]["tags"], json!(["messe"]), "the history says what it ran with: {done}");
    assert_eq!(done["options"]["default_region"], "DE");
    assert!(import["options"].is_null(), "an uploaded import has run with nothing yet: {import}");
    assert_eq!(ws.contacts().len(), 2);
}

#[test]
fn a_review_expires_after_the_window_and_an_expired_import_cannot_start() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--review-window", "1"]);
    let key = server.first_key.clone();
    let id = upload(&server, &key, "kontakte.csv", SMALL.as_bytes());
    server.post(&format!("/v1/imports/{id}/review"), &key, &json!({}));
    assert_eq!(server.finished(&key, &id)["state"], "reviewed");
    let expired = wait_for(&server, &key, &id, |i| i["state"] == "expired");
    assert_eq!(expired["state"], "expired");
    let (status, refused) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "expired");
    assert!(refused["error"]["message"].as_str().unwrap_or("").contains("review it again"), "{refused}");
    let (_, review) = server.get(&format!("/v1/imports/{id}/review"), &key);
    assert_eq!(review["expired"], true);
    assert!(ws.contacts().is_empty());
}

#[test]
fn imports_of_one_workspace_wait_in_line_and_a_queued_one_can_be_cancelled() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let big = big_file(150_000);
    let first = upload_de(&server, &key, "big.csv", big.as_bytes());
    let second = upload(&server, &key, "small.csv", SMALL.as_bytes());
    let third = upload(&server, &key, "again.csv", SMALL.as_bytes());
    for id in [&first, &second, &third] {
        let (status, started) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
        assert_eq!(status, 202, "{started}");
    }
    let (_, waiting) = server.get(&format!("/v1/imports/{third}"), &key);
    assert_eq!(waiting["state"], "queued", "{waiting}");
    assert_eq!(waiting["queue_position"], 2, "two imports before it: {waiting}");
    let (status, cancelled) = server.post(&format!("/v1/imports/{third}/cancel"), &key, &json!({}));
    assert_eq!(status, 202, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled", "a queued import is cancelled at once: {cancelled}");

    let done_first = server.finished(&key, &first);
    let done_second = server.finished(&key, &second);
    assert_eq!(done_first["state"], "completed", "{done_first}");
    assert_eq!(done_second["state"], "completed", "{done_second}");
    assert!(
        done_second["started_at"].as_i64() >= done_first["finished_at"].as_i64(),
        "the second ran after the first: {done_first} {done_second}"
    );
    let (_, third_now) = server.get(&format!("/v1/imports/{third}"), &key);
    assert_eq!(third_now["state"], "cancelled");
    assert_eq!(third_now["counts"]["rows"], 0, "it never ran: {third_now}");
    let (status, _) = server.post(&format!("/v1/imports/{third}/cancel"), &key, &json!({}));
    assert_eq!(status, 409, "nothing left to cancel");
}

#[test]
fn a_running_import_cancelled_stops_at_a_batch_and_can_be_undone() {
    let rows = 300_000;
    let (ws, server, key, id, done) = (0..common::KILL_TRIALS)
        .find_map(|_| cancelled_after_a_batch(rows))
        .expect("the import finished before the cancel in every trial");
    let counts = &done["counts"];
    let done_rows = counts["rows"].as_u64().unwrap_or(0);
    assert!(done_rows > 0 && done_rows < rows as u64, "stopped part way: {done}");
    let imported = counts["imported"].as_u64().unwrap_or(0);
    assert_eq!(ws.contacts().len() as u64, imported, "what the counts say was written, and only that");
    let results = server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &key).1;
    let lines = results.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    assert_eq!(lines, done_rows + 1, "the results file ends at the batch");
    let (status, undone) = server.post(&format!("/v1/imports/{id}/undo"), &key, &json!({}));
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["deleted"].as_u64(), Some(imported));
    assert!(ws.contacts().is_empty());
}

/// A service whose import of `rows` people was cancelled after its first batch: the
/// workspace, the service, the key, the import's id and the import as it ended; `None` when
/// the import had finished before the cancel reached it (a loaded machine did not run the
/// poll for as long as the import took).
fn cancelled_after_a_batch(rows: usize) -> Option<(Workspace, Server, String, String, Value)> {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = upload_de(&server, &key, "big.csv", big_file(rows).as_bytes());
    server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    let numeric: i64 = id.parse().expect("a number");
    let started = Instant::now();
    while checkpoint_rows(&ws, numeric) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no batch within a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, asked) = server.post(&format!("/v1/imports/{id}/cancel"), &key, &json!({}));
    if status == 409 && server.finished(&key, &id)["state"] == "completed" {
        return None;
    }
    assert_eq!(status, 202, "{asked}");
    let done = server.finished(&key, &id);
    if done["state"] == "completed" {
        return None;
    }
    assert_eq!(done["state"], "cancelled", "{done}");
    Some((ws, server, key, id, done))
}

/// A store whose service was killed (`kill -9`) after the first batch of an import of `rows`
/// people, with a small import queued behind it: the workspace, the key, the two imports' ids;
/// `None` when the big import had finished before the kill.
fn killed_after_a_batch(rows: usize) -> Option<(Workspace, String, String, String)> {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = upload_de(&server, &key, "big.csv", big_file(rows).as_bytes());
    let queued_behind = upload(&server, &key, "small.csv", SMALL.as_bytes());
    server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    server.post(&format!("/v1/imports/{queued_behind}/start"), &key, &json!({}));
    let numeric: i64 = id.parse().expect("a number");
    let started = Instant::now();
    while checkpoint_rows(&ws, numeric) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no batch within a minute");
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(server); // kill -9
    let cut_short = checkpoint_rows(&ws, numeric) < rows as u64
        && common::stored_state(&ws, numeric).as_deref() != Some("completed");
    cut_short.then_some((ws, key, id, queued_behind))
}

#[test]
fn a_server_killed_in_the_middle_of_an_import_finishes_it_after_a_restart() {
    let rows = 200_000;
    let (ws, key, id, queued_behind) = (0..common::KILL_TRIALS)
        .find_map(|_| killed_after_a_batch(rows))
        .expect("the import finished before the service could be killed in every trial");

    let server = Server::start(&ws);
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["counts"]["rows"].as_u64(), Some(rows as u64), "{done}");
    let bad = rows.div_ceil(50) as u64;
    assert_eq!(done["counts"]["imported"].as_u64(), Some(rows as u64 - bad), "{done}");
    assert_eq!(ws.contacts().len(), rows - bad as usize, "no one twice, no one missing");
    let results = server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &key).1;
    let lines = results.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    assert_eq!(lines, rows + 1, "one results line per row, none twice");
    let behind = server.finished(&key, &queued_behind);
    assert_eq!(behind["state"], "completed", "the queued import ran after the restart: {behind}");
}

#[test]
fn the_event_stream_follows_an_import_to_its_end() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let id = upload(&server, &key, "big.csv", big_file(60_000).as_bytes());
    server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    let response = ureq::get(format!("{}/v1/imports/{id}/events", server.base))
        .header("Authorization", format!("Bearer {key}"))
        .call()
        .expect("the stream opens");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/event-stream")
    );
    let mut events = Vec::new();
    let mut event = String::new();
    for line in BufReader::new(response.into_body().into_reader()).lines() {
        let line = line.expect("a line");
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let import: Value = serde_json::from_str(data).expect("JSON data");
            events.push((event.clone(), import));
            if event == "end" {
                break;
            }
        }
    }
    let (last_name, last) = events.last().expect("events");
    assert_eq!(last_name, "end");
    assert_eq!(last["state"], "completed", "{last}");
    assert_eq!(last["counts"]["rows"], 60_000);
    assert!(events.iter().any(|(name, _)| name == "import"), "an event before the end");

    let (status, _) = server.get(&format!("/v1/imports/{id}/events"), "");
    assert_eq!(status, 401);
}

#[test]
fn files_are_deleted_after_the_retention_time_and_the_history_says_so() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--retention", "2"]);
    let key = server.first_key.clone();
    // A CLI import into the same store: its results file is the user's, never deleted.
    let cli_results = ws.path("cli-results.csv");
    let file = ws.file("cli.csv", "First Name,E-Mail\nCarla,carla@example.com\n");
    ws.ok(&[
        "import",
        common::path_str(&file),
        "--default-region",
        "DE",
        "--results",
        common::path_str(&cli_results),
    ]);
    let ran = upload_de(&server, &key, "kontakte.csv", SMALL.as_bytes());
    server.post(&format!("/v1/imports/{ran}/review"), &key, &json!({}));
    server.finished(&key, &ran);
    server.post(&format!("/v1/imports/{ran}/start"), &key, &json!({}));
    assert_eq!(server.finished(&key, &ran)["state"], "completed");
    let left = upload(&server, &key, "left.csv", SMALL.as_bytes());
    let (status, _) = server.get_bytes(&format!("/v1/imports/{ran}/results.csv"), &key);
    assert_eq!(status, 200, "kept within the retention time");

    let deleted = wait_for(&server, &key, &ran, |i| !i["files_deleted_at"].is_null());
    assert_eq!(deleted["state"], "completed", "the history keeps the import: {deleted}");
    assert_eq!(deleted["counts"]["imported"], 2);
    let (status, gone) = server.get(&format!("/v1/imports/{ran}/results.csv"), &key);
    assert_eq!(status, 410, "{gone}");
    assert_eq!(gone["error"]["code"], "deleted");
    assert_eq!(server.get(&format!("/v1/imports/{ran}/review/errors.csv"), &key).0, 410);
    wait_for(&server, &key, &left, |i| !i["files_deleted_at"].is_null());
    let (status, refused) = server.post(&format!("/v1/imports/{left}/start"), &key, &json!({}));
    assert_eq!(status, 410, "an upload left too long must be uploaded again: {refused}");
    let uploads: Vec<String> = walk(&ws.path("intake-data"));
    assert!(uploads.is_empty(), "every file of the service is gone: {uploads:?}");
    assert!(cli_results.exists(), "a CLI import's results file is the user's");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => files.extend(walk(&path)),
            false => files.push(path.display().to_string()),
        }
    }
    files
}

#[test]
fn an_upload_says_how_its_file_is_read_and_counts_its_rows() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    // Excel's CSV in Germany: Windows-1252 and semicolons.
    let (text, _, _) = encoding_rs::WINDOWS_1252
        .encode("Vorname;Nachname;E-Mail\nJürgen;Muster;j@example.com\nÄnne;Bär;a@example.com\n");
    let (status, csv) = server.upload(&key, "kontakte.csv", &text);
    assert_eq!(status, 201, "{csv}");
    let file = &csv["file"];
    assert_eq!(file["format"], "csv");
    assert_eq!(file["delimiter"], ";");
    assert_eq!(file["encoding"], "windows-1252", "{file}");
    assert_eq!(file["has_header"], true);
    assert_eq!(file["headers"], json!(["Vorname", "Nachname", "E-Mail"]));
    let id = csv["id"].as_str().expect("an id").to_string();
    let counted = wait_for(&server, &key, &id, |i| i["row_count"]["done"] == true);
    assert_eq!(counted["row_count"]["rows"], 2);

    let mut book = rust_xlsxwriter::Workbook::new();
    for name in ["Kunden", "Lieferanten"] {
        let sheet = book.add_worksheet();
        sheet.set_name(name).expect("a name");
        sheet.write_string(0, 0, "Email").expect("cell");
        sheet.write_string(1, 0, "kunde@example.com").expect("cell");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let (status, sheet) = server.upload(&key, "kunden.xlsx", &bytes);
    assert_eq!(status, 201, "{sheet}");
    assert_eq!(sheet["file"]["format"], "xlsx");
    assert_eq!(sheet["file"]["sheet"], "Kunden");
    assert_eq!(sheet["file"]["sheet_names"], json!(["Kunden", "Lieferanten"]));
}

#[test]
fn a_file_over_the_row_limit_cannot_be_reviewed_or_started_and_the_error_names_the_limit() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--max-rows", "2"]);
    let key = server.first_key.clone();
    let id = upload_de(&server, &key, "kontakte.csv", SMALL.as_bytes());
    wait_for(&server, &key, &id, |i| i["row_count"]["done"] == true);
    for action in ["review", "start"] {
        let (status, refused) = server.post(&format!("/v1/imports/{id}/{action}"), &key, &json!({}));
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["code"], "too_many_rows");
        assert_eq!(refused["error"]["details"]["limit"], 2);
        assert!(refused["error"]["message"].as_str().unwrap_or("").contains("max_rows"), "{refused}");
    }
    let small = upload(&server, &key, "two.csv", b"First Name,Email\nA,a@example.com\nB,b@example.com\n");
    server.post(&format!("/v1/imports/{small}/start"), &key, &json!({}));
    assert_eq!(server.finished(&key, &small)["state"], "completed", "a file at the limit imports");
}

#[test]
fn two_servers_on_one_store_share_the_queue_and_one_workspace_still_runs_one_import_at_a_time() {
    let ws = Workspace::new();
    let one = Server::start(&ws);
    let two = Server::start(&ws);
    let key = one.first_key.clone();
    let ids: Vec<String> = (0..4)
        .map(|n| {
            let rows = big_file(40_000).replace("@example.com", &format!("@batch{n}.example.com"));
            upload_de(&one, &key, &format!("batch{n}.csv"), rows.as_bytes())
        })
        .collect();
    // Started through both: each server's runner may take any of them.
    for (n, id) in ids.iter().enumerate() {
        let server = if n % 2 == 0 { &one } else { &two };
        let (status, started) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
        assert_eq!(status, 202, "{started}");
    }
    let done: Vec<Value> = ids.iter().map(|id| two.finished(&key, id)).collect();
    for import in &done {
        assert_eq!(import["state"], "completed", "{import}");
        assert_eq!(import["counts"]["imported"], 40_000 - 40_000 / 50, "{import}");
    }
    // One at a time: no import started before the one before it had finished.
    let mut spans: Vec<(i64, i64)> = done
        .iter()
        .map(|i| (i["started_at"].as_i64().unwrap_or(0), i["finished_at"].as_i64().unwrap_or(0)))
        .collect();
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "two imports of one workspace overlapped: {spans:?}");
    }
    assert_eq!(ws.contacts().len(), 4 * (40_000 - 40_000 / 50), "no one twice");
}

/// The state of import `id` as `intake imports list --json` reads it from the store.
fn state_in_store(ws: &Workspace, id: &str) -> String {
    let listed: Value = serde_json::from_str(&ws.ok(&["imports", "list", "--json"])).expect("JSON");
    let found =
        listed.as_array().and_then(|all| all.iter().find(|i| i["id"].to_string().trim_matches('"') == id));
    found.and_then(|i| i["state"].as_str()).unwrap_or("").to_string()
}

#[test]
fn a_worker_runs_what_a_killed_server_left_running_and_queued() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let ids: Vec<String> = (0..2)
        .map(|n| {
            let rows = big_file(100_000).replace("@example.com", &format!("@batch{n}.example.com"));
            upload_de(&server, &key, &format!("batch{n}.csv"), rows.as_bytes())
        })
        .collect();
    for id in &ids {
        server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    }
    drop(server); // kill -9: the first import may be running, the second is queued

    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
        .arg("--db")
        .arg(ws.db())
        .args(["worker", "--data"])
        .arg(ws.path("intake-data"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("intake worker");
    let stdout = worker.stdout.take().expect("stdout");
    let first = BufReader::new(stdout).lines().next().and_then(Result::ok).unwrap_or_default();
    assert!(first.starts_with("working on "), "{first}");
    let started = Instant::now();
    while ids.iter().any(|id| state_in_store(&ws, id) != "completed") {
        assert!(started.elapsed() < Duration::from_secs(90), "the worker did not finish them");
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(ws.contacts().len(), 2 * (100_000 - 100_000 / 50), "every row once");
}

#[test]
fn an_undo_is_a_job_that_waits_for_the_import_before_it_and_keeps_its_report() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let small = upload_de(&server, &key, "kontakte.csv", SMALL.as_bytes());
    server.post(&format!("/v1/imports/{small}/start"), &key, &json!({}));
    assert_eq!(server.finished(&key, &small)["counts"]["imported"], 2);
    let (status, _) = server.get(&format!("/v1/imports/{small}/undo"), &key);
    assert_eq!(status, 404, "never undone yet");

    let big = upload_de(&server, &key, "big.csv", big_file(150_000).as_bytes());
    server.post(&format!("/v1/imports/{big}/start"), &key, &json!({}));
    let (status, refused) = server.post(&format!("/v1/imports/{big}/undo"), &key, &json!({}));
    assert_eq!(status, 409, "an import that has not ended is not undone: {refused}");
    assert_eq!(refused["error"]["code"], "busy");

    // The small import's undo waits in line behind the big import, then answers with its report.
    let (status, undone) = server.post(&format!("/v1/imports/{small}/undo"), &key, &json!({}));
    assert_eq!(status, 200, "{undone}");
    assert_eq!((undone["state"].clone(), undone["deleted"].clone()), (json!("done"), json!(2)), "{undone}");
    let (_, big_now) = server.get(&format!("/v1/imports/{big}"), &key);
    assert_eq!(big_now["state"], "completed", "the undo ran after the import queued before it: {big_now}");
    let (status, kept) = server.get(&format!("/v1/imports/{small}/undo"), &key);
    assert_eq!(status, 200);
    assert_eq!(kept["deleted"], 2, "the report is kept: {kept}");
    assert_eq!(server.get(&format!("/v1/imports/{small}"), &key).1["state"], "undone");
    assert_eq!(ws.contacts().len(), 150_000 - 150_000 / 50, "the big import's contacts stay");
    let (_, log) = server.get("/v1/audit", &key);
    assert_eq!(log[0]["action"], "import.undo", "{log}");
    assert_eq!(log[0]["actor"], "key:1");
}

#[test]
fn imports_of_two_workspaces_run_side_by_side() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let ours = server.first_key.clone();
    let theirs = ws.ok(&["--workspace", "other", "keys", "create"]).lines().last().unwrap_or("").to_string();
    let rows = big_file(150_000);
    let mine = upload_de(&server, &ours, "big.csv", rows.as_bytes());
    let other = upload_de(&server, &theirs, "big.csv", rows.as_bytes());
    server.post(&format!("/v1/imports/{mine}/start"), &ours, &json!({}));
    server.post(&format!("/v1/imports/{other}/start"), &theirs, &json!({}));
    let started = Instant::now();
    loop {
        let a = server.get(&format!("/v1/imports/{mine}"), &ours).1;
        let b = server.get(&format!("/v1/imports/{other}"), &theirs).1;
        if a["state"] == "running" && b["state"] == "running" {
            break;
        }
        assert!(a["state"] != "completed" && b["state"] != "completed", "one ran after the other: {a} {b}");
        assert!(started.elapsed() < Duration::from_secs(60), "not both running: {a} {b}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.finished(&ours, &mine)["state"], "completed");
    assert_eq!(server.finished(&theirs, &other)["state"], "completed");
}

#[test]
fn the_import_history_is_paged_newest_first() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let ids: Vec<String> = (0..3).map(|_| upload(&server, &key, "kontakte.csv", SMALL.as_bytes())).collect();
    let page = |query: &str| -> Vec<String> {
        let (status, listed) = server.get(&format!("/v1/imports{query}"), &key);
        assert_eq!(status, 200, "{listed}");
        listed.as_array().into_iter().flatten().filter_map(|i| i["id"].as_str().map(String::from)).collect()
    };
    assert_eq!(page("?limit=2"), [ids[2].clone(), ids[1].clone()]);
    assert_eq!(page(&format!("?limit=2&before={}", ids[1])), [ids[0].clone()]);
    assert_eq!(page(""), [ids[2].clone(), ids[1].clone(), ids[0].clone()]);
}
