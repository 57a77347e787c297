//! The HTTP API through a real `intake serve` on a loopback port with a real store: keys,
//! tenancy (another workspace's things are 404, as missing ones), roles, errors as JSON, the
//! audit log and the OpenAPI document.

mod common;

use common::Workspace;
use common::server::Server;
use serde_json::{Value, json};

/// The key on the last line of `intake keys create`.
fn new_key(ws: &Workspace, workspace: &str, role: &str) -> String {
    let created = ws.ok(&["--workspace", workspace, "keys", "create", "--role", role]);
    created.lines().last().expect("a key").to_string()
}

#[test]
fn the_first_start_prints_one_admin_key_and_later_starts_none() {
    let ws = Workspace::new();
    let first = Server::start(&ws);
    assert!(first.first_key.starts_with("ik_"));
    let (status, fields) = first.get("/v1/fields", &first.first_key);
    assert_eq!(status, 200, "{fields}");
    assert!(fields.as_array().expect("fields").iter().any(|f| f["name"] == "email"));
    drop(first);
    let again = Server::start(&ws);
    assert_eq!(again.first_key, "", "a second start made another key");
}

/// An address another program listens on: the service says so once, in words, with the flag
/// that picks another, and exits.
#[test]
fn an_address_in_use_is_named_with_the_flag_that_picks_another() {
    let ws = Workspace::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = taken.local_addr().expect("its address").to_string();
    let error = ws.fails(&["serve", "--bind", &address]);
    assert!(error.contains(&format!("cannot listen on {address}")) && error.contains("--bind"), "{error}");
    assert_eq!(error.matches("in use").count(), 1, "the reason said once: {error}");
}

#[test]
fn a_request_without_a_valid_key_is_401_with_a_json_error() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    for key in ["", "ik_0123456789abcdef0123456789abcdef01234567", "not-a-key"] {
        let (status, body) = server.get("/v1/imports", key);
        assert_eq!(status, 401, "{key:?}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A revoked key is refused from the next request on.
    let key = new_key(&ws, "default", "member");
    assert_eq!(server.get("/v1/imports", &key).0, 200);
    ws.ok(&["keys", "revoke", "2"]);
    assert_eq!(server.get("/v1/imports", &key).0, 401);
}

#[test]
fn a_key_never_sees_another_workspace() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", "First Name,Email\nAnna,anna@example.com\n");
    ws.ok(&["--workspace", "other", "keys", "create"]);
    ws.ok(&["--workspace", "other", "import", common::path_str(&file)]);
    let server = Server::start(&ws);
    let mine = new_key(&ws, "mine", "admin");
    let theirs = new_key(&ws, "other", "admin");

    let (status, body) = server.get("/v1/imports/1", &theirs);
    assert_eq!((status, body["file_name"].clone()), (200, json!("people.csv")));
    let (status, body) = server.get("/v1/imports/1", &mine);
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    // Exactly as an id that exists nowhere.
    let (_, missing) = server.get("/v1/imports/999", &mine);
    assert_eq!(body["error"]["code"], missing["error"]["code"]);
    assert_eq!(server.get("/v1/imports", &mine).1, json!([]));
    // Keys 1 and 3 are the other workspace's, 2 is mine.
    for id in [1, 3] {
        assert_eq!(
            server.delete(&format!("/v1/keys/{id}"), &mine).0,
            404,
            "another workspace's key {id} is revoked"
        );
    }
    assert_eq!(server.get("/v1/imports/1", &theirs).0, 200);
}

#[test]
fn member_keys_cannot_manage_fields_keys_or_read_the_audit_log() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let admin = server.first_key.clone();
    let member = new_key(&ws, "default", "member");
    let field = json!({ "name": "plan", "type": "choice", "choices": ["free", "pro"] });
    for (status, body) in [
        server.post("/v1/fields", &member, &field),
        server.post("/v1/keys", &member, &json!({})),
        server.get("/v1/keys", &member),
        server.get("/v1/audit", &member),
    ] {
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    assert_eq!(server.get("/v1/fields", &member).0, 200);

    let (status, created) = server.post("/v1/fields", &admin, &field);
    assert_eq!((status, created["type"].clone()), (201, json!("choice")), "{created}");
    let (status, refused) = server.post("/v1/fields", &admin, &json!({ "name": "size", "type": "huge" }));
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["details"]["field"], "type");
    let (status, key) = server.post("/v1/keys", &admin, &json!({ "role": "member", "label": "crm" }));
    assert_eq!(status, 201, "{key}");
    let secret = key["secret"].as_str().expect("the new key's secret").to_string();
    assert_eq!(server.get("/v1/fields", &secret).0, 200);
    let (_, keys) = server.get("/v1/keys", &admin);
    assert!(!keys.to_string().contains(&secret[3..]), "a listing shows a secret: {keys}");

    let (status, log) = server.get("/v1/audit", &admin);
    assert_eq!(status, 200, "{log}");
    let actions: Vec<&str> =
        log.as_array().expect("lines").iter().filter_map(|l| l["action"].as_str()).collect();
    assert_eq!(actions, ["key.create", "field.add", "key.create", "key.create"]);
    assert_eq!(log[0]["address"], "127.0.0.1");
    assert_eq!(log[0]["actor"], "key:1");
    assert_eq!(server.get("/v1/audit?limit=1", &admin).1.as_array().map(Vec::len), Some(1));
    assert_eq!(server.get("/v1/audit?limit=0", &admin).0, 422);
}

#[test]
fn the_openapi_document_describes_every_route_with_unique_operation_ids() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let (status, doc) = server.get("/openapi.json", "");
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    for path in ["/v1/fields", "/v1/keys", "/v1/keys/{id}", "/v1/audit", "/v1/imports", "/v1/imports/{id}"] {
        assert!(paths.contains_key(path), "{path} missing: {:?}", paths.keys().collect::<Vec<_>>());
    }
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(|op: &Value| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids repeat");
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}
