//! Fields that hold several e-mail addresses or phone numbers (`other_emails`,
//! `other_phones`, and custom fields of type `emails` or `phones`): every item is checked
//! and normalized like a single address or number, duplicates are dropped, and the items
//! are stored `|`-separated.

use super::{EmailError, PhoneError, Region, email_match_key, normalize_email, normalize_phone};

/// The separators between several items of one cell, with a table of the bytes they start
/// with.
struct Separators {
    all: &'static [&'static str],
    starts: [bool; 256],
}

const fn separators(all: &'static [&'static str]) -> Separators {
    let mut starts = [false; 256];
    let mut i = 0;
    while i < all.len() {
        starts[all[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    Separators { all, starts }
}

/// Separators between several addresses in one cell: intake's `|`, Google Contacts'
/// ` ::: `, and the `;` and `,` that people and other tools write. None can be part of an
/// address of the plain kind; a quoted local part with one of them is not split correctly,
/// and then fails the syntax check with the pieces named.
const EMAIL_SEPARATORS: Separators = separators(&[":::", "|", ";", ","]);

/// Separators between several phone numbers in one cell. Not `,`: dialling strings use it
/// as a pause (`+1 555 0100,,12`).
const PHONE_SEPARATORS: Separators = separators(&[":::", "|", ";"]);

/// The separator intake stores lists with.
pub const LIST_SEPARATOR: &str = "|";

/// Splits `cell` at every one of `separators`, trimming the items and leaving out empty ones.
/// A `;` that starts a phone's extension (`;ext=12`, RFC 3966 as vCards write it) is part of
/// its number, not a separator.
fn items<'c>(cell: &'c str, separators: &Separators) -> Vec<&'c str> {
    let mut items = vec![cell];
    for separator in separators.all {
        items = items.iter().flat_map(|item| item.split(*separator)).fold(
            Vec::new(),
            |mut joined: Vec<&'c str>, piece| {
                match joined.last_mut() {
                    Some(last) if *separator == ";" && starts_extension(piece) => {
                        *last = widen(cell, last, piece);
                    }
                    _ => joined.push(piece),
                }
                joined
            },
        );
    }
    items.into_iter().map(str::trim).filter(|item| !item.is_empty()).collect()
}

/// Whether the text after a `;` is a phone's extension parameter.
fn starts_extension(piece: &str) -> bool {
    piece.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("ext="))
}

/// The slice of `cell` from the start of `first` to the end of `second` (both slices of it).
fn widen<'c>(cell: &'c str, first: &str, second: &str) -> &'c str {
    let base = cell.as_ptr() as usize;
    let start = first.as_ptr() as usize - base;
    let end = second.as_ptr() as usize - base + second.len();
    &cell[start..end]
}

/// The items of a cell of tags, lists or multiple choices, by one rule everywhere (a tags
/// column, `--tag`, `--list`, a `multi_choice` field): `|` (intake's own separator) and
/// Google's ` ::: ` when the cell has either; else `;` when it has one (Outlook's
/// Categories); else `,`. Items are trimmed and empty ones left out.
pub fn list_items(cell: &str) -> Vec<&str> {
    let pieces: Vec<&str> = if cell.contains('|') || cell.contains(":::") {
        cell.split(":::").flat_map(|part| part.split('|')).collect()
    } else if cell.contains(';') {
        cell.split(';').collect()
    } else {
        cell.split(',').collect()
    };
    pieces.into_iter().map(str::trim).filter(|item| !item.is_empty()).collect()
}

/// Tag or list names as one cell that [`list_items`] reads back as the same names: joined
/// by `|`, and a single name that holds a `;` or `,` (`Fair, 2026`) followed by a `|`, which
/// keeps the rule from splitting it there.
pub fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut cell = names.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(LIST_SEPARATOR);
    if names.len() == 1 && cell.contains([';', ',']) {
        cell.push_str(LIST_SEPARATOR);
    }
    cell
}

/// Whether two tag (or list) names are the same tag: compared without case, in any script
/// (`VIP`, `vip` and `Vip`; `Ärger` and `ärger`). No allocation.
pub fn same_name(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// The numbers of a cell of phone numbers, as [`normalize_phones`] splits it.
pub fn phone_items(cell: &str) -> Vec<&str> {
    items(cell, &PHONE_SEPARATORS)
}

/// The first address of a cell that may hold several, and the rest of the cell, if any.
pub fn first_email(cell: &str) -> (&str, Option<&str>) {
    split_first(cell, &EMAIL_SEPARATORS)
}

/// The first number of a cell that may hold several, and the rest of the cell, if any.
pub fn first_phone(cell: &str) -> (&str, Option<&str>) {
    split_first(cell, &PHONE_SEPARATORS)
}

fn split_first<'c>(cell: &'c str, separators: &Separators) -> (&'c str, Option<&'c str>) {
    // Nearly every cell holds one value: one pass over its bytes, a table lookup each,
    // settles that, where a substring search per separator cost a tenth of preparing a row
    // (and comparing each byte with each separator still 1.4 % of an import's time).
    let may_split = cell.bytes().any(|b| separators.starts[usize::from(b)]);
    if !may_split {
        return (cell, None);
    }
    let cut_at = |separator: &str| {
        cell.match_indices(separator)
            .find(|(at, _)| separator != ";" || !starts_extension(&cell[at + 1..]))
            .map(|(at, _)| (at, separator.len()))
    };
    let first_cut = separators.all.iter().filter_map(|s| cut_at(s)).min();
    match first_cut {
        None => (cell, None),
        Some((at, len)) => {
            let rest = cell[at + len..].trim();
            (cell[..at].trim(), (!rest.is_empty()).then_some(rest))
        }
    }
}

/// Why a list of addresses or numbers was rejected: the first bad item and its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item:?}: {reason}")]
pub struct ListError {
    /// The item as written.
    pub item: String,
    /// Why it does not validate.
    pub reason: String,
}

/// Normalizes every address of `cell`; duplicates (compared as e-mail match keys) go.
pub fn normalize_emails(cell: &str) -> Result<String, ListError> {
    first_bad(normalize_emails_keeping(cell))
}

/// Normalizes every number of `cell` to E.164; duplicates go.
pub fn normalize_phones(cell: &str, default_region: Option<Region>) -> Result<String, ListError> {
    first_bad(normalize_phones_keeping(cell, default_region))
}

/// [`normalize_emails`] that keeps the good addresses of a cell with a bad one: the
/// normalized addresses (`|`-joined, maybe empty) and every address left out, with why.
pub fn normalize_emails_keeping(cell: &str) -> (String, Vec<ListError>) {
    normalize_items(
        items(cell, &EMAIL_SEPARATORS),
        |item| normalize_email(item).map_err(|e: EmailError| e.to_string()),
        email_match_key,
    )
}

/// [`normalize_phones`] that keeps the good numbers of a cell with a bad one.
pub fn normalize_phones_keeping(cell: &str, default_region: Option<Region>) -> (String, Vec<ListError>) {
    normalize_items(
        items(cell, &PHONE_SEPARATORS),
        |item| normalize_phone(item, default_region).map_err(|e: PhoneError| e.to_string()),
        |normalized| normalized.to_string(),
    )
}

fn first_bad((list, mut bad): (String, Vec<ListError>)) -> Result<String, ListError> {
    if bad.is_empty() { Ok(list) } else { Err(bad.swap_remove(0)) }
}

fn normalize_items(
    items: Vec<&str>,
    normalize: impl Fn(&str) -> Result<String, String>,
    key: impl Fn(&str) -> String,
) -> (String, Vec<ListError>) {
    let mut normalized: Vec<String> = Vec::with_capacity(items.len());
    let mut keys: Vec<String> = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for item in items {
        let unguarded = super::strip_formula_guard(item);
        if super::PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(unguarded)) {
            continue;
        }
        let value = match normalize(unguarded) {
            Ok(value) => value,
            Err(reason) => {
                bad.push(ListError { item: item.to_string(), reason });
                continue;
            }
        };
        let item_key = key(&value);
        if !keys.contains(&item_key) {
            keys.push(item_key);
            normalized.push(value);
        }
    }
    (normalized.join(LIST_SEPARATOR), bad)
}

/// Separators between several lines of text (addresses): intake's `|` and Google's ` ::: `.
/// Not `,` or `;`, which an address itself holds.
const TEXT_SEPARATORS: Separators = separators(&[":::", "|"]);

/// Several lines of free text (`other_addresses`): each item on one line (an address's line
/// breaks become `, `), duplicates dropped. Never fails.
pub fn normalize_texts(cell: &str) -> Result<String, ListError> {
    first_bad(normalize_items(
        items(cell, &TEXT_SEPARATORS),
        |item| {
            let lines = item.lines().map(str::trim).filter(|line| !line.is_empty());
            Ok(lines.collect::<Vec<_>>().join(", "))
        },
        |normalized| normalized.to_string(),
    ))
}

/// `list` (normalized, `|`-separated) without the items whose key is one of `drop` and with
/// the items of `more` added after its own, each once.
pub fn merge_items(list: &str, more: &str, drop: &[String], key: impl Fn(&str) -> String) -> String {
    let mut keys: Vec<String> = drop.to_vec();
    let mut kept: Vec<&str> = Vec::new();
    for item in list.split(LIST_SEPARATOR).chain(more.split(LIST_SEPARATOR)).filter(|i| !i.is_empty()) {
        let item_key = key(item);
        if !keys.contains(&item_key) {
            keys.push(item_key);
            kept.push(item);
        }
    }
    kept.join(LIST_SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_names_read_back_as_the_same_names() {
        for names in [&["VIP", "Fair, 2026"][..], &["Fair, 2026"], &["a;b"], &["Ärger"], &[]] {
            let cell = join_names(names);
            assert_eq!(list_items(&cell), names, "{cell:?}");
        }
        assert_eq!(join_names(&["Fair, 2026"]), "Fair, 2026|");
        assert_eq!(join_names(&["VIP", "Leads"]), "VIP|Leads");
    }

    #[test]
    fn every_address_is_checked_normalized_and_kept_once() {
        assert_eq!(
            normalize_emails("Ann@X.com ::: b@y.org; ann@x.com, C@Z.de | -").as_deref(),
            Ok("ann@x.com|b@y.org|c@z.de")
        );
        let error = normalize_emails("a@x.com ::: not-an-address").unwrap_err();
        assert_eq!(error.item, "not-an-address");
    }

    #[test]
    fn every_number_goes_to_e164_once() {
        let de = crate::normalize::parse_region("DE");
        assert_eq!(
            normalize_phones("0151 23456789 ::: +49 151 23456789 | 030 1234567", de).as_deref(),
            Ok("+4915123456789|+49301234567")
        );
        assert!(normalize_phones("0151 23456789; 12", de).is_err());
    }

    #[test]
    fn the_first_item_is_split_from_the_rest() {
        assert_eq!(first_email("a@x.com ::: b@y.org"), ("a@x.com", Some("b@y.org")));
        assert_eq!(first_email(" a@x.com "), (" a@x.com ", None));
        assert_eq!(first_phone("+49 30 123, 4"), ("+49 30 123, 4", None));
        assert_eq!(first_phone("0151 1 | 0151 2 ; 0151 3"), ("0151 1", Some("0151 2 ; 0151 3")));
        assert_eq!(first_email("a@x.com,"), ("a@x.com", None));
        assert_eq!(first_phone("+49 30 1234567;ext=12"), ("+49 30 1234567;ext=12", None));
        assert_eq!(first_phone("+49 30 1;EXT=2; +49 30 3"), ("+49 30 1;EXT=2", Some("+49 30 3")));
        assert_eq!(items("+49 30 1;ext=2;+49 30 3", &PHONE_SEPARATORS), ["+49 30 1;ext=2", "+49 30 3"]);
    }

    #[test]
    fn merging_keeps_order_and_drops_the_primary_and_repeats() {
        let key = |s: &str| s.to_string();
        assert_eq!(merge_items("a|b", "b|c", &["a".to_string()], key), "b|c");
    }
}
