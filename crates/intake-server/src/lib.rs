//! intake's HTTP service (`intake serve`): the API under `/v1`, described by the OpenAPI
//! document at `/openapi.json`, on the same store and rules as the CLI.
//!
//! A workspace is a tenant: every request carries an API key (`Authorization: Bearer …`), the
//! key names its workspace and role, and a handler only ever opens that workspace, so another
//! tenant's import or contact answers 404 exactly as a missing one. Handlers are thin: they
//! check the caller, run the store's blocking work on the blocking pool (never on the
//! runtime's workers) and turn its result into JSON or one [`error::AppError`].
//!
//! Around every route ([`layers`]): one log line per request, every error as that JSON, a
//! panic as a bland 500; each authenticated request counts against its key's rate limit
//! ([`limit`]). The settings and where they come from are in [`config`].

mod auth;
pub mod config;
mod doc;
mod embed_token;
mod error;
mod key_cache;
mod layers;
mod limit;
pub mod notify;
mod page_indexes;
mod routes;
mod runner;
mod state;
mod wizard;

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
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/v1", routes::v1(state.config()))
        .with_state(state)
        .split_for_parts();
    doc::add_common_responses(&mut doc);
    (router, doc)
}

/// The whole service: the API and `/openapi.json`, each request logged, every error JSON.
pub fn app(state: AppState) -> Router {
    let (router, doc) = api(state.clone());
    let doc = std::sync::Arc::new(doc);
    // The web pages answer their errors as pages: they join after the API's JSON layers.
    let pages = wizard::router(state.clone()).merge(wizard::embed_router(state.clone()));
    let embed_pages = routes::embed_pages()
        .with_state(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(layers::panicked));
    router
        .route("/openapi.json", axum::routing::get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .fallback(|| async { error::AppError::not_found("no such route: see /openapi.json") })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(layers::panicked))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::refuse_large_json))
        .layer(axum::middleware::from_fn_with_state(state, layers::json_errors))
        .merge(pages)
        .merge(embed_pages)
        .layer(axum::middleware::from_fn(layers::log_request))
}

/// The OpenAPI document, as `/openapi.json` serves it.
pub fn openapi() -> Result<utoipa::openapi::OpenApi, ServerError> {
    Ok(api(AppState::for_document()?).1)
}

/// Listens on `config.bind` and serves until the process is stopped (Ctrl-C or SIGTERM end it
/// gracefully). `on_listening` is told the bound address (port 0 picks a free one).
pub async fn serve(config: ServerConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let state = AppState::new(&config)?;
    page_indexes::build_in_background(state.db().to_path_buf(), "start");
    let bind_error = |source| ServerError::Bind { address: config.bind, source };
    let listener = tokio::net::TcpListener::bind(config.bind).await.map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    notify::Notifier::new(&config, address)?.spawn()?;
    tracing::info!(%address, "listening");
    on_listening(address);
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stopped())
        .await
        .map_err(ServerError::Serve)
}

/// Runs the job runner and the notifier without the API (`intake worker`) until the process is
/// stopped: another process to run the reviews and imports queued in the store (the runners of
/// every `intake serve` and `intake worker` on a store share its queue). `on_working` is told
/// once it runs.
pub async fn work(config: ServerConfig, on_working: impl FnOnce()) -> Result<(), ServerError> {
    // The state starts the runner (and migrates the store); no request ever reads it.
    let _state = AppState::new(&config)?;
    notify::Notifier::new(&config, config.bind)?.spawn()?;
    tracing::info!("working");
    on_working();
    stopped().await;
    Ok(())
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
