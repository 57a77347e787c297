//! The service's log: one line per request (method, path, status, time, the key's id) and
//! never a value of a contact. A file whose rows have distinctive names, e-mail addresses and
//! phone numbers (a bad e-mail address and a bad number among them, so that error messages
//! are written) is imported through the API at the most talkative log levels; the log is then
//! searched for every one of those values, in the forms the file has them and the forms the
//! import stores them in.

mod common;

use std::process::Stdio;

use common::Workspace;
use common::server::Server;
use serde_json::json;

/// The file: header, then rows of first name, last name, e-mail, mobile, company.
const FILE: &str = "First Name,Last Name,Email,Mobile,Company\n\
                    Zebulon,Quaxley,Zebulon.Quaxley@Example.org,0171 2345678,Quaxley Widgets\n\
                    Philippa,Throckmorton,philippa@@throckmorton.example,0160 9876543,Throckmorton Mills\n\
                    Ignatius,Wobblesworth,ignatius.wobblesworth@example.net,0152 77,Wobble Works\n";

/// Every value of the file a log must not hold, and what the import makes of them.
const SECRETS: [&str; 25] = [
    "Zebulon",
    "Quaxley",
    "Philippa",
    "Throckmorton",
    "Ignatius",
    "Wobblesworth",
    "Wobble Works",
    "zebulon.quaxley@example.org",
    "Zebulon.Quaxley@Example.org",
    "philippa@@throckmorton.example",
    "throckmorton.example",
    "ignatius.wobblesworth@example.net",
    "0171 2345678",
    "01712345678",
    "1712345678",
    "+491712345678",
    "491712345678",
    "0160 9876543",
    "01609876543",
    "+491609876543",
    "491609876543",
    "0152 77",
    "015277",
    "+4915277",
    "4915277",
];

/// Imports the file through a service logging at `level`, and returns its log and the
/// requests it answered (method, logged path, status).
fn import_logging_at(level: &str) -> (String, Vec<(&'static str, String, u16)>) {
    let ws = Workspace::new();
    let log_path = ws.path("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut command = Server::command(&ws, &[]);
    command.env("INTAKE_LOG", level).env_remove("RUST_LOG").stderr(Stdio::from(log));
    let server = Server::launch(command);
    let key = server.first_key.clone();
    let mut sent = Vec::new();

    // The file's name is a person's too: it travels in the query.
    let (status, uploaded) = server.upload(&key, "Zebulon_Quaxley.csv", FILE.as_bytes());
    assert_eq!(status, 201, "{uploaded}");
    sent.push(("POST", "/v1/imports".to_string(), 201));
    let id = uploaded["id"].as_str().expect("id").to_string();
    let path = format!("/v1/imports/{id}");
    let (status, settings) =
        server.patch(&path, &key, &json!({ "default_region": "DE", "tags": ["Quaxley"] }));
    assert_eq!(status, 200, "{settings}");
    sent.push(("PATCH", path.clone(), 200));
    let (status, started) = server.post(&format!("{path}/start"), &key, &json!({}));
    assert_eq!(status, 202, "{started}");
    sent.push(("POST", format!("{path}/start"), 202));
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["counts"]["imported"], 1, "Zebulon is imported: {done}");
    assert_eq!(done["counts"]["errors"], 2, "a bad e-mail and a bad number: {done}");
    sent.push(("GET", path.clone(), 200));
    for (file, row) in [("results.csv", "Quaxley"), ("errors.csv", "Throckmorton")] {
        let (status, bytes) = server.get_bytes(&format!("{path}/{file}"), &key);
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&bytes).contains(row), "the {file} holds the rows");
        sent.push(("GET", format!("{path}/{file}"), 200));
    }
    // Refused requests quote values back to the client, never to the log.
    let (status, _) =
        server.patch(&path, &key, &json!({ "mapping": { "Zebulon.Quaxley@Example.org": "email" } }));
    assert_eq!(status, 409);
    sent.push(("PATCH", path.clone(), 409));
    let (status, _) = server.post("/v1/fields", &key, &json!({ "name": "+491712345678", "type": "Quaxley" }));
    assert_eq!(status, 422);
    sent.push(("POST", "/v1/fields".to_string(), 422));
    let (status, _) = server.get("/v1/contacts/zebulon.quaxley@example.org", &key);
    assert_eq!(status, 404);
    drop(server);
    (std::fs::read_to_string(&log_path).expect("the log"), sent)
}

#[test]
fn the_log_has_a_line_per_request_and_no_name_email_or_phone_at_debug_and_trace() {
    for level in ["debug", "trace"] {
        let (log, sent) = import_logging_at(level);
        for (method, path, status) in &sent {
            let line = log.lines().find(|line| {
                line.contains(&format!("method={method}"))
                    && line.contains(&format!("path={path}"))
                    && line.contains(&format!("status={status}"))
            });
            let line =
                line.unwrap_or_else(|| panic!("{level}: no line for {method} {path} {status}:\n{log}"));
            assert!(line.contains("key=1"), "{level}: the key's id is not in {line:?}");
            assert!(line.contains("ms="), "{level}: no time in {line:?}");
        }
        // The polling of the import adds lines; each request has exactly one.
        let answered = log.lines().filter(|line| line.contains(" answered ")).count();
        assert!(answered > sent.len(), "{level}: {answered} request lines for more requests:\n{log}");
        let lowered = log.to_lowercase();
        for secret in SECRETS {
            assert!(!lowered.contains(&secret.to_lowercase()), "{level}: the log holds {secret:?}:\n{log}");
        }
        assert!(log.contains("query=filename"), "{level}: the query's names are logged:\n{log}");
    }
}
