//! Writing contacts out: CSV cells guarded against formula injection, and vCard 4.0.
//!
//! Both take the store's export rows (cells aligned with a header of field names: `id`,
//! `first_name`, …, `tags`). A CSV cell that a spreadsheet would run as a formula (one that
//! starts with `=` or `@`, a tab or carriage return, or `+`/`-` followed by anything but a
//! number or a phone number) gets a leading `'`, which
//! spreadsheets show as text ([`intake_core::normalize::formula_guard`], which the results
//! and error files use too); intake's own reading drops that `'` again
//! ([`intake_core::normalize::trimmed_unguarded`]), and a file exported and imported again
//! changes nothing. Phones and numbers are data: `+4915123456789` is written exactly.

pub mod vcard_text;

use std::borrow::Cow;

use intake_core::model::{BUILTIN_FIELDS, Channel, SubscriptionStatus};
use intake_core::normalize::formula_guard;

use vcard_text::{escape, field_property, intake_property, push_line, push_line_if};

/// The cell as it is safe to write to a CSV a spreadsheet will open.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    match formula_guard(cell) {
        "" => Cow::Borrowed(cell),
        guard => Cow::Owned(format!("{guard}{cell}")),
    }
}

/// Writes one contact as a vCard 4.0 card (CRLF line ends, lines folded at 75 octets).
pub struct VcardWriter {
    columns: Columns,
}

/// Where the fields a card holds sit in the export row.
struct Columns {
    id: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    email: Option<usize>,
    other_emails: Option<usize>,
    phone: Option<usize>,
    other_phones: Option<usize>,
    whatsapp: Option<usize>,
    company: Option<usize>,
    job_title: Option<usize>,
    birthday: Option<usize>,
    city: Option<usize>,
    country: Option<usize>,
    notes: Option<usize>,
    external_id: Option<usize>,
    tags: Option<usize>,
    street: Option<usize>,
    postal_code: Option<usize>,
    region: Option<usize>,
    website: Option<usize>,
    department: Option<usize>,
    middle_name: Option<usize>,
    name_prefix: Option<usize>,
    name_suffix: Option<usize>,
    nickname: Option<usize>,
    gender: Option<usize>,
    other_addresses: Option<usize>,
    language: Option<usize>,
    lists: Option<usize>,
    /// The subscription columns, in [`Channel::ALL`] order.
    subscriptions: [Option<usize>; 3],
    /// The custom fields' columns, with the property each is written as.
    custom: Vec<(usize, String)>,
}

impl VcardWriter {
    /// A writer for rows aligned with `header`.
    pub fn new(header: &[String]) -> VcardWriter {
        let at = |name: &str| header.iter().position(|h| h == name);
        VcardWriter {
            columns: Columns {
                id: at("id"),
                first_name: at("first_name"),
                last_name: at("last_name"),
                email: at("email"),
                other_emails: at("other_emails"),
                phone: at("phone"),
                other_phones: at("other_phones"),
                whatsapp: at("whatsapp"),
                company: at("company"),
                job_title: at("job_title"),
                birthday: at("birthday"),
                city: at("city"),
                country: at("country"),
                notes: at("notes"),
                external_id: at("external_id"),
                tags: at("tags"),
                street: at("street"),
                postal_code: at("postal_code"),
                region: at("region"),
                website: at("website"),
                department: at("department"),
                middle_name: at("middle_name"),
                name_prefix: at("name_prefix"),
                name_suffix: at("name_suffix"),
                nickname: at("nickname"),
                gender: at("gender"),
                other_addresses: at("other_addresses"),
                language: at("language"),
                lists: at("lists"),
                subscriptions: Channel::ALL.map(|channel| at(channel.field_name())),
                custom: custom_columns(header),
            },
        }
    }

    /// What vCard has no property for, as intake's own: the lists, the subscriptions that
    /// are known (`none` is what a card without one says), and the custom fields' values.
    fn push_intake(&self, card: &mut String, row: &[String]) {
        let c = &self.columns;
        let get = |column| cell(row, column);
        push_line_if(card, "X-INTAKE-LISTS", &text_list(get(c.lists)));
        for (channel, column) in Channel::ALL.iter().zip(c.subscriptions) {
            let status = get(column);
            if !status.is_empty() && status != SubscriptionStatus::None.as_str() {
                push_line(card, &intake_property(channel.field_name()), &escape(status));
            }
        }
        for (column, property) in &c.custom {
            push_line_if(card, property, &escape(get(Some(*column))));
        }
    }

    /// The card of one export row.
    pub fn card(&self, row: &[String]) -> String {
        let c = &self.columns;
        let get = |column| cell(row, column);
        let (first, last) = (get(c.first_name), get(c.last_name));
        let mut card = String::from("BEGIN:VCARD\r\nVERSION:4.0\r\n");
        let full = [first, last].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
        let full = if full.is_empty() { get(c.email).to_string() } else { full };
        push_line(&mut card, "FN", &escape(&full));
        let name = [last, first, get(c.middle_name), get(c.name_prefix), get(c.name_suffix)];
        push_line(&mut card, "N", &name.map(escape).join(";"));
        push_line_if(&mut card, "NICKNAME", &escape(get(c.nickname)));
        push_line_if(&mut card, "GENDER", &gender(get(c.gender)));
        // The contact's own e-mail and phone are the preferred ones: a reader takes them back
        // as such, and the others as further values.
        push_line_if(&mut card, "EMAIL;PREF=1", get(c.email));
        for other in list_items(get(c.other_emails)) {
            push_line(&mut card, "EMAIL", other);
        }
        push_line_if(&mut card, "TEL;VALUE=uri;TYPE=voice;PREF=1", &tel_uri(get(c.phone)));
        for other in list_items(get(c.other_phones)) {
            push_line(&mut card, "TEL;VALUE=uri;TYPE=voice", &tel_uri(other));
        }
        push_line_if(&mut card, "TEL;VALUE=uri;TYPE=cell;X-WHATSAPP=true", &tel_uri(get(c.whatsapp)));
        let org = match get(c.department) {
            "" => escape(get(c.company)),
            unit => format!("{};{}", escape(get(c.company)), escape(unit)),
        };
        push_line_if(&mut card, "ORG", &org);
        push_line_if(&mut card, "TITLE", &escape(get(c.job_title)));
        push_line_if(&mut card, "BDAY", &bday(get(c.birthday)));
        // The contact's own address is typed home, so that it is read back as the first.
        let address = [get(c.street), get(c.city), get(c.region), get(c.postal_code), get(c.country)];
        if address.iter().any(|part| !part.is_empty()) {
            push_line(&mut card, "ADR;TYPE=home", &format!(";;{}", address.map(escape).join(";")));
        }
        for other in get(c.other_addresses).split('|').filter(|a| !a.is_empty()) {
            push_line(&mut card, "ADR", &format!(";;{};;;;", escape(other)));
        }
        for url in get(c.website).split('|').filter(|u| !u.is_empty()) {
            push_line(&mut card, "URL", &escape(url));
        }
        push_line_if(&mut card, "NOTE", &escape(get(c.notes)));
        push_line_if(&mut card, "CATEGORIES", &text_list(get(c.tags)));
        push_line_if(&mut card, "LANG", &escape(get(c.language)));
        self.push_intake(&mut card, row);
        // UID is what a re-import reads as the external id: only the contact's own. Intake's
        // id goes where no reader takes it for one.
        push_line_if(&mut card, "UID", &escape(get(c.external_id)));
        push_line_if(&mut card, "X-INTAKE-ID", get(c.id));
        card.push_str("END:VCARD\r\n");
        card
    }
}

/// Where the custom fields sit in an export row: every column that is no built-in field and
/// none of the columns around the fields (`id`, the subscriptions, `tags`, `lists`).
fn custom_columns(header: &[String]) -> Vec<(usize, String)> {
    let around = |name: &str| {
        ["id", "tags", "lists"].contains(&name) || Channel::ALL.iter().any(|c| c.field_name() == name)
    };
    let builtin = |name: &str| BUILTIN_FIELDS.iter().any(|field| field.0 == name);
    let custom = |name: &&String| !around(name) && !builtin(name);
    header
        .iter()
        .enumerate()
        .filter(|(_, name)| custom(name))
        .map(|(at, name)| (at, field_property(name)))
        .collect()
}

/// The cell of an export row at `column`, empty when the header has no such column.
fn cell(row: &[String], column: Option<usize>) -> &str {
    column.and_then(|at| row.get(at)).map_or("", String::as_str)
}

/// A `|`-separated cell of names as a vCard text list: each escaped, `,`-separated.
fn text_list(cell: &str) -> String {
    list_items(cell).map(escape).collect::<Vec<_>>().join(",")
}

/// The values of a `|`-separated list field.
fn list_items(cell: &str) -> impl Iterator<Item = &str> {
    cell.split('|').map(str::trim).filter(|item| !item.is_empty())
}

/// `tel:` URI of an E.164 number (vCard 4.0 writes numbers as URIs).
fn tel_uri(phone: &str) -> String {
    if phone.is_empty() { String::new() } else { format!("tel:{phone}") }
}

/// GENDER in vCard 4.0 form: `M`, `F` … for the words the reader spells them out as, else
/// the text as the identity component.
fn gender(text: &str) -> String {
    let sex = match text.to_ascii_lowercase().as_str() {
        "" => return String::new(),
        "male" => "M",
        "female" => "F",
        "other" => "O",
        "none" => "N",
        "unknown" => "U",
        _ => return format!(";{}", escape(text)),
    };
    sex.to_string()
}

/// BDAY in vCard 4.0 form: `yyyymmdd` for a full date, `--mmdd` without a year.
fn bday(date: &str) -> String {
    match date.strip_prefix("--") {
        Some(month_day) => format!("--{}", month_day.replace('-', "")),
        None => date.replace('-', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_an_apostrophe_and_others_stay() {
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("+4915123456789"), "+4915123456789");
        assert_eq!(guard_formula("+49 (0)151 234-567"), "+49 (0)151 234-567");
        assert_eq!(guard_formula("-2"), "-2");
        assert_eq!(guard_formula("-1,5"), "-1,5");
        assert_eq!(guard_formula("+ACME"), "'+ACME");
        assert_eq!(guard_formula("-vip"), "'-vip");
        assert_eq!(guard_formula("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(guard_formula("-"), "'-");
        assert_eq!(guard_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_formula("Anna"), "Anna");
        assert_eq!(guard_formula("\tindented"), "'\tindented");
        assert_eq!(guard_formula("\rreturn"), "'\rreturn");
        assert_eq!(guard_formula("'=quoted already"), "'=quoted already");
        assert_eq!(guard_formula(" =spaced"), " =spaced");
        assert_eq!(guard_formula(""), "");
    }

    #[test]
    fn a_card_holds_the_contact_escaped_and_folded() {
        let header: Vec<String> =
            ["id", "first_name", "last_name", "email", "phone", "company", "birthday", "notes", "tags"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let long_note = "Notiz; mit Komma, und Umlauten äöü ".repeat(4);
        let row: Vec<String> = [
            "7",
            "Anna",
            "Müller",
            "anna@example.com",
            "+4915123456789",
            "ACME, Inc.",
            "--04-15",
            &long_note,
            "vip|fair",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let card = VcardWriter::new(&header).card(&row);
        assert!(
            card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna Müller\r\nN:Müller;Anna;;;\r\n"),
            "{card}"
        );
        assert!(card.contains("EMAIL;PREF=1:anna@example.com\r\n"));
        assert!(card.contains("TEL;VALUE=uri;TYPE=voice;PREF=1:tel:+4915123456789\r\n"));
        assert!(card.contains("ORG:ACME\\, Inc.\r\n"));
        assert!(card.contains("BDAY:--0415\r\n"));
        assert!(card.contains("CATEGORIES:vip,fair\r\n"));
        assert!(!card.contains("UID:"), "no external id, so no UID: {card}");
        assert!(card.contains("X-INTAKE-ID:7\r\n"));
        assert!(card.ends_with("END:VCARD\r\n"));
        for line in card.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = card.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("NOTE:{}", escape(&long_note))));
    }
}
