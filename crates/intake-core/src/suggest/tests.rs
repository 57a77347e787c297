//! Suggestions on headers and values as real exports write them.

use super::*;

fn best(header: &str) -> Option<(String, f32)> {
    let schema = Schema::builtin();
    suggest_header(header, &schema).first().map(|s| (schema.target_name(s.target).to_string(), s.confidence))
}

fn confident(header: &str) -> Option<String> {
    best(header).filter(|(_, c)| *c >= CONFIDENT).map(|(name, _)| name)
}

#[test]
fn headers_in_six_languages_map_confidently() {
    let cases = [
        ("E-Mail", "email"),
        ("Vorname", "first_name"),
        ("Nachname", "last_name"),
        ("Telefon", "phone"),
        ("Handy", "phone"),
        ("Mobil", "phone"),
        ("Nombre", "first_name"),
        ("Apellidos", "last_name"),
        ("Correo electrónico", "email"),
        ("Prénom", "first_name"),
        ("Nom de famille", "last_name"),
        ("Téléphone", "phone"),
        ("Celular", "phone"),
        ("Sobrenome", "last_name"),
        ("Cognome", "last_name"),
        ("Data di nascita", "birthday"),
        ("Geburtsdatum", "birthday"),
        ("Firma", "company"),
        ("Società", "company"),
        ("E-Mail-Adresse", "email"),
        ("Schlagworte", "tags"),
        ("Lists", "lists"),
        ("Mailing lists", "lists"),
        ("Listen", "lists"),
        ("Verteiler", "lists"),
        ("Listas", "lists"),
        ("Listes de diffusion", "lists"),
        ("Liste di distribuzione", "lists"),
        ("Email Subscription", "email_subscription"),
        ("WhatsApp", "whatsapp"),
    ];
    for (header, field) in cases {
        assert_eq!(confident(header).as_deref(), Some(field), "{header}");
    }
}

#[test]
fn case_accents_spacing_and_numbers_are_tolerated() {
    assert_eq!(confident("  VORNAME "), Some("first_name".into()));
    assert_eq!(confident("prenom"), Some("first_name".into()));
    assert_eq!(confident("first_name"), Some("first_name".into()));
    assert_eq!(confident("E-Mail 2"), Some("email".into()));
    assert!(best("E-Mail 2").is_some_and(|(_, c)| c < best("E-Mail").map_or(0.0, |(_, c)| c)));
}

#[test]
fn small_typos_map_long_words_and_leave_short_ones_alone() {
    assert_eq!(confident("Vornmae"), Some("first_name".into()));
    assert_eq!(confident("Geburtstg"), Some("birthday".into()));
    // Too short to forgive: `Tle` is not `tel`, `Nmo` not `nom`.
    assert_eq!(best("Tle"), None);
    assert_eq!(best("Nmo"), None);
}

#[test]
fn unrelated_headers_suggest_nothing_confident() {
    for header in ["Column 7", "Kundenstatus", "Umsatz 2024", "x", ""] {
        assert_eq!(confident(header), None, "{header}");
    }
}

fn de() -> Normalizer {
    Normalizer { default_region: crate::normalize::parse_region("DE"), ..Normalizer::default() }
}

#[test]
fn values_tell_the_kind_of_a_column() {
    let n = de();
    assert_eq!(profile(&["a@b.de", "C@D.com", "e@f.org", ""], &n), ValueKind::Email);
    assert_eq!(
        profile(&["0151 23456789", "+49 170 1234567", "0176/12345678"], &n),
        ValueKind::Phone { mobile: true }
    );
    assert_eq!(
        profile(&["030 1234567", "089 12345678", "040 7654321"], &n),
        ValueKind::Phone { mobile: false }
    );
    assert_eq!(profile(&["1990-01-31", "2001-12-01"], &n), ValueKind::Date(DateLayout::Iso));
    assert_eq!(profile(&["", " "], &n), ValueKind::Empty);
    let gold = ["gold", "silver", "Gold", "bronze", "gold", "silver", "gold", "bronze", "silver"];
    assert_eq!(
        profile(&gold, &n),
        ValueKind::Repeated(vec!["bronze".into(), "gold".into(), "silver".into()])
    );
    assert_eq!(profile(&["Anna", "Ben", "Cleo"], &n), ValueKind::Text);
}

#[test]
fn day_and_month_order_is_decided_from_the_whole_column() {
    let n = de();
    let day_first = profile(&["03/04/2025", "25/12/2024", "01/02/2023"], &n);
    assert_eq!(day_first, ValueKind::Date(DateLayout::DayFirst("%d/%m/%Y".into())));
    let month_first = profile(&["03/04/2025", "12/25/2024"], &n);
    assert_eq!(month_first, ValueKind::Date(DateLayout::MonthFirst("%m/%d/%Y".into())));
    let ambiguous = profile(&["03/04/2025", "01/02/2023"], &n);
    assert!(matches!(ambiguous, ValueKind::Date(DateLayout::Ambiguous { .. })), "{ambiguous:?}");
    assert_eq!(
        profile(&["24.12.1990", "01.02.1985"], &n),
        ValueKind::Date(DateLayout::DayFirst("%d.%m.%Y".into()))
    );
    // Dots are day first unless a value proves otherwise.
    assert_eq!(
        profile(&["03.04.1975", "01.01.1980"], &n),
        ValueKind::Date(DateLayout::DayFirst("%d.%m.%Y".into()))
    );
    assert_eq!(
        profile(&["03.04.1975", "04.13.1980"], &n),
        ValueKind::Date(DateLayout::MonthFirst("%m.%d.%Y".into()))
    );
    // Both orders break somewhere: not one date layout.
    assert_eq!(profile(&["13/01/2020", "01/13/2020"], &n), ValueKind::Text);
}

#[test]
fn the_decimal_mark_is_decided_from_the_whole_column() {
    let n = de();
    assert_eq!(profile(&["1.234,50", "12,5", "3"], &n), ValueKind::Number(DecimalMark::Comma));
    assert_eq!(profile(&["1,234.50", "12.5", "3"], &n), ValueKind::Number(DecimalMark::Point));
    assert_eq!(profile(&["1,234", "2,500"], &n), ValueKind::Number(DecimalMark::Ambiguous));
    assert_eq!(profile(&["12", "7", "300"], &n), ValueKind::Number(DecimalMark::None));
}

#[test]
fn a_column_named_nothing_is_suggested_from_its_values() {
    let schema = Schema::builtin();
    let (suggestions, kind) = suggest_column("Column 7", &["a@b.de", "c@d.de"], &schema, &de());
    assert_eq!(kind, ValueKind::Email);
    assert_eq!(schema.target_name(suggestions[0].target), "email");
    assert_eq!(suggestions[0].basis, Basis::Values);
    assert!(suggestions[0].confidence >= CONFIDENT);
}

#[test]
fn resolving_gives_each_field_to_its_best_column_and_mobiles_fall_back_to_other_phones() {
    let schema = Schema::builtin();
    let headers = ["Handy", "Telefon", "E-Mail", "E-Mail 2"];
    let candidates: Vec<Vec<Suggestion>> = headers.iter().map(|h| suggest_header(h, &schema)).collect();
    let chosen = resolve(&candidates, &[false; 4], &[]);
    let names: Vec<Option<&str>> =
        chosen.iter().map(|c| c.as_ref().map(|s| schema.target_name(s.target))).collect();
    assert_eq!(names, vec![Some("other_phones"), Some("phone"), Some("email"), None]);
}

#[test]
fn a_header_that_spells_its_date_format_gives_it() {
    use super::header_date_format;
    assert_eq!(header_date_format("Birthday (MM/DD/YYYY)").as_deref(), Some("%m/%d/%Y"));
    assert_eq!(header_date_format("Geburtstag TT.MM.JJJJ").as_deref(), Some("%d.%m.%Y"));
    assert_eq!(header_date_format("Fecha (dd/mm/aaaa)").as_deref(), Some("%d/%m/%Y"));
    assert_eq!(header_date_format("signup m/d/yy").as_deref(), Some("%m/%d/%y"));
    assert_eq!(header_date_format("Birthday"), None);
    assert_eq!(header_date_format("mm/mm/yyyy"), None);
    assert_eq!(header_date_format("Add/Edit date"), None);
}

#[test]
fn address_name_and_web_headers_map_in_four_languages() {
    let cases = [
        ("Straße", "street"),
        ("Strasse", "street"),
        ("PLZ", "postal_code"),
        ("Postleitzahl", "postal_code"),
        ("Ort", "city"),
        ("Bundesland", "region"),
        ("Adresse", "street"),
        ("Code postal", "postal_code"),
        ("Ville", "city"),
        ("Dirección", "street"),
        ("Código postal", "postal_code"),
        ("Provincia", "region"),
        ("ZIP", "postal_code"),
        ("State", "region"),
        ("Website", "website"),
        ("Webseite", "website"),
        ("Abteilung", "department"),
        ("Middle Name", "middle_name"),
        ("Anrede", "name_prefix"),
        ("Suffix", "name_suffix"),
        ("Nickname", "nickname"),
        ("Spitzname", "nickname"),
        ("Geschlecht", "gender"),
        ("Other Addresses", "other_addresses"),
    ];
    for (header, field) in cases {
        assert_eq!(confident(header).as_deref(), Some(field), "{header}");
    }
}

#[test]
fn a_header_that_is_a_word_itself_is_no_typo_of_another() {
    let schema = Schema::builtin();
    let targets = |header: &str| -> Vec<String> {
        suggest_header(header, &schema).iter().map(|s| schema.target_name(s.target).to_string()).collect()
    };
    // `Nickname` is one edit pair away from `Nachname`, `Employees` from `Employer`.
    assert_eq!(targets("Nickname"), vec!["nickname"]);
    assert!(!targets("Employees").contains(&"company".to_string()), "{:?}", targets("Employees"));
    assert!(!targets("Mitarbeiter 2").contains(&"company".to_string()));
    // Outlook's wedding `Anniversary` is not the French `anniversaire` (birthday).
    assert!(!targets("Anniversary").contains(&"birthday".to_string()), "{:?}", targets("Anniversary"));
    // A real typo is still forgiven.
    assert_eq!(confident("Nachnmae"), Some("last_name".into()));
}

#[test]
fn title_beside_job_title_is_the_name_prefix() {
    let schema = Schema::builtin();
    let candidates: Vec<Vec<Suggestion>> =
        ["Title", "Job Title"].iter().map(|h| suggest_header(h, &schema)).collect();
    let chosen = resolve(&candidates, &[false, false], &[]);
    let names: Vec<Option<&str>> =
        chosen.iter().map(|c| c.as_ref().map(|s| schema.target_name(s.target))).collect();
    assert_eq!(names, vec![Some("name_prefix"), Some("job_title")]);
    // Alone, a `Title` is a job title, as CRMs name it.
    assert_eq!(confident("Title"), Some("job_title".into()));
}
