//! The web pages through a real `intake serve` and a cookie-keeping HTTP client: sign-in
//! required, wrong passwords refused, CSRF tokens required, another workspace's import not
//! found, names and cells shown escaped, members refused what is for admins, and the whole
//! wizard by its forms giving the counts and results file of `intake import`.

mod common;

use common::peers::{SmtpPeer, first_message, python_peers};
use common::server::Server;
use common::web::{Browser, Page, add_user};
use common::{Workspace, path_str};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

/// A service with an admin `anna@example.com` of workspace `default`, and her browser signed in.
fn signed_in() -> (Workspace, Server, Browser) {
    let ws = Workspace::new();
    add_user(&ws, "default", "anna@example.com", "admin", PASSWORD);
    let server = Server::start(&ws);
    let browser = Browser::new(&server.base);
    let answer = browser.sign_in("anna@example.com", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    (ws, server, browser)
}

/// Uploads `bytes` as `name` from the upload page; returns the import's id.
fn upload(browser: &Browser, name: &str, bytes: &[u8]) -> String {
    let page = browser.get("/imports/new");
    assert_eq!(page.step(), "upload");
    let answer = browser.upload("/imports/upload", &page.csrf(), name, bytes);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let id = answer.location.trim_start_matches("/imports/").trim_end_matches("/file").to_string();
    assert!(id.parse::<u64>().is_ok(), "the upload goes on to its file's page: {}", answer.location);
    id
}

/// Waits (up to a minute) until `path` no longer shows the element `busy`, and returns it.
fn poll_until_done(browser: &Browser, path: &str, busy: &str) -> Page {
    let started = std::time::Instant::now();
    loop {
        let page = browser.get(path);
        if !page.body.contains(&format!("id=\"{busy}\"")) {
            return page;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{path} still busy");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_page_needs_a_session_and_sign_in_comes_back_to_it_with_a_safe_cookie() {
    let ws = Workspace::new();
    add_user(&ws, "default", "anna@example.com", "member", PASSWORD);
    let server = Server::start(&ws);
    let browser = Browser::new(&server.base);

    let refused = browser.get("/history");
    assert_eq!((refused.status, refused.location.as_str()), (303, "/sign-in?next=/history"));
    let sign_in = browser.get("/sign-in?next=/history");
    assert_eq!((sign_in.status, sign_in.step()), (200, "sign-in".to_string()));
    assert!(sign_in.body.contains("<label for=\"password\">"), "every control has its label");

    let answer = browser
        .post("/sign-in", &[("email", "Anna@Example.com"), ("password", PASSWORD), ("next", "/history")]);
    assert_eq!((answer.status, answer.location.as_str()), (303, "/history"));
    let cookie =
        answer.set_cookies.iter().find(|c| c.starts_with("intake_session=")).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let history = browser.get("/history");
    assert_eq!((history.status, history.step()), (200, "history".to_string()));
    assert!(history.body.contains("anna@example.com"), "the page names who is signed in");

    // A `next` of another site is not followed.
    let other = Browser::new(&server.base);
    let answer = other.post(
        "/sign-in",
        &[("email", "anna@example.com"), ("password", PASSWORD), ("next", "//evil.example/")],
    );
    assert_eq!((answer.status, answer.location.as_str()), (303, "/"));

    // Signing out ends the session: the same cookie no longer opens a page.
    let csrf = history.csrf();
    let out = browser.post("/sign-out", &[("csrf", &csrf)]);
    assert_eq!((out.status, out.location.as_str()), (303, "/sign-in"));
    assert_eq!(browser.get("/history").status, 303);
}

#[test]
fn an_import_waiting_in_line_shows_its_place_and_is_cancelled_from_its_page() {
    let (_ws, server, browser) = signed_in();
    // A big import through the API runs first; the page's import waits behind it.
    let key = server.first_key.clone();
    let (status, big) = server.upload(&key, "big.csv", common::big_file(150_000).as_bytes());
    assert_eq!(status, 201, "{big}");
    let big = big["id"].as_str().expect("an id").to_string();
    let (status, _) = server.post(&format!("/v1/imports/{big}/start"), &key, &serde_json::json!({}));
    assert_eq!(status, 202);

    let id = upload(&browser, "small.csv", b"First Name,Email\nAnna,anna@example.com\n");
    let csrf = browser.get(&format!("/imports/{id}/map")).csrf();
    let started = browser.post(&format!("/imports/{id}/start"), &[("csrf", &csrf)]);
    assert_eq!((started.status, started.location), (303, format!("/imports/{id}")));
    let waiting = browser.get(&format!("/imports/{id}"));
    assert_eq!(waiting.step(), "import");
    assert_eq!(waiting.text_of("import-state").as_deref(), Some("queued"), "{}", waiting.body);
    assert!(waiting.body.contains("1 ahead of it"), "its place in line: {}", waiting.body);
    assert!(waiting.body.contains("data-events=\"/imports/"), "the page follows the event stream");
    let cancelled = browser.post(&format!("/imports/{id}/cancel"), &[("csrf", &waiting.csrf())]);
    assert_eq!((cancelled.status, cancelled.location), (303, format!("/imports/{id}")));
    let page = browser.get(&format!("/imports/{id}"));
    assert_eq!(
        (page.step(), page.text_of("import-state")),
        ("results".to_string(), Some("cancelled".to_string()))
    );
    assert_eq!(page.text_of("count-rows").as_deref(), Some("0"), "it never ran");
}

#[test]
fn plain_http_development_drops_only_the_secure_attribute() {
    let ws = Workspace::new();
    add_user(&ws, "default", "anna@example.com", "admin", PASSWORD);
    let server = Server::start_with(&ws, &["--web-plain-http", "true"]);
    let browser = Browser::new(&server.base);
    let answer = browser.sign_in("anna@example.com", PASSWORD);
    let cookie =
        answer.set_cookies.iter().find(|c| c.starts_with("intake_session=")).expect("a session cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

#[test]
fn the_reviews_error_rows_are_shown_a_page_at_a_time() {
    let (_ws, _server, browser) = signed_in();
    let mut file = String::from("First Name,Email\nAnna,anna@example.com\n");
    for n in 0..30 {
        file.push_str(&format!("Bad{n},not-an-address-{n}\n"));
    }
    let id = upload(&browser, "bad.csv", file.as_bytes());
    let options = browser.get(&format!("/imports/{id}/options"));
    let csrf = options.csrf();
    browser.post(
        &format!("/imports/{id}/options"),
        &[("csrf", &csrf), ("purpose", "add-update"), ("identifier", "email")],
    );
    let review = poll_until_done(&browser, &format!("/imports/{id}/review"), "reviewing");
    assert_eq!(review.text_of("count-errors").as_deref(), Some("30"), "{}", review.body);
    assert_eq!(review.body.matches("data-error-row=").count(), 25, "25 error rows a page");
    assert!(
        review.body.contains("Bad0") && !review.body.contains("Bad29<"),
        "the first page has the first rows"
    );
    let next = format!("/imports/{id}/review?errors_from=25");
    assert!(review.body.contains(&format!("href=\"{next}\"")), "a link to the next error rows");
    let second = browser.get(&next);
    assert_eq!(second.body.matches("data-error-row=").count(), 5);
    assert!(second.body.contains("Bad29") && !second.body.contains("id=\"errors-next\""), "the last page");
    let file = browser.get(&format!("/imports/{id}/files/review-errors.csv"));
    assert_eq!((file.status, file.body.lines().count()), (200, 31), "the error file: a header and 30 rows");
}

/// Uploads `file`, saves the default options and waits for the review; returns the import's
/// id and its review page.
fn reviewed(browser: &Browser, file: &str) -> (String, Page) {
    let id = upload(browser, "people.csv", file.as_bytes());
    let options = browser.get(&format!("/imports/{id}/options"));
    let fields = [("csrf", options.csrf()), ("purpose", "add-update".into()), ("identifier", "email".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post(&format!("/imports/{id}/options"), &fields).status, 303);
    let review = poll_until_done(browser, &format!("/imports/{id}/review"), "reviewing");
    (id, review)
}

/// The review page a fix's answer sends the browser to, once reviewed again.
fn back_from_fix(browser: &Browser, answer: &Page) -> Page {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let path = answer.location.split('#').next().expect("a path").to_string();
    poll_until_done(browser, &path, "reviewing")
}

#[test]
fn an_error_row_is_corrected_in_the_review_page_and_imported_as_corrected() {
    let (_ws, _server, browser) = signed_in();
    let file = "First Name,Email,Notes\nAnna,anna@example.com,ok\n\
                Bert,bert-at-example.com,<script>alert(1)</script>\nCarl,carl@,x\n";
    let (id, review) = reviewed(&browser, file);
    assert_eq!(review.text_of("count-errors").as_deref(), Some("2"), "{}", review.body);
    // Each error row is a form of its cells, labelled by header, the bad cell marked.
    assert!(review.body.contains("<form method=\"post\" action=\"/imports/"));
    assert!(review.body.contains(&format!("action=\"/imports/{id}/rows/3\"")), "{}", review.body);
    assert!(review.body.contains("<label for=\"fix-3-1\">Email</label>"), "{}", review.body);
    assert!(
        review.body.contains("name=\"cell:Email\" value=\"bert-at-example.com\" aria-invalid=\"true\""),
        "the bad cell is marked: {}",
        review.body
    );
    assert!(review.body.contains("id=\"fix-3-1-problem\""), "with its reason");
    // A cell holding a script is a value, shown as text.
    assert!(!review.body.contains("<script>alert"), "{}", review.body);
    assert!(review.body.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;\""), "{}", review.body);

    let fix = [("cell:First Name", "Bert"), ("cell:Email", "bert@example.com"), ("cell:Notes", "n")];
    let refused = browser.post(&format!("/imports/{id}/rows/3"), &fix);
    assert_eq!(refused.status, 403, "a fix without the CSRF token is refused");
    let unchanged = browser.get(&format!("/imports/{id}/review"));
    assert_eq!(unchanged.text_of("count-errors").as_deref(), Some("2"), "nothing was corrected");

    let csrf = review.csrf();
    let with_token: Vec<(&str, &str)> =
        [("csrf", csrf.as_str()), ("errors_from", "0")].into_iter().chain(fix).collect();
    let answer = browser.post(&format!("/imports/{id}/rows/3"), &with_token);
    assert_eq!(answer.location, format!("/imports/{id}/review?errors_from=0&fixed=3#fixed"));
    let fixed = back_from_fix(&browser, &answer);
    assert_eq!(fixed.text_of("count-errors").as_deref(), Some("1"), "{}", fixed.body);
    assert_eq!(fixed.text_of("count-imported").as_deref(), Some("2"));
    let outcome = fixed.text_of("fixed-outcome").unwrap_or_default();
    assert!(outcome.contains("Row 3") && outcome.contains("imported"), "{outcome}");
    assert!(!fixed.body.contains("data-error-row=\"3\""), "row 3 is no longer in error");
    assert_eq!(fixed.body.matches("data-error-row=").count(), 1);
    assert!(fixed.text_of("corrected-row-3").is_some_and(|t| t.contains("Email: bert@example.com")));

    // Taken back, the row is in error again; corrected again, it is imported as corrected.
    let revert = [("csrf", csrf.as_str()), ("errors_from", "0")];
    let reverted = back_from_fix(&browser, &browser.post(&format!("/imports/{id}/rows/3/revert"), &revert));
    assert_eq!(reverted.text_of("count-errors").as_deref(), Some("2"), "{}", reverted.body);
    assert!(
        reverted.body.contains("data-error-row=\"3\"") && !reverted.body.contains("id=\"corrected-rows\"")
    );
    let fixed = back_from_fix(&browser, &browser.post(&format!("/imports/{id}/rows/3"), &with_token));
    assert_eq!(fixed.text_of("count-errors").as_deref(), Some("1"));

    let started = browser.post(&format!("/imports/{id}/start"), &[("csrf", &csrf)]);
    assert_eq!(started.status, 303, "{}", started.body);
    let result = poll_until_done(&browser, &format!("/imports/{id}"), "live");
    assert_eq!(result.text_of("count-imported").as_deref(), Some("2"), "{}", result.body);
    let results = browser.get(&format!("/imports/{id}/files/results.csv")).body;
    let bert = results.lines().find(|l| l.starts_with("Bert,")).expect("Bert's row");
    assert!(bert.contains("bert@example.com") && bert.contains(",n,"), "the corrected cells: {bert}");
    assert!(bert.contains("corrected in the review by user:"), "recorded as corrected: {bert}");
    let anna = results.lines().find(|l| l.starts_with("Anna,")).expect("Anna's row");
    assert!(!anna.contains("corrected"), "{anna}");
}

#[test]
fn a_wrong_password_and_an_unknown_address_are_refused_alike_and_counted() {
    let ws = Workspace::new();
    add_user(&ws, "default", "anna@example.com", "admin", PASSWORD);
    let server = Server::start(&ws);
    let browser = Browser::new(&server.base);
    let wrong = browser.sign_in("anna@example.com", "not her password");
    let unknown = browser.sign_in("nobody@example.com", PASSWORD);
    for answer in [&wrong, &unknown] {
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert_eq!(answer.text_of("error-message").as_deref(), Some("The address or the password is wrong."));
        assert!(answer.set_cookies.is_empty(), "no session");
    }
    assert!(browser.cookie().is_none());
    assert_eq!(browser.get("/contacts").status, 303, "still signed out");
    // Ten attempts a minute per address: the eleventh waits, even with the right password.
    for _ in 2..10 {
        assert_eq!(browser.sign_in("anna@example.com", "guess").status, 401);
    }
    assert_eq!(browser.sign_in("anna@example.com", PASSWORD).status, 429);
}

#[test]
fn a_state_changing_request_without_the_sessions_csrf_token_is_refused() {
    let (_ws, _server, browser) = signed_in();
    let id = upload(&browser, "people.csv", b"First Name,Email\nAnna,anna@example.com\n");
    let options = browser.get(&format!("/imports/{id}/options"));
    assert_eq!(options.status, 200);
    let fields = [("purpose", "add"), ("identifier", "email")];
    let missing = browser.post(&format!("/imports/{id}/options"), &fields);
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = browser.post(
        &format!("/imports/{id}/options"),
        &[("csrf", "0123456789abcdef"), ("purpose", "add"), ("identifier", "email")],
    );
    assert_eq!(wrong.status, 403);
    let upload_page = browser.get("/imports/new");
    let forged = browser.upload("/imports/upload", "not-the-token", "x.csv", b"Email\na@example.com\n");
    assert_eq!(forged.status, 403);
    let signed_out = browser.post("/sign-out", &[]);
    assert_eq!(signed_out.status, 403, "signing out takes the token too");
    // Nothing changed: the options are still the defaults, and the session still works.
    let options = browser.get(&format!("/imports/{id}/options"));
    assert!(options.body.contains("value=\"add-update\" checked"), "the purpose did not change");
    assert_eq!(upload_page.status, 200);
    let csrf = options.csrf();
    let with_token = browser.post(
        &format!("/imports/{id}/options"),
        &[("csrf", &csrf), ("purpose", "add"), ("identifier", "email")],
    );
    assert_eq!((with_token.status, with_token.location), (303, format!("/imports/{id}/review")));
}

#[test]
fn a_sign_in_posted_from_another_site_is_refused_and_an_upload_form_may_carry_its_token_in_the_query() {
    let (_ws, server, browser) = signed_in();
    let agent =
        ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent();
    let request = ureq::http::Request::post(format!("{}/sign-in", server.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "http://evil.example")
        .body(format!("email=anna%40example.com&password={}", PASSWORD.replace(' ', "+")).into_bytes())
        .expect("a request");
    let answer = agent.run(request).expect("an answer");
    assert_eq!(answer.status().as_u16(), 403);
    assert!(answer.headers().get("set-cookie").is_none(), "no session from another site's form");

    // Without the script, the upload form posts the file with the token in its action.
    let page = browser.get("/imports/new");
    let action = format!("/imports/upload?csrf={}", page.csrf());
    assert!(page.body.contains(&format!("action=\"{action}\"")), "{}", page.body);
    let answer = browser.upload(&action, "", "people.csv", b"Email\nanna@example.com\n");
    assert_eq!(answer.status, 303, "{}", answer.body);
}

#[test]
fn a_person_of_two_workspaces_names_the_one_to_sign_in_to() {
    let ws = Workspace::new();
    add_user(&ws, "default", "anna@example.com", "member", PASSWORD);
    add_user(&ws, "acme", "anna@example.com", "admin", "another long password");
    let server = Server::start(&ws);
    let browser = Browser::new(&server.base);
    let unnamed = browser.sign_in("anna@example.com", PASSWORD);
    assert_eq!(unnamed.status, 401);
    assert!(
        unnamed.text_of("error-message").is_some_and(|m| m.contains("name the workspace")),
        "{}",
        unnamed.body
    );
    let acme = browser.post(
        "/sign-in",
        &[("email", "anna@example.com"), ("password", "another long password"), ("workspace", "acme")],
    );
    assert_eq!(acme.status, 303, "{}", acme.body);
    assert!(
        browser.get("/history").body.contains("anna@example.com (admin)"),
        "signed in to acme, as its admin"
    );
    let wrong = Browser::new(&server.base).post(
        "/sign-in",
        &[("email", "anna@example.com"), ("password", "another long password"), ("workspace", "default")],
    );
    assert_eq!(wrong.status, 401, "each workspace's password is its own");
}

#[test]
fn another_workspaces_import_is_not_found() {
    let (ws, server, browser) = signed_in();
    let id = upload(&browser, "people.csv", b"First Name,Email\nAnna,anna@example.com\n");
    add_user(&ws, "other", "ben@example.com", "admin", PASSWORD);
    let ben = Browser::new(&server.base);
    assert_eq!(ben.sign_in("ben@example.com", PASSWORD).status, 303);
    for path in ["", "/file", "/map", "/options", "/review", "/files/results.csv"] {
        let page = ben.get(&format!("/imports/{id}{path}"));
        assert_eq!(page.status, 404, "{path}: {}", page.body);
    }
    let csrf = ben.get("/history").csrf();
    let start = ben.post(&format!("/imports/{id}/start"), &[("csrf", &csrf)]);
    assert_eq!(start.status, 404);
    assert!(!ben.get("/history").body.contains("people.csv"), "Ben's history has none of Anna's imports");
    assert_eq!(browser.get(&format!("/imports/{id}/map")).status, 200, "Anna's page is hers");
}

#[test]
fn file_names_and_cells_are_shown_as_text() {
    let (_ws, _server, browser) = signed_in();
    let file = "First Name,Email\n<script>alert(1)</script>,anna@example.com\n";
    let id = upload(&browser, "<script>x.csv", file.as_bytes());
    for path in [format!("/imports/{id}/file"), format!("/imports/{id}/map"), "/history".to_string()] {
        let page = browser.get(&path);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("<script>x") && !page.body.contains("<script>alert"),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"), "{path}");
    }
    let map = browser.get(&format!("/imports/{id}/map"));
    assert!(map.body.contains("alert(1)"), "the cell is shown, as text");
}

#[test]
fn a_member_cannot_create_a_field_and_an_admin_can() {
    let (ws, server, admin) = signed_in();
    add_user(&ws, "default", "ben@example.com", "member", PASSWORD);
    let member = Browser::new(&server.base);
    assert_eq!(member.sign_in("ben@example.com", PASSWORD).status, 303);
    let id = upload(&member, "people.csv", b"First Name,Email,Shoe\nAnna,anna@example.com,38\n");
    let map = member.get(&format!("/imports/{id}/map"));
    assert!(!map.body.contains("id=\"new-field-form\""), "a member is not offered a new field");
    let field = [("csrf", map.csrf()), ("name", "shoe_size".into()), ("type", "integer".into())];
    let fields: Vec<(&str, &str)> = field.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = member.post(&format!("/imports/{id}/fields"), &fields);
    assert_eq!(refused.status, 403, "{}", refused.body);

    let map = admin.get(&format!("/imports/{id}/map"));
    assert!(map.body.contains("id=\"new-field-form\""));
    let field = [("csrf", map.csrf()), ("name", "shoe_size".into()), ("type", "integer".into())];
    let fields: Vec<(&str, &str)> = field.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.post(&format!("/imports/{id}/fields"), &fields);
    assert_eq!(created.status, 303, "{}", created.body);
    let map = member.get(&format!("/imports/{id}/map"));
    assert!(map.body.contains("<option value=\"shoe_size\""), "the new field is in every picker");
}

#[test]
fn the_files_reading_can_be_changed_and_the_preview_follows() {
    let (_ws, _server, browser) = signed_in();
    let id = upload(&browser, "kontakte.csv", &kontakte());
    let path = format!("/imports/{id}/file");
    let page = browser.get(&path);
    assert!(page.body.contains("<th scope=\"row\">Vorname</th>"), "{}", page.body);
    assert!(page.body.contains("<option value=\"\" selected>found from the file (yes)"), "{}", page.body);
    let changed = browser.post(&path, &[("csrf", &page.csrf()), ("delimiter", ";"), ("has_header", "yes")]);
    assert_eq!((changed.status, changed.location), (303, path.clone()));
    let page = browser.get(&path);
    assert!(page.body.contains("<option value=\"yes\" selected>"), "the header row is now said, not found");

    // Read with commas the file is one column without an e-mail: refused as the API refuses
    // it, the preview showing what that reading gives.
    let refused = browser.post(&path, &[("csrf", &page.csrf()), ("delimiter", ",")]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.text_of("error-message").is_some(), "{}", refused.body);
    assert!(refused.body.contains("<th scope=\"row\">Vorname;Nachname;E-Mail"), "{}", refused.body);
    let unknown = browser.post(&path, &[("csrf", &page.csrf()), ("encoding", "klingon")]);
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.text_of("error-message").is_some_and(|m| m.contains("klingon")), "{}", unknown.body);
    let page = browser.get(&path);
    assert!(page.body.contains("<th scope=\"row\">Handy</th>"), "nothing refused was kept");
}

#[test]
fn the_mapping_page_refuses_a_field_chosen_twice_beside_the_column() {
    let (_ws, _server, browser) = signed_in();
    let id =
        upload(&browser, "people.csv", b"First Name,Email,Mail 2\nAnna,anna@example.com,a@example.org\n");
    let map = browser.get(&format!("/imports/{id}/map"));
    let csrf = map.csrf();
    let answer = browser.post(
        &format!("/imports/{id}/map"),
        &[("csrf", &csrf), ("field-0", "first_name"), ("field-1", "email"), ("field-2", "email")],
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.text_of("error-message").is_some_and(|m| m.contains("mapped twice")), "{}", answer.body);
    assert!(answer.body.contains("id=\"problem-2\""), "the problem is shown beside the column");
    let fixed = browser.post(
        &format!("/imports/{id}/map"),
        &[("csrf", &csrf), ("field-0", "first_name"), ("field-1", "email"), ("skip-2", "1")],
    );
    assert_eq!((fixed.status, fixed.location), (303, format!("/imports/{id}/options")));
}

#[test]
fn a_mapping_saved_from_one_import_is_applied_to_the_next() {
    let (_ws, _server, browser) = signed_in();
    let file = b"Kdnr,Vorname,Mail\n17,Anna,anna@example.com\n";
    let first = upload(&browser, "crm.csv", file);
    let map = browser.get(&format!("/imports/{first}/map"));
    let csrf = map.csrf();
    let mapped = browser.post(
        &format!("/imports/{first}/map"),
        &[("csrf", &csrf), ("field-0", "external_id"), ("field-1", "first_name"), ("field-2", "email")],
    );
    assert_eq!(mapped.status, 303, "{}", mapped.body);
    let saved =
        browser.post(&format!("/imports/{first}/mapping/save"), &[("csrf", &csrf), ("name", "CRM <export>")]);
    assert_eq!(saved.status, 303, "{}", saved.body);

    let next = upload(&browser, "crm-2.csv", file);
    let map = browser.get(&format!("/imports/{next}/map"));
    assert!(
        map.body.contains("CRM &#60;export&#62;") || map.body.contains("CRM &lt;export&gt;"),
        "{}",
        map.body
    );
    assert!(
        !map.body.contains("<option value=\"external_id\" selected>"),
        "Kdnr is no suggestion of its own"
    );
    let saved_id = map
        .body
        .split("<select id=\"saved\" name=\"saved\"><option value=\"")
        .nth(1)
        .expect("a saved mapping");
    let saved_id = &saved_id[..saved_id.find('"').expect("its id ends")];
    let applied = browser
        .post(&format!("/imports/{next}/mapping/apply"), &[("csrf", &map.csrf()), ("saved", saved_id)]);
    assert_eq!((applied.status, applied.location), (303, format!("/imports/{next}/map")));
    let map = browser.get(&format!("/imports/{next}/map"));
    assert!(map.body.contains("<option value=\"external_id\" selected>"), "the saved mapping is applied");
}

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

/// The fields of the mapping form as the page pre-selects them (the suggestions).
fn preselected(map: &Page) -> Vec<(String, String)> {
    let mut fields = vec![("csrf".to_string(), map.csrf())];
    let mut rest = map.body.as_str();
    while let Some(at) = rest.find("<select id=\"field-") {
        rest = &rest[at + "<select id=\"field-".len()..];
        let index: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let end = rest.find("</select>").expect("the select ends");
        let chosen = rest[..end].split("<option value=\"").skip(1).find(|o| o.contains("\" selected>"));
        let value = chosen.map(|o| o[..o.find('"').expect("a value")].to_string()).unwrap_or_default();
        fields.push((format!("field-{index}"), value));
    }
    fields
}

#[test]
fn the_whole_wizard_by_its_forms_imports_as_the_cli_does() {
    let bytes = kontakte();
    let cli = Workspace::new();
    let file = cli.path("kontakte.csv");
    std::fs::write(&file, &bytes).expect("write");
    let results = cli.path("results.csv");
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
    ]);
    let by_cli: Value = serde_json::from_str(printed.trim()).expect("json");

    let (_ws, _server, browser) = signed_in();
    let id = upload(&browser, "kontakte.csv", &bytes);
    let file_page = browser.get(&format!("/imports/{id}/file"));
    assert_eq!(file_page.step(), "file");
    assert!(
        file_page.body.contains("<option value=\";\" selected>"),
        "read with semicolons: {}",
        file_page.body
    );
    assert!(file_page.body.contains("Jürgen"), "the file's encoding is read");

    let map = browser.get(&format!("/imports/{id}/map"));
    assert_eq!(map.step(), "map");
    assert!(map.body.contains("<option value=\"email\" selected>"), "the suggestion is pre-selected");
    let fields = preselected(&map);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mapped = browser.post(&format!("/imports/{id}/map"), &fields);
    assert_eq!(
        (mapped.status, mapped.location.clone()),
        (303, format!("/imports/{id}/options")),
        "{}",
        mapped.body
    );

    let options = browser.get(&format!("/imports/{id}/options"));
    assert_eq!(options.step(), "options");
    let csrf = options.csrf();
    let reviewed = browser.post(
        &format!("/imports/{id}/options"),
        &[
            ("csrf", &csrf),
            ("purpose", "add-update"),
            ("identifier", "email"),
            ("tags", "messe"),
            ("default_region", "de"),
        ],
    );
    assert_eq!(reviewed.status, 303, "{}", reviewed.body);
    let review = poll_until_done(&browser, &format!("/imports/{id}/review"), "reviewing");
    assert_eq!(review.step(), "review");
    for count in ["rows", "imported", "updated", "skipped", "errors"] {
        assert_eq!(
            review.text_of(&format!("count-{count}")),
            Some(by_cli[count].to_string()),
            "review's {count}: {}",
            review.body
        );
    }
    assert!(review.body.contains("id=\"error-rows\""), "the error rows are listed");
    assert!(review.body.contains("+491712345678"), "the first rows as they will be stored");
    let first_rows = review.body.split("id=\"first-rows\"").nth(1).and_then(|t| t.split("</table>").next());
    let first_rows = first_rows.expect("the first rows' table");
    assert_eq!(
        first_rows.matches("<td>messe</td>").count(),
        first_rows.matches("<th scope=\"row\">").count(),
        "each first row has the import's tag: {first_rows}"
    );

    let started = browser.post(&format!("/imports/{id}/start"), &[("csrf", &review.csrf())]);
    assert_eq!((started.status, started.location), (303, format!("/imports/{id}")));
    let result = poll_until_done(&browser, &format!("/imports/{id}"), "live");
    assert_eq!(result.step(), "results");
    assert_eq!(result.text_of("import-state").as_deref(), Some("completed"));
    for count in ["rows", "imported", "updated", "skipped", "errors"] {
        assert_eq!(result.text_of(&format!("count-{count}")), Some(by_cli[count].to_string()), "{count}");
    }
    let download = browser.get(&format!("/imports/{id}/files/results.csv"));
    assert_eq!(download.status, 200);
    let by_cli_file = std::fs::read_to_string(&results).expect("the CLI's results");
    assert_eq!(download.body, by_cli_file, "the results file is the CLI's");

    let events = browser.get(&format!("/imports/{id}/events"));
    assert!(events.content_type.starts_with("text/event-stream"), "{}", events.content_type);
    assert!(
        events.body.contains("event: end") && events.body.contains("\"state\":\"completed\""),
        "{}",
        events.body
    );

    let history = browser.get("/history");
    assert!(
        history.body.contains("kontakte.csv</a>") && history.body.contains("<td>anna@example.com</td>"),
        "who and what"
    );
    let contacts = browser.get("/contacts?q=juergen%40example.de");
    assert!(contacts.body.contains("Jürgen Weiß"), "{}", contacts.body);
    let link = contacts.body.split("href=\"/contacts/").nth(1).expect("a contact's link");
    let contact = browser.get(&format!("/contacts/{}", &link[..link.find('"').expect("the link ends")]));
    assert_eq!(contact.step(), "contact");
    assert!(contact.text_of("tags").is_some_and(|t| t.contains("messe")), "{}", contact.body);
    assert!(
        contact.body.contains("kontakte.csv</a>") && contact.body.contains("imported (completed)"),
        "{}",
        contact.body
    );

    let undo = browser.get(&format!("/imports/{id}/undo"));
    assert_eq!(undo.text_of("undo-deleted"), Some(by_cli["imported"].to_string()), "the dry run says what");
    let undone = browser.post(&format!("/imports/{id}/undo"), &[("csrf", &undo.csrf())]);
    assert_eq!(undone.text_of("undo-done").as_deref(), Some("The import was undone."), "{}", undone.body);
    assert!(browser.get("/contacts").body.contains("id=\"no-contacts\""), "its contacts are gone");
}

#[test]
fn users_are_added_listed_and_removed_and_a_removed_user_is_signed_out() {
    let (ws, server, browser) = signed_in();
    let link_only = ws.ok(&["users", "add", "ben@example.com", "--no-password"]);
    assert!(link_only.contains("sign-in links only"), "{link_only}");
    let listed = ws.ok(&["users", "list"]);
    assert!(listed.contains("anna@example.com") && listed.contains("admin"), "{listed}");
    assert!(listed.contains("ben@example.com") && listed.contains("link only"), "{listed}");
    let ben = Browser::new(&server.base);
    assert_eq!(ben.sign_in("ben@example.com", "").status, 401, "no password opens a link-only user");
    assert!(ws.fails(&["users", "add", "anna@example.com", "--no-password"]).contains("already"));
    ws.ok(&["users", "remove", "anna@example.com"]);
    assert_eq!(browser.get("/history").status, 303, "her session ended with her");
    assert!(!ws.ok(&["users", "list"]).contains("anna@example.com"));
}

#[test]
fn a_sign_in_link_is_mailed_to_a_user_and_works_once() {
    let Some(python) = python_peers() else { return };
    let ws = Workspace::new();
    ws.ok(&["users", "add", "carla@example.com", "--no-password"]);
    let maildir = ws.path("mail");
    let smtp = SmtpPeer::start(&python, &maildir);
    let server = Server::start_with(&ws, &smtp.flags("Intake <intake@example.org>"));
    let browser = Browser::new(&server.base);
    assert!(browser.get("/sign-in").body.contains("id=\"link-form\""), "the link form is offered");

    let unknown = browser.post("/sign-in/link", &[("email", "nobody@example.com")]);
    let known = browser.post("/sign-in/link", &[("email", "Carla@Example.com")]);
    assert_eq!(unknown.status, 200);
    assert_eq!(
        (unknown.status, unknown.text_of("notice")),
        (known.status, known.text_of("notice")),
        "the same answer"
    );
    let message = first_message(&python, &maildir);
    assert_eq!(message["to"], "carla@example.com");
    let text = message["text"].as_str().expect("a text");
    let link = text.lines().find_map(|l| l.find("/sign-in/link/").map(|at| l[at..].trim().to_string()));
    let link = link.expect("the e-mail has the link");
    let entries = std::fs::read_dir(maildir.join("new")).expect("the maildir").count();
    assert_eq!(entries, 1, "no e-mail for the unknown address");

    let page = browser.get(&link);
    assert!(page.body.contains("id=\"use-link\""), "opening the link uses it not: {}", page.body);
    let used = browser.post(&link, &[]);
    assert_eq!((used.status, used.location.as_str()), (303, "/"));
    assert_eq!(browser.get("/history").status, 200, "signed in");
    let again = Browser::new(&server.base).post(&link, &[]);
    assert_eq!(again.status, 410, "a link works once");
}

#[test]
fn the_contacts_page_shows_a_tags_contacts_and_keeps_the_tag_on_the_next_page() {
    let (ws, _server, browser) = signed_in();
    let mut csv = String::from("First Name,Email,Tags\n");
    for i in 0..60 {
        let tags = if i % 2 == 0 { "Messe" } else { "other" };
        csv.push_str(&format!("P{i}x,p{i}@example.com,{tags}\n"));
    }
    let file = ws.file("people.csv", &csv);
    ws.ok(&["import", path_str(&file)]);

    let tagged = browser.get("/contacts?tag=messe");
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    assert!(tagged.text_of("tag-filter").is_some_and(|t| t.contains("messe")), "{}", tagged.body);
    assert_eq!(tagged.body.matches("data-contact=").count(), 25);
    assert!(tagged.body.contains("P58x") && !tagged.body.contains("P59x"), "only the tag's: {}", tagged.body);
    let older = tagged.body.split("href=\"/contacts?before=").nth(1).expect("a link to older contacts");
    let older = format!("/contacts?before={}", &older[..older.find('"').expect("the link ends")]);
    assert!(older.ends_with("&amp;tag=messe"), "{older}");
    let next = browser.get(&older.replace("&amp;", "&"));
    assert_eq!(next.body.matches("data-contact=").count(), 5, "{}", next.body);
    assert!(next.body.contains("P0x") && !next.body.contains("P1x"), "{}", next.body);

    let unknown = browser.get("/contacts?tag=nobody");
    assert!(unknown.body.contains("id=\"no-contacts\""), "{}", unknown.body);
}

/// Asks for a sign-in link for `carla@example.com` from `base` and returns the e-mail's link.
fn mailed_link(python: &std::path::Path, maildir: &std::path::Path, base: &str) -> String {
    let answer = Browser::new(base).post("/sign-in/link", &[("email", "carla@example.com")]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let message = first_message(python, maildir);
    let text = message["text"].as_str().expect("a text").to_string();
    text.lines().find(|l| l.contains("/sign-in/link/")).expect("the e-mail has the link").trim().to_string()
}

#[test]
fn a_sign_in_links_address_is_the_public_url_else_the_one_the_request_came_to() {
    let Some(python) = python_peers() else { return };
    let ws = Workspace::new();
    ws.ok(&["users", "add", "carla@example.com", "--no-password"]);
    let maildir = ws.path("mail");
    let smtp = SmtpPeer::start(&python, &maildir);
    let smtp_flags = smtp.flags("intake@example.org");

    // No public URL: the host the browser asked (localhost), not the bound 127.0.0.1.
    let server = Server::start_with(&ws, &smtp_flags);
    let as_localhost = server.base.replace("127.0.0.1", "localhost");
    assert_ne!(as_localhost, server.base, "the service is bound to 127.0.0.1: {}", server.base);
    let link = mailed_link(&python, &maildir, &as_localhost);
    assert!(link.starts_with(&format!("{as_localhost}/sign-in/link/")), "{link}");
    drop(server);
    for entry in std::fs::read_dir(maildir.join("new")).expect("the maildir") {
        std::fs::remove_file(entry.expect("a message").path()).expect("take the message out");
    }

    // A public URL: that, whatever the request's host.
    let flags = [&smtp_flags[..], &["--public-url", "https://intake.example.org/"]].concat();
    let server = Server::start_with(&ws, &flags);
    let link = mailed_link(&python, &maildir, &server.base);
    assert!(link.starts_with("https://intake.example.org/sign-in/link/"), "{link}");
}
