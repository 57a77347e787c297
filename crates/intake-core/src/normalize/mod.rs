//! Normalizers: one raw cell in, a canonical value (or a reason it is invalid) out.
//!
//! Each field type has its own module. Every normalizer is idempotent (normalizing its own
//! output returns the same text) and total (any string gives `Ok` or `Err`, never a panic);
//! the property tests in `tests/normalize_props.rs` hold them to both.

mod email;
mod list;
mod number;
mod phone;
pub mod phone_util;
mod text;

pub use email::{EmailError, email_match_key, email_match_key_of, normalize_email, normalize_email_fully};
pub use list::{
    LIST_SEPARATOR, ListError, first_email, first_phone, join_names, list_items, merge_items,
    normalize_emails, normalize_emails_keeping, normalize_phones, normalize_phones_keeping, normalize_texts,
    phone_items, same_name,
};
pub use number::{
    BooleanError, DateError, NumberError, boolean_word, is_empty_date, normalize_boolean, normalize_date,
    normalize_decimal, normalize_decimal_with_mark, normalize_integer,
};
pub use phone::{PhoneError, Region, is_mobile_number, normalize_phone, parse_region, phone_extension};
pub use text::{ChoiceError, UrlError, normalize_choice, normalize_multi_choice, normalize_url};

use std::borrow::Cow;

use crate::model::{FieldDef, FieldType};

/// What a cell turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    /// The cell was empty or only spaces.
    Empty,
    /// The cell held only a placeholder such as `n/a`; it counts as empty. Holds the placeholder.
    Placeholder(String),
    /// A valid value in canonical form: the cell's own text where that is canonical already
    /// (most text), so that a row's cells are not each copied on their way to the row.
    Value(Cow<'a, str>),
    /// The value does not validate; the reason says why.
    Invalid(String),
}

/// Settings shared by every normalizer of one import.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// Region assumed for phone numbers written without an international prefix.
    pub default_region: Option<Region>,
    /// A strftime-style format (`%d/%m/%Y`) for date cells; ISO 8601 when `None`.
    pub date_format: Option<String>,
    /// The decimal mark of decimal cells (`,` or `.`) when they group thousands with the
    /// other one; `None` for plain `-1234.56`.
    pub decimal_mark: Option<char>,
}

/// Placeholders users type for "no value". `none` is one only where it is not a declared choice.
pub(crate) const PLACEHOLDERS: [&str; 4] = ["-", "n/a", "null", "none"];

impl Normalizer {
    /// Normalizes one cell for `field`.
    pub fn cell<'a>(&self, field: &FieldDef, raw: &'a str) -> Cell<'a> {
        let trimmed = trimmed_unguarded(raw);
        if trimmed.is_empty() {
            return Cell::Empty;
        }
        if is_placeholder(field, trimmed) {
            return Cell::Placeholder(trimmed.to_string());
        }
        if field.field_type == FieldType::Date && is_empty_date(trimmed) {
            return Cell::Empty;
        }
        match self.value(field, trimmed) {
            Ok(value) => Cell::Value(value),
            Err(reason) => Cell::Invalid(reason),
        }
    }

    /// Normalizes one cell for `field` as [`Normalizer::cell`] does, except that a list of
    /// e-mail addresses or phone numbers (a contact's further ones, which never make a row
    /// fail) keeps its good items: the bad ones come back, each with why, to be noted.
    pub fn list_cell<'a>(&self, field: &FieldDef, raw: &'a str) -> (Cell<'a>, Vec<ListError>) {
        let is_list = matches!(field.field_type, FieldType::Emails | FieldType::Phones);
        let trimmed = trimmed_unguarded(raw);
        if !is_list || trimmed.is_empty() || is_placeholder(field, trimmed) {
            return (self.cell(field, raw), Vec::new());
        }
        let (list, bad) = match field.field_type {
            FieldType::Emails => normalize_emails_keeping(trimmed),
            _ => normalize_phones_keeping(trimmed, self.default_region),
        };
        (list_value(list), bad)
    }

    /// `text` is trimmed already. Free text and most e-mail addresses are canonical as they
    /// stand and come back borrowed; every other type makes text of its own.
    fn value<'a>(&self, field: &FieldDef, text: &'a str) -> Result<Cow<'a, str>, String> {
        let reason = |e: &dyn std::fmt::Display| e.to_string();
        let owned = match field.field_type {
            FieldType::Text => return Ok(Cow::Borrowed(text)),
            FieldType::Email => return email::normalize_email_of(text).map_err(|e| reason(&e)),
            FieldType::Phone => normalize_phone(text, self.default_region).map_err(|e| reason(&e)),
            FieldType::Date => normalize_date(text, self.date_format.as_deref()).map_err(|e| reason(&e)),
            FieldType::Integer => normalize_integer(text).map_err(|e| reason(&e)),
            FieldType::Decimal => match self.decimal_mark {
                Some(mark) => normalize_decimal_with_mark(text, mark).map_err(|e| reason(&e)),
                None => normalize_decimal(text).map_err(|e| reason(&e)),
            },
            FieldType::Boolean => normalize_boolean(text).map_err(|e| reason(&e)),
            FieldType::Choice => normalize_choice(text, &field.choices).map_err(|e| reason(&e)),
            FieldType::MultiChoice => normalize_multi_choice(text, &field.choices).map_err(|e| reason(&e)),
            FieldType::Url => normalize_url(text).map_err(|e| reason(&e)),
            FieldType::Emails => normalize_emails(text).map_err(|e| reason(&e)),
            FieldType::Phones => normalize_phones(text, self.default_region).map_err(|e| reason(&e)),
            FieldType::Texts => normalize_texts(text).map_err(|e| reason(&e)),
        };
        owned.map(Cow::Owned)
    }
}

/// The cell a list of kept items makes: empty when every item was left out.
fn list_value<'a>(list: String) -> Cell<'a> {
    if list.is_empty() { Cell::Empty } else { Cell::Value(Cow::Owned(list)) }
}

/// What goes before `cell` in a CSV file a spreadsheet will open: `'` when a spreadsheet
/// would run the cell as a formula, which spreadsheets then show as text; nothing otherwise.
/// A formula starts with `=`, `@`, a tab or a carriage return (`=HYPERLINK(…)`,
/// `=cmd|' /C calc'!A0`), or with `+` or `-` followed by anything but a number or a phone
/// number (`+cmd|…`, `-2+3*A1`): `+4915123456789`, `-2` and `+49 (0)151 234-567` are data
/// and are written as they are, so an export holds the E.164 number exactly. Intake's CSV
/// export and its results and error files write the guard, and [`strip_formula_guard`] takes
/// it off again. Most cells are decided by their first byte: the results file is written on
/// the import's hot path.
#[inline]
pub fn formula_guard(cell: &str) -> &'static str {
    if runs_as_formula(cell) { "'" } else { "" }
}

#[inline]
fn runs_as_formula(cell: &str) -> bool {
    match cell.as_bytes().split_first() {
        Some((b'=' | b'@' | b'\t' | b'\r', _)) => true,
        Some((b'+' | b'-', rest)) => !is_number_or_phone(rest),
        _ => false,
    }
}

/// Whether `rest` (a cell after its sign) is a number or a phone number: digits with the
/// marks numbers and phones are written with, and no letter, operator or other sign a
/// formula needs to do anything.
fn is_number_or_phone(rest: &[u8]) -> bool {
    rest.iter().any(u8::is_ascii_digit)
        && rest
            .iter()
            .all(|&b| b.is_ascii_digit() || matches!(b, b' ' | b'.' | b',' | b'(' | b')' | b'-' | b'/'))
}

/// Whether `cell` starts as a guarded cell may continue after its `'`: this is broader than
/// [`formula_guard`]'s rule, as older intake versions and other programs guard every cell
/// that starts with `+` or `-`.
#[inline]
fn starts_like_formula(cell: &str) -> bool {
    matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The cell without the `'` of a [`formula_guard`] (intake's own exports and results files
/// write it, and so do many other spreadsheet-safe exports), so that exported phones and
/// values read back unchanged.
pub fn strip_formula_guard(cell: &str) -> &str {
    let unguarded = cell.trim_start_matches('\'');
    if unguarded.len() < cell.len() && starts_like_formula(unguarded) { unguarded } else { cell }
}

/// `cell` without the spaces around it and the `'` of a [`formula_guard`]: a cell reads
/// the same with its guard as without. The guard comes off before the spaces (a guarded cell
/// may start with a tab), and again while they alternate (`'` `\t` `'=…`).
pub fn trimmed_unguarded(cell: &str) -> &str {
    let mut text = cell.trim_start();
    loop {
        let unguarded = strip_formula_guard(text);
        if unguarded.len() == text.len() {
            return text.trim_end();
        }
        text = unguarded.trim_start();
    }
}

/// Whether `trimmed` is a placeholder for an empty value in `field`.
pub fn is_placeholder(field: &FieldDef, trimmed: &str) -> bool {
    let Some(placeholder) = PLACEHOLDERS.iter().find(|p| p.eq_ignore_ascii_case(trimmed)) else {
        return false;
    };
    let is_declared_choice = field.choices.iter().any(|c| c.eq_ignore_ascii_case(placeholder));
    !is_declared_choice
}
