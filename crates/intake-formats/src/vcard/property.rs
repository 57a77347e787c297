//! One content line, `[group.]NAME[;param…]:value`: split into its parts, its parameters
//! reduced to what the reader uses (TYPE, PREF, ENCODING, CHARSET, bare 2.1 types), and its
//! value decoded (quoted-printable, base64, charset) and unescaped (`\,` `\;` `\:` `\n` `\\`).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::encoding;

/// How a value's bytes are transfer-encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Transfer {
    /// As written.
    #[default]
    Plain,
    /// `ENCODING=QUOTED-PRINTABLE` (vCard 2.1).
    QuotedPrintable,
    /// `ENCODING=b` / `ENCODING=BASE64`.
    Base64,
}

/// The parameters the reader uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Params {
    /// A TYPE (or bare 2.1 type) says cell, mobile or iPhone.
    pub mobile: bool,
    /// A TYPE (or bare 2.1 type, or intake's `X-WHATSAPP=true`) says WhatsApp.
    pub whatsapp: bool,
    /// Preference: 1 for `PREF`/`TYPE=pref`, `PREF=n` in 4.0; lower wins.
    pub pref: Option<u32>,
    /// Transfer encoding of the value.
    pub transfer: Transfer,
    /// The declared `CHARSET`, when it names a known encoding.
    pub charset: Option<&'static encoding_rs::Encoding>,
    /// Apple's `X-APPLE-OMIT-YEAR=1604`: a BDAY with this year has no real year.
    pub omit_year: Option<u32>,
    /// A TYPE says home or work (which address is the contact's own).
    pub place: Place,
}

/// Where a TYPE puts an address: home before work before anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    Home,
    Work,
    #[default]
    Other,
}

/// A parsed content line borrowing the line's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Property<'a> {
    /// The group (`item1` of `item1.TEL`), if any.
    pub group: Option<&'a [u8]>,
    /// The property name as written.
    pub name: &'a [u8],
    /// Its parameters.
    pub params: Params,
    /// The raw value bytes.
    pub value: &'a [u8],
}

/// Parses a content line; `None` when it is not one (no colon, or a malformed name).
pub(crate) fn parse(line: &[u8]) -> Option<Property<'_>> {
    let colon = value_colon(line)?;
    let head = &line[..colon];
    let name_end = head.iter().position(|&b| b == b';').unwrap_or(head.len());
    let full_name = &head[..name_end];
    let (group, name) = match full_name.iter().rposition(|&b| b == b'.') {
        Some(dot) => (Some(&full_name[..dot]), &full_name[dot + 1..]),
        None => (None, full_name),
    };
    if !is_name(name) || group.is_some_and(|g| !is_name(g)) {
        return None;
    }
    let params = parse_params(head.get(name_end + 1..).unwrap_or_default());
    Some(Property { group, name, params, value: &line[colon + 1..] })
}

/// The first `:` outside double quotes.
fn value_colon(line: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn is_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_params(text: &[u8]) -> Params {
    let mut params = Params::default();
    for param in split_outside_quotes(text, b';') {
        match param.iter().position(|&b| b == b'=') {
            Some(eq) => keyed_param(&mut params, param[..eq].trim_ascii(), &param[eq + 1..]),
            None => bare_param(&mut params, unquote(param)),
        }
    }
    params
}

fn keyed_param(params: &mut Params, key: &[u8], values: &[u8]) {
    let values = unquote(values);
    if key.eq_ignore_ascii_case(b"TYPE") {
        for value in split_outside_quotes(values, b',') {
            bare_param(params, unquote(value));
        }
    } else if key.eq_ignore_ascii_case(b"ENCODING") {
        bare_param(params, values);
    } else if key.eq_ignore_ascii_case(b"CHARSET") {
        params.charset = encoding::for_label(values);
    } else if key.eq_ignore_ascii_case(b"PREF") {
        params.pref = Some(parse_number(values).unwrap_or(1));
    } else if key.eq_ignore_ascii_case(b"X-APPLE-OMIT-YEAR") {
        params.omit_year = parse_number(values);
    } else if key.eq_ignore_ascii_case(b"X-WHATSAPP") {
        // As intake's export writes the WhatsApp number: `TEL;TYPE=cell;X-WHATSAPP=true`.
        params.whatsapp = !values.eq_ignore_ascii_case(b"false");
    }
}

/// A bare 2.1 parameter (`CELL`, `PREF`, `QUOTED-PRINTABLE`) or one TYPE value.
fn bare_param(params: &mut Params, value: &[u8]) {
    let value = value.trim_ascii();
    let is = |word: &[u8]| value.eq_ignore_ascii_case(word);
    if is(b"QUOTED-PRINTABLE") {
        params.transfer = Transfer::QuotedPrintable;
    } else if is(b"B") || is(b"BASE64") {
        params.transfer = Transfer::Base64;
    } else if is(b"PREF") {
        params.pref = Some(params.pref.map_or(1, |p| p.min(1)));
    } else if is(b"CELL") || is(b"MOBILE") || is(b"IPHONE") || is(b"X-MOBILE") {
        params.mobile = true;
    } else if is(b"HOME") {
        params.place = Place::Home;
    } else if is(b"WORK") && params.place != Place::Home {
        params.place = Place::Work;
    } else if is(b"WHATSAPP") || is(b"X-WHATSAPP") {
        params.whatsapp = true;
    }
}

fn parse_number(text: &[u8]) -> Option<u32> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

fn unquote(text: &[u8]) -> &[u8] {
    let text = text.trim_ascii();
    match text {
        [b'"', inner @ .., b'"'] => inner,
        _ => text,
    }
}

fn split_outside_quotes(text: &[u8], separator: u8) -> impl Iterator<Item = &[u8]> {
    let mut quoted = false;
    text.split(move |&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == separator && !quoted
    })
    .filter(|part| !part.trim_ascii().is_empty())
}

/// Decodes a value to text: transfer encoding, then charset. The flag is true when some
/// bytes were not valid in the charset used (they are shown as U+FFFD).
pub(crate) fn decode_value(
    property: &Property<'_>,
    fallback: &'static encoding_rs::Encoding,
) -> (String, bool) {
    let params = &property.params;
    let bytes: Cow<'_, [u8]> = match params.transfer {
        Transfer::Plain => Cow::Borrowed(property.value),
        Transfer::QuotedPrintable => {
            match quoted_printable::decode(property.value, quoted_printable::ParseMode::Robust) {
                Ok(decoded) => Cow::Owned(decoded),
                Err(_) => Cow::Borrowed(property.value),
            }
        }
        Transfer::Base64 => match base64_decode(property.value) {
            Some(decoded) => Cow::Owned(decoded),
            None => Cow::Borrowed(property.value),
        },
    };
    let transformed = params.transfer != Transfer::Plain;
    let (text, bad) = encoding::decode(&bytes, params.charset, transformed, fallback);
    let text =
        if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text.into_owned() };
    (text, bad)
}

fn base64_decode(value: &[u8]) -> Option<Vec<u8>> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = value.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    engine.decode(compact).ok()
}

/// Removes vCard escapes: `\n`/`\N` become a line break, `\\` `\,` `\;` `\:` their character;
/// any other backslash is kept as written.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(escaped @ ('\\' | ',' | ';' | ':')) => out.push(escaped),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits at `separator` where it is not escaped, unescaping each part.
pub(crate) fn split_unescaped(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(unescape(&text[start..i]));
            start = i + c.len_utf8();
        }
    }
    parts.push(unescape(&text[start..]));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_groups_bare_types_and_type_lists() {
        let p = parse(b"item1.TEL;CELL;PREF:+49 151").expect("property");
        assert_eq!(p.group, Some(&b"item1"[..]));
        assert_eq!(p.name, b"TEL");
        assert!(p.params.mobile);
        assert_eq!(p.params.pref, Some(1));
        let p = parse(br#"TEL;TYPE="voice,cell":1"#).expect("property");
        assert!(p.params.mobile);
        let p = parse(b"EMAIL;PREF=2:a@b.c").expect("property");
        assert_eq!(p.params.pref, Some(2));
        let p = parse(b"TEL;VALUE=uri;TYPE=cell;X-WHATSAPP=true:tel:+4915199999999").expect("property");
        assert!(p.params.whatsapp && p.params.mobile);
        assert!(!parse(b"TEL;X-WHATSAPP=false:1").expect("property").params.whatsapp);
        assert!(parse(b"blablabla").is_none());
        assert!(parse(b"a b:c").is_none());
    }

    #[test]
    fn decodes_quoted_printable_with_charset() {
        let p = parse(b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller").expect("property");
        assert_eq!(decode_value(&p, encoding_rs::WINDOWS_1252).0, "M\u{fc}ller");
        let p = parse(b"N;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCller").expect("property");
        assert_eq!(decode_value(&p, encoding_rs::WINDOWS_1252).0, "M\u{fc}ller");
    }

    #[test]
    fn unescapes_and_splits() {
        assert_eq!(split_unescaped(r"a\;b;c\,d;e\nf", ';'), vec!["a;b", "c,d", "e\nf"]);
        assert_eq!(unescape(r"C:\temp \\ x\:y"), r"C:\temp \ x:y");
    }
}
