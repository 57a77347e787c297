//! What the service shows of contacts: a page of them (newest first; by tag, list or
//! subscription status; found by name, e-mail address or phone number), one contact with the
//! imports that touched it, and the workspace's tags and lists with how many contacts each has.
//!
//! Every page is driven by one index (see `indexes::Listing`): the search's results, else the
//! tag's, the list's, the subscription status's, else the workspace's contacts by id. The
//! other filters are checked on each contact the driver yields, so a page reads about as many
//! contacts as it shows when the filters agree. A tag or list a contact has comes from its own
//! row or from the import that created it (`import_tags`, `import_lists`), so the contacts of
//! a tag are two sorted streams merged: the tag's rows, and each such import's contacts.

use std::collections::BTreeSet;

use intake_core::identify::IdentifierKind;
use intake_core::model::{BUILTIN_FIELDS, Channel, ContactId, ImportId, SubscriptionStatus};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use crate::contacts::find_named;
use crate::indexes::{Listing, ensure_listing};
use crate::{ImportState, SqliteStore, StoreError};

/// How to find contacts by what a person typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// By e-mail address: its match key (`email_match_key` of the normalized address).
    EmailKey(String),
    /// By phone number, in E.164.
    Phone(String),
    /// By name: every word is the start of the first or the last name, in any case.
    Name(Vec<String>),
}

/// Which contacts a page shows; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Has this tag (any case).
    pub tag: Option<String>,
    /// Is on this list (any case).
    pub list: Option<String>,
    /// Has this status on this channel.
    pub subscription: Option<(Channel, SubscriptionStatus)>,
    /// Is found by this search.
    pub search: Option<Search>,
}

/// A contact as the service shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    /// Its id.
    pub id: ContactId,
    /// `(field, value)` of every field with a value: built-in, then custom, in schema order.
    pub fields: Vec<(String, String)>,
    /// Status per channel, in `Channel::ALL` order.
    pub subscriptions: [SubscriptionStatus; 3],
    /// Its tags, by name.
    pub tags: Vec<String>,
    /// Its lists, by name.
    pub lists: Vec<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch.
    pub updated_at: i64,
}

/// An import that touched a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactImport {
    /// The import's id.
    pub id: ImportId,
    /// The file it read.
    pub file_name: String,
    /// When it started, in seconds since the epoch.
    pub started_at: i64,
    /// Its state now (an undone one is listed too: it touched the contact).
    pub state: ImportState,
    /// Whether it created the contact (else it updated it).
    pub created: bool,
}

/// A tag or list and how many contacts have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCount {
    /// Its name.
    pub name: String,
    /// How many contacts have it.
    pub contacts: u64,
}

/// A contact row as read, before its tags and lists.
struct Row {
    view: ContactView,
    created_by: Option<ImportId>,
}

/// A tag or list of a filter: its id, and the imports that gave it to every contact they
/// created.
struct Membership {
    id: i64,
    imports: Vec<ImportId>,
}

/// Where a page's contacts come from: the one index that drives it.
enum Driver {
    /// The search's results, newest first.
    Found(Vec<ContactId>),
    Tag,
    List,
    Subscription(Channel, SubscriptionStatus),
    All,
}

/// A filter resolved against the store.
struct Plan {
    driver: Driver,
    tag: Option<Membership>,
    list: Option<Membership>,
    subscription: Option<(Channel, SubscriptionStatus)>,
    /// The words of a name search, lower case: checked on every contact found.
    name_words: Vec<String>,
}

/// The columns a contact is read with, `id` first, then the built-in fields.
const VIEW_COLUMNS: &str = "id, created_import_id, created_at, updated_at, email_subscription, \
     sms_subscription, whatsapp_subscription, custom";
/// Where the built-in fields start among the selected columns.
const FIRST_BUILTIN: usize = 8;

const ALL: &str = "SELECT id FROM contacts WHERE workspace_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
const TAGGED: &str = "SELECT contact_id FROM contact_tags \
     WHERE workspace_id = ?1 AND tag_id = ?2 AND contact_id < ?3 ORDER BY contact_id DESC LIMIT ?4";
const LISTED: &str = "SELECT contact_id FROM list_members \
     WHERE workspace_id = ?1 AND list_id = ?2 AND contact_id < ?3 ORDER BY contact_id DESC LIMIT ?4";
const CREATED_BY: &str = "SELECT id FROM contacts \
     WHERE workspace_id = ?1 AND created_import_id = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4";

/// How far the filters' indexes are counted to choose the one that drives a page.
const ESTIMATE_CAP: i64 = 20_000;
const COUNT_TAGGED: &str = "SELECT count(*) FROM (SELECT 1 FROM contact_tags \
     WHERE workspace_id = ?1 AND tag_id = ?2 LIMIT ?3)";
const COUNT_LISTED: &str = "SELECT count(*) FROM (SELECT 1 FROM list_members \
     WHERE workspace_id = ?1 AND list_id = ?2 LIMIT ?3)";
const COUNT_CREATED_BY: &str = "SELECT count(*) FROM (SELECT 1 FROM contacts \
     WHERE workspace_id = ?1 AND created_import_id = ?2 LIMIT ?3)";

/// The imports that journaled a change of contact `?2`, gave it a tag, gave it a list.
/// Not `DISTINCT`: the planner would take the journal's index by import for its order, a
/// scan of the workspace's journal. The list's index is named: the planner would take the
/// primary key (by list), a scan of the workspace's memberships.
const IMPORTS_OF: [&str; 3] = [
    "SELECT import_id FROM import_changes WHERE workspace_id = ?1 AND contact_id = ?2",
    "SELECT import_id FROM contact_tags WHERE workspace_id = ?1 AND contact_id = ?2 AND import_id IS NOT NULL",
    "SELECT import_id FROM list_members INDEXED BY list_members_by_contact \
     WHERE workspace_id = ?1 AND contact_id = ?2 AND import_id IS NOT NULL",
];

/// The contacts with status `?2` on `channel`, below `?3`, newest first.
fn with_status_sql(channel: Channel) -> String {
    format!(
        "SELECT id FROM contacts WHERE workspace_id = ?1 AND {} = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
        channel.field_name()
    )
}

/// Of the contacts in the JSON array `?2`, those with `status` `?3` (when given), the tag and
/// the list: each from the import that created it (a JSON array of imports) or a row of its
/// own (the tag's or list's id), in that order of parameters after `?2`.
fn passing_sql(status: Option<Channel>, tag: bool, list: bool) -> String {
    // `CROSS JOIN` keeps the ids as the outer loop: the planner would scan the workspace.
    let mut sql = String::from(
        "SELECT c.id FROM json_each(?2) j CROSS JOIN contacts c ON c.id = j.value WHERE c.workspace_id = ?1",
    );
    let mut next = 3;
    if let Some(channel) = status {
        sql.push_str(&format!(" AND c.{} = ?{next}", channel.field_name()));
        next += 1;
    }
    for (table, column) in [("contact_tags", "tag_id"), ("list_members", "list_id")]
        .into_iter()
        .zip([tag, list])
        .filter_map(|(names, given)| given.then_some(names))
    {
        sql.push_str(&format!(
            " AND (c.created_import_id IN (SELECT value FROM json_each(?{next})) OR EXISTS (SELECT 1 FROM {table} m \
             WHERE m.workspace_id = ?1 AND m.contact_id = c.id AND m.{column} = ?{}))",
            next + 1
        ));
        next += 2;
    }
    sql
}

/// `[1,2,3]`.
fn json_array(ids: &[i64]) -> String {
    let items: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(","))
}

/// How many contacts have status `?2` on `channel`, up to `?3`.
fn count_with_status_sql(channel: Channel) -> String {
    format!(
        "SELECT count(*) FROM (SELECT 1 FROM contacts WHERE workspace_id = ?1 AND {} = ?2 LIMIT ?3)",
        channel.field_name()
    )
}

/// The contacts whose `column` (a name) is from `?2` to `?3` in any ASCII case, at most `?4`
/// (-1: all).
fn name_range_sql(column: &str) -> String {
    format!(
        "SELECT id FROM contacts WHERE workspace_id = ?1 AND {column} IS NOT NULL \
         AND {column} COLLATE NOCASE >= ?2 AND {column} COLLATE NOCASE < ?3 LIMIT ?4"
    )
}

/// The imports (`by_import`: `import_tags` or `import_lists`) that gave tag or list `?2`
/// to every contact they created.
fn giving_imports_sql(by_import: &str, column: &str) -> String {
    format!("SELECT import_id FROM {by_import} WHERE workspace_id = ?1 AND {column} = ?2")
}

/// The tags or lists by name; how many contacts have tag or list `?2` by a row of their own;
/// how many have it from the import that created them.
fn count_sqls(table: &str, members: &str, column: &str, by_import: &str) -> [String; 3] {
    [
        format!("SELECT id, name FROM {table} WHERE workspace_id = ?1 ORDER BY name"),
        format!("SELECT count(*) FROM {members} WHERE workspace_id = ?1 AND {column} = ?2"),
        format!(
            "SELECT count(*) FROM contacts WHERE workspace_id = ?1 AND created_import_id IN \
             (SELECT import_id FROM {by_import} WHERE workspace_id = ?1 AND {column} = ?2)"
        ),
    ]
}

/// How many contacts a one-word name search gathers at most before it reads the newest
/// contacts instead, checking each one's names. Gathering costs about 0.15 µs an id, reading
/// a contact about 6 µs, and a page needs 25 / share of the names to match: the two meet at
/// a share of about 3 % of a million contacts (`benches/pages.rs`).
const NAME_GATHER_CAP: i64 = 50_000;

/// How many ids a driver hands over at once: enough for a page when most pass the other
/// filters, few enough that a page stops reading soon after it is full.
fn batch_size(limit: usize) -> usize {
    (limit * 2).clamp(64, 1000)
}

impl SqliteStore {
    /// At most `limit` contacts that pass `filter`, with ids below `before`, newest first.
    pub fn contacts_page(
        &self,
        filter: &ContactFilter,
        before: Option<ContactId>,
        limit: usize,
    ) -> Result<Vec<ContactView>, StoreError> {
        let Some(plan) = self.plan(filter)? else { return Ok(Vec::new()) };
        let want = batch_size(limit);
        let mut before = before.unwrap_or(ContactId::MAX);
        let mut page = Vec::new();
        while page.len() < limit {
            let ids = self.next_ids(&plan, before, want)?;
            let Some(&last) = ids.last() else { break };
            let passing = self.passing(&ids, &plan)?;
            for id in ids.iter().filter(|id| passing.binary_search(id).is_ok()) {
                if let Some(view) = self.view_if(*id, &plan)? {
                    page.push(view);
                    if page.len() == limit {
                        break;
                    }
                }
            }
            if ids.len() < want {
                break;
            }
            before = last;
        }
        Ok(page)
    }

    /// Contact `id` with its tags and lists, and the imports that created or updated it
    /// (oldest first); `None` when the workspace has no such contact.
    pub fn contact_detail(
        &self,
        id: ContactId,
    ) -> Result<Option<(ContactView, Vec<ContactImport>)>, StoreError> {
        let Some(row) = self.read_row(id)? else { return Ok(None) };
        let imports = self.imports_of(id, row.created_by)?;
        Ok(Some((self.with_memberships(row.view)?, imports)))
    }

    /// Contact `id` with its tags and lists, if the workspace has it.
    pub fn contact_view(&self, id: ContactId) -> Result<Option<ContactView>, StoreError> {
        match self.read_row(id)? {
            Some(row) => Ok(Some(self.with_memberships(row.view)?)),
            None => Ok(None),
        }
    }

    /// The workspace's tags by name, each with how many contacts have it.
    pub fn tag_counts(&self) -> Result<Vec<NamedCount>, StoreError> {
        ensure_listing(&self.conn, Listing::Tagged)?;
        self.named_counts("tags", "contact_tags", "tag_id", "import_tags")
    }

    /// The workspace's lists by name, each with how many contacts are on it.
    pub fn list_counts(&self) -> Result<Vec<NamedCount>, StoreError> {
        self.named_counts("lists", "list_members", "list_id", "import_lists")
    }

    /// Counts a contact's own rows and the contacts of each import that gave the tag or list
    /// to all it created: the store writer does not give a contact a row for a tag or list it
    /// has from the import that created it (not even one its file spelt in another case), so a
    /// contact is counted once. (Stores written before that may count such a contact twice.)
    fn named_counts(
        &self,
        table: &str,
        members: &str,
        column: &str,
        by_import: &str,
    ) -> Result<Vec<NamedCount>, StoreError> {
        ensure_listing(&self.conn, Listing::CreatedBy)?;
        let [names, own, created] = count_sqls(table, members, column, by_import);
        let mut stmt = self.conn.prepare(&names)?;
        let named = stmt.query_map(params![self.workspace_id], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
        let mut counts = Vec::new();
        for named in named {
            let (id, name) = named?;
            let count = |sql: &str| -> rusqlite::Result<i64> {
                self.conn.prepare_cached(sql)?.query_row(params![self.workspace_id, id], |r| r.get(0))
            };
            let contacts = (count(&own)? + count(&created)?) as u64;
            counts.push(NamedCount { name, contacts });
        }
        Ok(counts)
    }

    /// Resolves `filter` against the store; `None` when it names a tag or list the workspace
    /// does not have (no contact passes).
    fn plan(&self, filter: &ContactFilter) -> Result<Option<Plan>, StoreError> {
        let tag = match &filter.tag {
            Some(name) => match self.membership("tags", "import_tags", "tag_id", name)? {
                Some(tag) => Some(tag),
                None => return Ok(None),
            },
            None => None,
        };
        let list = match &filter.list {
            Some(name) => match self.membership("lists", "import_lists", "list_id", name)? {
                Some(list) => Some(list),
                None => return Ok(None),
            },
            None => None,
        };
        if tag.as_ref().or(list.as_ref()).is_some_and(|m| !m.imports.is_empty()) {
            ensure_listing(&self.conn, Listing::CreatedBy)?;
        }
        if tag.is_some() {
            ensure_listing(&self.conn, Listing::Tagged)?;
        }
        let name_words = match &filter.search {
            Some(Search::Name(words)) => words.iter().map(|w| w.to_lowercase()).collect(),
            _ => Vec::new(),
        };
        if let Some((channel, _)) = filter.subscription {
            ensure_listing(&self.conn, Listing::Subscription(channel.index()))?;
        }
        let found = match &filter.search {
            Some(search) => self.search(search)?,
            None => None,
        };
        let driver = match found {
            Some(ids) => Driver::Found(ids),
            // No search, or a name search too broad to gather: the other filters or all
            // contacts drive the page, and each contact's names are checked.
            None => self.smallest_driver(tag.as_ref(), list.as_ref(), filter.subscription)?,
        };
        Ok(Some(Plan { driver, tag, list, subscription: filter.subscription, name_words }))
    }

    /// Of the filters given, the one with the fewest contacts drives the page (counted up to
    /// [`ESTIMATE_CAP`] on their indexes), so that a page of two filters that rarely agree
    /// reads as few contacts as it can; with none, all the workspace's contacts.
    fn smallest_driver(
        &self,
        tag: Option<&Membership>,
        list: Option<&Membership>,
        subscription: Option<(Channel, SubscriptionStatus)>,
    ) -> Result<Driver, StoreError> {
        let given =
            usize::from(tag.is_some()) + usize::from(list.is_some()) + usize::from(subscription.is_some());
        let mut drivers: Vec<(i64, Driver)> = Vec::new();
        if let Some(tag) = tag {
            let size = if given > 1 { self.membership_size(COUNT_TAGGED, tag)? } else { 0 };
            drivers.push((size, Driver::Tag));
        }
        if let Some(list) = list {
            let size = if given > 1 { self.membership_size(COUNT_LISTED, list)? } else { 0 };
            drivers.push((size, Driver::List));
        }
        if let Some((channel, status)) = subscription {
            let size = match given > 1 {
                true => self.capped_count(&count_with_status_sql(channel), status.as_str())?,
                false => 0,
            };
            drivers.push((size, Driver::Subscription(channel, status)));
        }
        // The first of the smallest: a tag before a list before a status.
        let smallest = drivers.into_iter().reduce(|best, next| if next.0 < best.0 { next } else { best });
        match smallest {
            Some((_, driver)) => Ok(driver),
            None => {
                ensure_listing(&self.conn, Listing::Workspace)?;
                Ok(Driver::All)
            }
        }
    }

    /// How many contacts have a tag or list (`own`: the count of its own rows), up to
    /// [`ESTIMATE_CAP`].
    fn membership_size(&self, own: &str, membership: &Membership) -> Result<i64, StoreError> {
        let mut size = self.capped_count(own, membership.id)?;
        for import in &membership.imports {
            if size >= ESTIMATE_CAP {
                break;
            }
            size += self.capped_count(COUNT_CREATED_BY, *import)?;
        }
        Ok(size)
    }

    /// `sql` (a count with `?2` and the cap `?3`) for the workspace.
    fn capped_count(&self, sql: &str, key: impl rusqlite::ToSql) -> Result<i64, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.query_row(params![self.workspace_id, key, ESTIMATE_CAP], |r| r.get(0))?)
    }

    /// The tag or list called `name` (any case) and the imports that gave it to what they
    /// created.
    fn membership(
        &self,
        table: &str,
        by_import: &str,
        column: &str,
        name: &str,
    ) -> Result<Option<Membership>, StoreError> {
        let Some(id) = find_named(&self.conn, table, self.workspace_id, name)? else { return Ok(None) };
        let mut stmt = self.conn.prepare_cached(&giving_imports_sql(by_import, column))?;
        let imports = stmt.query_map(params![self.workspace_id, id], |r| r.get(0))?;
        Ok(Some(Membership { id, imports: imports.collect::<rusqlite::Result<_>>()? }))
    }

    /// The ids of the contacts `search` may find, newest first; `None` for a one-word name
    /// search that starts too many names to gather (see [`Self::by_name`]).
    fn search(&self, search: &Search) -> Result<Option<Vec<ContactId>>, StoreError> {
        let mut ids = match search {
            Search::EmailKey(key) => self.by_identifier(IdentifierKind::Email, key)?,
            Search::Phone(e164) => self.by_identifier(IdentifierKind::Phone, e164)?,
            Search::Name(words) => match self.by_name(words)? {
                Some(ids) => ids,
                None => return Ok(None),
            },
        };
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        Ok(Some(ids))
    }

    fn by_identifier(&self, kind: IdentifierKind, key: &str) -> Result<Vec<ContactId>, StoreError> {
        crate::indexes::ensure(&self.conn, kind)?;
        Ok(crate::keys::find_exact(&self.conn, self.workspace_id, kind, key)?)
    }

    /// The contacts whose first or last name may start with each of `words` that starts
    /// fewer than [`NAME_GATHER_CAP`] names (every word is checked again on each contact,
    /// `view_if`), sorted, as far as the name indexes can
    /// tell: they compare ASCII letters in any case and other letters as written, so a word
    /// is also looked up in lower, upper and title case.
    ///
    /// `None` for one word that starts [`NAME_GATHER_CAP`] names or more (`a`, `sch`): gathering
    /// and sorting them all would cost a page more than reading the newest contacts until a
    /// page of them matches, which at that share of the names is soon. Several such words
    /// are gathered whole and intersected: together they may match few or none, and reading
    /// contacts until a page matches could then read them all.
    fn by_name(&self, words: &[String]) -> Result<Option<Vec<ContactId>>, StoreError> {
        ensure_listing(&self.conn, Listing::FirstName)?;
        ensure_listing(&self.conn, Listing::LastName)?;
        // The words that start fewer names than the cap, each with all of them.
        let mut gathered = Vec::new();
        for word in words {
            let ids = self.names_starting(word, NAME_GATHER_CAP)?;
            if (ids.len() as i64) < NAME_GATHER_CAP {
                gathered.push(ids);
            }
        }
        if gathered.is_empty() {
            if words.len() == 1 {
                return Ok(None);
            }
            for word in words {
                gathered.push(self.names_starting(word, -1)?);
            }
        }
        Ok(Some(intersection(gathered)))
    }

    /// The contacts whose first or last name starts with a spelling of `word` (a contact may
    /// come twice), up to `cap` of them (-1: all).
    fn names_starting(&self, word: &str, cap: i64) -> Result<Vec<ContactId>, StoreError> {
        let mut ids = Vec::new();
        for column in ["first_name", "last_name"] {
            let mut stmt = self.conn.prepare_cached(&name_range_sql(column))?;
            for spelling in spellings(word) {
                // Every text that starts with `spelling` sorts below it followed by the
                // highest code point.
                let end = format!("{spelling}\u{10FFFF}");
                let limit = if cap < 0 { -1 } else { cap - ids.len() as i64 };
                if limit == 0 {
                    return Ok(ids);
                }
                let rows = stmt.query_map(params![self.workspace_id, spelling, end, limit], |r| r.get(0))?;
                for id in rows {
                    ids.push(id?);
                }
            }
        }
        Ok(ids)
    }

    /// Up to `want` ids below `before` from the plan's driver, newest first.
    fn next_ids(&self, plan: &Plan, before: ContactId, want: usize) -> Result<Vec<ContactId>, StoreError> {
        let ws = self.workspace_id;
        let ids = match (&plan.driver, &plan.tag, &plan.list) {
            (Driver::Found(ids), ..) => ids.iter().copied().filter(|&id| id < before).take(want).collect(),
            (Driver::Tag, Some(tag), _) => self.merged(TAGGED, tag, before, want)?,
            (Driver::List, _, Some(list)) => self.merged(LISTED, list, before, want)?,
            (Driver::Subscription(channel, status), ..) => {
                let mut stmt = self.conn.prepare_cached(&with_status_sql(*channel))?;
                let rows = stmt.query_map(params![ws, status.as_str(), before, want as i64], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            _ => {
                let mut stmt = self.conn.prepare_cached(ALL)?;
                let rows = stmt.query_map(params![ws, before, want as i64], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
        };
        Ok(ids)
    }

    /// The newest `want` ids below `before` of a tag's or list's own rows (`own`) and of the
    /// contacts created by its imports: each stream's newest `want`, merged.
    fn merged(
        &self,
        own: &str,
        membership: &Membership,
        before: ContactId,
        want: usize,
    ) -> Result<Vec<ContactId>, StoreError> {
        let ws = self.workspace_id;
        let mut ids = BTreeSet::new();
        let mut stmt = self.conn.prepare_cached(own)?;
        for id in stmt.query_map(params![ws, membership.id, before, want as i64], |r| r.get(0))? {
            ids.insert(id?);
        }
        let mut stmt = self.conn.prepare_cached(CREATED_BY)?;
        for import in &membership.imports {
            for id in stmt.query_map(params![ws, import, before, want as i64], |r| r.get(0))? {
                ids.insert(id?);
            }
        }
        Ok(ids.into_iter().rev().take(want).collect())
    }

    /// Of `ids`, those that pass the plan's status, tag and list filters, sorted: one
    /// statement for a driver's whole batch (a statement per contact cost ten times as much
    /// where few pass).
    fn passing(&self, ids: &[ContactId], plan: &Plan) -> Result<Vec<ContactId>, StoreError> {
        let mut values = vec![Value::Integer(self.workspace_id), Value::Text(json_array(ids))];
        if let Some((_, status)) = plan.subscription {
            values.push(Value::Text(status.as_str().to_string()));
        }
        for membership in [&plan.tag, &plan.list].into_iter().flatten() {
            values.push(Value::Text(json_array(&membership.imports)));
            values.push(Value::Integer(membership.id));
        }
        let sql = passing_sql(
            plan.subscription.map(|(channel, _)| channel),
            plan.tag.is_some(),
            plan.list.is_some(),
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| r.get(0))?;
        let mut passing: Vec<ContactId> = rows.collect::<rusqlite::Result<_>>()?;
        passing.sort_unstable();
        Ok(passing)
    }

    /// Contact `id` (which passed the status, tag and list filters) with its tags and lists,
    /// if its names start with the words of a name search.
    fn view_if(&self, id: ContactId, plan: &Plan) -> Result<Option<ContactView>, StoreError> {
        let Some(row) = self.read_row(id)? else { return Ok(None) };
        if !plan.name_words.is_empty() && !names_start_with(&row.view, &plan.name_words) {
            return Ok(None);
        }
        Ok(Some(self.with_memberships(row.view)?))
    }

    fn with_memberships(&self, mut view: ContactView) -> Result<ContactView, StoreError> {
        view.tags = self.tag_names(view.id)?;
        view.lists = self.list_names(view.id)?;
        Ok(view)
    }

    /// Contact `id`'s row, if the workspace has it.
    fn read_row(&self, id: ContactId) -> Result<Option<Row>, StoreError> {
        let builtins: Vec<&str> = BUILTIN_FIELDS.iter().map(|f| f.0).collect();
        let sql = format!(
            "SELECT {VIEW_COLUMNS}, {} FROM contacts WHERE workspace_id = ?1 AND id = ?2",
            builtins.join(", ")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let row = stmt.query_row(params![self.workspace_id, id], |r| self.row_of(r)).optional()?;
        Ok(row)
    }

    fn row_of(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        let mut fields = Vec::new();
        for (at, (name, ..)) in BUILTIN_FIELDS.iter().enumerate() {
            if let Some(value) = r.get::<_, Option<String>>(FIRST_BUILTIN + at)? {
                fields.push((name.to_string(), value));
            }
        }
        let custom: Option<String> = r.get(7)?;
        let custom: serde_json::Map<String, serde_json::Value> =
            custom.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
        for def in &self.schema.fields()[BUILTIN_FIELDS.len()..] {
            if let Some(value) = custom.get(&def.name).and_then(|v| v.as_str()) {
                fields.push((def.name.clone(), value.to_string()));
            }
        }
        let mut subscriptions = [SubscriptionStatus::None; 3];
        for (at, slot) in subscriptions.iter_mut().enumerate() {
            *slot = SubscriptionStatus::parse(&r.get::<_, String>(4 + at)?).unwrap_or_default();
        }
        let view = ContactView {
            id: r.get(0)?,
            fields,
            subscriptions,
            tags: Vec::new(),
            lists: Vec::new(),
            created_at: r.get(2)?,
            updated_at: r.get(3)?,
        };
        Ok(Row { view, created_by: r.get(1)? })
    }

    /// The imports that created (`created_by`) or updated contact `id`, oldest first: those
    /// the journal has a change of it from, and those that gave it a tag or a list (an
    /// update always gives the import's own tag). Dry runs changed nothing.
    fn imports_of(
        &self,
        id: ContactId,
        created_by: Option<ImportId>,
    ) -> Result<Vec<ContactImport>, StoreError> {
        ensure_listing(&self.conn, Listing::ChangesByContact)?;
        // `IMPORTS_OF` names one of them.
        crate::indexes::ensure_memberships(&self.conn)?;
        let ws = self.workspace_id;
        let mut ids: BTreeSet<ImportId> = created_by.into_iter().collect();
        for sql in IMPORTS_OF {
            let mut stmt = self.conn.prepare_cached(sql)?;
            for import in stmt.query_map(params![ws, id], |r| r.get(0))? {
                ids.insert(import?);
            }
        }
        let mut imports = Vec::new();
        for import in ids {
            // An import record that is gone (never in practice) leaves nothing to show.
            let Ok(record) = self.import(import) else { continue };
            if record.dry_run {
                continue;
            }
            imports.push(ContactImport {
                id: import,
                file_name: record.file_name,
                started_at: record.started_at,
                state: record.state,
                created: created_by == Some(import),
            });
        }
        Ok(imports)
    }
}

/// The ids in every one of `lists`, sorted.
fn intersection(lists: Vec<Vec<ContactId>>) -> Vec<ContactId> {
    let mut found: Option<Vec<ContactId>> = None;
    for mut ids in lists {
        ids.sort_unstable();
        ids.dedup();
        found = Some(match found {
            Some(before) => before.into_iter().filter(|id| ids.binary_search(id).is_ok()).collect(),
            None => ids,
        });
    }
    found.unwrap_or_default()
}

/// `word` as typed and in lower, upper and title case, each once as the name indexes see
/// them: they fold ASCII letters, so spellings that differ only there are one.
fn spellings(word: &str) -> Vec<String> {
    let mut title: String = word.chars().take(1).flat_map(char::to_uppercase).collect();
    title.extend(word.chars().skip(1).flat_map(char::to_lowercase));
    let mut all: Vec<String> = Vec::new();
    for spelling in [word.to_string(), word.to_lowercase(), word.to_uppercase(), title] {
        if !all.iter().any(|s| s.eq_ignore_ascii_case(&spelling)) {
            all.push(spelling);
        }
    }
    all
}

/// Whether each of `words` (lower case) starts the contact's first or last name, in any case.
fn names_start_with(view: &ContactView, words: &[String]) -> bool {
    let names: Vec<String> = view
        .fields
        .iter()
        .filter(|(field, _)| field == "first_name" || field == "last_name")
        .map(|(_, value)| value.to_lowercase())
        .collect();
    words.iter().all(|word| names.iter().any(|name| name.starts_with(word.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indexes::ensure_memberships;

    /// Every statement of a listing, as the store runs them.
    fn statements() -> Vec<String> {
        let mut all: Vec<String> =
            [ALL, TAGGED, LISTED, CREATED_BY, COUNT_TAGGED, COUNT_LISTED, COUNT_CREATED_BY]
                .into_iter()
                .map(str::to_string)
                .collect();
        all.extend(Channel::ALL.map(count_with_status_sql));
        all.push(passing_sql(Some(Channel::Sms), true, true));
        all.push(passing_sql(None, false, true));
        all.extend(IMPORTS_OF.map(str::to_string));
        all.extend(Channel::ALL.map(with_status_sql));
        all.extend(["first_name", "last_name"].map(name_range_sql));
        all.extend(count_sqls("tags", "contact_tags", "tag_id", "import_tags"));
        all.extend(count_sqls("lists", "list_members", "list_id", "import_lists"));
        all.push(giving_imports_sql("import_tags", "tag_id"));
        all.push(giving_imports_sql("import_lists", "list_id"));
        let builtins: Vec<&str> = BUILTIN_FIELDS.iter().map(|f| f.0).collect();
        all.push(format!(
            "SELECT {VIEW_COLUMNS}, {} FROM contacts WHERE workspace_id = ?1 AND id = ?2",
            builtins.join(", ")
        ));
        all
    }

    /// A plan's `SCAN` of no table: of a constant row, of a subquery's rows (a capped one), or of
    /// a JSON array's items (`json_each`).
    fn not_a_table(line: &str) -> bool {
        line == "SCAN CONSTANT ROW" || line.starts_with("SCAN (subquery-") || line.contains("VIRTUAL TABLE")
    }

    #[test]
    fn every_listing_statement_searches_an_index_and_scans_no_table() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("intake.db"), "default").unwrap();
        let conn = &store.conn;
        for listing in [
            Listing::Workspace,
            Listing::CreatedBy,
            Listing::FirstName,
            Listing::LastName,
            Listing::ChangesByContact,
            Listing::Tagged,
        ]
        .into_iter()
        .chain((0..3).map(Listing::Subscription))
        {
            ensure_listing(conn, listing).unwrap();
        }
        ensure_memberships(conn).unwrap();
        for sql in statements() {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let count = stmt.parameter_count();
            let values: Vec<i64> = (0..count as i64).collect();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(values), |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let scans: Vec<&String> =
                plan.iter().filter(|line| line.starts_with("SCAN") && !not_a_table(line)).collect();
            assert!(scans.is_empty(), "{sql}: {plan:?}");
            // A search on the workspace's key alone reads all of a workspace's rows: only
            // for the small tables of names (a row per tag or list, per import and tag).
            let small = ["tags", "lists", "import_tags", "import_lists"];
            let whole: Vec<&String> = plan
                .iter()
                .filter(|line| line.ends_with("(workspace_id=?)"))
                .filter(|line| !small.iter().any(|table| line.starts_with(&format!("SEARCH {table} "))))
                .collect();
            assert!(whole.is_empty(), "{sql}: {plan:?}");
        }
    }

    /// The ids of the contacts pages of `words` show, newest first, `per_page` at a time.
    fn every_page(store: &SqliteStore, words: &[&str], per_page: usize) -> Vec<ContactId> {
        let search = Search::Name(words.iter().map(|w| w.to_string()).collect());
        let filter = ContactFilter { search: Some(search), ..ContactFilter::default() };
        let (mut all, mut before) = (Vec::new(), None);
        loop {
            let page = store.contacts_page(&filter, before, per_page).unwrap();
            all.extend(page.iter().map(|c| c.id));
            match page.last() {
                Some(last) if page.len() == per_page => before = Some(last.id),
                _ => return all,
            }
        }
    }

    #[test]
    fn a_name_search_finds_the_same_contacts_whether_its_words_are_gathered_or_checked_on_each() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("intake.db"), "default").unwrap();
        // More Schulzes than a search gathers (it reads the newest contacts instead), fewer
        // Annas, a few Schmidts, and a Sönke Schulz whose ö the indexes do not fold.
        let rows = NAME_GATHER_CAP + 5_000;
        store
            .conn
            .execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
                 INSERT INTO contacts (workspace_id, first_name, last_name, created_at, updated_at) \
                 SELECT ?1, CASE WHEN i % 1000 = 7 THEN 'SÖNKE' WHEN i % 3 = 0 THEN 'Anna' ELSE 'Ben' END, \
                 CASE WHEN i % 97 = 0 THEN 'schmidt' ELSE 'Schulz' END, 0, 0 FROM n",
                params![store.workspace_id, rows],
            )
            .unwrap();
        let (anna, schulz, schmidt) = (rows / 3, rows - rows / 97, rows / 97);
        assert!(schulz >= NAME_GATHER_CAP && anna < NAME_GATHER_CAP, "both ways are taken");
        let mut stmt =
            store.conn.prepare("SELECT id, first_name, last_name FROM contacts ORDER BY id DESC").unwrap();
        let people: Vec<(ContactId, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = |words: &[&str]| -> Vec<ContactId> {
            people
                .iter()
                .filter(|(_, first, last)| {
                    let names = [first.to_lowercase(), last.to_lowercase()];
                    words.iter().all(|w| names.iter().any(|n| n.starts_with(&w.to_lowercase())))
                })
                .map(|(id, ..)| *id)
                .collect()
        };
        for words in [
            &["schulz"][..],
            &["S"],
            &["anna", "SCHULZ"],
            &["sch", "b"],
            &["schm"],
            &["sönke"],
            &["Anna", "Schmidt"],
        ] {
            let found = every_page(&store, words, 1000);
            assert_eq!(found, expected(words), "{words:?}");
        }
        assert_eq!(expected(&["schulz"]).len() as i64, schulz);
        assert_eq!(expected(&["schmidt"]).len() as i64, schmidt);
        assert!(expected(&["sönke"]).len() > 10);
        // A page of 25 at a time reads the same.
        assert_eq!(every_page(&store, &["s"], 25)[..100], expected(&["s"])[..100]);
    }

    #[test]
    fn a_word_is_looked_up_in_each_case_once() {
        assert_eq!(spellings("öz"), ["öz", "ÖZ"]);
        assert_eq!(spellings("Anna"), ["Anna"]);
    }
}
