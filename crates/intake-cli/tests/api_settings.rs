//! The settings of `intake serve`: a flag wins over its `INTAKE_…` variable, which wins over
//! `intake.toml`, which wins over the default; a settings file with an unknown key or a bad
//! value, or a named one that is missing, stops the service before it starts, with a message
//! naming the file, the key and the value. Each setting is checked by what a client notices.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Workspace;
use common::server::Server;
use serde_json::json;

/// `intake serve` with no flag but `--bind`, run in the workspace's folder (where it looks for
/// `intake.toml`), with no `INTAKE_…` variable of the test's environment.
fn serve_in(ws: &Workspace, flags: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
    command.current_dir(ws.dir.path()).args(["serve", "--bind", "127.0.0.1:0"]).args(flags);
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("INTAKE_")) {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).stderr(Stdio::null());
    command
}

/// Runs `command`, which must fail within 20 s (a service that starts anyway is stopped),
/// and returns its standard error.
fn refused(mut command: Command) -> String {
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start intake");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("intake serve started with settings it should refuse");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("read");
    assert!(!status.success(), "{stderr}");
    stderr
}

/// A `POST /v1/keys` body of about `bytes` bytes.
fn key_body(bytes: usize) -> serde_json::Value {
    json!({ "label": "x".repeat(bytes) })
}

#[test]
fn a_flag_wins_over_its_variable_which_wins_over_the_file_which_wins_over_the_default() {
    let ws = Workspace::new();
    ws.file(
        "intake.toml",
        "# the service's settings\n\
         db = \"from-file.db\"\n\
         data = \"from-file-data\"\n\
         max_upload_mb = 3\n\
         max_json_body_kb = 1\n\
         rate_limit_per_minute = 4\n\
         review_window = \"30m\"\n",
    );
    let env = [("INTAKE_MAX_UPLOAD_MB", "2"), ("INTAKE_MAX_JSON_BODY_KB", "2")];
    let server = Server::launch(serve_in(&ws, &["--max-upload-mb", "1"], &env));
    let key = server.first_key.clone();
    assert!(ws.path("from-file.db").is_file(), "the file's db is not the store");

    // The flag (1 MB) over the variable (2) over the file (3).
    let (status, refused) = server.upload(&key, "big.csv", &vec![b'a'; 1_500_000]);
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["error"]["details"]["setting"], "max_upload_mb");
    assert_eq!(refused["error"]["details"]["limit"], 1);
    // The file's data folder.
    let (status, uploaded) = server.upload(&key, "people.csv", b"First Name,Email\nAnna,anna@example.com\n");
    assert_eq!(status, 201, "{uploaded}");
    assert!(ws.path("from-file-data/ws-1/uploads").is_dir(), "uploads are not under the file's data folder");

    // The variable (2 KB) over the file (1 KB): a 1.5 KB body passes, a 3 KB one does not.
    assert_eq!(server.post("/v1/keys", &key, &key_body(1500)).0, 201);
    let (status, too_big) = server.post("/v1/keys", &key, &key_body(3000));
    assert_eq!(status, 413, "{too_big}");
    assert_eq!(too_big["error"]["details"], json!({ "limit": 2, "setting": "max_json_body_kb" }));

    // The file over the default (600): three requests counted (the two uploads and the key;
    // a body refused for its size is refused before the key is checked), so the fourth passes
    // and the fifth is refused.
    assert_eq!(server.get("/v1/fields", &key).0, 200);
    let (status, limited) = server.get("/v1/fields", &key);
    assert_eq!(status, 429, "{limited}");
    assert_eq!(limited["error"]["details"]["limit"], 4);
}

#[test]
fn a_named_settings_file_is_read_and_must_exist() {
    let ws = Workspace::new();
    ws.file("intake.toml", "rate_limit_per_minute = 1000\n");
    ws.file("other.toml", "rate_limit_per_minute = 1\n");
    let server = Server::launch(serve_in(&ws, &["--config", "other.toml"], &[]));
    assert_eq!(server.get("/v1/fields", &server.first_key).0, 200);
    assert_eq!(server.get("/v1/fields", &server.first_key).0, 429, "other.toml was not read");
    drop(server);

    let error = refused(serve_in(&ws, &["--config", "missing.toml"], &[]));
    assert!(error.contains("missing.toml"), "{error}");
    let error = refused(serve_in(&ws, &[], &[("INTAKE_CONFIG", "gone.toml")]));
    assert!(error.contains("gone.toml"), "{error}");
}

#[test]
fn an_unknown_key_or_a_bad_value_in_the_file_is_refused_naming_the_file_the_key_and_the_value() {
    let ws = Workspace::new();
    for (text, key, value) in [
        ("bind = \"127.0.0.1:0\"\nmax_upload_mb = \"lots\"\n", "max_upload_mb", "lots"),
        ("bnid = \"127.0.0.1:0\"\n", "bnid", "127.0.0.1:0"),
        ("review_window = \"3 weeks\"\n", "review_window", "3 weeks"),
        ("retention = -5\n", "retention", "-5"),
        ("bind = \"localhost\"\n", "bind", "localhost"),
        ("max_running_jobs = 0\n", "max_running_jobs", "0"),
    ] {
        ws.file("settings.toml", text);
        let error = refused(serve_in(&ws, &["--config", "settings.toml"], &[]));
        for part in ["settings.toml", key, value] {
            assert!(error.contains(part), "{text:?}: the message does not name {part:?}: {error}");
        }
    }
    assert!(!ws.path("intake.db").exists(), "a refused start made a store");
}

#[test]
fn a_bad_variable_is_refused_naming_its_value() {
    let ws = Workspace::new();
    let error = refused(serve_in(&ws, &[], &[("INTAKE_RETENTION", "7x")]));
    assert!(error.contains("7x") && error.contains("INTAKE_RETENTION"), "{error}");
    let error = refused(serve_in(&ws, &[], &[("INTAKE_RATE_LIMIT_PER_MINUTE", "many")]));
    assert!(error.contains("many") && error.contains("rate-limit-per-minute"), "{error}");
}
