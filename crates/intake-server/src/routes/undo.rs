//! `POST /v1/imports/{id}/undo`: undoes an import as `intake imports undo` does, under the
//! workspace's lease (never an import that is still running), or with `?dry_run=true` says
//! what it would do, changing nothing. Conflicts (values changed since, contacts another
//! import touched) are listed, never clobbered.

use axum::Json;
use axum::extract::{Path, Query, State};
use intake_store::{AuditEntry, LeaseAction, WorkspaceLeases};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse_id;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// Whether only to say what the undo would do.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UndoQuery {
    /// Say what would be done, change nothing.
    #[serde(default)]
    dry_run: bool,
}

/// What an undo did (or would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct UndoResult {
    import_id: String,
    dry_run: bool,
    /// Contacts the import created, deleted.
    deleted: u64,
    /// Values it overwrote, restored.
    restored: u64,
    /// Tags and list memberships it added, removed.
    memberships_removed: u64,
    /// What was left as it is because it changed since, one sentence each.
    conflicts: Vec<String>,
    /// Unsubscribes the import made that the undo keeps (an undo never gives more
    /// permission to send).
    kept_unsubscribed: Vec<String>,
}

/// Undoes an import (or, with `dry_run`, says what undoing it would do).
#[utoipa::path(post, path = "/imports/{id}/undo", operation_id = "undo_import", tag = "imports",
    params(("id" = String, Path, description = "The import's id"), UndoQuery),
    responses((status = 200, body = UndoResult), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn undo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<UndoQuery>,
) -> Result<Json<UndoResult>, AppError> {
    let id = parse_id(&id)?;
    let dry_run = query.dry_run;
    let (actor, address) = (caller.actor(), caller.address.clone());
    let result = state
        .with_store(&caller, move |store| {
            store.import(id).map_err(|_| AppError::not_found(format!("no import {id}")))?;
            let _lease = match store.lease_import(id, LeaseAction::Undo)? {
                Ok(lease) => lease,
                Err(holder) => {
                    return Err(AppError::new(axum::http::StatusCode::CONFLICT, "busy", holder.to_string()));
                }
            };
            let report = if dry_run { store.preview_undo(id)? } else { store.undo_import(id)? };
            if !dry_run {
                let target = format!("import:{id}");
                let detail = serde_json::json!({
                    "deleted": report.deleted, "restored": report.restored, "conflicts": report.conflicts.len(),
                });
                store.audit(&AuditEntry { actor: &actor, action: "import.undo", target: &target, address: &address, detail })?;
            }
            Ok(UndoResult {
                import_id: id.to_string(),
                dry_run,
                deleted: report.deleted,
                restored: report.restored,
                memberships_removed: report.memberships_removed,
                conflicts: report.conflicts,
                kept_unsubscribed: report.kept_subscriptions,
            })
        })
        .await?;
    Ok(Json(result))
}
