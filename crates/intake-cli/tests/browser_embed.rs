//! The embeddable wizard against a real `intake serve`: embed tokens are for admin keys, name
//! an origin and live an hour at most; the page refuses a changed, expired or orphaned token;
//! an embed session (the wizard's own pages under `/embed/s/{session}/`) reaches its own
//! imports only, with the fields offered and the options allowed, the fixed ones applied. In a
//! real chromium (tests/common/browser.rs), the wizard framed by the example host page
//! (examples/embed/, on a second port, so another origin) goes through upload, map, options,
//! review (fixing the broken row in place) and import of a German Excel file, and the host
//! receives ready, each step, progress, complete and close from intake's origin; a host of
//! another origin gets no wizard and no message, an expired token no wizard and one error
//! message.

mod common;

use common::browser::{self, Browser, StaticSite};
use common::server::Server;
use common::web::Browser as Client;
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

/// The path prefix of the embed session `GET /embed?token=…` opens (`/embed/s/<session>`).
fn session_of(server: &Server, token: &str) -> String {
    let page = Client::new(&server.base).get(&format!("/embed?token={token}"));
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.strip_suffix("/imports/new").expect("the wizard's first page").to_string()
}

/// Clicks `css` and waits until the frame shows the step `step` (its body's `data-step`).
async fn click_to(browser: &Browser, css: &str, step: &str) {
    browser.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    browser
        .wait_until(&format!("the {step} page"), &format!("document.body.dataset.step === '{step}'"))
        .await;
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

    let orphan_session = session_of(&server, &orphan);

    // A session: its own upload only, offered fields and allowed options only.
    let session = session_of(&server, &good);
    let frame = Client::new(&server.base);
    assert_eq!(frame.get(&format!("/embed/s/{good}/imports/new")).status, 401, "a token is no session");
    let (status, other) = server.upload(&key, "other.csv", b"Email\nx@example.com\n");
    assert_eq!(status, 201, "{other}");
    let other = other["id"].as_str().expect("an id");
    let page = frame.get(&format!("{session}/imports/{other}/map"));
    assert_eq!(page.status, 404, "another import of the workspace is not the session's");
    assert_eq!(frame.get(&format!("{session}/history")).status, 404, "no history in a session");
    assert_eq!(frame.get(&format!("{session}/contacts")).status, 404, "no contacts in a session");
    let upload = frame.get(&format!("{session}/imports/new"));
    assert_eq!(upload.status, 200, "{}", upload.body);
    let csrf =
        upload.body.split("data-csrf=\"").nth(1).and_then(|t| t.split('"').next()).expect("the form's token");
    let csrf = csrf.to_string();
    let uploaded = frame.upload(
        &format!("{session}/imports/upload"),
        &csrf,
        "kontakte.csv",
        &windows_1252(GERMAN_EXCEL),
    );
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let map_path = uploaded.location.clone();
    assert!(map_path.starts_with(&session) && map_path.ends_with("/map"), "on to the mapping: {map_path}");
    let id = map_path.trim_start_matches(&format!("{session}/imports/")).trim_end_matches("/map").to_string();
    let map = frame.get(&map_path);
    assert_eq!(map.status, 200, "{}", map.body);
    assert!(!map.body.contains("value=\"whatsapp\""), "only the offered fields are shown");
    assert!(map.body.contains("<option value=\"phone\""), "{}", map.body);
    let not_offered =
        frame.post(&map_path, &[("csrf", &csrf), ("field-2", "email"), ("field-3", "whatsapp")]);
    assert_eq!(not_offered.status, 403, "{}", not_offered.body);
    let options_path = format!("{session}/imports/{id}/options");
    let options = frame.get(&options_path);
    assert!(options.body.contains("id=\"tags\"") && options.body.contains("id=\"default_region\""));
    assert!(!options.body.contains("id=\"lists\"") && !options.body.contains("id=\"purpose-add\""));
    assert!(options.text_of("fixed-options").is_some_and(|t| t.contains("crm-import")), "{}", options.body);
    let chosen =
        [("csrf", csrf.as_str()), ("lists", "elsewhere"), ("purpose", "add-all"), ("default_region", "de")];
    assert_eq!(frame.post(&options_path, &chosen).status, 303);
    let started = std::time::Instant::now();
    while frame.get(&format!("{session}/imports/{id}/review")).body.contains("id=\"reviewing\"") {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "still reviewing");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (status, _, settings) =
        server.send("PATCH", &format!("/v1/imports/{id}"), &key, "application/json", b"{}");
    assert_eq!(status, 200, "{settings}");
    assert!(frame.get(&format!("{session}/imports/{id}/file")).body.contains("id=\"read-as\""));
    let reading = [("csrf", csrf.as_str()), ("delimiter", ","), ("encoding", "utf-8")];
    assert_eq!(frame.post(&format!("{session}/imports/{id}/file"), &reading).status, 303);
    assert_eq!(settings["lists"], json!(["crm-import"]), "the fixed option holds: {settings}");
    assert_eq!(settings["default_region"], "DE", "{settings}");
    assert!(settings["purpose"].is_null(), "a purpose not allowed is not set: {settings}");
    let (_, _, settings) =
        server.send("PATCH", &format!("/v1/imports/{id}"), &key, "application/json", b"{}");
    assert!(settings["delimiter"].is_null() && settings["encoding"].is_null(), "not allowed: {settings}");

    // A host that lets its end user say how the file is read: the upload goes on to the
    // file's page, which offers only that.
    let mut reading_offer = offer("https://crm.example.com", 600);
    reading_offer["allowed_options"] = json!(["delimiter"]);
    let (status, created) = server.post("/v1/embed-tokens", &key, &reading_offer);
    assert_eq!(status, 201, "{created}");
    let reader = session_of(&server, created["token"].as_str().expect("a token"));
    let page = frame.get(&format!("{reader}/imports/new"));
    let token = page.body.split("data-csrf=\"").nth(1).and_then(|t| t.split('"').next()).expect("a token");
    let uploaded =
        frame.upload(&format!("{reader}/imports/upload"), token, "k.csv", &windows_1252(GERMAN_EXCEL));
    assert!(uploaded.location.ends_with("/file"), "{}", uploaded.location);
    let file_page = frame.get(&uploaded.location);
    assert!(file_page.body.contains("id=\"delimiter\"") && !file_page.body.contains("id=\"encoding\""));
    let id = uploaded.location.trim_start_matches(&format!("{reader}/imports/")).trim_end_matches("/file");
    let reading = [("csrf", token), ("delimiter", ";"), ("encoding", "utf-16le")];
    assert_eq!(frame.post(&uploaded.location, &reading).status, 303);
    let (_, _, settings) =
        server.send("PATCH", &format!("/v1/imports/{id}"), &key, "application/json", b"{}");
    assert_eq!(settings["delimiter"], ";", "{settings}");
    assert!(settings["encoding"].is_null(), "not allowed: {settings}");

    let (status, _) = server.delete(&format!("/v1/keys/{}", second["id"].as_str().unwrap_or("")), &key);
    assert_eq!(status, 204);
    let (status, _, body) = get_page(&server, &format!("/embed?token={orphan}"), &[]);
    assert_eq!(status, 401, "the key that issued it is revoked: {body}");
    let ended = Client::new(&server.base).get(&format!("{orphan_session}/imports/new"));
    assert_eq!(ended.status, 401, "its session ends with it");
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
        assert_eq!(browser.wait_until("the upload step", "document.body.dataset.step").await, "upload");
        browser.axe("the wizard's upload step").await;
        browser.wait_for("#file").await.send_keys(path_str(&file)).await.expect("choose the file");
        click_to(&browser, "#upload", "map").await;
        browser.screenshot("map").await;
        browser.axe("the wizard's map step").await;

        // The cell holding a script is shown as text, and ran nowhere.
        let text = browser.text_of("main").await;
        assert!(text.contains("<script>alert('xss')</script>"), "the cell is shown as text: {text}");
        assert!(browser.client.get_alert_text().await.is_err(), "no alert opened");
        // German headers are recognized: Handy is the phone, Notizen the notes; only the
        // offered fields are in the pickers.
        let row = |header: &str| {
            format!(
                "[...document.querySelectorAll('#mapping tbody tr')].find(r => \
                 r.querySelector('th').firstChild.textContent.trim() === '{header}')"
            )
        };
        assert_eq!(
            browser
                .wait_until("Handy's field", &format!("{}.querySelector('select').value", row("Handy")))
                .await,
            "phone"
        );
        assert_eq!(
            browser
                .wait_until("Notizen's field", &format!("{}.querySelector('select').value", row("Notizen")))
                .await,
            "notes"
        );
        let offered = browser
            .client
            .execute("return [...new Set([...document.querySelectorAll('#mapping option')].map(o => o.value))].sort();", vec![])
            .await
            .expect("the fields offered");
        assert_eq!(offered, json!(["", "email", "first_name", "last_name", "notes", "phone"]));
        assert!(
            browser.client.find(fantoccini::Locator::Css("#save-mapping-form")).await.is_err(),
            "no saved mappings"
        );

        // The end user leaves the notes out and sets the options the host allows.
        let skip = browser
            .client
            .execute(&format!("return {}.querySelector('input[type=checkbox]').id;", row("Notizen")), vec![])
            .await
            .expect("Notizen's skip");
        browser
            .wait_for(&format!("#{}", skip.as_str().expect("an id")))
            .await
            .click()
            .await
            .expect("leave Notizen out");
        click_to(&browser, "#save-map", "options").await;
        browser.wait_for("#default_region").await.send_keys("DE").await.expect("the region");
        browser.wait_for("#tags").await.send_keys("messe, 2026").await.expect("the tags");
        for fixed_or_not_allowed in ["#lists", "#identifier", "#purpose-add"] {
            assert!(
                browser.client.find(fantoccini::Locator::Css(fixed_or_not_allowed)).await.is_err(),
                "{fixed_or_not_allowed} is not offered"
            );
        }
        assert!(browser.text_of("#fixed-options").await.contains("crm-import"), "the fixed list is shown");
        browser.screenshot("options").await;
        browser.axe("the wizard's options step").await;
        browser.phone().await;
        browser.assert_no_horizontal_scroll("the options step at 375 px").await;
        browser.desktop().await;

        // The review, and the broken row fixed in place.
        click_to(&browser, "#save-options", "review").await;
        browser.wait_for("#count-rows").await;
        assert_eq!(browser.text_of("#count-imported").await, "2");
        assert_eq!(browser.text_of("#count-errors").await, "1");
        browser.screenshot("review").await;
        browser.axe("the wizard's review step").await;
        let email = browser.wait_for("#error-row-4 input[name='cell:E-Mail']").await;
        email.clear().await.expect("clear the cell");
        email.send_keys("bert@example.com\u{E007}").await.expect("type the address and press Enter");
        browser.wait_for("#fixed-outcome").await;
        assert_eq!(browser.text_of("#count-imported").await, "3");
        assert_eq!(browser.text_of("#count-errors").await, "0");
        browser.screenshot("fixed-in-place").await;
        browser.axe("the wizard's review after a fix").await;
        browser.phone().await;
        browser.assert_no_horizontal_scroll("the review at 375 px").await;
        browser.desktop().await;

        // The import and its results.
        click_to(&browser, "#start", "results").await;
        assert_eq!(browser.text_of("#count-imported").await, "3");
        browser.screenshot("results").await;
        browser.axe("the wizard's results step").await;
        assert!(
            browser.client.find(fantoccini::Locator::Css("#undo")).await.is_err(),
            "no undo in the frame"
        );
        browser.wait_for("#close").await.click().await.expect("close");

        browser.client.enter_parent_frame().await.expect("back to the host page");
        browser.wait_until("the close event", "window.intakeEvents.some(e => e.data.type === 'close')").await;
        browser.screenshot("host-after-close").await;
        let events = browser.client.execute("return window.intakeEvents;", vec![]).await.expect("the events");
        let events = events.as_array().cloned().unwrap_or_default();
        assert!(events.iter().all(|e| e["origin"] == server.base.as_str()), "all from intake: {events:?}");
        let types: Vec<&str> = events.iter().filter_map(|e| e["data"]["type"].as_str()).collect();
        assert_eq!(types.first(), Some(&"ready"), "{types:?}");
        let mut steps: Vec<&str> = events.iter().filter_map(|e| e["data"]["step"].as_str()).collect();
        steps.dedup();
        // The import's own page shows only when it is still running as the page opens.
        steps.retain(|s| *s != "import");
        assert_eq!(steps, ["upload", "map", "options", "review", "results"], "{types:?}");
        assert!(types.contains(&"progress"), "{types:?}");
        assert!(!types.contains(&"error"), "{events:?}");
        let complete = events.iter().find(|e| e["data"]["type"] == "complete").expect("complete");
        assert_eq!(
            complete["data"]["counts"],
            json!({ "rows": 3, "imported": 3, "updated": 0, "skipped": 0, "errors": 0 })
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
        let bert = ws.contact_by("email", "bert@example.com");
        assert_eq!(bert["last_name"], "Kaputt", "the corrected row: {bert:?}");
        assert_eq!(ws.contacts().len(), 3);
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
