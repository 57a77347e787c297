//! Text values and content lines as vCard 3.0 and 4.0 write them: escaping and folding are
//! the same in RFC 2426 and RFC 6350, so the export's vCard 4.0 writer and the reader bench's
//! vCard 3.0 files share this one copy; and the names of intake's own `X-INTAKE-…`
//! properties, which the export writes and the reader reads.

/// A text value escaped (RFC 6350 §3.4, RFC 2426 §4): backslash, comma and semicolon get a
/// backslash, a line break becomes `\n`.
///
/// A carriage return is dropped: a raw CR may not stand in a value (VALUE-CHAR, RFC 6350
/// §3.3), and dropping it turns a CRLF line break into one `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends the content line `name:value` and its CRLF to `card`, folded (RFC 6350 §3.2,
/// RFC 2425 §5.8.1) so that no line is longer than 75 octets and no UTF-8 character is split:
/// a fold is CRLF and a space, which counts towards the next line's 75.
///
/// `value` is written as given: escape text values with [`escape`] first.
pub fn push_line(card: &mut String, name: &str, value: &str) {
    let mut width = 0;
    for c in name.chars().chain([':']).chain(value.chars()) {
        if width + c.len_utf8() > 75 {
            card.push_str("\r\n ");
            width = 1;
        }
        card.push(c);
        width += c.len_utf8();
    }
    card.push_str("\r\n");
}

/// [`push_line`], unless `value` is empty: a property without a value is left out.
pub fn push_line_if(card: &mut String, name: &str, value: &str) {
    if !value.is_empty() {
        push_line(card, name, value);
    }
}

/// The property under which intake writes a value vCard has no property for:
/// `X-INTAKE-` and `name` in capitals with `-` for `_` (`email_subscription` →
/// `X-INTAKE-EMAIL-SUBSCRIPTION`), since a property name may hold no `_` (RFC 6350 §3.3).
pub fn intake_property(name: &str) -> String {
    format!("X-INTAKE-{}", name.to_ascii_uppercase().replace('_', "-"))
}

/// The property of custom field `field`: `X-INTAKE-FIELD-` and its name, as
/// [`intake_property`] writes names.
pub fn field_property(field: &str) -> String {
    intake_property(&format!("field_{field}"))
}

/// The custom field whose [`field_property`] `property` is (in any case), if it is one.
pub fn field_of_property(property: &str) -> Option<String> {
    let prefix = "X-INTAKE-FIELD-";
    let (head, name) = (property.get(..prefix.len())?, property.get(prefix.len()..)?);
    let named = head.eq_ignore_ascii_case(prefix) && !name.is_empty();
    named.then(|| name.to_ascii_lowercase().replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_four_special_characters_and_drops_carriage_returns() {
        assert_eq!(escape(r"a\b,c;d:e"), r"a\\b\,c\;d:e");
        assert_eq!(escape("one\r\ntwo\nthree"), r"one\ntwo\nthree");
        assert_eq!(escape("Müller"), "Müller");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_a_character() {
        // "NOTE:" is 5 octets; 69 more fill the line to 74, so a 2-octet `ä` no longer fits.
        let value = format!("{}ä{}", "x".repeat(69), "y".repeat(80));
        let mut card = String::new();
        push_line(&mut card, "NOTE", &value);
        let lines: Vec<&str> = card.strip_suffix("\r\n").unwrap_or(&card).split("\r\n").collect();
        assert_eq!(lines[0], format!("NOTE:{}", "x".repeat(69)));
        assert!(lines[1].starts_with(" ä"));
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(card.replace("\r\n ", ""), format!("NOTE:{value}\r\n"));
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let mut card = String::new();
        push_line(&mut card, "NOTE", &"x".repeat(70));
        assert_eq!(card, format!("NOTE:{}\r\n", "x".repeat(70)));
    }

    #[test]
    fn intake_properties_name_fields_without_underscores_and_back() {
        assert_eq!(intake_property("email_subscription"), "X-INTAKE-EMAIL-SUBSCRIPTION");
        assert_eq!(field_property("c_text2"), "X-INTAKE-FIELD-C-TEXT2");
        assert_eq!(field_of_property("x-intake-field-C-TEXT2").as_deref(), Some("c_text2"));
        assert_eq!(field_of_property("X-INTAKE-FIELD-"), None);
        assert_eq!(field_of_property("X-INTAKE-LISTS"), None);
        assert_eq!(field_of_property("X-ÄNTAKE-FIELD-x"), None);
    }

    #[test]
    fn an_empty_value_leaves_the_property_out() {
        let mut card = String::new();
        push_line_if(&mut card, "ORG", "");
        assert_eq!(card, "");
        push_line_if(&mut card, "ORG", "Acme");
        assert_eq!(card, "ORG:Acme\r\n");
    }
}
