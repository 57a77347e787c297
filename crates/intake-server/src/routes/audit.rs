//! `GET /v1/audit` (admin keys): who did what in the workspace, newest first.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::Page;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLine {
    id: String,
    /// Seconds since the epoch.
    at: i64,
    /// `key:<id>` or `cli:<user>`.
    actor: String,
    /// `import.start`, `key.create` …
    action: String,
    target: String,
    /// The client's address.
    address: String,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
}

/// The workspace's audit log, newest first, paged with `before`.
#[utoipa::path(get, path = "/audit", operation_id = "list_audit", tag = "audit", params(Page),
    responses((status = 200, body = [AuditLine]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<Page>,
) -> Result<Json<Vec<AuditLine>>, AppError> {
    caller.require_admin()?;
    let (before, limit) = (page.before()?, page.limit()?);
    let lines = state.with_store(&caller, move |store| Ok(store.audit_log(before, limit)?)).await?;
    let lines = lines
        .into_iter()
        .map(|r| AuditLine {
            id: r.id.to_string(),
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            address: r.address,
            detail: r.detail,
        })
        .collect();
    Ok(Json(lines))
}
