//! The HTML pages for people, beside the JSON API for programs: sign-in, the import wizard
//! (upload, the file's reading, the mapping, the options, the review, the import with its
//! progress, the results and undo), the import history and the contacts.
//!
//! Pages are rendered on the server (askama templates in `templates/`, every value escaped)
//! with a small stylesheet and a few hundred lines of plain JavaScript served by the binary
//! itself (`assets/`). A page does what the API does by calling the API's own handler with
//! the signed-in person as the caller ([`session::WebUser::caller`]): the same rules, the same
//! store work on the blocking pool, the same audit log. A page must never call the service
//! over HTTP, repeat a handler's rule, mark data `|safe`, or log an address, a name or a
//! token.

mod assets;
mod browse;
mod embed;
mod fix;
mod run;
mod session;
mod sign_in;
mod steps;
mod views;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub(crate) use session::SignInLimiter;
use session::WebUser;

use crate::error::AppError;
use crate::state::AppState;

/// The pages' routes, their CSRF check and their headers.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/imports/new") }))
        .route("/sign-in", get(sign_in::page).post(sign_in::with_password))
        .route("/sign-in/link", post(sign_in::send_link))
        .route("/sign-in/link/{token}", get(sign_in::link_page).post(sign_in::with_link))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/assets/{name}", get(assets::serve))
        .merge(wizard_steps(&state))
        .route("/imports/{id}/fields", post(steps::add_field))
        .route("/imports/{id}/mapping/apply", post(steps::apply_mapping))
        .route("/imports/{id}/mapping/save", post(steps::save_mapping))
        .route("/imports/{id}/undo", get(run::undo_page).post(run::undo))
        .route("/history", get(browse::history))
        .route("/contacts", get(browse::contacts))
        .route("/contacts/{id}", get(browse::contact))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::check_csrf))
        .layer(axum::middleware::from_fn(page_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_as_page))
        .with_state(state)
}

/// The wizard's pages in embed mode (`/embed/s/{session}/…`).
pub(crate) fn embed_router(state: AppState) -> Router {
    embed::router(state)
}

/// The wizard's steps, from the upload to the results: the pages a signed-in person and an
/// embed session both reach (embed mode has no more).
fn wizard_steps(state: &AppState) -> Router<AppState> {
    let upload_limit = usize::try_from(state.config().max_upload_bytes()).unwrap_or(usize::MAX);
    Router::new()
        .route("/imports/new", get(steps::upload_page))
        .route("/imports/upload", post(steps::upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/imports/{id}/file", get(steps::file_page).post(steps::change_reading))
        .route("/imports/{id}/map", get(steps::map_page).post(steps::save_map))
        .route("/imports/{id}/options", get(steps::options_page).post(steps::save_options))
        .route("/imports/{id}/review", get(steps::review_page).post(steps::review))
        .route("/imports/{id}/rows/{row}", post(fix::correct))
        .route("/imports/{id}/rows/{row}/revert", post(fix::revert))
        .route("/imports/{id}/start", post(run::start))
        .route("/imports/{id}", get(run::import_page))
        .route("/imports/{id}/events", get(run::events))
        .route("/imports/{id}/cancel", post(run::cancel))
        .route("/imports/{id}/files/{name}", get(run::download))
}

/// A page's panic, answered as a page that says the service failed (the log has the rest).
fn panic_as_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "The service failed; see its log.").into_response()
}

/// Headers of every page: not cached (pages show a person's data), no framing by other
/// sites, no scripts but the service's own, no referrer to other sites.
async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    response
}

/// What the base template needs: who is signed in, the session's CSRF token for its forms,
/// the step (`data-step` on the body, for tests) and the title.
pub(crate) struct Layout {
    pub email: String,
    pub is_admin: bool,
    pub csrf: String,
    pub step: &'static str,
    pub title: String,
    /// The pages' path prefix: empty, or `/embed/s/<session>` in embed mode.
    pub base: String,
    /// The host page's origin in embed mode (empty otherwise): where the page's script
    /// reports with `postMessage`.
    pub embed_origin: String,
    /// The options the person may change: all (none named), or the embed token's.
    allowed: Option<Vec<String>>,
}

impl Layout {
    pub fn of(user: &WebUser, step: &'static str, title: impl Into<String>) -> Layout {
        let embed = user.embed.as_deref();
        Layout {
            email: user.email.clone(),
            is_admin: user.is_admin(),
            csrf: user.csrf_token.clone(),
            step,
            title: title.into(),
            base: embed.map(|e| e.base.clone()).unwrap_or_default(),
            embed_origin: embed.map(|e| e.claims.origin.clone()).unwrap_or_default(),
            allowed: embed.map(|e| e.claims.allowed_options.clone()),
        }
    }

    /// A page for someone not signed in.
    pub fn anonymous(step: &'static str, title: impl Into<String>) -> Layout {
        Layout {
            email: String::new(),
            is_admin: false,
            csrf: String::new(),
            step,
            title: title.into(),
            base: String::new(),
            embed_origin: String::new(),
            allowed: None,
        }
    }

    /// Whether the page is the embedded wizard's.
    pub fn embedded(&self) -> bool {
        !self.embed_origin.is_empty()
    }

    /// Whether the person may change option `name`.
    pub fn allows(&self, name: &str) -> bool {
        self.allowed.as_ref().is_none_or(|allowed| allowed.iter().any(|a| a == name))
    }
}

/// A page's failure, answered as a page with its status (the API's errors are JSON).
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError { status, message: message.into() }
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> PageError {
        PageError { status: error.status(), message: error.message().to_string() }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> PageError {
        AppError::internal(format!("a page's template: {error}")).into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let layout = Layout::anonymous("error", self.status.canonical_reason().unwrap_or("Error"));
        let page = ErrorPage { layout, status: self.status.as_u16(), message: &self.message };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message).into_response(),
        }
    }
}

/// `page` rendered, with `status`.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Result<Response, PageError> {
    Ok((status, Html(page.render()?)).into_response())
}

/// `page` rendered, 200.
pub(crate) fn ok(page: &impl Template) -> Result<Response, PageError> {
    render(StatusCode::OK, page)
}

/// After a form that changed something: the page to see next (303, so a reload does not
/// send the form again).
pub(crate) fn see(path: impl AsRef<str>) -> Response {
    Redirect::to(path.as_ref()).into_response()
}

/// An id in a page's path: digits, else 404 (as a missing one).
pub(crate) fn page_id(text: &str) -> Result<i64, PageError> {
    Ok(crate::routes::parse_id(text)?)
}
