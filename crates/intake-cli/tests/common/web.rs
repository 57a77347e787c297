//! A browser for the web pages' tests, without a browser: an HTTP client that keeps the
//! session cookie, follows no redirect (tests look at each), posts forms with the CSRF token
//! the page carries, and uploads files as a form would.

use std::cell::RefCell;
use std::process::Stdio;

use super::Workspace;

/// One person's browser on a running `intake serve`.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    /// The `intake_session` cookie's value, once the service set one.
    cookie: RefCell<Option<String>>,
}

/// A page as the browser got it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    /// Where a redirect sends the browser.
    pub location: String,
    /// The `Set-Cookie` headers of the answer, as sent.
    pub set_cookies: Vec<String>,
    pub content_type: String,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        self.value_after("name=\"csrf\" value=\"").expect("the page has a form with a CSRF token")
    }

    /// The `data-step` of the page's body.
    pub fn step(&self) -> String {
        self.value_after("data-step=\"").unwrap_or_default()
    }

    /// The text of the element with id `id` (its first text, tags left out).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let start = self.body.find(&format!("id=\"{id}\""))?;
        let open = start + self.body[start..].find('>')? + 1;
        let close = open + self.body[open..].find("</")?;
        Some(self.body[open..close].trim().to_string())
    }

    fn value_after(&self, marker: &str) -> Option<String> {
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(self.body[start..end].to_string())
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let agent =
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent();
        Browser { base: base.to_string(), agent, cookie: RefCell::new(None) }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Page {
        let request =
            ureq::http::Request::get(format!("{}{path}", self.base)).body(Vec::new()).expect("a request");
        self.run(request)
    }

    /// `POST path` with the form `fields` (URL-encoded).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let request = ureq::http::Request::post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&").into_bytes())
            .expect("a request");
        self.run(request)
    }

    /// Uploads `bytes` as the file `name` to `path` (multipart, part `file`), the CSRF token
    /// in the header as the page's script sends it (none when empty).
    pub fn upload(&self, path: &str, csrf: &str, name: &str, bytes: &[u8]) -> Page {
        let boundary = "----intake-test-boundary-7d3f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = ureq::http::Request::post(format!("{}{path}", self.base))
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .expect("a request");
        if !csrf.is_empty() {
            request.headers_mut().insert("X-CSRF-Token", csrf.parse().expect("a header value"));
        }
        self.run(request)
    }

    /// Signs in with `email` and `password`, and returns the answer.
    pub fn sign_in(&self, email: &str, password: &str) -> Page {
        self.post("/sign-in", &[("email", email), ("password", password), ("next", "/")])
    }

    /// The session cookie, if the browser has one.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.borrow().clone()
    }

    fn run(&self, mut request: ureq::http::Request<Vec<u8>>) -> Page {
        if let Some(cookie) = self.cookie.borrow().as_ref() {
            let value = format!("intake_session={cookie}").parse().expect("a header value");
            request.headers_mut().insert("Cookie", value);
        }
        let mut response = self.agent.run(request).expect("the service answers");
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (location, content_type) = (header("location"), header("content-type"));
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        for set in &set_cookies {
            if let Some(rest) = set.strip_prefix("intake_session=") {
                let value = rest.split(';').next().unwrap_or("").to_string();
                *self.cookie.borrow_mut() = Some(value).filter(|v| !v.is_empty());
            }
        }
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(1 << 30).read_to_string().unwrap_or_default();
        Page { status, location, set_cookies, content_type, body }
    }
}

/// A form or query value encoded as a browser sends it.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Adds user `email` with `role` and `password` to workspace `workspace` of `ws`'s store,
/// through `intake users add --password-stdin`.
pub fn add_user(ws: &Workspace, workspace: &str, email: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut child = ws
        .command(&["--workspace", workspace, "users", "add", email, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run intake users add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write the password");
    let output = child.wait_with_output().expect("intake users add ends");
    assert!(output.status.success(), "users add: {}", String::from_utf8_lossy(&output.stderr));
}
