//! Deciding a row's outcome from what the file says and what the store holds: the import
//! rules of purpose, identity, overwrite policy, tags, lists and subscription protection.

use crate::model::{Channel, FieldId, Schema, StoredContact, SubscriptionStatus, Target};
use crate::plan::ImportOptions;
use crate::plan::outcome::{
    ContactUpdate, FieldChange, FieldError, NewContact, RowOutcome, SkipReason, Status, SubscriptionChange,
    Write,
};
use crate::plan::prepare::{PreparedRow, identifier_target};

/// What matching found for a row.
#[derive(Debug, Clone, Copy)]
pub enum MatchState<'a> {
    /// The import does not match (`add-all`).
    NotMatched,
    /// The row has no identifier value.
    NoKey,
    /// This many rows of the file share the row's identifier.
    DuplicateInFile(u64),
    /// This many existing contacts share the row's identifier.
    Ambiguous(u32),
    /// No contact has the identifier.
    NotFound,
    /// This contact has it.
    Found(&'a StoredContact),
}

/// Applies the import rules to prepared rows.
pub struct Decider<'a> {
    schema: &'a Schema,
    options: &'a ImportOptions,
    first_name: Option<FieldId>,
    /// The field the import matches by, when it matches by a field.
    identifier_field: Option<FieldId>,
    /// The column the identifier is read from, by index and header: the column an
    /// identifier's problem (a duplicate, an empty one) names.
    identifier_column: Option<(usize, String)>,
}

impl<'a> Decider<'a> {
    /// A decider for one import.
    pub fn new(schema: &'a Schema, options: &'a ImportOptions) -> Decider<'a> {
        let identifier_field = match options.matched_by().and_then(|kind| identifier_target(schema, kind)) {
            Some(Target::Field(field)) => Some(field),
            _ => None,
        };
        Decider {
            schema,
            options,
            first_name: schema.field_id("first_name"),
            identifier_field,
            identifier_column: None,
        }
    }

    /// The identifier is read from column `index`, headed `header`.
    pub fn with_identifier_column(mut self, column: Option<(usize, String)>) -> Self {
        self.identifier_column = column;
        self
    }

    /// A problem of `row`'s identifier: it names the identifier's column and cell.
    fn identifier_problem(&self, row: &PreparedRow, reason: String) -> FieldError {
        let (column, value) = match &self.identifier_column {
            Some((at, header)) => (header.clone(), row.record.get(*at).unwrap_or("").to_string()),
            None => (String::new(), String::new()),
        };
        FieldError { row: row.record.row, line: row.record.line, column, value, reason }
    }

    /// The outcome of `row` and what it writes. `suppressed` lists the channels a deleted
    /// contact with the row's identifiers had unsubscribed from. The row's notes, and the
    /// values of a row that creates a contact, move into the result (no copies per row).
    pub fn decide(
        &self,
        row: &mut PreparedRow,
        matched: MatchState<'_>,
        suppressed: &[Channel],
    ) -> (RowOutcome, Option<Write>) {
        let mut outcome = RowOutcome {
            row: row.record.row,
            status: Status::Error,
            skip_reason: None,
            messages: Vec::new(),
            reasons: Vec::new(),
            problems: Vec::new(),
            notes: std::mem::take(&mut row.notes),
        };
        // An empty row says nothing, so it is no error (Excel writes `;;;;;` lines below the
        // data); a row that is empty because its bytes were unreadable has a problem.
        if row.record.is_blank() && row.record.problem.is_none() {
            skip(&mut outcome, SkipReason::EmptyRow, "empty row".to_string());
            return (outcome, None);
        }
        let id_name = self.options.identifier.name();
        let key = row.key.as_deref().unwrap_or("");
        let place = row.record.place();
        let duplicate = match matched {
            MatchState::DuplicateInFile(n) => Some(format!(
                "{place}: {n} rows of this file have the {id_name} {key:?}; none of them was imported"
            )),
            _ => None,
        };
        if !row.errors.is_empty() || duplicate.is_some() {
            outcome.reasons = row.errors.iter().map(|e| e.kind()).collect();
            if duplicate.is_some() {
                outcome.reasons.push(format!("several rows of the file have the same {id_name}"));
            }
            outcome.problems = row.errors.clone();
            if let MatchState::DuplicateInFile(n) = matched {
                let reason =
                    format!("{n} rows of this file have the {id_name} {key:?}; none of them was imported");
                outcome.problems.push(self.identifier_problem(row, reason));
            }
            outcome.messages = row.errors.iter().map(ToString::to_string).chain(duplicate).collect();
            return (outcome, None);
        }
        let write = match matched {
            MatchState::NoKey => {
                outcome.messages.push(format!("{place}: the identifier {id_name} is empty"));
                outcome.reasons.push(format!("the identifier {id_name} is empty"));
                outcome
                    .problems
                    .push(self.identifier_problem(row, format!("the identifier {id_name} is empty")));
                None
            }
            MatchState::DuplicateInFile(_) => None,
            MatchState::Ambiguous(n) => {
                outcome.messages.push(format!(
                    "{place}: {n} existing contacts have the {id_name} {key:?}; merge them first"
                ));
                outcome.reasons.push(format!("several existing contacts have the same {id_name}"));
                let reason = format!("{n} existing contacts have the {id_name} {key:?}; merge them first");
                outcome.problems.push(self.identifier_problem(row, reason));
                None
            }
            MatchState::Found(contact) if !self.options.purpose.updates() => {
                skip(
                    &mut outcome,
                    SkipReason::Exists,
                    format!("a contact with this {id_name} exists (id {})", contact.id),
                );
                None
            }
            MatchState::Found(contact) => self.update(row, contact, &mut outcome),
            MatchState::NotFound if !self.options.purpose.creates() => {
                skip(&mut outcome, SkipReason::NotFound, format!("no contact has the {id_name} {key:?}"));
                None
            }
            MatchState::NotFound | MatchState::NotMatched => self.create(row, suppressed, &mut outcome),
        };
        (outcome, write)
    }

    fn create(
        &self,
        row: &mut PreparedRow,
        suppressed: &[Channel],
        outcome: &mut RowOutcome,
    ) -> Option<Write> {
        let has_first_name = self.first_name.is_some_and(|f| row.values.has(f));
        if self.options.require_first_name && !has_first_name {
            outcome
                .messages
                .push(format!("{}: a first name is required to create a contact", row.record.place()));
            outcome.reasons.push("a first name is required to create a contact".to_string());
            let place = row.record.place();
            outcome.problems.push(FieldError {
                row: place.row,
                line: place.line,
                column: String::new(),
                value: String::new(),
                reason: "a first name is required to create a contact".to_string(),
            });
            return None;
        }
        let mut subscriptions = [SubscriptionStatus::None; 3];
        for (channel, status) in &row.subscriptions {
            subscriptions[channel.index()] = *status;
        }
        for channel in Channel::ALL {
            let slot = &mut subscriptions[channel.index()];
            if self.options.unsubscribe_all {
                *slot = SubscriptionStatus::Unsubscribed;
            } else if suppressed.contains(&channel) && *slot != SubscriptionStatus::Unsubscribed {
                *slot = SubscriptionStatus::Unsubscribed;
                outcome.notes.push(format!(
                    "{} set to unsubscribed: this person unsubscribed before and was deleted (suppression list)",
                    channel.field_name()
                ));
            }
        }
        outcome.status = Status::Imported;
        Some(Write::Create(NewContact {
            row: outcome.row,
            values: std::mem::take(&mut row.values),
            subscriptions,
            tags: self.row_only_tags(row),
            lists: self.row_only_lists(row),
        }))
    }

    fn update(&self, row: &PreparedRow, contact: &StoredContact, outcome: &mut RowOutcome) -> Option<Write> {
        let fields = self.field_changes(row, contact);
        let subscriptions = self.subscription_changes(row, contact, outcome);
        let add_tags = lacking(self.row_only_tags(row), &contact.tags);
        let add_lists = lacking(self.row_only_lists(row), &contact.lists);
        let memberships = add_tags.is_empty() && add_lists.is_empty();
        if fields.is_empty() && subscriptions.is_empty() && memberships && !self.lacks_wide(contact) {
            skip(outcome, SkipReason::Unchanged, format!("no changes to contact {}", contact.id));
            return None;
        }
        outcome.status = Status::Updated;
        Some(Write::Update(ContactUpdate {
            row: outcome.row,
            id: contact.id,
            fields,
            subscriptions,
            add_tags,
            add_lists,
        }))
    }

    fn field_changes(&self, row: &PreparedRow, contact: &StoredContact) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        for (field, new) in row.values.iter() {
            let old = contact.values.get(field);
            let keep = match old {
                Some(old) => old == new || !self.options.overwrite,
                None => false,
            };
            if !keep {
                changes.push(FieldChange { field, old: old.map(str::to_string), new: new.to_string() });
            }
        }
        changes
    }

    fn subscription_changes(
        &self,
        row: &PreparedRow,
        contact: &StoredContact,
        outcome: &mut RowOutcome,
    ) -> Vec<SubscriptionChange> {
        let mut wanted: Vec<(Channel, SubscriptionStatus)> = row.subscriptions.clone();
        if self.options.unsubscribe_all {
            wanted = Channel::ALL.iter().map(|c| (*c, SubscriptionStatus::Unsubscribed)).collect();
        }
        let mut changes = Vec::new();
        for (channel, new) in wanted {
            let old = contact.subscriptions[channel.index()];
            if old == new {
                continue;
            }
            let protected = old == SubscriptionStatus::Unsubscribed;
            if protected && !self.options.force_resubscribe {
                outcome.notes.push(format!(
                    "{} kept unsubscribed: the contact unsubscribed and an import never re-subscribes (the file says {new})",
                    channel.field_name()
                ));
                continue;
            }
            // An unsubscribe always applies; other changes follow the overwrite policy.
            let fill_only = !self.options.overwrite && old != SubscriptionStatus::None;
            if fill_only && new != SubscriptionStatus::Unsubscribed {
                continue;
            }
            changes.push(SubscriptionChange { channel, old, new, forced: protected });
        }
        changes
    }

    /// Whether `contact` lacks one of the tags (`--tag`) or lists the user gave the import.
    /// Not the automatic import tag: it marks the contacts the import added or updated, so
    /// lacking it is no change of its own (else every re-imported row would be "Updated",
    /// and a dry run, which has no import tag, would disagree with the import).
    fn lacks_wide(&self, contact: &StoredContact) -> bool {
        self.options.tags.iter().any(|tag| !contact.tags.contains(tag))
            || self.options.lists.iter().any(|list| !contact.lists.contains(list))
    }

    /// The row's own tags (from its tags column) that are not import-wide already: a
    /// contact gets the import-wide ones from the store writer, once per batch.
    fn row_only_tags(&self, row: &PreparedRow) -> Vec<String> {
        own_names(&row.tags, self.options.tags.iter().chain(&self.options.import_tag))
    }

    /// [`Decider::row_only_tags`] for the row's lists and `--list`.
    fn row_only_lists(&self, row: &PreparedRow) -> Vec<String> {
        own_names(&row.lists, self.options.lists.iter())
    }

    /// What deciding `rows` needs to know of their stored contacts: the values of the
    /// fields the rows set and of the identifier (a match by hash is checked against it),
    /// and whether they have the user's import-wide tags and lists and those of the rows' own
    /// tags and lists columns (not the automatic import tag, which decides nothing).
    pub fn asked(&self, rows: &[PreparedRow]) -> crate::store::Asked {
        let mut wanted = vec![false; self.schema.len()];
        let fields = rows.iter().flat_map(|row| row.values.iter().map(|(field, _)| field));
        for field in self.identifier_field.into_iter().chain(fields) {
            if let Some(wanted) = wanted.get_mut(field) {
                *wanted = true;
            }
        }
        let fields = (0..wanted.len()).filter(|&field| wanted[field]).collect();
        let tags = asked_names(&self.options.tags, rows.iter().flat_map(|row| &row.tags));
        let lists = asked_names(&self.options.lists, rows.iter().flat_map(|row| &row.lists));
        crate::store::Asked { fields, tags, lists }
    }

    /// What every contact this import creates gets: its tags and lists.
    pub fn import_wide(&self, import_id: crate::model::ImportId) -> crate::store::ImportWide {
        let mut tags = self.options.tags.clone();
        tags.extend(self.options.import_tag.iter().filter(|t| !self.options.tags.contains(t)).cloned());
        let identifier = self.options.matched_by();
        crate::store::ImportWide { import_id, tags, lists: self.options.lists.clone(), identifier }
    }

    /// The schema decisions are made against.
    pub fn schema(&self) -> &Schema {
        self.schema
    }
}

/// Of a row's own tag or list names, those that are not import-wide (`wide`). Compared as
/// written: a row's `Leads` beside `--tag leads` is written with the row, and so its spelling
/// is the one the store keeps.
fn own_names<'w>(row: &[String], wide: impl Iterator<Item = &'w String> + Clone) -> Vec<String> {
    row.iter().filter(|name| !wide.clone().any(|w| w == *name)).cloned().collect()
}

/// Of `names`, those a contact that has `have` lacks. The store loads a contact's tags and
/// lists under the names they were asked by, whatever their stored case.
fn lacking(names: Vec<String>, have: &[String]) -> Vec<String> {
    names.into_iter().filter(|name| !have.contains(name)).collect()
}

/// The import-wide names and, once each, those of the rows' own cells.
fn asked_names<'r>(wide: &[String], rows: impl Iterator<Item = &'r String>) -> Vec<String> {
    let mut names = wide.to_vec();
    for name in rows {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

fn skip(outcome: &mut RowOutcome, reason: SkipReason, message: String) {
    outcome.status = Status::Skipped;
    outcome.skip_reason = Some(reason);
    outcome.messages.push(message);
}
