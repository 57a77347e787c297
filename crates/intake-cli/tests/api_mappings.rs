//! Saved mappings through the service: saved as given or as an import maps its file, listed,
//! applied to the next import from the same source by its id (under the columns the request
//! maps itself), deleted; each workspace sees its own only.

mod common;

use common::Workspace;
use common::server::Server;
use serde_json::{Value, json};

/// A source whose headers say nothing: only a mapping tells what the columns are.
const EXPORT: &str =
    "Spalte A;Spalte B;Spalte C\nanna@example.com;Anna;intern\nbert@example.com;Bert;intern\n";

fn upload(server: &Server, key: &str, body: &str) -> String {
    let (status, uploaded) = server.upload(key, "export.csv", body.as_bytes());
    assert_eq!(status, 201, "{uploaded}");
    uploaded["id"].as_str().expect("an id").to_string()
}

#[test]
fn a_saved_mapping_maps_the_next_import_from_the_same_source() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (status, refused) = server.post(
        "/v1/mappings",
        &key,
        &json!({ "name": "ERP", "mapping": { "Spalte A": "email", "Spalte B": "vorname" } }),
    );
    assert_eq!(status, 422, "an unknown field: {refused}");
    assert!(refused["error"]["message"].as_str().unwrap_or("").contains("vorname"), "{refused}");
    let (status, _) = server.post("/v1/mappings", &key, &json!({ "name": "ERP" }));
    assert_eq!(status, 422, "neither a mapping nor an import");

    // Saved from an import as it would map its file now.
    let first = upload(&server, &key, EXPORT);
    let mapping = json!({ "Spalte A": "email", "Spalte B": "first_name", "Spalte C": null });
    let (status, _) = server.patch(&format!("/v1/imports/{first}"), &key, &json!({ "mapping": mapping }));
    assert_eq!(status, 200);
    let (status, saved) = server.post("/v1/mappings", &key, &json!({ "name": "ERP", "import_id": first }));
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["mapping"], mapping, "{saved}");
    let id = saved["id"].as_str().expect("an id").to_string();
    let (_, listed) = server.get("/v1/mappings", &key);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(server.get(&format!("/v1/mappings/{id}"), &key).1["name"], "ERP");

    // The next file from that source: the saved mapping, and one column mapped otherwise.
    let next = upload(&server, &key, &EXPORT.replace("anna@", "anna.neu@").replace("bert@", "bert.neu@"));
    let (status, settings) = server.patch(
        &format!("/v1/imports/{next}"),
        &key,
        &json!({ "saved_mapping": id, "mapping": { "Spalte C": "job_title" } }),
    );
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["mapping"]["Spalte A"], "email");
    assert_eq!(settings["mapping"]["Spalte C"], "job_title", "the request's own column wins: {settings}");
    server.post(&format!("/v1/imports/{next}/start"), &key, &json!({}));
    let done = server.finished(&key, &next);
    assert_eq!(
        (done["state"].clone(), done["counts"]["imported"].clone()),
        (json!("completed"), json!(2)),
        "{done}"
    );
    let anna = ws.contact_by("email", "anna.neu@example.com");
    assert_eq!(anna["first_name"], "Anna");
    assert_eq!(anna["job_title"], "intern");

    // Saving under the same name replaces it.
    let (status, replaced) =
        server.post("/v1/mappings", &key, &json!({ "name": "ERP", "mapping": { "Spalte A": "email" } }));
    assert_eq!((status, replaced["id"].clone()), (201, json!(id)), "{replaced}");
    assert_eq!(replaced["mapping"], json!({ "Spalte A": "email" }));
    let audit: Vec<String> = server
        .get("/v1/audit", &key)
        .1
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["action"].as_str().map(String::from))
        .collect();
    assert!(audit.iter().filter(|a| *a == "mapping.save").count() == 2, "{audit:?}");

    let (status, _) = server.delete(&format!("/v1/mappings/{id}"), &key);
    assert_eq!(status, 204);
    assert_eq!(server.get(&format!("/v1/mappings/{id}"), &key).0, 404);
    let later = upload(&server, &key, EXPORT);
    let (status, gone) = server.patch(&format!("/v1/imports/{later}"), &key, &json!({ "saved_mapping": id }));
    assert_eq!(status, 422, "{gone}");
}

#[test]
fn a_workspace_sees_only_its_own_saved_mappings() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let mine = server.first_key.clone();
    let theirs = ws.ok(&["--workspace", "other", "keys", "create"]).lines().last().unwrap_or("").to_string();
    let (status, saved) =
        server.post("/v1/mappings", &mine, &json!({ "name": "ERP", "mapping": { "Spalte A": "email" } }));
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_str().expect("an id").to_string();
    assert_eq!(server.get(&format!("/v1/mappings/{id}"), &theirs).0, 404);
    assert_eq!(server.delete(&format!("/v1/mappings/{id}"), &theirs).0, 404);
    assert_eq!(server.get("/v1/mappings", &theirs).1, Value::Array(vec![]));
    let import = upload(&server, &theirs, EXPORT);
    let (status, _) =
        server.patch(&format!("/v1/imports/{import}"), &theirs, &json!({ "saved_mapping": id }));
    assert_eq!(status, 422, "another workspace's mapping is no mapping");
}
