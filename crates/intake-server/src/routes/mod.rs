//! The `/v1` routes, one module per resource.

mod audit;
mod contacts;
mod fields;
mod imports;
mod keys;
mod runs;
mod tags;
mod undo;
mod uploads;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub(crate) use uploads::ImportSettings;

/// Every `/v1` route with its OpenAPI description. Request bodies are limited to 64 KB,
/// except an upload's, which may be `max_upload_bytes`.
pub(crate) fn v1(max_upload_bytes: u64) -> OpenApiRouter<AppState> {
    let upload_limit = usize::try_from(max_upload_bytes).unwrap_or(usize::MAX);
    let (schemas, paths, imports) = routes!(imports::list, uploads::upload);
    let imports = imports.layer(DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .routes(routes!(fields::list, fields::add))
        .routes(routes!(keys::list, keys::create))
        .routes(routes!(keys::revoke))
        .routes(routes!(audit::list))
        .routes((schemas, paths, imports))
        .routes(routes!(imports::get, uploads::configure))
        .routes(routes!(runs::start))
        .routes(routes!(runs::review, runs::get_review))
        .routes(routes!(runs::cancel))
        .routes(routes!(runs::events))
        .routes(routes!(uploads::results))
        .routes(routes!(uploads::errors))
        .routes(routes!(uploads::review_results))
        .routes(routes!(uploads::review_errors))
        .routes(routes!(undo::undo))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(tags::tags))
        .routes(routes!(tags::lists))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
}

/// The largest JSON body a request may have.
const JSON_BODY_LIMIT: usize = 64 * 1024;

/// A page of a listing: at most `limit` items (1 to 500, 50 by default) before the id
/// `before` (newest first).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Page {
    /// Only items older than this id (the last id of the previous page).
    pub before: Option<String>,
    /// How many (1 to 500).
    pub limit: Option<u32>,
}

impl Page {
    pub fn limit(&self) -> Result<u32, crate::error::AppError> {
        match self.limit {
            None => Ok(50),
            Some(n @ 1..=500) => Ok(n),
            Some(n) => Err(crate::error::AppError::invalid(format!("limit {n}: give 1 to 500"))),
        }
    }

    pub fn before(&self) -> Result<Option<i64>, crate::error::AppError> {
        self.before.as_deref().map(parse_id).transpose()
    }
}

/// An id in a path or query: digits, else 404 (as a missing one).
pub(crate) fn parse_id(text: &str) -> Result<i64, crate::error::AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| crate::error::AppError::not_found(format!("no such id {text:?}")))
}
