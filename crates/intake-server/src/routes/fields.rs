//! `GET /v1/fields` (every key) and `POST /v1/fields` (admin keys): the workspace's fields.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use intake_core::model::{FieldDef, FieldKind, FieldType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// A field of the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct Field {
    /// Machine name (`email`, `plan`).
    name: String,
    label: String,
    /// `text`, `email`, `phone`, `date`, `integer`, `decimal`, `boolean`, `choice`,
    /// `multi_choice`, `url` …
    #[serde(rename = "type")]
    field_type: String,
    /// The ids a choice field accepts.
    choices: Vec<String>,
    /// `builtin` or `custom`.
    kind: String,
}

impl From<&FieldDef> for Field {
    fn from(def: &FieldDef) -> Field {
        Field {
            name: def.name.clone(),
            label: def.label.clone(),
            field_type: def.field_type.name().to_string(),
            choices: def.choices.clone(),
            kind: if def.kind == FieldKind::Builtin { "builtin" } else { "custom" }.to_string(),
        }
    }
}

/// A custom field to declare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewField {
    /// Machine name: a-z, 0-9 and `_`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9_]*$")]
    name: String,
    #[serde(rename = "type")]
    #[schema(schema_with = field_types)]
    field_type: String,
    /// Matched against headers too; the name when absent.
    label: Option<String>,
    /// For choice and multi_choice fields.
    #[serde(default)]
    choices: Vec<String>,
}

/// The names of the field types, as the document lists them.
fn field_types() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(FieldType::ALL.iter().map(|t| t.name())))
        .description(Some("The field's type."))
        .build()
}

/// The workspace's fields, built-in then custom.
#[utoipa::path(get, path = "/fields", operation_id = "list_fields", tag = "fields",
    responses((status = 200, body = [Field]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Field>>, AppError> {
    let fields = state
        .with_store(&caller, |store| Ok(store.schema().fields().iter().map(Field::from).collect()))
        .await?;
    Ok(Json(fields))
}

/// Declares a custom field (admin keys).
#[utoipa::path(post, path = "/fields", operation_id = "add_field", tag = "fields", request_body = NewField,
    responses((status = 201, body = Field), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewField>,
) -> Result<(StatusCode, Json<Field>), AppError> {
    caller.require_admin()?;
    let field_type = FieldType::from_name(&new.field_type).ok_or_else(|| {
        let names: Vec<&str> = FieldType::ALL.iter().map(|t| t.name()).collect();
        AppError::invalid(format!("unknown type {:?}: use one of {}", new.field_type, names.join(", ")))
            .with_details(serde_json::json!({ "field": "type" }))
    })?;
    let def = FieldDef {
        label: new.label.unwrap_or_else(|| new.name.clone()),
        name: new.name,
        field_type,
        choices: new.choices.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect(),
        kind: FieldKind::Custom,
        aliases: Vec::new(),
    };
    let field = Field::from(&def);
    let auditor = caller.auditor();
    state
        .with_store(&caller, move |store| {
            let target = format!("field:{}", def.name);
            store.add_field(def)?;
            let detail = serde_json::json!({ "type": field_type.name() });
            auditor.record(store, "field.add", &target, detail)?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(field)))
}
