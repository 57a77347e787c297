//! What a column's values look like, decided from the whole sample at once: e-mail
//! addresses, phone numbers (and whether they are mobile numbers), dates (with the day/month
//! order read from every value, and an ambiguous order reported rather than guessed),
//! numbers (decimal comma or point, likewise), or a small set of repeated values.

use std::collections::HashSet;

use crate::normalize::{Normalizer, is_empty_date, normalize_email, normalize_phone};

/// Share of a column's non-empty values that must fit a kind for the column to be that kind.
pub const MOSTLY: f64 = 0.9;

/// The kind of a column's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// No non-empty value in the sample.
    Empty,
    /// E-mail addresses.
    Email,
    /// Phone numbers; `mobile` when most of them are mobile numbers.
    Phone {
        /// Most numbers are mobile numbers.
        mobile: bool,
    },
    /// Dates in one layout.
    Date(DateLayout),
    /// Numbers.
    Number(DecimalMark),
    /// Few distinct values, each repeated (a choice).
    Repeated(Vec<String>),
    /// Anything else.
    Text,
}

/// How a column writes its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateLayout {
    /// `yyyy-mm-dd`.
    Iso,
    /// Day first, as the strftime format given (`%d/%m/%Y`).
    DayFirst(String),
    /// Month first (`%m/%d/%Y`).
    MonthFirst(String),
    /// Day and month are both 12 or less in every value: either order reads them all.
    Ambiguous {
        /// The day-first format.
        day_first: String,
        /// The month-first format.
        month_first: String,
    },
}

impl DateLayout {
    /// The strftime format to read the column with, when it is certain.
    pub fn format(&self) -> Option<&str> {
        match self {
            DateLayout::Iso => None,
            DateLayout::DayFirst(f) | DateLayout::MonthFirst(f) => Some(f),
            DateLayout::Ambiguous { .. } => None,
        }
    }
}

/// The decimal mark a column of numbers uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    /// Whole numbers only.
    None,
    /// `1234.5` or `1,234.5`.
    Point,
    /// `1234,5` or `1.234,5`.
    Comma,
    /// Values such as `1,234` read either way.
    Ambiguous,
}

/// The kind of the values in `sample` (one column's cells).
pub fn profile(sample: &[&str], normalizer: &Normalizer) -> ValueKind {
    let values: Vec<&str> = sample.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return ValueKind::Empty;
    }
    let share =
        |fits: &dyn Fn(&str) -> bool| values.iter().filter(|v| fits(v)).count() as f64 / values.len() as f64;
    if share(&|v| v.contains('@') && normalize_email(v).is_ok()) >= MOSTLY {
        return ValueKind::Email;
    }
    if let Some(layout) = date_layout(&values) {
        return ValueKind::Date(layout);
    }
    if let Some(mark) = decimal_mark(&values) {
        return ValueKind::Number(mark);
    }
    let phone_like = |v: &str| v.bytes().filter(u8::is_ascii_digit).count() >= 6;
    if share(&|v| phone_like(v) && normalize_phone(v, normalizer.default_region).is_ok()) >= MOSTLY {
        return ValueKind::Phone { mobile: share(&|v| is_mobile(v, normalizer)) >= MOSTLY };
    }
    repeated(&values).map_or(ValueKind::Text, ValueKind::Repeated)
}

fn is_mobile(text: &str, normalizer: &Normalizer) -> bool {
    let Ok(number) = rlibphonenumber::PhoneNumber::parse(text, normalizer.default_region) else {
        return false;
    };
    matches!(
        number.get_type(),
        rlibphonenumber::PhoneNumberType::Mobile | rlibphonenumber::PhoneNumberType::FixedLineOrMobile
    )
}

/// Few distinct values, each seen several times on average: at most 20, and at most a third
/// as many as there are values.
fn repeated(values: &[&str]) -> Option<Vec<String>> {
    let distinct: HashSet<String> = values.iter().map(|v| v.to_lowercase()).collect();
    if values.len() < 8 || distinct.len() > 20 || distinct.len() * 3 > values.len() {
        return None;
    }
    let mut choices: Vec<String> = distinct.into_iter().collect();
    choices.sort();
    Some(choices)
}

/// The layout of a column of dates, when most of its values are dates.
fn date_layout(values: &[&str]) -> Option<DateLayout> {
    let (layout, dates) = date_layout_of(values)?;
    let others = values.iter().filter(|v| !is_empty_date(v)).count();
    (dates as f64 >= MOSTLY * others as f64).then_some(layout)
}

/// The layout of the dates among `values` (one column's cells, known or thought to be dates)
/// and how many values fit it. A value that fits no order (`29.02.2001`, `soon`) is a bad
/// cell of its row, not evidence: it neither decides nor spoils the column's order. A value
/// that fits only one order (`24.12.1971`) decides it, unless another fits only the other.
/// Outlook's `0/0/00` is an empty date and counts for nothing.
pub fn date_layout_of(values: &[&str]) -> Option<(DateLayout, usize)> {
    let values = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty() && !is_empty_date(v));
    let (mut iso, mut shape) = (0, None::<(char, usize)>);
    let (mut day_only, mut month_only, mut both) = (0, 0, 0);
    for value in values {
        if crate::normalize::normalize_date(value, None).is_ok() {
            iso += 1;
            continue;
        }
        let Some((_, _, _, separator, digits)) = split_date(value) else { continue };
        let (separator, digits) = *shape.get_or_insert((separator, digits));
        let (day_first, month_first) = date_formats(separator, digits);
        let fits = |format: &str| crate::normalize::normalize_date(value, Some(format)).is_ok();
        match (fits(&day_first), fits(&month_first)) {
            (true, true) => both += 1,
            (true, false) => day_only += 1,
            (false, true) => month_only += 1,
            (false, false) => {}
        }
    }
    let Some((separator, digits)) = shape else {
        return (iso > 0).then_some((DateLayout::Iso, iso));
    };
    let (day_first, month_first) = date_formats(separator, digits);
    let layout = match (day_only > 0, month_only > 0) {
        (true, true) => return None,
        (true, false) => DateLayout::DayFirst(day_first),
        (false, true) => DateLayout::MonthFirst(month_first),
        // Dates written with dots are day first wherever people write them so (Germany,
        // Austria, Switzerland, Poland, Scandinavia …); month first with dots is not a
        // convention anywhere, so only a value that fits no other order makes it so.
        (false, false) if both > 0 && separator == '.' => DateLayout::DayFirst(day_first),
        (false, false) if both > 0 => DateLayout::Ambiguous { day_first, month_first },
        (false, false) => return None,
    };
    Some((layout, day_only + month_only + both))
}

/// The day-first and month-first formats of dates written with `separator` and a year of
/// `year_digits` digits.
fn date_formats(separator: char, year_digits: usize) -> (String, String) {
    let year = if year_digits == 4 { "%Y" } else { "%y" };
    (format!("%d{separator}%m{separator}{year}"), format!("%m{separator}%d{separator}{year}"))
}

/// The date format a header spells out (`Birthday (MM/DD/YYYY)`, `Geburtstag TT.MM.JJJJ`,
/// `Fecha dd/mm/aaaa`), as a strftime format: the column says how its dates are written.
/// `None` when the header names no day, month and year in some order.
pub fn header_date_format(header: &str) -> Option<String> {
    let lower = header.to_lowercase();
    let is_part = |c: char| matches!(c, 'd' | 't' | 'm' | 'y' | 'j' | 'a' | '/' | '.' | '-');
    lower.split(|c: char| !is_part(c)).find_map(spelled_format)
}

/// `mm/dd/yyyy` and its kin as a strftime format.
fn spelled_format(token: &str) -> Option<String> {
    let separator = token.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = token.split(separator).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let mut seen = Vec::with_capacity(3);
    for part in [a, b, c] {
        let letter = part.chars().next()?;
        if !part.chars().all(|c| c == letter) {
            return None;
        }
        let spec = match (letter, part.len()) {
            ('d' | 't', 1 | 2) => "%d",
            ('m', 1 | 2) => "%m",
            ('y' | 'j' | 'a', 4) => "%Y",
            ('y' | 'j' | 'a', 2) => "%y",
            _ => return None,
        };
        seen.push(spec);
    }
    let one_of_each = ["%d", "%m"].iter().all(|spec| seen.contains(spec))
        && seen.iter().any(|spec| spec.eq_ignore_ascii_case("%y"));
    one_of_each.then(|| seen.join(&separator.to_string()))
}

/// `a<sep>b<sep>year` with one- or two-digit `a` and `b`: `(a, b, year, sep, year digits)`.
fn split_date(value: &str) -> Option<(u32, u32, u32, char, usize)> {
    let separator = value.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let mut parts = value.split(separator);
    let (a, b, year) = (parts.next()?, parts.next()?, parts.next()?);
    let short = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let year_ok = matches!(year.len(), 2 | 4) && year.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !short(a) || !short(b) || !year_ok {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, year.parse().ok()?, separator, year.len()))
}

/// The decimal mark of a column whose values are all numbers.
fn decimal_mark(values: &[&str]) -> Option<DecimalMark> {
    let number = |v: &&str| {
        let digits = v.strip_prefix('-').unwrap_or(v);
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
            && digits.bytes().next().is_some_and(|b| b.is_ascii_digit())
    };
    // Long digit strings are phone numbers or ids, not quantities.
    if !values.iter().all(number) || values.iter().any(|v| v.len() > 12 && !v.contains([',', '.'])) {
        return None;
    }
    let (mut point, mut comma, mut ambiguous) = (false, false, false);
    for value in values {
        match decimal_mark_of(value) {
            DecimalMark::Point => point = true,
            DecimalMark::Comma => comma = true,
            DecimalMark::Ambiguous => ambiguous = true,
            DecimalMark::None => {}
        }
    }
    Some(match (point, comma) {
        (true, true) => return None,
        (true, false) => DecimalMark::Point,
        (false, true) => DecimalMark::Comma,
        (false, false) if ambiguous => DecimalMark::Ambiguous,
        (false, false) => DecimalMark::None,
    })
}

/// The decimal mark one number shows: the last separator is the decimal mark unless it is
/// followed by exactly three digits and is the only separator (then it may group thousands).
pub fn decimal_mark_of(value: &str) -> DecimalMark {
    let Some(at) = value.rfind(['.', ',']) else { return DecimalMark::None };
    let mark = if value.as_bytes()[at] == b'.' { DecimalMark::Point } else { DecimalMark::Comma };
    let separators = value.matches(['.', ',']).count();
    let digits_after = value.len() - at - 1;
    if separators == 1 && digits_after == 3 {
        return DecimalMark::Ambiguous;
    }
    if separators > 1 && value.matches(value.as_bytes()[at] as char).count() > 1 {
        // `1.234.567` groups with the only mark it has.
        return if mark == DecimalMark::Point { DecimalMark::Comma } else { DecimalMark::Point };
    }
    mark
}
