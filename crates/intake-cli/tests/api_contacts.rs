//! Contacts through the HTTP API, on a real `intake serve` and a real store filled by real
//! imports: listing (newest first, paged, by tag, list and subscription), search (by name in
//! any case, by e-mail in any case, by phone as written in the file's country), one contact
//! with the imports that touched it, changes with an import's normalizers and its subscription
//! rule, deletion that keeps the unsubscribes, tags and lists with counts, and tenancy.

mod common;

use common::server::Server;
use common::{Workspace, path_str};
use serde_json::{Value, json};

/// Anna (VIP, subscribed), Ömer (unsubscribed), Jürgen (VIP and B2B), Zoe: in this order, so
/// ids 1 to 4.
const PEOPLE: &str = "First Name,Last Name,Email,Phone,Company,Tags,email_subscription\n\
                      Anna,Schmidt,anna@example.com,+49 151 23456789,Acme,vip,subscribed\n\
                      Ömer,Öztürk,oemer@example.de,0171 2345678,,,unsubscribed\n\
                      Jürgen,Weiß,juergen@example.de,,,vip|b2b,\n\
                      Zoe,Adams,zoe@example.com,,,,\n";

/// A store with `PEOPLE` imported by the CLI (import 1, tag `fair`, list `newsletter`) and a
/// service on it; returns the admin key too.
fn people() -> (Workspace, Server, String) {
    let ws = Workspace::new();
    let file = ws.file("people.csv", PEOPLE);
    ws.ok(&["import", path_str(&file), "--default-region", "DE", "--tag", "fair", "--list", "newsletter"]);
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    (ws, server, key)
}

/// The key on the last line of `intake keys create`.
fn new_key(ws: &Workspace, workspace: &str, role: &str) -> String {
    let created = ws.ok(&["--workspace", workspace, "keys", "create", "--role", role]);
    created.lines().last().expect("a key").to_string()
}

/// The first names of a listing, in its order.
fn first_names(listing: &Value) -> Vec<String> {
    let contacts = listing.as_array().unwrap_or_else(|| panic!("a list of contacts: {listing}"));
    contacts.iter().map(|c| c["fields"]["first_name"].as_str().unwrap_or_default().to_string()).collect()
}

/// `GET path` that must answer 200; its first names.
fn names_at(server: &Server, key: &str, path: &str) -> Vec<String> {
    let (status, body) = server.get(path, key);
    assert_eq!(status, 200, "{path}: {body}");
    first_names(&body)
}

/// `text` for a query string: every byte but letters, digits and `-._~@` as `%XX`.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The id of the contact called `first_name`.
fn id_of(server: &Server, key: &str, first_name: &str) -> String {
    let (_, all) = server.get("/v1/contacts?limit=500", key);
    let found = all.as_array().expect("contacts").iter().find(|c| c["fields"]["first_name"] == first_name);
    found.and_then(|c| c["id"].as_str()).unwrap_or_else(|| panic!("no {first_name} in {all}")).to_string()
}

#[test]
fn contacts_are_listed_newest_first_in_pages_with_their_fields_tags_lists_and_subscriptions() {
    let (_ws, server, key) = people();
    assert_eq!(names_at(&server, &key, "/v1/contacts"), ["Zoe", "Jürgen", "Ömer", "Anna"]);

    let (_, first) = server.get("/v1/contacts?limit=3", &key);
    assert_eq!(first_names(&first), ["Zoe", "Jürgen", "Ömer"]);
    let last = first[2]["id"].as_str().expect("an id as a string");
    assert_eq!(names_at(&server, &key, &format!("/v1/contacts?limit=3&before={last}")), ["Anna"]);
    assert_eq!(server.get("/v1/contacts?limit=0", &key).0, 422);

    let (_, all) = server.get("/v1/contacts", &key);
    let anna = &all[3];
    assert_eq!(anna["fields"]["email"], "anna@example.com");
    assert_eq!(anna["fields"]["phone"], "+4915123456789", "stored as the import normalized it");
    assert_eq!(anna["fields"]["company"], "Acme");
    assert_eq!(anna["subscriptions"], json!({ "email": "subscribed", "sms": "none", "whatsapp": "none" }));
    let tags: Vec<&str> = anna["tags"].as_array().expect("tags").iter().filter_map(Value::as_str).collect();
    assert!(tags.contains(&"fair") && tags.contains(&"vip"), "{tags:?}");
    assert!(tags.iter().any(|t| t.starts_with("import-")), "the import's own tag: {tags:?}");
    assert_eq!(anna["lists"], json!(["newsletter"]));
    assert!(all[0]["fields"].get("company").is_none(), "an empty field is left out: {}", all[0]);
}

#[test]
fn contacts_are_filtered_by_tag_list_and_subscription_together() {
    let (ws, server, key) = people();
    // A second import tags Zoe (an update) and adds a new contact, both with `late`.
    let more =
        ws.file("more.csv", "First Name,Email,Tags\nZoe,zoe@example.com,late\nYuki,yuki@example.jp,late\n");
    ws.ok(&["import", path_str(&more), "--tag", "fair"]);

    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=VIP"), ["Jürgen", "Anna"], "a tag in any case");
    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=late"), ["Yuki", "Zoe"]);
    // Given to all of import 1 at once and to Yuki, Zoe had it already.
    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=fair"), ["Yuki", "Zoe", "Jürgen", "Ömer", "Anna"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=fair&limit=2&before=4"), ["Jürgen", "Ömer"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?list=Newsletter"), ["Zoe", "Jürgen", "Ömer", "Anna"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?subscription=email:unsubscribed"), ["Ömer"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?subscription=email:none"), ["Yuki", "Zoe", "Jürgen"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=vip&subscription=email:subscribed"), ["Anna"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?list=newsletter&tag=late"), ["Zoe"]);
    assert!(names_at(&server, &key, "/v1/contacts?tag=nobody").is_empty());

    let (status, body) = server.get("/v1/contacts?subscription=fax:yes", &key);
    assert_eq!((status, body["error"]["details"]["field"].clone()), (422, json!("subscription")), "{body}");

    let (status, tags) = server.get("/v1/tags", &key);
    assert_eq!(status, 200, "{tags}");
    let count = |listing: &Value, name: &str| {
        let found = listing.as_array().expect("names").iter().find(|t| t["name"] == name).cloned();
        found.unwrap_or_else(|| panic!("no {name} in {listing}"))["contacts"].clone()
    };
    assert_eq!(
        (count(&tags, "fair"), count(&tags, "vip"), count(&tags, "b2b"), count(&tags, "late")),
        (json!(5), json!(2), json!(1), json!(2))
    );
    let (_, lists) = server.get("/v1/lists", &key);
    assert_eq!(lists, json!([{ "name": "newsletter", "contacts": 4 }]));
}

#[test]
fn a_contact_is_counted_once_in_a_tag_its_file_spelt_in_another_case() {
    let ws = Workspace::new();
    let file = ws.file(
        "leads.csv",
        "First Name,Email,Tags,Lists\nAnna,a@example.com,Leads,VIP\nBen,b@example.com,,\n",
    );
    ws.ok(&["import", path_str(&file), "--tag", "leads", "--list", "vip"]);
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (_, tags) = server.get("/v1/tags", &key);
    let leads = tags
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("leads")));
    assert_eq!(leads.map(|t| t["contacts"].clone()), Some(json!(2)), "{tags}");
    let (_, lists) = server.get("/v1/lists", &key);
    assert_eq!(lists[0]["contacts"], 2, "{lists}");
    assert_eq!(names_at(&server, &key, "/v1/contacts?tag=LEADS"), ["Ben", "Anna"]);
}

#[test]
fn a_search_finds_names_in_any_case_emails_in_any_case_and_phones_as_the_file_wrote_them() {
    let (ws, server, key) = people();
    let search = |q: &str| names_at(&server, &key, &format!("/v1/contacts?q={}", encoded(q)));
    assert_eq!(search("ANNA@EXAMPLE.COM"), ["Anna"]);
    assert_eq!(search("anna"), ["Anna"]);
    assert_eq!(search("sch"), ["Anna"], "the start of the last name");
    assert_eq!(search("öZ"), ["Ömer"], "letters beyond ASCII in any case");
    assert_eq!(search("anna schmidt"), ["Anna"]);
    assert!(search("anna weiß").is_empty(), "every word must match");
    assert!(search("nobody@example.com").is_empty());
    assert_eq!(search("+49 151 23456789"), ["Anna"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?q=0151%202345%206789&region=DE"), ["Anna"]);
    assert_eq!(names_at(&server, &key, "/v1/contacts?q=(0171)%2023-45-678&region=de"), ["Ömer"]);
    assert_eq!(
        names_at(&server, &key, "/v1/contacts?q=anna&tag=vip&subscription=email:none"),
        Vec::<String>::new()
    );

    // A national number needs a region: the request's, else the workspace's.
    let (status, body) = server.get("/v1/contacts?q=0151%202345%206789", &key);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["field"], "q");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("region")), "{body}");
    let (status, body) = server.get("/v1/contacts?q=not%40valid@", &key);
    assert_eq!(status, 422, "{body}");
    let store = rusqlite::Connection::open(ws.db()).expect("the store");
    store
        .execute("INSERT INTO settings (workspace_id, key, value) VALUES (1, 'default-region', 'DE')", [])
        .expect("a default region");
    assert_eq!(search("0151 2345 6789"), ["Anna"]);
}

#[test]
fn one_contact_shows_the_imports_that_created_and_updated_it() {
    let (ws, server, key) = people();
    let changed = ws.file("changed.csv", "Email,Company\nanna@example.com,Acme GmbH\n");
    ws.ok(&["import", path_str(&changed)]);
    // Without its own tag an update is still known from the journal.
    let again = ws.file("again.csv", "Email,Job Title\nanna@example.com,CEO\n");
    ws.ok(&["import", path_str(&again), "--no-import-tag"]);

    let anna = id_of(&server, &key, "Anna");
    let (status, one) = server.get(&format!("/v1/contacts/{anna}"), &key);
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["fields"]["company"], "Acme GmbH");
    assert_eq!(one["fields"]["job_title"], "CEO");
    let imports: Vec<(Value, Value, Value)> = one["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| (i["id"].clone(), i["file_name"].clone(), i["did"].clone()))
        .collect();
    assert_eq!(
        imports,
        [
            (json!("1"), json!("people.csv"), json!("imported")),
            (json!("2"), json!("changed.csv"), json!("updated")),
            (json!("3"), json!("again.csv"), json!("updated")),
        ]
    );
    assert_eq!(one["imports"][0]["state"], "completed");
    let zoe = id_of(&server, &key, "Zoe");
    let (_, zoe) = server.get(&format!("/v1/contacts/{zoe}"), &key);
    assert_eq!(zoe["imports"].as_array().map(Vec::len), Some(1), "{zoe}");
    assert_eq!(server.get("/v1/contacts/999", &key).0, 404);
    assert_eq!(server.get("/v1/contacts/abc", &key).0, 404);
}

#[test]
fn a_change_is_stored_normalized_and_a_bad_value_is_refused_naming_field_and_value() {
    let (_ws, server, key) = people();
    let anna = id_of(&server, &key, "Anna");
    let path = format!("/v1/contacts/{anna}");
    let change = json!({ "fields": { "phone": "0151 9876 5432", "email": "Anna.S@Example.COM", "company": null },
                         "default_region": "DE" });
    let (status, changed) = server.patch(&path, &key, &change);
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["fields"]["phone"], "+4915198765432");
    assert!(changed["fields"].get("company").is_none(), "null clears: {changed}");
    let (_, stored) = server.get(&path, &key);
    assert_eq!(stored["fields"]["phone"], "+4915198765432");
    // The new address finds her by its match key; the old one no longer does.
    assert_eq!(names_at(&server, &key, "/v1/contacts?q=anna.s@example.com"), ["Anna"]);
    assert!(names_at(&server, &key, "/v1/contacts?q=anna@example.com").is_empty());

    for (field, value) in [("birthday", "1990-02-31"), ("email", "anna@"), ("phone", "12")] {
        let (status, body) =
            server.patch(&path, &key, &json!({ "fields": { field: value, "city": "Berlin" } }));
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["error"]["code"], "invalid");
        assert_eq!(
            (body["error"]["details"]["field"].as_str(), body["error"]["details"]["value"].as_str()),
            (Some(field), Some(value))
        );
    }
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "shoe_size": "42" } }));
    assert_eq!((status, body["error"]["details"]["field"].clone()), (422, json!("shoe_size")), "{body}");
    let (_, after) = server.get(&path, &key);
    assert!(after["fields"].get("city").is_none(), "a refused change changed nothing: {after}");
    assert_eq!(after["updated_at"], stored["updated_at"]);

    // Another contact's address would make two of one person.
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "email": "ZOE@example.com" } }));
    assert_eq!((status, body["error"]["code"].clone()), (409, json!("duplicate")), "{body}");

    // The audit log names the fields, never their values.
    let (_, log) = server.get("/v1/audit", &key);
    assert_eq!(log[0]["action"], "contact.update");
    assert_eq!(log[0]["target"], format!("contact:{anna}"));
    assert_eq!(log[0]["detail"]["fields"], json!(["company", "email", "phone"]));
    assert!(!log.to_string().contains("4915198765432"), "{log}");
}

#[test]
fn a_custom_field_is_changed_with_its_own_rules_and_cleared_with_null() {
    let (_ws, server, key) = people();
    let field = json!({ "name": "plan", "type": "choice", "choices": ["free", "pro"] });
    assert_eq!(server.post("/v1/fields", &key, &field).0, 201);
    let zoe = id_of(&server, &key, "Zoe");
    let path = format!("/v1/contacts/{zoe}");
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "plan": "Pro", "city": "Oslo" } }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["fields"]["plan"].clone(), body["fields"]["city"].clone()),
        (json!("pro"), json!("Oslo"))
    );
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "plan": "gold" } }));
    assert_eq!((status, body["error"]["details"]["field"].clone()), (422, json!("plan")), "{body}");
    let (_, listed) = server.get("/v1/contacts?limit=1", &key);
    assert_eq!(listed[0]["fields"]["plan"], "pro", "{listed}");
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "plan": null } }));
    assert_eq!(status, 200, "{body}");
    assert!(body["fields"].get("plan").is_none(), "{body}");
    assert_eq!(body["fields"]["city"], "Oslo");
}

#[test]
fn an_unsubscribed_channel_is_not_resubscribed_unless_the_change_is_forced() {
    let (ws, server, key) = people();
    let oemer = id_of(&server, &key, "Ömer");
    let path = format!("/v1/contacts/{oemer}");
    for status in ["subscribed", "none", "yes"] {
        let (code, body) = server.patch(&path, &key, &json!({ "fields": { "email_subscription": status } }));
        assert_eq!((code, body["error"]["code"].clone()), (409, json!("unsubscribed")), "{status}: {body}");
        assert_eq!(body["error"]["details"]["field"], "email_subscription");
    }
    assert_eq!(server.get(&path, &key).1["subscriptions"]["email"], "unsubscribed");

    // Subscribing another channel is fine; forcing re-subscribes and is in the consent log.
    let (status, body) = server.patch(&path, &key, &json!({ "fields": { "sms_subscription": "opt-in" } }));
    assert_eq!((status, body["subscriptions"]["sms"].clone()), (200, json!("subscribed")), "{body}");
    let forced = json!({ "fields": { "email_subscription": "subscribed" }, "force_resubscribe": true });
    let (status, body) = server.patch(&path, &key, &forced);
    assert_eq!((status, body["subscriptions"]["email"].clone()), (200, json!("subscribed")), "{body}");
    let store = rusqlite::Connection::open(ws.db()).expect("the store");
    let events: Vec<(String, String, String, bool)> = store
        .prepare("SELECT channel, old_status, new_status, forced FROM subscription_events WHERE contact_id = ?1 ORDER BY id")
        .expect("the consent log")
        .query_map([oemer.parse::<i64>().expect("an id")], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("events")
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        events,
        [
            ("sms".to_string(), "none".to_string(), "subscribed".to_string(), false),
            ("email".to_string(), "unsubscribed".to_string(), "subscribed".to_string(), true),
        ]
    );
}

#[test]
fn the_old_address_of_someone_who_unsubscribed_stays_suppressed_after_a_change() {
    let (ws, server, key) = people();
    let oemer = id_of(&server, &key, "Ömer");
    let change = json!({ "fields": { "email": "oemer.new@example.de" } });
    assert_eq!(server.patch(&format!("/v1/contacts/{oemer}"), &key, &change).0, 200);
    // A file with the old address makes a new contact, who said no under it already.
    let old = ws.file("old.csv", "First Name,Email,email_subscription\nÖmer,oemer@example.de,subscribed\n");
    ws.ok(&["import", path_str(&old)]);
    let (_, found) = server.get("/v1/contacts?q=oemer@example.de", &key);
    assert_eq!(first_names(&found), ["Ömer"]);
    assert_ne!(found[0]["id"], json!(oemer));
    assert_eq!(found[0]["subscriptions"]["email"], "unsubscribed", "{found}");
}

#[test]
fn a_deleted_contact_that_unsubscribed_comes_back_from_an_import_still_unsubscribed() {
    let (ws, server, key) = people();
    let oemer = id_of(&server, &key, "Ömer");
    assert_eq!(server.delete(&format!("/v1/contacts/{oemer}"), &key).0, 204);
    assert_eq!(server.get(&format!("/v1/contacts/{oemer}"), &key).0, 404);
    assert_eq!(server.delete(&format!("/v1/contacts/{oemer}"), &key).0, 404);
    assert_eq!(names_at(&server, &key, "/v1/contacts"), ["Zoe", "Jürgen", "Anna"]);
    let (_, log) = server.get("/v1/audit", &key);
    assert_eq!(
        (log[0]["action"].clone(), log[0]["target"].clone()),
        (json!("contact.delete"), json!(format!("contact:{oemer}")))
    );

    let back = ws.file("back.csv", "First Name,Email,email_subscription\nÖmer,OEMER@example.de,subscribed\n");
    ws.ok(&["import", path_str(&back)]);
    let (_, found) = server.get("/v1/contacts?q=oemer@example.de", &key);
    assert_eq!(first_names(&found), ["Ömer"]);
    assert_eq!(found[0]["subscriptions"]["email"], "unsubscribed", "the suppression list kept it: {found}");
}

#[test]
fn a_contact_is_not_changed_or_deleted_while_an_import_runs_in_its_workspace() {
    let (ws, server, key) = people();
    let anna = id_of(&server, &key, "Anna");
    let path = format!("/v1/contacts/{anna}");
    // Import 1 runs on another machine: its lease is live there, with a fresh heartbeat.
    let store = rusqlite::Connection::open(ws.db()).expect("the store");
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("a clock").as_secs() as i64;
    store
        .execute(
            "INSERT INTO leases (workspace_id, import_id, action, owner, host, pid, acquired_at, heartbeat_at) \
             VALUES (1, 1, 'import', 'elsewhere:1', 'another-machine', 1, ?1, ?1)",
            [now],
        )
        .expect("a lease");
    let change = json!({ "fields": { "city": "Berlin" } });
    let (status, body) = server.patch(&path, &key, &change);
    assert_eq!((status, body["error"]["code"].clone()), (409, json!("busy")), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("import 1")), "{body}");
    assert_eq!(server.delete(&path, &key).0, 409);
    assert!(server.get(&path, &key).1["fields"].get("city").is_none(), "nothing changed");
    // Reading goes on; once the import ends, so do changes.
    assert_eq!(names_at(&server, &key, "/v1/contacts?q=anna"), ["Anna"]);
    store.execute("DELETE FROM leases", []).expect("the import ended");
    assert_eq!(server.patch(&path, &key, &change).0, 200);
    assert_eq!(server.delete(&path, &key).0, 204);
}

#[test]
fn an_undo_keeps_a_created_contact_someone_changed_through_the_api() {
    let (_ws, server, key) = people();
    let zoe = id_of(&server, &key, "Zoe");
    let (status, _) =
        server.patch(&format!("/v1/contacts/{zoe}"), &key, &json!({ "fields": { "city": "Oslo" } }));
    assert_eq!(status, 200);
    let (status, undone) = server.post("/v1/imports/1/undo", &key, &json!({}));
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["deleted"], 3, "{undone}");
    assert!(undone["conflicts"].to_string().contains(&format!("contact {zoe}")), "{undone}");
    assert_eq!(names_at(&server, &key, "/v1/contacts"), ["Zoe"]);
}

#[test]
fn another_workspaces_key_gets_404_for_every_contact_and_sees_none() {
    let (ws, server, key) = people();
    let theirs = new_key(&ws, "other", "admin");
    let (_, missing) = server.get("/v1/contacts/999", &theirs);
    for path in ["/v1/contacts/1", "/v1/contacts/2"] {
        let (status, body) = server.get(path, &theirs);
        assert_eq!((status, &body["error"]["code"]), (404, &missing["error"]["code"]), "{path}: {body}");
        let change = json!({ "fields": { "city": "Elsewhere" } });
        assert_eq!(server.patch(path, &theirs, &change).0, 404, "{path}");
        assert_eq!(server.delete(path, &theirs).0, 404, "{path}");
    }
    for path in ["/v1/contacts", "/v1/contacts?q=anna", "/v1/contacts?tag=fair", "/v1/tags", "/v1/lists"] {
        assert_eq!(server.get(path, &theirs), (200, json!([])), "{path}");
    }
    let (_, all) = server.get("/v1/contacts", &key);
    assert_eq!(first_names(&all), ["Zoe", "Jürgen", "Ömer", "Anna"], "nothing changed");
    assert!(all.to_string().find("Elsewhere").is_none());
}

#[test]
fn a_member_key_may_list_change_and_delete_contacts() {
    let (ws, server, _) = people();
    let member = new_key(&ws, "default", "member");
    assert_eq!(names_at(&server, &member, "/v1/contacts?tag=vip"), ["Jürgen", "Anna"]);
    let zoe = id_of(&server, &member, "Zoe");
    let path = format!("/v1/contacts/{zoe}");
    assert_eq!(server.get(&path, &member).0, 200);
    assert_eq!(server.patch(&path, &member, &json!({ "fields": { "city": "Oslo" } })).0, 200);
    assert_eq!(server.get("/v1/tags", &member).0, 200);
    assert_eq!(server.delete(&path, &member).0, 204);
    assert_eq!(server.get("/v1/contacts", "").0, 401);
}

#[test]
fn searches_and_changes_leave_no_name_address_or_number_in_the_log() {
    use std::io::{BufRead, BufReader};
    let ws = Workspace::new();
    let file = ws.file("people.csv", PEOPLE);
    ws.ok(&["import", path_str(&file), "--default-region", "DE"]);
    let log = ws.path("serve.log");
    let mut child = ws
        .command(&["serve", "--bind", "127.0.0.1:0", "--data", path_str(&ws.path("intake-data"))])
        .env("INTAKE_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("start intake serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut key = String::new();
    let base = loop {
        let line = lines.next().expect("it listens").expect("a line");
        if line.starts_with("ik_") {
            key = line;
        } else if let Some(address) = line.strip_prefix("listening on ") {
            break address.to_string();
        }
    };
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let bearer = format!("Bearer {key}");
    for query in
        ["q=anna%40example.com", "q=Schmidt", "q=0151%202345%206789&region=DE", "q=0151%202345%206789"]
    {
        let response =
            agent.get(format!("{base}/v1/contacts?{query}")).header("Authorization", &bearer).call();
        assert!(response.is_ok_and(|r| r.status().as_u16() < 500), "{query}");
    }
    let change =
        json!({ "fields": { "phone": "0151 9876 5432", "last_name": "Schmitz" }, "default_region": "DE" });
    let response =
        agent.patch(format!("{base}/v1/contacts/1")).header("Authorization", &bearer).send_json(&change);
    assert_eq!(response.expect("an answer").status().as_u16(), 200);
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("the log");
    assert!(text.contains("/v1/contacts"), "requests are logged at this level: {text}");
    for value in ["anna", "40example", "Schmidt", "Schmitz", "%202345%20", "23456789", "98765432"] {
        assert!(!text.to_lowercase().contains(&value.to_lowercase()), "{value} is in the log:\n{text}");
    }
}

#[test]
fn the_openapi_document_describes_the_contact_routes() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let (_, doc) = server.get("/openapi.json", "");
    for (path, method) in [
        ("/v1/contacts", "get"),
        ("/v1/contacts/{id}", "get"),
        ("/v1/contacts/{id}", "patch"),
        ("/v1/contacts/{id}", "delete"),
        ("/v1/tags", "get"),
        ("/v1/lists", "get"),
    ] {
        assert!(doc["paths"][path][method]["operationId"].is_string(), "{method} {path}");
    }
}

#[test]
fn intake_serve_builds_the_indexes_the_pages_read_when_it_starts_after_a_bulk_load() {
    use std::io::{BufRead, BufReader};
    let ws = Workspace::new();
    let file = ws.file("people.csv", "First Name,Last Name,Email,Tags\nAnna,Schmidt,anna@example.com,VIP\n");
    ws.ok(&["import", path_str(&file)]);
    let pages = [
        "contact_tags_by_tag",
        "contacts_by_created_import",
        "contacts_by_first_name",
        "contacts_by_last_name",
        "contacts_by_workspace",
        "contacts_phone",
        "import_changes_by_contact",
    ];
    let built = || -> Vec<String> {
        let db = rusqlite::Connection::open(ws.db()).expect("open");
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN (SELECT value FROM json_each(?1)) ORDER BY name")
            .expect("prepare");
        let names = serde_json::to_string(&pages).expect("json");
        stmt.query_map([names], |r| r.get(0)).expect("query").map(Result::unwrap).collect()
    };
    assert!(built().is_empty(), "the bulk load dropped them: {:?}", built());

    let mut command = Server::command(&ws, &[]);
    command.env("INTAKE_LOG", "intake_server=info").stderr(std::process::Stdio::piped());
    let mut server = Server::launch(command);
    let log = BufReader::new(server.stderr.take().expect("piped standard error"));
    let (tell, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in log.lines().map_while(Result::ok) {
            if line.contains("the page indexes are ready") {
                let _ = tell.send(());
            }
        }
    });
    let said = ready.recv_timeout(std::time::Duration::from_secs(60));
    assert!(said.is_ok(), "the service says when they are ready");
    assert_eq!(built(), pages, "before anyone asked for a page");
}
