//! API keys of the service and the audit log: a key belongs to one workspace and has a role;
//! it is shown once when created and only its SHA-256 is stored. Every change made through
//! the service (and the key changes made through the CLI) is written to the audit log.

use std::path::Path;

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{SqliteStore, StoreError, now};

/// What a key may do: `admin` also manages fields, keys, webhooks and settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// A key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub role: Role,
    pub label: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Where the service e-mails the end of an import started with this key.
    pub email: Option<String>,
}

/// A key just created, with its secret: the only time the secret is known.
#[derive(Debug)]
pub struct NewKey {
    pub key: ApiKey,
    pub secret: String,
}

/// One line of the audit log to write.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    /// `key:<id>` or `cli:<user>`.
    pub actor: &'a str,
    /// `import.start`, `import.undo`, `key.create` …
    pub action: &'a str,
    /// What it acted on (`import:7`, `key:3`).
    pub target: &'a str,
    /// The client's address, empty for the CLI.
    pub address: &'a str,
    /// Further facts, as JSON.
    pub detail: serde_json::Value,
}

/// One line of the audit log as read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub address: String,
    pub detail: serde_json::Value,
}

/// The bytes of randomness in a key: 160 bits.
const SECRET_BYTES: usize = 20;
/// Every key starts so, to be recognized in a leaked file.
const KEY_PREFIX: &str = "ik_";

fn new_secret() -> Result<String, StoreError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::System(std::io::Error::other(e.to_string())))?;
    Ok(format!("{KEY_PREFIX}{}", hex(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The columns [`read_key`] reads, of `api_keys k`.
const KEY_COLUMNS: &str =
    "k.id, k.role, k.label, k.prefix, k.created_at, k.last_used_at, k.revoked_at, k.email";

fn read_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        role: Role::from_name(&r.get::<_, String>(1)?).unwrap_or(Role::Member),
        label: r.get(2)?,
        prefix: r.get(3)?,
        created_at: r.get(4)?,
        last_used_at: r.get(5)?,
        revoked_at: r.get(6)?,
        email: r.get(7)?,
    })
}

/// When a key of the store at `path` was last revoked (by any process), as the time its
/// marker file changed; `None` when none was. A service that keeps keys in memory asks this
/// (one `stat`) on every request, so that a revoked key is refused from the next request on.
pub fn keys_changed(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(keys_marker(path)).and_then(|m| m.modified()).ok()
}

fn keys_marker(store: &Path) -> std::path::PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push("-keys");
    std::path::PathBuf::from(name)
}

fn hash_of(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

impl SqliteStore {
    /// Creates a key for this workspace and returns it with its secret.
    pub fn create_key(&self, role: Role, label: &str) -> Result<NewKey, StoreError> {
        self.create_key_with_email(role, label, None)
    }

    /// [`SqliteStore::create_key`] with a notify address: the end of an import started with
    /// the key is e-mailed there. The address is checked (and lower-cased) as an import
    /// checks e-mail addresses.
    pub fn create_key_with_email(
        &self,
        role: Role,
        label: &str,
        email: Option<&str>,
    ) -> Result<NewKey, StoreError> {
        let email = email
            .map(|text| {
                intake_core::normalize::normalize_email(text)
                    .map_err(|e| StoreError::Invalid(format!("the key's notify address is {e}")))
            })
            .transpose()?;
        let secret = new_secret()?;
        let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
        let created_at = now();
        self.conn.execute(
            "INSERT INTO api_keys (workspace_id, role, label, prefix, secret_hash, created_at, email) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![self.workspace_id, role.as_str(), label, prefix, hash_of(&secret), created_at, email],
        )?;
        let id = self.conn.last_insert_rowid();
        let key = ApiKey {
            id,
            role,
            label: label.to_string(),
            prefix,
            created_at,
            last_used_at: None,
            revoked_at: None,
            email,
        };
        Ok(NewKey { key, secret })
    }

    /// The workspace's keys, revoked ones too, oldest first.
    pub fn keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys k WHERE k.workspace_id = ?1 ORDER BY k.id"
        ))?;
        let rows = statement.query_map(params![self.workspace_id], read_key)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether any workspace of the store has a key, live or revoked: a service's first start
    /// is the one that finds none.
    pub fn store_has_keys(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row("SELECT EXISTS (SELECT 1 FROM api_keys)", [], |r| r.get(0))?)
    }

    /// Revokes key `id` of this workspace; false when the workspace has no such live key.
    pub fn revoke_key(&self, id: i64) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE api_keys SET revoked_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND revoked_at IS NULL",
            params![now(), self.workspace_id, id],
        )?;
        if changed == 1 {
            let marker = keys_marker(&self.path);
            let stamp =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            if let Err(error) = std::fs::write(&marker, stamp.as_nanos().to_string()) {
                tracing::warn!(%error, "a service may accept the revoked key for a few more seconds");
            }
        }
        Ok(changed == 1)
    }

    /// Writes `entry` to this workspace's audit log.
    pub fn audit(&self, entry: &AuditEntry<'_>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO audit_log (workspace_id, at, actor, action, target, address, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.workspace_id,
                now(),
                entry.actor,
                entry.action,
                entry.target,
                entry.address,
                entry.detail.to_string()
            ],
        )?;
        Ok(())
    }

    /// The workspace's audit log, newest first, `limit` lines before line `before` (all when
    /// `None`).
    pub fn audit_log(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, at, actor, action, target, address, detail FROM audit_log \
             WHERE workspace_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
        )?;
        let rows =
            statement.query_map(params![self.workspace_id, before.unwrap_or(i64::MAX), limit], |r| {
                Ok(AuditRecord {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    address: r.get(5)?,
                    detail: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(serde_json::Value::Null),
                })
            })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The live key whose secret is `secret`, with the name of its workspace; `None` for an
/// unknown or revoked key. Marks the key used.
pub fn authenticate(path: &Path, secret: &str) -> Result<Option<(ApiKey, String)>, StoreError> {
    if !secret.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    let conn = crate::connect(&crate::store_path(path)?)?;
    let found = conn
        .query_row(
            &format!(
                "SELECT {KEY_COLUMNS}, w.name FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id \
                 WHERE k.secret_hash = ?1 AND k.revoked_at IS NULL"
            ),
            params![hash_of(secret)],
            |r| Ok((read_key(r)?, r.get::<_, String>(8)?)),
        )
        .optional()?;
    let at = now();
    if let Some((key, _)) = &found
        && key.last_used_at.is_none_or(|last| last < at - 60)
    {
        // At most once a minute, and only then a write: a write per request (even one that
        // changes nothing takes the write lock) would serialize every request behind an
        // import's batches.
        conn.execute(
            "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2 AND coalesce(last_used_at, 0) < ?1 - 60",
            params![at, key.id],
        )?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_opens_its_own_workspace_only_until_it_is_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let one = SqliteStore::open(&path, "one").unwrap();
        let two = SqliteStore::open(&path, "two").unwrap();
        let created = one.create_key(Role::Admin, "ci").unwrap();
        assert!(created.secret.starts_with("ik_") && created.secret.len() == 3 + 2 * SECRET_BYTES);
        let (key, workspace) = authenticate(&path, &created.secret).unwrap().unwrap();
        assert_eq!((key.id, key.role, workspace.as_str()), (created.key.id, Role::Admin, "one"));
        assert_eq!(two.keys().unwrap(), vec![]);
        assert!(!two.revoke_key(created.key.id).unwrap(), "another workspace's key is not found");
        assert!(authenticate(&path, "ik_0000").unwrap().is_none());
        assert!(one.revoke_key(created.key.id).unwrap());
        assert!(authenticate(&path, &created.secret).unwrap().is_none());
        assert!(one.keys().unwrap()[0].revoked_at.is_some());
    }

    #[test]
    fn the_audit_log_is_per_workspace_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let one = SqliteStore::open(&path, "one").unwrap();
        let two = SqliteStore::open(&path, "two").unwrap();
        for action in ["key.create", "import.start"] {
            let entry = AuditEntry { actor: "key:1", action, target: "import:1", ..Default::default() };
            one.audit(&entry).unwrap();
        }
        let log = one.audit_log(None, 10).unwrap();
        assert_eq!(log.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["import.start", "key.create"]);
        assert_eq!(one.audit_log(Some(log[0].id), 10).unwrap().len(), 1);
        assert!(two.audit_log(None, 10).unwrap().is_empty());
    }
}
