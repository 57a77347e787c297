//! Notifications when an import ends, through a real `intake serve`: the workspace's webhooks
//! receive the summary at a real HTTP receiver in the test, signed with the secret shown at
//! creation, retried after a failure and given up after the last retry, every attempt
//! readable; only admins manage webhooks, and only their own workspace's; the key that started
//! the import gets an e-mail through a real SMTP server (Python's aiosmtpd) on a loopback port.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::peers::{SmtpPeer, first_message, python_peers};
use common::server::Server;
use common::{Workspace, path_str};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// Three people: Anna is imported, Ben's address is no address, the third has no first name.
const PEOPLE: &str = "First Name,Last Name,Email\n\
                      Anna,Schmidt,anna@example.com\n\
                      Ben,Meyer,not-an-address\n\
                      ,Ohne,ohne@example.com\n";

/// Every value of [`PEOPLE`]: none may leave the service in a notification.
const PEOPLE_VALUES: [&str; 7] =
    ["Anna", "Schmidt", "anna@example.com", "Ben", "Meyer", "not-an-address", "ohne@example.com"];

/// How long a test waits for a delivery.
const PATIENCE: Duration = Duration::from_secs(30);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    /// Header names in lower case.
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// An HTTP receiver on a loopback port: answers the n-th request (from 0) with `status(n)`
/// and keeps every request.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(status: impl Fn(usize) -> u16 + Send + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!("http://{}/hooks/intake", listener.local_addr().expect("its address"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&got);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(request) = read_request(&stream) else { continue };
                let n = {
                    let mut kept = kept.lock().expect("requests");
                    kept.push(request);
                    kept.len() - 1
                };
                let answer = format!(
                    "HTTP/1.1 {} Answer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    status(n)
                );
                let _ = (&stream).write_all(answer.as_bytes());
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("requests").clone()
    }

    /// Waits until `n` requests came, and returns them.
    fn wait_for(&self, n: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(started.elapsed() < PATIENCE, "{} of {n} requests came", got.len());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = HashMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let Some((name, value)) = line.trim_end().split_once(':') else { break };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received { headers, body })
}

/// The flag that lets webhooks go to this machine, where the tests' receivers listen.
const LOCAL_RECEIVERS: &str = "--webhook-allow-private";

/// A URL on which nothing listens: every attempt is refused.
fn refusing_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{address}/hook")
}

/// The key on the last line of `intake keys create`.
fn new_key(ws: &Workspace, args: &[&str]) -> String {
    let created = ws.ok(&[&["keys", "create"], args].concat());
    created.lines().last().expect("a key").to_string()
}

/// Uploads and runs [`PEOPLE`] with `key`, and returns the ended import.
fn import_people(server: &Server, key: &str) -> Value {
    let (status, uploaded) = server.upload(key, "people.csv", PEOPLE.as_bytes());
    assert_eq!(status, 201, "{uploaded}");
    let id = uploaded["id"].as_str().expect("an id").to_string();
    let (status, started) = server.post(&format!("/v1/imports/{id}/start"), key, &json!({}));
    assert_eq!(status, 202, "{started}");
    let done = server.finished(key, &id);
    assert_eq!(done["state"], "completed", "{done}");
    done
}

/// Waits until every delivery to webhook `id` is no longer pending (and there is one).
fn settled_deliveries(server: &Server, key: &str, id: &str) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let (status, deliveries) = server.get(&format!("/v1/webhooks/{id}/deliveries"), key);
        assert_eq!(status, 200, "{deliveries}");
        let deliveries = deliveries.as_array().cloned().unwrap_or_default();
        if !deliveries.is_empty() && deliveries.iter().all(|d| d["state"] != "pending") {
            return deliveries;
        }
        assert!(started.elapsed() < PATIENCE, "still pending: {deliveries:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `Intake-Signature: t=…,v1=…` as a receiver would: the HMAC of `t.body` under the
/// secret, and `t` within five minutes of now.
fn assert_signed(request: &Received, secret: &str) {
    let header = request.headers.get("intake-signature").expect("an Intake-Signature header");
    let parts: HashMap<&str, &str> = header.split(',').filter_map(|p| p.split_once('=')).collect();
    let t: i64 = parts.get("t").and_then(|t| t.parse().ok()).expect("t=");
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs() as i64;
    assert!((now - t).abs() < 300, "signed at {t}, now {now}");
    let signed = [t.to_string().as_bytes(), b".", &request.body].concat();
    assert_eq!(parts.get("v1").copied(), Some(hmac_hex(secret, &signed).as_str()), "{header}");
}

#[test]
fn a_webhook_receives_the_signed_summary_again_after_its_receiver_failed_once() {
    let ws = Workspace::new();
    // The receiver fails the first delivery, then takes them.
    let receiver = Receiver::start(|n| if n == 0 { 500 } else { 200 });
    let server = Server::start_with(
        &ws,
        &[LOCAL_RECEIVERS, "true", "--webhook-retry-base-ms", "200", "--webhook-retries", "3"],
    );
    let admin = server.first_key.clone();

    let (status, created) = server.post("/v1/webhooks", &admin, &json!({ "url": receiver.url }));
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().expect("the secret, shown once").to_string();
    assert!(secret.starts_with("whsec_") && secret.len() >= 6 + 32, "{secret}");
    assert_eq!(created["events"], json!(["import.completed", "import.failed", "import.cancelled"]));
    let webhook = created["id"].as_str().expect("an id").to_string();
    let (_, listed) = server.get("/v1/webhooks", &admin);
    assert_eq!(listed[0]["id"], webhook.as_str(), "{listed}");
    assert_eq!(listed[0]["url"], receiver.url.as_str());
    assert!(!listed.to_string().contains(&secret[6..]), "a listing shows the secret: {listed}");

    let done = import_people(&server, &admin);
    let id = done["id"].as_str().expect("id");
    let requests = receiver.wait_for(2);
    for request in &requests {
        assert_signed(request, &secret);
        assert_eq!(request.headers.get("intake-event").map(String::as_str), Some("import.completed"));
        assert_eq!(request.headers.get("content-type").map(String::as_str), Some("application/json"));
        let text = String::from_utf8(request.body.clone()).expect("UTF-8");
        for value in PEOPLE_VALUES {
            assert!(!text.contains(value), "the payload carries {value:?}: {text}");
        }
        let body: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            (body["event"].as_str(), body["workspace"].as_str()),
            (Some("import.completed"), Some("default"))
        );
        let import = &body["import"];
        assert_eq!((import["id"].as_str(), import["file_name"].as_str()), (Some(id), Some("people.csv")));
        assert_eq!(import["state"], "completed");
        assert_eq!(import["counts"], done["counts"], "the counts differ from the import's");
        assert_eq!(import["counts"]["imported"], 1);
        assert_eq!(import["counts"]["errors"], 2);
        assert_eq!(import["top_error_reasons"].as_array().map(Vec::len), Some(2), "{body}");
        assert_eq!(import["results_url"], format!("{}/v1/imports/{id}/results.csv", server.base));
        assert_eq!(import["errors_url"], format!("{}/v1/imports/{id}/errors.csv", server.base));
        assert_eq!(import["finished_at"], done["finished_at"]);
        assert_eq!(body["delivery"].as_str(), request.headers.get("intake-delivery").map(String::as_str));
    }
    assert_eq!(
        requests[0].headers["intake-delivery"], requests[1].headers["intake-delivery"],
        "one delivery, retried"
    );

    let deliveries = settled_deliveries(&server, &admin, &webhook);
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let delivery = &deliveries[0];
    assert_eq!(delivery["id"].as_str(), Some(requests[0].headers["intake-delivery"].as_str()));
    assert_eq!(
        (delivery["state"].as_str(), delivery["event"].as_str()),
        (Some("delivered"), Some("import.completed"))
    );
    let statuses: Vec<&Value> =
        delivery["attempts"].as_array().expect("attempts").iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(200)], "{delivery}");
    assert!(delivery["attempts"][0]["error"].as_str().is_some_and(|e| e.contains("500")), "{delivery}");
    assert!(delivery["delivered_at"].is_i64(), "{delivery}");
    assert_eq!(delivery["last_status"], 200);

    let (_, log) = server.get("/v1/audit", &admin);
    let created_line =
        log.as_array().expect("lines").iter().find(|l| l["action"] == "webhook.create").cloned();
    let created_line = created_line.expect("webhook.create in the audit log");
    assert_eq!(created_line["target"], format!("webhook:{webhook}"));
    assert!(!log.to_string().contains(&secret[6..]), "the audit log shows the secret");
}

#[test]
fn a_delivery_left_for_a_retry_is_sent_by_the_service_started_again() {
    let ws = Workspace::new();
    let receiver = Receiver::start(|n| if n == 0 { 500 } else { 200 });
    let flags = [LOCAL_RECEIVERS, "true", "--webhook-retry-base-ms", "2000", "--webhook-retries", "3"];
    let server = Server::start_with(&ws, &flags);
    let admin = server.first_key.clone();
    let (_, created) = server.post("/v1/webhooks", &admin, &json!({ "url": receiver.url }));
    let webhook = created["id"].as_str().expect("id").to_string();
    import_people(&server, &admin);
    receiver.wait_for(1);
    // The failed attempt is recorded; the retry is two seconds away when the service dies.
    let deliveries = format!("/v1/webhooks/{webhook}/deliveries");
    let started = Instant::now();
    while server.get(&deliveries, &admin).1[0]["attempts"].as_array().map_or(0, Vec::len) < 1 {
        assert!(started.elapsed() < PATIENCE, "the first attempt is not recorded");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);

    let again = Server::start_with(&ws, &flags);
    let delivered = settled_deliveries(&again, &admin, &webhook);
    assert_eq!(delivered[0]["state"], "delivered", "{delivered:?}");
    let statuses: Vec<&Value> =
        delivered[0]["attempts"].as_array().expect("attempts").iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(200)]);
    let requests = receiver.received();
    assert_eq!(requests.len(), 2, "one attempt per process");
    assert_eq!(requests[0].headers["intake-delivery"], requests[1].headers["intake-delivery"]);
}

#[test]
fn a_delivery_that_always_fails_is_given_up_after_the_last_retry_with_every_attempt_logged() {
    let ws = Workspace::new();
    let failing = Receiver::start(|_| 503);
    let server = Server::start_with(
        &ws,
        &[LOCAL_RECEIVERS, "true", "--webhook-retry-base-ms", "50", "--webhook-retries", "2"],
    );
    let admin = server.first_key.clone();
    let create = |url: &str, events: Value| {
        let (status, created) = server.post("/v1/webhooks", &admin, &json!({ "url": url, "events": events }));
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().expect("id").to_string()
    };
    let answering_503 = create(&failing.url, json!(["import.completed"]));
    let refusing = create(&refusing_url(), json!(["import.completed", "import.failed"]));
    let only_failures = create(&failing.url, json!(["import.failed"]));

    import_people(&server, &admin);
    let deliveries = settled_deliveries(&server, &admin, &answering_503);
    assert_eq!(deliveries[0]["state"], "failed", "{deliveries:?}");
    let statuses: Vec<&Value> =
        deliveries[0]["attempts"].as_array().expect("attempts").iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(503), &json!(503), &json!(503)], "the first attempt and two retries");
    assert_eq!(deliveries[0]["last_status"], 503);

    let deliveries = settled_deliveries(&server, &admin, &refusing);
    assert_eq!(deliveries[0]["state"], "failed", "{deliveries:?}");
    let attempts = deliveries[0]["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    for attempt in attempts {
        assert!(attempt["status"].is_null(), "no answer, no status: {attempt}");
        assert!(attempt["error"].as_str().is_some_and(|e| !e.is_empty()), "{attempt}");
    }

    // Nothing more comes after the last retry, and a webhook of another event gets nothing.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(failing.received().len(), 3, "requests after the delivery was given up");
    assert_eq!(server.get(&format!("/v1/webhooks/{only_failures}/deliveries"), &admin).1, json!([]));
}

#[test]
fn a_webhook_to_this_machine_gets_nothing_once_the_service_no_longer_allows_private_addresses() {
    let ws = Workspace::new();
    let receiver = Receiver::start(|_| 200);
    let allowing = Server::start_with(&ws, &[LOCAL_RECEIVERS, "true", "--webhook-retries", "0"]);
    let admin = allowing.first_key.clone();
    let (status, created) = allowing.post("/v1/webhooks", &admin, &json!({ "url": receiver.url }));
    assert_eq!(status, 201, "{created}");
    let webhook = created["id"].as_str().expect("id").to_string();
    drop(allowing);

    // Started again without the flag: the delivery is refused as it connects, not sent.
    let server = Server::start_with(&ws, &["--webhook-retries", "0"]);
    import_people(&server, &admin);
    let deliveries = settled_deliveries(&server, &admin, &webhook);
    assert_eq!(deliveries[0]["state"], "failed", "{deliveries:?}");
    let error = deliveries[0]["attempts"][0]["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("no public address") && error.contains("--webhook-allow-private"), "{error}");
    assert!(receiver.received().is_empty(), "the receiver on this machine was called");
}

#[test]
fn an_import_run_from_the_command_line_is_told_to_the_webhooks_too() {
    let ws = Workspace::new();
    let receiver = Receiver::start(|_| 200);
    let server = Server::start_with(&ws, &[LOCAL_RECEIVERS, "true"]);
    let admin = server.first_key.clone();
    let (_, created) = server.post("/v1/webhooks", &admin, &json!({ "url": receiver.url }));
    let secret = created["secret"].as_str().expect("secret").to_string();

    let file = ws.file("cli.csv", "First Name,Email\nAnna,anna@example.com\nBen,not an address\n");
    let (counts, _) = ws.import(&file, &[]);
    ws.ok(&["import", path_str(&file), "--dry-run"]);
    let requests = receiver.wait_for(1);
    assert_signed(&requests[0], &secret);
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert_eq!(body["event"], "import.completed", "{body}");
    let import = &body["import"];
    assert_eq!((import["id"].as_str(), import["file_name"].as_str()), (Some("1"), Some("cli.csv")), "{body}");
    assert_eq!(
        (import["counts"]["imported"].as_u64(), import["counts"]["errors"].as_u64()),
        (Some(counts.imported), Some(counts.errors))
    );
    let webhook = created["id"].as_str().expect("id");
    let (_, deliveries) = server.get(&format!("/v1/webhooks/{webhook}/deliveries"), &admin);
    assert_eq!(
        deliveries.as_array().map(Vec::len),
        Some(1),
        "a dry run is no import to tell of: {deliveries}"
    );
}

/// A process killed after an import ended but before it recorded the notifications (here:
/// the store put back in that state) leaves the end untold; the next service tells it, once.
#[test]
fn an_import_end_a_killed_process_left_untold_is_told_once_by_the_next_service() {
    let ws = Workspace::new();
    let receiver = Receiver::start(|_| 200);
    let first = Server::start_with(&ws, &[LOCAL_RECEIVERS, "true"]);
    let admin = first.first_key.clone();
    let (_, created) = first.post("/v1/webhooks", &admin, &json!({ "url": receiver.url }));
    let webhook = created["id"].as_str().expect("id").to_string();
    drop(first);

    let file = ws.file("cli.csv", "First Name,Email\nAnna,anna@example.com\n");
    ws.import(&file, &[]);
    let store = rusqlite::Connection::open(ws.db()).expect("open the store");
    store
        .execute_batch("UPDATE imports SET notified_at = NULL; DELETE FROM notifications;")
        .expect("the state a kill between the import's end and its notifications leaves");
    drop(store);

    // A retention of a second makes the service sweep every second: it may tell it once only.
    let server = Server::start_with(&ws, &[LOCAL_RECEIVERS, "true", "--retention", "1"]);
    let requests = receiver.wait_for(1);
    let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert_eq!(
        (body["event"].as_str(), body["import"]["id"].as_str()),
        (Some("import.completed"), Some("1"))
    );
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(receiver.received().len(), 1, "the end was told more than once");
    let (_, deliveries) = server.get(&format!("/v1/webhooks/{webhook}/deliveries"), &admin);
    assert_eq!(deliveries.as_array().map(Vec::len), Some(1), "{deliveries}");
}

#[test]
fn only_admins_manage_webhooks_and_only_their_own_workspaces() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let admin = server.first_key.clone();
    let member = new_key(&ws, &["--role", "member"]);
    let other_admin = new_key(&ws, &["--workspace", "other", "--role", "admin"]);
    let (status, created) =
        server.post("/v1/webhooks", &admin, &json!({ "url": "https://hooks.example.com/intake" }));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let (one, deliveries) = (format!("/v1/webhooks/{id}"), format!("/v1/webhooks/{id}/deliveries"));

    for (status, body) in [
        server.post("/v1/webhooks", &member, &json!({ "url": "https://hooks.example.com/x" })),
        server.get("/v1/webhooks", &member),
        server.get(&deliveries, &member),
        server.delete(&one, &member),
    ] {
        assert_eq!((status, body["error"]["code"].clone()), (403, json!("forbidden")), "{body}");
    }

    // Another workspace's admin: its list is empty, the webhook is 404 as a missing one.
    assert_eq!(server.get("/v1/webhooks", &other_admin), (200, json!([])));
    let (_, missing) = server.get("/v1/webhooks/999/deliveries", &other_admin);
    for (status, body) in [server.get(&deliveries, &other_admin), server.delete(&one, &other_admin)] {
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], missing["error"]["code"]);
    }

    for (url, events, field) in [
        (json!("ftp://hooks.example.com/"), Value::Null, "url"),
        (json!("hooks.example.com/intake"), Value::Null, "url"),
        (json!("http://"), Value::Null, "url"),
        // The service's own machine and network, without --webhook-allow-private.
        (json!("http://127.0.0.1:8080/hook"), Value::Null, "url"),
        (json!("http://localhost/hook"), Value::Null, "url"),
        (json!("http://169.254.169.254/latest/meta-data/"), Value::Null, "url"),
        (json!("http://[::1]/hook"), Value::Null, "url"),
        (json!("http://10.0.0.7/hook"), Value::Null, "url"),
        (json!("https://hooks.example.com/"), json!(["import.started"]), "events"),
        (json!("https://hooks.example.com/"), json!([]), "events"),
    ] {
        let mut request = json!({ "url": url });
        if !events.is_null() {
            request["events"] = events;
        }
        let (status, body) = server.post("/v1/webhooks", &admin, &request);
        assert_eq!(status, 422, "{request}: {body}");
        let private =
            ["127.", "localhost", "169.254", "[::1]", "10.0"].iter().any(|p| url.to_string().contains(p));
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!private || message.contains("--webhook-allow-private"), "{request}: {message}");
        assert_eq!(
            (body["error"]["code"].as_str(), body["error"]["details"]["field"].as_str()),
            (Some("invalid"), Some(field))
        );
    }

    assert_eq!(server.delete(&one, &admin).0, 204);
    assert_eq!(server.get("/v1/webhooks", &admin), (200, json!([])));
    assert_eq!(server.delete(&one, &admin).0, 404, "deleted twice");
    assert_eq!(server.get(&deliveries, &admin).0, 404);
    let (_, log) = server.get("/v1/audit", &admin);
    let actions: Vec<&str> =
        log.as_array().expect("lines").iter().filter_map(|l| l["action"].as_str()).collect();
    assert_eq!(actions[..2], ["webhook.delete", "webhook.create"], "{log}");

    let (_, doc) = server.get("/openapi.json", "");
    for path in ["/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/deliveries"] {
        assert!(doc["paths"][path].is_object(), "{path} is not in the OpenAPI document");
    }
}

#[test]
fn a_key_has_an_optional_notify_address_checked_as_imports_check_addresses() {
    let ws = Workspace::new();
    let server = Server::start(&ws);
    let admin = server.first_key.clone();
    let (status, created) = server.post("/v1/keys", &admin, &json!({ "email": " Ops@Example.com " }));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email"], "ops@example.com");
    let (status, refused) = server.post("/v1/keys", &admin, &json!({ "email": "ops at example" }));
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("notify address")), "{refused}");
    assert!(ws.fails(&["keys", "create", "--email", "nobody"]).contains("notify address"));
    ws.ok(&["keys", "create", "--email", "crm@example.org"]);
    let listed: Value = serde_json::from_str(ws.ok(&["keys", "list", "--json"]).trim()).expect("JSON");
    assert_eq!(listed[2]["email"], "crm@example.org", "{listed}");
    assert!(ws.ok(&["keys", "list"]).contains("notifies crm@example.org"));
    let (_, keys) = server.get("/v1/keys", &admin);
    let emails: Vec<&Value> = keys.as_array().expect("keys").iter().map(|k| &k["email"]).collect();
    assert_eq!(emails, [&Value::Null, &json!("ops@example.com"), &json!("crm@example.org")]);
    let (_, log) = server.get("/v1/audit", &admin);
    assert!(!log.to_string().contains("example.org") && !log.to_string().contains("ops@"), "{log}");
}

#[test]
fn notification_settings_that_cannot_work_are_refused_before_a_first_key_is_made() {
    let ws = Workspace::new();
    for (flags, says) in [
        (&["--smtp-host", "localhost"][..], "--smtp-from is needed with --smtp-host"),
        (&["--smtp-host", "localhost", "--smtp-from", "no address"][..], "--smtp-from \"no address\""),
        (&["--smtp-host", "h", "--smtp-from", "i@example.org", "--smtp-user", "u"][..], "go together"),
        (&["--smtp-tls", "maybe"][..], "use none, starttls or tls"),
        (&["--public-url", "intake.example.com"][..], "--public-url"),
    ] {
        let refused = ws.fails(&[&["serve", "--bind", "127.0.0.1:0"], flags].concat());
        assert!(refused.contains(says), "{flags:?}: {refused}");
    }
    // Refused before the store is even opened: none was made, and so no key.
    if ws.db().exists() {
        let db = rusqlite::Connection::open(ws.db()).expect("open");
        let keys: i64 = db.query_row("SELECT count(*) FROM api_keys", [], |r| r.get(0)).expect("count");
        assert_eq!(keys, 0, "a refused start made (and showed) a key");
    }
}

#[test]
fn the_key_that_started_an_import_gets_an_email_with_the_counts_and_the_links() {
    let Some(python) = python_peers() else { return };
    let ws = Workspace::new();
    let maildir = ws.path("mail");
    let smtp = SmtpPeer::start(&python, &maildir);
    let key = new_key(&ws, &["--role", "member", "--email", "Ops@Example.com"]);
    let log = ws.path("serve.log");
    let server = Server::start_logged(&ws, &smtp.flags("Intake <intake@example.org>"), &log);

    let done = import_people(&server, &key);
    let id = done["id"].as_str().expect("id");
    let message = first_message(&python, &maildir);
    assert_eq!(message["to"], "ops@example.com");
    assert_eq!(message["from"], "Intake <intake@example.org>");
    assert_eq!(message["subject"], format!("Import {id} (people.csv) completed: 3 rows, 2 errors"));
    let text = message["text"].as_str().expect("a text");
    for name in ["rows", "imported", "updated", "skipped", "errors"] {
        let count = done["counts"][name].as_u64().expect("a count");
        let line = format!("{:<10}{count:>10}", format!("{name}:"));
        assert!(text.contains(&line), "{line:?} not in {text}");
    }
    assert!(text.contains("× a first name is required to create a contact"), "{text}");
    assert!(text.contains(&format!("Results file: {}/v1/imports/{id}/results.csv", server.base)), "{text}");
    assert!(text.contains(&format!("Error file:   {}/v1/imports/{id}/errors.csv", server.base)), "{text}");
    for value in PEOPLE_VALUES {
        assert!(!text.contains(value), "the e-mail carries {value:?}: {text}");
    }

    // The service says it sent it, and never whom to, nor anything of the file.
    let started = Instant::now();
    let logged = loop {
        let logged = std::fs::read_to_string(&log).expect("the log");
        if logged.contains("notification delivered") || started.elapsed() > PATIENCE {
            break logged;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(logged.contains("notification delivered") && logged.contains("kind=\"email\""), "{logged}");
    for value in PEOPLE_VALUES.iter().chain(&["ops@example.com", "Ops@Example.com"]) {
        assert!(!logged.contains(value), "the log shows {value:?}: {logged}");
    }
    drop(smtp);
}
