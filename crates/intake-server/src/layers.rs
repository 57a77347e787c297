//! What wraps every request, whichever route answers it: one log line, every error as the
//! JSON of [`AppError`], and a panic answered as a bland 500.
//!
//! The log line names the method, the path with only numeric ids left in it (any other value
//! in a path, and the query's values, could be a name, an e-mail address or a phone number),
//! the status, the time taken and the API key's id (never its secret). Nothing from a request's
//! body or a contact is logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::AppError;
use crate::state::AppState;

/// The most of a non-JSON error body that is read to make its message.
const ERROR_TEXT_LIMIT: usize = 16 * 1024;

/// Logs one line per request when it is answered (at `info`, target `intake_server::layers`).
/// The request runs in a span `request` that the API key's id is added to once known.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = loggable_path(&request);
    let query = request.uri().query().map(query_names).unwrap_or_default();
    let span = tracing::info_span!("request", %method, %path, query = tracing::field::Empty, key = tracing::field::Empty);
    if !query.is_empty() {
        span.record("query", tracing::field::display(&query));
    }
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.in_scope(|| tracing::info!(status, ms, "answered"));
    response
}

/// The request's path with every value that is not a short numeric id replaced by its route's
/// placeholder (`/v1/imports/7`, `/v1/things/{name}`); `(no route)` when none matched, as
/// such a path is anything a client typed.
fn loggable_path(request: &Request) -> String {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    redacted_path(route, request.uri().path())
}

/// The longest id a log line shows: a phone number sent where an id goes has more digits
/// (or a leading zero), and is logged as the placeholder.
const LOGGED_ID_DIGITS: usize = 6;

fn redacted_path(route: Option<&str>, path: &str) -> String {
    let Some(route) = route else {
        return "(no route)".to_string();
    };
    let template: Vec<&str> = route.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    if template.len() != actual.len() {
        return route.to_string();
    }
    let kept = template.iter().zip(&actual).map(|(pattern, value)| {
        let an_id = (1..=LOGGED_ID_DIGITS).contains(&value.len())
            && !value.starts_with('0')
            && value.bytes().all(|b| b.is_ascii_digit());
        if pattern.starts_with('{') && !an_id { *pattern } else { *value }
    });
    kept.collect::<Vec<_>>().join("/")
}

/// The names of a query's parameters (`filename,limit`), never their values; a name that is
/// not lower-case letters and `_` (as the API's are) is logged as `?`, as it may be a value.
fn query_names(query: &str) -> String {
    let names = query.split('&').filter_map(|pair| pair.split('=').next()).filter(|name| !name.is_empty());
    let plain = |name: &str| name.len() <= 32 && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let names: Vec<&str> = names.map(|name| if plain(name) { name } else { "?" }).collect();
    names.join(",")
}

/// Refuses a JSON body whose declared length is over `max_json_body_kb` before any handler
/// runs, reading the rest of it (up to [`DRAIN_LIMIT`]) first: a service that answers and
/// closes while the client is still sending makes the client's system drop the answer (a
/// connection reset instead of the 413).
pub(crate) async fn refuse_large_json(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.config().max_json_body_bytes();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let over = declared.is_some_and(|n| n > limit as u64);
    if !(over && is_json(request.headers())) {
        return next.run(request).await;
    }
    drain(&mut request.into_body().into_data_stream()).await;
    json_too_large(&state)
}

/// The most of a refused body that is read (and dropped) before the answer.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// Reads and drops what is left of a refused body, up to [`DRAIN_LIMIT`], so that the client,
/// still sending, gets the answer rather than a reset connection. Past that the connection is
/// closed as it is.
pub(crate) async fn drain<S, B, E>(body: &mut S)
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    let mut read = 0;
    while read < DRAIN_LIMIT {
        match futures_util::StreamExt::next(body).await {
            Some(Ok(chunk)) => read += chunk.as_ref().len(),
            _ => break,
        }
    }
}

fn json_too_large(state: &AppState) -> Response {
    let kb = state.config().max_json_body_kb;
    let message =
        format!("the request body is larger than the limit of {kb} KB (the setting max_json_body_kb)");
    AppError::over_limit(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message, "max_json_body_kb", kb)
        .into_response()
}

/// Turns an error answered without the JSON body (axum's own: a route or method that does not
/// exist, a body or query that cannot be read, a body over its limit) into [`AppError`]'s
/// shape, with the same status and a stable code.
pub(crate) async fn json_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, ERROR_TEXT_LIMIT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let error = match status {
        StatusCode::NOT_FOUND => AppError::not_found("no such route: see /openapi.json"),
        StatusCode::METHOD_NOT_ALLOWED => AppError::new(
            status,
            "method_not_allowed",
            format!("{method} is not allowed here; the Allow header lists what is"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => return json_too_large(&state),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(status, "unsupported_media_type", text),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::invalid(text),
        StatusCode::BAD_REQUEST => AppError::new(status, "bad_request", text),
        _ if status.is_server_error() => AppError::internal(text),
        _ => AppError::new(status, "refused", text),
    };
    let mut answer = error.into_response();
    // Keep what the original said beyond its body (`Allow` on a 405).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The answer to a request whose handler panicked: a 500 that says nothing of the panic (it
/// is logged without its message, which could hold a value from the request).
pub(crate) fn panicked(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::internal("a request's handler panicked").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(route: &str, path: &str) -> String {
        redacted_path(Some(route).filter(|r| !r.is_empty()), path)
    }

    #[test]
    fn a_logged_path_keeps_numeric_ids_and_hides_every_other_value() {
        assert_eq!(logged("/v1/imports/{id}", "/v1/imports/42"), "/v1/imports/42");
        assert_eq!(logged("/v1/contacts/{id}", "/v1/contacts/anna@example.com"), "/v1/contacts/{id}");
        assert_eq!(
            logged("/v1/imports/{id}/errors.csv", "/v1/imports/7/errors.csv"),
            "/v1/imports/7/errors.csv"
        );
        assert_eq!(logged("", "/v1/anna@example.com"), "(no route)");
        assert_eq!(logged("/v1/contacts/{id}", "/v1/contacts/491712345678"), "/v1/contacts/{id}");
        assert_eq!(logged("/v1/contacts/{id}", "/v1/contacts/0171234"), "/v1/contacts/{id}");
    }

    #[test]
    fn a_logged_query_has_names_only() {
        assert_eq!(query_names("filename=Anna%20M%C3%BCller.csv&limit=5"), "filename,limit");
        assert_eq!(query_names("q=%2B4917123"), "q");
        assert_eq!(query_names("dry_run=true&anna%40example.com&0171234=1"), "dry_run,?,?");
    }
}
