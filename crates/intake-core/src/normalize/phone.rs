//! Phone numbers to E.164 with libphonenumber's rules (through `rlibphonenumber`, the
//! fastest and most faithful port we measured; see `docs/benchmarks.md`).

pub use rlibphonenumber::Region;
use rlibphonenumber::{PhoneNumber, PhoneNumberFormat};

/// Why a phone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// libphonenumber could not read it as a phone number at all.
    #[error("not a phone number ({0})")]
    Unparseable(String),
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
    rlibphonenumber::PHONE_NUMBER_UTIL.get_country_code_for_region(region).map(|_| region)
}

/// Normalizes `text` to E.164 (`+4915123456789`).
///
/// Numbers without an international prefix are read in `default_region`: with `DE`,
/// `+49 151 23456789`, `0049151 23456789`, `0151 23456789` and `151 23456789` (a leading zero
/// a spreadsheet dropped) are the same number.
pub fn normalize_phone(text: &str, default_region: Option<Region>) -> Result<String, PhoneError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return Err(PhoneError::Unparseable("too long or empty".into()));
    }
    let number = match PhoneNumber::parse(text, default_region) {
        Ok(number) => number,
        Err(rlibphonenumber::ParseError::InvalidCountryCode) if default_region.is_none() => {
            return Err(PhoneError::NoRegion);
        }
        Err(e) => return Err(PhoneError::Unparseable(e.to_string().to_lowercase())),
    };
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    Ok(number.format_as(PhoneNumberFormat::E164).into_owned())
}
