//! The service's limits and the shape of its errors: requests per key per minute (429 naming
//! the limit and its setting, with `Retry-After`), the JSON body limit, and every error as
//! `{"error": {"code", "message", "details"}}` — those axum answers by itself too (a route or
//! method that does not exist, a body or query that cannot be read) — all of them in the
//! OpenAPI document; and the one rule that keeps a workspace from locking itself out: a key
//! cannot revoke itself.

mod common;

use common::Workspace;
use common::server::Server;
use serde_json::{Value, json};

/// The key on the last line of `intake keys create`.
fn new_key(ws: &Workspace) -> String {
    let created = ws.ok(&["keys", "create", "--role", "admin"]);
    created.lines().last().expect("a key").to_string()
}

#[test]
fn a_key_over_its_requests_per_minute_gets_429_naming_the_limit_and_other_keys_do_not() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--rate-limit-per-minute", "5"]);
    let key = server.first_key.clone();
    let other = new_key(&ws);
    // Requests without a valid key count against no key.
    for _ in 0..8 {
        assert_eq!(server.get("/v1/fields", "ik_0000000000000000000000000000000000000000").0, 401);
    }
    for n in 1..=5 {
        assert_eq!(server.get("/v1/fields", &key).0, 200, "request {n} of 5 was refused");
    }
    let (status, retry_after, body) = server.get_with_header("/v1/fields", &key, "retry-after");
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["details"], json!({ "limit": 5, "setting": "rate_limit_per_minute" }));
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains('5') && message.contains("rate_limit_per_minute"), "{message}");
    // One request per 12 s comes back: the wait is a whole number of seconds up to that.
    let seconds: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=12).contains(&seconds), "Retry-After {seconds}");
    // Every route counts, and another key has its own count.
    assert_eq!(server.get("/v1/imports", &key).0, 429);
    for _ in 0..5 {
        assert_eq!(server.get("/v1/imports", &other).0, 200);
    }
}

#[test]
fn a_rate_limit_of_zero_is_no_limit() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--rate-limit-per-minute", "0"]);
    for _ in 0..700 {
        assert_eq!(server.get("/v1/fields", &server.first_key).0, 200);
    }
}

/// The error of an answer, which must be the API's JSON shape.
fn error_of(status: u16, content_type: &str, body: &Value) -> (u16, String) {
    assert!(content_type.starts_with("application/json"), "{status}: {content_type:?} {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{status}: no message: {body}");
    (status, body["error"]["code"].as_str().unwrap_or_default().to_string())
}

/// A request (method, path, content type, body) and the status and code it must get.
type Case = (&'static str, &'static str, &'static str, &'static [u8], u16, &'static str);

#[test]
fn every_error_is_json_with_a_stable_code_even_where_no_handler_answers() {
    let ws = Workspace::new();
    let server = Server::start_with(&ws, &["--max-json-body-kb", "1"]);
    let key = server.first_key.clone();
    let json = "application/json";
    let cases: [Case; 7] = [
        ("GET", "/v1/no-such-thing", json, b"", 404, "not_found"),
        ("GET", "/nothing/here", json, b"", 404, "not_found"),
        ("PUT", "/v1/fields", json, b"{}", 405, "method_not_allowed"),
        ("POST", "/v1/fields", json, b"{\"name\": ", 400, "bad_request"),
        ("POST", "/v1/fields", "text/plain", b"name=plan", 415, "unsupported_media_type"),
        ("POST", "/v1/fields", json, b"{\"name\": 5, \"type\": \"text\"}", 422, "invalid"),
        ("GET", "/v1/imports?limit=many", json, b"", 400, "bad_request"),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let (got, kind, answer) = server.send(method, path, &key, content_type, body);
        assert_eq!(error_of(got, &kind, &answer), (status, code.to_string()), "{method} {path}");
    }
    let (status, kind, answer) = server.send("PUT", "/v1/fields", &key, json, b"{}");
    assert_eq!(error_of(status, &kind, &answer).0, 405);

    let big = json!({ "name": "plan", "type": "text", "label": "x".repeat(2000) }).to_string();
    let (status, kind, answer) = server.send("POST", "/v1/fields", &key, json, big.as_bytes());
    assert_eq!(error_of(status, &kind, &answer), (413, "too_large".to_string()));
    assert_eq!(answer["error"]["details"], json!({ "limit": 1, "setting": "max_json_body_kb" }));
    assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains("1 KB")), "{answer}");
}

#[test]
fn the_openapi_document_lists_the_answers_every_operation_can_give() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let (status, doc) = server.get("/openapi.json", "");
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("operations") {
            let responses = operation["responses"].as_object().expect("responses");
            for status in ["400", "401", "429", "500"] {
                let error = &responses.get(status).unwrap_or_else(|| panic!("{method} {path}: no {status}"));
                let schema = &error["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
            }
            assert!(responses["429"]["headers"]["Retry-After"].is_object(), "{method} {path}");
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: no 404");
            }
            if operation.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: no {status}");
                }
            }
            operations += 1;
        }
    }
    assert!(operations >= 14, "{operations} operations");
}

#[test]
fn a_key_cannot_revoke_itself_so_an_admin_key_always_remains() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let first = server.first_key.clone();
    let (status, refused) = server.delete("/v1/keys/1", &first);
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "own_key");
    assert_eq!(server.get("/v1/fields", &first).0, 200, "the key still works");
    // Another admin key may revoke it.
    let other = new_key(&ws);
    assert_eq!(server.delete("/v1/keys/1", &other).0, 204);
    assert_eq!(server.get("/v1/fields", &first).0, 401);
}
