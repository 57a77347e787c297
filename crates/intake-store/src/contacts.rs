//! [`ImportStore`] for SQLite: matching by identifier, loading contacts, and applying a batch
//! with its checkpoint in one transaction.

use intake_core::identify::{IdentifierKind, KeyHash, key_hash};
use intake_core::model::{
    BUILTIN_FIELDS, Channel, ContactId, FieldId, FieldValues, Schema, StoredContact, SubscriptionStatus,
};
use intake_core::normalize::same_name;
use intake_core::store::{Asked, ContactReader, ImportStore, ImportWide};
use rusqlite::{Connection, OptionalExtension, params};

use crate::checkpointer::Checkpointer;
use crate::writer::WriterJournal;
use crate::{SqliteStore, SqliteWriter, StoreError, now};

/// `first_name, last_name, …` in schema order.
pub(crate) fn builtin_columns() -> String {
    BUILTIN_FIELDS.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
}

/// The columns a load of contacts reads: `id`, the wanted fields' (built-in fields are
/// columns, custom ones live in the `custom` JSON object), then the three subscriptions.
pub(crate) struct ContactColumns {
    /// `SELECT … FROM contacts`.
    select: String,
    /// The built-in fields read, in column order after `id`.
    builtins: Vec<FieldId>,
    /// The custom fields read, from the `custom` column after the built-in ones.
    customs: Vec<(FieldId, String)>,
}

/// Room made for a loaded contact's values, in bytes: about what ten fields take.
const VALUE_BYTES: usize = 192;

impl ContactColumns {
    /// Every field of `schema`.
    pub(crate) fn all(schema: &Schema) -> ContactColumns {
        ContactColumns::of(schema, &(0..schema.len()).collect::<Vec<_>>())
    }

    /// The fields `wanted` of `schema`.
    pub(crate) fn of(schema: &Schema, wanted: &[FieldId]) -> ContactColumns {
        let builtins: Vec<FieldId> = wanted.iter().copied().filter(|&f| f < BUILTIN_FIELDS.len()).collect();
        let customs: Vec<(FieldId, String)> = wanted
            .iter()
            .filter(|&&f| f >= BUILTIN_FIELDS.len())
            .filter_map(|&f| schema.fields().get(f).map(|def| (f, def.name.clone())))
            .collect();
        let mut columns: Vec<&str> = vec!["id"];
        columns.extend(builtins.iter().map(|&f| BUILTIN_FIELDS[f].0));
        if !customs.is_empty() {
            columns.push("custom");
        }
        columns.extend(["email_subscription", "sms_subscription", "whatsapp_subscription"]);
        ContactColumns { select: format!("SELECT {} FROM contacts", columns.join(", ")), builtins, customs }
    }

    /// `SELECT … FROM contacts` of these columns, for a `WHERE` to follow.
    pub(crate) fn select(&self) -> &str {
        &self.select
    }

    /// Reads one row of [`ContactColumns::select`] into a `StoredContact`.
    pub(crate) fn read(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredContact> {
        let mut values = FieldValues::with_capacity(self.builtins.len() + self.customs.len(), VALUE_BYTES);
        for (at, &field) in self.builtins.iter().enumerate() {
            if let Some(text) = row.get_ref(1 + at)?.as_str_or_null()? {
                values.set(field, text);
            }
        }
        let mut next = 1 + self.builtins.len();
        if !self.customs.is_empty() {
            if let Some(json) = row.get_ref(next)?.as_str_or_null()? {
                let custom: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(json).unwrap_or_default();
                for (field, name) in &self.customs {
                    if let Some(text) = custom.get(name).and_then(|v| v.as_str()) {
                        values.set(*field, text);
                    }
                }
            }
            next += 1;
        }
        let mut subscriptions = [SubscriptionStatus::None; 3];
        for (i, slot) in subscriptions.iter_mut().enumerate() {
            let text = row.get_ref(next + i)?.as_str()?;
            *slot = SubscriptionStatus::parse(text).unwrap_or_default();
        }
        Ok(StoredContact { id: row.get(0)?, values, subscriptions, tags: Vec::new(), lists: Vec::new() })
    }
}

/// A contact's tags (`?1` workspace, `?2` contact): its own rows, and those of the import
/// that created it (see `migrations/sqlite/0003_import_memberships.sql`).
const TAG_NAMES: &str = "SELECT name FROM tags WHERE id IN ( \
       SELECT tag_id FROM contact_tags WHERE workspace_id = ?1 AND contact_id = ?2 \
       UNION SELECT i.tag_id FROM contacts c JOIN import_tags i \
         ON i.workspace_id = c.workspace_id AND i.import_id = c.created_import_id \
       WHERE c.workspace_id = ?1 AND c.id = ?2) \
     ORDER BY name";
/// [`TAG_NAMES`] for lists.
const LIST_NAMES: &str = "SELECT name FROM lists WHERE id IN ( \
       SELECT list_id FROM list_members WHERE workspace_id = ?1 AND contact_id = ?2 \
       UNION SELECT i.list_id FROM contacts c JOIN import_lists i \
         ON i.workspace_id = c.workspace_id AND i.import_id = c.created_import_id \
       WHERE c.workspace_id = ?1 AND c.id = ?2) \
     ORDER BY name";
/// The tags (lists) of the contacts from `?2` to `?3` (workspace `?1`) by their own rows, as
/// (contact, tag): a range of the primary key.
const OWN_TAGS: &str =
    "SELECT contact_id, tag_id FROM contact_tags WHERE workspace_id = ?1 AND contact_id BETWEEN ?2 AND ?3";
/// [`OWN_TAGS`] for lists.
const OWN_LISTS: &str =
    "SELECT contact_id, list_id FROM list_members WHERE workspace_id = ?1 AND contact_id BETWEEN ?2 AND ?3";
/// The tags (lists) that imports gave every contact they created, as (import, tag).
const IMPORT_TAGS: &str = "SELECT import_id, tag_id FROM import_tags WHERE workspace_id = ?1";
/// [`IMPORT_TAGS`] for lists.
const IMPORT_LISTS: &str = "SELECT import_id, list_id FROM import_lists WHERE workspace_id = ?1";
/// The contacts from `?2` to `?3` created by import `?4`.
const CREATED_BY_IN_RANGE: &str =
    "SELECT id FROM contacts WHERE workspace_id = ?1 AND id BETWEEN ?2 AND ?3 AND created_import_id = ?4";

/// The statements that read one kind of membership of a range of contacts.
struct MembershipReads {
    table: &'static str,
    own: &'static str,
    by_import: &'static str,
}

const TAG_READS: MembershipReads = MembershipReads { table: "tags", own: OWN_TAGS, by_import: IMPORT_TAGS };
const LIST_READS: MembershipReads =
    MembershipReads { table: "lists", own: OWN_LISTS, by_import: IMPORT_LISTS };

impl SqliteStore {
    pub(crate) fn tag_names(&self, id: ContactId) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(TAG_NAMES)?;
        let names = stmt.query_map(params![self.workspace_id, id], |r| r.get(0))?;
        names.collect()
    }

    pub(crate) fn list_names(&self, id: ContactId) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(LIST_NAMES)?;
        let names = stmt.query_map(params![self.workspace_id, id], |r| r.get(0))?;
        names.collect()
    }

    /// The contacts with `ids` (sorted), read with one range scan over `first..=last`,
    /// and one more per tag and list in `asked` that exists.
    fn load_contact_range(
        &self,
        ids: &[ContactId],
        first: ContactId,
        last: ContactId,
        asked: &Asked,
    ) -> Result<Vec<StoredContact>, StoreError> {
        let wanted = |id: ContactId| ids.binary_search(&id).is_ok();
        let columns = ContactColumns::of(&self.schema, &asked.fields);
        let sql =
            format!("{} WHERE workspace_id = ?1 AND id BETWEEN ?2 AND ?3 ORDER BY id", columns.select());
        let mut contacts = Vec::with_capacity(ids.len());
        {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![self.workspace_id, first, last])?;
            while let Some(row) = rows.next()? {
                let id: ContactId = row.get(0)?;
                if wanted(id) {
                    contacts.push(columns.read(row)?);
                }
            }
        }
        type Names = fn(&mut StoredContact) -> &mut Vec<String>;
        let kinds: [(&MembershipReads, &[String], Names); 2] =
            [(&TAG_READS, &asked.tags, |c| &mut c.tags), (&LIST_READS, &asked.lists, |c| &mut c.lists)];
        for (reads, names, names_of) in kinds {
            if names.is_empty() {
                continue;
            }
            let having = self.members_in_range(reads, names, first, last, &contacts)?;
            for (contact, mut asked_at) in contacts.iter_mut().zip(having) {
                asked_at.sort_unstable();
                asked_at.dedup();
                names_of(contact).extend(asked_at.into_iter().map(|at| names[at].clone()));
            }
        }
        Ok(contacts)
    }

    /// Which of the tag (list) `names` each of `contacts` (sorted by id, from `first` to
    /// `last`) has, as indexes into `names`: its own rows and those of the import that created
    /// it. One range scan of the memberships for the whole batch: a query per name, each also
    /// scanning the contacts' rows for the imports' memberships, was half of what an import
    /// into a full store cost.
    fn members_in_range(
        &self,
        reads: &MembershipReads,
        names: &[String],
        first: ContactId,
        last: ContactId,
        contacts: &[StoredContact],
    ) -> rusqlite::Result<Vec<Vec<usize>>> {
        let mut asked_ids: Vec<(i64, usize)> = Vec::with_capacity(names.len());
        for (at, name) in names.iter().enumerate() {
            if let Some(id) = self.named_id(reads.table, name)? {
                asked_ids.push((id, at));
            }
        }
        let mut having = vec![Vec::new(); contacts.len()];
        if asked_ids.is_empty() {
            return Ok(having);
        }
        let asked_at = |id: i64| asked_ids.iter().filter(move |(asked, _)| *asked == id).map(|(_, at)| *at);
        let position = |id: ContactId| contacts.binary_search_by_key(&id, |c| c.id).ok();
        let mut own = self.conn.prepare_cached(reads.own)?;
        let mut rows = own.query(params![self.workspace_id, first, last])?;
        while let Some(row) = rows.next()? {
            if let Some(contact) = position(row.get(0)?) {
                having[contact].extend(asked_at(row.get(1)?));
            }
        }
        let mut by_import = self.conn.prepare_cached(reads.by_import)?;
        let imports: Vec<(i64, i64)> = by_import
            .query_map(params![self.workspace_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (import, id) in imports {
            let gives: Vec<usize> = asked_at(id).collect();
            if gives.is_empty() {
                continue;
            }
            let mut created = self.conn.prepare_cached(CREATED_BY_IN_RANGE)?;
            let mut rows = created.query(params![self.workspace_id, first, last, import])?;
            while let Some(row) = rows.next()? {
                if let Some(contact) = position(row.get(0)?) {
                    having[contact].extend(&gives);
                }
            }
        }
        Ok(having)
    }

    /// The id of the tag or list (`table` is `tags` or `lists`) called `name`, if it exists
    /// (in any case: see [`find_named`]).
    fn named_id(&self, table: &str, name: &str) -> rusqlite::Result<Option<i64>> {
        find_named(&self.conn, table, self.workspace_id, name)
    }

    /// A contact with the values of `columns`, its tags and its lists.
    pub(crate) fn load_contact(
        &self,
        id: ContactId,
        columns: &ContactColumns,
    ) -> Result<Option<StoredContact>, StoreError> {
        let sql = format!("{} WHERE workspace_id = ?1 AND id = ?2", columns.select());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![self.workspace_id, id])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let mut contact = columns.read(row)?;
        contact.tags = self.tag_names(id)?;
        contact.lists = self.list_names(id)?;
        Ok(Some(contact))
    }
}

/// The id of the tag or list (`table` is `tags` or `lists`) called `name`, created if missing.
pub(crate) fn ensure_named(
    conn: &Connection,
    table: &str,
    workspace_id: i64,
    name: &str,
) -> rusqlite::Result<i64> {
    // `VIP`, `vip` and `Vip` are one tag (`Leads` and `leads` one list), spelt as first written.
    if let Some(id) = find_named(conn, table, workspace_id, name)? {
        return Ok(id);
    }
    if table == "lists" {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO lists (workspace_id, name, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![workspace_id, name, now()])?;
    } else {
        conn.prepare_cached("INSERT OR IGNORE INTO tags (workspace_id, name) VALUES (?1, ?2)")?
            .execute(params![workspace_id, name])?;
    }
    let select = format!("SELECT id FROM {table} WHERE workspace_id = ?1 AND name = ?2");
    conn.prepare_cached(&select)?.query_row(params![workspace_id, name], |r| r.get(0))
}

/// The id of the tag or list called `name`, found in any case (`vip` finds `VIP`),
/// compared in Rust because SQLite's `NOCASE` and `lower` know ASCII only: an exact match
/// first (one index lookup), then the workspace's tags or lists, which are few.
pub(crate) fn find_named(
    conn: &Connection,
    table: &str,
    workspace_id: i64,
    name: &str,
) -> rusqlite::Result<Option<i64>> {
    let exact = format!("SELECT id FROM {table} WHERE workspace_id = ?1 AND name = ?2");
    let found =
        conn.prepare_cached(&exact)?.query_row(params![workspace_id, name], |r| r.get(0)).optional()?;
    if found.is_some() {
        return Ok(found);
    }
    let all = format!("SELECT id, name FROM {table} WHERE workspace_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&all)?;
    let mut rows = stmt.query(params![workspace_id])?;
    while let Some(row) = rows.next()? {
        let stored: String = row.get(1)?;
        if same_name(&stored, name) {
            return Ok(Some(row.get(0)?));
        }
    }
    Ok(None)
}

/// Page cache of the import writer's connection, in KiB (SQLite's negative `cache_size`).
const WRITER_CACHE_KIB: i64 = -16384;
/// Page cache of the lookup connection while an import runs: the workers' readers do the
/// loading, so it only scans keys and reads suppressions.
const LOOKUP_CACHE_KIB: i64 = -4096;
/// Page cache of each worker's reader: the contacts of the chunks in flight, read in id
/// order.
const READER_CACHE_KIB: i64 = -2048;

impl ImportStore for SqliteStore {
    type Error = StoreError;
    type Writer = SqliteWriter;
    type Reader = SqliteStore;

    fn contact_count(&mut self) -> Result<u64, StoreError> {
        // The count may scan the whole table: through the lookup connection's small cache,
        // not the 64 MiB a store opens with. Once filled, those pages stayed in the process
        // after the cache was shrunk (the C allocator keeps them), and a changes import into
        // a freshly loaded million-contact store peaked 30 MB higher.
        self.conn.pragma_update(None, "cache_size", LOOKUP_CACHE_KIB)?;
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM contacts WHERE workspace_id = ?1",
            params![self.workspace_id],
            |r| r.get(0),
        )?;
        Ok(count as u64)
    }

    fn reader(&mut self) -> Result<SqliteStore, StoreError> {
        let conn = crate::connect(&self.path)?;
        conn.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
        self.conn.pragma_update(None, "cache_size", LOOKUP_CACHE_KIB)?;
        Ok(SqliteStore {
            conn,
            path: self.path.clone(),
            workspace_id: self.workspace_id,
            workspace: self.workspace.clone(),
            schema: self.schema.clone(),
            has_suppressions: self.has_suppressions,
            lease_owner: None,
        })
    }

    fn has_suppressions(&mut self) -> Result<bool, StoreError> {
        if let Some(known) = self.has_suppressions {
            return Ok(known);
        }
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = ?1)",
            params![self.workspace_id],
            |r| r.get(0),
        )?;
        self.has_suppressions = Some(any);
        Ok(any)
    }

    fn suppressed(&mut self, keys: &[String]) -> Result<Vec<(String, Channel)>, StoreError> {
        if !self.has_suppressions()? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT channel FROM suppressions WHERE workspace_id = ?1 AND key = ?2")?;
        let mut out = Vec::new();
        for key in keys {
            let channels = stmt.query_map(params![self.workspace_id, key], |r| r.get::<_, String>(0))?;
            for channel in channels {
                if let Some(channel) = Channel::from_name(&channel?) {
                    out.push((key.clone(), channel));
                }
            }
        }
        Ok(out)
    }

    fn writer(&mut self, import: &ImportWide) -> Result<SqliteWriter, StoreError> {
        // Built now, while no batch holds the write lock, for the lookups of this import.
        if let Some(kind) = import.identifier {
            crate::indexes::ensure(&self.conn, kind)?;
        }
        // Now, while this is the only connection: the import opens its others next.
        let rollback = crate::journal::use_rollback_for_bulk_load(&self.conn)?;
        let conn = crate::connect(&self.path)?;
        // The connections share the memory budget: the writer's cache holds the pages it is
        // changing, this one's only what the import scans before it starts.
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        self.conn.pragma_update(None, "cache_size", LOOKUP_CACHE_KIB)?;
        let journal = match rollback {
            true => WriterJournal::Rollback,
            false => {
                // Its commits are copied into the database file by the checkpointer's thread.
                conn.pragma_update(None, "wal_autocheckpoint", 0)?;
                WriterJournal::Log(Checkpointer::start(&self.path)?)
            }
        };
        let writer = SqliteWriter::new(conn, journal, self.workspace_id, self.schema.clone(), import);
        Ok(writer.with_lease(self.lease_owner.clone()))
    }
}

/// An import's worker reads the contacts its rows refer to through a store of its own: the
/// same database and workspace on another connection.
impl ContactReader for SqliteStore {
    type Error = StoreError;

    fn scan_identifiers(
        &mut self,
        kind: IdentifierKind,
        found: &mut dyn FnMut(KeyHash, ContactId),
    ) -> Result<(), StoreError> {
        crate::indexes::ensure(&self.conn, kind)?;
        let (sql, hashed) = match kind {
            IdentifierKind::Email => (
                "SELECT email_hash, id FROM contacts WHERE workspace_id = ?1 AND email_hash IS NOT NULL",
                true,
            ),
            IdentifierKind::Phone => (
                "SELECT phone_hash, id FROM contacts WHERE workspace_id = ?1 AND phone_hash IS NOT NULL",
                true,
            ),
            IdentifierKind::ExternalId => (
                "SELECT external_id, id FROM contacts WHERE workspace_id = ?1 AND external_id IS NOT NULL",
                false,
            ),
            IdentifierKind::Id => {
                ("SELECT CAST(id AS TEXT), id FROM contacts WHERE workspace_id = ?1", false)
            }
        };
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query(params![self.workspace_id])?;
        while let Some(row) = rows.next()? {
            let hash = match hashed {
                true => row.get::<_, i64>(0)? as KeyHash,
                false => key_hash(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?),
            };
            found(hash, row.get(1)?);
        }
        Ok(())
    }

    fn find_identifiers(
        &mut self,
        kind: IdentifierKind,
        keys: &[&str],
        found: &mut dyn FnMut(&str, ContactId),
    ) -> Result<(), StoreError> {
        crate::indexes::ensure(&self.conn, kind)?;
        for key in keys {
            for id in crate::keys::find_exact(&self.conn, self.workspace_id, kind, key)? {
                found(key, id);
            }
        }
        Ok(())
    }

    fn load_contacts(&mut self, ids: &[ContactId], asked: &Asked) -> Result<Vec<StoredContact>, StoreError> {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(Vec::new()) };
        // Ids of a batch come sorted; when they are dense (re-importing a file), three range
        // scans beat three point queries per contact by far. Sparse ids get point queries.
        let dense = (last - first) < 4 * ids.len() as i64;
        if !dense {
            let columns = ContactColumns::of(&self.schema, &asked.fields);
            let mut contacts = Vec::with_capacity(ids.len());
            for id in ids {
                let Some(mut contact) = self.load_contact(*id, &columns)? else { continue };
                // As the range scan does: each tag and list under the name it was asked by.
                contact.tags = as_asked(&asked.tags, &contact.tags);
                contact.lists = as_asked(&asked.lists, &contact.lists);
                contacts.push(contact);
            }
            return Ok(contacts);
        }
        self.load_contact_range(ids, *first, *last, asked)
    }
}

/// Of the names `asked`, those the contact `has` in any case, spelt as asked.
fn as_asked(asked: &[String], has: &[String]) -> Vec<String> {
    asked.iter().filter(|a| has.iter().any(|h| same_name(h, a))).cloned().collect()
}
