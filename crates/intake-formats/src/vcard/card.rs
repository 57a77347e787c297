//! One card's values, collected property by property and written as one row of the fixed
//! columns in [`COLUMNS`]: the preferred (or first) e-mail and phone as the primary values,
//! a mobile phone by TYPE or label, the home (else work, else preferred) address as the
//! contact's own, and every other e-mail, phone and address kept in an `Other …` column,
//! `|`-separated, so that no value of the card is lost.

use intake_core::model::Channel;
use intake_core::normalize::join_names;
use intake_core::read::Record;

use crate::export::vcard_text::{field_of_property, intake_property};

use super::property::{Params, Place, Property, split_unescaped, unescape};

/// The columns of every vCard row, in order. The engine maps every one by itself except
/// Full Name (FN; the name's parts are mapped); External ID is from UID, Tags from
/// CATEGORIES, Language from LANG, and Lists and the subscriptions from intake's own
/// `X-INTAKE-LISTS` and `X-INTAKE-<CHANNEL>-SUBSCRIPTION` (see [`intake_property`]). After
/// them come the columns of the custom fields the source was asked for
/// (`VcardSource::with_fields`).
pub const COLUMNS: [&str; 32] = [
    "Full Name",
    "Prefix",
    "First Name",
    "Middle Name",
    "Last Name",
    "Suffix",
    "Nickname",
    "Gender",
    "Company",
    "Department",
    "Job Title",
    "Email",
    "Other Emails",
    "Phone",
    "WhatsApp",
    "Other Phones",
    "Street",
    "City",
    "Region",
    "Postal Code",
    "Country",
    "Other Addresses",
    "Birthday",
    "Notes",
    "Website",
    "External ID",
    "Tags",
    "Lists",
    "Language",
    "Email Subscription",
    "SMS Subscription",
    "WhatsApp Subscription",
];

/// The properties of the subscription columns, in [`Channel::ALL`] order.
fn subscription_properties() -> [String; 3] {
    Channel::ALL.map(|channel| intake_property(channel.field_name()))
}

/// The properties [`Card::apply`] uses, besides intake's own (`X-INTAKE-…`).
const KEPT: [&[u8]; 17] = [
    b"FN",
    b"N",
    b"NICKNAME",
    b"GENDER",
    b"ORG",
    b"X-DEPARTMENT",
    b"TITLE",
    b"EMAIL",
    b"TEL",
    b"ADR",
    b"BDAY",
    b"NOTE",
    b"URL",
    b"UID",
    b"CATEGORIES",
    b"X-ABLABEL",
    b"LANG",
];

/// The start of intake's own properties' names.
const INTAKE: &[u8] = b"X-INTAKE-";

/// Bytes counted for each kept value on top of its text (its place in a list).
const VALUE_OVERHEAD: usize = 32;

/// An e-mail or phone with what decides where it goes.
#[derive(Debug, Clone, Default)]
struct Entry {
    value: String,
    group: Option<String>,
    mobile: bool,
    whatsapp: bool,
    pref: u32,
}

/// An address: PO box, extended, street, locality, region, postal code, country.
#[derive(Debug, Clone, Default)]
struct Address {
    parts: [String; 7],
    place: Place,
    pref: u32,
}

/// The values of the card being read.
#[derive(Debug, Default)]
pub(crate) struct Card {
    full_name: String,
    /// Family, given, additional, prefix, suffix.
    name: Option<[String; 5]>,
    nicknames: Vec<String>,
    gender: String,
    company: String,
    department: String,
    title: String,
    emails: Vec<Entry>,
    phones: Vec<Entry>,
    addresses: Vec<Address>,
    birthday: String,
    notes: Vec<String>,
    urls: Vec<String>,
    uid: String,
    categories: Vec<String>,
    /// `(group, label)` from `itemN.X-ABLabel`.
    labels: Vec<(String, String)>,
    /// The preferred LANG: its preference and value.
    language: Option<(u32, String)>,
    /// From `X-INTAKE-LISTS`.
    lists: Vec<String>,
    /// From `X-INTAKE-<CHANNEL>-SUBSCRIPTION`, in [`Channel::ALL`] order.
    subscriptions: [String; 3],
    /// `(field, value)` from `X-INTAKE-FIELD-<NAME>`.
    custom: Vec<(String, String)>,
    kept: usize,
}

impl Card {
    /// Empties the card for reuse.
    pub fn clear(&mut self) {
        *self = Card::default();
    }

    /// Counts `bytes` of kept text; `false` once the card holds more than `max`.
    pub fn keep(&mut self, bytes: usize, max: usize) -> bool {
        self.kept = self.kept.saturating_add(bytes + VALUE_OVERHEAD);
        self.kept <= max
    }

    /// Whether a property with this name is kept (the others are ignored).
    pub fn keeps(name: &[u8]) -> bool {
        let intake = name.get(..INTAKE.len()).is_some_and(|start| start.eq_ignore_ascii_case(INTAKE));
        intake || KEPT.iter().any(|kept| kept.eq_ignore_ascii_case(name))
    }

    /// Takes the decoded `text` of `property` into the card.
    pub fn apply(&mut self, property: &Property<'_>, text: &str) {
        let name = property.name.to_ascii_uppercase();
        let params = &property.params;
        match name.as_slice() {
            b"FN" => set_once(&mut self.full_name, clean(&unescape(text))),
            b"N" => self.set_name(text),
            b"NICKNAME" => self.nicknames.extend(list(text)),
            b"GENDER" => set_once(&mut self.gender, gender(&clean(&unescape(text)))),
            b"ORG" => self.set_org(text),
            b"X-DEPARTMENT" => set_once(&mut self.department, clean(&unescape(text))),
            b"TITLE" => set_once(&mut self.title, clean(&unescape(text))),
            b"EMAIL" => push_entry(&mut self.emails, property, strip_scheme(text, "mailto:")),
            b"TEL" => push_entry(&mut self.phones, property, strip_scheme(text, "tel:")),
            b"ADR" => self.push_address(text, params),
            b"BDAY" => set_once(&mut self.birthday, birthday(&clean(&unescape(text)), params)),
            b"NOTE" => push_nonempty(&mut self.notes, unescape(text).trim().to_string()),
            b"URL" => push_nonempty(&mut self.urls, clean(&unescape(text))),
            b"UID" => set_once(&mut self.uid, clean(&unescape(text))),
            b"CATEGORIES" => add_new(&mut self.categories, list(text)),
            b"X-ABLABEL" => self.add_label(property.group, text),
            b"LANG" => self.set_language(text, params),
            b"X-INTAKE-LISTS" => add_new(&mut self.lists, list(text)),
            _ => self.apply_intake(&String::from_utf8_lossy(&name), text),
        }
    }

    /// Takes a value of intake's own properties other than the lists: a subscription, or a
    /// custom field's value (written as text, `|` between the items of a list).
    fn apply_intake(&mut self, name: &str, text: &str) {
        if let Some(field) = field_of_property(name) {
            if !self.custom.iter().any(|(f, _)| *f == field) {
                self.custom.push((field, unescape(text).trim().to_string()));
            }
        } else if let Some(at) = subscription_properties().iter().position(|p| p.as_str() == name) {
            set_once(&mut self.subscriptions[at], clean(&unescape(text)));
        }
    }

    /// LANG: the preferred one (lowest PREF), else the first.
    fn set_language(&mut self, text: &str, params: &Params) {
        let pref = params.pref.unwrap_or(u32::MAX);
        let value = clean(&unescape(text));
        if !value.is_empty() && self.language.as_ref().is_none_or(|(best, _)| pref < *best) {
            self.language = Some((pref, value));
        }
    }

    /// Whether the card has a name (FN or N) already.
    pub fn has_name(&self) -> bool {
        !self.full_name.is_empty() || self.name.is_some()
    }

    fn set_name(&mut self, text: &str) {
        if self.name.is_some() {
            return;
        }
        let mut parts = split_unescaped(text, ';').into_iter().map(|p| clean(&p));
        self.name = Some(std::array::from_fn(|_| parts.next().unwrap_or_default()));
    }

    fn set_org(&mut self, text: &str) {
        if !self.company.is_empty() {
            return;
        }
        let parts: Vec<String> = split_unescaped(text, ';').iter().map(|p| clean(p)).collect();
        let mut parts = parts.into_iter();
        self.company = parts.next().unwrap_or_default();
        let units: Vec<String> = parts.filter(|p| !p.is_empty()).collect();
        if !units.is_empty() {
            self.department = units.join(", ");
        }
    }

    fn push_address(&mut self, text: &str, params: &Params) {
        // A street of two lines (`Gartenweg 3\nHinterhaus`) is kept as `Gartenweg 3, Hinterhaus`.
        let one_line =
            |part: &str| part.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ");
        let mut parts = split_unescaped(text, ';').into_iter().map(|p| one_line(&p));
        let parts: [String; 7] = std::array::from_fn(|_| parts.next().unwrap_or_default());
        if parts.iter().any(|p| !p.is_empty()) {
            let pref = params.pref.unwrap_or(u32::MAX);
            self.addresses.push(Address { parts, place: params.place, pref });
        }
    }

    fn add_label(&mut self, group: Option<&[u8]>, text: &str) {
        if let Some(group) = group {
            let group = String::from_utf8_lossy(group).to_ascii_lowercase();
            self.labels.push((group, clean(&unescape(text))));
        }
    }

    /// Writes the card as one row of [`COLUMNS`].
    pub fn write(&self, record: &mut Record) {
        record.push(&self.full_name);
        let empty: [String; 5] = Default::default();
        let [family, given, middle, prefix, suffix] = self.name.as_ref().unwrap_or(&empty);
        for part in [prefix, given, middle, family, suffix] {
            record.push(part);
        }
        record.push(&self.nicknames.join(", "));
        record.push(&self.gender);
        record.push(&self.company);
        record.push(&self.department);
        record.push(&self.title);
        let (email, other_emails) = primary_and_rest(self.emails.iter().collect());
        record.push(email);
        record.push(&other_emails);
        self.write_phones(record);
        self.write_addresses(record);
        record.push(&self.birthday);
        record.push(&self.notes.join("\n"));
        record.push(&self.urls.join("|"));
        record.push(&self.uid);
        record.push(&join_names(&self.categories));
        record.push(&join_names(&self.lists));
        record.push(self.language.as_ref().map_or("", |(_, language)| language.as_str()));
        for status in &self.subscriptions {
            record.push(status);
        }
    }

    /// Writes the values of the custom fields `fields` (their columns follow [`COLUMNS`]).
    pub fn write_custom(&self, fields: &[String], record: &mut Record) {
        for field in fields {
            record.push(self.custom.iter().find(|(f, _)| f == field).map_or("", |(_, value)| value.as_str()));
        }
    }

    /// The custom fields the card has a value of that are not among `fields`.
    pub fn other_fields<'c>(&'c self, fields: &'c [String]) -> impl Iterator<Item = &'c str> + 'c {
        self.custom.iter().map(|(f, _)| f.as_str()).filter(|f| !fields.iter().any(|known| known == f))
    }

    /// `Phone` is the number people message: the preferred one, else the first mobile (TYPE
    /// `CELL` or a mobile label), else the first. `WhatsApp` is only a number whose TYPE or
    /// label says WhatsApp. `Other Phones` has the rest, in file order.
    fn write_phones(&self, record: &mut Record) {
        let whatsapp = self.phones.iter().position(|p| p.whatsapp || self.label_says(p, is_whatsapp_label));
        let rest = || self.phones.iter().enumerate().filter(move |(i, _)| Some(*i) != whatsapp);
        let is_mobile = |p: &Entry| p.mobile || self.label_says(p, is_mobile_label);
        let phone = rest().min_by_key(|(i, p)| (p.pref, !is_mobile(p), *i)).map(|(i, _)| i);
        let others: Vec<&str> =
            rest().filter(|(i, _)| Some(*i) != phone).map(|(_, p)| p.value.as_str()).collect();
        record.push(phone.map_or("", |i| self.phones[i].value.as_str()));
        record.push(whatsapp.map_or("", |i| self.phones[i].value.as_str()));
        record.push(&others.join("|"));
    }

    /// Whether the `itemN.X-ABLabel` of `entry`'s group satisfies `says`.
    fn label_says(&self, entry: &Entry, says: fn(&str) -> bool) -> bool {
        let Some(group) = &entry.group else { return false };
        self.labels.iter().any(|(g, label)| g == group && says(label))
    }

    fn write_addresses(&self, record: &mut Record) {
        // The contact's own address: home first, then work, then the preferred or first.
        let primary =
            self.addresses.iter().enumerate().min_by_key(|(i, a)| (a.place, a.pref, *i)).map(|(i, _)| i);
        match primary.map(|i| &self.addresses[i]) {
            Some(address) => {
                let [po_box, extended, street, city, region, postal, country] = &address.parts;
                let street_line: Vec<&str> = [street, extended, po_box]
                    .into_iter()
                    .map(String::as_str)
                    .filter(|s| !s.is_empty())
                    .collect();
                record.push(&street_line.join(", "));
                for part in [city, region, postal, country] {
                    record.push(part);
                }
            }
            None => (0..5).for_each(|_| record.push("")),
        }
        let others: Vec<String> = self
            .addresses
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != primary)
            .map(|(_, a)| one_line_address(a))
            .collect();
        record.push(&others.join("|"));
    }
}

/// The preferred entry (lowest PREF, first among equals) and the rest, `|`-joined in order.
fn primary_and_rest(entries: Vec<&Entry>) -> (&str, String) {
    let Some(best) = entries.iter().enumerate().min_by_key(|(i, e)| (e.pref, *i)).map(|(i, _)| i) else {
        return ("", String::new());
    };
    let rest: Vec<&str> =
        entries.iter().enumerate().filter(|(i, _)| *i != best).map(|(_, e)| e.value.as_str()).collect();
    (entries[best].value.as_str(), rest.join("|"))
}

fn one_line_address(address: &Address) -> String {
    let [po_box, extended, street, city, region, postal, country] = &address.parts;
    let city_line =
        [postal.as_str(), city.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
    let city_line = city_line.join(" ");
    [street.as_str(), extended, po_box, &city_line, region, country]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn push_entry(list: &mut Vec<Entry>, property: &Property<'_>, text: &str) {
    let value = clean(&unescape(text));
    if value.is_empty() {
        return;
    }
    let group = property.group.map(|g| String::from_utf8_lossy(g).to_ascii_lowercase());
    let params = &property.params;
    let pref = params.pref.unwrap_or(u32::MAX);
    list.push(Entry { value, group, mobile: params.mobile, whatsapp: params.whatsapp, pref });
}

/// Adds the `items` that `list` does not hold yet.
fn add_new(list: &mut Vec<String>, items: impl Iterator<Item = String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

fn push_nonempty(list: &mut Vec<String>, value: String) {
    if !value.is_empty() {
        list.push(value);
    }
}

fn set_once(slot: &mut String, value: String) {
    if slot.is_empty() {
        *slot = value;
    }
}

/// A comma-separated list (NICKNAME, CATEGORIES), unescaped, without empty items.
fn list(text: &str) -> impl Iterator<Item = String> {
    split_unescaped(text, ',').into_iter().map(|item| clean(&item)).filter(|item| !item.is_empty())
}

/// Trims and turns line breaks into spaces (single-line values).
fn clean(text: &str) -> String {
    let text = text.trim();
    if text.contains('\n') {
        text.split('\n').map(str::trim).collect::<Vec<_>>().join(" ")
    } else {
        text.to_string()
    }
}

fn strip_scheme<'t>(text: &'t str, scheme: &str) -> &'t str {
    let trimmed = text.trim_start();
    match trimmed.get(..scheme.len()) {
        Some(start) if start.eq_ignore_ascii_case(scheme) => &trimmed[scheme.len()..],
        _ => text,
    }
}

/// Whether an `X-ABLabel` names a mobile phone (`Mobil`, `Handy`, `_$!<Mobile>!$_` …).
fn is_whatsapp_label(label: &str) -> bool {
    label.to_lowercase().contains("whatsapp")
}

fn is_mobile_label(label: &str) -> bool {
    let label = label.to_lowercase();
    ["mobil", "móvil", "handy", "cell", "iphone", "portable", "celular"].iter().any(|w| label.contains(w))
}

/// vCard 4.0's GENDER is `sex;identity`: the sex letter spelled out (`M` → `male`), then the
/// identity text if any (`O;nonbinary` → `other, nonbinary`).
fn gender(text: &str) -> String {
    let parts = split_unescaped(text, ';');
    let sex = parts.first().map(|s| s.trim()).unwrap_or_default();
    let sex = match sex.to_ascii_uppercase().as_str() {
        "M" => "male",
        "F" => "female",
        "O" => "other",
        "N" => "none",
        "U" => "unknown",
        _ => sex,
    };
    let identity = parts.get(1).map(|s| s.trim()).unwrap_or_default();
    [sex, identity].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ")
}

/// `yyyy-mm-dd` for a full date, `--mm-dd` without a year; anything else as written.
fn birthday(text: &str, params: &Params) -> String {
    let date = text.split(['T', 't']).next().unwrap_or_default();
    let (no_year, digits) = match date.strip_prefix("--") {
        Some(rest) => (true, rest.replace('-', "")),
        None => (false, date.replace('-', "")),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let (year, month_day) = match (no_year, digits.len()) {
        (true, 4) => (None, digits.as_str()),
        (false, 8) => (Some(&digits[..4]), &digits[4..]),
        _ => return text.to_string(),
    };
    let (month, day) = month_day.split_at(2);
    let valid_month = matches!(month.parse::<u32>(), Ok(1..=12));
    let valid_day = matches!(day.parse::<u32>(), Ok(1..=31));
    if !valid_month || !valid_day {
        return text.to_string();
    }
    // Apple and Thunderbird write year 1604 for "no year" (Apple also says so in X-APPLE-OMIT-YEAR).
    let omitted =
        year.and_then(|y| y.parse::<u32>().ok()).is_some_and(|y| y == 1604 || Some(y) == params.omit_year);
    match year {
        Some(year) if !omitted => format!("{year}-{month}-{day}"),
        _ => format!("--{month}-{day}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_with_and_without_year() {
        let none = Params::default();
        assert_eq!(birthday("1985-04-15", &none), "1985-04-15");
        assert_eq!(birthday("19850415", &none), "1985-04-15");
        assert_eq!(birthday("19850415T000000Z", &none), "1985-04-15");
        assert_eq!(birthday("--0415", &none), "--04-15");
        assert_eq!(birthday("--04-15", &none), "--04-15");
        assert_eq!(birthday("circa 1800", &none), "circa 1800");
        assert_eq!(birthday("1985-13-15", &none), "1985-13-15");
        assert_eq!(birthday("1604-04-15", &none), "--04-15");
        let apple = Params { omit_year: Some(1900), ..Params::default() };
        assert_eq!(birthday("1900-04-15", &apple), "--04-15");
    }

    #[test]
    fn mobile_labels() {
        assert!(is_mobile_label("_$!<Mobile>!$_"));
        assert!(is_mobile_label("Mobil"));
        assert!(is_mobile_label("Handy"));
        assert!(!is_mobile_label("_$!<Home>!$_"));
    }
}
