//! Identifier lookups: the integer hash columns kept beside `email` and `phone` (what the
//! lookup indexes are built on), and exact matching on top of them.

use intake_core::identify::{IdentifierKind, key_hash_sql};
use intake_core::model::ContactId;
use intake_core::normalize::email_match_key_of;
use intake_core::plan::has_match_key;
use rusqlite::{Connection, params};

/// The hash column kept beside a built-in field, for the fields that have one.
pub(crate) fn hash_column(field: &str) -> Option<&'static str> {
    match field {
        "email" => Some("email_hash"),
        "phone" => Some("phone_hash"),
        _ => None,
    }
}

/// The hash stored beside `value` of the built-in `field` (see [`hash_column`]).
pub(crate) fn stored_hash(field: &str, value: &str) -> i64 {
    match field {
        "email" => key_hash_sql(&email_match_key_of(value)),
        _ => key_hash_sql(value),
    }
}

/// `SELECT id, <value> …` for the contacts that may have `key`: by hash for e-mail and
/// phone (the caller checks the value), by value otherwise.
pub(crate) fn candidates_sql(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Email => "SELECT id, email FROM contacts WHERE workspace_id = ?1 AND email_hash = ?2",
        IdentifierKind::Phone => "SELECT id, phone FROM contacts WHERE workspace_id = ?1 AND phone_hash = ?2",
        IdentifierKind::ExternalId => {
            "SELECT id, external_id FROM contacts WHERE workspace_id = ?1 AND external_id = ?2"
        }
        IdentifierKind::Id => "SELECT id, CAST(id AS TEXT) FROM contacts WHERE workspace_id = ?1 AND id = ?2",
    }
}

/// The contacts whose identifier of `kind` has exactly the match key `key`.
pub(crate) fn find_exact(
    conn: &Connection,
    workspace_id: i64,
    kind: IdentifierKind,
    key: &str,
) -> rusqlite::Result<Vec<ContactId>> {
    let mut stmt = conn.prepare_cached(candidates_sql(kind))?;
    let lookup: rusqlite::types::Value = match kind {
        IdentifierKind::Email | IdentifierKind::Phone => key_hash_sql(key).into(),
        IdentifierKind::Id => key.parse::<i64>().unwrap_or(-1).into(),
        IdentifierKind::ExternalId => key.to_string().into(),
    };
    let mut rows = stmt.query(params![workspace_id, lookup])?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        let value = row.get_ref(1)?.as_str_or_null()?;
        if value.is_some_and(|v| has_match_key(kind, v, key)) {
            ids.push(row.get(0)?);
        }
    }
    Ok(ids)
}
