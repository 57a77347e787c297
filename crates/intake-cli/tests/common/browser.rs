//! A real browser for the tests: Debian's `chromium` driven through `chromedriver` (WebDriver)
//! with `fantoccini`, headless. Saves a screenshot of every step under
//! `target/screenshots/<test>/NN-step.png` and checks pages with axe-core (installed under
//! `target/` by `.ci/browser-env`), failing on serious or critical violations.
//!
//! Without chromium, chromedriver or axe-core a test is skipped with the reason printed, unless
//! `INTAKE_REQUIRE_PEERS=1` (CI), where it fails. It must not install anything itself: that is
//! `.ci/browser-env`'s job. Every process it starts is stopped by its process group's id.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The desktop window's size.
pub const DESKTOP: (u32, u32) = (1280, 900);
/// A phone's width (and a phone's height).
pub const PHONE: (u32, u32) = (375, 812);

/// Runs an async browser test to its end on a runtime of its own.
pub fn run<F: std::future::Future<Output = ()>>(test: F) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(test);
}

/// The build's `target` folder (the test binary is in `target/release/deps`).
pub fn target_dir() -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_intake"));
    binary.parent().and_then(Path::parent).expect("target/<profile>/intake").to_path_buf()
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser tests need, or why they cannot run.
struct Peers {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: PathBuf,
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

fn peers() -> Result<Peers, String> {
    let missing = "not installed (run .ci/browser-env as root)";
    let chromium = find_in_path("chromium").ok_or(format!("chromium {missing}"))?;
    let chromedriver = find_in_path("chromedriver").ok_or(format!("chromedriver {missing}"))?;
    let axe = target_dir().join("browser-deps/node_modules/axe-core/axe.min.js");
    if !axe.is_file() {
        return Err(format!("axe-core {missing}: no {}", axe.display()));
    }
    Ok(Peers { chromium, chromedriver, axe })
}

/// A headless chromium under a `chromedriver` of its own, and where the test's screenshots go.
pub struct Browser {
    pub client: Client,
    driver: Child,
    axe_source: String,
    shots: PathBuf,
    step: u32,
    /// Where chromium saves what a link downloads.
    pub downloads: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless chromium in a desktop window; `None` (the reason
    /// printed) when they are not installed, unless `INTAKE_REQUIRE_PEERS=1`: then it panics.
    pub async fn start(test: &str) -> Option<Browser> {
        let peers = match peers() {
            Ok(peers) => peers,
            Err(reason) if std::env::var("INTAKE_REQUIRE_PEERS").as_deref() == Ok("1") => {
                panic!("INTAKE_REQUIRE_PEERS=1 and no browser: {reason}")
            }
            Err(reason) => {
                eprintln!("skipped: no browser ({reason}); INTAKE_REQUIRE_PEERS=1 makes this a failure");
                return None;
            }
        };
        let port = free_port();
        let driver = Command::new(&peers.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: chromium and its helpers go with it when it is stopped.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        wait_until_listening(port);
        let downloads = tempfile::tempdir().expect("a downloads folder");
        let client = connect(port, &peers.chromium, downloads.path()).await;
        let shots = target_dir().join("screenshots").join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("create the screenshots folder");
        let axe_source = std::fs::read_to_string(&peers.axe).expect("read axe-core");
        Some(Browser { client, driver, axe_source, shots, step: 0, downloads })
    }

    /// Saves a screenshot of the window as `NN-step.png` (numbered in the order taken).
    pub async fn screenshot(&mut self, step: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{:02}-{step}.png", self.step));
        std::fs::write(&path, png).expect("write the screenshot");
    }

    /// Runs axe-core in the current page (or frame) and fails on any serious or critical
    /// violation, listing each with the elements it found.
    pub async fn axe(&self, page: &str) {
        let violations = self.axe_violations(page).await;
        assert!(
            violations.is_empty(),
            "axe-core found serious or critical violations in {page}:\n{}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }

    /// The serious and critical violations axe-core finds in the current page (or frame):
    /// `{id, impact, help, nodes}` each.
    pub async fn axe_violations(&self, page: &str) -> Vec<Value> {
        let inject = format!("{}\n;return typeof axe;", self.axe_source);
        let loaded = self.client.execute(&inject, vec![]).await.expect("inject axe-core");
        assert_eq!(loaded, json!("object"), "axe-core did not load in {page}");
        let check = "const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then(result => done(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))),
              error => done([{ id: 'axe failed', help: String(error) }]));";
        let violations = self.client.execute_async(check, vec![]).await.expect("run axe-core");
        violations.as_array().cloned().unwrap_or_default()
    }

    /// Resizes the window to a phone's width (and back with [`Browser::desktop`]).
    pub async fn phone(&self) {
        self.client.set_window_size(PHONE.0, PHONE.1).await.expect("resize to a phone");
    }

    pub async fn desktop(&self) {
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize to a desktop");
    }

    /// Fails when the current page scrolls sideways at the window's width (a phone's 375 px).
    pub async fn assert_no_horizontal_scroll(&self, page: &str) {
        let widths = self
            .client
            .execute("return [document.scrollingElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .expect("measure the page");
        let (scroll, inner) = (widths[0].as_u64().unwrap_or(u64::MAX), widths[1].as_u64().unwrap_or(0));
        assert!(scroll <= inner, "{page} scrolls sideways: {scroll} px wide in a {inner} px window");
    }

    /// Waits (up to 20 s) for the element `css` and returns its text.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element.text().await.expect("the element's text")
    }

    /// Waits (up to 20 s) for the element `css`.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} within 20 s: {e}"))
    }

    /// Polls `script` (a JavaScript expression) until it is truthy, up to 20 s; returns its value.
    pub async fn wait_until(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value =
                self.client.execute(&format!("return {script};"), vec![]).await.expect("run the script");
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return value;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "waited 20 s for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What a person checks of every page: a screenshot, axe-core, and no sideways scrolling
    /// on a 375 px phone (the window is a desktop's again afterwards).
    pub async fn check_page(&mut self, step: &str) {
        self.screenshot(step).await;
        self.axe(step).await;
        self.phone().await;
        self.assert_no_horizontal_scroll(step).await;
        self.desktop().await;
    }

    /// Waits (up to 20 s) until chromium has saved a download named `name`, and returns it.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let started = Instant::now();
        // Chromium writes `name.crdownload` and renames it when done.
        while !path.is_file() {
            assert!(started.elapsed() < Duration::from_secs(20), "no download {name} within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        std::fs::read(&path).expect("read the download")
    }

    /// Ends the browser session (chromium quits) and stops chromedriver.
    pub async fn finish(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the driver.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's process group, by its id: the driver, chromium and its helpers.
        if let Ok(group) = i32::try_from(self.driver.id()) {
            // SAFETY: kill(2) with a negative pid signals the group we created.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Polls until chromedriver accepts connections (up to 20 s).
fn wait_until_listening(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen within 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn connect(port: u16, chromium: &Path, downloads: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        &format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
    ];
    let mut capabilities = serde_json::Map::new();
    let prefs = json!({
        "download.default_directory": downloads,
        "download.prompt_for_download": false,
    });
    capabilities
        .insert("goog:chromeOptions".into(), json!({ "binary": chromium, "args": args, "prefs": prefs }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session from chromedriver")
}

/// A static site on its own loopback port (another origin than the service): every GET of a
/// path in `pages` answers that page as HTML, anything else 404. Stopped when dropped.
pub struct StaticSite {
    pub base: String,
    address: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StaticSite {
    pub fn start(pages: Vec<(String, String)>) -> StaticSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the static site");
        let address = listener.local_addr().expect("its address");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve_one(stream, &pages);
                }
            }
        });
        StaticSite { base: format!("http://{address}"), address, stop, thread: Some(thread) }
    }
}

fn serve_one(stream: TcpStream, pages: &[(String, String)]) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The headers: read up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let (status, body) = match pages.iter().find(|(p, _)| p == path) {
        Some((_, page)) => ("200 OK", page.as_str()),
        None => ("404 Not Found", "not found"),
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(answer.as_bytes());
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accepting thread, which then sees it is to stop.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
