//! Turning a [`Record`] into a [`PreparedRow`]: every mapped cell normalized, every bad cell
//! reported (not only the first), the identifier's match key computed. Per row, no store.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::identify::{IdentifierKind, KeyHash, key_hash};
use crate::map::Mapping;
use crate::model::{Channel, FieldId, FieldType, FieldValues, Schema, SubscriptionStatus, Target};
use crate::normalize::{
    Cell, LIST_SEPARATOR, ListError, Normalizer, email_match_key, email_match_key_of, first_email,
    first_phone, is_mobile_number, list_items, merge_items, normalize_integer, phone_extension, phone_items,
    same_name, trimmed_unguarded,
};
use crate::plan::options::ColumnFormat;
use crate::plan::outcome::FieldError;
use crate::read::Record;
use crate::suggest::is_mobile_header;

mod address;

/// A row with its cells normalized, ready to be matched and planned.
#[derive(Debug, Clone, Default)]
pub struct PreparedRow {
    /// The original row, for the results file.
    pub record: Record,
    /// The canonical value of every non-empty valid cell, by field.
    pub values: FieldValues,
    /// Tags from a `tags` column.
    pub tags: Vec<String>,
    /// Names of the static lists from a `lists` column.
    pub lists: Vec<String>,
    /// Subscription statuses from `<channel>_subscription` columns.
    pub subscriptions: Vec<(Channel, SubscriptionStatus)>,
    /// The identifier's match key, when the row has one.
    pub key: Option<String>,
    /// Every problem found in the row.
    pub errors: Vec<FieldError>,
    /// Notes for the results file.
    pub notes: Vec<String>,
}

impl PreparedRow {
    /// The value of `field`, if the row has one.
    pub fn value(&self, field: FieldId) -> Option<&str> {
        self.values.get(field)
    }
}

/// Prepares rows of one file for one import.
pub struct Preparer<'a> {
    schema: &'a Schema,
    headers: &'a [String],
    mapping: &'a Mapping,
    normalizer: &'a Normalizer,
    identifier: Option<IdentifierKind>,
    identifier_column: Option<usize>,
    /// Per column, its own normalizer when its dates or numbers are written its own way.
    column_normalizers: Vec<Option<Normalizer>>,
    /// The list fields that keep a row's further addresses and numbers.
    lists: ListFields,
    /// The first column of phone numbers whose header says mobile (`Handy`, `Mobile Phone`):
    /// its number is the row's phone.
    mobile_column: Option<usize>,
    /// Whether the row's mobile number is also its WhatsApp number (`--whatsapp-from-mobile`).
    whatsapp_from_mobile: bool,
}

/// `other_emails` and `other_phones` with the fields whose values they must not repeat,
/// looked up by name once per import instead of for every row.
struct ListFields {
    emails: Option<FieldId>,
    phones: Option<FieldId>,
    /// `phone` and `whatsapp`.
    phone: Option<FieldId>,
    whatsapp: Option<FieldId>,
    /// `(list, its primaries)`: `other_emails` with `email`, `other_phones` with `phone`
    /// and `whatsapp`.
    primaries: Vec<(FieldId, Vec<FieldId>)>,
}

impl ListFields {
    fn of(schema: &Schema) -> ListFields {
        let lists = [("other_emails", &["email"][..]), ("other_phones", &["phone", "whatsapp"][..])];
        let primaries = lists
            .iter()
            .filter_map(|(list, primaries)| {
                let fields = primaries.iter().filter_map(|name| schema.field_id(name)).collect();
                Some((schema.field_id(list)?, fields))
            })
            .collect();
        ListFields {
            emails: schema.field_id("other_emails"),
            phones: schema.field_id("other_phones"),
            phone: schema.field_id("phone"),
            whatsapp: schema.field_id("whatsapp"),
            primaries,
        }
    }
}

impl<'a> Preparer<'a> {
    /// A preparer; `identifier` is `None` for imports that match nothing (`add-all`).
    pub fn new(
        schema: &'a Schema,
        headers: &'a [String],
        mapping: &'a Mapping,
        normalizer: &'a Normalizer,
        identifier: Option<IdentifierKind>,
    ) -> Preparer<'a> {
        let identifier_column =
            identifier.and_then(|kind| identifier_target(schema, kind)).and_then(|t| mapping.column_of(t));
        let lists = ListFields::of(schema);
        let phone_targets = [lists.phone, lists.phones].map(|f| f.map(Target::Field));
        let mobile_column = mapping.columns.iter().enumerate().position(|(column, target)| {
            target.is_some() && phone_targets.contains(target) && is_mobile_header(&headers[column])
        });
        Preparer {
            schema,
            headers,
            mapping,
            normalizer,
            identifier,
            identifier_column,
            column_normalizers: Vec::new(),
            lists,
            mobile_column,
            whatsapp_from_mobile: false,
        }
    }

    /// Makes each row's mobile number its WhatsApp number too, unless a column gives one.
    pub fn with_whatsapp_from_mobile(mut self, yes: bool) -> Self {
        self.whatsapp_from_mobile = yes;
        self
    }

    /// Reads the columns named in `formats` with their own date format and decimal mark.
    pub fn with_column_formats(mut self, formats: &BTreeMap<String, ColumnFormat>) -> Self {
        self.column_normalizers = self
            .headers
            .iter()
            .map(|header| {
                let format = formats.get(header)?;
                Some(Normalizer {
                    date_format: format.date_format.clone().or_else(|| self.normalizer.date_format.clone()),
                    decimal_mark: format.decimal_mark.or(self.normalizer.decimal_mark),
                    ..self.normalizer.clone()
                })
            })
            .collect();
        self
    }

    /// The normalizer of `column`.
    fn normalizer_of(&self, column: usize) -> &Normalizer {
        self.column_normalizers.get(column).and_then(Option::as_ref).unwrap_or(self.normalizer)
    }

    /// The column the identifier is read from, if the import matches by one.
    pub fn identifier_column(&self) -> Option<usize> {
        self.identifier.and(self.identifier_column)
    }

    /// The hash of the match key of `cell` read as the identifier column (`None` when it has
    /// no valid value).
    pub fn key_hash_of_cell(&self, cell: &str) -> Option<KeyHash> {
        let (kind, column) = (self.identifier?, self.identifier_column?);
        match self.mapping.columns[column]? {
            Target::ContactId => normalize_integer(cell).ok().map(|id| key_hash(&id)),
            Target::Field(field) => {
                let def = self.schema.field(field);
                match self.normalizer_of(column).cell(def, first_item(def.field_type, cell).0) {
                    Cell::Value(value) => Some(key_hash(&match_key_of(kind, &value))),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The list field that keeps the further items of a cell of `field_type`.
    fn overflow_field(&self, field_type: FieldType) -> Option<FieldId> {
        match field_type {
            FieldType::Email => self.lists.emails,
            FieldType::Phone => self.lists.phones,
            _ => None,
        }
    }

    /// Normalizes every mapped cell of `record`.
    pub fn prepare(&self, record: Record) -> PreparedRow {
        let values = FieldValues::with_capacity(self.mapping.columns.len(), record.text_len());
        let mut row = PreparedRow { values, ..PreparedRow::default() };
        self.check_shape(&record, &mut row);
        for (column, target) in self.mapping.columns.iter().enumerate() {
            let (Some(target), Some(cell)) = (target, record.get(column)) else {
                continue;
            };
            self.prepare_cell(&record, column, *target, cell, &mut row);
        }
        self.prepare_addresses(&record, &mut row);
        let mobile = self.settle_phone(&record, &mut row);
        if self.whatsapp_from_mobile {
            self.whatsapp_from(mobile, &mut row);
        }
        self.drop_primary_from_lists(&mut row);
        row.record = record;
        row
    }

    /// Makes the number people message the row's phone (the SMS and WhatsApp channel, and
    /// what a later import matches by): the number of a column whose header says mobile,
    /// else the phone column's, else the first mobile number (by libphonenumber's number
    /// type) of `other_phones`, else its first. A phone it replaces goes to `other_phones`.
    /// Returns whether the phone is known to be a mobile number. An import matched by phone
    /// keeps its phone column as the file has it: that column is the identifier.
    fn settle_phone(&self, record: &Record, row: &mut PreparedRow) -> bool {
        let (Some(phone), Some(others)) = (self.lists.phone, self.lists.phones) else { return false };
        if self.identifier == Some(IdentifierKind::Phone) {
            return false;
        }
        let (chosen, mobile) = match self.mobile_number(record, phone) {
            Some(number) => (number, true),
            None if row.value(phone).is_some() => return false,
            None => {
                let Some(items) = row.value(others) else { return false };
                let mut items = items.split(LIST_SEPARATOR);
                let first = items.clone().next().unwrap_or_default();
                match items.find(|item| is_mobile_number(item)) {
                    Some(number) => (number.to_string(), true),
                    None => (first.to_string(), false),
                }
            }
        };
        if let Some(old) = row.value(phone).filter(|old| *old != chosen).map(str::to_string) {
            self.push_value(row, others, &old);
        }
        if !chosen.is_empty() {
            row.values.set(phone, &chosen);
        }
        mobile
    }

    /// The first number of the row's mobile column, normalized, if it has one.
    fn mobile_number(&self, record: &Record, phone: FieldId) -> Option<String> {
        let column = self.mobile_column?;
        let cell = first_phone(record.get(column)?).0;
        match self.normalizer_of(column).cell(self.schema.field(phone), cell) {
            Cell::Value(number) => Some(number.into_owned()),
            _ => None,
        }
    }

    /// `--whatsapp-from-mobile`: a row without a WhatsApp number gets its phone, when that is
    /// a mobile number (from a mobile column, or by its number type).
    fn whatsapp_from(&self, mobile: bool, row: &mut PreparedRow) {
        let (Some(phone), Some(whatsapp)) = (self.lists.phone, self.lists.whatsapp) else { return };
        if row.value(whatsapp).is_some() {
            return;
        }
        let Some(number) = row.value(phone) else { return };
        if mobile || is_mobile_number(number) {
            let number = number.to_string();
            row.values.set(whatsapp, &number);
        }
    }

    /// Leaves out of `other_emails` and `other_phones` what the row has as its e-mail, phone
    /// or WhatsApp number already (an export often repeats the first address among the
    /// others).
    fn drop_primary_from_lists(&self, row: &mut PreparedRow) {
        for (list_field, primaries) in &self.lists.primaries {
            let Some(items) = row.values.get(*list_field) else { continue };
            let list_type = self.schema.field(*list_field).field_type;
            let drop: Vec<String> = primaries
                .iter()
                .filter_map(|field| row.value(*field))
                .map(|value| list_item_key(list_type, value))
                .collect();
            if drop.is_empty() {
                continue;
            }
            let kept = merge_items(items, "", &drop, |item| list_item_key(list_type, item));
            match kept.is_empty() {
                true => row.values.remove(*list_field),
                false => row.values.set(*list_field, &kept),
            }
        }
    }

    /// Adds `value` of `field` to the row; a list field that several columns fill gathers
    /// their items.
    fn push_value(&self, row: &mut PreparedRow, field: FieldId, value: &str) {
        match row.values.get(field) {
            Some(have) => {
                let list_type = self.schema.field(field).field_type;
                let merged = merge_items(have, value, &[], |item| list_item_key(list_type, item));
                row.values.set(field, &merged);
            }
            None => row.values.set(field, value),
        }
    }

    fn check_shape(&self, record: &Record, row: &mut PreparedRow) {
        let error = |reason: String| FieldError {
            row: record.row,
            line: record.line,
            column: String::new(),
            value: String::new(),
            reason,
        };
        if let Some(problem) = &record.problem {
            row.errors.push(error(problem.clone()));
        }
        if let Some(note) = &record.note {
            row.notes.push(note.clone());
        }
        let (have, want) = (record.len(), self.headers.len());
        // A short row whose missing cells are all unmapped loses nothing: it is read as padded.
        let padded =
            have < want && self.mapping.columns.get(have..).is_none_or(|c| c.iter().all(Option::is_none));
        if have != want && !padded {
            let extra: Vec<&str> = record.iter().skip(want).collect();
            let detail = if extra.is_empty() {
                String::new()
            } else {
                format!(" (extra cells: {})", extra.join(" | "))
            };
            row.errors.push(error(format!(
                "the row has {have} cells but the header has {want}{detail}; \
                 fix the row so its cells line up with the header"
            )));
        }
    }

    fn prepare_cell(
        &self,
        record: &Record,
        column: usize,
        target: Target,
        cell: &str,
        row: &mut PreparedRow,
    ) {
        let header = &self.headers[column];
        let error = |reason: String| FieldError {
            row: record.row,
            line: record.line,
            column: header.clone(),
            value: cell.to_string(),
            reason,
        };
        match target {
            Target::Field(field) => {
                let def = self.schema.field(field);
                // A single address or number column may hold several (Google writes
                // `a@x.com ::: b@y.com`): the first is the value, the others are kept in
                // `other_emails` or `other_phones`.
                let (first, rest) = first_item(def.field_type, cell);
                let normalizer = self.normalizer_of(column);
                let (first_cell, left_out) = normalizer.list_cell(def, first);
                note_left_out(header, &left_out, row);
                if matches!(first_cell, Cell::Value(_)) {
                    note_extensions(header, def.field_type, first, normalizer, row);
                }
                match first_cell {
                    Cell::Empty => {}
                    Cell::Placeholder(p) => {
                        row.notes.push(format!("column {header:?}: {p:?} read as empty"));
                    }
                    Cell::Value(value) => {
                        if self.identifier_column == Some(column) {
                            row.key = self.identifier.map(|kind| match_key(kind, &value));
                        }
                        self.push_value(row, field, &value);
                    }
                    Cell::Invalid(reason) => row.errors.push(error(reason)),
                }
                let overflow = rest.and_then(|rest| Some((self.overflow_field(def.field_type)?, rest)));
                if let Some((list, rest)) = overflow {
                    let (rest_cell, left_out) = self.normalizer.list_cell(self.schema.field(list), rest);
                    note_left_out(header, &left_out, row);
                    if let Cell::Value(value) = rest_cell {
                        self.push_value(row, list, &value);
                        note_extensions(header, FieldType::Phones, rest, self.normalizer, row);
                    }
                }
            }
            Target::ContactId => {
                if cell.trim().is_empty() {
                    return;
                }
                match normalize_integer(cell) {
                    Ok(id) if self.identifier_column == Some(column) => row.key = Some(id),
                    Ok(_) => {}
                    Err(_) => row.errors.push(error("not a contact id (a whole number)".into())),
                }
            }
            Target::Tags => push_names(cell, &mut row.tags),
            Target::Lists => push_names(cell, &mut row.lists),
            Target::Subscription(channel) => {
                let trimmed = cell.trim();
                if trimmed.is_empty() {
                    return;
                }
                match SubscriptionStatus::parse_answer(trimmed) {
                    Some(status) => row.subscriptions.push((channel, status)),
                    None => row.errors.push(error(
                        "not a subscription status (use subscribed, unsubscribed or none, yes or \
                         no, opt-in or opt-out)"
                            .into(),
                    )),
                }
            }
        }
    }
}

/// Adds the tag or list names of `cell` to `names`, split by the one list rule for every
/// such cell (`list_items`). Google marks its system groups with `* ` (`* myContacts`,
/// `* starred`): those are no names. A name such as `-vip` first comes back with the formula
/// guard of a CSV export. A name is one name whatever its case; the first spelling is kept.
fn push_names(cell: &str, names: &mut Vec<String>) {
    for name in list_items(trimmed_unguarded(cell)) {
        if name.starts_with("* ") || names.iter().any(|n| same_name(n, name)) {
            continue;
        }
        names.push(name.to_string());
    }
}

/// Notes the further addresses or numbers of a cell that were left out, each with why: a
/// contact's additional values never make its row fail.
fn note_left_out(header: &str, left_out: &[ListError], row: &mut PreparedRow) {
    for bad in left_out {
        row.notes.push(format!("column {header:?}: {:?} left out: {}", bad.item, bad.reason));
    }
}

/// Notes the extensions (`x12`, `ext. 7`) of a phone cell's numbers: a number is stored in
/// E.164, which has no room for one, so the import says what it left out. Cells without a
/// letter, `;` or `#` (nearly all) have none and cost one byte scan.
fn note_extensions(
    header: &str,
    field_type: FieldType,
    cell: &str,
    normalizer: &Normalizer,
    row: &mut PreparedRow,
) {
    if !cell.bytes().any(|b| b.is_ascii_alphabetic() || b == b';' || b == b'#') {
        return;
    }
    let mut note = |number: &str| {
        if let Some(extension) = phone_extension(number, normalizer.default_region) {
            row.notes.push(format!(
                "column {header:?}: extension {extension:?} of {:?} left out (a phone is stored as the number alone)",
                number.trim()
            ));
        }
    };
    match field_type {
        FieldType::Phone => note(cell),
        FieldType::Phones => phone_items(cell).into_iter().for_each(note),
        _ => {}
    }
}

/// The first item of a cell of an e-mail or phone field that may hold several, and the rest
/// (other types are never split).
fn first_item(field_type: FieldType, cell: &str) -> (&str, Option<&str>) {
    match field_type {
        FieldType::Email => first_email(cell),
        FieldType::Phone => first_phone(cell),
        _ => (cell, None),
    }
}

/// The key under which two items of a list of `list_type` are the same.
fn list_item_key(list_type: FieldType, item: &str) -> String {
    match list_type {
        FieldType::Emails => email_match_key(item),
        _ => item.to_string(),
    }
}

/// The target whose column carries identifier `kind`.
pub fn identifier_target(schema: &Schema, kind: IdentifierKind) -> Option<Target> {
    match kind {
        IdentifierKind::Id => Some(Target::ContactId),
        IdentifierKind::Email => schema.field_id("email").map(Target::Field),
        IdentifierKind::Phone => schema.field_id("phone").map(Target::Field),
        IdentifierKind::ExternalId => schema.field_id("external_id").map(Target::Field),
    }
}

/// The key a normalized identifier value is compared by.
pub fn match_key(kind: IdentifierKind, normalized: &str) -> String {
    match_key_of(kind, normalized).into_owned()
}

/// [`match_key`], borrowing the value where it is its own key (see [`has_match_key`]).
pub fn match_key_of(kind: IdentifierKind, normalized: &str) -> Cow<'_, str> {
    match kind {
        IdentifierKind::Email => email_match_key_of(normalized),
        _ => Cow::Borrowed(normalized),
    }
}

/// Whether `match_key(kind, normalized)` is `key`, without making the key where it is the
/// value itself (every value but an e-mail address with a non-ASCII domain): matching checks
/// it for every loaded contact.
pub fn has_match_key(kind: IdentifierKind, normalized: &str, key: &str) -> bool {
    match_key_of(kind, normalized) == key
}

/// Keys under which a deleted contact's unsubscribes are remembered: `email:<key>` and
/// `phone:<E.164>` for each e-mail and phone-typed value.
pub fn suppression_keys<'v>(
    schema: &Schema,
    values: impl IntoIterator<Item = (FieldId, &'v str)>,
) -> Vec<String> {
    let mut keys = Vec::new();
    for (field, value) in values {
        let key = match schema.field(field).field_type {
            FieldType::Email => format!("email:{}", email_match_key(value)),
            FieldType::Phone => format!("phone:{value}"),
            _ => continue,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}
