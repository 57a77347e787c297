//! People who use the web pages, their signed-in sessions and one-time sign-in links.
//!
//! A user belongs to one workspace (an address may be a user of several), with a role as API
//! keys have and an argon2id password hash, or none for link-only sign-in. Sessions and links
//! are random tokens of which only the SHA-256 is stored. Nothing here logs an address, a
//! password or a token, and nothing here decides what a page shows: that is the service's.

use std::path::Path;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Role, SqliteStore, StoreError, now};

/// A person of a workspace (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    /// Lower-cased, as an import checks addresses.
    pub email: String,
    pub role: Role,
    /// Whether the user may sign in with a password (else by link only).
    pub has_password: bool,
    pub created_at: i64,
}

/// A signed-in browser's session, as the service finds it from the cookie.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub user: User,
    /// The name of the user's workspace.
    pub workspace: String,
    /// What every state-changing request of this session must carry.
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A user found by address for signing in, with the hash to check a password against.
#[derive(Debug, Clone)]
pub struct SignInCandidate {
    pub user: User,
    pub workspace: String,
    password_hash: Option<String>,
}

/// A session just opened: the cookie's token (known only now) and the session's CSRF token.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// The bytes of randomness in a session, link or CSRF token: 256 bits.
const TOKEN_BYTES: usize = 32;

fn new_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::System(std::io::Error::other(e.to_string())))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn hash_of(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The argon2id hash of `password` (argon2's default parameters, a random salt), as a PHC string.
fn hash_password(password: &str) -> Result<String, StoreError> {
    let hashed = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| StoreError::System(std::io::Error::other(format!("hashing a password: {e}"))))?;
    Ok(hashed.to_string())
}

/// A hash of no one's password: checked when an address is unknown, so that an unknown address
/// takes as long to refuse as a wrong password.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K1Qp0kcl3zJ8x8m0RrZ4kK2R3tq7ZUsL1m7V6Bq0Kzs";

fn password_matches(hash: Option<&str>, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash.unwrap_or(NOBODY)) else {
        return false;
    };
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && hash.is_some()
}

/// The e-mail address as users are keyed by: checked, lower-cased.
pub fn user_address(text: &str) -> Result<String, StoreError> {
    intake_core::normalize::normalize_email(text.trim())
        .map_err(|e| StoreError::Invalid(format!("the address is {e}")))
}

const USER_COLUMNS: &str = "u.id, u.email, u.role, u.password_hash IS NOT NULL, u.created_at";

fn read_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        role: Role::from_name(&r.get::<_, String>(2)?).unwrap_or(Role::Member),
        has_password: r.get(3)?,
        created_at: r.get(4)?,
    })
}

impl SqliteStore {
    /// Adds a user to this workspace; refused when the address already is one of it.
    pub fn add_user(&self, email: &str, role: Role, password: Option<&str>) -> Result<User, StoreError> {
        let email = user_address(email)?;
        if self.user(&email)?.is_some() {
            return Err(StoreError::Invalid(format!(
                "workspace {} already has a user with that address",
                self.workspace
            )));
        }
        let hash = password.map(hash_password).transpose()?;
        let created_at = now();
        self.conn.execute(
            "INSERT INTO users (workspace_id, email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![self.workspace_id, email, role.as_str(), hash, created_at],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok(User { id, email, role, has_password: hash.is_some(), created_at })
    }

    /// This workspace's user with address `email`.
    pub fn user(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = user_address(email)?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.workspace_id = ?1 AND u.email = ?2");
        Ok(self.conn.query_row(&sql, params![self.workspace_id, email], read_user).optional()?)
    }

    /// This workspace's user `id`.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.workspace_id = ?1 AND u.id = ?2");
        Ok(self.conn.query_row(&sql, params![self.workspace_id, id], read_user).optional()?)
    }

    /// This workspace's users, oldest first.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.workspace_id = ?1 ORDER BY u.id");
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![self.workspace_id], read_user)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes this workspace's user `email` with their sessions and links (signed out at
    /// once); false when there is none.
    pub fn remove_user(&mut self, email: &str) -> Result<bool, StoreError> {
        let Some(user) = self.user(email)? else {
            return Ok(false);
        };
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", params![user.id])?;
        tx.execute("DELETE FROM sign_in_links WHERE user_id = ?1", params![user.id])?;
        tx.execute("DELETE FROM users WHERE id = ?1", params![user.id])?;
        tx.commit()?;
        Ok(true)
    }
}

/// The users with address `email` in any workspace of the store at `path` (in `workspace`
/// only, when named), to sign one in.
pub fn users_to_sign_in(
    path: &Path,
    email: &str,
    workspace: Option<&str>,
) -> Result<Vec<SignInCandidate>, StoreError> {
    let Ok(email) = user_address(email) else {
        return Ok(Vec::new());
    };
    let conn = crate::connect(&crate::store_path(path)?)?;
    let sql = format!(
        "SELECT {USER_COLUMNS}, w.name, u.password_hash FROM users u JOIN workspaces w ON w.id = u.workspace_id \
         WHERE u.email = ?1 AND (?2 IS NULL OR w.name = ?2) ORDER BY u.id"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(params![email, workspace], |r| {
        Ok(SignInCandidate { user: read_user(r)?, workspace: r.get(5)?, password_hash: r.get(6)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl SignInCandidate {
    /// Whether `password` is this user's (false for a link-only user).
    pub fn password_matches(&self, password: &str) -> bool {
        password_matches(self.password_hash.as_deref(), password)
    }
}

/// Spends the time of a password check on no one: an unknown address is refused as slowly as
/// a wrong password, so the time of the answer does not tell whether an address is a user.
pub fn check_no_password(password: &str) -> bool {
    password_matches(None, password)
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    crate::connect(&crate::store_path(path)?)
}

/// Opens a session of user `user_id` lasting `seconds`; expired sessions are dropped on the way.
pub fn open_session(path: &Path, user_id: i64, seconds: i64) -> Result<NewSession, StoreError> {
    let conn = connect(path)?;
    let at = now();
    conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?1", params![at])?;
    let session = NewSession { token: new_token()?, csrf_token: new_token()? };
    conn.execute(
        "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash_of(&session.token), user_id, session.csrf_token, at, at + seconds],
    )?;
    Ok(session)
}

/// The live session whose cookie token is `token`, with its user and workspace.
pub fn session(path: &Path, token: &str) -> Result<Option<WebSession>, StoreError> {
    let conn = connect(path)?;
    let sql = format!(
        "SELECT {USER_COLUMNS}, w.name, s.csrf_token, s.expires_at FROM web_sessions s \
         JOIN users u ON u.id = s.user_id JOIN workspaces w ON w.id = u.workspace_id \
         WHERE s.token_hash = ?1 AND s.expires_at > ?2"
    );
    let found = conn.query_row(&sql, params![hash_of(token), now()], |r| {
        Ok(WebSession {
            user: read_user(r)?,
            workspace: r.get(5)?,
            csrf_token: r.get(6)?,
            expires_at: r.get(7)?,
        })
    });
    Ok(found.optional()?)
}

/// Ends the session of cookie token `token` (nothing when there is none).
pub fn close_session(path: &Path, token: &str) -> Result<(), StoreError> {
    connect(path)?.execute("DELETE FROM web_sessions WHERE token_hash = ?1", params![hash_of(token)])?;
    Ok(())
}

/// A one-time sign-in link's token for user `user_id`, good for `seconds`.
pub fn create_sign_in_link(path: &Path, user_id: i64, seconds: i64) -> Result<String, StoreError> {
    let conn = connect(path)?;
    let at = now();
    conn.execute("DELETE FROM sign_in_links WHERE expires_at <= ?1", params![at])?;
    let token = new_token()?;
    conn.execute(
        "INSERT INTO sign_in_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![hash_of(&token), user_id, at + seconds],
    )?;
    Ok(token)
}

/// Uses the sign-in link of `token`: its user's id the first time within its time, `None`
/// after (one statement, so two clicks at once cannot both sign in).
pub fn use_sign_in_link(path: &Path, token: &str) -> Result<Option<i64>, StoreError> {
    let conn = connect(path)?;
    let at = now();
    let used = conn
        .query_row(
            "UPDATE sign_in_links SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1 \
             RETURNING user_id",
            params![at, hash_of(token)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_signs_in_with_the_password_only_and_a_link_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let one = SqliteStore::open(&path, "one").unwrap();
        let user = one.add_user("Anna@Example.com", Role::Admin, Some("correct horse")).unwrap();
        assert_eq!(user.email, "anna@example.com");
        assert!(one.add_user("anna@example.com", Role::Member, None).is_err());
        let found = users_to_sign_in(&path, "ANNA@example.com", None).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].password_matches("correct horse"));
        assert!(!found[0].password_matches("wrong"));
        assert!(users_to_sign_in(&path, "anna@example.com", Some("two")).unwrap().is_empty());
        let opened = open_session(&path, user.id, 60).unwrap();
        let live = session(&path, &opened.token).unwrap().unwrap();
        assert_eq!((live.workspace.as_str(), live.csrf_token), ("one", opened.csrf_token));
        close_session(&path, &opened.token).unwrap();
        assert!(session(&path, &opened.token).unwrap().is_none());
        let link = create_sign_in_link(&path, user.id, 60).unwrap();
        assert_eq!(use_sign_in_link(&path, &link).unwrap(), Some(user.id));
        assert_eq!(use_sign_in_link(&path, &link).unwrap(), None);
        let expired = create_sign_in_link(&path, user.id, -1).unwrap();
        assert_eq!(use_sign_in_link(&path, &expired).unwrap(), None);
    }

    #[test]
    fn a_link_only_user_has_no_password_and_removing_ends_the_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intake.db");
        let mut one = SqliteStore::open(&path, "one").unwrap();
        let user = one.add_user("ben@example.com", Role::Member, None).unwrap();
        assert!(!user.has_password);
        assert!(!users_to_sign_in(&path, "ben@example.com", None).unwrap()[0].password_matches(""));
        let opened = open_session(&path, user.id, 60).unwrap();
        assert!(one.remove_user("ben@example.com").unwrap());
        assert!(session(&path, &opened.token).unwrap().is_none());
        assert!(!one.remove_user("ben@example.com").unwrap());
    }
}
