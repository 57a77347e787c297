//! [`StoreWriter`] for SQLite: applies an import's writes on a connection of its own, one
//! transaction per batch, so the pipeline can run it on another thread while the workers'
//! readers look contacts up (WAL lets them work at once); a checkpointer thread copies the
//! committed pages into the database file.
//!
//! The hot path is creating contacts: one prepared `INSERT` whose shared parameters are
//! bound once per run and whose own are bound in place (no SQL text or value vector per row).
//! The import-wide tags and lists of the contacts it creates are one row each in
//! `import_tags` and `import_lists` (see the migration that made them); those of a batch's
//! updated contacts are written at commit by one `INSERT … SELECT … FROM json_each(ids)` each,
//! which costs a fraction of a statement per contact. The subscription statuses a contact
//! is created with are on its row, not events (see `subscription_creations`); changes to
//! existing contacts are one event each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use intake_core::model::{BUILTIN_FIELDS, Channel, ContactId, Schema, SubscriptionStatus};
use intake_core::plan::{ContactUpdate, NewContact, Write};
use intake_core::report::Checkpoint;
use intake_core::store::{ImportWide, StoreWriter};
use rusqlite::{Connection, params, params_from_iter, types::Value};

use crate::checkpointer::Checkpointer;
use crate::indexes;
use crate::keys::{hash_column, stored_hash};
use crate::turn::Turn;
use crate::{StoreError, now};

/// Positions of the `email` and `phone` columns among the built-in fields.
const EMAIL: usize = 2;
const PHONE: usize = 3;

/// The import-wide tag `?2` for the contacts in the JSON array `?4`, and for every contact
/// import `?3` creates; the same for list `?2`. `…_UNLESS_CREATED_WITH` leaves out the
/// contacts that have it from the import that created them; it costs a lookup per contact,
/// so it is used only where another import gave that tag or list to what it created.
const TAGS_FROM_JSON: &str = "INSERT OR IGNORE INTO contact_tags (workspace_id, contact_id, tag_id, import_id) \
     SELECT ?1, value, ?2, ?3 FROM json_each(?4)";
const TAGS_FROM_JSON_UNLESS_CREATED_WITH: &str = "INSERT OR IGNORE INTO contact_tags (workspace_id, contact_id, tag_id, import_id) \
     SELECT ?1, c.id, ?2, ?3 FROM json_each(?4) j JOIN contacts c ON c.id = j.value AND c.workspace_id = ?1 \
     WHERE c.created_import_id IS NULL OR c.created_import_id NOT IN \
       (SELECT import_id FROM import_tags WHERE workspace_id = ?1 AND tag_id = ?2)";
const TAGS_OF_CREATED: &str =
    "INSERT OR IGNORE INTO import_tags (workspace_id, tag_id, import_id) VALUES (?1, ?2, ?3)";
const TAGS_OF_OTHER_IMPORTS: &str =
    "SELECT EXISTS (SELECT 1 FROM import_tags WHERE workspace_id = ?1 AND tag_id = ?2 AND import_id != ?3)";
const LISTS_FROM_JSON: &str = "INSERT OR IGNORE INTO list_members (workspace_id, list_id, contact_id, import_id) \
     SELECT ?1, ?2, value, ?3 FROM json_each(?4)";
const LISTS_FROM_JSON_UNLESS_CREATED_WITH: &str = "INSERT OR IGNORE INTO list_members (workspace_id, list_id, contact_id, import_id) \
     SELECT ?1, ?2, c.id, ?3 FROM json_each(?4) j JOIN contacts c ON c.id = j.value AND c.workspace_id = ?1 \
     WHERE c.created_import_id IS NULL OR c.created_import_id NOT IN \
       (SELECT import_id FROM import_lists WHERE workspace_id = ?1 AND list_id = ?2)";
const LISTS_OF_CREATED: &str =
    "INSERT OR IGNORE INTO import_lists (workspace_id, list_id, import_id) VALUES (?1, ?2, ?3)";
const LISTS_OF_OTHER_IMPORTS: &str =
    "SELECT EXISTS (SELECT 1 FROM import_lists WHERE workspace_id = ?1 AND list_id = ?2 AND import_id != ?3)";

/// The statements [`SqliteWriter::add_wide`] uses for one kind of membership.
struct WideStatements {
    from_json: &'static str,
    from_json_unless_created_with: &'static str,
    of_created: &'static str,
    of_other_imports: &'static str,
}

const WIDE_TAGS: WideStatements = WideStatements {
    from_json: TAGS_FROM_JSON,
    from_json_unless_created_with: TAGS_FROM_JSON_UNLESS_CREATED_WITH,
    of_created: TAGS_OF_CREATED,
    of_other_imports: TAGS_OF_OTHER_IMPORTS,
};

const WIDE_LISTS: WideStatements = WideStatements {
    from_json: LISTS_FROM_JSON,
    from_json_unless_created_with: LISTS_FROM_JSON_UNLESS_CREATED_WITH,
    of_created: LISTS_OF_CREATED,
    of_other_imports: LISTS_OF_OTHER_IMPORTS,
};

/// `[1,2,3]`.
fn json_array(ids: &[ContactId]) -> String {
    let mut json = String::with_capacity(ids.len() * 8 + 2);
    json.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&id.to_string());
    }
    json.push(']');
    json
}

/// Rows of a membership `INSERT` with many rows (see [`SqliteWriter::insert_memberships`]).
const MANY: usize = 64;

/// `INSERT OR IGNORE` of `rows` (contact, tag or list) pairs into `table`: `?1` workspace, `?2`
/// import, then each row's contact and tag (list) id.
fn membership_insert(table: &str, column: &str, rows: usize) -> String {
    let values: Vec<String> =
        (0..rows).map(|i| format!("(?1, ?{}, ?{}, ?2)", 3 + 2 * i, 4 + 2 * i)).collect();
    format!(
        "INSERT OR IGNORE INTO {table} (workspace_id, contact_id, {column}, import_id) VALUES {}",
        values.join(", ")
    )
}

/// The tags and lists a batch gives contacts one by one, as (contact, tag or list id).
#[derive(Default)]
struct Memberships {
    tags: Vec<(ContactId, i64)>,
    lists: Vec<(ContactId, i64)>,
}

/// One subscription change.
const EVENT_INSERT: &str = "INSERT INTO subscription_events \
     (workspace_id, contact_id, channel, old_status, new_status, source, forced, at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Binds the contact `INSERT` (see `SqliteWriter::new`) contact after contact. SQLite keeps
/// a statement's bindings from one execution to the next, so what is the same for every
/// contact of a run is bound once, and of the rest only what differs from the last contact's:
/// a field it had and this one has not becomes NULL, a subscription status or the custom
/// values are bound only when they change. Binding was a fifth of the writer's time.
struct ContactBinder {
    /// Which built-in field parameters hold a value now (bit `i` for field `i`; the others
    /// are NULL). A bit set, so that a row costs nothing for the fields its file leaves out.
    bound: u64,
    /// The subscription statuses bound now.
    subscriptions: [SubscriptionStatus; 3],
    /// Whether the `custom` parameter holds a value now.
    custom: bool,
}

/// Number of built-in fields (columns of `contacts`).
const BUILTINS: usize = BUILTIN_FIELDS.len();
const _: () = assert!(BUILTINS <= 64, "ContactBinder keeps the bound built-in fields in a u64");

impl ContactBinder {
    /// Binds the parameters every contact of the run shares, and NULL to every field.
    fn start(
        insert: &mut rusqlite::Statement<'_>,
        workspace_id: i64,
        import_id: i64,
        at: i64,
    ) -> rusqlite::Result<ContactBinder> {
        insert.raw_bind_parameter(1, workspace_id)?;
        for i in 0..BUILTINS {
            insert.raw_bind_parameter(2 + i, rusqlite::types::Null)?;
        }
        let next = 2 + BUILTINS;
        insert.raw_bind_parameter(next + 2, rusqlite::types::Null)?;
        let subscriptions = [SubscriptionStatus::None; 3];
        for (i, status) in subscriptions.iter().enumerate() {
            insert.raw_bind_parameter(next + 3 + i, status.as_str())?;
        }
        insert.raw_bind_parameter(next + 6, import_id)?;
        insert.raw_bind_parameter(next + 7, at)?;
        insert.raw_bind_parameter(next + 8, at)?;
        Ok(ContactBinder { bound: 0, subscriptions, custom: false })
    }

    /// Binds what is `contact`'s own.
    fn bind(
        &mut self,
        insert: &mut rusqlite::Statement<'_>,
        schema: &Schema,
        contact: &NewContact,
    ) -> rusqlite::Result<()> {
        let mut has: u64 = 0;
        let (mut email_hash, mut phone_hash) = (None, None);
        let mut custom = serde_json::Map::new();
        for (field, value) in contact.values.iter() {
            if field < BUILTINS {
                insert.raw_bind_parameter(2 + field, value)?;
                has |= 1 << field;
                match field {
                    EMAIL => email_hash = Some(stored_hash("email", value)),
                    PHONE => phone_hash = Some(stored_hash("phone", value)),
                    _ => {}
                }
            } else {
                custom.insert(schema.field(field).name.clone(), serde_json::Value::String(value.to_string()));
            }
        }
        let mut gone = self.bound & !has;
        while gone != 0 {
            let field = gone.trailing_zeros() as usize;
            insert.raw_bind_parameter(2 + field, rusqlite::types::Null)?;
            gone &= gone - 1;
        }
        self.bound = has;
        let next = 2 + BUILTINS;
        insert.raw_bind_parameter(next, email_hash)?;
        insert.raw_bind_parameter(next + 1, phone_hash)?;
        if !custom.is_empty() || self.custom {
            let custom = (!custom.is_empty()).then(|| serde_json::Value::Object(custom).to_string());
            self.custom = custom.is_some();
            insert.raw_bind_parameter(next + 2, custom)?;
        }
        for (i, status) in contact.subscriptions.iter().enumerate() {
            if *status != self.subscriptions[i] {
                insert.raw_bind_parameter(next + 3 + i, status.as_str())?;
                self.subscriptions[i] = *status;
            }
        }
        Ok(())
    }
}

/// Writes one import into one workspace.
pub struct SqliteWriter {
    conn: Connection,
    workspace_id: i64,
    schema: Schema,
    wide: ImportWide,
    /// `import:<id>`, the source of the subscription changes it makes.
    source: String,
    insert_contact: String,
    tag_ids: HashMap<String, i64>,
    list_ids: HashMap<String, i64>,
    batch: Option<OpenBatch>,
    /// How its commits reach the database file.
    journal: WriterJournal,
    /// Time spent per step, logged when the writer is dropped (`INTAKE_LOG=debug`).
    spent: Spent,
    /// The workspace lease the import holds: every commit checks it is still its own.
    lease_owner: Option<String>,
    /// The store's turn file, where other processes say that they wait for the write lock.
    turn: Option<std::fs::File>,
}

/// How a writer's commits reach the database file.
pub(crate) enum WriterJournal {
    /// Through the write-ahead log, which this checkpointer copies into the file, off the
    /// writer's thread.
    Log(Checkpointer),
    /// Straight, through a rollback journal, for a bulk load into an empty store; back to
    /// the log when the load ends.
    Rollback,
    /// The bulk load has ended: the store is back on the log (or will be when it is next
    /// opened, if another connection held it), where SQLite checkpoints by itself.
    RollbackEnded,
}

/// Where a writer's time went.
#[derive(Debug, Default)]
struct Spent {
    rows: Duration,
    tags: Duration,
    commits: Duration,
    indexes: Duration,
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        // Also when the pipeline never called `end_bulk_load`. If it fails, the next
        // opening of the store tries again.
        if let Err(error) = self.back_to_log() {
            tracing::warn!(%error, "the store stays on a rollback journal until it is next opened");
        }
        tracing::debug!(spent = ?self.spent, "store writer");
    }
}

/// The transaction in progress.
struct OpenBatch {
    /// Time stamp of everything in it.
    at: i64,
    /// Whether it created any contact.
    created: bool,
    /// Ids of the contacts it updated, in the order of their rows.
    updated: Vec<ContactId>,
}

impl SqliteWriter {
    pub(crate) fn new(
        conn: Connection,
        journal: WriterJournal,
        workspace_id: i64,
        schema: Schema,
        wide: &ImportWide,
    ) -> SqliteWriter {
        let builtins = BUILTIN_FIELDS.len();
        let columns = crate::contacts::builtin_columns();
        let placeholders = (1..=builtins + 10).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let insert_contact = format!(
            "INSERT INTO contacts (workspace_id, {columns}, email_hash, phone_hash, custom, email_subscription, \
             sms_subscription, whatsapp_subscription, created_import_id, created_at, updated_at) \
             VALUES ({placeholders})"
        );
        let turn = conn.path().and_then(|path| Turn::of(std::path::Path::new(path)).watch());
        SqliteWriter {
            turn,
            conn,
            workspace_id,
            schema,
            source: format!("import:{}", wide.import_id),
            wide: wide.clone(),
            insert_contact,
            tag_ids: HashMap::new(),
            list_ids: HashMap::new(),
            batch: None,
            journal,
            spent: Spent::default(),
            lease_owner: None,
        }
    }

    /// Commits only while `owner` holds the workspace's lease (see `lease::check_held`).
    pub(crate) fn with_lease(mut self, owner: Option<String>) -> SqliteWriter {
        self.lease_owner = owner;
        self
    }

    fn open_batch(&mut self) -> Result<i64, StoreError> {
        if let Some(batch) = &self.batch {
            return Ok(batch.at);
        }
        if let Some(turn) = &self.turn {
            crate::turn::let_waiters_go_first(turn);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let at = now();
        self.batch = Some(OpenBatch { at, created: false, updated: Vec::new() });
        Ok(at)
    }

    /// Ends the open transaction without applying it.
    fn discard(&mut self) -> Result<(), StoreError> {
        if self.batch.take().is_some() {
            self.conn.execute_batch("ROLLBACK")?;
            // Tags or lists created inside the rolled-back transaction do not exist.
            self.tag_ids.clear();
            self.list_ids.clear();
        }
        Ok(())
    }

    fn apply(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let started = Instant::now();
        let at = self.open_batch()?;
        let mut memberships = Memberships::default();
        let mut rest = writes;
        while let Some(first) = rest.first() {
            if let Write::Update(update) = first {
                self.update(update, at, &mut memberships)?;
                rest = &rest[1..];
                continue;
            }
            let creates = rest.iter().position(|w| matches!(w, Write::Update(_))).unwrap_or(rest.len());
            self.create_all(&rest[..creates], at, &mut memberships)?;
            rest = &rest[creates..];
        }
        self.insert_memberships(&memberships)?;
        self.spent.rows += started.elapsed();
        Ok(())
    }

    /// Creates the contacts of a run of `Write::Create`s, with their own tags and lists, through a
    /// statement prepared once for the run. The statuses they are created with are in their
    /// rows, which the consent log reads (`subscription_creations`).
    fn create_all(
        &mut self,
        creates: &[Write],
        at: i64,
        memberships: &mut Memberships,
    ) -> Result<(), StoreError> {
        let mut own: Vec<(ContactId, &NewContact)> = Vec::new();
        {
            let mut insert = self.conn.prepare_cached(&self.insert_contact)?;
            let mut binder = ContactBinder::start(&mut insert, self.workspace_id, self.wide.import_id, at)?;
            for write in creates {
                let Write::Create(contact) = write else { continue };
                binder.bind(&mut insert, &self.schema, contact)?;
                insert.raw_execute()?;
                let id = self.conn.last_insert_rowid();
                if !contact.tags.is_empty() || !contact.lists.is_empty() {
                    own.push((id, contact));
                }
                if let Some(batch) = &mut self.batch {
                    batch.created = true;
                }
            }
        }
        memberships.tags.extend(self.own_memberships(&own, false)?);
        memberships.lists.extend(self.own_memberships(&own, true)?);
        Ok(())
    }

    /// The (contact, tag) pairs (`lists`: (contact, list)) of the created contacts' own tags,
    /// leaving out a name that is an import-wide one spelt in another case (`Leads` beside
    /// `--tag leads`): the contact has that one from the import already (`import_tags`), and
    /// a row of its own as well would count it twice in the tag's count.
    fn own_memberships(
        &mut self,
        own: &[(ContactId, &NewContact)],
        lists: bool,
    ) -> Result<Vec<(ContactId, i64)>, StoreError> {
        let wide = if lists { self.wide.lists.clone() } else { self.wide.tags.clone() };
        let mut wide_ids = Vec::with_capacity(wide.len());
        for name in &wide {
            wide_ids.push(self.named_id(name, lists)?);
        }
        let mut pairs = Vec::new();
        for (contact_id, contact) in own {
            for name in if lists { &contact.lists } else { &contact.tags } {
                let id = self.named_id(name, lists)?;
                if !wide_ids.contains(&id) {
                    pairs.push((*contact_id, id));
                }
            }
        }
        Ok(pairs)
    }

    /// The id of tag (`lists`: list) `name`, created when the workspace has none of that name.
    fn named_id(&mut self, name: &str, lists: bool) -> Result<i64, StoreError> {
        if lists { self.list_id(name) } else { self.tag_id(name) }
    }

    /// Inserts a batch's (contact, tag) and (contact, list) pairs, [`MANY`] to a statement.
    /// A statement execution opens its cursor on the table anew and seeks from the root for
    /// each row; within one execution SQLite starts the next seek on the last page, where the
    /// contacts' ascending ids put it: 2 million tags took half the time this way, the
    /// search itself was half of each row's cost.
    fn insert_memberships(&self, memberships: &Memberships) -> Result<(), StoreError> {
        let kinds =
            [(&memberships.tags, "contact_tags", "tag_id"), (&memberships.lists, "list_members", "list_id")];
        for (pairs, table, column) in kinds {
            if pairs.is_empty() {
                continue;
            }
            let mut many = pairs.chunks_exact(MANY);
            if many.len() > 0 {
                let mut insert = self.conn.prepare_cached(&membership_insert(table, column, MANY))?;
                for chunk in &mut many {
                    self.bind_pairs(&mut insert, chunk)?;
                    insert.raw_execute()?;
                }
            }
            let mut one = self.conn.prepare_cached(&membership_insert(table, column, 1))?;
            for pair in many.remainder() {
                self.bind_pairs(&mut one, std::slice::from_ref(pair))?;
                one.raw_execute()?;
            }
        }
        Ok(())
    }

    /// Binds `pairs` to a [`membership_insert`] of as many rows.
    fn bind_pairs(
        &self,
        insert: &mut rusqlite::Statement<'_>,
        pairs: &[(ContactId, i64)],
    ) -> rusqlite::Result<()> {
        insert.raw_bind_parameter(1, self.workspace_id)?;
        insert.raw_bind_parameter(2, self.wide.import_id)?;
        for (i, (contact_id, id)) in pairs.iter().enumerate() {
            insert.raw_bind_parameter(3 + 2 * i, *contact_id)?;
            insert.raw_bind_parameter(4 + 2 * i, *id)?;
        }
        Ok(())
    }

    fn update(
        &mut self,
        update: &ContactUpdate,
        at: i64,
        memberships: &mut Memberships,
    ) -> Result<(), StoreError> {
        let builtins = BUILTIN_FIELDS.len();
        let mut sets = String::new();
        let mut values: Vec<Value> = Vec::new();
        let mut custom_paths: Vec<(String, String)> = Vec::new();
        let assign = |sets: &mut String, column: &str, value: Value, values: &mut Vec<Value>| {
            values.push(value);
            sets.push_str(&format!("{column} = ?{}, ", values.len()));
        };
        for change in &update.fields {
            let name = self.schema.field(change.field).name.clone();
            if change.field < builtins {
                assign(&mut sets, &name, Value::Text(change.new.clone()), &mut values);
                if let Some(column) = hash_column(&name) {
                    assign(&mut sets, column, Value::Integer(stored_hash(&name, &change.new)), &mut values);
                }
            } else {
                custom_paths.push((name.clone(), change.new.clone()));
            }
            self.journal(update.id, &name, change.old.as_deref(), Some(&change.new))?;
        }
        if !custom_paths.is_empty() {
            let mut expr = String::from("json_set(coalesce(custom, '{}')");
            for (name, value) in custom_paths {
                values.push(Value::Text(format!("$.\"{name}\"")));
                values.push(Value::Text(value));
                expr.push_str(&format!(", ?{}, ?{}", values.len() - 1, values.len()));
            }
            sets.push_str(&format!("custom = {expr}), "));
        }
        for change in &update.subscriptions {
            let column = change.channel.field_name();
            assign(&mut sets, column, Value::Text(change.new.as_str().to_string()), &mut values);
            self.journal(update.id, column, Some(change.old.as_str()), Some(change.new.as_str()))?;
            self.subscription_event(update.id, change.channel, change.old, change.new, change.forced, at)?;
        }
        if !sets.is_empty() {
            values.push(Value::Integer(at));
            let at_param = values.len();
            values.push(Value::Integer(self.workspace_id));
            values.push(Value::Integer(update.id));
            let sql = format!(
                "UPDATE contacts SET {sets}updated_at = ?{at_param} WHERE workspace_id = ?{} AND id = ?{}",
                at_param + 1,
                at_param + 2
            );
            self.conn.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        }
        if let Some(batch) = &mut self.batch {
            batch.updated.push(update.id);
        }
        for tag in &update.add_tags {
            memberships.tags.push((update.id, self.tag_id(tag)?));
        }
        for list in &update.add_lists {
            memberships.lists.push((update.id, self.list_id(list)?));
        }
        Ok(())
    }

    /// Records an overwritten value, so undo can restore it.
    fn journal(
        &self,
        contact: ContactId,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO import_changes (workspace_id, import_id, contact_id, field, old_value, new_value) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![self.workspace_id, self.wide.import_id, contact, field, old, new])?;
        Ok(())
    }

    fn subscription_event(
        &self,
        contact: ContactId,
        channel: Channel,
        old: SubscriptionStatus,
        new: SubscriptionStatus,
        forced: bool,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(EVENT_INSERT)?.execute(params![
            self.workspace_id,
            contact,
            channel.name(),
            old.as_str(),
            new.as_str(),
            self.source,
            forced,
            at
        ])?;
        Ok(())
    }

    /// Gives the batch's contacts the import-wide tags and lists they lack: one statement per
    /// tag and list over the updated ones (`updated`, sorted) as a JSON array, and for the
    /// ones it created, one row per tag and list for the whole import. A statement per
    /// updated contact measured twice as slow (1M re-imported rows: 1.7 s against 0.8 s); a
    /// row per created contact was a tenth of a load into an empty store.
    fn add_wide(&mut self, updated: &[ContactId], created: bool) -> Result<(), StoreError> {
        let json = (!updated.is_empty()).then(|| json_array(updated));
        let (workspace, import) = (self.workspace_id, self.wide.import_id);
        let mut targets = Vec::new();
        for tag in self.wide.tags.clone() {
            targets.push((self.tag_id(&tag)?, &WIDE_TAGS));
        }
        for list in self.wide.lists.clone() {
            targets.push((self.list_id(&list)?, &WIDE_LISTS));
        }
        for (id, statements) in targets {
            if let Some(json) = &json {
                let others_created_with: bool = self
                    .conn
                    .prepare_cached(statements.of_other_imports)?
                    .query_row(params![workspace, id, import], |r| r.get(0))?;
                let insert = match others_created_with {
                    true => statements.from_json_unless_created_with,
                    false => statements.from_json,
                };
                self.conn.prepare_cached(insert)?.execute(params![workspace, id, import, json])?;
            }
            if created {
                self.conn.prepare_cached(statements.of_created)?.execute(params![workspace, id, import])?;
            }
        }
        Ok(())
    }

    fn tag_id(&mut self, name: &str) -> Result<i64, StoreError> {
        if let Some(id) = self.tag_ids.get(name) {
            return Ok(*id);
        }
        let id = crate::contacts::ensure_named(&self.conn, "tags", self.workspace_id, name)?;
        self.tag_ids.insert(name.to_string(), id);
        Ok(id)
    }

    fn list_id(&mut self, name: &str) -> Result<i64, StoreError> {
        if let Some(id) = self.list_ids.get(name) {
            return Ok(*id);
        }
        let id = crate::contacts::ensure_named(&self.conn, "lists", self.workspace_id, name)?;
        self.list_ids.insert(name.to_string(), id);
        Ok(id)
    }

    fn commit_batch(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.open_batch()?;
        let started = Instant::now();
        let created = self.batch.as_ref().is_some_and(|b| b.created);
        let mut updated = self.batch.as_mut().map(|b| std::mem::take(&mut b.updated)).unwrap_or_default();
        // In key order the inserts walk each index's pages once instead of at random.
        updated.sort_unstable();
        self.add_wide(&updated, created)?;
        self.spent.tags += started.elapsed();
        let started = Instant::now();
        let checkpoint = serde_json::to_string(checkpoint).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "UPDATE imports SET checkpoint = ?1 WHERE workspace_id = ?2 AND id = ?3",
            params![checkpoint, self.workspace_id, self.wide.import_id],
        )?;
        if let Some(owner) = &self.lease_owner {
            crate::lease::check_held(&self.conn, self.workspace_id, owner)?;
        }
        self.conn.execute_batch("COMMIT")?;
        if let WriterJournal::Log(checkpointer) = &self.journal {
            checkpointer.nudge();
        }
        self.batch = None;
        self.spent.commits += started.elapsed();
        Ok(())
    }

    /// Puts the store back on the write-ahead log after a bulk load through a rollback
    /// journal, once the last batch is in.
    fn back_to_log(&mut self) -> Result<(), StoreError> {
        if matches!(self.journal, WriterJournal::Rollback) {
            self.discard()?;
            if !crate::journal::use_log(&self.conn)? {
                tracing::warn!("the store stays on a rollback journal until it is next opened");
            }
            self.journal = WriterJournal::RollbackEnded;
        }
        Ok(())
    }

    /// Runs `step`; when it fails the open batch is rolled back, so nothing of it remains.
    fn or_discard<T>(
        &mut self,
        step: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = step(self);
        if result.is_err() {
            // The batch's own error is the one to report.
            let _ = self.discard();
        }
        result
    }
}

impl StoreWriter for SqliteWriter {
    type Error = StoreError;

    fn begin_bulk_load(&mut self) -> Result<(), StoreError> {
        // Only when the whole table is empty: other workspaces' lookups need the indexes.
        if crate::no_contact_stored(&self.conn)? {
            indexes::drop_all(&self.conn)?;
        }
        Ok(())
    }

    fn end_bulk_load(&mut self) -> Result<(), StoreError> {
        self.discard()?;
        let started = Instant::now();
        // The other kinds' indexes are built when a lookup first needs them.
        if let Some(kind) = self.wide.identifier {
            indexes::ensure(&self.conn, kind)?;
        }
        indexes::ensure_memberships(&self.conn)?;
        self.spent.indexes += started.elapsed();
        self.back_to_log()
    }

    fn write(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        self.or_discard(|writer| writer.apply(writes))
    }

    fn commit(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.or_discard(|writer| writer.commit_batch(checkpoint))
    }
}
