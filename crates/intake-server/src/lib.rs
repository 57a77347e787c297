//! intake's HTTP service (`intake serve`): the API under `/v1`, described by the OpenAPI
//! document at `/openapi.json`, on the same store and rules as the CLI.
//!
//! A workspace is a tenant: every request carries an API key (`Authorization: Bearer …`), the
//! key names its workspace and role, and a handler only ever opens that workspace, so another
//! tenant's import or contact answers 404 exactly as a missing one. Handlers are thin: they
//! check the caller, run the store's blocking work on the blocking pool (never on the
//! runtime's workers) and turn its result into JSON or one [`error::AppError`].

mod auth;
pub mod config;
mod error;
mod key_cache;
pub mod notify;
mod routes;
mod runner;
mod state;

use std::net::SocketAddr;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use auth::BearerScheme;

pub use config::{NotifySettings, ServerConfig, SmtpTls};
pub use error::ServerError;
pub use state::AppState;

/// The OpenAPI document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "intake", description = "Contact import and sync: the HTTP API."),
    modifiers(&BearerScheme),
    security(("api_key" = []))
)]
struct ApiDoc;

/// The API's routes with their OpenAPI document.
fn api(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/v1", routes::v1(state.max_upload_bytes()))
        .with_state(state)
        .split_for_parts();
    (router, doc)
}

/// The whole service: the API and `/openapi.json`.
pub fn app(state: AppState) -> Router {
    let (router, doc) = api(state);
    let doc = std::sync::Arc::new(doc);
    router
        .route("/openapi.json", axum::routing::get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
}

/// A request's log span: its method and path, never its query, which may hold what a person
/// searched for (`/v1/contacts?q=anna@example.com`): an e-mail address, a phone number or a
/// name must not reach the log.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The OpenAPI document, as `/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(AppState::for_document()).1
}

/// Listens on `config.bind` and serves until the process is stopped (Ctrl-C or SIGTERM end it
/// gracefully). `on_listening` is told the bound address (port 0 picks a free one).
pub async fn serve(config: ServerConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let state = AppState::new(&config)?;
    let listener = tokio::net::TcpListener::bind(config.bind).await.map_err(ServerError::Bind)?;
    let address = listener.local_addr().map_err(ServerError::Bind)?;
    notify::Notifier::new(&config, address)?.spawn()?;
    tracing::info!(%address, "listening");
    on_listening(address);
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stopped())
        .await
        .map_err(ServerError::Serve)
}

/// Resolves when the process is asked to stop.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("stopping");
}
