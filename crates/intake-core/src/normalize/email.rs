//! E-mail addresses: trimmed, syntax-checked (RFC 5322 with Unicode local parts, no display
//! text, no IP literals, a TLD required), IDN domains accepted, and lower-cased so that
//! `John.Smith@x.com` and `john.smith@x.com` are one address.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

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
    match text.split_once('@') {
        Some((local, domain)) if is_plain_local(local) && !domain.contains(['@', '<']) => {
            let domain = normalized_domain(domain)?;
            Ok(Cow::Owned(format!("{}@{domain}", local.to_ascii_lowercase())))
        }
        _ => normalize_email_fully(text).map(Cow::Owned),
    }
}

/// Domains whose full-path normalization each thread has seen, at most this many.
const DOMAIN_CACHE: usize = 4096;

/// A domain as written, and its normalized form or why it is rejected.
type DomainCache = HashMap<Box<str>, Result<Box<str>, EmailError>>;

thread_local! {
    static DOMAINS: RefCell<DomainCache> = RefCell::new(HashMap::new());
}

/// The normalized form of `domain` (as the full path gives it behind a plain local part),
/// or why an address with it is rejected, from a cache per thread. The full path (syntax
/// check and `idna` both ways, about 2.5 µs) was a tenth of the workers' time on a file
/// where 9 % of the addresses have an internationalized domain; a contact file has far
/// fewer domains than addresses.
///
/// Behind a plain local part (a valid dot-atom) the full path's answer depends on the
/// domain alone: the syntax check takes the local part and the domain apart (this domain
/// holds no `@` and no `<`, so they split where the local part ends) and checks each on its
/// own, and the result is the local part lower-cased, an `@` and a function of the domain.
/// So the domain's answer is taken from the address `x@domain`.
fn normalized_domain(domain: &str) -> Result<Box<str>, EmailError> {
    if let Some(known) = DOMAINS.with_borrow(|domains| domains.get(domain).cloned()) {
        return known;
    }
    let normalized = normalize_email_fully(&format!("x@{domain}"))
        .map(|address| address.split_once('@').map_or(address.as_str(), |(_, domain)| domain).into());
    DOMAINS.with_borrow_mut(|domains| {
        if domains.len() >= DOMAIN_CACHE {
            domains.clear();
        }
        domains.insert(domain.into(), normalized.clone());
    });
    normalized
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
    if !is_plain_local(local) || domain.len() > 253 {
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

/// Whether `local` is a plain local part: 1 to 64 of ASCII letters, digits and `. _ % + -`,
/// no dot at either end or next to another.
fn is_plain_local(local: &str) -> bool {
    (1..=64).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|pair| pair == b"..")
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
