//! Who is asking: the API key in `Authorization: Bearer …`, checked against the store, gives
//! the caller's workspace and role. A missing, unknown or revoked key is a 401; a known key
//! over its rate limit a 429.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use intake_store::{AuditEntry, Role, SqliteStore};
use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::AppError;
use crate::key_cache::KnownKey;
use crate::state::{AppState, blocking};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The API key's id; 0 for a person signed in on the web pages (`person`).
    pub key_id: i64,
    /// The user's id when a person signed in on the web pages asks, through a page.
    pub person: Option<i64>,
    pub role: Role,
    pub workspace: String,
    /// The client's address, for the audit log (empty when unknown).
    pub address: String,
}

impl Caller {
    /// Refuses a member key where an admin key is needed.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Member => Err(AppError::forbidden("this needs an admin key; this key is a member key")),
        }
    }

    /// `key:<id>` (or `user:<id>` for a person on the web pages), as the audit log names the
    /// caller.
    pub fn actor(&self) -> String {
        match self.person {
            Some(user) => format!("user:{user}"),
            None => format!("key:{}", self.key_id),
        }
    }

    /// The caller as the audit log records it, to carry into a handler's blocking work.
    pub fn auditor(&self) -> Auditor {
        Auditor { actor: self.actor(), address: self.address.clone() }
    }
}

/// Who asked and from where: writes the audit log's entries of a request.
#[derive(Debug, Clone)]
pub struct Auditor {
    actor: String,
    address: String,
}

impl Auditor {
    /// `key:<id>` or `user:<id>`.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Writes `action` on `target` (`import:7`) with `detail` to the workspace's audit log.
    pub fn record(
        &self,
        store: &SqliteStore,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let entry = AuditEntry { actor: &self.actor, action, target, address: &self.address, detail };
        Ok(store.audit(&entry)?)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| AppError::unauthorized("no API key: send Authorization: Bearer KEY"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|s| s.trim().to_string())
            .ok_or_else(|| AppError::unauthorized("the Authorization header is not Bearer KEY"))?;
        // One `stat`: whether a key was revoked since the cached ones were read.
        let marker = intake_store::keys_changed(state.db());
        let known = match state.keys().get(&secret, marker) {
            Some(known) => known,
            None => {
                let db = state.db().to_path_buf();
                let asked = secret.clone();
                let found = blocking(move || Ok(intake_store::authenticate(&db, &asked)?)).await?;
                let (key, workspace) =
                    found.ok_or_else(|| AppError::unauthorized("unknown or revoked API key"))?;
                let known = KnownKey { key_id: key.id, role: key.role, workspace };
                state.keys().put(&secret, known.clone(), marker);
                known
            }
        };
        // The request's log line names the key by its id.
        tracing::Span::current().record("key", known.key_id);
        state.limiter().check(known.key_id)?;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_string())
            .unwrap_or_default();
        Ok(Caller {
            key_id: known.key_id,
            person: None,
            role: known.role,
            workspace: known.workspace,
            address,
        })
    }
}

/// Declares the bearer key in the OpenAPI document.
pub(crate) struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key (intake keys create)."));
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme.build()));
    }
}
