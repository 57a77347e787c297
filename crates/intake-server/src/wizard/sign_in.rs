//! Signing in and out: a password (checked against its argon2id hash), or a one-time link
//! sent by e-mail through the SMTP server of the settings. Both answer the same whether or
//! not the address is a user's, and an unknown address takes as long as a wrong password.
//! Attempts are limited per client address. A link is used by a form (POST), so that a mail
//! scanner that opens links does not use it up.
//!
//! Must not: log an address, a password or a token; send the browser to another site.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intake_store::SignInCandidate;
use serde::Deserialize;

use super::session::{
    SESSION_SECONDS, cleared_cookie, client_address, cookie_token, safe_next, session_cookie, session_of,
};
use super::{Layout, PageError, ok, render, see};
use crate::notify::email::Mailer;
use crate::state::{AppState, blocking};

/// How long a sign-in link holds.
const LINK_SECONDS: i64 = 15 * 60;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    next: String,
    email: String,
    workspace: String,
    error: String,
    notice: String,
    links: bool,
}

impl SignInPage {
    fn new(state: &AppState, next: String) -> SignInPage {
        SignInPage {
            layout: Layout::anonymous("sign-in", "Sign in"),
            next,
            email: String::new(),
            workspace: String::new(),
            error: String::new(),
            notice: String::new(),
            links: state.config().smtp_host.as_deref().is_some_and(|h| !h.trim().is_empty()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// The sign-in page (a signed-in person goes on to `next`).
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref());
    if session_of(&state, &headers, String::new()).await?.is_some() {
        return Ok(see(next));
    }
    ok(&SignInPage::new(&state, next))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    email: String,
    password: String,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    next: String,
}

/// Signs in with a password: a session and its cookie, then `next`.
pub(crate) async fn with_password(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    state.sign_ins().check(&client_address(&extensions))?;
    let workspace = Some(form.workspace.trim().to_string()).filter(|w| !w.is_empty());
    let db = state.db().to_path_buf();
    let (email, password) = (form.email.clone(), form.password.clone());
    let found = blocking(move || {
        let candidates = intake_store::users_to_sign_in(&db, &email, workspace.as_deref())?;
        Ok(match candidates.as_slice() {
            [] => {
                intake_store::check_no_password(&password);
                Err("The address or the password is wrong.")
            }
            [one] if one.password_matches(&password) => Ok(one.user.id),
            [_] => Err("The address or the password is wrong."),
            _ => {
                intake_store::check_no_password(&password);
                Err("This address is a user of more than one workspace: name the workspace.")
            }
        })
    })
    .await?;
    match found {
        Ok(user_id) => signed_in(&state, user_id, &form.next).await,
        Err(message) => {
            tracing::info!("a sign-in was refused");
            let mut page = SignInPage::new(&state, safe_next(Some(&form.next)));
            (page.email, page.workspace, page.error) = (form.email, form.workspace, message.to_string());
            render(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

/// Opens a session of `user_id`: the cookie, and the browser sent on to `next`.
async fn signed_in(state: &AppState, user_id: i64, next: &str) -> Result<Response, PageError> {
    let db = state.db().to_path_buf();
    let session = blocking(move || Ok(intake_store::open_session(&db, user_id, SESSION_SECONDS)?)).await?;
    let mut response = see(safe_next(Some(next)));
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(state, &session.token));
    tracing::info!(user = user_id, "signed in");
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct LinkForm {
    email: String,
    #[serde(default)]
    workspace: String,
}

/// Mails a one-time sign-in link to the address when it is one user's; the page says the
/// same either way.
pub(crate) async fn send_link(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    state.sign_ins().check(&client_address(&extensions))?;
    let workspace = Some(form.workspace.trim().to_string()).filter(|w| !w.is_empty());
    let (db, email) = (state.db().to_path_buf(), form.email.clone());
    let settings = state.config().notify();
    let base = link_base(&state, &headers);
    // In the background: the answer comes as fast for an address that gets an e-mail as for
    // one that does not.
    tokio::task::spawn_blocking(move || {
        match intake_store::users_to_sign_in(&db, &email, workspace.as_deref()) {
            Ok(candidates) => {
                if let ([one], Some(base)) = (candidates.as_slice(), base.as_deref()) {
                    mail_link(&db, one, &settings, base);
                }
            }
            Err(error) => tracing::error!(%error, "looking up an address for a sign-in link"),
        }
    });
    let mut page = SignInPage::new(&state, "/".to_string());
    page.notice =
        "If that address is a user's, a sign-in link is on its way to it. It holds for 15 minutes, once."
            .to_string();
    ok(&page)
}

/// The start of a link (see [`link_base_of`]) for a request with `headers`.
fn link_base(state: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok());
    let base = link_base_of(state.config().public_url.as_deref(), host, state.config().bind);
    if base.is_none() {
        tracing::error!(
            "a sign-in link was asked for, but the service listens on every address and has no \
             public_url: set public_url to the address people reach it at"
        );
    }
    base
}

/// The start of a sign-in link: `public_url`; else, when the request was sent to this machine
/// by a loopback name (`localhost:8080`, `127.0.0.1:8080`, `[::1]:8080`: a person trying the
/// service where it runs), http:// and that host; else the bound address, when it is one
/// address; else none (no link is sent).
///
/// The `Host` header is the asker's to write, and anyone may ask for a link to anyone's
/// address: a link made from any other host would let the asker point a person's link at a
/// server of theirs and read the token off it. A loopback host can only send it back to the
/// person's own machine.
fn link_base_of(public_url: Option<&str>, host: Option<&str>, bind: std::net::SocketAddr) -> Option<String> {
    if let Some(url) = public_url.map(str::trim).filter(|url| !url.is_empty()) {
        return Some(url.trim_end_matches('/').to_string());
    }
    if let Some(host) = host.filter(|h| is_host(h) && is_loopback_host(h)) {
        return Some(format!("http://{host}"));
    }
    (!bind.ip().is_unspecified()).then(|| format!("http://{bind}"))
}

/// Whether a `Host` header's host (its port left out) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `text` is a host with an optional port (`intake.example.org:8080`, `[::1]:80`),
/// nothing more: no path, user or scheme to carry a link elsewhere on the same host.
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Creates and mails a link for `user`; a failure is logged (without the address) and not
/// told to the asker, who would learn from it that the address is a user's.
fn mail_link(
    db: &std::path::Path,
    user: &SignInCandidate,
    settings: &crate::config::NotifySettings,
    base: &str,
) {
    let mailer = match Mailer::from_settings(settings) {
        Ok(Some(mailer)) => mailer,
        Ok(None) => return tracing::warn!("a sign-in link was asked for, but no smtp_host is set"),
        Err(error) => return tracing::warn!(%error, "the SMTP settings"),
    };
    let token = match intake_store::create_sign_in_link(db, user.user.id, LINK_SECONDS) {
        Ok(token) => token,
        Err(error) => return tracing::error!(%error, "a sign-in link could not be stored"),
    };
    let body = format!(
        "Open this link to sign in to intake (workspace {}). It holds for 15 minutes and works once:\n\n\
         {base}/sign-in/link/{token}\n\nIf you did not ask for it, ignore this e-mail.\n",
        user.workspace
    );
    match mailer.send_text(&user.user.email, "Your intake sign-in link", body) {
        Ok(()) => tracing::info!(user = user.user.id, "a sign-in link was sent"),
        Err(error) => tracing::warn!(user = user.user.id, %error, "a sign-in link could not be sent"),
    }
}

#[derive(Template)]
#[template(path = "sign_in_link.html")]
struct LinkPage {
    layout: Layout,
    token: String,
}

/// The page of a sign-in link: a button that uses it.
pub(crate) async fn link_page(Path(token): Path<String>) -> Result<Response, PageError> {
    let token: String = token.chars().filter(char::is_ascii_hexdigit).collect();
    ok(&LinkPage { layout: Layout::anonymous("sign-in-link", "Sign in"), token })
}

/// Uses a sign-in link: a session once, then never again.
pub(crate) async fn with_link(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    state.sign_ins().check(&client_address(&extensions))?;
    let db = state.db().to_path_buf();
    let used = blocking(move || Ok(intake_store::use_sign_in_link(&db, &token)?)).await?;
    match used {
        Some(user_id) => signed_in(&state, user_id, "/").await,
        None => Err(PageError::new(
            StatusCode::GONE,
            "This sign-in link was used already or has expired: ask for a new one on the sign-in page.",
        )),
    }
}

/// Signs out: the session ends in the store and the cookie in the browser.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = cookie_token(&headers) {
        let db = state.db().to_path_buf();
        blocking(move || Ok(intake_store::close_session(&db, &token)?)).await?;
    }
    let mut response = see("/sign-in").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cleared_cookie(&state));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_goes_to_the_public_url_else_this_machine_never_to_a_host_the_asker_names() {
        let local: std::net::SocketAddr = "127.0.0.1:8080".parse().expect("address");
        let every: std::net::SocketAddr = "0.0.0.0:8080".parse().expect("address");
        let public = Some("https://intake.example.org/");
        assert_eq!(
            link_base_of(public, Some("evil.example.com"), every).as_deref(),
            Some("https://intake.example.org")
        );
        for host in
            ["localhost:8080", "LOCALHOST:9", "127.0.0.1:8080", "127.1.2.3:80", "[::1]:8080", "localhost"]
        {
            assert_eq!(link_base_of(None, Some(host), every), Some(format!("http://{host}")), "{host}");
        }
        for host in
            ["evil.example.com", "evil.example.com:8080", "10.0.0.1:8080", "localhost.evil.com", "[::2]:80"]
        {
            assert_eq!(
                link_base_of(None, Some(host), local).as_deref(),
                Some("http://127.0.0.1:8080"),
                "{host}"
            );
            assert_eq!(
                link_base_of(None, Some(host), every),
                None,
                "{host}: no link rather than the asker's host"
            );
        }
        assert_eq!(link_base_of(Some("  "), None, every), None);
    }
}
