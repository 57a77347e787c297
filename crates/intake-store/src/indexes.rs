//! The lookup indexes of `contacts`, one per identifier kind that has one, and when they
//! are built.
//!
//! An index is built the first time a lookup by its kind needs it ([`ensure`]), not
//! before: a store that is only ever matched by e-mail never pays for a phone index, on
//! its bulk load or on any later write. A bulk load into an empty store drops them all
//! ([`drop_all`]) and builds the one its own identifier needs once at the end, which is
//! several times cheaper than keeping it up to date through a million random inserts. A
//! lookup without its index would still be right, only slow: every reader of a kind calls
//! [`ensure`] first.

use intake_core::identify::IdentifierKind;
use rusqlite::Connection;

/// Page cache while an index is built. SQLite's sorter keeps up to a cache's worth of keys
/// in one in-memory run: with the import's 48 MiB cache that is one big merge sort of a
/// million linked records, while with 4 MiB it sorts cache-sized runs on the `threads`
/// helpers and merges them, which measured twice as fast (1M e-mail keys: 0.8 s → 0.4 s).
const SORTER_CACHE_KIB: i64 = -4096;

/// The index a lookup by `kind` uses, as (name, `CREATE INDEX` statement); `Id` is the
/// rowid and needs none.
fn index(kind: IdentifierKind) -> Option<(&'static str, &'static str)> {
    match kind {
        IdentifierKind::Email => Some((
            "contacts_email",
            "CREATE INDEX IF NOT EXISTS contacts_email ON contacts (email_hash, workspace_id) \
             WHERE email_hash IS NOT NULL",
        )),
        IdentifierKind::Phone => Some((
            "contacts_phone",
            "CREATE INDEX IF NOT EXISTS contacts_phone ON contacts (phone_hash, workspace_id) \
             WHERE phone_hash IS NOT NULL",
        )),
        IdentifierKind::ExternalId => Some((
            "contacts_external_id",
            "CREATE INDEX IF NOT EXISTS contacts_external_id ON contacts (workspace_id, external_id) \
             WHERE external_id IS NOT NULL",
        )),
        IdentifierKind::Id => None,
    }
}

const INDEXED: [IdentifierKind; 3] =
    [IdentifierKind::Email, IdentifierKind::Phone, IdentifierKind::ExternalId];

/// Builds the index lookups by `kind` need, unless it exists.
pub(crate) fn ensure(conn: &Connection, kind: IdentifierKind) -> rusqlite::Result<()> {
    let Some((name, create)) = index(kind) else { return Ok(()) };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
        [name],
        |row| row.get(0),
    )?;
    if exists {
        return Ok(());
    }
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |row| row.get(0))?;
    conn.pragma_update(None, "cache_size", SORTER_CACHE_KIB)?;
    let built = conn.execute_batch(create);
    conn.pragma_update(None, "cache_size", cache)?;
    built
}

/// Drops every lookup index (before a bulk load into an empty store).
pub(crate) fn drop_all(conn: &Connection) -> rusqlite::Result<()> {
    for kind in INDEXED {
        if let Some((name, _)) = index(kind) {
            conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_names(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'contacts_%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn ensure_builds_only_the_kind_asked_for_and_keeps_the_cache_size() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (id INTEGER PRIMARY KEY, workspace_id INTEGER, email_hash INTEGER, \
             phone_hash INTEGER, external_id TEXT); PRAGMA cache_size = -12345;",
        )
        .unwrap();
        ensure(&conn, IdentifierKind::Phone).unwrap();
        ensure(&conn, IdentifierKind::Phone).unwrap();
        ensure(&conn, IdentifierKind::Id).unwrap();
        assert_eq!(index_names(&conn), ["contacts_phone"]);
        let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(cache, -12345);
        ensure(&conn, IdentifierKind::Email).unwrap();
        ensure(&conn, IdentifierKind::ExternalId).unwrap();
        assert_eq!(index_names(&conn), ["contacts_email", "contacts_external_id", "contacts_phone"]);
        drop_all(&conn).unwrap();
        assert!(index_names(&conn).is_empty());
    }
}
