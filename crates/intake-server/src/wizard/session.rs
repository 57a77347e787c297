//! Who is looking at a page: the `intake_session` cookie, checked against the store, gives
//! the person ([`WebUser`]), their workspace and role. A page asked for without a live
//! session sends the browser to `/sign-in?next=…`; a state-changing request of a session must
//! carry the session's CSRF token (the hidden field `csrf` of a form, or the header
//! `X-CSRF-Token`), else it is refused with 403 before any handler runs.
//!
//! The cookie's token is never logged or stored (the store keeps its SHA-256 only).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use intake_store::{Role, WebSession};

use super::PageError;
use crate::auth::Caller;
use crate::state::{AppState, blocking};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "intake_session";
/// How long a session lasts from sign-in.
pub(crate) const SESSION_SECONDS: i64 = 12 * 60 * 60;
/// The largest form body read to find its CSRF token.
const FORM_LIMIT: usize = 256 * 1024;

/// A person signed in on the web pages.
#[derive(Debug, Clone)]
pub(crate) struct WebUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub workspace: String,
    pub csrf_token: String,
    /// The client's address, for the audit log.
    pub address: String,
    /// The embed session this is, in the embedded wizard (no person then).
    pub embed: Option<std::sync::Arc<super::embed::Embedded>>,
}

impl WebUser {
    fn of(session: WebSession, address: String) -> WebUser {
        WebUser {
            id: session.user.id,
            email: session.user.email,
            role: session.user.role,
            workspace: session.workspace,
            csrf_token: session.csrf_token,
            address,
            embed: None,
        }
    }

    /// The person as the API's handlers know a caller: the same workspace and role, audited
    /// as `user:<id>`.
    pub fn caller(&self) -> Caller {
        if let Some(embed) = &self.embed {
            return crate::routes::embed::session_caller(&embed.claims, self.address.clone());
        }
        Caller {
            key_id: 0,
            person: Some(self.id),
            role: self.role,
            workspace: self.workspace.clone(),
            address: self.address.clone(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The token in the request's `intake_session` cookie.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, token)| token.to_string())
        .filter(|token| !token.is_empty() && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The client's address, empty when unknown.
pub(crate) fn client_address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_default()
}

/// The live session of the request's cookie, if any.
pub(crate) async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
    address: String,
) -> Result<Option<WebUser>, PageError> {
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    let db = state.db().to_path_buf();
    let found = blocking(move || Ok(intake_store::session(&db, &token)?)).await?;
    Ok(found.map(|session| WebUser::of(session, address)))
}

/// `Set-Cookie` for a new session's `token`: HttpOnly, SameSite=Lax, Secure unless the
/// service runs plain http for development (`web_plain_http`).
pub(crate) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.config().web_plain_http { "" } else { "; Secure" };
    let text = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("intake_session=; Path=/"))
}

/// `Set-Cookie` that ends the session in the browser.
pub(crate) fn cleared_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.config().web_plain_http { "" } else { "; Secure" };
    let text = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("intake_session=; Path=/"))
}

/// `next` when it is a path of this site (`/imports/7`), else `/`: a sign-in never sends the
/// browser to another site.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The sign-in page, coming back to the request's page afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    let wanted = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let next = if parts.method == Method::GET { safe_next(Some(wanted)) } else { "/".to_string() };
    let encoded: String = url_encode(&next);
    Redirect::to(&format!("/sign-in?next={encoded}")).into_response()
}

/// Percent-encodes everything but unreserved characters and `/`.
pub(crate) fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<WebUser, Response> {
        if let Some(user) = parts.extensions.get::<WebUser>() {
            return Ok(user.clone());
        }
        let address = client_address(&parts.extensions);
        match session_of(state, &parts.headers, address).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(to_sign_in(parts)),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Checks the CSRF token of every state-changing request that comes with a session, and
/// hands the session to the handler. A request without a session goes on unless its browser
/// says it comes from another site: the handler's [`WebUser`] sends it to sign in, and the
/// sign-in forms need no token.
pub(crate) async fn check_csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let address = client_address(request.extensions());
    let embedded = request.extensions().get::<WebUser>().cloned();
    let found = match embedded {
        Some(user) => Ok(Some(user)),
        None => session_of(&state, request.headers(), address).await,
    };
    let user = match found {
        Ok(Some(user)) => user,
        Ok(None) if from_another_site(request.headers()) => {
            return PageError::new(StatusCode::FORBIDDEN, "This form came from another site.")
                .into_response();
        }
        Ok(None) => return next.run(request).await,
        Err(error) => return error.into_response(),
    };
    let (mut parts, body) = request.into_parts();
    let (given, body) = match given_token(&parts, body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !given.is_some_and(|token| same(&token, &user.csrf_token)) {
        return PageError::new(
            StatusCode::FORBIDDEN,
            "This form is out of date or came from another site: reload the page and try again.",
        )
        .into_response();
    }
    parts.extensions.insert(user);
    next.run(Request::from_parts(parts, body)).await
}

/// Whether a browser says the request comes from a page of another site (its `Origin` is not
/// this host): a sign-in form posted from elsewhere would sign the person in as someone else.
fn from_another_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").map(|(_, rest)| rest) != Some(host)
}

/// The CSRF token a request carries: the header, else (a form) its `csrf` field, else (an
/// upload, whose body is the file) the query's `csrf`. The body is read only for a form, and
/// given back.
async fn given_token(parts: &Parts, body: Body) -> Result<(Option<String>, Body), Response> {
    if let Some(token) = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Ok((Some(token.to_string()), body));
    }
    let kind = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if kind.starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is larger than a form may be.")
                .into_response()
        })?;
        let token = form_field(&bytes, "csrf");
        return Ok((token, Body::from(bytes)));
    }
    let token = parts.uri.query().and_then(|q| form_field(q.as_bytes(), "csrf"));
    Ok((token, body))
}

/// The value of field `name` of a URL-encoded form.
fn form_field(bytes: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(bytes).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// Compares two tokens in time that does not depend on where they differ.
fn same(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Sign-in attempts per client address: a password may be guessed only so fast.
pub(crate) struct SignInLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

/// Sign-in attempts (password or link) an address may make per minute.
const SIGN_INS_PER_MINUTE: u32 = 10;

impl Default for SignInLimiter {
    fn default() -> SignInLimiter {
        let per_minute = NonZeroU32::new(SIGN_INS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        SignInLimiter { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }
}

impl SignInLimiter {
    /// Counts one attempt from `address`; refuses it past the limit.
    pub fn check(&self, address: &str) -> Result<(), PageError> {
        let Ok(ip) = address.parse::<IpAddr>() else {
            return Ok(());
        };
        if self.limiter.len() > 4096 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&ip).map_err(|_| {
            PageError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in attempts from this address: wait a minute and try again.",
            )
        })
    }
}
