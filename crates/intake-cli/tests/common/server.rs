//! A real `intake serve` for API tests: the binary on a free loopback port with the test's
//! own store, stopped (by its PID) when dropped, and a small JSON client for it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::Workspace;

/// A running service.
pub struct Server {
    child: Child,
    pub base: String,
    /// The admin key of workspace `default` printed on first start (empty on later starts).
    pub first_key: String,
    /// Its standard error, when the command piped it (to wait for a line of its log).
    pub stderr: Option<std::process::ChildStderr>,
    agent: ureq::Agent,
}

impl Server {
    /// Starts `intake serve` on `ws`'s store, and waits until it listens.
    pub fn start(ws: &Workspace) -> Server {
        Server::start_with(ws, &[])
    }

    /// [`Server::start`] with more flags of `intake serve`.
    pub fn start_with(ws: &Workspace, flags: &[&str]) -> Server {
        Server::launch(Server::command(ws, flags))
    }

    /// [`Server::start_with`], its log (at level `info`) written to the file `log`.
    pub fn start_logged(ws: &Workspace, flags: &[&str], log: &std::path::Path) -> Server {
        let file = std::fs::File::create(log).expect("create the log file");
        let mut command = Server::command(ws, flags);
        command.env("INTAKE_LOG", "info").stderr(Stdio::from(file));
        Server::launch(command)
    }

    /// `intake serve` on `ws`'s store and a free port, with `flags`, not yet started.
    pub fn command(ws: &Workspace, flags: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
        command.arg("--db").arg(ws.db()).args(["serve", "--bind", "127.0.0.1:0", "--data"]);
        command.arg(ws.path("intake-data")).args(flags).stderr(Stdio::null());
        command
    }

    /// Starts `command` (an `intake serve`, standard error as it set it) and waits until it
    /// listens.
    pub fn launch(mut command: Command) -> Server {
        let mut child = command.stdout(Stdio::piped()).spawn().expect("start intake serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take();
        let mut lines = BufReader::new(stdout).lines();
        let mut first_key = String::new();
        let base = loop {
            let line = lines.next().expect("intake serve ended before it listened").expect("read stdout");
            if line.starts_with("ik_") {
                first_key = line;
            } else if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_string();
            }
        };
        // Keep reading, so the service never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        Server { child, base, first_key, stderr, agent }
    }

    /// `GET path` with `key` (none when empty): the status and the JSON body (Null if none).
    pub fn get(&self, path: &str, key: &str) -> (u16, Value) {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if !key.is_empty() {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        answer(request.call())
    }

    /// `GET path` with `key`: the status, the header `name` and the JSON body.
    pub fn get_with_header(&self, path: &str, key: &str, name: &str) -> (u16, Option<String>, Value) {
        let request =
            self.agent.get(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {key}"));
        let mut response = request.call().expect("the service answers");
        let status = response.status().as_u16();
        let header = response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = response.body_mut().read_to_string().expect("a body");
        (status, header, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `method path` with `key`, a body of `content_type`: the status, the `Content-Type` of the
    /// answer, and its body as JSON (Null when it is none).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        key: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, String, Value) {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {key}"))
            .header("Content-Type", content_type)
            .body(body.to_vec())
            .expect("a request");
        let mut response = self.agent.run(request).expect("the service answers");
        let status = response.status().as_u16();
        let kind =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = response.body_mut().read_to_string().expect("a body");
        (status, kind, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let request =
            self.agent.post(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {key}"));
        answer(request.send_json(body))
    }

    /// `PATCH path` with a JSON body.
    pub fn patch(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let request =
            self.agent.patch(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {key}"));
        answer(request.send_json(body))
    }

    /// `POST path` with `bytes` as the body, of `content_type`.
    pub fn post_bytes(&self, path: &str, key: &str, content_type: &str, bytes: &[u8]) -> (u16, Value) {
        let request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {key}"))
            .header("Content-Type", content_type);
        answer(request.send(bytes))
    }

    /// `GET path`: the status and the body's bytes.
    pub fn get_bytes(&self, path: &str, key: &str) -> (u16, Vec<u8>) {
        let request =
            self.agent.get(format!("{}{path}", self.base)).header("Authorization", format!("Bearer {key}"));
        let mut response = request.call().expect("the service answers");
        let status = response.status().as_u16();
        // Results files of big imports are larger than the client's default limit (10 MB).
        let body = response.body_mut().with_config().limit(1 << 30).read_to_vec().expect("a body");
        (status, body)
    }

    /// Uploads `bytes` as a raw body named `name`, and returns the status and the answer.
    pub fn upload(&self, key: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
        self.post_bytes(&format!("/v1/imports?filename={name}"), key, "application/octet-stream", bytes)
    }

    /// Waits (up to a minute) until import `id` is no longer queued, running or being
    /// reviewed, and returns it.
    pub fn finished(&self, key: &str, id: &str) -> Value {
        let started = std::time::Instant::now();
        loop {
            let (status, import) = self.get(&format!("/v1/imports/{id}"), key);
            assert_eq!(status, 200, "{import}");
            if !["queued", "running", "reviewing"].contains(&import["state"].as_str().unwrap_or("")) {
                return import;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "import {id} still running: {import}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str, key: &str) -> (u16, Value) {
        let request = self
            .agent
            .delete(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {key}"));
        answer(request.call())
    }
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the service answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
