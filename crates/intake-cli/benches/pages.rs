//! Web pages benchmark: how long each page of `intake serve` takes on a store holding the
//! import benchmark's contacts (a million by default; see `benches/data`), from its request
//! to its whole body, against a reference measured in the same run.
//!
//! 1. `intake import FILE` by the CLI into an empty store (as the import bench runs it), and
//!    `intake users add` of an admin;
//! 2. `intake serve`, its first start on the loaded store; the person signs in and opens the
//!    contacts page and a name search at once, while the service builds the indexes the bulk
//!    load dropped; then the bench waits for its log line saying they are ready (the time
//!    from its start to then is printed);
//! 3. through the API, the same file uploaded and reviewed (the dry-run job), so that there
//!    is a review page to show;
//! 4. each page once in turn, "cold": its first request in this process (an index a page
//!    needs that is still missing would be built by that request, as the listings do when
//!    the service has not built them);
//! 5. each page `INTAKE_BENCH_REPEATS` times more (20 by default), "warm": the median and
//!    the slowest;
//! 6. `intake serve` stopped and started again: each page's first request after a restart
//!    (the indexes are built now, the process and its page cache are new).
//!
//! The references: the sign-in page (no store work but the session check; no session here),
//! and the newest 25 contacts read with a plain SQLite query in this process, the number of
//! contacts a page of the list shows. Every page should be under 50 ms (the target),
//! printed PASS or MISS for the warm median and for the cold request; a MISS does not fail the
//! run, a page that does not answer 200 with its content does.
//!
//! `cargo bench -p intake-cli --bench pages`; a quick check with `INTAKE_BENCH_ROWS=50000
//! INTAKE_BENCH_REPEATS=5`.
//! See `docs/benchmarks.md`.

mod data;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use data::{DataSet, bench_file, import_command, json_summary};
use intake_benchdata::{count_from_env, thousands};
use serde_json::{Value, json};

const INTAKE: &str = env!("CARGO_BIN_EXE_intake");
const DEFAULT_ROWS: u64 = 1_000_000;
const DEFAULT_REPEATS: u64 = 20;
/// The target: every page's HTML within this on the server.
const TARGET_MS: f64 = 50.0;
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "a long benchmark password";

fn main() -> anyhow::Result<()> {
    let rows = count_from_env("INTAKE_BENCH_ROWS", DEFAULT_ROWS).map_err(anyhow::Error::msg)?.max(100);
    let repeats = count_from_env("INTAKE_BENCH_REPEATS", DEFAULT_REPEATS).map_err(anyhow::Error::msg)?.max(1);
    let data = DataSet::from_env()?;
    let (dir, csv) = bench_file("intake-pages-bench-", "intake pages benchmark", rows, data)?;

    let db = dir.path().join("pages.db");
    data.prepare_store(&db)?;
    let started = Instant::now();
    let cli_import = cli_import(&db, &csv)?;
    println!("intake import: {:.2} s (import {cli_import})", started.elapsed().as_secs_f64());
    add_user(&db)?;

    // The first start after the bulk load: a page at once (while the service may still be
    // building the indexes the load dropped), then the rest once it says they are ready.
    let service = Service::start(dir.path(), &db)?;
    let cookie = service.sign_in()?;
    let at_start = Page::new("contacts, first page", "/contacts", "data-contact=");
    let at_start = service.time(&at_start, Some(&cookie))?;
    let search_at_start = Page::new("a name search", "/contacts?q=m", "data-contact=");
    let search_at_start = service.time(&search_at_start, Some(&cookie))?;
    let ready = service.indexes_ready()?;
    println!(
        "intake serve listened after {:.2} s; at once the contacts page took {:.1} ms ({}) and a name \
         search {:.1} ms ({}); the page indexes were ready {:.2} s after its start",
        service.started_in,
        at_start * 1000.0,
        verdict(at_start),
        search_at_start * 1000.0,
        verdict(search_at_start),
        ready
    );
    let key = service.key.clone().context("intake serve printed no key on its first start")?;
    let reviewed = review_through_api(&service, &key, &csv)?;
    let pages = Pages::of(&db, cli_import, &reviewed)?;
    let mut timings: Vec<Timing> = Vec::new();
    for page in &pages.list {
        let cold = service.time(page, Some(&cookie))?;
        timings.push(Timing { cold, warm: Vec::new(), restart: 0.0 });
    }
    for _ in 0..repeats {
        for (page, timing) in pages.list.iter().zip(&mut timings) {
            timing.warm.push(service.time(page, Some(&cookie))?);
        }
    }
    let sign_in = Page::new("sign-in page (reference)", "/sign-in", "id=\"password\"");
    let mut reference: Vec<f64> = Vec::new();
    for _ in 0..repeats {
        reference.push(service.time(&sign_in, None)?);
    }
    drop(service);

    let service = Service::start(dir.path(), &db)?;
    for (page, timing) in pages.list.iter().zip(&mut timings) {
        timing.restart = service.time(page, Some(&cookie))?;
    }
    drop(service);
    let sqlite = sqlite_reference(&db, repeats)?;
    print_table(rows, &pages.list, &mut timings, &mut reference, sqlite);
    Ok(())
}

/// One page to time: its path, and a piece of its HTML that shows it has its content.
struct Page {
    name: String,
    path: String,
    expect: String,
}

impl Page {
    fn new(name: &str, path: &str, expect: &str) -> Page {
        Page { name: name.to_string(), path: path.to_string(), expect: expect.to_string() }
    }
}

/// The pages, with values read from the store (a contact in the middle of it).
struct Pages {
    list: Vec<Page>,
}

impl Pages {
    fn of(db: &Path, cli_import: i64, reviewed: &str) -> anyhow::Result<Pages> {
        let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let max: i64 = conn.query_row("SELECT max(id) FROM contacts", [], |r| r.get(0))?;
        // A contact in the middle of the store with a last name, an e-mail address and a phone.
        let (id, last, email, phone): (i64, String, String, String) = conn.query_row(
            "SELECT id, last_name, email, phone FROM contacts WHERE id <= ?1 \
             AND last_name IS NOT NULL AND email IS NOT NULL AND phone IS NOT NULL \
             ORDER BY id DESC LIMIT 1",
            [max / 2],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let first: String =
            conn.query_row("SELECT coalesce(first_name, '') FROM contacts WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        let tag: Option<String> =
            conn.query_row("SELECT name FROM tags ORDER BY id LIMIT 1 OFFSET 1", [], |r| r.get(0)).ok();
        let row = format!("data-contact=\"{id}\"");
        let mut list = vec![
            Page::new("contacts, first page", "/contacts", "data-contact="),
            Page::new("contacts, a later page", &format!("/contacts?before={}", max / 2), "data-contact="),
            Page::new("search: last name", &format!("/contacts?q={}", encode(&last)), "data-contact="),
            Page::new(
                "search: first and last name",
                &format!("/contacts?q={}", encode(&format!("{first} {last}"))),
                "data-contact=",
            ),
            Page::new(
                "search: name prefix (2 letters)",
                &format!("/contacts?q={}", encode(&last.chars().take(2).collect::<String>())),
                "data-contact=",
            ),
            Page::new(
                "search: one letter",
                &format!("/contacts?q={}", encode(&last.chars().take(1).collect::<String>())),
                "data-contact=",
            ),
            Page::new("search: e-mail", &format!("/contacts?q={}", encode(&email)), &row),
            Page::new("search: phone", &format!("/contacts?q={}", encode(&phone)), &row),
        ];
        if let Some(tag) = tag {
            list.push(Page::new(
                "contacts with a tag",
                &format!("/contacts?tag={}", encode(&tag)),
                "data-contact=",
            ));
        }
        list.extend([
            Page::new("one contact", &format!("/contacts/{id}"), &format!("/imports/{cli_import}")),
            Page::new("history", "/history", &format!("/imports/{cli_import}")),
            Page::new("an import (results)", &format!("/imports/{cli_import}"), "data-step=\"results\""),
            Page::new("an import's review", &format!("/imports/{reviewed}/review"), "data-step=\"review\""),
        ]);
        Ok(Pages { list })
    }
}

/// A page's times, in seconds.
struct Timing {
    cold: f64,
    warm: Vec<f64>,
    restart: f64,
}

/// `intake import FILE` of the bench data into `db`: the import's id.
fn cli_import(db: &Path, csv: &Path) -> anyhow::Result<i64> {
    let output = import_command(db, csv, &db.with_extension("results.csv"))
        .stderr(Stdio::inherit())
        .output()
        .context("running intake import")?;
    ensure!(output.status.success(), "intake import exited with {}", output.status);
    let summary: Value = json_summary(&String::from_utf8_lossy(&output.stdout))?;
    let id = &summary["import_id"];
    id.as_i64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        .with_context(|| format!("no import_id in {summary}"))
}

/// Uploads `csv` through the API and reviews it: the import's id.
fn review_through_api(service: &Service, key: &str, csv: &Path) -> anyhow::Result<String> {
    let auth = format!("Bearer {key}");
    let mut response = service
        .agent
        .post(format!("{}/v1/imports?filename=contacts.csv", service.base))
        .header("Authorization", &auth)
        .header("Content-Type", "text/csv")
        .send(ureq::SendBody::from_owned_reader(std::fs::File::open(csv)?))?;
    let uploaded: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    let id = uploaded["id"].as_str().context("the upload has no id")?.to_string();
    let url = format!("{}/v1/imports/{id}", service.base);
    let response = service
        .agent
        .patch(&url)
        .header("Authorization", &auth)
        .send_json(json!({ "default_region": "DE" }))?;
    ensure!(response.status().as_u16() < 300, "PATCH of the import: {}", response.status());
    let response =
        service.agent.post(format!("{url}/review")).header("Authorization", &auth).send_json(json!({}))?;
    ensure!(response.status().as_u16() < 300, "POST review: {}", response.status());
    loop {
        let mut response = service.agent.get(&url).header("Authorization", &auth).call()?;
        let import: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
        match import["state"].as_str() {
            Some("reviewing") => std::thread::sleep(Duration::from_millis(50)),
            Some("reviewed") => return Ok(id),
            _ => anyhow::bail!("the review ended {import}"),
        }
    }
}

fn add_user(db: &Path) -> anyhow::Result<()> {
    let mut child = Command::new(INTAKE)
        .arg("--db")
        .arg(db)
        .args(["users", "add", EMAIL, "--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("running intake users add")?;
    child.stdin.take().context("piped stdin")?.write_all(format!("{PASSWORD}\n").as_bytes())?;
    let status = child.wait()?;
    ensure!(status.success(), "intake users add exited with {status}");
    Ok(())
}

/// A running `intake serve`, stopped (by its PID) when dropped.
struct Service {
    child: Child,
    base: String,
    /// The admin key it printed on its first start.
    key: Option<String>,
    agent: ureq::Agent,
    /// From its spawn to its "listening on" line, in seconds.
    started_in: f64,
    /// Told, in seconds from the spawn, when the log says the page indexes are ready (the
    /// first time is the start's: no import job runs before the benchmark waits for it).
    ready: std::sync::mpsc::Receiver<f64>,
}

impl Service {
    fn start(dir: &Path, db: &PathBuf) -> anyhow::Result<Service> {
        let started = Instant::now();
        let mut child = Command::new(INTAKE)
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(dir.join("serve-data"))
            .env("INTAKE_LOG", "intake_server=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting intake serve")?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let (tell, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("the page indexes are ready") {
                    let _ = tell.send(started.elapsed().as_secs_f64());
                }
            }
        });
        let stdout = child.stdout.take().context("piped stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut key = None;
        let base = loop {
            let line = lines.next().context("intake serve ended before it listened")??;
            if line.starts_with("ik_") {
                key = Some(line);
            } else if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_string();
            }
        };
        let started_in = started.elapsed().as_secs_f64();
        std::thread::spawn(move || for _ in lines {});
        let agent =
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent();
        Ok(Service { child, base, key, agent, started_in, ready })
    }

    /// Waits for the log line saying the page indexes are ready: seconds from the start.
    fn indexes_ready(&self) -> anyhow::Result<f64> {
        self.ready
            .recv_timeout(Duration::from_secs(300))
            .context("intake serve never said its page indexes were ready")
    }

    /// Signs the benchmark's person in: the session cookie.
    fn sign_in(&self) -> anyhow::Result<String> {
        let body = format!("email={}&password={}&next=%2F", encode(EMAIL), encode(PASSWORD));
        let response = self
            .agent
            .post(format!("{}/sign-in", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes())?;
        ensure!(response.status().as_u16() == 303, "sign-in answered {}", response.status());
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.strip_prefix("intake_session=").map(|rest| rest.split(';').next().unwrap_or("").to_string())
            })
            .filter(|c| !c.is_empty())
            .context("no session cookie")
    }

    /// `GET page` from the request to its whole body, in seconds; fails unless it answers
    /// 200 with the page's expected content.
    fn time(&self, page: &Page, cookie: Option<&str>) -> anyhow::Result<f64> {
        let mut request = self.agent.get(format!("{}{}", self.base, page.path));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", format!("intake_session={cookie}"));
        }
        let asked = Instant::now();
        let mut response = request.call()?;
        let body = response.body_mut().with_config().limit(1 << 30).read_to_string()?;
        let elapsed = asked.elapsed().as_secs_f64();
        let status = response.status().as_u16();
        ensure!(status == 200, "{} ({}): {status}", page.name, page.path);
        ensure!(body.contains(&page.expect), "{} ({}) lacks {:?}", page.name, page.path, page.expect);
        Ok(elapsed)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The median time of reading the newest 25 contacts' rows with a plain query, in seconds.
fn sqlite_reference(db: &Path, repeats: u64) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut times = Vec::new();
    for _ in 0..repeats {
        let asked = Instant::now();
        let mut stmt = conn.prepare("SELECT * FROM contacts ORDER BY id DESC LIMIT 25")?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut read = 0;
        while let Some(row) = rows.next()? {
            for at in 0..columns {
                let _ = row.get_ref(at)?;
            }
            read += 1;
        }
        ensure!(read == 25, "the store has fewer than 25 contacts");
        times.push(asked.elapsed().as_secs_f64());
    }
    Ok(median(&mut times))
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(0.0)
}

/// PASS when `seconds` is within the target, else MISS.
fn verdict(seconds: f64) -> &'static str {
    if seconds * 1000.0 < TARGET_MS { "PASS" } else { "MISS" }
}

fn print_table(rows: u64, pages: &[Page], timings: &mut [Timing], reference: &mut [f64], sqlite: f64) {
    let reference = median(reference);
    let ms = |seconds: f64| seconds * 1000.0;
    println!();
    println!("{} contacts; times in ms from request to whole body; target < {TARGET_MS} ms", thousands(rows));
    println!(
        "references: sign-in page {:.2} ms (median), the newest 25 contacts by a plain SQLite query {:.3} ms",
        ms(reference),
        ms(sqlite)
    );
    println!(
        "{:<34} {:>9} {:>5} {:>9} {:>9} {:>5} {:>9} {:>9}",
        "page", "cold", "", "warm p50", "warm max", "", "× sign-in", "restart"
    );
    for (page, timing) in pages.iter().zip(timings.iter_mut()) {
        let warm = median(&mut timing.warm);
        let max = timing.warm.iter().copied().fold(0.0, f64::max);
        println!(
            "{:<34} {:>9.1} {:>5} {:>9.1} {:>9.1} {:>5} {:>9.1} {:>9.1}",
            page.name,
            ms(timing.cold),
            verdict(timing.cold),
            ms(warm),
            ms(max),
            verdict(warm),
            warm / reference,
            ms(timing.restart),
        );
    }
}

/// A form or query value encoded as a browser sends it.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
