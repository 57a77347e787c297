//! Saved mappings: `GET/POST /v1/mappings`, `GET/DELETE /v1/mappings/{id}`. A mapping is saved
//! as given (`{"Header": "field" | null}`) or as an import would map its file now (its
//! settings and the suggestions), and applied to an import by `saved_mapping` in its settings.

use std::collections::BTreeMap;
use std::path::Path as FilePath;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use intake_import::mapping_file::to_file;
use intake_import::run::{Prepared, prepare};
use intake_store::{SavedMapping, SqliteStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse_id;
use super::uploads::{configurable, import_error};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// Column header → field name, or `null` to leave the column out.
pub(crate) type ColumnMap = BTreeMap<String, Option<String>>;

/// A mapping to save: `mapping` as given, or the mapping import `import_id` would use now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMapping {
    /// Its name in the workspace; a mapping of that name is replaced.
    name: String,
    /// Column header → field name, or `null` to leave the column out.
    #[serde(default)]
    mapping: Option<ColumnMap>,
    /// An uploaded import whose mapping (its settings and the suggestions) is saved.
    #[serde(default)]
    import_id: Option<String>,
}

/// A saved mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingView {
    id: String,
    name: String,
    /// Column header → field name, or `null` for a column left out.
    mapping: ColumnMap,
    /// Who saved it last (`key:<id>`).
    saved_by: String,
    created_at: i64,
    updated_at: i64,
}

impl MappingView {
    fn of(saved: SavedMapping) -> Result<MappingView, AppError> {
        Ok(MappingView {
            id: saved.id.to_string(),
            name: saved.name,
            mapping: serde_json::from_str(&saved.mapping).map_err(AppError::internal)?,
            saved_by: saved.created_by,
            created_at: saved.created_at,
            updated_at: saved.updated_at,
        })
    }
}

/// The workspace's saved mappings, by name.
#[utoipa::path(get, path = "/mappings", operation_id = "list_mappings", tag = "mappings",
    responses((status = 200, body = [MappingView]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MappingView>>, AppError> {
    let saved = state.with_store(&caller, |store| Ok(store.saved_mappings()?)).await?;
    Ok(Json(saved.into_iter().map(MappingView::of).collect::<Result<_, _>>()?))
}

/// Saves a mapping, as given or as an uploaded import would map its file now; a mapping of
/// the same name is replaced. Every field must be one of the workspace's (422 otherwise).
#[utoipa::path(post, path = "/mappings", operation_id = "save_mapping", tag = "mappings", request_body = NewMapping,
    responses((status = 201, body = MappingView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewMapping>,
) -> Result<(StatusCode, Json<MappingView>), AppError> {
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name: give a name of 1 to 200 characters"));
    }
    let auditor = caller.auditor();
    let saved = state
        .with_store(&caller, move |store| {
            let mapping = match (new.mapping, new.import_id) {
                (Some(mapping), None) => checked(store, mapping)?,
                (None, Some(import)) => of_import(store, parse_id(&import)?)?,
                _ => return Err(AppError::invalid("give either mapping or import_id")),
            };
            let text = serde_json::to_string(&mapping).map_err(AppError::internal)?;
            let id = store.save_mapping(&name, &text, auditor.actor())?;
            let target = format!("mapping:{id}");
            let detail = serde_json::json!({ "name": name, "columns": mapping.len() });
            auditor.record(store, "mapping.save", &target, detail)?;
            store.saved_mapping(id)?.ok_or_else(|| AppError::internal("a saved mapping vanished"))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(MappingView::of(saved)?)))
}

/// One saved mapping.
#[utoipa::path(get, path = "/mappings/{id}", operation_id = "get_mapping", tag = "mappings",
    params(("id" = String, Path, description = "The mapping's id")),
    responses((status = 200, body = MappingView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MappingView>, AppError> {
    let id = parse_id(&id)?;
    let saved = state.with_store(&caller, move |store| saved(store, id)).await?;
    Ok(Json(MappingView::of(saved)?))
}

/// Deletes a saved mapping (imports it was applied to keep their settings).
#[utoipa::path(delete, path = "/mappings/{id}", operation_id = "delete_mapping", tag = "mappings",
    params(("id" = String, Path, description = "The mapping's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    let auditor = caller.auditor();
    state
        .with_store(&caller, move |store| {
            if !store.delete_saved_mapping(id)? {
                return Err(AppError::not_found(format!("no saved mapping {id}")));
            }
            let target = format!("mapping:{id}");
            let detail = serde_json::json!({});
            auditor.record(store, "mapping.delete", &target, detail)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saved mapping `id` of the workspace; 404 when there is none.
fn saved(store: &SqliteStore, id: i64) -> Result<SavedMapping, AppError> {
    store.saved_mapping(id)?.ok_or_else(|| AppError::not_found(format!("no saved mapping {id}")))
}

/// The columns of saved mapping `id`, for an import's settings; 422 when there is none (the
/// request names it as a setting).
pub(crate) fn columns_of(store: &SqliteStore, id: &str) -> Result<ColumnMap, AppError> {
    let missing = || AppError::invalid(format!("saved_mapping: no saved mapping {id:?}"));
    let id = id.parse::<i64>().map_err(|_| missing())?;
    let saved = store.saved_mapping(id)?.ok_or_else(missing)?;
    serde_json::from_str(&saved.mapping).map_err(AppError::internal)
}

/// `mapping` when every field it names is one of the workspace's.
fn checked(store: &SqliteStore, mapping: ColumnMap) -> Result<ColumnMap, AppError> {
    for (header, field) in &mapping {
        if let Some(field) = field
            && store.schema().target_by_name(field).is_none()
        {
            return Err(AppError::invalid(format!(
                "column {header:?}: no field {field:?} in this workspace (GET /v1/fields lists them)"
            )));
        }
    }
    Ok(mapping)
}

/// The mapping uploaded import `id` would use now: every mapped column, and the columns left
/// out (columns nothing was decided for are not saved: an import suggests for them again).
fn of_import(store: &SqliteStore, id: i64) -> Result<ColumnMap, AppError> {
    let (path, settings) = configurable(store, id)?;
    let Prepared { input, mapping, .. } =
        prepare(store, &settings.request(FilePath::new(&path)), &mut |_| {}).map_err(import_error)?;
    let file = to_file(input.source().headers(), &mapping, store.schema());
    let mut columns: ColumnMap = file.map.into_iter().map(|(header, field)| (header, Some(field))).collect();
    columns.extend(file.skip.into_iter().map(|header| (header, None)));
    Ok(columns)
}
