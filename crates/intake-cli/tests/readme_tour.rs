//! The README's tour, run as printed: every command of its "A short tour" block, in order, in
//! one fresh directory, on files made the way the programs it names make them (Excel's German
//! CSV, a UTF-16 text export, an `.xlsx` with a `Kunden` sheet, an iPhone and an Android
//! vCard, an Outlook export). The import that the tour resumes is killed after its first
//! checkpoint, so that `imports resume` finishes it as the tour says. A tour command that
//! fails is a broken promise on the project's first page.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::Workspace;
use serde_json::Value;

/// The README's tour block, one command (continuation lines joined) per entry, split into
/// words as a shell would, comments dropped.
fn tour_commands() -> Vec<Vec<String>> {
    let readme = include_str!("../../../README.md");
    let tour = readme.split("## A short tour").nth(1).expect("the README has a tour");
    let block = tour.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    let joined = block.replace("\\\n", " ");
    joined
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}")))
        .collect()
}

/// The tour's input files, in `dir`.
fn make_inputs(dir: &Path) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for (example, name) in [
        ("contacts.csv", "contacts.csv"),
        ("iphone-contacts.vcf", "iphone.vcf"),
        ("outlook-contacts.csv", "outlook.csv"),
    ] {
        std::fs::copy(examples.join(example), dir.join(name)).expect("copy an example");
    }
    // Excel on a German Windows: Windows-1252, semicolons, German headers, dd.mm.yyyy.
    let kontakte = "Vorname;Nachname;E-Mail;Handy;Geburtstag\r\n\
                    Jürgen;Weiß;juergen.weiss@example.de;0171 2345678;03.04.1975\r\n\
                    Änne;Groß;aenne@example.de;0160 9876543;21.12.1990\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(kontakte);
    std::fs::write(dir.join("kontakte.csv"), bytes).expect("write kontakte.csv");
    // A UTF-16LE, tab-separated text export without a header row, e-mail in column 2.
    let text = "Zoë Faure\tzoe.faure@example.fr\t+33 6 12 34 56 78\r\nLi Wei\tli.wei@example.cn\t\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("export.txt"), utf16).expect("write export.txt");
    write_xlsx(&dir.join("contacts.xlsx"));
    let android = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Novak;Petra;;;\r\nFN:Petra Novak\r\n\
                   TEL;CELL;PREF:+420 601 234 567\r\nEMAIL;HOME:petra.novak@example.cz\r\nEND:VCARD\r\n";
    std::fs::write(dir.join("android.vcf"), android).expect("write android.vcf");
    std::fs::write(dir.join("leads.csv"), leads(0, 3)).expect("write leads.csv");
    std::fs::write(dir.join("customers.csv"), customers(80_000)).expect("write customers.csv");
    std::fs::write(dir.join("next-week.csv"), leads(100, 20)).expect("write next-week.csv");
    std::fs::write(dir.join("more.csv"), "First Name,Email\nAnna,anna@example.com\n")
        .expect("write more.csv");
}

/// A CRM's customer export with a `Mobile` and an `Internal notes` column, big enough that its
/// import (number 9 of the tour) can be killed after its first batch.
fn customers(rows: usize) -> String {
    let mut text = String::from("First Name,Last Name,Email,Mobile,Internal notes\n");
    for i in 0..rows {
        text.push_str(&format!(
            "Customer{i},Family{},customer{i}@example.com,0151 {:08},call back\n",
            i % 97,
            i
        ));
    }
    text
}

/// A lead list as a CRM exports it: a customer number column `Kdnr` no suggestion knows.
fn leads(first: usize, rows: usize) -> String {
    let mut text = String::from("Kdnr,First Name,Last Name,Email,Company\n");
    for i in first..first + rows {
        text.push_str(&format!("K{i:06},Lead{i},Family{},lead{i}@example.com,Firm {}\n", i % 89, i % 7));
    }
    text
}

fn write_xlsx(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Kunden").expect("sheet name");
    for (column, header) in ["First Name", "Last Name", "Email", "Customer since"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).expect("header");
    }
    sheet.write_string(1, 0, "Olga").expect("cell");
    sheet.write_string(1, 1, "Berg").expect("cell");
    sheet.write_string(1, 2, "olga.berg@example.se").expect("cell");
    sheet.write_number(1, 3, 45_000.0).expect("cell");
    book.save(path).expect("save xlsx");
}

/// `intake` with the tour's words after the program name, in `dir`, on the default store.
fn intake(dir: &Path, words: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
    command.args(&words[1..]).current_dir(dir).env_remove("INTAKE_DB");
    command
}

/// How many imports the store in `dir` has recorded.
fn recorded_imports(dir: &Path) -> usize {
    let words: Vec<String> = ["intake", "imports", "list", "--json"].map(String::from).into();
    let output = intake(dir, &words).output().expect("run intake");
    match serde_json::from_slice::<Value>(&output.stdout) {
        Ok(Value::Array(all)) => all.len(),
        _ => 0,
    }
}

/// Starts the import that will be number `id` and kills it once it has committed a batch;
/// whether the kill cut it short (false: it had ended, or recorded itself completed, first).
fn run_killed(ws: &Workspace, words: &[String], id: i64) -> bool {
    let mut child =
        intake(ws.dir.path(), words).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start");
    common::running_at_checkpoint(ws, &mut child, id, 1) && common::killed_before_the_end(ws, &mut child, id)
}

/// Kills the import that will be number `id` part-way, trying again from the store as it was
/// before when a loaded machine let the import finish first.
fn kill_part_way(ws: &Workspace, words: &[String], id: i64) {
    let dir = ws.dir.path();
    let before = store_files(dir)
        .into_iter()
        .map(|p| (std::fs::read(&p).expect("read the store"), p))
        .collect::<Vec<_>>();
    for _ in 0..common::KILL_TRIALS {
        if run_killed(ws, words, id) {
            return;
        }
        for path in store_files(dir) {
            std::fs::remove_file(path).expect("remove the store");
        }
        for (bytes, path) in &before {
            std::fs::write(path, bytes).expect("put the store back");
        }
    }
    panic!("import {id} finished before it could be killed in {} trials", common::KILL_TRIALS);
}

/// The store's files in `dir`: `intake.db` and its companions (log, journal, lease files).
fn store_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let entries = std::fs::read_dir(dir).expect("list the tour directory");
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("intake.db")))
        .collect()
}

fn described(words: &[String], output: &Output) -> String {
    format!(
        "{}\nexit: {}\nstdout: {}\nstderr: {}",
        words.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_tour_command_works_as_printed() {
    // The tour's store is `intake.db` in the working directory: the workspace's own.
    let ws = Workspace::new();
    let dir = ws.dir.path();
    make_inputs(dir);
    let commands = tour_commands();
    assert!(commands.len() >= 20, "the tour has {} commands", commands.len());
    // The import the tour resumes is the one to kill.
    let resumed =
        commands.iter().find(|w| w.len() > 3 && w[1..3] == ["imports", "resume"]).expect("a resume");
    let resumed: i64 = resumed[3].parse().expect("an import id");
    let mut killed = false;
    for words in &commands {
        assert_eq!(words[0], "intake", "a tour line that is not an intake command: {words:?}");
        let is_import = words.get(1).is_some_and(|w| w == "import");
        let dry_run = words.iter().any(|w| w == "--dry-run");
        if is_import && !dry_run && recorded_imports(dir) as i64 == resumed - 1 {
            kill_part_way(&ws, words, resumed);
            assert_eq!(state_of(dir, resumed), "interrupted");
            killed = true;
            continue;
        }
        let output = intake(dir, words).output().expect("run intake");
        assert!(output.status.success(), "a tour command failed:\n{}", described(words, &output));
        if words[1..3] == ["imports", "resume"] {
            assert!(killed, "the tour resumes an import before the test could kill it");
            assert_eq!(state_of(dir, resumed), "completed");
        }
    }
    assert!(killed, "no tour import became number {resumed}");
}

/// The state `imports list` gives import `id`.
fn state_of(dir: &Path, id: i64) -> String {
    let words: Vec<String> = ["intake", "imports", "list", "--json"].map(String::from).into();
    let listed = intake(dir, &words).output().expect("list");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("json");
    let found = listed
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"].as_str().and_then(|s| s.parse().ok()) == Some(id)))
        .cloned();
    found.and_then(|i| i["state"].as_str().map(String::from)).unwrap_or_default()
}

/// The quick start's import, as printed after `cargo run --release --`, in a fresh directory
/// holding the project's `examples/`.
#[test]
fn the_quick_start_import_works_as_printed() {
    let readme = include_str!("../../../README.md");
    let start = readme.split("## Quick start").nth(1).expect("the README has a quick start");
    let line = start.split("```sh").nth(1).and_then(|b| b.lines().nth(1)).expect("a command line");
    let words = shlex::split(line).expect("shell words");
    let program = words.iter().position(|w| w == "--").expect("cargo run … -- ARGS");
    assert_eq!(words[..program], ["cargo", "run", "--release"]);
    let ws = Workspace::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::fs::create_dir(ws.path("examples")).expect("mkdir");
    std::fs::copy(examples.join("contacts.csv"), ws.path("examples/contacts.csv")).expect("copy");
    let output = intake(ws.dir.path(), &words[program..]).output().expect("run intake");
    assert!(output.status.success(), "{}", described(&words, &output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("imported"), "{stdout}");
    assert!(
        ws.path("intake.db").exists() && ws.path("results.csv").exists() && ws.path("errors.csv").exists()
    );
}

/// The quick start's service sequence, as printed: `intake serve` (on a free port rather than
/// 8080), then every `curl` line of the block in order with the key it printed, each with the
/// answer it says it gives.
#[test]
fn the_quick_start_service_sequence_works_as_printed() {
    let readme = include_str!("../../../README.md");
    let start = readme.split("Or run the HTTP service").nth(1).expect("the README has a service quick start");
    let block = start.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    let joined = block.replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines[0].starts_with("cargo run --release -- serve"), "{}", lines[0]);
    let ws = Workspace::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::fs::create_dir(ws.path("examples")).expect("mkdir");
    std::fs::copy(examples.join("contacts.csv"), ws.path("examples/contacts.csv")).expect("copy");
    let mut server = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(ws.dir.path())
        .env_remove("INTAKE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("intake serve");
    let stdout = server.stdout.take().expect("stdout");
    let mut printed = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut key = String::new();
    let base = loop {
        let line = printed.next().expect("serve ended").expect("a line");
        if line.starts_with("ik_") {
            key = line;
        } else if let Some(address) = line.strip_prefix("listening on ") {
            break address.to_string();
        }
    };
    std::thread::spawn(move || for _ in printed {});
    let mut answers = Vec::new();
    for line in lines.iter().filter(|l| l.starts_with("curl")) {
        let line = line.replace("$KEY", &key).replace("http://127.0.0.1:8080", &base);
        let words = shlex::split(&line).expect("shell words");
        let output =
            Command::new("curl").args(&words[1..]).current_dir(ws.dir.path()).output().expect("curl");
        assert!(output.status.success(), "{}", described(&words, &output));
        answers.push(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let _ = server.kill();
    let _ = server.wait();
    let [uploaded, _, _, reviewed_events, review, started, events, results] = &answers[..] else {
        panic!("the block has seven curl lines after the upload: {answers:?}");
    };
    assert!(uploaded.contains("\"state\":\"uploaded\""), "{uploaded}");
    assert!(
        reviewed_events.contains("event: end") && reviewed_events.contains("\"state\":\"reviewed\""),
        "{reviewed_events}"
    );
    let review: Value = serde_json::from_str(review).expect("the review as JSON");
    assert!(review["counts"]["rows"].as_u64().unwrap_or(0) > 0, "{review}");
    assert!(review["first_rows"][0]["values"].is_object(), "{review}");
    assert!(
        started.contains("\"state\":\"queued\"") || started.contains("\"state\":\"running\""),
        "{started}"
    );
    assert!(events.contains("event: end") && events.contains("\"state\":\"completed\""), "{events}");
    assert!(results.starts_with("First Name") && results.contains("Import Status"), "{results}");
}
