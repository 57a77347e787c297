//! Property tests for the normalizers: every normalizer is total (any string gives `Ok` or
//! `Err`, never a panic) and idempotent (its output normalizes to itself); e-mail ignores
//! ASCII case; a German number is the same in `+49`, `0049` and national spelling.

use intake_core::model::{FieldDef, FieldKind, FieldType};
use intake_core::normalize::{
    Cell, Normalizer, Region, email_match_key, formula_guard, normalize_boolean, normalize_choice,
    normalize_date, normalize_decimal, normalize_decimal_with_mark, normalize_email, normalize_email_fully,
    normalize_emails, normalize_integer, normalize_multi_choice, normalize_phone, normalize_phones,
    normalize_url, parse_region,
};
use proptest::prelude::*;
use proptest::sample::select;

const REGIONS: [&str; 12] = ["DE", "US", "GB", "FR", "IT", "AT", "CH", "AR", "BR", "RU", "IN", "JP"];

const DATE_FORMATS: [Option<&str>; 7] = [
    None,
    Some("%d/%m/%Y"),
    Some("%m/%d/%Y"),
    Some("%d.%m.%Y"),
    Some("%Y-%m-%d"),
    Some("%Y%m%d"),
    Some("%d %b %Y"),
];

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

fn region(code: &str) -> Region {
    parse_region(code).expect("a region libphonenumber knows")
}

fn de() -> Option<Region> {
    Some(region("DE"))
}

fn field(field_type: FieldType, choices: Vec<String>) -> FieldDef {
    FieldDef {
        name: "f".into(),
        label: "F".into(),
        field_type,
        choices,
        kind: FieldKind::Custom,
        aliases: Vec::new(),
    }
}

/// Upper-cases the ASCII letters of `text` where `mask` says so.
fn upper_where(text: &str, mask: &[bool]) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| if mask[i % mask.len()] { c.to_ascii_uppercase() } else { c })
        .collect()
}

/// Changes the case of `text` (all upper, all lower or mixed) and pads it with spaces.
fn respell(text: &str, style: u8) -> String {
    match style % 4 {
        0 => text.to_string(),
        1 => text.to_uppercase(),
        2 => format!("  {}\t", text.to_lowercase()),
        _ => text
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies for realistic-ish input

fn phone_like() -> impl Strategy<Value = String> {
    let prefix = select(vec!["", "", "+49 ", "0049 ", "0", "+1 ", "+44 ", "+", "00", "+49 (0) "]);
    let separator = select(vec!["", " ", "-", "/", ".", " - "]);
    prop_oneof![
        "[+0-9 ()./-]{0,24}",
        (prefix, prop::collection::vec("[0-9]{1,5}", 1..5), separator)
            .prop_map(|(prefix, groups, sep)| format!("{prefix}{}", groups.join(sep))),
        "\\(0[0-9]{2,4}\\) ?[0-9]{3}[- ]?[0-9]{2,5}",
        "\\+?[0-9]{1,3} [0-9]{2,4} [0-9]{4,8}( (ext\\.?|x) ?[0-9]{1,4})?",
        "[0-9a-zA-Z+ ]{1,16}",
    ]
}

/// Addresses in and just outside the plain ASCII shape: odd dots, hyphens at label ends,
/// digit TLDs, over-long parts, punycode-looking labels.
fn plain_email_like() -> impl Strategy<Value = String> {
    let local = prop_oneof!["[a-zA-Z0-9._%+-]{1,20}", "[a-z.]{0,4}", "[a-z0-9]{62,66}"];
    let label = prop_oneof!["[a-zA-Z0-9-]{1,12}", "[0-9]{1,3}", "[xX][nN]--[a-z0-9-]{0,8}", "[a-z]{62,64}"];
    (local, prop::collection::vec(label, 0..5), prop_oneof![Just(""), Just(" "), Just(".")])
        .prop_map(|(local, labels, end)| format!("{local}@{}{end}", labels.join(".")))
}

fn email_like() -> impl Strategy<Value = String> {
    let local = prop_oneof![
        "[a-zA-Z0-9._%+-]{1,20}",
        "[a-zA-Z0-9äöüÄÖÜßéÉİıÅK.]{1,12}",
        "\"[a-zA-Z0-9 .@]{0,10}\"",
        "[a-zA-Z0-9]{60,70}",
    ];
    let label = prop_oneof![
        "[a-zA-Z0-9-]{1,12}",
        "[a-zA-Z0-9äöüÄÖÜéßあ-]{1,10}",
        "xn--[a-z0-9]{2,10}",
        Just("xn--bcher-kva".to_string()),
        Just("bücher".to_string()),
        Just("müNCHEN".to_string()),
    ];
    let tld = prop_oneof!["[a-zA-Z]{2,6}", "xn--[a-z0-9]{2,8}", "[0-9]{1,3}", Just("de".to_string())];
    let space = select(vec!["", "", " ", "\t"]);
    (space.clone(), local, prop::collection::vec(label, 0..4), tld, space).prop_map(
        |(before, local, labels, tld, after)| {
            let mut domain = labels.join(".");
            if !domain.is_empty() {
                domain.push('.');
            }
            domain.push_str(&tld);
            format!("{before}{local}@{domain}{after}")
        },
    )
}

fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (-10i32..=10_000, 0u32..=13, 0u32..=32, 0u8..6).prop_map(|(y, m, d, style)| match style {
            0 => format!("{y:04}-{m:02}-{d:02}"),
            1 => format!("{y}-{m}-{d}"),
            2 => format!("{d:02}/{m:02}/{y:04}"),
            3 => format!("{m}/{d}/{y}"),
            4 => format!("{d}.{m}.{y}"),
            _ => format!("{y:04}{m:02}{d:02}"),
        }),
        "[0-9]{1,2} (Jan|Feb|Mar|Apr|May|jun|JUL|Aug|Sept|Oct|Nov|Dec|Foo) -?[0-9]{1,5}",
        "[0-9/.+ -]{0,14}",
    ]
}

fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]?[+-]{0,2}[0-9]{0,22}[ ]?",
        "[+-]?[0-9]{0,20}(\\.[0-9]{0,20})?",
        "[+-]?0{0,5}[0-9]{0,3}([.,][0-9]{0,4})?",
        "[+-]?[0-9]{39,42}(\\.[0-9]{0,3})?",
        "[0-9eE.,_ +-]{0,10}",
    ]
}

fn boolean_like() -> impl Strategy<Value = String> {
    let word = select(vec!["true", "false", "yes", "no", "y", "n", "1", "0", "maybe", "ja", "t"]);
    prop_oneof![(word, any::<u8>()).prop_map(|(w, style)| respell(w, style)), "[a-zA-Z01 ]{0,6}"]
}

fn url_like() -> impl Strategy<Value = String> {
    let scheme = select(vec!["", "", "http://", "https://", "HTTPS://", "ftp://", "//", "mailto:"]);
    let label = prop_oneof!["[a-zA-Z0-9-]{1,10}", "[a-zäüß0-9]{1,6}", Just("localhost".to_string())];
    let port = prop_oneof![Just(String::new()), "[0-9]{1,5}".prop_map(|p| format!(":{p}"))];
    let path = "(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,8}){0,3}";
    let query = "(\\?[a-zA-Z0-9=&%/:._-]{0,20})?(#[a-zA-Z0-9/.]{0,5})?";
    (scheme, prop::collection::vec(label, 1..4), port, path, query).prop_map(
        |(scheme, labels, port, path, query)| format!("{scheme}{}{port}{path}{query}", labels.join(".")),
    )
}

/// Declared choice ids as a schema accepts them: non-empty after trimming, no `|`.
fn choice_ids() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9_-]{1,8}",
            "[a-zA-ZäÖüİıßK ]{1,8}",
            select(vec!["none", "None", "n/a", "-", "null", "NULL"]).prop_map(str::to_string),
        ],
        1..6,
    )
    .prop_filter("schema-valid choice ids", |ids| ids.iter().all(|id| !id.trim().is_empty()))
}

/// Choice ids and a cell for them: declared ids re-spelled, `|`-joined, or anything.
fn choices_and_input() -> impl Strategy<Value = (Vec<String>, String)> {
    choice_ids().prop_flat_map(|ids| {
        let picked = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4);
        let from_ids = {
            let ids = ids.clone();
            (picked, select(vec!["|", " | ", "||", "|"])).prop_map(move |(picks, sep)| {
                picks
                    .iter()
                    .map(|(index, style)| respell(index.get::<String>(&ids), *style))
                    .collect::<Vec<_>>()
                    .join(sep)
            })
        };
        (Just(ids), prop_oneof![3 => from_ids, 1 => "[a-zA-Z |]{0,10}", 1 => any::<String>()])
    })
}

/// Any cell text: arbitrary strings and every realistic-ish shape above.
fn any_cell() -> impl Strategy<Value = String> {
    let placeholder = select(vec!["-", "n/a", "N/A", "null", "NULL", "none", "None", " n/a "]);
    prop_oneof![
        2 => any::<String>(),
        1 => phone_like(),
        1 => email_like(),
        1 => date_like(),
        1 => number_like(),
        1 => boolean_like(),
        1 => url_like(),
        1 => placeholder.prop_map(str::to_string),
        1 => "[ \t]{0,3}",
    ]
}

// ---------------------------------------------------------------------------------------------
// Phone

fn check_phone(text: &str, region: Option<Region>) -> Result<(), TestCaseError> {
    if let Ok(e164) = normalize_phone(text, region) {
        prop_assert!(e164.starts_with('+'), "{text:?} gave {e164:?}");
        prop_assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{text:?} gave {e164:?}");
        prop_assert_eq!(normalize_phone(&e164, region), Ok(e164.clone()), "input {:?}", text);
        prop_assert_eq!(normalize_phone(&e164, None), Ok(e164.clone()), "input {:?}", text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn phone_total_and_idempotent_on_any_string(text in any::<String>(), code in select(REGIONS.to_vec())) {
        check_phone(&text, None)?;
        check_phone(&text, Some(region(code)))?;
    }

    #[test]
    fn phone_total_and_idempotent_on_phone_like(text in phone_like(), code in select(REGIONS.to_vec())) {
        check_phone(&text, None)?;
        check_phone(&text, Some(region(code)))?;
    }

    /// A German number written `+49…`, `0049…` or `0…` (national) is one number.
    #[test]
    fn phone_de_prefixes_agree(
        groups in prop_oneof![
            "1[5-7][0-9]{1,2}".prop_flat_map(|head| (Just(head), prop::collection::vec("[0-9]{1,4}", 1..4))),
            "[1-9][0-9]{0,3}".prop_flat_map(|head| (Just(head), prop::collection::vec("[0-9]{1,4}", 0..4))),
        ],
        sep in select(vec!["", " ", "-", "/", " "]),
    ) {
        let (head, rest) = groups;
        let digits = std::iter::once(head).chain(rest).collect::<Vec<_>>().join(sep);
        if let Ok(e164) = normalize_phone(&format!("+49{digits}"), de()) {
            prop_assert_eq!(normalize_phone(&format!("+49 {digits}"), de()), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format!("0049{digits}"), de()), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format!("0{digits}"), de()), Ok(e164.clone()));
            prop_assert_eq!(normalize_phone(&format!("+49{digits}"), None), Ok(e164.clone()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail

fn check_email(text: &str) -> Result<(), TestCaseError> {
    if let Ok(normalized) = normalize_email(text) {
        prop_assert_eq!(normalize_email(&normalized), Ok(normalized.clone()), "input {:?}", text);
        // The match key is the same address with an ASCII domain: it normalizes back.
        let key = email_match_key(&normalized);
        prop_assert!(key.rsplit_once('@').is_some_and(|(_, domain)| domain.is_ascii()), "{key:?}");
        prop_assert_eq!(normalize_email(&key), Ok(normalized.clone()), "input {:?}", text);
        prop_assert_eq!(email_match_key(&key), key.clone());
        // Matching's allocation-free check agrees with comparing the keys.
        let email = intake_core::identify::IdentifierKind::Email;
        prop_assert!(intake_core::plan::has_match_key(email, &normalized, &key));
        prop_assert!(intake_core::plan::has_match_key(email, &key, &key));
        let other = ["x", key.as_str()].concat();
        prop_assert!(!intake_core::plan::has_match_key(email, &normalized, &other));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn email_total_and_idempotent_on_any_string(text in any::<String>()) {
        check_email(&text)?;
    }

    #[test]
    fn email_total_and_idempotent_on_email_like(text in email_like()) {
        check_email(&text)?;
    }

    /// The fast path for plain ASCII addresses answers exactly as the full syntax check and
    /// `idna` do, on addresses, near-addresses and anything at all.
    #[test]
    fn email_fast_path_agrees_with_the_full_path(
        text in prop_oneof![email_like(), plain_email_like(), any::<String>()]
    ) {
        prop_assert_eq!(normalize_email(&text), normalize_email_fully(&text), "input {:?}", text);
    }

    /// Addresses that share a domain are normalized as the full path does each of them, in
    /// whatever order they come (the fast path remembers each domain's answer per thread).
    #[test]
    fn email_domain_cache_agrees_with_the_full_path(
        locals in prop::collection::vec(prop_oneof!["[a-zA-Z0-9._%+-]{1,12}", "[a-z0-9äÖ\"]{1,6}"], 2..5),
        domain in prop_oneof![
            "[a-zA-Z0-9äöüÄÖÜéßあ.-]{1,16}",
            "[a-zA-Z0-9äöü-]{1,10}\\.(de|xn--p1ai|[0-9]{1,2}|)",
            Just("Müller-bau.De".to_string()),
            Just("xn--mller-bau-4ob.de".to_string()),
            Just("bücher.de.".to_string()),
            any::<String>(),
        ],
    ) {
        for local in &locals {
            let text = format!("{local}@{domain}");
            prop_assert_eq!(normalize_email(&text), normalize_email_fully(&text), "input {:?}", text);
            // The match key's cached ASCII domain is `idna`'s.
            if let Ok(normalized) = normalize_email(&text)
                && let Some((local, domain)) = normalized.rsplit_once('@')
                && let Ok(ascii) = idna::domain_to_ascii(domain)
            {
                prop_assert_eq!(email_match_key(&normalized), format!("{local}@{ascii}"));
            }
        }
    }

    /// Upper-casing ASCII letters anywhere never changes the normalized address.
    #[test]
    fn email_ignores_ascii_case(text in email_like(), mask in prop::collection::vec(any::<bool>(), 1..16)) {
        let upper = upper_where(&text, &mask);
        let (lower_result, upper_result) = (normalize_email(&text), normalize_email(&upper));
        prop_assert_eq!(lower_result.is_ok(), upper_result.is_ok(), "{:?} vs {:?}", text, upper);
        if let (Ok(a), Ok(b)) = (lower_result, upper_result) {
            prop_assert_eq!(a, b, "{:?} vs {:?}", text, upper);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

fn check_date(text: &str, format: Option<&str>) -> Result<(), TestCaseError> {
    if let Ok(iso) = normalize_date(text, format) {
        // The output is canonical ISO whatever the input format was.
        prop_assert_eq!(iso.len(), 10, "{:?} with {:?} gave {:?}", text, format, iso);
        prop_assert_eq!(normalize_date(&iso, None), Ok(iso.clone()), "{:?} with {:?}", text, format);
        prop_assert_eq!(normalize_date(&iso, Some("%Y-%m-%d")), Ok(iso.clone()));
        if format.is_none() {
            prop_assert_eq!(iso.as_str(), text.trim());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn date_total_and_idempotent_on_any_string(text in any::<String>(), format in select(DATE_FORMATS.to_vec())) {
        check_date(&text, format)?;
    }

    #[test]
    fn date_total_and_idempotent_on_date_like(text in date_like(), format in select(DATE_FORMATS.to_vec())) {
        check_date(&text, format)?;
    }

    /// A day that exists in ISO form is accepted and kept as written.
    #[test]
    fn date_real_days_are_kept(year in 0i16..=9999, month in 1i8..=12, day in 1i8..=31) {
        let text = format!("{year:04}-{month:02}-{day:02}");
        let exists = jiff::civil::Date::new(year, month, day).is_ok();
        prop_assert_eq!(normalize_date(&text, None).is_ok(), exists, "{}", text);
        let dmy = format!("{day:02}/{month:02}/{year:04}");
        prop_assert_eq!(normalize_date(&dmy, Some("%d/%m/%Y")).ok(), exists.then_some(text.clone()));
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers and booleans

fn check_numbers(text: &str) -> Result<(), TestCaseError> {
    let integer = normalize_integer(text);
    if let Ok(value) = &integer {
        prop_assert_eq!(normalize_integer(value), Ok(value.clone()), "input {:?}", text);
        let parsed: i64 = value.parse().expect("an integer result is an i64");
        prop_assert_eq!(&parsed.to_string(), value);
    }
    let decimal = normalize_decimal(text);
    if let Ok(value) = &decimal {
        prop_assert_eq!(normalize_decimal(value), Ok(value.clone()), "input {:?}", text);
        // Canonical: no `+`, no leading zeros, no negative zero.
        let unsigned = value.strip_prefix('-').unwrap_or(value);
        let whole = unsigned.split('.').next().unwrap_or_default();
        prop_assert!(!unsigned.starts_with('+'), "{value:?}");
        prop_assert!(whole == "0" || !whole.starts_with('0'), "{value:?}");
        if value.starts_with('-') {
            prop_assert!(unsigned.bytes().any(|b| (b'1'..=b'9').contains(&b)), "{value:?}");
        }
    }
    if let (Ok(a), Ok(b)) = (&integer, &decimal) {
        prop_assert_eq!(a, b, "integer and decimal disagree on {:?}", text);
    }
    Ok(())
}

fn check_boolean(text: &str) -> Result<(), TestCaseError> {
    if let Ok(value) = normalize_boolean(text) {
        prop_assert!(value == "true" || value == "false");
        prop_assert_eq!(normalize_boolean(&value), Ok(value.clone()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn numbers_total_and_idempotent_on_any_string(text in any::<String>()) {
        check_numbers(&text)?;
    }

    #[test]
    fn numbers_total_and_idempotent_on_number_like(text in number_like()) {
        check_numbers(&text)?;
    }

    #[test]
    fn integer_round_trips_every_i64(value in any::<i64>(), zeros in 0usize..4, plus in any::<bool>()) {
        let sign = if value < 0 { "-" } else if plus { "+" } else { "" };
        let text = format!("{sign}{}{}", "0".repeat(zeros), value.unsigned_abs());
        prop_assert_eq!(normalize_integer(&text), Ok(value.to_string()));
    }

    #[test]
    fn boolean_total_and_idempotent(text in prop_oneof![any::<String>(), boolean_like()]) {
        check_boolean(&text)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Choices and URLs

proptest! {
    #![proptest_config(config())]

    #[test]
    fn choice_total_and_idempotent((ids, text) in choices_and_input()) {
        if let Ok(id) = normalize_choice(&text, &ids) {
            prop_assert!(ids.contains(&id), "{id:?} is not declared in {ids:?}");
            prop_assert_eq!(normalize_choice(&id, &ids), Ok(id.clone()));
        }
        if let Ok(joined) = normalize_multi_choice(&text, &ids) {
            let parts: Vec<&str> = joined.split('|').collect();
            for part in &parts {
                prop_assert!(ids.iter().any(|id| id == part), "{part:?} is not declared in {ids:?}");
            }
            let mut unique = parts.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), parts.len(), "repeats in {:?}", joined);
            prop_assert_eq!(normalize_multi_choice(&joined, &ids), Ok(joined.clone()));
        }
    }

    #[test]
    fn url_total_and_idempotent(text in prop_oneof![any::<String>(), url_like()]) {
        if let Ok(url) = normalize_url(&text) {
            prop_assert!(url.starts_with("http://") || url.starts_with("https://"), "{url:?}");
            prop_assert_eq!(normalize_url(&url), Ok(url.clone()), "input {:?}", text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Normalizer::cell on every field type

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cell_total_and_idempotent_for_every_type(
        type_index in 0..FieldType::ALL.len(),
        (ids, choice_text) in choices_and_input(),
        text in any_cell(),
        use_choice_text in any::<bool>(),
        code in prop::option::of(select(REGIONS.to_vec())),
        format in select(DATE_FORMATS.to_vec()),
        decimal_mark in select(vec![None, Some(','), Some('.')]),
    ) {
        let field_type = FieldType::ALL[type_index];
        let wants_choices = matches!(field_type, FieldType::Choice | FieldType::MultiChoice);
        let (choices, raw) = match (wants_choices, use_choice_text) {
            (true, true) => (ids, choice_text),
            (true, false) => (ids, text),
            (false, _) => (Vec::new(), text),
        };
        let f = field(field_type, choices);
        let normalizer = Normalizer {
            default_region: code.map(region),
            date_format: format.map(str::to_string),
            decimal_mark,
        };
        // The canonical value is ISO dates and plain decimals whatever the column's formats;
        // read it back as such.
        let canonical = Normalizer { date_format: None, decimal_mark: None, ..normalizer.clone() };
        match normalizer.cell(&f, &raw) {
            Cell::Empty => prop_assert!(raw.trim().is_empty()),
            Cell::Placeholder(p) => {
                prop_assert_eq!(p.as_str(), raw.trim());
                prop_assert_eq!(normalizer.cell(&f, &p), Cell::Placeholder(p.clone()));
            }
            Cell::Value(value) => {
                prop_assert!(!value.is_empty());
                prop_assert_eq!(&*value, value.trim(), "{} {:?}", field_type, raw);
                prop_assert_eq!(canonical.cell(&f, &value), Cell::Value(value.clone()), "{} {:?}", field_type, raw);
            }
            Cell::Invalid(reason) => prop_assert!(!reason.is_empty()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decimals with a column's own decimal mark

proptest! {
    #![proptest_config(config())]

    /// Any number written with grouped thousands and either decimal mark reads as the plain
    /// number; never a panic on anything else.
    #[test]
    fn decimals_with_a_mark_read_as_the_plain_number(
        whole in 0u64..10_000_000_000,
        fraction in prop::option::of("[0-9]{1,4}"),
        comma in any::<bool>(),
        negative in any::<bool>(),
        junk in any::<String>(),
    ) {
        let (mark, grouping) = if comma { (',', '.') } else { ('.', ',') };
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(grouping);
            }
            grouped.push(digit);
        }
        let sign = if negative { "-" } else { "" };
        let written = match &fraction {
            Some(f) => format!("{sign}{grouped}{mark}{f}"),
            None => format!("{sign}{grouped}"),
        };
        let plain = match &fraction {
            Some(f) => format!("{sign}{whole}.{f}"),
            None => format!("{sign}{whole}"),
        };
        prop_assert_eq!(normalize_decimal_with_mark(&written, mark), normalize_decimal(&plain), "{:?}", written);
        let _ = normalize_decimal_with_mark(&junk, mark);
    }
}

// ---------------------------------------------------------------------------------------------
// Lists of addresses and numbers

fn list_of(item: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let separator = prop_oneof![Just(" ::: "), Just("|"), Just("; "), Just(", "), Just(" , ")];
    (prop::collection::vec(item, 0..5), separator).prop_map(|(items, sep)| items.join(sep))
}

proptest! {
    #![proptest_config(config())]

    /// Never a panic; a list that normalizes normalizes to itself again, and holds no item
    /// twice.
    #[test]
    fn email_lists_are_total_and_idempotent(
        text in prop_oneof![list_of(email_like()), list_of(plain_email_like()), any::<String>()]
    ) {
        if let Ok(list) = normalize_emails(&text) {
            prop_assert_eq!(normalize_emails(&list), Ok(list.clone()), "input {:?}", text);
            let keys: Vec<String> = list.split('|').filter(|i| !i.is_empty()).map(email_match_key).collect();
            let mut unique = keys.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(keys.len(), unique.len(), "{:?}", list);
        }
    }

    #[test]
    fn phone_lists_are_total_and_idempotent(
        text in prop_oneof![list_of(phone_like()), any::<String>()]
    ) {
        let de = Some(region("DE"));
        if let Ok(list) = normalize_phones(&text, de) {
            prop_assert_eq!(normalize_phones(&list, de), Ok(list.clone()), "input {:?}", text);
            prop_assert!(list.split('|').all(|p| p.is_empty() || p.starts_with('+')), "{:?}", list);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Formula guard

proptest! {
    #![proptest_config(config())]

    /// A cell reads the same with the `'` that CSV exports and results files put before a
    /// cell a spreadsheet would run as a formula as without it, whatever the field.
    #[test]
    fn a_guarded_cell_reads_as_the_cell(
        cell in prop_oneof!["[=+@' \t\r-]{0,3}[a-z0-9@.' \t=+-]{0,8}", phone_like(), any::<String>()],
        field_type in select(vec![FieldType::Text, FieldType::Phone, FieldType::Email, FieldType::Phones]),
    ) {
        let guarded = format!("{}{cell}", formula_guard(&cell));
        let normalizer = Normalizer { default_region: de(), ..Normalizer::default() };
        let def = field(field_type, Vec::new());
        prop_assert_eq!(normalizer.cell(&def, &guarded), normalizer.cell(&def, &cell), "guarded {:?}", guarded);
    }
}

const YES_NO_WORDS: [(&str, bool); 15] = [
    ("yes", true),
    ("no", false),
    ("ja", true),
    ("nein", false),
    ("oui", true),
    ("non", false),
    ("sí", true),
    ("si", true),
    ("true", true),
    ("false", false),
    ("1", true),
    ("0", false),
    ("y", true),
    ("n", false),
    ("j", true),
];

/// `word` with the case of each letter chosen by `mask`.
fn with_case(word: &str, mask: u32) -> String {
    word.chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let upper = mask >> (i % 32) & 1 == 1;
            let chars: Vec<char> = if upper { c.to_uppercase().collect() } else { vec![c] };
            chars
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// A yes/no word reads the same in any case and with spaces around it, in a boolean
    /// field and a subscription column alike (yes is subscribed, no is unsubscribed).
    #[test]
    fn yes_no_words_ignore_case_and_agree_with_subscriptions(
        (word, yes) in select(YES_NO_WORDS.to_vec()),
        mask in any::<u32>(),
        pad in "[ \t]{0,2}",
    ) {
        let text = format!("{pad}{}{pad}", with_case(word, mask));
        prop_assert_eq!(intake_core::normalize::boolean_word(&text), Some(yes));
        prop_assert_eq!(normalize_boolean(&text), Ok(yes.to_string()));
        let status = intake_core::model::SubscriptionStatus::parse_answer(&text);
        let want = if yes {
            intake_core::model::SubscriptionStatus::Subscribed
        } else {
            intake_core::model::SubscriptionStatus::Unsubscribed
        };
        prop_assert_eq!(status, Some(want));
    }

    /// An Outlook zero date (`0/0/00`) is an empty date cell, whatever its separators.
    #[test]
    fn zero_dates_are_empty(sep in select(vec!['/', '.', '-']), a in "0{1,2}", b in "0{1,2}", y in "0{2}|0{4}") {
        let text = format!("{a}{sep}{b}{sep}{y}");
        prop_assert!(intake_core::normalize::is_empty_date(&text));
        let field = field(FieldType::Date, Vec::new());
        prop_assert_eq!(Normalizer::default().cell(&field, &text), Cell::Empty);
    }
}

proptest! {
    #![proptest_config(config())]

    /// Items joined by `|` (as intake's exports write them) split back into the same items,
    /// whatever `;` and `,` they hold.
    #[test]
    fn the_list_rule_reads_back_what_an_export_wrote(items in proptest::collection::vec("[A-Za-zÄäß0-9 ,;]{1,12}", 1..5)) {
        let items: Vec<String> = items.iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty() && i.chars().any(|c| !matches!(c, ',' | ';' | ' '))).collect();
        prop_assume!(!items.is_empty() && items.len() > 1);
        prop_assume!(items.iter().all(|i| i.split([',', ';']).all(|part| part.trim() == part)));
        let joined = items.join("|");
        prop_assert_eq!(intake_core::normalize::list_items(&joined), items.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// A name and its upper- and lower-case forms are one tag; a different name is not.
    #[test]
    fn tag_names_ignore_case_in_any_script(name in "[A-Za-zÄÖÜäöüßÉé0-9 ]{1,16}", other in "[a-z]{1,8}") {
        use intake_core::normalize::same_name;
        prop_assert!(same_name(&name, &name.to_uppercase()) || name.contains('ß'));
        prop_assert!(same_name(&name, &name.to_lowercase()));
        prop_assert!(same_name(&other, &other.to_uppercase()));
        if name.to_lowercase() != other.to_lowercase() {
            prop_assert!(!same_name(&name, &other));
        }
    }

    /// A number Excel showed in scientific notation is refused with its own message.
    #[test]
    fn scientific_notation_says_excel_shortened_it(mantissa in 1u32..10, fraction in 0u32..99999, exponent in 9u32..15, comma in any::<bool>()) {
        let mark = if comma { ',' } else { '.' };
        let text = format!("{mantissa}{mark}{fraction}E+{exponent}");
        let error = normalize_phone(&text, parse_region("DE")).expect_err("refused");
        prop_assert!(error.to_string().contains("Excel shortened this number"), "{}", error);
    }
}
