//! The embeddable wizard against a real `intake serve`: embed tokens are for admin keys, name
//! an origin and live an hour at most; the page refuses a changed, expired or orphaned token;
//! an embed session reaches its own imports only, with the fields offered and the options
//! allowed. In a real chromium (tests/common/browser.rs), the wizard framed by the example host
//! page (examples/embed/, on a second port, so another origin) imports a German Excel file
//! and the host receives ready, step, progress, complete and close from intake's origin; a
//! host of another origin gets no wizard and no message, an expired token no wizard and one
//! error message.

mod common;

use common::browser::{self, Browser, StaticSite};
use common::server::Server;
use common::{Workspace, path_str};
use serde_json::{Value, json};

/// An Excel CSV as German Excel saves it: Windows-1252, semicolons; a notes cell holding a
/// script, and a row whose e-mail is broken.
const GERMAN_EXCEL: &str = "Vorname;Nachname;E-Mail;Handy;Notizen\r\n\
    Jürgen;Müller;juergen@example.com;0151 23456789;Kunde seit 2019\r\n\
    Anna;Schäfer;anna@example.com;0160 1234567;<script>alert('xss')</script>\r\n\
    Bert;Kaputt;bert-at-example.com;;\r\n";

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// A token for `origin` from `key`, with what the tests offer.
fn token(server: &Server, key: &str, origin: &str, expires_in: i64) -> String {
    let (status, created) = server.post("/v1/embed-tokens", key, &offer(origin, expires_in));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["url"], format!("/embed?token={}", created["token"].as_str().unwrap_or("")));
    created["token"].as_str().expect("a token").to_string()
}

fn offer(origin: &str, expires_in: i64) -> Value {
    json!({
        "origin": origin,
        "expires_in": expires_in,
        "fields": ["first_name", "last_name", "email", "phone", "notes"],
        "allowed_options": ["default_region", "tags"],
        "fixed_options": { "lists": ["crm-import"] },
    })
}

/// `GET path` without a key: the status, the headers asked for and the body's text.
fn get_page(server: &Server, path: &str, headers: &[&str]) -> (u16, Vec<Option<String>>, String) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent.get(format!("{}{path}", server.base)).call().expect("the service answers");
    let found = headers
        .iter()
        .map(|name| response.headers().get(*name).and_then(|v| v.to_str().ok()).map(str::to_string))
        .collect();
    let status = response.status().as_u16();
    (status, found, response.body_mut().read_to_string().expect("a body"))
}

/// The embed API with a session: the status and the JSON answer.
fn embed_call(server: &Server, method: &str, path: &str, session: &str, body: &[u8]) -> (u16, Value) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}/embed/api{path}", server.base))
        .header("X-Intake-Embed", session)
        .header("Content-Type", if body.starts_with(b"{") { "application/json" } else { "text/csv" })
        .body(body.to_vec())
        .expect("a request");
    let mut response = agent.run(request).expect("the service answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The session the page holds (in its `data-config`).
fn session_of(page: &str) -> String {
    let start = page.find("data-config=\"").expect("the page's config") + "data-config=\"".len();
    let end = start + page[start..].find('"').expect("the attribute's end");
    let config = page[start..end].replace("&quot;", "\"").replace("&amp;", "&");
    let config: Value = serde_json::from_str(&config).expect("the config is JSON");
    config["session"].as_str().expect("a session").to_string()
}

#[test]
fn embed_tokens_are_for_admin_keys_name_an_origin_and_live_an_hour_at_most() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let (status, member) = server.post("/v1/keys", &key, &json!({ "role": "member" }));
    assert_eq!(status, 201, "{member}");
    let member = member["secret"].as_str().expect("a secret");

    let (status, refused) = server.post("/v1/embed-tokens", member, &offer("https://crm.example.com", 600));
    assert_eq!(status, 403, "a member key cannot embed: {refused}");
    let cases = [
        (json!({ "origin": "https://crm.example.com", "expires_in": 3601 }), "expires_in"),
        (json!({ "origin": "https://crm.example.com", "expires_in": 0 }), "expires_in"),
        (json!({ "origin": "https://crm.example.com/import" }), "origin"),
        (json!({ "origin": "crm.example.com" }), "origin"),
        (json!({ "origin": "https://crm.example.com", "fields": ["shoe_size"] }), "shoe_size"),
        (json!({ "origin": "https://crm.example.com", "allowed_options": ["mapping"] }), "mapping"),
        (
            json!({ "origin": "https://crm.example.com", "allowed_options": ["tags"],
                    "fixed_options": { "tags": ["x"] } }),
            "both allowed and fixed",
        ),
        (json!({ "origin": "https://crm.example.com", "fixed_options": { "purpose": "merge" } }), "merge"),
    ];
    for (body, named) in cases {
        let (status, refused) = server.post("/v1/embed-tokens", &key, &body);
        assert_eq!(status, 422, "{body} is refused: {refused}");
        assert!(refused.to_string().contains(named), "the refusal of {body} names {named}: {refused}");
    }
    let (status, created) = server.post("/v1/embed-tokens", &key, &offer("https://CRM.example.com", 3600));
    assert_eq!(status, 201, "{created}");
    let lifetime = created["expires_at"].as_i64().unwrap_or(0) - intake_store::now();
    assert!((3590..=3600).contains(&lifetime), "an hour: {lifetime}");
    let (_, headers, _) =
        get_page(&server, created["url"].as_str().unwrap_or(""), &["content-security-policy"]);
    let policy = headers[0].clone().unwrap_or_default();
    assert!(
        policy.contains("frame-ancestors https://crm.example.com"),
        "framed by that origin only: {policy}"
    );
}

#[test]
fn the_page_refuses_a_changed_an_expired_or_an_orphaned_token_and_a_session_stays_in_its_lane() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let key = server.first_key.clone();
    let good = token(&server, &key, "https://crm.example.com", 600);

    let (payload, mac) = good.split_once('.').expect("payload.mac");
    let mut changed = payload.to_string();
    changed.replace_range(..1, if payload.starts_with('e') { "f" } else { "e" });
    for bad in [format!("{changed}.{mac}"), format!("{payload}.{}", &mac[1..]), "garbage".to_string()] {
        let (status, _, body) = get_page(&server, &format!("/embed?token={bad}"), &[]);
        assert_eq!(status, 401, "{body}");
    }
    let (status, _, body) = get_page(&server, "/embed", &[]);
    assert_eq!(status, 401, "no token: {body}");

    let short = token(&server, &key, "https://crm.example.com", 1);
    let started = std::time::Instant::now();
    let refusal = loop {
        let (status, _, body) = get_page(&server, &format!("/embed?token={short}"), &[]);
        if status == 401 {
            break body;
        }
        assert_eq!(status, 200, "{body}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "still open after 10 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(refusal.contains("the embed token has expired"), "a page saying why: {refusal}");

    // A token of a key revoked since: refused, and so is the session it opened.
    let (status, second) = server.post("/v1/keys", &key, &json!({ "role": "admin" }));
    assert_eq!(status, 201, "{second}");
    let orphan = token(&server, second["secret"].as_str().unwrap_or(""), "https://crm.example.com", 600);
    let (status, _, page) = get_page(&server, &format!("/embed?token={orphan}"), &[]);
    assert_eq!(status, 200, "{page}");
    let orphan_session = session_of(&page);

    // A session: its own upload only, offered fields and allowed options only.
    let (_, _, page) = get_page(&server, &format!("/embed?token={good}"), &[]);
    let session = session_of(&page);
    let (status, _) = embed_call(&server, "GET", "/imports/1", &good, b"");
    assert_eq!(status, 401, "a token is no session");
    let (status, other) = server.upload(&key, "other.csv", b"Email\nx@example.com\n");
    assert_eq!(status, 201, "{other}");
    let other = other["id"].as_str().expect("an id");
    let (status, _) = embed_call(&server, "GET", &format!("/imports/{other}"), &session, b"");
    assert_eq!(status, 404, "another import of the workspace is not the session's");
    let (status, uploaded) =
        embed_call(&server, "POST", "/imports?filename=kontakte.csv", &session, &windows_1252(GERMAN_EXCEL));
    assert_eq!(status, 201, "{uploaded}");
    let id = uploaded["id"].as_str().expect("an id");
    let (status, own) = embed_call(&server, "GET", &format!("/imports/{id}"), &session, b"");
    assert_eq!((status, own["state"].as_str()), (200, Some("uploaded")), "{own}");
    let not_offered = json!({ "mapping": { "Handy": "whatsapp" } }).to_string();
    let (status, refused) =
        embed_call(&server, "PATCH", &format!("/imports/{id}"), &session, not_offered.as_bytes());
    assert_eq!(status, 403, "{refused}");
    let fixed = json!({ "options": { "lists": ["elsewhere"] } }).to_string();
    let (status, refused) =
        embed_call(&server, "PATCH", &format!("/imports/{id}"), &session, fixed.as_bytes());
    assert_eq!(status, 403, "{refused}");
    let allowed = json!({ "options": { "default_region": "DE" } }).to_string();
    let (status, settings) =
        embed_call(&server, "PATCH", &format!("/imports/{id}"), &session, allowed.as_bytes());
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["lists"], json!(["crm-import"]), "the fixed option holds: {settings}");
    assert_eq!(settings["default_region"], "DE");

    let (status, _) = server.delete(&format!("/v1/keys/{}", second["id"].as_str().unwrap_or("")), &key);
    assert_eq!(status, 204);
    let (status, _, body) = get_page(&server, &format!("/embed?token={orphan}"), &[]);
    assert_eq!(status, 401, "the key that issued it is revoked: {body}");
    let (status, _) = embed_call(&server, "POST", "/imports?filename=a.csv", &orphan_session, b"Email\n");
    assert_eq!(status, 401, "its session ends with it");
}

#[test]
fn the_wizard_in_the_example_host_page_imports_a_german_excel_file_and_tells_that_host_only() {
    browser::run(async {
        let Some(mut browser) = Browser::start("browser_embed").await else { return };
        let ws = Workspace::new();
        let server = Server::start(&ws);
        let host_page = std::fs::read_to_string(browser::repo_root().join("examples/embed/index.html"))
            .expect("the example host page");
        let host = StaticSite::start(vec![("/".into(), host_page.clone())]);
        let token = token(&server, &server.first_key, &host.base, 600);
        let file = ws.path("kontakte.csv");
        std::fs::write(&file, windows_1252(GERMAN_EXCEL)).expect("write the file");

        browser
            .client
            .goto(&format!("{}/#intake={}&token={token}", host.base, server.base))
            .await
            .expect("open");
        browser
            .wait_until("the wizard's ready", "window.intakeEvents.some(e => e.data.type === 'ready')")
            .await;
        browser.screenshot("host-page-with-wizard").await;
        browser.axe("the host page").await;

        browser.client.enter_frame(0).await.expect("into the wizard's frame");
        browser.axe("the wizard's upload step").await;
        browser.wait_for("#upload-file").await.send_keys(path_str(&file)).await.expect("choose the file");
        browser.wait_for("#upload-form button").await.click().await.expect("upload");
        browser.wait_until("the columns", "document.querySelectorAll('#columns tr').length === 5").await;
        browser.screenshot("columns").await;
        browser.axe("the wizard's columns step").await;

        // The cell holding a script is shown as text, and ran nowhere.
        let samples = browser.client.find(fantoccini::Locator::Css("#columns")).await.expect("columns");
        let text = samples.text().await.expect("their text");
        assert!(text.contains("<script>alert('xss')</script>"), "the cell is shown as text: {text}");
        assert!(browser.client.get_alert_text().await.is_err(), "no alert opened");
        // German headers are recognized: Handy is the phone, Notizen the notes.
        let field = |header: &str| {
            format!("document.querySelector('#columns select[data-header=\"{header}\"]').value")
        };
        assert_eq!(browser.wait_until("Handy's field", &field("Handy")).await, "phone");
        assert_eq!(browser.wait_until("Notizen's field", &field("Notizen")).await, "notes");

        // The end user leaves the notes out and sets the options the host allows.
        browser
            .wait_for("#columns select[data-header=\"Notizen\"]")
            .await
            .select_by(fantoccini::Locator::Css("option[value=\"\"]"))
            .await
            .expect("leave Notizen out");
        browser.wait_for("#option-default_region").await.send_keys("DE").await.expect("the region");
        browser.wait_for("#option-tags").await.send_keys("messe, 2026").await.expect("the tags");
        assert!(
            browser.client.find(fantoccini::Locator::Css("#option-lists")).await.is_err(),
            "lists are fixed"
        );
        browser.phone().await;
        browser.assert_no_horizontal_scroll("the columns step at 375 px").await;
        browser.screenshot("columns-phone").await;
        browser.desktop().await;

        browser.wait_for("#map-form > button").await.click().await.expect("import");
        let imported = browser.text_of("#count-imported").await;
        assert_eq!(imported, "2");
        assert_eq!(browser.text_of("#count-errors").await, "1");
        browser.screenshot("results").await;
        browser.axe("the wizard's results step").await;
        browser.wait_for("#close").await.click().await.expect("close");

        browser.client.enter_parent_frame().await.expect("back to the host page");
        browser.wait_until("the close event", "window.intakeEvents.some(e => e.data.type === 'close')").await;
        browser.screenshot("host-after-close").await;
        let events = browser.client.execute("return window.intakeEvents;", vec![]).await.expect("the events");
        let events = events.as_array().cloned().unwrap_or_default();
        assert!(events.iter().all(|e| e["origin"] == server.base.as_str()), "all from intake: {events:?}");
        let types: Vec<&str> = events.iter().filter_map(|e| e["data"]["type"].as_str()).collect();
        assert_eq!(types.first(), Some(&"ready"), "{types:?}");
        let steps: Vec<&str> = events.iter().filter_map(|e| e["data"]["step"].as_str()).collect();
        assert_eq!(steps, ["upload", "map", "importing", "results"]);
        assert!(types.contains(&"progress"), "{types:?}");
        assert!(!types.contains(&"error"), "{types:?}");
        let complete = events.iter().find(|e| e["data"]["type"] == "complete").expect("complete");
        assert_eq!(
            complete["data"]["counts"],
            json!({ "rows": 3, "imported": 2, "updated": 0, "skipped": 0, "errors": 1 })
        );
        assert_eq!(types.last(), Some(&"close"));

        // What was stored: the file's umlauts, the phone in E.164, no notes, the tags chosen
        // and the list the host fixed.
        let juergen = ws.contact_by("email", "juergen@example.com");
        assert_eq!((juergen["first_name"].as_str(), juergen["last_name"].as_str()), ("Jürgen", "Müller"));
        assert_eq!(juergen["phone"], "+4915123456789");
        let anna = ws.contact_by("email", "anna@example.com");
        assert_eq!(anna["notes"], "", "the notes were left out: {anna:?}");
        let tags: Vec<&str> = anna["tags"].split('|').collect();
        assert!(tags.contains(&"messe") && tags.contains(&"2026"), "{anna:?}");
        assert_eq!(anna["lists"], "crm-import", "{anna:?}");
        assert_eq!(ws.contacts().len(), 2, "Bert's row was an error");
        browser.finish().await;
    });
}

#[test]
fn a_host_of_another_origin_gets_no_wizard_and_an_expired_token_tells_the_host_why() {
    browser::run(async {
        let Some(mut browser) = Browser::start("browser_embed_refused").await else { return };
        let ws = Workspace::new();
        let server = Server::start(&ws);
        let host_page = std::fs::read_to_string(browser::repo_root().join("examples/embed/index.html"))
            .expect("the example host page");
        let host = StaticSite::start(vec![("/".into(), host_page.clone())]);
        let other = StaticSite::start(vec![("/".into(), host_page)]);

        // A token for `host`, framed by `other`: the browser refuses to show the frame.
        let token_for_host = token(&server, &server.first_key, &host.base, 600);
        browser
            .client
            .goto(&format!("{}/#intake={}&token={token_for_host}", other.base, server.base))
            .await
            .expect("open the other origin's page");
        browser.wait_until("the frame's load", "window.intakeFrameLoaded === true").await;
        browser.screenshot("other-origin").await;
        browser.client.enter_frame(0).await.expect("into the frame");
        let inside = browser
            .client
            .execute("return [location.href, !!document.getElementById('intake-embed')];", vec![])
            .await
            .expect("what the frame shows");
        assert_eq!(inside[1], false, "no wizard in a frame of another origin: {inside}");
        browser.client.enter_parent_frame().await.expect("back");
        let events =
            browser.client.execute("return window.intakeEvents.length;", vec![]).await.expect("events");
        assert_eq!(events, 0, "the other origin received nothing");

        // An expired token, in the right host: the frame shows the refusal, and the host is
        // told why (the token is intake's own, so its origin is the host's), nothing more.
        let expired = token(&server, &server.first_key, &host.base, 1);
        let started = std::time::Instant::now();
        while get_page(&server, &format!("/embed?token={expired}"), &[]).0 != 401 {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "not expired after 10 s");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        browser
            .client
            .goto(&format!("{}/#intake={}&token={expired}", host.base, server.base))
            .await
            .expect("open the host page");
        browser.wait_until("the frame's load", "window.intakeFrameLoaded === true").await;
        browser.screenshot("expired-token").await;
        browser.client.enter_frame(0).await.expect("into the frame");
        let shown = browser.text_of("body").await;
        assert!(shown.contains("expired"), "the frame says why: {shown}");
        browser.axe("the refusal in the frame").await;
        browser.client.enter_parent_frame().await.expect("back");
        let events = browser
            .wait_until("the error message", "window.intakeEvents.length > 0 && window.intakeEvents")
            .await;
        let events = events.as_array().cloned().unwrap_or_default();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["origin"], server.base.as_str());
        assert_eq!(events[0]["data"]["type"], "error");
        let message = events[0]["data"]["message"].as_str().unwrap_or("");
        assert!(message.contains("expired"), "{message}");
        browser.finish().await;
    });
}
