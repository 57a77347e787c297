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
                if let [one] = candidates.as_slice() {
                    mail_link(&db, one, &settings, &base);
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

/// The start of a link: `public_url`, else http:// and the host the request was sent to (its
/// `Host` header: the address the person reached the service at, which the bound address,
/// `0.0.0.0` say, is not), else the bound address.
///
/// The `Host` header is the asker's to write: without `public_url` a link may be made to
/// point elsewhere by whoever asks for it. Hence the warning, and the advice in docs/web.md
/// to set `public_url` wherever the service is reachable by others.
fn link_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = state.config().public_url.as_deref().filter(|url| !url.trim().is_empty()) {
        return url.trim().trim_end_matches('/').to_string();
    }
    tracing::warn!("a sign-in link's address comes from the request's Host header: set public_url");
    match headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).filter(|h| is_host(h)) {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", state.config().bind),
    }
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
