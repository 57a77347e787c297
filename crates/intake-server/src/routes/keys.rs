//! `/v1/keys` (admin keys): the workspace's API keys. A new key's secret is in the response
//! once and never again.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use intake_store::{ApiKey, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse_id;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// A key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Key {
    id: String,
    /// `admin` or `member`.
    role: String,
    label: String,
    /// The key's first characters.
    prefix: String,
    /// Seconds since the epoch.
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    /// Where the end of an import started with the key is e-mailed.
    email: Option<String>,
}

impl From<ApiKey> for Key {
    fn from(k: ApiKey) -> Key {
        Key {
            id: k.id.to_string(),
            role: k.role.as_str().to_string(),
            label: k.label,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
            email: k.email,
        }
    }
}

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// `admin` or `member` (the default).
    #[schema(pattern = "^(admin|member)$")]
    role: Option<String>,
    #[serde(default)]
    label: String,
    /// Where the end of an import started with the key is e-mailed (none when left out).
    email: Option<String>,
}

/// A key just created, with its secret: shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    key: Key,
    secret: String,
}

/// The workspace's keys, revoked ones too.
#[utoipa::path(get, path = "/keys", operation_id = "list_keys", tag = "keys",
    responses((status = 200, body = [Key]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Key>>, AppError> {
    caller.require_admin()?;
    let keys = state.with_store(&caller, |store| Ok(store.keys()?)).await?;
    Ok(Json(keys.into_iter().map(Key::from).collect()))
}

/// Creates a key in the caller's workspace.
#[utoipa::path(post, path = "/keys", operation_id = "create_key", tag = "keys", request_body = NewKey,
    responses((status = 201, body = CreatedKey), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), AppError> {
    caller.require_admin()?;
    let role = match new.role.as_deref() {
        None => Role::Member,
        Some(name) => Role::from_name(name)
            .ok_or_else(|| AppError::invalid(format!("role {name:?}: use admin or member")))?,
    };
    let auditor = caller.auditor();
    let created = state
        .with_store(&caller, move |store| {
            let email = new.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
            let created = store.create_key_with_email(role, &new.label, email)?;
            let target = format!("key:{}", created.key.id);
            // Whether it has an address, not the address: the audit log names no person.
            let detail =
                serde_json::json!({ "role": role.as_str(), "label": new.label, "email": email.is_some() });
            auditor.record(store, "key.create", &target, detail)?;
            Ok(created)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedKey { key: Key::from(created.key), secret: created.secret })))
}

/// Revokes a key of the caller's workspace; not the caller's own, so that an admin key always
/// remains (`intake keys revoke` can revoke any).
#[utoipa::path(delete, path = "/keys/{id}", operation_id = "revoke_key", tag = "keys", params(("id" = String, Path, description = "The key's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require_admin()?;
    let id = parse_id(&id)?;
    if id == caller.key_id {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "own_key",
            "a key cannot revoke itself: use another admin key, or `intake keys revoke` on the server",
        ));
    }
    let auditor = caller.auditor();
    state
        .with_store(&caller, move |store| {
            if !store.revoke_key(id)? {
                return Err(AppError::not_found(format!("no live key {id}")));
            }
            let target = format!("key:{id}");
            let detail = serde_json::json!({});
            auditor.record(store, "key.revoke", &target, detail)?;
            Ok(())
        })
        .await?;
    state.keys().forget(id);
    Ok(StatusCode::NO_CONTENT)
}
