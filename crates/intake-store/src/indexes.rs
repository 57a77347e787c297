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
//!
//! The second index of the list memberships (lists by contact, which undo reads) is dropped
//! for a bulk load too and built again when it ends ([`ensure_memberships`]): kept up to date
//! row by row, the membership tables' second indexes took half of what a tags column costs
//! (0.35 of 0.7 s for 300,000 rows with 1 to 3 tags). Every opening of the store builds it
//! if a killed load left it missing. Contacts by tag is a listing index (below): no import
//! reads it.
//!
//! The service's contact listings have indexes of their own ([`Listing`], built by
//! [`ensure_listing`] the first time a listing needs one): contacts by workspace, by the
//! import that created them, by each channel's subscription status, by first and last name
//! (case-insensitive), by tag, and the import journal by contact. A store never listed through the
//! service never pays for them; once built, every later write keeps them up to date, and a
//! bulk load into an empty store drops them with the others.

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
    with_sorter_cache(conn, || conn.execute_batch(create))
}

/// The second index of the membership tables, as (name, `CREATE INDEX` statement): lists by
/// contact, which undo reads. Contacts by tag is a listing index ([`Listing::Tagged`]).
const MEMBERSHIPS: [(&str, &str); 1] = [(
    "list_members_by_contact",
    "CREATE INDEX IF NOT EXISTS list_members_by_contact ON list_members (workspace_id, contact_id)",
)];

/// An index a contact listing of the service needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Every contact of a workspace, by id: a page of all contacts.
    Workspace,
    /// Contacts by the import that created them: the tags and lists an import gave them all.
    CreatedBy,
    /// Contacts by their status on a channel (index in `Channel::ALL` order).
    Subscription(usize),
    /// Contacts by first name, case-insensitive (ASCII; see `contact_queries`).
    FirstName,
    /// Contacts by last name, as `FirstName`.
    LastName,
    /// The import journal by contact: the imports that changed a contact.
    ChangesByContact,
    /// Contacts by tag: a page of a tag's contacts and the tags' counts.
    Tagged,
}

/// Every listing index, as (name, `CREATE INDEX` statement).
const LISTINGS: [(&str, &str); 9] = [
    ("contacts_by_workspace", "CREATE INDEX IF NOT EXISTS contacts_by_workspace ON contacts (workspace_id)"),
    (
        "contacts_by_created_import",
        "CREATE INDEX IF NOT EXISTS contacts_by_created_import ON contacts (workspace_id, created_import_id) \
         WHERE created_import_id IS NOT NULL",
    ),
    (
        "contacts_by_email_subscription",
        "CREATE INDEX IF NOT EXISTS contacts_by_email_subscription ON contacts (workspace_id, email_subscription)",
    ),
    (
        "contacts_by_sms_subscription",
        "CREATE INDEX IF NOT EXISTS contacts_by_sms_subscription ON contacts (workspace_id, sms_subscription)",
    ),
    (
        "contacts_by_whatsapp_subscription",
        "CREATE INDEX IF NOT EXISTS contacts_by_whatsapp_subscription ON contacts (workspace_id, whatsapp_subscription)",
    ),
    (
        "contacts_by_first_name",
        "CREATE INDEX IF NOT EXISTS contacts_by_first_name ON contacts (workspace_id, first_name COLLATE NOCASE) \
         WHERE first_name IS NOT NULL",
    ),
    (
        "contacts_by_last_name",
        "CREATE INDEX IF NOT EXISTS contacts_by_last_name ON contacts (workspace_id, last_name COLLATE NOCASE) \
         WHERE last_name IS NOT NULL",
    ),
    (
        "import_changes_by_contact",
        "CREATE INDEX IF NOT EXISTS import_changes_by_contact ON import_changes (workspace_id, contact_id)",
    ),
    // Built by the first listing that needs it, not at the end of every bulk load: sorting
    // a million contacts' two million tags took about a tenth of a tagged load's time, and
    // each of its sort comparisons has to go past the workspace, equal in every key.
    (
        "contact_tags_by_tag",
        "CREATE INDEX IF NOT EXISTS contact_tags_by_tag ON contact_tags (workspace_id, tag_id, contact_id)",
    ),
];

impl Listing {
    fn index(self) -> (&'static str, &'static str) {
        let at = match self {
            Listing::Workspace => 0,
            Listing::CreatedBy => 1,
            Listing::Subscription(channel) => 2 + channel.min(2),
            Listing::FirstName => 5,
            Listing::LastName => 6,
            Listing::ChangesByContact => 7,
            Listing::Tagged => 8,
        };
        LISTINGS[at]
    }
}

/// Builds the listing index `listing` needs, unless it exists.
pub(crate) fn ensure_listing(conn: &Connection, listing: Listing) -> rusqlite::Result<()> {
    let (name, create) = listing.index();
    if exists(conn, name)? {
        return Ok(());
    }
    tracing::info!(index = name, "building an index the contact listings need (once)");
    with_sorter_cache(conn, || conn.execute_batch(create))
}

fn exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
        [name],
        |row| row.get(0),
    )
}

/// Builds, where missing, every index the service's pages read, the one a first page needs
/// first: contacts by workspace, by last and first name, the phone and e-mail lookups of a
/// search, contacts by the import that created them and by tag, the journal by contact and
/// lists by contact (a contact's page). The subscription listings are left to the API's filters that
/// need them. Returns the names of those it built.
///
/// A listing would build each of them on its first use, but on a million contacts that is
/// 0.4 to 2 s on the page of the person who asked; `intake serve` calls this when it starts
/// and after each import it runs (a bulk load drops them), on a thread of its own.
pub(crate) fn ensure_for_pages(conn: &Connection) -> rusqlite::Result<Vec<&'static str>> {
    // A request that needs one still missing waits for the one being built: the list and
    // the searches people type first, the tag listing (the slowest to build) later.
    let first = [Listing::Workspace, Listing::LastName, Listing::FirstName].map(Listing::index);
    let lookups = [IdentifierKind::Phone, IdentifierKind::Email].into_iter().filter_map(index);
    let rest = [Listing::CreatedBy, Listing::Tagged, Listing::ChangesByContact].map(Listing::index);
    let mut built = Vec::new();
    for (name, create) in first.into_iter().chain(lookups).chain(rest).chain(MEMBERSHIPS) {
        if !exists(conn, name)? {
            with_sorter_cache(conn, || conn.execute_batch(create))?;
            built.push(name);
        }
    }
    Ok(built)
}

/// Drops every lookup index, the membership tables' second indexes and the listing indexes
/// (before a bulk load into an empty store).
pub(crate) fn drop_all(conn: &Connection) -> rusqlite::Result<()> {
    let lookups = INDEXED.into_iter().filter_map(index).map(|(name, _)| name);
    let listings = LISTINGS.map(|(name, _)| name);
    for name in lookups.chain(MEMBERSHIPS.map(|(name, _)| name)).chain(listings) {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    Ok(())
}

/// Builds the membership tables' second indexes where they are missing.
pub(crate) fn ensure_memberships(conn: &Connection) -> rusqlite::Result<()> {
    for (name, create) in MEMBERSHIPS {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
            [name],
            |row| row.get(0),
        )?;
        if !exists {
            with_sorter_cache(conn, || conn.execute_batch(create))?;
        }
    }
    Ok(())
}

/// Runs `build` with the page cache that makes SQLite's sorter fastest.
fn with_sorter_cache(
    conn: &Connection,
    build: impl FnOnce() -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |row| row.get(0))?;
    conn.pragma_update(None, "cache_size", SORTER_CACHE_KIB)?;
    let built = build();
    conn.pragma_update(None, "cache_size", cache)?;
    built
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

    #[test]
    fn the_membership_indexes_are_dropped_for_a_bulk_load_and_lists_by_contact_built_again() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (id INTEGER PRIMARY KEY, workspace_id INTEGER, email_hash INTEGER, \
             phone_hash INTEGER, external_id TEXT); \
             CREATE TABLE contact_tags (workspace_id, contact_id, tag_id); \
             CREATE TABLE list_members (workspace_id, list_id, contact_id);",
        )
        .unwrap();
        ensure_memberships(&conn).unwrap();
        ensure_listing(&conn, Listing::Tagged).unwrap();
        let names = |conn: &Connection| -> Vec<String> {
            let mut stmt =
                conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name").unwrap();
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(names(&conn), ["contact_tags_by_tag", "list_members_by_contact"]);
        drop_all(&conn).unwrap();
        assert!(names(&conn).is_empty());
        ensure_memberships(&conn).unwrap();
        assert_eq!(names(&conn), ["list_members_by_contact"], "contacts by tag waits for a listing");
    }

    #[test]
    fn the_pages_indexes_are_built_once_each_after_a_bulk_load_dropped_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(&dir.path().join("intake.db"), "default").unwrap();
        let conn = &store.conn;
        drop_all(conn).unwrap();
        let built = ensure_for_pages(conn).unwrap();
        assert_eq!(built[0], "contacts_by_workspace", "a first page's index comes first");
        for name in [
            "contacts_by_created_import",
            "contact_tags_by_tag",
            "contacts_by_first_name",
            "contacts_by_last_name",
            "contacts_email",
            "contacts_phone",
            "import_changes_by_contact",
            "list_members_by_contact",
        ] {
            assert!(built.contains(&name), "{name} in {built:?}");
            assert!(exists(conn, name).unwrap(), "{name}");
        }
        assert!(!built.contains(&"contacts_by_sms_subscription"), "no page filters by a status");
        assert!(ensure_for_pages(conn).unwrap().is_empty(), "built once");
    }
}
