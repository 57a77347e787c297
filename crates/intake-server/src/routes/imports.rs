//! `GET /v1/imports` and `GET /v1/imports/{id}`: the workspace's import history.

use axum::Json;
use axum::extract::{Path, Query, State};
use intake_store::ImportRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Page, parse_id};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// An import as the history shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    id: String,
    file_name: String,
    /// `uploaded`, `running`, `completed`, `interrupted`, `failed`, `undone`
    state: String,
    dry_run: bool,
    /// Seconds since the epoch.
    started_at: i64,
    finished_at: Option<i64>,
    counts: Counts,
    /// Why it failed, when it did.
    message: Option<String>,
    /// How far it is, while it runs in this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<crate::runner::Progress>,
}

/// Rows by outcome, as the CLI's `--json` names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    rows: u64,
    imported: u64,
    updated: u64,
    skipped: u64,
    errors: u64,
}

impl From<ImportRecord> for Import {
    fn from(r: ImportRecord) -> Import {
        let c = &r.checkpoint.counts;
        let counts = Counts {
            rows: c.rows,
            imported: c.imported,
            updated: c.updated,
            skipped: c.skipped,
            errors: c.errors,
        };
        Import {
            id: r.id.to_string(),
            file_name: r.file_name,
            state: r.state.as_str().to_string(),
            dry_run: r.dry_run,
            started_at: r.started_at,
            finished_at: r.finished_at,
            counts,
            message: r.message,
            progress: None,
        }
    }
}

/// The workspace's imports, newest first.
#[utoipa::path(get, path = "/imports", operation_id = "list_imports", tag = "imports", params(Page),
    responses((status = 200, body = [Import]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<Page>,
) -> Result<Json<Vec<Import>>, AppError> {
    let (before, limit) = (page.before()?.unwrap_or(i64::MAX), page.limit()? as usize);
    let imports = state.with_store(&caller, |store| Ok(store.imports()?)).await?;
    let mut imports: Vec<Import> = imports.into_iter().filter(|r| r.id < before).map(Import::from).collect();
    imports.sort_by_key(|i| std::cmp::Reverse(i.id.parse::<i64>().unwrap_or(0)));
    imports.truncate(limit);
    Ok(Json(imports))
}

/// One import of the workspace; another workspace's is 404, as a missing one.
#[utoipa::path(get, path = "/imports/{id}", operation_id = "get_import", tag = "imports", params(("id" = String, Path, description = "The import's id")),
    responses((status = 200, body = Import), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Import>, AppError> {
    let id = parse_id(&id)?;
    let found = state
        .with_store(&caller, move |store| {
            let all = store.imports()?;
            Ok(all.into_iter().find(|r| r.id == id))
        })
        .await?;
    let mut import = found.map(Import::from).ok_or_else(|| AppError::not_found(format!("no import {id}")))?;
    import.progress = super::uploads::progress_of(&state, &caller, id);
    Ok(Json(import))
}
