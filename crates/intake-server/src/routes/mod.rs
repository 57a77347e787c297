//! The `/v1` routes, one module per resource.

mod audit;
pub(crate) mod contacts;
pub(crate) mod embed;
pub(crate) mod fields;
pub(crate) mod fixes;
pub(crate) mod imports;
mod keys;
pub(crate) mod mappings;
pub(crate) mod runs;
mod tags;
pub(crate) mod undo;
pub(crate) mod uploads;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ServerConfig;
use crate::state::AppState;

pub(crate) use undo::UndoResult;
pub(crate) use uploads::ImportSettings;

/// Every `/v1` route with its OpenAPI description. Request bodies are limited to
/// `max_json_body_kb`, except an upload's, which may be `max_upload_mb`.
pub(crate) fn v1(config: &ServerConfig) -> OpenApiRouter<AppState> {
    let upload_limit = usize::try_from(config.max_upload_bytes()).unwrap_or(usize::MAX);
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
        .routes(routes!(fixes::review_errors))
        .routes(routes!(fixes::get_row, fixes::correct_row, fixes::revert_row))
        .routes(routes!(undo::undo, undo::get_undo))
        .routes(routes!(mappings::list, mappings::save))
        .routes(routes!(mappings::get, mappings::delete))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(tags::tags))
        .routes(routes!(tags::lists))
        .routes(routes!(embed::create_token))
        .layer(DefaultBodyLimit::max(config.max_json_body_bytes()))
}

/// The page that opens the embedded wizard (outside `/v1`; refusals are pages).
pub(crate) fn embed_pages() -> axum::Router<AppState> {
    embed::pages()
}

/// A page of a listing: at most `limit` items (1 to 500, 50 by default) before the id
/// `before` (newest first).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Page {
    /// Only items older than this id (the last id of the previous page).
    #[param(pattern = "^[0-9]+$")]
    pub before: Option<String>,
    /// How many (1 to 500).
    #[param(minimum = 1, maximum = 500)]
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

    /// A cursor that is no id is the client's mistake (422), not a missing thing.
    pub fn before(&self) -> Result<Option<i64>, crate::error::AppError> {
        let Some(text) = self.before.as_deref() else {
            return Ok(None);
        };
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(crate::error::AppError::invalid(format!(
                "before {text:?}: give the id of the last item of the previous page"
            ))
            .with_details(serde_json::json!({ "field": "before" }))),
        }
    }
}

/// An id in a path or query: digits, else 404 (as a missing one).
pub(crate) fn parse_id(text: &str) -> Result<i64, crate::error::AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| crate::error::AppError::not_found(format!("no such id {text:?}")))
}
