//! E-mail addresses: trimmed, syntax-checked (RFC 5322 with Unicode local parts, no display
//! text, no IP literals, a TLD required), IDN domains accepted, and lower-cased so that
//! `John.Smith@x.com` and `john.smith@x.com` are one address.

use std::borrow::Cow;

use email_address::{EmailAddress, Options};

/// Why an e-mail address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// The address does not follow the syntax.
    #[error("not a valid e-mail address ({0})")]
    Syntax(String),
    /// The domain is not a valid (internationalized) domain name.
    #[error("not a valid e-mail domain")]
    Domain,
}

fn options() -> Options {
    Options::default().with_required_tld().without_display_text().without_domain_literal()
}

/// Normalizes an address: lower case, Unicode domain in NFC (as `idna` maps it).
pub fn normalize_email(text: &str) -> Result<String, EmailError> {
    normalize_email_of(text).map(Cow::into_owned)
}

/// [`normalize_email`], borrowing the address where it is in normal form already (a plain
/// address in lower case, as most are).
pub(crate) fn normalize_email_of(text: &str) -> Result<Cow<'_, str>, EmailError> {
    let text = text.trim();
    if is_plain_ascii(text) {
        return Ok(match text.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(text.to_ascii_lowercase()),
            false => Cow::Borrowed(text),
        });
    }
    normalize_email_fully(text).map(Cow::Owned)
}

/// [`normalize_email`] through the syntax checker and `idna`, for every address. Public so
/// that tests can hold the fast path to it.
#[doc(hidden)]
pub fn normalize_email_fully(text: &str) -> Result<String, EmailError> {
    let text = text.trim();
    let address = EmailAddress::parse_with_options(text, options())
        .map_err(|e| EmailError::Syntax(e.to_string().to_lowercase()))?;
    let local = address.local_part().to_lowercase();
    let domain = checked_domain(address.domain())?;
    if text.is_ascii() && !domain.contains("xn--") {
        // Nearly every address: lower-casing ASCII keeps the syntax valid and the domain is
        // its own Unicode form, so the round trip below would change nothing.
        return Ok(format!("{local}@{domain}"));
    }
    let (unicode_domain, result) = idna::domain_to_unicode(&domain);
    if result.is_err() {
        return Err(EmailError::Domain);
    }
    let normalized = format!("{local}@{unicode_domain}");
    // Lower-casing and decoding punycode can give text the syntax check rejects (`İ` becomes
    // `i` + U+0307, `xn--ls8h` an emoji, a local part longer than 64 bytes); such a result
    // would not normalize again, so the address is rejected instead.
    EmailAddress::parse_with_options(&normalized, options())
        .map_err(|e| EmailError::Syntax(e.to_string().to_lowercase()))?;
    Ok(normalized)
}

/// Whether an address has the plain shape nearly every real address has: ASCII letters,
/// digits and `. _ % + -` before the `@`, dot-separated labels of letters, digits and inner
/// hyphens after it, a TLD that is not all digits, no punycode label. For those the full
/// path's answer is the address lower-cased; this finds it without the syntax crate's
/// parser and `idna`'s mapping, which were a quarter of all the time spent preparing rows.
fn is_plain_ascii(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    let local_ok = (1..=64).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|pair| pair == b"..");
    if !local_ok || domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    for label in domain.split('.') {
        let plain = (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
            && !label.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--"));
        if !plain {
            return false;
        }
        labels += 1;
    }
    let tld_ok = domain.rsplit('.').next().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()));
    labels >= 2 && tld_ok
}

/// The key under which two addresses are the same: the normalized address with the domain
/// in ASCII (punycode), so `müller@bücher.de` and `müller@xn--bcher-kva.de` match.
pub fn email_match_key(normalized: &str) -> String {
    email_match_key_of(normalized).into_owned()
}

/// [`email_match_key`], borrowing the address itself where it is its own key (every address
/// with an ASCII domain): the store writer and matching need it for every contact.
pub fn email_match_key_of(normalized: &str) -> Cow<'_, str> {
    match normalized.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
            Ok(ascii) => Cow::Owned(format!("{local}@{ascii}")),
            Err(_) => Cow::Borrowed(normalized),
        },
        _ => Cow::Borrowed(normalized),
    }
}

/// The domain in ASCII form, with every label checked: `idna` alone lets `-b.com`,
/// `b..com` and `b.com.` through.
fn checked_domain(domain: &str) -> Result<String, EmailError> {
    let ascii = idna::domain_to_ascii(domain).map_err(|_| EmailError::Domain)?;
    let labels_ok = ascii.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let tld_ok = ascii.rsplit('.').next().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()));
    if !labels_ok || !tld_ok || ascii.len() > 253 || !ascii.contains('.') {
        return Err(EmailError::Domain);
    }
    Ok(ascii)
}
