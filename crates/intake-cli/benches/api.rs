//! API benchmark: the import benchmark's file (see `benches/import.rs` and `benches/data`)
//! through `intake serve`, beside the CLI's import of it in the same run.
//!
//! Each round, from empty stores:
//!
//! 1. `intake import FILE` (the CLI, timed from spawn to exit: the reference),
//! 2. through the API: upload (a raw body streamed from the file), review (the dry-run job)
//!    and import (the job), each phase timed from its request to the state that ends it;
//! 3. the same through the API while 50 clients poll the import's progress (`GET
//!    /v1/imports/{id}`, each every 100 ms), with the polls' latencies.
//!
//! Then an upload of about `INTAKE_BENCH_UPLOAD_MB` MB (500 by default: the benchmark file
//! repeated), with the server's peak RSS (`VmHWM`) after the upload and the count of its rows.
//!
//! Targets, reported PASS or MISS: the API's import phase within 10 % of the CLI's import;
//! the polled import within 10 % of the unpolled one; the server under 100 MB RSS through
//! the big upload. It fails when a request fails or the counts differ from the CLI's.
//!
//! `cargo bench -p intake-cli --bench api`; a quick check with `INTAKE_BENCH_ROWS=50000
//! INTAKE_BENCH_ROUNDS=1 INTAKE_BENCH_UPLOAD_MB=50`. See `docs/benchmarks.md`.

mod data;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use data::{DataSet, bench_file, import_command, json_summary};
use intake_benchdata::{count_from_env, mib, thousands};
use serde_json::{Value, json};

const INTAKE: &str = env!("CARGO_BIN_EXE_intake");
const DEFAULT_ROWS: u64 = 1_000_000;
const DEFAULT_ROUNDS: u64 = 2;
const DEFAULT_UPLOAD_MB: u64 = 500;
const POLLERS: usize = 50;
const POLL_EVERY: Duration = Duration::from_millis(100);
/// The API's import phase as a multiple of the CLI's import, at most.
const API_TARGET: f64 = 1.10;
/// The polled import as a multiple of the unpolled one, at most.
const POLLED_TARGET: f64 = 1.10;
/// The server's peak RSS through the big upload, at most (100 MB).
const UPLOAD_RSS_LIMIT: u64 = 100_000_000;

fn main() -> anyhow::Result<()> {
    let rows = count_from_env("INTAKE_BENCH_ROWS", DEFAULT_ROWS).map_err(anyhow::Error::msg)?;
    let rounds = count_from_env("INTAKE_BENCH_ROUNDS", DEFAULT_ROUNDS).map_err(anyhow::Error::msg)?.max(1);
    let upload_mb =
        count_from_env("INTAKE_BENCH_UPLOAD_MB", DEFAULT_UPLOAD_MB).map_err(anyhow::Error::msg)?;
    let data = DataSet::from_env()?;
    let (dir, csv) = bench_file("intake-api-bench-", "intake API benchmark", rows, data)?;

    let mut best: Option<Round> = None;
    for round in 1..=rounds {
        let measured = Round::measure(dir.path(), &csv, rows, data, round)?;
        measured.print(round);
        best = Some(match best {
            None => measured,
            Some(b) => b.best_with(measured),
        });
    }
    let best = best.context("no round")?;
    let upload = measure_big_upload(dir.path(), &csv, upload_mb)?;
    print_summary(rows, &best, &upload);
    Ok(())
}

/// One round's figures, in seconds.
struct Round {
    cli: f64,
    upload: f64,
    review: f64,
    import: f64,
    polled_import: f64,
    polls: usize,
    poll_p50_ms: f64,
    poll_p99_ms: f64,
}

impl Round {
    fn measure(dir: &Path, csv: &Path, rows: u64, data: DataSet, round: u64) -> anyhow::Result<Round> {
        let cli_db = dir.join(format!("cli-{round}.db"));
        data.prepare_store(&cli_db)?;
        let (cli, cli_counts) = cli_import(&cli_db, csv)?;
        ensure!(cli_counts["rows"] == rows, "the CLI read {} rows of {rows}", cli_counts["rows"]);

        let api = ApiRun::run(dir, &format!("api-{round}"), csv, data, 0)?;
        ensure!(
            api.counts == cli_counts,
            "the API's counts {} differ from the CLI's {cli_counts}",
            api.counts
        );
        let polled = ApiRun::run(dir, &format!("polled-{round}"), csv, data, POLLERS)?;
        ensure!(polled.counts == cli_counts, "the polled import's counts {} differ", polled.counts);
        let mut latencies = polled.poll_latencies;
        latencies.sort_by(f64::total_cmp);
        Ok(Round {
            cli,
            upload: api.upload,
            review: api.review,
            import: api.import,
            polled_import: polled.import,
            polls: latencies.len(),
            poll_p50_ms: percentile(&latencies, 0.50) * 1000.0,
            poll_p99_ms: percentile(&latencies, 0.99) * 1000.0,
        })
    }

    /// Each figure at its best of both rounds.
    fn best_with(self, other: Round) -> Round {
        Round {
            cli: self.cli.min(other.cli),
            upload: self.upload.min(other.upload),
            review: self.review.min(other.review),
            import: self.import.min(other.import),
            polled_import: self.polled_import.min(other.polled_import),
            polls: self.polls.max(other.polls),
            poll_p50_ms: self.poll_p50_ms.min(other.poll_p50_ms),
            poll_p99_ms: self.poll_p99_ms.min(other.poll_p99_ms),
        }
    }

    fn print(&self, round: u64) {
        println!(
            "round {round}: CLI import {:.2} s | API upload {:.2} s, review {:.2} s, import {:.2} s ({:.2}×) | \
             with {POLLERS} pollers: import {:.2} s ({:.2}×), {} polls, p50 {:.1} ms, p99 {:.1} ms",
            self.cli,
            self.upload,
            self.review,
            self.import,
            self.import / self.cli,
            self.polled_import,
            self.polled_import / self.import,
            self.polls,
            self.poll_p50_ms,
            self.poll_p99_ms,
        );
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `intake import` of `csv` into `db` as the import benchmark runs it: its time and counts.
fn cli_import(db: &Path, csv: &Path) -> anyhow::Result<(f64, Value)> {
    let started = Instant::now();
    let output = import_command(db, csv, &db.with_extension("results.csv"))
        .stderr(Stdio::inherit())
        .output()
        .context("running intake import")?;
    let elapsed = started.elapsed().as_secs_f64();
    ensure!(output.status.success(), "intake import exited with {}", output.status);
    let summary: Value = json_summary(&String::from_utf8_lossy(&output.stdout))?;
    Ok((elapsed, counts_of(&summary)))
}

/// The five counts of a summary or an import, alone.
fn counts_of(value: &Value) -> Value {
    let counts = if value.get("counts").is_some() { &value["counts"] } else { value };
    json!({
        "rows": counts["rows"], "imported": counts["imported"], "updated": counts["updated"],
        "skipped": counts["skipped"], "errors": counts["errors"],
    })
}

/// A running `intake serve`, stopped (by its PID) when dropped.
struct Service {
    child: Child,
    base: String,
    key: String,
    agent: ureq::Agent,
}

impl Service {
    fn start(dir: &Path, name: &str, data: DataSet) -> anyhow::Result<Service> {
        let db = dir.join(format!("{name}.db"));
        data.prepare_store(&db)?;
        let mut child = Command::new(INTAKE)
            .arg("--db")
            .arg(&db)
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(dir.join(format!("{name}-data")))
            // The polls of 50 clients with one key are far over the per-key limit: it is off,
            // to measure the service rather than the limit.
            .args(["--rate-limit-per-minute", "0"])
            .stdout(Stdio::piped())
            // Its log line per request (thousands of polls) is not the benchmark's output.
            .stderr(Stdio::null())
            .spawn()
            .context("starting intake serve")?;
        let stdout = child.stdout.take().context("piped stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut key = String::new();
        let base = loop {
            let line = lines.next().context("intake serve ended before it listened")??;
            if line.starts_with("ik_") {
                key = line;
            } else if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        Ok(Service { child, base, key, agent })
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.key);
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call()?,
            ("PATCH", Some(body)) => self.agent.patch(&url).header("Authorization", &auth).send_json(body)?,
            (_, _) => {
                self.agent.post(&url).header("Authorization", &auth).send_json(body.unwrap_or(&json!({})))?
            }
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        ensure!(status < 300, "{method} {path}: {status} {text}");
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn upload(&self, file: &Path) -> anyhow::Result<String> {
        let reader = std::fs::File::open(file)?;
        let url = format!("{}/v1/imports?filename=contacts.csv", self.base);
        let mut response = self
            .agent
            .post(&url)
            .header("Authorization", format!("Bearer {}", self.key))
            .header("Content-Type", "text/csv")
            .send(ureq::SendBody::from_owned_reader(reader))?;
        let text = response.body_mut().read_to_string()?;
        ensure!(response.status().as_u16() == 201, "upload: {} {text}", response.status());
        let uploaded: Value = serde_json::from_str(&text)?;
        uploaded["id"].as_str().map(str::to_string).context("no id")
    }

    /// Polls import `id` every 20 ms until its state is none of `passing`.
    fn wait_past(&self, id: &str, passing: &[&str]) -> anyhow::Result<Value> {
        loop {
            let import = self.call("GET", &format!("/v1/imports/{id}"), None)?;
            if !passing.contains(&import["state"].as_str().unwrap_or("")) {
                return Ok(import);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's peak resident set size so far, in bytes.
    fn peak_rss(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).context("no VmHWM")?;
        let kib: u64 = line.split_whitespace().nth(1).context("VmHWM value")?.parse()?;
        Ok(kib * 1024)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One import through the API.
struct ApiRun {
    upload: f64,
    review: f64,
    import: f64,
    counts: Value,
    poll_latencies: Vec<f64>,
}

impl ApiRun {
    fn run(dir: &Path, name: &str, csv: &Path, data: DataSet, pollers: usize) -> anyhow::Result<ApiRun> {
        let service = Arc::new(Service::start(dir, name, data)?);
        let started = Instant::now();
        let id = service.upload(csv)?;
        let upload = started.elapsed().as_secs_f64();
        service.call("PATCH", &format!("/v1/imports/{id}"), Some(&json!({ "default_region": "DE" })))?;
        let started = Instant::now();
        service.call("POST", &format!("/v1/imports/{id}/review"), None)?;
        let reviewed = service.wait_past(&id, &["reviewing"])?;
        ensure!(reviewed["state"] == "reviewed", "the review ended {reviewed}");
        let review = started.elapsed().as_secs_f64();
        let stop = Arc::new(AtomicBool::new(false));
        let polling: Vec<_> = (0..pollers).map(|_| poll(service.clone(), id.clone(), stop.clone())).collect();
        let started = Instant::now();
        service.call("POST", &format!("/v1/imports/{id}/start"), None)?;
        let done = service.wait_past(&id, &["queued", "running"])?;
        let import = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        let mut poll_latencies = Vec::new();
        for poller in polling {
            poll_latencies.extend(poller.join().map_err(|_| anyhow::anyhow!("a poller panicked"))??);
        }
        ensure!(done["state"] == "completed", "the import ended {done}");
        Ok(ApiRun { upload, review, import, counts: counts_of(&done), poll_latencies })
    }
}

/// A client polling import `id` every `POLL_EVERY` until `stop`; its requests' latencies.
fn poll(
    service: Arc<Service>,
    id: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<anyhow::Result<Vec<f64>>> {
    std::thread::spawn(move || {
        let mut latencies = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let asked = Instant::now();
            service.call("GET", &format!("/v1/imports/{id}"), None)?;
            latencies.push(asked.elapsed().as_secs_f64());
            std::thread::sleep(POLL_EVERY.saturating_sub(asked.elapsed()));
        }
        Ok(latencies)
    })
}

/// What the big upload measured.
struct BigUpload {
    bytes: u64,
    seconds: f64,
    peak_rss: u64,
    rows_counted: u64,
}

/// Uploads about `megabytes` MB (the benchmark file's rows repeated) and reads the server's
/// peak RSS once the upload and the count of its rows are done.
fn measure_big_upload(dir: &Path, csv: &Path, megabytes: u64) -> anyhow::Result<BigUpload> {
    let big = dir.join("big.csv");
    let bytes = repeat_to(csv, &big, megabytes * 1_000_000)?;
    let service = Service::start(dir, "upload", DataSet::Plain)?;
    let started = Instant::now();
    let id = service.upload(&big)?;
    let seconds = started.elapsed().as_secs_f64();
    let counted = loop {
        let import = service.call("GET", &format!("/v1/imports/{id}"), None)?;
        if import["row_count"]["done"] == true {
            break import["row_count"]["rows"].as_u64().unwrap_or(0);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let peak_rss = service.peak_rss()?;
    let _ = std::fs::remove_file(&big);
    Ok(BigUpload { bytes, seconds, peak_rss, rows_counted: counted })
}

/// Writes `to`: the header and rows of `from`, repeated until it holds `at_least` bytes.
fn repeat_to(from: &Path, to: &PathBuf, at_least: u64) -> anyhow::Result<u64> {
    let mut text = String::new();
    std::fs::File::open(from)?.read_to_string(&mut text)?;
    let (header, rows) = text.split_once('\n').context("an empty file")?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(to)?);
    writeln!(out, "{header}")?;
    let mut written = header.len() as u64 + 1;
    while written < at_least {
        if rows.is_empty() {
            bail!("the benchmark file has no rows");
        }
        out.write_all(rows.as_bytes())?;
        written += rows.len() as u64;
    }
    out.flush()?;
    Ok(written)
}

fn print_summary(rows: u64, best: &Round, upload: &BigUpload) {
    let per_second = |seconds: f64| thousands((rows as f64 / seconds).round() as u64);
    let api_ratio = best.import / best.cli;
    let polled_ratio = best.polled_import / best.import;
    println!();
    println!("best of the rounds:");
    println!("  CLI import                 {:>7.2} s  {} rows/s", best.cli, per_second(best.cli));
    println!("  API upload                 {:>7.2} s", best.upload);
    println!("  API review (dry run job)   {:>7.2} s", best.review);
    println!(
        "  API import (job)           {:>7.2} s  {} rows/s, {:.2}× the CLI",
        best.import,
        per_second(best.import),
        api_ratio
    );
    println!(
        "  API import, {POLLERS} pollers     {:>7.2} s  {:.2}× unpolled; polls p50 {:.1} ms, p99 {:.1} ms",
        best.polled_import, polled_ratio, best.poll_p50_ms, best.poll_p99_ms
    );
    println!(
        "  upload of {:.0} MB          {:>7.2} s, {} rows counted, server peak RSS {:.1} MiB",
        upload.bytes as f64 / 1e6,
        upload.seconds,
        thousands(upload.rows_counted),
        mib(upload.peak_rss)
    );
    println!();
    println!("targets:");
    println!(
        "  API import within 10 % of the CLI        {:.2}× {}",
        api_ratio,
        verdict(api_ratio <= API_TARGET)
    );
    println!(
        "  50 pollers slow it by less than 10 %      {:.2}× {}",
        polled_ratio,
        verdict(polled_ratio <= POLLED_TARGET)
    );
    println!(
        "  server under 100 MB RSS through the upload {:.1} MB {}",
        upload.peak_rss as f64 / 1e6,
        verdict(upload.peak_rss < UPLOAD_RSS_LIMIT)
    );
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}
