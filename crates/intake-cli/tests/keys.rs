//! `intake keys`: a key is printed once, alone on the last line; listings never show it;
//! revoking is final; both are in the workspace's audit log.

mod common;

use common::Workspace;

#[test]
fn a_key_is_shown_once_listed_without_its_secret_and_revoked_for_good() {
    let ws = Workspace::new();
    let created = ws.ok(&["--workspace", "acme", "keys", "create", "--role", "admin", "--label", "ci"]);
    let secret = created.lines().last().expect("a last line").to_string();
    assert!(secret.starts_with("ik_") && secret.len() >= 3 + 32, "{created}");
    assert!(!secret.contains(' '), "the key is alone on its line: {secret:?}");

    let listed = ws.ok(&["--workspace", "acme", "keys", "list", "--json"]);
    assert!(!listed.contains(&secret[3..]), "a listing shows the secret: {listed}");
    let listed: serde_json::Value = serde_json::from_str(listed.trim()).expect("json");
    assert_eq!(listed[0]["role"], "admin");
    assert_eq!(listed[0]["label"], "ci");
    assert!(listed[0]["revoked_at"].is_null());

    // Another workspace neither sees nor revokes it.
    assert_eq!(ws.ok(&["--workspace", "default", "keys", "list", "--json"]).trim(), "[]");
    let refused = ws.fails(&["--workspace", "default", "keys", "revoke", "1"]);
    assert!(refused.contains("has no live key 1"), "{refused}");

    ws.ok(&["--workspace", "acme", "keys", "revoke", "1"]);
    let listed: serde_json::Value =
        serde_json::from_str(ws.ok(&["--workspace", "acme", "keys", "list", "--json"]).trim()).expect("json");
    assert!(listed[0]["revoked_at"].is_i64());
    assert!(ws.fails(&["--workspace", "acme", "keys", "revoke", "1"]).contains("no live key 1"));
    let refused = ws.fails(&["keys", "create", "--role", "owner"]);
    assert!(refused.contains("use admin or member"), "{refused}");

    let db = rusqlite::Connection::open(ws.db()).expect("open");
    let actions: Vec<String> = db
        .prepare("SELECT action || ' ' || target FROM audit_log ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("audit log");
    assert_eq!(actions, ["key.create key:1", "key.revoke key:1"]);
    let hashes: Vec<String> = db
        .prepare("SELECT secret_hash FROM api_keys")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("keys");
    assert!(hashes.iter().all(|h| !h.contains(&secret[3..])), "the secret is stored");
}

#[test]
fn a_mistyped_workspace_is_refused_and_only_keys_create_makes_one() {
    let ws = Workspace::new();
    let file = ws.file("people.csv", "First Name,Email\nAnna,anna@example.com\n");
    ws.ok(&["import", common::path_str(&file)]);
    ws.ok(&["--workspace", "acme", "keys", "create"]);
    for args in [
        vec!["--workspace", "acmee", "import", common::path_str(&file)],
        vec!["--workspace", "acmee", "imports", "list"],
        vec!["--workspace", "acmee", "keys", "list"],
    ] {
        let refused = ws.fails(&args);
        assert!(
            refused.contains("no workspace \"acmee\" (it has acme, default)")
                && refused.contains("intake keys create --workspace acmee"),
            "{args:?}: {refused}"
        );
    }
    let db = rusqlite::Connection::open(ws.db()).expect("open");
    let workspaces: i64 = db.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0)).expect("count");
    assert_eq!(workspaces, 2, "a refused command made a workspace");
    assert!(ws.ok(&["--workspace", "acme", "imports", "list"]).contains("file"));
}
