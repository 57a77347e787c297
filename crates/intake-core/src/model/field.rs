//! Field definitions: the built-in fields every workspace has, custom fields a workspace
//! declares, and the [`Schema`] that puts them in one indexable list.

use std::fmt;

use super::Channel;

/// Position of a field in its [`Schema`]; contact values are stored in this order.
pub type FieldId = usize;

/// The type of a field decides how its cells are normalized and validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Free text, trimmed.
    Text,
    /// An e-mail address, syntax-checked, lower-cased.
    Email,
    /// A phone number, stored in E.164.
    Phone,
    /// A calendar date, stored as `yyyy-mm-dd`.
    Date,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// `true` or `false`.
    Boolean,
    /// One of the field's declared choice ids.
    Choice,
    /// Several of the field's declared choice ids, `|`-separated.
    MultiChoice,
    /// An http(s) URL.
    Url,
    /// Several e-mail addresses, `|`-separated, each checked and lower-cased.
    Emails,
    /// Several phone numbers, `|`-separated, each in E.164.
    Phones,
    /// Several lines of free text (postal addresses), `|`-separated, each on one line.
    Texts,
}

impl FieldType {
    /// Every type, for help texts.
    pub const ALL: [FieldType; 13] = [
        FieldType::Text,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Date,
        FieldType::Integer,
        FieldType::Decimal,
        FieldType::Boolean,
        FieldType::Choice,
        FieldType::MultiChoice,
        FieldType::Url,
        FieldType::Emails,
        FieldType::Phones,
        FieldType::Texts,
    ];

    /// The type's name as written on the command line and in the store.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Date => "date",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Boolean => "boolean",
            FieldType::Choice => "choice",
            FieldType::MultiChoice => "multi_choice",
            FieldType::Url => "url",
            FieldType::Emails => "emails",
            FieldType::Phones => "phones",
            FieldType::Texts => "texts",
        }
    }

    /// Whether a value holds several items, so that several columns may fill it (the
    /// second, third … e-mail columns of an export).
    pub fn is_list(self) -> bool {
        matches!(self, FieldType::Emails | FieldType::Phones | FieldType::Texts)
    }

    /// The type called `name`.
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a field is built in (a column of its own in the store) or declared by the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Every workspace has it.
    Builtin,
    /// Declared with `intake fields add`.
    Custom,
}

/// One field of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Machine name: lower case, digits and `_`.
    pub name: String,
    /// Human label, also matched against headers.
    pub label: String,
    /// How values are validated.
    pub field_type: FieldType,
    /// Declared ids for choice and multi_choice fields.
    pub choices: Vec<String>,
    /// Built in or custom.
    pub kind: FieldKind,
    /// Other header spellings that map to this field.
    pub aliases: Vec<String>,
}

/// `(name, label, type, aliases)` of every built-in field, in store column order.
pub const BUILTIN_FIELDS: &[(&str, &str, FieldType, &[&str])] = &[
    ("first_name", "First Name", FieldType::Text, &["firstname", "given name", "forename"]),
    ("last_name", "Last Name", FieldType::Text, &["lastname", "surname", "family name"]),
    ("email", "Email", FieldType::Email, &["e-mail", "email address", "e-mail address"]),
    ("phone", "Phone", FieldType::Phone, &["phone number", "telephone"]),
    ("whatsapp", "WhatsApp", FieldType::Phone, &["whatsapp number"]),
    ("company", "Company", FieldType::Text, &["organization", "organisation"]),
    // `Title` alone is a lexicon word, not an alias: beside `Job Title` it is a name prefix.
    ("job_title", "Job Title", FieldType::Text, &["position"]),
    ("birthday", "Birthday", FieldType::Date, &["date of birth", "birth date"]),
    ("city", "City", FieldType::Text, &["town"]),
    ("country", "Country", FieldType::Text, &[]),
    ("language", "Language", FieldType::Text, &[]),
    ("notes", "Notes", FieldType::Text, &["note", "comments"]),
    ("external_id", "External ID", FieldType::Text, &[]),
    // Further addresses and numbers, `|`-separated: nothing of a card with several is lost.
    ("other_emails", "Other Emails", FieldType::Emails, &["additional emails", "more emails"]),
    ("other_phones", "Other Phones", FieldType::Phones, &["additional phones", "more phones"]),
    // What a CRM keeps beyond the basics: the postal address, the name's parts, the web.
    ("street", "Street", FieldType::Text, &["street address", "address line 1"]),
    ("postal_code", "Postal Code", FieldType::Text, &["zip", "zip code", "postcode", "post code"]),
    ("region", "Region", FieldType::Text, &["state", "province", "state/province"]),
    ("website", "Website", FieldType::Text, &["web site", "web page", "homepage", "url"]),
    ("department", "Department", FieldType::Text, &[]),
    ("middle_name", "Middle Name", FieldType::Text, &["additional name"]),
    ("name_prefix", "Name Prefix", FieldType::Text, &["prefix", "honorific prefix"]),
    ("name_suffix", "Name Suffix", FieldType::Text, &["suffix", "honorific suffix"]),
    ("nickname", "Nickname", FieldType::Text, &["nick name"]),
    ("gender", "Gender", FieldType::Text, &["sex"]),
    // The addresses after the first, each on one line.
    ("other_addresses", "Other Addresses", FieldType::Texts, &["additional addresses", "more addresses"]),
];

/// Why a custom field cannot be declared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The name is not lower case letters, digits and `_`, starting with a letter.
    #[error("field name {0:?} must start with a letter and hold only a-z, 0-9 and _")]
    BadName(String),
    /// A field or pseudo-field already has that name.
    #[error("a field named {0:?} already exists")]
    Taken(String),
    /// A choice field needs choices; other types take none.
    #[error("{0}")]
    BadChoices(String),
}

/// Where a column's values go: a field, or one of the targets that are not fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A field of the schema.
    Field(FieldId),
    /// The contact's id (only as an identifier, to update existing contacts).
    ContactId,
    /// `|`-separated tags to add.
    Tags,
    /// `|`-separated names of the static lists the contact joins (as `--list` does).
    Lists,
    /// Subscription status for a channel.
    Subscription(Channel),
}

/// The fields of a workspace: built-ins first, then custom fields in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    fields: Vec<FieldDef>,
}

impl Default for Schema {
    fn default() -> Self {
        Schema::builtin()
    }
}

impl Schema {
    /// A schema with only the built-in fields.
    pub fn builtin() -> Schema {
        let fields = BUILTIN_FIELDS
            .iter()
            .map(|(name, label, field_type, aliases)| FieldDef {
                name: (*name).to_string(),
                label: (*label).to_string(),
                field_type: *field_type,
                choices: Vec::new(),
                kind: FieldKind::Builtin,
                aliases: aliases.iter().map(|a| (*a).to_string()).collect(),
            })
            .collect();
        Schema { fields }
    }

    /// Adds a custom field after checking its name and choices.
    pub fn add_custom(&mut self, field: FieldDef) -> Result<FieldId, SchemaError> {
        if self.target_by_name(&field.name).is_some() {
            return Err(SchemaError::Taken(field.name));
        }
        self.add_stored(field)
    }

    /// Adds a custom field a store declared earlier. Unlike [`Schema::add_custom`] it takes a
    /// name that a target other than a field has since taken (`lists`): the workspace still
    /// opens, and the name means the target.
    pub fn add_stored(&mut self, field: FieldDef) -> Result<FieldId, SchemaError> {
        Self::check_custom(&field)?;
        if self.field_id(&field.name).is_some() {
            return Err(SchemaError::Taken(field.name));
        }
        self.fields.push(field);
        Ok(self.fields.len() - 1)
    }

    fn check_custom(field: &FieldDef) -> Result<(), SchemaError> {
        let mut chars = field.name.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !starts_with_letter || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(SchemaError::BadName(field.name.clone()));
        }
        let wants_choices = matches!(field.field_type, FieldType::Choice | FieldType::MultiChoice);
        if wants_choices && field.choices.is_empty() {
            return Err(SchemaError::BadChoices(format!("a {} field needs --choices", field.field_type)));
        }
        if !wants_choices && !field.choices.is_empty() {
            return Err(SchemaError::BadChoices(format!("a {} field takes no choices", field.field_type)));
        }
        if let Some(bad) = field.choices.iter().find(|c| c.trim().is_empty() || c.contains('|')) {
            return Err(SchemaError::BadChoices(format!(
                "choice id {bad:?} must be non-empty and hold no '|'"
            )));
        }
        Ok(())
    }

    /// All fields, indexable by [`FieldId`].
    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    /// The field with this id.
    pub fn field(&self, id: FieldId) -> &FieldDef {
        &self.fields[id]
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the schema has no field (never true: built-ins are always there).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The id of the field called `name`.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The target called `name`: a field, `id`, `tags`, `lists` or a `<channel>_subscription`.
    pub fn target_by_name(&self, name: &str) -> Option<Target> {
        match name {
            "id" => return Some(Target::ContactId),
            "tags" => return Some(Target::Tags),
            "lists" => return Some(Target::Lists),
            _ => {}
        }
        if let Some(channel) = Channel::ALL.into_iter().find(|c| c.field_name() == name) {
            return Some(Target::Subscription(channel));
        }
        self.field_id(name).map(Target::Field)
    }

    /// The machine name of a target, as used in `--map` and results messages.
    pub fn target_name(&self, target: Target) -> &str {
        match target {
            Target::Field(id) => &self.fields[id].name,
            Target::ContactId => "id",
            Target::Tags => "tags",
            Target::Lists => "lists",
            Target::Subscription(channel) => channel.field_name(),
        }
    }

    /// Every target with the names and labels a header may match.
    pub fn targets_with_names(&self) -> Vec<(Target, Vec<String>)> {
        let mut out: Vec<(Target, Vec<String>)> = vec![
            (Target::ContactId, vec!["id".into(), "Contact ID".into()]),
            (Target::Tags, vec!["tags".into(), "Tags".into(), "Tag".into()]),
            (Target::Lists, vec!["lists".into(), "Lists".into(), "List".into()]),
        ];
        for channel in Channel::ALL {
            let label = format!("{} Subscription", channel.name());
            out.push((Target::Subscription(channel), vec![channel.field_name().into(), label]));
        }
        for (id, field) in self.fields.iter().enumerate() {
            let mut names = vec![field.name.clone(), field.label.clone()];
            names.extend(field.aliases.iter().cloned());
            out.push((Target::Field(id), names));
        }
        out
    }
}
