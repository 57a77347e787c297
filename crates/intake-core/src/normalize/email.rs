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
    /// The address does not follow the syntax; the text says how, in a person's words.
    #[error("not a valid e-mail address: {0}")]
    Syntax(&'static str),
    /// The domain is not a valid (internationalized) domain name.
    #[error("not a valid e-mail domain")]
    Domain,
}

/// What is wrong with an address, in a person's words rather than the parser's.
fn in_words(error: email_address::Error) -> EmailError {
    use email_address::Error as E;
    EmailError::Syntax(match error {
        E::MissingSeparator => "it has no @",
        E::LocalPartEmpty => "nothing before the @",
        E::DomainEmpty => "nothing after the @",
        E::LocalPartTooLong => "the part before the @ is longer than 64 characters",
        E::DomainTooLong | E::SubDomainTooLong => "the part after the @ is too long",
        E::DomainTooFew => "the part after the @ has no dot (like example.com)",
        E::SubDomainEmpty | E::DomainInvalidSeparator => "a dot is misplaced after the @",
        E::UnbalancedQuotes => "a quote is not closed",
        E::UnsupportedDisplayName | E::MissingDisplayName | E::MissingEndBracket => {
            "it holds a name or angle brackets besides the address"
        }
        E::UnsupportedDomainLiteral | E::InvalidIPAddress => "it has an IP address after the @",
        _ => "it holds a character an address cannot have (a space, a comma, a second @ …)",
    })
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
        Some((local, domain)) if is_plain_local(local.as_bytes()) && !domain.contains(['@', '<']) => {
            let domain = normalized_domain(domain)?;
            let mut address = local.to_ascii_lowercase();
            address.push('@');
            address.push_str(&domain);
            Ok(Cow::Owned(address))
        }
        _ => normalize_email_fully(text).map(Cow::Owned),
    }
}

/// Domains each thread remembers an answer for, per cache, at most this many: a contact
/// file has far fewer domains than addresses.
const DOMAIN_CACHE: usize = 4096;

/// A domain as written, and what a function of it gave.
type DomainCache<V> = HashMap<Box<str>, V>;

thread_local! {
    /// [`normalized_domain`]'s answers.
    static DOMAINS: RefCell<DomainCache<Result<Box<str>, EmailError>>> = RefCell::new(HashMap::new());
    /// [`ascii_domain`]'s answers.
    static ASCII_DOMAINS: RefCell<DomainCache<Option<Box<str>>>> = RefCell::new(HashMap::new());
}

/// `compute(domain)`, remembered in this thread's `cache`.
fn cached<V: Clone>(
    cache: &'static std::thread::LocalKey<RefCell<DomainCache<V>>>,
    domain: &str,
    compute: impl FnOnce(&str) -> V,
) -> V {
    if let Some(known) = cache.with_borrow(|known| known.get(domain).cloned()) {
        return known;
    }
    let answer = compute(domain);
    cache.with_borrow_mut(|known| {
        if known.len() >= DOMAIN_CACHE {
            known.clear();
        }
        known.insert(domain.into(), answer.clone());
    });
    answer
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
    cached(&DOMAINS, domain, |domain| {
        normalize_email_fully(&format!("x@{domain}"))
            .map(|address| address.split_once('@').map_or(address.as_str(), |(_, domain)| domain).into())
    })
}

/// [`normalize_email`] through the syntax checker and `idna`, for every address. Public so
/// that tests can hold the fast path to it.
#[doc(hidden)]
pub fn normalize_email_fully(text: &str) -> Result<String, EmailError> {
    let text = text.trim();
    let address = EmailAddress::parse_with_options(text, options()).map_err(in_words)?;
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
    EmailAddress::parse_with_options(&normalized, options()).map_err(in_words)?;
    Ok(normalized)
}

/// Whether an address has the plain shape nearly every real address has: ASCII letters,
/// digits and `. _ % + -` before the `@`, dot-separated labels of letters, digits and inner
/// hyphens after it, a TLD that is not all digits, no punycode label. For those the full
/// path's answer is the address lower-cased; this finds it without the syntax crate's
/// parser and `idna`'s mapping, which were a quarter of all the time spent preparing rows.
/// One pass over the bytes of each part: splitting the domain into labels with `str`'s
/// searchers was 2 % of an import's time.
fn is_plain_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else { return false };
    is_plain_local(&bytes[..at]) && is_plain_domain(&bytes[at + 1..])
}

/// Whether `local` is a plain local part: 1 to 64 of ASCII letters, digits and `. _ % + -`,
/// no dot at either end or next to another.
fn is_plain_local(local: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (local.first(), local.last()) else { return false };
    if local.len() > 64 || first == b'.' || last == b'.' {
        return false;
    }
    let mut previous = 0;
    for &byte in local {
        let allowed = byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'%' | b'+' | b'-');
        if !allowed || (byte == b'.' && previous == b'.') {
            return false;
        }
        previous = byte;
    }
    true
}

/// Whether `domain` is at most 253 bytes of two or more labels of 1 to 63 ASCII letters,
/// digits and inner hyphens, none starting with `xn--`, the last not all digits.
fn is_plain_domain(domain: &[u8]) -> bool {
    if domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last_all_digits = false;
    for label in domain.split(|&b| b == b'.') {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else { return false };
        let punycode = label.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"xn--"));
        if label.len() > 63 || first == b'-' || last == b'-' || punycode {
            return false;
        }
        let mut all_digits = true;
        for &byte in label {
            if !(byte.is_ascii_alphanumeric() || byte == b'-') {
                return false;
            }
            all_digits &= byte.is_ascii_digit();
        }
        labels += 1;
        last_all_digits = all_digits;
    }
    labels >= 2 && !last_all_digits
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
        Some((local, domain)) if !domain.is_ascii() => match ascii_domain(domain) {
            // Not `format!`, whose machinery cost more than the copies (0.5 % of an import).
            Some(ascii) => Cow::Owned([local, "@", &ascii].concat()),
            None => Cow::Borrowed(normalized),
        },
        _ => Cow::Borrowed(normalized),
    }
}

/// `idna`'s ASCII form of an internationalized domain, from a cache per thread: the store
/// writer, which bounds a load into an empty store, keys every such contact by it.
fn ascii_domain(domain: &str) -> Option<Box<str>> {
    cached(&ASCII_DOMAINS, domain, |domain| idna::domain_to_ascii(domain).ok().map(String::into_boxed_str))
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
