//! One delivery to a webhook: a signed `POST` of the body, with a 10 s timeout and no
//! redirect followed (a redirect is a failed attempt, so a delivery never goes silently to
//! another host). ureq, blocking, on the notifier's thread: no async runtime is needed for
//! one request at a time, and it is the HTTP client the workspace already builds.

use std::time::Duration;

use intake_store::WebhookTarget;
use ureq::unversioned::transport::DefaultConnector;

use super::address::{PublicOnly, private_host};

use super::sign::signature;
use super::worker::Outcome;

/// How long a receiver has to answer, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client of the deliveries: to public addresses only unless `allow_private`.
pub(crate) fn agent(allow_private: bool) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("intake/", env!("CARGO_PKG_VERSION")))
        .build();
    if allow_private {
        return config.new_agent();
    }
    ureq::Agent::with_parts(config, DefaultConnector::new(), PublicOnly::default())
}

/// What a webhook's own address must be: a [`check_url`] one, and unless `allow_private`, not
/// naming a loopback, private or reserved address (a name is checked as a delivery resolves it).
pub(crate) fn check_destination(url: &str, allow_private: bool) -> Result<(), String> {
    let uri = parsed_url(url)?;
    if allow_private {
        return Ok(());
    }
    match uri.host().and_then(private_host) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

/// What a webhook's address must be: http or https, with a host.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    parsed_url(url).map(drop)
}

/// `url` parsed, when it is http or https with a host.
fn parsed_url(url: &str) -> Result<ureq::http::Uri, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(format!("the URL's scheme is {other:?}: give an http or https URL")),
        None => return Err(format!("{url:?} has no scheme: give an http or https URL")),
    }
    match uri.host() {
        Some(host) if !host.is_empty() => Ok(uri),
        _ => Err(format!("{url:?} has no host")),
    }
}

/// Sends `body` of delivery `delivery` (event `event`) to `target`, signed at `sent_at`.
pub(crate) fn deliver(
    agent: &ureq::Agent,
    target: &WebhookTarget,
    delivery: i64,
    event: &str,
    body: &[u8],
    sent_at: i64,
) -> Outcome {
    let request = agent
        .post(&target.url)
        .header("Content-Type", "application/json")
        .header("Intake-Signature", signature(&target.secret, sent_at, body))
        .header("Intake-Event", event)
        .header("Intake-Delivery", delivery.to_string());
    let response = match request.send(body) {
        Ok(response) => response,
        Err(error) => return Outcome::failed(None, format!("no answer: {error}")),
    };
    let status = response.status();
    let code = Some(i64::from(status.as_u16()));
    if status.is_success() {
        return Outcome::delivered(code);
    }
    if status.is_redirection() {
        let to = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("nowhere");
        let to: String = to.chars().take(200).collect();
        return Outcome::failed(
            code,
            format!(
                "answered {status}, a redirect to {to}; redirects are not followed: give the webhook its final URL"
            ),
        );
    }
    Outcome::failed(code, format!("answered {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_webhooks() {
        assert!(check_url("https://hooks.example.com/intake").is_ok());
        assert!(check_url("http://127.0.0.1:8080/").is_ok());
        for bad in ["ftp://example.com/", "file:///etc/passwd", "example.com/hook", "not a url", "http://"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
