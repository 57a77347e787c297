//! `GET /v1/tags` and `GET /v1/lists` (every key): the workspace's tags and lists by name,
//! each with how many contacts have it (`?tag=` and `?list=` of `GET /v1/contacts` list them).

use axum::Json;
use axum::extract::State;
use intake_store::NamedCount;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// A tag or list and how many contacts have it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    name: String,
    contacts: u64,
}

impl From<NamedCount> for Named {
    fn from(count: NamedCount) -> Named {
        Named { name: count.name, contacts: count.contacts }
    }
}

/// The workspace's tags, by name.
#[utoipa::path(get, path = "/tags", operation_id = "list_tags", tag = "contacts",
    responses((status = 200, body = [Named]), (status = 401, body = ErrorBody)))]
pub(crate) async fn tags(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Named>>, AppError> {
    let counts = state.with_store(&caller, |store| Ok(store.tag_counts()?)).await?;
    Ok(Json(counts.into_iter().map(Named::from).collect()))
}

/// The workspace's lists, by name.
#[utoipa::path(get, path = "/lists", operation_id = "list_lists", tag = "contacts",
    responses((status = 200, body = [Named]), (status = 401, body = ErrorBody)))]
pub(crate) async fn lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Named>>, AppError> {
    let counts = state.with_store(&caller, |store| Ok(store.list_counts()?)).await?;
    Ok(Json(counts.into_iter().map(Named::from).collect()))
}
