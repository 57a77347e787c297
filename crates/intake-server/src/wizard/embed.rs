//! The wizard in embed mode: the same pages (upload, map, options, review with fix in place,
//! import, results) under `/embed/s/{session}/…`, for a host platform's end user who has no
//! intake account. The session (signed, from `GET /embed?token=…`) travels in the path, never
//! in a cookie (a frame of another site gets none where third-party cookies are blocked); it
//! stands for the person: its workspace, a member's rights, its own imports only, the token's
//! offered fields and allowed options, its fixed options applied.
//!
//! A request is checked here (session, the page being one of the wizard's steps, the import
//! being the session's), then handed to the pages' own routes with the session as the
//! [`WebUser`] and the path without its prefix; the answer's redirect gets the prefix back and
//! its headers let only the token's origin frame it. Must not: let a session reach a page
//! other than the steps, or another import.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use intake_store::Role;
use tower::ServiceExt as _;

use super::session::{WebUser, client_address};
use crate::embed_token::Claims;
use crate::routes::embed::{
    embed_headers, owns, refusal_page, session_caller, session_claims, signed_origin,
};
use crate::state::AppState;

/// An embed session, as the pages see it.
#[derive(Debug)]
pub(crate) struct Embedded {
    pub claims: Claims,
    /// The pages' path prefix: `/embed/s/<session>`.
    pub base: String,
}

/// The embed mode's route and, behind it, the steps a session may reach.
pub(crate) fn router(state: AppState) -> Router {
    let steps = steps_router(state.clone());
    Router::new()
        .route(
            "/embed/s/{session}/{*rest}",
            any(move |state: State<AppState>, path: Path<(String, String)>, request: Request| {
                embedded(state, path, request, steps.clone())
            }),
        )
        .with_state(state)
}

/// The wizard's steps, as the pages' router has them (with its CSRF check).
fn steps_router(state: AppState) -> Router {
    super::wizard_steps(&state)
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::session::check_csrf))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(super::panic_as_page))
        .with_state(state)
}

/// Checks the session and the import, then answers with the step's page.
async fn embedded(
    State(state): State<AppState>,
    Path((session, rest)): Path<(String, String)>,
    request: Request,
    steps: Router,
) -> Response {
    let claims = match session_claims(&state, &session).await {
        Ok(claims) => claims,
        Err(error) => {
            let origin = signed_origin(&state, &session).await;
            return refusal_page(error.status(), error.message(), origin.as_deref());
        }
    };
    let origin = claims.origin.clone();
    if let Some(id) = import_in(&rest) {
        let (caller, checked) = (session_caller(&claims, String::new()), Arc::new(claims.clone()));
        let own = state.with_store(&caller, move |store| owns(store, &checked, id)).await;
        if !matches!(own, Ok(true)) {
            let mut page = super::PageError::new(StatusCode::NOT_FOUND, format!("There is no import {id}."))
                .into_response();
            embed_headers(page.headers_mut(), Some(&origin));
            return page;
        }
    }
    let base = format!("/embed/s/{session}");
    let address = client_address(request.extensions());
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let Ok(uri) = format!("/{rest}{query}").parse::<Uri>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A request of its own for the steps' router: the path without the prefix, and none of
    // this route's path parameters among its extensions.
    let (parts, body) = request.into_parts();
    let mut inner = Request::new(body);
    *inner.method_mut() = parts.method;
    *inner.uri_mut() = uri;
    *inner.version_mut() = parts.version;
    *inner.headers_mut() = parts.headers;
    if let Some(connected) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        inner.extensions_mut().insert(*connected);
    }
    inner.extensions_mut().insert(user_of(claims, base.clone(), address));
    let mut response = match steps.oneshot(inner).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    prefix_redirect(&mut response, &base);
    embed_headers(response.headers_mut(), Some(&origin));
    response
}

/// The import a step's path names (`imports/7/…`), if any.
fn import_in(rest: &str) -> Option<i64> {
    let mut parts = rest.split('/');
    match (parts.next(), parts.next()) {
        (Some("imports"), Some(id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            id.parse().ok()
        }
        _ => None,
    }
}

/// The session as the pages' person: no account (id 0, no address), a member.
fn user_of(claims: Claims, base: String, address: String) -> WebUser {
    WebUser {
        id: 0,
        email: String::new(),
        role: Role::Member,
        workspace: claims.workspace.clone(),
        // The session is already a secret only the frame knows; its random id is the forms'
        // token.
        csrf_token: claims.session.clone(),
        address,
        embed: Some(Arc::new(Embedded { claims, base })),
    }
}

/// A redirect to a page of the service stays in embed mode.
fn prefix_redirect(response: &mut Response, base: &str) {
    let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return;
    };
    if location.starts_with('/')
        && !location.starts_with("//")
        && !location.starts_with(base)
        && let Ok(value) = HeaderValue::from_str(&format!("{base}{location}"))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
}
