//! Importing through the HTTP API: upload (raw or multipart, stored under the server's own
//! name), what was found per column, settings checked with the CLI's rules, start, progress,
//! and the results and error files: byte for byte the CLI's for the same file.

mod common;

use common::server::Server;
use common::{Workspace, path_str};
use serde_json::{Value, json};

/// A German Excel export: Windows-1252, semicolons, a bad date, a repeated e-mail.
fn kontakte() -> Vec<u8> {
    let text = "Vorname;Nachname;E-Mail;Handy;Geburtstag;Firma\r\n\
                Jürgen;Weiß;juergen@example.de;0171 2345678;03.04.1975;Bäckerei Weiß\r\n\
                Änne;Groß;aenne@example.de;0160 9876543;31.02.1990;\r\n\
                Ömer;Öztürk;oemer@example.de;n/a;;Müller & Söhne\r\n\
                Anna;Schmidt;aenne@example.de;0151 23456789;01.01.1980;\r\n\
                ;Ohne;ohne@example.de;;;\r\n";
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

#[test]
fn an_import_through_the_api_writes_the_clis_results_and_error_files_byte_for_byte() {
    let bytes = kontakte();
    // The CLI, into a store of its own.
    let cli = Workspace::new();
    let file = cli.path("kontakte.csv");
    std::fs::write(&file, &bytes).expect("write");
    let (results, errors) = (cli.path("results.csv"), cli.path("errors.csv"));
    let printed = cli.ok(&[
        "import",
        path_str(&file),
        "--default-region",
        "DE",
        "--tag",
        "messe",
        "--json",
        "--results",
        path_str(&results),
        "--errors",
        path_str(&errors),
    ]);
    let by_cli: Value = serde_json::from_str(printed.trim()).expect("json");

    // The API, into another.
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (status, uploaded) = server.upload(&key, "kontakte.csv", &bytes);
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["state"], "uploaded");
    let id = uploaded["id"].as_str().expect("an id").to_string();
    assert!(uploaded["read_as"].as_str().is_some_and(|r| r.contains("';'")), "{uploaded}");
    let columns = uploaded["columns"].as_array().expect("columns");
    let field_of = |header: &str| columns.iter().find(|c| c["header"] == header).map(|c| c["field"].clone());
    assert_eq!(field_of("Vorname"), Some(json!("first_name")));
    assert_eq!(field_of("E-Mail"), Some(json!("email")));
    assert_eq!(field_of("Handy"), Some(json!("phone")));
    let samples = columns[0]["samples"].as_array().expect("samples");
    assert_eq!(samples[0], "Jürgen", "the file's encoding is read: {samples:?}");

    let (status, settings) = server.patch(
        &format!("/v1/imports/{id}"),
        &key,
        &json!({ "default_region": "DE", "tags": ["messe"] }),
    );
    assert_eq!(status, 200, "{settings}");
    let (status, started) = server.post(&format!("/v1/imports/{id}/start"), &key, &json!({}));
    assert_eq!(status, 202, "{started}");
    let done = server.finished(&key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    for count in ["rows", "imported", "updated", "skipped", "errors"] {
        assert_eq!(done["counts"][count], by_cli[count], "{count}: API {done}, CLI {by_cli}");
    }
    // Jürgen and Ömer; Änne (no 31 February) and Anna share an address; Ohne has no first name.
    assert_eq!(
        (done["counts"]["imported"].clone(), done["counts"]["errors"].clone()),
        (json!(2), json!(3)),
        "{done}"
    );

    let (status, api_results) = server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &key);
    assert_eq!(status, 200);
    assert_eq!(api_results, std::fs::read(&results).expect("CLI results"), "results files differ");
    let (status, api_errors) = server.get_bytes(&format!("/v1/imports/{id}/errors.csv"), &key);
    assert_eq!(status, 200);
    assert_eq!(api_errors, std::fs::read(&errors).expect("CLI errors"), "error files differ");

    // Settings are fixed once it started; the audit log has the upload and the start.
    let (status, refused) = server.patch(&format!("/v1/imports/{id}"), &key, &json!({ "tags": ["later"] }));
    assert_eq!((status, refused["error"]["code"].clone()), (409, json!("started")), "{refused}");
    let (_, log) = server.get("/v1/audit", &key);
    let actions: Vec<&str> =
        log.as_array().expect("lines").iter().filter_map(|l| l["action"].as_str()).collect();
    assert_eq!(actions[..2], ["import.start", "import.upload"]);
    assert_eq!(log[0]["detail"]["default_region"], "DE");
}

#[test]
fn settings_are_checked_with_the_clis_rules_before_anything_runs() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (_, uploaded) =
        server.upload(&key, "people.csv", b"First Name,Email,Mail 2\nAnna,anna@example.com,a@example.org\n");
    let path = format!("/v1/imports/{}", uploaded["id"].as_str().expect("id"));
    for (change, says) in [
        (json!({ "purpose": "sometimes" }), "unknown purpose \"sometimes\""),
        (json!({ "identifier": "phone" }), "phone"),
        (json!({ "mapping": { "Email": "email", "Mail 2": "email" } }), "mapped twice"),
        (json!({ "mapping": { "Nope": "email" } }), "no column \"Nope\""),
        (json!({ "date_format": "%Q" }), "--date-format"),
        (json!({ "delimiter": "ab" }), "--delimiter"),
    ] {
        let (status, body) = server.patch(&path, &key, &change);
        assert_eq!(status, 422, "{change}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{change}: {message}");
    }
    let (status, body) = server.patch(&path, &key, &json!({ "unknown_setting": true }));
    assert_eq!(status, 422, "an unknown setting is refused: {body}");
    // A refused change changed nothing: the import still starts with the defaults.
    let (status, _) = server.post(&format!("{path}/start"), &key, &json!({}));
    assert_eq!(status, 202);
    assert_eq!(server.finished(&key, uploaded["id"].as_str().expect("id"))["counts"]["imported"], 1);
}

#[test]
fn an_upload_is_stored_under_the_servers_name_and_within_its_limit() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--max-upload-mb", "1"]);
    let key = server.first_key.clone();
    let (status, uploaded) =
        server.upload(&key, "..%2F..%2Fevil.csv", b"First Name,Email\nAnna,anna@example.com\n");
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["file_name"], "../../evil.csv", "the client's name is shown as given");
    assert!(
        !ws.path("evil.csv").exists() && !ws.dir.path().parent().expect("parent").join("evil.csv").exists()
    );
    let uploads = ws.path("intake-data/ws-1/uploads");
    let names: Vec<String> = std::fs::read_dir(&uploads)
        .expect("the uploads folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("upload-") && !n.contains("evil")), "{names:?}");

    let big = vec![b'a'; 1_500_000];
    let (status, refused) = server.upload(&key, "big.csv", &big);
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["error"]["code"], "too_large");
    assert_eq!(refused["error"]["details"]["bytes"], 1_000_000);
    let count = std::fs::read_dir(&uploads).expect("uploads").count();
    assert_eq!(count, names.len(), "a refused upload left a file");

    // Multipart, with the file in the part named `file`.
    let boundary = "xYzZy";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nFirst Name,Email\nBea,bea@example.com\n\r\n--{boundary}--\r\n"
    );
    let (status, uploaded) = server.post_bytes(
        "/v1/imports",
        &key,
        &format!("multipart/form-data; boundary={boundary}"),
        body.as_bytes(),
    );
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["file_name"], "m.csv");
    assert_eq!(uploaded["columns"][1]["samples"][0], "bea@example.com");
    // A file that is no contact file is refused with the reader's reason, and not kept.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let (status, refused) = server.upload(&key, "x.bin", &noise);
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("not a text file")), "{refused}");
}

#[test]
fn another_workspaces_import_cannot_be_changed_started_or_read() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (_, uploaded) = server.upload(&key, "people.csv", b"First Name,Email\nAnna,anna@example.com\n");
    let id = uploaded["id"].as_str().expect("id").to_string();
    let created = ws.ok(&["--workspace", "other", "keys", "create"]);
    let theirs = created.lines().last().expect("key").to_string();
    assert_eq!(server.patch(&format!("/v1/imports/{id}"), &theirs, &json!({ "tags": ["x"] })).0, 404);
    assert_eq!(server.post(&format!("/v1/imports/{id}/start"), &theirs, &json!({})).0, 404);
    assert_eq!(server.get_bytes(&format!("/v1/imports/{id}/results.csv"), &theirs).0, 404);
    assert_eq!(server.get(&format!("/v1/imports/{id}"), &key).1["state"], "uploaded");
}

#[test]
fn an_import_is_undone_through_the_api_as_the_cli_undoes_it() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let people =
        b"First Name,Email,Email Subscription\nAnna,anna@example.com,unsubscribed\nBen,ben@example.com,\n";
    let (_, uploaded) = server.upload(&key, "people.csv", people);
    let id = uploaded["id"].as_str().expect("id").to_string();
    assert_eq!(server.post(&format!("/v1/imports/{id}/start"), &key, &json!({})).0, 202);
    assert_eq!(server.finished(&key, &id)["counts"]["imported"], 2);

    let (status, preview) = server.post(&format!("/v1/imports/{id}/undo?dry_run=true"), &key, &json!({}));
    assert_eq!(status, 200, "{preview}");
    assert_eq!((preview["dry_run"].clone(), preview["deleted"].clone()), (json!(true), json!(2)));
    assert_eq!(ws.contacts().len(), 2, "a dry run changes nothing");

    // Another workspace cannot undo it.
    let created = ws.ok(&["--workspace", "other", "keys", "create"]);
    let theirs = created.lines().last().expect("key").to_string();
    assert_eq!(server.post(&format!("/v1/imports/{id}/undo"), &theirs, &json!({})).0, 404);

    let (status, undone) = server.post(&format!("/v1/imports/{id}/undo"), &key, &json!({}));
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["deleted"], 2);
    assert!(ws.contacts().is_empty());
    // Anna's unsubscribe outlives her contact: a new import does not subscribe her.
    let again =
        ws.file("again.csv", "First Name,Email,Email Subscription\nAnna,anna@example.com,subscribed\n");
    ws.ok(&["import", path_str(&again)]);
    assert_eq!(ws.contact_by("email", "anna@example.com")["email_subscription"], "unsubscribed");
    assert_eq!(server.get(&format!("/v1/imports/{id}"), &key).1["state"], "undone");
    let (status, again) = server.post(&format!("/v1/imports/{id}/undo"), &key, &json!({}));
    assert_eq!(status, 422, "{again}");
    assert!(again["error"]["message"].as_str().is_some_and(|m| m.contains("already undone")), "{again}");
    let (_, log) = server.get("/v1/audit", &key);
    assert_eq!(log[0]["action"], "import.undo");
}
