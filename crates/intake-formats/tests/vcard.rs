//! The vCard reader against cards as phones, mail programs and address books write them,
//! the public corpora in `shared/corpora/vcard`, a large generated file under a memory
//! budget, broken cards, and property tests (no panic; written values read back).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};

use intake_core::map::{MappingRequest, build_mapping};
use intake_core::model::Schema;
use intake_core::normalize::{join_names, list_items};
use intake_core::read::{Record, Source};
use intake_formats::vcard::{COLUMNS, VcardOptions, VcardSource};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

/// Counts the bytes each thread has allocated and not freed, and the peak of that.
struct CountingAllocator;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            count(layout.size() as isize);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(pointer, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns the most bytes this thread held at once beyond what it held before.
fn peak_extra_bytes(f: impl FnOnce()) -> isize {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    f();
    PEAK.with(Cell::get) - before
}

fn column(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or_else(|| panic!("no column {name}"))
}

fn cell<'r>(record: &'r Record, name: &str) -> &'r str {
    record.get(column(name)).unwrap_or_default()
}

fn read_all(source: &VcardSource) -> Vec<Record> {
    let mut stream = source.records().expect("records");
    let mut out = Vec::new();
    let mut record = Record::default();
    while stream.next_record(&mut record).expect("next record") {
        out.push(record.clone());
    }
    out
}

fn read_bytes(bytes: &[u8]) -> Vec<Record> {
    let source = VcardSource::from_bytes("test.vcf", bytes.to_vec(), VcardOptions::default()).expect("open");
    read_all(&source)
}

fn read_str(text: &str) -> Vec<Record> {
    read_bytes(text.as_bytes())
}

// ---------------------------------------------------------------- real-world shapes

#[test]
fn android_2_1_quoted_printable_with_soft_breaks_and_charset_is_decoded() {
    let card = "BEGIN:VCARD\r\nVERSION:2.1\r\n\
        N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\r\n\
        FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller\r\n\
        TEL;CELL;PREF:+49 151 23456789\r\n\
        TEL;HOME:0221 123456\r\n\
        EMAIL;HOME:juergen@example.de\r\n\
        ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Stra=C3=9Fe 1;K=C3=B6ln;;50667;Deutschl=\r\n\
        and\r\n\
        NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Erste Zeile=0D=0AZweite Zeile mit =C3=A4=C3=B6=C3=BC und ein=\r\n\
        em langen Text, der umbrochen wurde\r\n\
        NOTE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe\r\n\
        END:VCARD\r\n";
    let records = read_str(card);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.problem, None);
    assert_eq!(r.row, 2);
    assert_eq!(cell(r, "First Name"), "Jürgen");
    assert_eq!(cell(r, "Last Name"), "Müller");
    assert_eq!(cell(r, "Full Name"), "Jürgen Müller");
    assert_eq!(cell(r, "Phone"), "+49 151 23456789", "preferred and mobile");
    assert_eq!(cell(r, "WhatsApp"), "");
    assert_eq!(cell(r, "Other Phones"), "0221 123456");
    assert_eq!(cell(r, "Street"), "Straße 1");
    assert_eq!(cell(r, "City"), "Köln");
    assert_eq!(cell(r, "Postal Code"), "50667");
    assert_eq!(cell(r, "Country"), "Deutschland");
    assert_eq!(
        cell(r, "Notes"),
        "Erste Zeile\nZweite Zeile mit äöü und einem langen Text, der umbrochen wurde\nGrüße"
    );
}

#[test]
fn iphone_3_0_labels_and_a_folded_photo() {
    let photo: String = (0..400)
        .map(|_| "  /9j/4AAQSkZJRgABAQAAAQABAAD/4QBYRXhpZgAATU0AKgAAAAgAAgESAAMAAAABAAEAAIdpAAQA\r\n")
        .collect();
    let card = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n\
        N:Schmidt;Anna;Maria;Dr.;\r\nFN:Dr. Anna Maria Schmidt\r\n\
        ORG:Beispiel GmbH;Vertrieb\r\nTITLE:Leiterin\r\n\
        item1.TEL:+49 170 1111111\r\nitem1.X-ABLabel:Mobil\r\n\
        item2.TEL;type=pref:+49 30 2222222\r\nitem2.X-ABLabel:_$!<Work>!$_\r\n\
        item3.TEL:+49 30 3333333\r\nitem3.X-ABLabel:Büro 2\r\n\
        item4.EMAIL;type=INTERNET:anna@privat.example\r\nitem4.X-ABLabel:_$!<Home>!$_\r\n\
        EMAIL;type=INTERNET;type=WORK;type=pref:anna.schmidt@beispiel.example\r\n\
        item5.URL;type=pref:https\\://beispiel.example\r\nitem5.X-ABLabel:_$!<HomePage>!$_\r\n\
        BDAY;value=date:1985-04-15\r\n\
        PHOTO;ENCODING=b;TYPE=JPEG:\r\n{photo}\
        NICKNAME:Anni\r\nEND:VCARD\r\n"
    );
    let records = read_str(&card);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.problem, None);
    assert_eq!(cell(r, "Prefix"), "Dr.");
    assert_eq!(cell(r, "Middle Name"), "Maria");
    assert_eq!(cell(r, "Company"), "Beispiel GmbH");
    assert_eq!(cell(r, "Department"), "Vertrieb");
    assert_eq!(cell(r, "Job Title"), "Leiterin");
    assert_eq!(cell(r, "Phone"), "+49 30 2222222", "the preferred number, though not the mobile");
    assert_eq!(cell(r, "Other Phones"), "+49 170 1111111|+49 30 3333333");
    assert_eq!(cell(r, "Email"), "anna.schmidt@beispiel.example");
    assert_eq!(cell(r, "Other Emails"), "anna@privat.example");
    assert_eq!(cell(r, "Website"), "https://beispiel.example");
    assert_eq!(cell(r, "Birthday"), "1985-04-15");
    assert_eq!(cell(r, "Nickname"), "Anni");
    assert!(r.iter().all(|c| !c.contains("/9j/")), "the photo entered a cell");
}

#[test]
fn apple_label_in_its_special_form_marks_a_mobile() {
    let card = "BEGIN:VCARD\nVERSION:3.0\nFN:X\nitem1.TEL:1\nitem2.TEL:2\nitem2.X-ABLabel:_$!<Mobile>!$_\nEND:VCARD\n";
    let r = &read_str(card)[0];
    assert_eq!(cell(r, "Phone"), "2", "no preferred number: the mobile one");
    assert_eq!(cell(r, "Other Phones"), "1");
}

#[test]
fn outlook_2_1_in_windows_1252_is_decoded() {
    let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Müller;Jürgen\r\nFN:Jürgen Müller\r\n\
        ORG:Bäckerei Müller & Söhne\r\nTITLE:Geschäftsführer\r\n\
        TEL;WORK;VOICE:+49 89 1234567\r\nTEL;CELL;VOICE:+49 171 7654321\r\n\
        ADR;WORK;PREF:;;Hauptstraße 5;München;Bayern;80331;Deutschland\r\n\
        EMAIL;PREF;INTERNET:j.mueller@baeckerei.example\r\n\
        NOTE;ENCODING=QUOTED-PRINTABLE:Kunde seit 2010 =96 zahlt p=FCnktlich\r\n\
        REV:20240101T120000Z\r\nEND:VCARD\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    let r = &read_bytes(&bytes)[0];
    assert_eq!(r.problem, None);
    assert_eq!(cell(r, "Last Name"), "Müller");
    assert_eq!(cell(r, "Company"), "Bäckerei Müller & Söhne");
    assert_eq!(cell(r, "Job Title"), "Geschäftsführer");
    assert_eq!(cell(r, "Street"), "Hauptstraße 5");
    assert_eq!(cell(r, "City"), "München");
    assert_eq!(cell(r, "Region"), "Bayern");
    assert_eq!(cell(r, "Phone"), "+49 171 7654321");
    assert_eq!(cell(r, "Other Phones"), "+49 89 1234567");
    // QP without CHARSET: UTF-8 when the bytes are UTF-8, else the file's encoding.
    assert_eq!(cell(r, "Notes"), "Kunde seit 2010 – zahlt pünktlich");
}

#[test]
fn google_3_0_export() {
    let card = "BEGIN:VCARD\nVERSION:3.0\nFN:Carlos García\nN:García;Carlos;;;\n\
        NICKNAME:Charly\nEMAIL;TYPE=INTERNET;TYPE=HOME:carlos@example.com\n\
        EMAIL;TYPE=INTERNET;TYPE=WORK:c.garcia@empresa.example\n\
        TEL;TYPE=CELL:+34 612 345 678\nTEL;TYPE=WORK:+34 91 123 45 67\nTEL;TYPE=HOME:+34 91 765 43 21\n\
        ADR;TYPE=HOME:;;Calle Mayor 1\\, 2º;Madrid;;28013;España\n\
        ADR;TYPE=WORK:;;Paseo de la Castellana 100;Madrid;;28046;España\n\
        ORG:Empresa S.L.\nTITLE:Ingeniero\nBDAY:1990-12-01\n\
        item1.URL:http\\://carlos.example\nitem1.X-ABLabel:PROFILE\n\
        NOTE:Línea uno\\nLínea dos\\, con coma\\; y punto y coma\n\
        CATEGORIES:myContacts,Amigos\nCATEGORIES:Amigos,Trabajo\nEND:VCARD\n";
    let r = &read_str(card)[0];
    assert_eq!(r.problem, None);
    assert_eq!(cell(r, "Email"), "carlos@example.com");
    assert_eq!(cell(r, "Other Emails"), "c.garcia@empresa.example");
    assert_eq!(cell(r, "Phone"), "+34 612 345 678");
    assert_eq!(cell(r, "Other Phones"), "+34 91 123 45 67|+34 91 765 43 21");
    assert_eq!(cell(r, "Street"), "Calle Mayor 1, 2º");
    assert_eq!(cell(r, "Other Addresses"), "Paseo de la Castellana 100, 28046 Madrid, España");
    assert_eq!(cell(r, "Website"), "http://carlos.example");
    assert_eq!(cell(r, "Notes"), "Línea uno\nLínea dos, con coma; y punto y coma");
    assert_eq!(cell(r, "Tags"), "myContacts|Amigos|Trabajo");
    assert_eq!(cell(r, "Birthday"), "1990-12-01");
}

#[test]
fn vcard_4_0_birthdays_uid_and_uris() {
    let cards = "BEGIN:VCARD\nVERSION:4.0\nFN:Ana\nBDAY:--0415\nUID:urn:uuid:1234\n\
        TEL;VALUE=uri;PREF=2;TYPE=\"voice,home\":tel:+1-555-0101\nTEL;VALUE=uri;PREF=1:tel:+1-555-0100\n\
        EMAIL;PREF=2:b@example.com\nEMAIL;PREF=1:a@example.com\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:4.0\nFN:Ben\nBDAY:19850415\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:4.0\nFN:Cy\nBDAY:--04-15\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:3.0\nFN:Di\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\nEND:VCARD\n";
    let records = read_str(cards);
    assert_eq!(records.len(), 4);
    assert_eq!(cell(&records[0], "Birthday"), "--04-15");
    assert_eq!(cell(&records[0], "External ID"), "urn:uuid:1234");
    assert_eq!(cell(&records[0], "Phone"), "+1-555-0100");
    assert_eq!(cell(&records[0], "Other Phones"), "+1-555-0101");
    assert_eq!(cell(&records[0], "Email"), "a@example.com");
    assert_eq!(cell(&records[1], "Birthday"), "1985-04-15");
    assert_eq!(cell(&records[2], "Birthday"), "--04-15");
    assert_eq!(cell(&records[3], "Birthday"), "--04-15");
    assert_eq!(records.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 3, 4, 5]);
}

#[test]
fn utf16le_with_bom_is_decoded() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ǽgean ĽdaMonté\r\nN:ĽdaMonté;Ǽgean;;;\r\nEMAIL:x@example.com\r\nEND:VCARD\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let records = read_bytes(&bytes);
    assert_eq!(records.len(), 1);
    assert_eq!(cell(&records[0], "Full Name"), "Ǽgean ĽdaMonté");
    assert_eq!(cell(&records[0], "Last Name"), "ĽdaMonté");
    let mut big_endian = vec![0xFE, 0xFF];
    big_endian.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(cell(&read_bytes(&big_endian)[0], "Full Name"), "Ǽgean ĽdaMonté");
}

#[test]
fn a_legacy_8_bit_file_without_charset_is_guessed() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Алексей Смирнов\nN:Смирнов;Алексей;;;\nNOTE:Коллега из Москвы\nEND:VCARD\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let r = &read_bytes(&bytes)[0];
    assert_eq!(cell(r, "Full Name"), "Алексей Смирнов");
    assert_eq!(cell(r, "Notes"), "Коллега из Москвы");
}

#[test]
fn the_headers_map_to_the_built_in_fields() {
    let source =
        VcardSource::from_bytes("t.vcf", b"BEGIN:VCARD\nEND:VCARD\n".to_vec(), VcardOptions::default())
            .expect("open");
    let schema = Schema::builtin();
    let mapping = build_mapping(source.headers(), &schema, &MappingRequest::default()).expect("mapping");
    let mapped: Vec<(&str, &str)> = source
        .headers()
        .iter()
        .zip(&mapping.columns)
        .filter_map(|(h, t)| t.map(|t| (h.as_str(), schema.target_name(t))))
        .collect();
    assert_eq!(
        mapped,
        vec![
            ("Prefix", "name_prefix"),
            ("First Name", "first_name"),
            ("Middle Name", "middle_name"),
            ("Last Name", "last_name"),
            ("Suffix", "name_suffix"),
            ("Nickname", "nickname"),
            ("Gender", "gender"),
            ("Company", "company"),
            ("Department", "department"),
            ("Job Title", "job_title"),
            ("Email", "email"),
            ("Other Emails", "other_emails"),
            ("Phone", "phone"),
            ("WhatsApp", "whatsapp"),
            ("Other Phones", "other_phones"),
            ("Street", "street"),
            ("City", "city"),
            ("Region", "region"),
            ("Postal Code", "postal_code"),
            ("Country", "country"),
            ("Other Addresses", "other_addresses"),
            ("Birthday", "birthday"),
            ("Notes", "notes"),
            ("Website", "website"),
            ("External ID", "external_id"),
            ("Tags", "tags"),
            ("Lists", "lists"),
            ("Language", "language"),
            ("Email Subscription", "email_subscription"),
            ("SMS Subscription", "sms_subscription"),
            ("WhatsApp Subscription", "whatsapp_subscription"),
        ]
    );
}

#[test]
fn the_file_reads_the_same_every_time() {
    let cards = "BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD\n";
    let source =
        VcardSource::from_bytes("t.vcf", cards.as_bytes().to_vec(), VcardOptions::default()).expect("open");
    let first = read_all(&source);
    assert_eq!(first.len(), 2);
    assert_eq!(first, read_all(&source));
}

// ---------------------------------------------------------------- broken input

#[test]
fn a_broken_card_in_the_middle_is_that_rows_problem_and_reading_goes_on() {
    let cards = "BEGIN:VCARD\nVERSION:3.0\nFN:One\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:3.0\nFN:Two\nthis is garbage\nEMAIL:two@example.com\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:3.0\nFN:Three (no END)\n\
        BEGIN:VCARD\nVERSION:3.0\nFN:Four\nEND:VCARD\n\
        FN:Five (no BEGIN)\nEND:VCARD\n\
        BEGIN:VCARD\nFN:Six\nEND:VCARD\n\
        BEGIN:VCARD\nFN:Seven (file ends)\n";
    let records = read_str(cards);
    let names: Vec<&str> = records.iter().map(|r| cell(r, "Full Name")).collect();
    assert_eq!(
        names,
        ["One", "Two", "Three (no END)", "Four", "Five (no BEGIN)", "Six", "Seven (file ends)"]
    );
    let problems: Vec<Option<&str>> = records.iter().map(|r| r.problem.as_deref()).collect();
    assert_eq!(problems[0], None);
    assert_eq!(problems[1], None, "a stray line is passed over");
    assert_eq!(
        records[1].note.as_deref(),
        Some("card 2, line 8: \"this is garbage\" is not a vCard property and was skipped")
    );
    assert_eq!(cell(&records[1], "Email"), "two@example.com");
    assert_eq!(problems[2], Some("card 3 (from line 11): no END:VCARD before the BEGIN:VCARD on line 14"));
    assert_eq!(problems[3], None);
    assert_eq!(problems[4], Some("card 5, line 18: no BEGIN:VCARD before this line"));
    assert_eq!(problems[5], None);
    assert_eq!(problems[6], Some("card 7 (from line 23): the file ends before END:VCARD"));
}

/// Address books skip what they do not understand inside a card, so the card imports.
#[test]
fn comments_and_stray_lines_inside_a_card_are_skipped_with_a_note() {
    let cards = "BEGIN:VCARD\r\nVERSION:3.0\r\n# exported by hand\r\nFN:Anna Schmidt\r\n\
        N:Schmidt;Anna;;;\r\nthe rest of a broken line\r\nEMAIL:anna@example.com\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bruno\r\nEND:VCARD\r\n";
    let records = read_str(cards);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].problem, None);
    assert_eq!(cell(&records[0], "Email"), "anna@example.com");
    assert_eq!(
        records[0].note.as_deref(),
        Some(
            "card 1, line 3: \"# exported by hand\" is not a vCard property and was skipped; \
             card 1, line 6: \"the rest of a broken line\" is not a vCard property and was skipped"
        )
    );
    assert_eq!(records[1].note, None);
}

/// vCard 2.1 writes an agent's card inside the card, up to its own END:VCARD; it must not
/// end the card around it, nor leave its last lines as a card without a BEGIN.
#[test]
fn a_card_nested_in_agent_does_not_break_the_cards_around_it() {
    let cards = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Boss;Berta\r\nAGENT:BEGIN:VCARD\r\nVERSION:2.1\r\n\
        N:Assistant;Alex\r\nTEL:+49301111\r\nEND:VCARD\r\nTEL;CELL:+4915123456789\r\n\
        EMAIL:berta@example.com\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:2.1\r\nN:Other;Olga\r\nAGENT:\r\nBEGIN:VCARD\r\nN:Agent;Anton\r\n\
        END:VCARD\r\nEMAIL:olga@example.com\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:2.1\r\nN:Last;Lena\r\nEND:VCARD\r\n";
    let records = read_str(cards);
    let names: Vec<&str> = records.iter().map(|r| cell(r, "First Name")).collect();
    assert_eq!(names, ["Berta", "Olga", "Lena"]);
    assert!(records.iter().all(|r| r.problem.is_none()), "{records:?}");
    assert_eq!(cell(&records[0], "Phone"), "+4915123456789");
    assert_eq!(cell(&records[0], "Other Phones"), "", "the agent's number is not Berta's");
    assert_eq!(cell(&records[0], "Email"), "berta@example.com");
    assert_eq!(cell(&records[1], "Email"), "olga@example.com");
    assert_eq!(
        records[0].note.as_deref(),
        Some("card 1, lines 4-8: the card nested in it (its AGENT) was not imported")
    );
    assert_eq!(
        records[1].note.as_deref(),
        Some("card 2, lines 16-18: the card nested in it (its AGENT) was not imported")
    );
}

/// Some exporters embed a related person's card inside a card without an AGENT. The card
/// around it goes on after the nested card's END:VCARD and imports whole; the nested card is
/// a card of its own, read after it; the cards around both are untouched.
#[test]
fn a_card_nested_without_agent_is_a_card_of_its_own_and_the_outer_card_goes_on() {
    let cards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Outer\r\nEMAIL:anna@example.com\r\n\
        BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ines Inner\r\nEMAIL:ines@example.com\r\nEND:VCARD\r\n\
        TEL:+4915123456789\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bruno\r\nEMAIL:bruno@example.com\r\nEND:VCARD\r\n";
    let records = read_str(cards);
    let names: Vec<&str> = records.iter().map(|r| cell(r, "Full Name")).collect();
    assert_eq!(names, ["Anna Outer", "Ines Inner", "Bruno"]);
    assert!(records.iter().all(|r| r.problem.is_none()), "{records:?}");
    assert_eq!(records.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(
        (cell(&records[0], "Email"), cell(&records[0], "Phone")),
        ("anna@example.com", "+4915123456789")
    );
    assert_eq!((cell(&records[1], "Email"), cell(&records[1], "Phone")), ("ines@example.com", ""));
    assert_eq!(records[0].note.as_deref(), Some("card 1, lines 5-9: a card nested in it was read as card 2"));
    assert_eq!(
        records[1].note.as_deref(),
        Some("card 2, lines 5-9: nested in card 1, read as a card of its own")
    );
    assert_eq!(records[2].note, None);

    // A BEGIN:VCARD in a card that nothing of the card follows is a missing END, as before.
    let cards = "BEGIN:VCARD\nFN:Anna\nBEGIN:VCARD\nFN:Bruno\nEND:VCARD\nBEGIN:VCARD\nFN:Carla\nEND:VCARD\n";
    let records = read_str(cards);
    let names: Vec<&str> = records.iter().map(|r| cell(r, "Full Name")).collect();
    assert_eq!(names, ["Anna", "Bruno", "Carla"]);
    assert_eq!(
        records[0].problem.as_deref(),
        Some("card 1 (from line 1): no END:VCARD before the BEGIN:VCARD on line 3")
    );
    assert_eq!((&records[1].problem, &records[1].note, &records[2].problem), (&None, &None, &None));
}

#[test]
fn a_file_that_is_not_a_vcard_is_refused_naming_the_line() {
    let csv = "\n\nFirst Name,Last Name,Email\nAnna,Muster,anna@example.com\n";
    let error = VcardSource::from_bytes("contacts.csv", csv.as_bytes().to_vec(), VcardOptions::default())
        .err()
        .expect("an error");
    assert!(error.message.contains("contacts.csv: line 3 is not vCard"), "{}", error.message);
    let empty = VcardSource::from_bytes("e.vcf", Vec::new(), VcardOptions::default()).err().expect("error");
    assert!(empty.message.contains("empty"), "{}", empty.message);
    let calendar = VcardSource::from_bytes("c.ics", b"BEGIN:VCALENDAR\n".to_vec(), VcardOptions::default());
    assert!(calendar.is_err());
}

#[test]
fn a_line_or_card_over_the_cap_is_a_problem_not_an_abort() {
    let options = VcardOptions { max_line_bytes: 1000, max_card_bytes: 2000 };
    let long_note = format!("NOTE:{}\n", "x".repeat(5000));
    let many_notes = "NOTE:0123456789012345678901234567890123456789\n".repeat(100);
    let cards = format!(
        "BEGIN:VCARD\nFN:Long line\n{long_note}EMAIL:a@example.com\nEND:VCARD\n\
         BEGIN:VCARD\nFN:Big card\n{many_notes}EMAIL:b@example.com\nEND:VCARD\n\
         BEGIN:VCARD\nFN:Fine\nEND:VCARD\n"
    );
    let source = VcardSource::from_bytes("t.vcf", cards.into_bytes(), options).expect("open");
    let records = read_all(&source);
    assert_eq!(records.len(), 3);
    let problem = records[0].problem.as_deref().unwrap_or_default();
    assert_eq!(problem, "card 1, line 3: the line is longer than 1000 bytes; it was not read");
    assert_eq!(cell(&records[0], "Email"), "a@example.com");
    let problem = records[1].problem.as_deref().unwrap_or_default();
    assert!(problem.starts_with("card 2, line "), "{problem}");
    assert!(problem.contains("more than 2000 bytes"), "{problem}");
    assert!(cell(&records[1], "Notes").len() < 2000);
    assert_eq!(records[2].problem, None);
}

#[test]
fn properties_that_are_not_imported_do_not_count_against_the_card_cap() {
    let options = VcardOptions { max_line_bytes: 1000, max_card_bytes: 2000 };
    let ignored = format!("X-CUSTOM:{}\n", "y".repeat(900)).repeat(50);
    let card = format!("BEGIN:VCARD\nFN:Many extras\n{ignored}EMAIL:c@example.com\nEND:VCARD\n");
    let source = VcardSource::from_bytes("t.vcf", card.into_bytes(), options).expect("open");
    let records = read_all(&source);
    assert_eq!(records[0].problem, None);
    assert_eq!(cell(&records[0], "Email"), "c@example.com");
}

#[test]
fn bad_bytes_for_the_declared_charset_are_a_problem() {
    let r = &read_bytes(b"BEGIN:VCARD\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:A=FFB\nEND:VCARD\n")[0];
    assert_eq!(cell(r, "Full Name"), "A\u{FFFD}B");
    assert!(r.problem.as_deref().unwrap_or_default().starts_with("card 1, line 2: the FN value"));
}

// ---------------------------------------------------------------- memory

/// Writes `cards` small cards, a 5 MB folded PHOTO in card 100 and a 5 MB unfolded one in
/// card 200.
fn write_large_file(path: &Path, cards: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let chunk = "/9j/4AAQSkZJRgABAQAAAQABAAD/4QBYRXhpZgAATU0AKgAAAAgAAgESAAMAAAABAAEAAIdpAAQA";
    for i in 0..cards {
        write!(
            out,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Nachname{i};Vorname{i};;;\r\nFN:Vorname{i} Nachname{i}\r\n\
             EMAIL;TYPE=INTERNET:person{i}@example.com\r\nTEL;TYPE=CELL:+49 151 {i:08}\r\n\
             ORG:Firma {i}\r\nNOTE:Notiz Nummer {i}\\, mit Komma\r\n"
        )?;
        if i == 100 {
            out.write_all(b"PHOTO;ENCODING=b;TYPE=JPEG:")?;
            for _ in 0..(5_000_000 / chunk.len()) {
                write!(out, "{chunk}\r\n ")?;
            }
            out.write_all(b"AAAA\r\n")?;
        }
        if i == 200 {
            out.write_all(b"PHOTO:data:image/jpeg;base64,")?;
            for _ in 0..(5_000_000 / chunk.len()) {
                out.write_all(chunk.as_bytes())?;
            }
            out.write_all(b"\r\n")?;
        }
        out.write_all(b"END:VCARD\r\n")?;
    }
    out.flush()
}

#[test]
fn twenty_thousand_cards_with_5_mb_photos_are_read_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("large.vcf");
    write_large_file(&path, 20_000).expect("write");
    let source = VcardSource::open(&path, VcardOptions::default()).expect("open");
    let mut count = 0usize;
    let mut longest = 0usize;
    let mut photo_seen = false;
    let peak = peak_extra_bytes(|| {
        let mut stream = source.records().expect("records");
        let mut record = Record::default();
        while stream.next_record(&mut record).expect("next") {
            count += 1;
            assert_eq!(record.problem, None, "card {count}");
            longest = longest.max(record.iter().map(str::len).max().unwrap_or(0));
            photo_seen |= record.iter().any(|c| c.contains("/9j/"));
        }
    });
    assert_eq!(count, 20_000);
    assert!(!photo_seen, "a photo entered a cell");
    assert!(longest < 200, "a cell of {longest} bytes");
    println!(
        "peak while reading {} bytes of vCard: {peak} bytes",
        std::fs::metadata(&path).map_or(0, |m| m.len())
    );
    // The file is about 13 MB; the reader holds a 256 KiB file buffer and one card.
    assert!(peak < 2 * 1024 * 1024, "peak of {peak} bytes while reading");
}

// ---------------------------------------------------------------- public corpora

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/vcard"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: the vCard corpora are not at {} on this machine", dir.display());
        None
    }
}

fn vcf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            vcf_files(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("vcf")) {
            out.push(path);
        }
    }
}

fn corpus_records(dir: &Path, file: &str) -> Vec<Record> {
    let source = VcardSource::open(&dir.join(file), VcardOptions::default()).expect(file);
    read_all(&source)
}

#[test]
fn every_corpus_file_is_read_without_panic() {
    let Some(dir) = corpus_dir() else { return };
    let mut files = Vec::new();
    vcf_files(&dir, &mut files);
    files.sort();
    assert!(files.len() >= 50, "only {} files", files.len());
    for file in &files {
        let source = VcardSource::open(file, VcardOptions::default())
            .unwrap_or_else(|e| panic!("{}: {}", file.display(), e.message));
        let records = read_all(&source);
        assert!(!records.is_empty(), "{}", file.display());
        for record in &records {
            assert_eq!(record.len(), COLUMNS.len());
        }
    }
}

#[test]
fn corpus_files_with_known_answers() {
    let Some(dir) = corpus_dir() else { return };
    let labels = &corpus_records(&dir, "khard/labels.vcf")[0];
    assert_eq!(cell(labels, "Company"), "Test Inc");
    assert_eq!(cell(labels, "Full Name"), "labeled guy");
    let category = &corpus_records(&dir, "khard/category.vcf")[0];
    assert_eq!(cell(category, "Tags"), "bar");
    assert_eq!(cell(category, "Email"), "foo@example.org");
    assert_eq!(cell(category, "External ID"), "cat1");
    assert_eq!(cell(&corpus_records(&dir, "khard/text-bday.vcf")[0], "Birthday"), "circa 1800");
    let post = &corpus_records(&dir, "khard/post.vcf")[0];
    assert_eq!(cell(post, "Street"), "Main Street 1, Ext, PostBox");
    assert_eq!(cell(post, "City"), "The City");
    assert_eq!(cell(post, "Region"), "SomeState");
    assert_eq!(cell(&corpus_records(&dir, "khard/korean-c.vcf")[0], "Full Name"), "최유림");
    assert_eq!(cell(&corpus_records(&dir, "khard/tel-value-uri.vcf")[0], "Phone"), "67545678");
    let unparsable = &corpus_records(&dir, "khard/unparsable.vcf")[0];
    assert_eq!(unparsable.problem.as_deref(), Some("card 1 (from line 1): the file ends before END:VCARD"));

    // roundcube VCardTest.php
    let utf16 = &corpus_records(&dir, "roundcube/utf-16_sample.vcf")[0];
    assert_eq!(cell(utf16, "Full Name"), "Ǽgean ĽdaMonté");
    let john = &corpus_records(&dir, "roundcube/johndoe.vcf")[0];
    assert_eq!(cell(john, "Full Name"), "John Doë");
    assert_eq!(cell(john, "Email"), "roundcube@gmail.com");
    assert_eq!(cell(john, "Other Emails"), "inbox@roundcube.net");
    assert_eq!(cell(john, "Phone"), "+987654321", "the CELL number");
    assert_eq!(cell(john, "Other Phones"), "+123456789");
    let apple = corpus_records(&dir, "roundcube/apple.vcf");
    assert_eq!(cell(&apple[0], "Full Name"), "Apple Computer AG");
    assert_eq!(cell(&apple[0], "First Name"), "");
    assert_eq!(cell(&apple[0], "City"), "Wallisellen-Zürich");
    assert_eq!(cell(&apple[0], "Website"), "http://www.apple.ch");

    // node-vcf samples
    let gump = &corpus_records(&dir, "node-vcf/vcard-2.1.vcf")[0];
    assert_eq!(cell(gump, "Email"), "forrestgump@example.com");
    assert_eq!(cell(gump, "Phone"), "(111) 555-1212");
    assert_eq!(cell(gump, "Other Phones"), "(404) 555-1212");
    // The home address is the contact's own, the work address one of the others.
    assert_eq!(cell(gump, "Street"), "42 Plantation St.");
    assert_eq!(cell(gump, "Other Addresses"), "100 Waters Edge, 30314 Baytown, LA, United States of America");
    let gump4 = &corpus_records(&dir, "node-vcf/vcard-4.0.vcf")[0];
    assert_eq!(cell(gump4, "Phone"), "+11115551212");
    assert_eq!(cell(gump4, "Other Phones"), "+14045551212|+14045551213");
    assert_eq!(
        cell(gump4, "Other Addresses"),
        "100 Waters Edge, 30314 Baytown, LA, United States of America"
    );

    // Radicale: no-year birthday written as year 1604
    let bday = &corpus_records(&dir, "radicale-test-vcards/contact4-with-bday-no-year.vcf")[0];
    assert_eq!(cell(bday, "Birthday"), "--01-01");

    // audriga: deliberately broken cards; a stray line is passed over, as address books do
    let line = &corpus_records(&dir, "audriga-jmap/rc-vcard-invalid-line.vcf")[0];
    assert_eq!(line.problem, None);
    assert_eq!(
        line.note.as_deref(),
        Some("card 1, line 2: \"blablabla\" is not a vCard property and was skipped")
    );
    let card = &corpus_records(&dir, "audriga-jmap/rc-vcard-invalid-card.vcf")[0];
    assert_eq!(card.problem.as_deref(), Some("card 1, line 1: no BEGIN:VCARD before this line"));
    assert_eq!(cell(card, "Email"), "testemailaddress@example.com");
    let special = &corpus_records(&dir, "audriga-jmap/vcard-special-chars.vcf")[0];
    assert_eq!(cell(special, "Job Title"), "Software, Engineer");
    assert_eq!(cell(special, "Department"), "IT");
    assert_eq!(cell(special, "Notes"), "Test notes about a test contact...; and some special chars...");

    // sabre-vobject: photos of tens of kilobytes are skipped
    for file in ["sabre-vobject/issue64.vcf", "sabre-vobject/issue153.vcf"] {
        for record in corpus_records(&dir, file) {
            assert!(record.iter().all(|c| c.len() < 200), "{file}");
        }
    }
}

/// The inline cases of sabre-vobject's `QuotedPrintableTest.php` (LABEL read as NOTE here).
#[test]
fn sabre_vobject_quoted_printable_cases() {
    let note = |value: &str| {
        let r = &read_str(&format!("BEGIN:VCARD\r\n{value}\r\nEND:VCARD"))[0];
        assert_eq!(r.problem, None);
        cell(r, "Notes").to_string()
    };
    assert_eq!(note("NOTE;ENCODING=QUOTED-PRINTABLE:Aach=65n"), "Aachen");
    assert_eq!(note("NOTE;ENCODING=QUOTED-PRINTABLE:Aa=\r\n ch=\r\n en"), "Aachen");
    assert_eq!(note("NOTE;ENCODING=QUOTED-PRINTABLE:Aachen=0D=0A=\r\n Germany"), "Aachen\nGermany");
    assert_eq!(
        note("NOTE;ENCODING=QUOTED-PRINTABLE:Aachen=0D=0A=\r\nDeutschland:okay"),
        "Aachen\nDeutschland:okay"
    );
    let compound = "BEGIN:VCARD\nVERSION:2.1\nN:Doe;John;;;\nFN:John Doe\n\
        ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;M=C3=BCnster =\nStr. 1;M=C3=BCnster;;48143;Deutschland\n\
        END:VCARD\n";
    let r = &read_str(compound)[0];
    assert_eq!(cell(r, "Street"), "Münster Str. 1");
    assert_eq!(cell(r, "City"), "Münster");
    assert_eq!(cell(r, "Postal Code"), "48143");
}

// ---------------------------------------------------------------- properties

/// A card's values, written with escaping and folding (3.0) or quoted-printable (2.1).
#[derive(Debug, Clone)]
struct Values {
    first: String,
    last: String,
    company: String,
    note: String,
    emails: Vec<String>,
    phones: Vec<String>,
    mobile: Option<String>,
    tags: Vec<String>,
}

fn text_value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äöüßéЖ€,;:\\\\ ]{0,40}".prop_map(|s| s.trim().to_string())
}

fn values() -> impl Strategy<Value = Values> {
    (
        text_value(),
        text_value(),
        text_value(),
        ("[a-zA-Z0-9äöü,;:\\\\ \n]{0,300}").prop_map(|s| s.trim().to_string()),
        proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.de", 0..4),
        proptest::collection::vec("\\+49 [0-9]{3} [0-9]{4,8}", 0..4),
        proptest::option::of("\\+49 1[0-9]{2} [0-9]{6}"),
        proptest::collection::btree_set("[a-zA-Z0-9äö,; ]{0,10}".prop_map(|s| s.trim().to_string()), 0..4),
    )
        .prop_map(|(first, last, company, note, emails, phones, mobile, tags)| Values {
            first,
            last,
            company,
            note,
            emails,
            phones,
            mobile,
            tags: tags.into_iter().filter(|t| !t.is_empty()).collect(),
        })
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace(',', "\\,").replace(';', "\\;").replace('\n', "\\n")
}

/// Folds a line at 75 bytes (on character boundaries) with CRLF and a space.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn property(name: &str, value: &str, quoted_printable: bool) -> String {
    if quoted_printable {
        // A space that starts a continuation line would be read as folding: write it as =20.
        let encoded = quoted_printable::encode_to_str(value.as_bytes()).replace("=\r\n ", "=\r\n=20");
        format!("{name};CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{encoded}\r\n")
    } else {
        fold(&format!("{name}:{value}"))
    }
}

fn write_card(v: &Values, qp: bool) -> String {
    let mut card = String::from("BEGIN:VCARD\r\n");
    card += if qp { "VERSION:2.1\r\n" } else { "VERSION:3.0\r\n" };
    card += &property("N", &format!("{};{};;;", escape(&v.last), escape(&v.first)), qp);
    card += &property("ORG", &escape(&v.company), qp);
    card += &property("NOTE", &escape(&v.note), qp);
    for email in &v.emails {
        card += &property("EMAIL;TYPE=INTERNET", email, false);
    }
    for phone in &v.phones {
        card += &property("TEL;TYPE=HOME", phone, false);
    }
    if let Some(mobile) = &v.mobile {
        card += &property("TEL;TYPE=CELL", mobile, false);
    }
    let tags: Vec<String> = v.tags.iter().map(|t| escape(t)).collect();
    if !tags.is_empty() {
        card += &property("CATEGORIES", &tags.join(","), qp);
    }
    card + "END:VCARD\r\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(source) = VcardSource::from_bytes("x.vcf", bytes, VcardOptions { max_line_bytes: 300, max_card_bytes: 600 }) {
            let mut stream = source.records().expect("records");
            let mut record = Record::default();
            while stream.next_record(&mut record).expect("next") {
                prop_assert_eq!(record.len(), COLUMNS.len());
            }
        }
    }

    #[test]
    fn vcard_like_noise_never_panics(lines in proptest::collection::vec(
        prop_oneof![
            Just("BEGIN:VCARD".to_string()),
            Just("END:VCARD".to_string()),
            Just(" folded".to_string()),
            Just("".to_string()),
            "[A-Za-z0-9.;=:,\\\\\" -]{0,30}",
            "(item1\\.)?(TEL|EMAIL|N|ADR|BDAY|CATEGORIES|X-ABLabel|PHOTO)(;[A-Z=-]{0,12}){0,3}:[ -~]{0,20}=?",
        ],
        0..40,
    )) {
        let mut text = String::from("BEGIN:VCARD\n");
        text += &lines.join("\n");
        // A first line folded onto BEGIN:VCARD makes the file not a vCard: an error, not a panic.
        let Ok(source) = VcardSource::from_bytes("x.vcf", text.into_bytes(), VcardOptions::default()) else {
            return Ok(());
        };
        let mut stream = source.records().expect("records");
        let mut record = Record::default();
        while stream.next_record(&mut record).expect("next") {
            prop_assert_eq!(record.len(), COLUMNS.len());
        }
    }

    #[test]
    fn written_values_read_back(v in values(), qp in any::<bool>()) {
        let records = read_str(&write_card(&v, qp));
        prop_assert_eq!(records.len(), 1);
        let r = &records[0];
        prop_assert_eq!(r.problem.as_deref(), None);
        prop_assert_eq!(cell(r, "First Name"), v.first.as_str());
        prop_assert_eq!(cell(r, "Last Name"), v.last.as_str());
        prop_assert_eq!(cell(r, "Company"), v.company.as_str());
        prop_assert_eq!(cell(r, "Notes"), v.note.as_str());
        prop_assert_eq!(cell(r, "Email"), v.emails.first().map_or("", String::as_str));
        prop_assert_eq!(cell(r, "Other Emails"), v.emails.get(1..).unwrap_or_default().join("|"));
        // The mobile number (TYPE=CELL) is the phone; without one, the first.
        let (phone, others) = match &v.mobile {
            Some(mobile) => (mobile.as_str(), v.phones.join("|")),
            None => (v.phones.first().map_or("", String::as_str), v.phones.get(1..).unwrap_or_default().join("|")),
        };
        prop_assert_eq!(cell(r, "Phone"), phone);
        prop_assert_eq!(cell(r, "Other Phones"), others);
        prop_assert_eq!(cell(r, "WhatsApp"), "");
        // `|`-joined, so that the list rule reads back the same tags (also one with a `;`).
        prop_assert_eq!(cell(r, "Tags"), join_names(&v.tags));
        prop_assert_eq!(list_items(cell(r, "Tags")), v.tags.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

// ---------------------------------------------------------------- intake's own properties

#[test]
fn intake_properties_carry_lists_subscriptions_language_and_custom_fields() {
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna\r\nN:;Anna;;;\r\n\
        TEL;VALUE=uri;TYPE=voice;PREF=1:tel:+4915123456789\r\n\
        TEL;VALUE=uri;TYPE=cell;X-WHATSAPP=true:tel:+4915199999999\r\n\
        CATEGORIES:Fair\\, 2026\r\n\
        LANG;PREF=2:en\r\nLANG;PREF=1:de\r\n\
        X-INTAKE-LISTS:Newsletter,Partners\\, Berlin\r\n\
        x-intake-email-subscription:subscribed\r\n\
        X-INTAKE-SMS-SUBSCRIPTION:unsubscribed\r\n\
        X-INTAKE-FIELD-C-TEXT:free\\, text\\; with: marks\r\n\
        X-INTAKE-FIELD-C-MULTI:news|offers\r\n\
        X-INTAKE-FIELD-ELSEWHERE:kept out\r\n\
        END:VCARD\r\n";
    let fields = ["c_text".to_string(), "c_multi".to_string(), "c_empty".to_string()];
    let source = VcardSource::from_bytes("t.vcf", card.as_bytes().to_vec(), VcardOptions::default())
        .expect("open")
        .with_fields(&fields);
    assert_eq!(source.headers()[COLUMNS.len()..], fields);
    let records = read_all(&source);
    let r = &records[0];
    assert_eq!(r.problem, None);
    assert_eq!(cell(r, "Phone"), "+4915123456789");
    assert_eq!(cell(r, "WhatsApp"), "+4915199999999", "X-WHATSAPP=true, as intake exports it");
    assert_eq!(cell(r, "Other Phones"), "");
    assert_eq!(cell(r, "Tags"), "Fair, 2026|", "one tag, which the list rule does not split");
    assert_eq!(cell(r, "Lists"), "Newsletter|Partners, Berlin");
    assert_eq!(cell(r, "Language"), "de", "the preferred LANG");
    assert_eq!(cell(r, "Email Subscription"), "subscribed");
    assert_eq!(cell(r, "SMS Subscription"), "unsubscribed");
    assert_eq!(cell(r, "WhatsApp Subscription"), "");
    let custom: Vec<&str> = (COLUMNS.len()..COLUMNS.len() + 3).map(|at| r.get(at).unwrap_or("?")).collect();
    assert_eq!(custom, ["free, text; with: marks", "news|offers", ""]);
    let note = r.note.as_deref().unwrap_or_default();
    assert!(note.contains("no field for X-INTAKE-FIELD-ELSEWHERE"), "{note}");
}
