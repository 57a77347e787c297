//! Dates, integers, decimals and booleans.

use jiff::civil::Date;

/// Why a date was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// It does not have the expected shape.
    #[error("not a date in the format {0}")]
    Format(String),
    /// It has the shape but names a day that does not exist (`1990-02-31`).
    #[error("no such date")]
    Impossible,
    /// No format was decided for its column, and it reads as a date with the day first and
    /// with the month first (`03/04/2025`): which one it is, only the person knows.
    #[error(
        "the day and month could be either way round ({day_first} or {month_first}); say which with --date-format"
    )]
    EitherWay {
        /// The strftime format with the day first (`%d/%m/%Y`).
        day_first: String,
        /// The strftime format with the month first (`%m/%d/%Y`).
        month_first: String,
    },
}

/// Normalizes a date to ISO 8601 `yyyy-mm-dd`. `format` is a strftime format such as
/// `%d/%m/%Y`; without one the input must be ISO 8601 already.
pub fn normalize_date(text: &str, format: Option<&str>) -> Result<String, DateError> {
    let text = text.trim();
    if let Some(month_day) = text.strip_prefix("--") {
        return month_and_day(month_day).map(|(month, day)| format!("--{month:02}-{day:02}"));
    }
    let date = match format {
        None => parse_iso(text).map_err(|error| either_way(text).unwrap_or(error))?,
        Some(format) => Date::strptime(format, text).map_err(|e| {
            // jiff names the parameter when a number is out of range (`32/01`, `01/13`) or the
            // month has no such day (`31/02`); other errors ("no digits found") are the shape.
            if e.to_string().contains("parameter '") {
                DateError::Impossible
            } else {
                DateError::Format(format.to_string())
            }
        })?,
    };
    // `%Y` accepts a sign; a year before 0 would not print as `yyyy`.
    if date.year() < 0 {
        return Err(DateError::Format(format.unwrap_or("yyyy-mm-dd").to_string()));
    }
    Ok(date.to_string())
}

/// [`DateError::EitherWay`] for `text` when it reads as a date both day first and month
/// first, with `/`, `.` or `-` between day, month and a year of two or four digits.
fn either_way(text: &str) -> Option<DateError> {
    let separator = text.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    let digits = |part: &str, lengths: &[usize]| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    let [first, second, year] = parts[..] else { return None };
    if !(digits(first, &[1, 2]) && digits(second, &[1, 2]) && digits(year, &[2, 4])) {
        return None;
    }
    let year = if year.len() == 4 { "%Y" } else { "%y" };
    let day_first = format!("%d{separator}%m{separator}{year}");
    let month_first = format!("%m{separator}%d{separator}{year}");
    let fits = |format: &str| Date::strptime(format, text).is_ok();
    (fits(&day_first) && fits(&month_first)).then_some(DateError::EitherWay { day_first, month_first })
}

/// Whether `value` is a date of zeros, as Outlook writes an empty birthday (`0/0/00`,
/// `00.00.0000`): a byte check, it runs for every date cell.
pub fn is_empty_date(value: &str) -> bool {
    // Three groups of zeros, none of them empty: `--0` is no date at all, not an empty one.
    let mut groups = 0;
    for part in value.trim().split(['/', '.', '-']) {
        if part.is_empty() || part.bytes().any(|b| b != b'0') {
            return false;
        }
        groups += 1;
    }
    groups == 3
}

/// A birthday without a year, `--mm-dd` (ISO 8601:2000, vCard) or `--mmdd`: February 29 is a
/// day.
fn month_and_day(text: &str) -> Result<(i8, i8), DateError> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    let shaped = digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) && text.len() <= 5;
    if !shaped {
        return Err(DateError::Format("yyyy-mm-dd or --mm-dd".into()));
    }
    let month = digits[..2].parse::<i8>().map_err(|_| DateError::Impossible)?;
    let day = digits[2..].parse::<i8>().map_err(|_| DateError::Impossible)?;
    // 2000 was a leap year, so every day a birthday can fall on exists in it.
    Date::new(2000, month, day).map_err(|_| DateError::Impossible)?;
    Ok((month, day))
}

fn parse_iso(text: &str) -> Result<Date, DateError> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(DateError::Format("yyyy-mm-dd".into()));
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let month = i8::try_from(month).map_err(|_| DateError::Impossible)?;
    let day = i8::try_from(day).map_err(|_| DateError::Impossible)?;
    Date::new(year, month, day).map_err(|_| DateError::Impossible)
}

/// Why a number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a whole number.
    #[error("not a whole number")]
    NotInteger,
    /// Too large for 64 bits.
    #[error("whole number out of range")]
    OutOfRange,
    /// Not a decimal number such as `-12.50`.
    #[error("not a decimal number (write it like -1234.56)")]
    NotDecimal,
}

/// Normalizes a whole number: optional sign, digits; leading zeros and `+` dropped.
pub fn normalize_integer(text: &str) -> Result<String, NumberError> {
    let text = text.trim();
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotInteger);
    }
    let value: i64 = text.trim_start_matches('+').parse().map_err(|_| NumberError::OutOfRange)?;
    Ok(value.to_string())
}

/// Normalizes a decimal number written with `mark` as its decimal mark and the other of `,`
/// and `.` (or a space) grouping thousands, as a whole column of a file does: with `,`,
/// `1.234,50` becomes `1234.50`. Groups must be whole thousands (`1.2,5` is rejected).
pub fn normalize_decimal_with_mark(text: &str, mark: char) -> Result<String, NumberError> {
    let text = text.trim();
    let grouping = if mark == ',' { '.' } else { ',' };
    let (whole, fraction) = match text.rsplit_once(mark) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let (sign, digits) = match whole.strip_prefix(['+', '-']) {
        Some(rest) => (&whole[..1], rest),
        None => ("", whole),
    };
    let separators = [grouping, ' ', '\u{a0}', '\u{202f}'];
    let groups: Vec<&str> = digits.split(separators).collect();
    let grouped_right = groups.len() == 1
        || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_right {
        return Err(NumberError::NotDecimal);
    }
    let plain = match fraction {
        Some(fraction) => format!("{sign}{}.{fraction}", groups.concat()),
        None => format!("{sign}{}", groups.concat()),
    };
    normalize_decimal(&plain)
}

/// Normalizes a decimal number, keeping every digit the user wrote after the point (no
/// binary floating point in between): `+012.50` becomes `12.50`.
pub fn normalize_decimal(text: &str) -> Result<String, NumberError> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fraction_ok = fraction.is_none_or(|f| !f.is_empty() && all_digits(f));
    if whole.is_empty() || !all_digits(whole) || !fraction_ok || unsigned.len() > 40 {
        return Err(NumberError::NotDecimal);
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let is_zero = whole == "0" && fraction.is_none_or(|f| f.bytes().all(|b| b == b'0'));
    let sign = if negative && !is_zero { "-" } else { "" };
    Ok(match fraction {
        Some(fraction) => format!("{sign}{whole}.{fraction}"),
        None => format!("{sign}{whole}"),
    })
}

/// Why a boolean was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a yes/no value (use yes or no, ja or nein, oui or non, sí or no, true or false, 1 or 0)")]
pub struct BooleanError;

/// Words people write for yes, in the languages the headers are recognized in.
const YES_WORDS: [&str; 9] = ["true", "yes", "y", "1", "ja", "j", "oui", "si", "sí"];
/// Words people write for no.
const NO_WORDS: [&str; 6] = ["false", "no", "n", "0", "nein", "non"];

/// Reads a yes/no word, any case: `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, `ja`/`nein`,
/// `j`, `oui`/`non`, `sí`/`si`/`no`. One rule for boolean fields, subscription columns and
/// settings. Compared without allocating: it runs for every boolean cell of a file.
pub fn boolean_word(text: &str) -> Option<bool> {
    let text = text.trim();
    let is = |word: &&str| text.chars().flat_map(char::to_lowercase).eq(word.chars());
    if YES_WORDS.iter().any(is) {
        Some(true)
    } else if NO_WORDS.iter().any(is) {
        Some(false)
    } else {
        None
    }
}

/// Normalizes a yes/no word (see [`boolean_word`]) to `true` or `false`.
pub fn normalize_boolean(text: &str) -> Result<String, BooleanError> {
    match boolean_word(text) {
        Some(true) => Ok("true".into()),
        Some(false) => Ok("false".into()),
        None => Err(BooleanError),
    }
}
