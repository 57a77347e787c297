//! Phone numbers to E.164 with libphonenumber's rules (through `rlibphonenumber`, the
//! fastest and most faithful port we measured; see `docs/benchmarks.md`).

pub use rlibphonenumber::Region;
use rlibphonenumber::{PhoneNumberFormat, PhoneNumberUtil};

use super::phone_util::with_util;

/// Why a phone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// It cannot be read as a phone number at all; the reason is said in plain words.
    #[error("not a phone number: {0}")]
    Unparseable(&'static str),
    /// Excel showed a long number in scientific notation (`4,91511E+12`) and saved it so:
    /// its last digits are lost.
    #[error("Excel shortened this number: format the column as text and export again")]
    ExcelShortened,
    /// It has no international prefix and the import has no default region.
    #[error("no country code; write it as +<country code> or set a default region")]
    NoRegion,
    /// It parses, but no number of its country has that shape.
    #[error("not a valid phone number for its country")]
    Invalid,
}

/// Parses a two-letter region code (`DE`, `us`). Only regions libphonenumber has numbering
/// data for count: `Region` also knows codes such as `UK`, `XX` and `001`, in which no
/// national number can be read.
pub fn parse_region(code: &str) -> Option<Region> {
    let region = Region::from_code(&code.trim().to_ascii_uppercase()).ok()?;
    with_util(|util| util.get_country_code_for_region(region)).map(|_| region)
}

/// Normalizes `text` to E.164 (`+4915123456789`).
///
/// Numbers without an international prefix are read in `default_region`: with `DE`,
/// `+49 151 23456789`, `0049151 23456789`, `0151 23456789` and `151 23456789` (a leading zero
/// a spreadsheet dropped) are the same number; so is `4915123456789` (a `+` it dropped): digits
/// that start with the region's country code, or are no valid number of the region, are tried
/// as an international number.
pub fn normalize_phone(text: &str, default_region: Option<Region>) -> Result<String, PhoneError> {
    with_util(|util| normalize_with(util, text, default_region))
}

fn normalize_with(
    util: &PhoneNumberUtil,
    text: &str,
    default_region: Option<Region>,
) -> Result<String, PhoneError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return Err(PhoneError::Unparseable(if text.is_empty() { "it is empty" } else { "it is too long" }));
    }
    if is_scientific(text) {
        return Err(PhoneError::ExcelShortened);
    }
    // Digits that start with the region's own country code (`49…` in Germany) are far more
    // often an international number that lost its `+` than a national one.
    let own_code = default_region
        .and_then(|r| util.get_country_code_for_region(r))
        .is_some_and(|code| text.starts_with(&code.to_string()));
    if own_code
        && looks_like_lost_plus(text)
        && let Ok(e164) = parse_valid(util, &format!("+{text}"), None)
    {
        return Ok(e164);
    }
    match parse_valid(util, text, default_region) {
        Ok(e164) => Ok(e164),
        // A spreadsheet that stored `+4915123456789` as a number lost the `+`: digits that are
        // no valid number where the file is from are tried as an international number.
        Err(first) if looks_like_lost_plus(text) => {
            parse_valid(util, &format!("+{text}"), None).map_err(|_| first)
        }
        Err(first) => Err(first),
    }
}

fn parse_valid(
    util: &PhoneNumberUtil,
    text: &str,
    default_region: Option<Region>,
) -> Result<String, PhoneError> {
    let number = match util.parse(text, default_region) {
        Ok(number) => number,
        Err(rlibphonenumber::ParseError::InvalidCountryCode) if default_region.is_none() => {
            return Err(PhoneError::NoRegion);
        }
        Err(e) => return Err(PhoneError::Unparseable(plain_reason(&e))),
    };
    if !util.is_valid_number(&number) {
        return Err(PhoneError::Invalid);
    }
    Ok(util.format(&number, PhoneNumberFormat::E164).into_owned())
}

/// Only digits, as many as an international number has, and not starting with 0.
fn looks_like_lost_plus(text: &str) -> bool {
    (8..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0')
}

/// What a parse error means, in words for the person who wrote the number.
fn plain_reason(error: &rlibphonenumber::ParseError) -> &'static str {
    use rlibphonenumber::ParseError;
    match error {
        ParseError::InvalidCountryCode => "no country has that country code",
        ParseError::NotANumber(_) => "it is not written as one",
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => "too few digits",
        ParseError::TooLongNsn => "too many digits",
    }
}

/// A number in scientific notation as Excel shows and then saves a long number
/// (`4,91511E+12`, `4.91511E+12`, `4.9E12`): digits, an optional decimal mark and digits,
/// `E`, an optional sign, digits. A byte check: it runs for every phone cell.
fn is_scientific(text: &str) -> bool {
    let Some(at) = text.find(['E', 'e']) else { return false };
    let (mantissa, exponent) = (&text[..at], &text[at + 1..]);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mantissa_digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let marks = mantissa.bytes().filter(|b| matches!(b, b'.' | b',')).count();
    mantissa_digits > 0
        && marks <= 1
        && mantissa.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b','))
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// The extension a phone cell carries (`x12`, `ext. 7`, `;ext=3`, `#3456`) as libphonenumber
/// reads it, if any: E.164 has no room for it, so the import says it was left out. Cells
/// without a letter, `;` or `#` have none, and are not parsed a second time.
pub fn phone_extension(text: &str, default_region: Option<Region>) -> Option<String> {
    if !text.bytes().any(|b| b.is_ascii_alphabetic() || b == b';' || b == b'#') {
        return None;
    }
    with_util(|util| {
        let number = util.parse(text.trim(), default_region).ok()?;
        let extension = number.extension();
        (!extension.is_empty()).then(|| extension.to_string())
    })
}

/// Whether a number (E.164, as intake stores it) is a mobile number by libphonenumber's
/// number type: `Mobile`, or `FixedLineOrMobile` where a country's numbers do not tell.
pub fn is_mobile_number(e164: &str) -> bool {
    with_util(|util| {
        let Ok(number) = util.parse(e164, None) else { return false };
        matches!(
            util.get_number_type(&number),
            rlibphonenumber::PhoneNumberType::Mobile | rlibphonenumber::PhoneNumberType::FixedLineOrMobile
        )
    })
}
