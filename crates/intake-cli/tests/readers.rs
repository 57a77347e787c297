//! End-to-end tests of the readers through the real binary, on files made the way the
//! programs that write them make them: Excel's empty `,,,,` rows and short rows, broken
//! quoting, binary files, spreadsheets and vCards.

mod common;

use common::{Workspace, path_str};

/// Excel saves the rows below the data that once held something as `,,,` lines.
#[test]
fn empty_rows_are_skipped_not_errors() {
    let ws = Workspace::new();
    let file = ws.file(
        "excel.csv",
        "First Name,Last Name,Email,Company\r\nAnna,Schmidt,anna@example.com,Acme\r\n,,,\r\n , ,,\r\nBruno,Meyer,bruno@example.com,\r\n,,,\r\n",
    );
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (2, 0, 3, 0), "{rows:?}");
    for index in [1, 2, 4] {
        assert_eq!(rows[index]["Import Status"], "Skipped", "{:?}", rows[index]);
        assert_eq!(rows[index]["Import Notes"], "empty row", "{:?}", rows[index]);
    }
    assert_eq!(ws.contacts().len(), 2);
}

/// A row whose missing trailing cells are all unmapped loses nothing, so it is read as if
/// padded; one that lacks a mapped cell is still refused.
#[test]
fn short_rows_missing_only_unmapped_cells_are_padded() {
    let ws = Workspace::new();
    let file = ws.file(
        "short.csv",
        "First Name,Email,City,Internal\nAnna,anna@example.com,Berlin\nBruno,bruno@example.com\n",
    );
    let (counts, rows) = ws.import(&file, &["--skip", "Internal"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 1), "{rows:?}");
    assert_eq!(rows[0]["Import Status"], "Imported", "{:?}", rows[0]);
    assert_eq!(ws.contact_by("email", "anna@example.com")["city"], "Berlin");
    assert_eq!(rows[1]["Import Status"], "Error");
    assert!(rows[1]["Import Errors"].contains("the row has 2 cells but the header has 4"), "{:?}", rows[1]);
}

/// A quote opened in a cell and never closed would make the rest of the file one cell (one
/// contact with the other rows as her notes); the import stops, naming the line.
#[test]
fn a_quote_never_closed_is_reported_with_its_line() {
    let ws = Workspace::new();
    let file = ws.file(
        "open-quote.csv",
        "First Name,Email,Notes\n\"Anna\nSmith\",anna@example.com,ok\nBruno,bruno@example.com,\"Met at the fair\nCarla,carla@example.com,\nDora,dora@example.com,\n",
    );
    let error = ws.fails(&["import", path_str(&file)]);
    assert!(error.contains("row 3: the quote (\") opened on line 4 is never closed"), "{error}");
    assert!(ws.contacts().is_empty(), "nothing is imported");
    let error = ws.fails(&["import", path_str(&file), "--dry-run"]);
    assert!(error.contains("opened on line 4 is never closed"), "{error}");
}

/// An executable or random bytes are refused before any row is read, saying what they are
/// not, instead of failing on the mapping of their "columns".
#[test]
fn binary_files_are_refused_as_not_text() {
    let ws = Workspace::new();
    let program = env!("CARGO_BIN_EXE_intake");
    let error = ws.fails(&["import", program]);
    assert!(error.contains("is not a text file or spreadsheet"), "{error}");

    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let random: Vec<u8> = (0..20_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect();
    let file = ws.path("export.csv");
    std::fs::write(&file, random).expect("write");
    let error = ws.fails(&["import", path_str(&file)]);
    assert!(error.contains("is not a text file or spreadsheet"), "{error}");
    assert!(!error.contains("identifier"), "{error}");
    let error = ws.fails(&["mapping", "suggest", path_str(&file)]);
    assert!(error.contains("is not a text file or spreadsheet"), "{error}");
}

#[test]
fn sheet_on_a_csv_file_is_an_error() {
    let ws = Workspace::new();
    let file = ws.file("contacts.csv", "First Name,Email\nAnna,anna@example.com\n");
    let error = ws.fails(&["import", path_str(&file), "--sheet", "Kunden"]);
    assert!(error.contains("--sheet is for spreadsheets"), "{error}");
    assert!(ws.contacts().is_empty());
}

/// A comment or stray line inside a card, and an agent's card nested in 2.1, are passed over
/// as address books pass over them: every card imports, the results file's Notes say what
/// was skipped.
#[test]
fn vcards_with_stray_lines_and_nested_cards_import() {
    let ws = Workspace::new();
    let file = ws.file(
        "contacts.vcf",
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Boss;Berta\r\n# exported by hand\r\nAGENT:BEGIN:VCARD\r\n\
         VERSION:2.1\r\nN:Assistant;Alex\r\nEMAIL:alex@example.com\r\nEND:VCARD\r\n\
         EMAIL:berta@example.com\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:2.1\r\nN:Other;Olga\r\nEMAIL:olga@example.com\r\nEND:VCARD\r\n",
    );
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (2, 0, 0, 0), "{rows:?}");
    let notes = &rows[0]["Import Notes"];
    assert!(
        notes.contains("line 4: \"# exported by hand\" is not a vCard property and was skipped"),
        "{notes}"
    );
    assert!(notes.contains("lines 5-9: the card nested in it (its AGENT) was not imported"), "{notes}");
    assert_eq!(ws.contact_by("email", "berta@example.com")["first_name"], "Berta");
    assert_eq!(ws.contact_by("email", "olga@example.com")["first_name"], "Olga");
    assert_eq!(ws.contacts().len(), 2, "the agent is no contact of its own");
}

/// An exporter that embeds a card inside another without AGENT: the outer contact imports
/// with what follows the nested card, the nested one imports as a contact of its own, and
/// the card after them is untouched (it was "no END:VCARD" and an Error before).
#[test]
fn a_card_nested_without_agent_imports_as_its_own_contact() {
    let ws = Workspace::new();
    let file = ws.file(
        "nested.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Outer;Anna\r\nEMAIL:anna@example.com\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nN:Inner;Ines\r\nEMAIL:ines@example.com\r\nEND:VCARD\r\n\
         ORG:Acme\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nN:After;Bruno\r\nEMAIL:bruno@example.com\r\nEND:VCARD\r\n",
    );
    let (counts, rows) = ws.import(&file, &[]);
    assert_eq!(counts.tuple(), (3, 0, 0, 0), "{rows:?}");
    assert!(
        rows[0]["Import Notes"].contains("lines 5-9: a card nested in it was read as card 2"),
        "{rows:?}"
    );
    assert!(rows[1]["Import Notes"].contains("nested in card 1"), "{rows:?}");
    let anna = ws.contact_by("email", "anna@example.com");
    assert_eq!((anna["first_name"].as_str(), anna["company"].as_str()), ("Anna", "Acme"));
    let ines = ws.contact_by("email", "ines@example.com");
    assert_eq!((ines["first_name"].as_str(), ines["company"].as_str()), ("Ines", ""));
    assert_eq!(ws.contact_by("email", "bruno@example.com")["first_name"], "Bruno");
}

/// A spreadsheet row has the same cap as a CSV row (16 MiB); the message says there is no
/// flag to raise it, instead of "raise that option" with no such option on the command line.
#[test]
fn a_sheet_row_over_the_row_cap_is_refused_naming_the_cap() {
    let ws = Workspace::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "First Name").expect("cell");
    sheet.write_string(0, 1, "Email").expect("cell");
    sheet.write_string(1, 0, "Anna").expect("cell");
    sheet.write_string(1, 1, "anna@example.com").expect("cell");
    let text = "n".repeat(32_000);
    for column in 2..600u16 {
        sheet.write_string(0, column, format!("Note {column}")).expect("cell");
        sheet.write_string(2, column, &text).expect("cell");
    }
    sheet.write_string(2, 0, "Bruno").expect("cell");
    let file = ws.path("notes.xlsx");
    book.save(&file).expect("save");
    let error = ws.fails(&["import", path_str(&file)]);
    assert!(error.contains("row 3 holds more than 16 MiB of text"), "{error}");
    assert!(error.contains("a contact row is never that large"), "{error}");
    assert!(!error.contains("raise that option"), "{error}");
    assert!(ws.contacts().is_empty());
}

/// Two columns with one header (exports with `Email,Email`) can be told apart by position:
/// `#3` is the third column, in --map, --skip and the messages; `mapping suggest` works.
#[test]
fn duplicate_headers_are_told_apart_by_position() {
    let ws = Workspace::new();
    let file =
        ws.file("dup.csv", "First Name,Email,Email,City\nAnna,anna@work.example,anna@home.example,Berlin\n");
    // Two suggestions for one field never abort an import: the leftmost takes it, the other
    // is not imported (and said so).
    let plain = ws.command(&["import", path_str(&file), "--dry-run"]).output().expect("run");
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let said = String::from_utf8_lossy(&plain.stderr);
    assert!(said.contains("not imported"), "{said}");

    let output = ws.run(&["mapping", "suggest", path_str(&file)]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("that field is mapped from \"#2\""), "{stdout}");
    assert!(stdout.contains("--map \"#3=FIELD\""), "says how to map the second one: {stdout}");

    let (counts, _) = ws.import(&file, &["--map", "#3=email", "--map", "#2=other_emails"]);
    assert_eq!(counts.tuple(), (1, 0, 0, 0));
    let anna = ws.contact_by("email", "anna@home.example");
    assert_eq!(anna["other_emails"], "anna@work.example");
    assert_eq!(anna["city"], "Berlin");
}

/// A sheet over a cap is refused naming the flag that raises it, and imports once it is raised.
#[test]
fn a_sheet_over_a_cap_names_the_flag_that_raises_it() {
    let ws = Workspace::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "First Name").expect("cell");
    sheet.write_string(0, 1, "Email").expect("cell");
    sheet.write_string(1, 0, "Anna").expect("cell");
    sheet.write_string(1, 1, "anna@example.com").expect("cell");
    sheet.write_string(0, 1500, "Far away").expect("cell");
    let file = ws.path("wide.xlsx");
    book.save(&file).expect("save");
    let error = ws.fails(&["import", path_str(&file)]);
    assert!(error.contains("raise the cap with --max-columns"), "{error}");
    assert!(ws.contacts().is_empty());
    let suggest = ws.fails(&["mapping", "suggest", path_str(&file)]);
    assert!(suggest.contains("--max-columns"), "{suggest}");
    let (counts, _) = ws.import(&file, &["--max-columns", "2000"]);
    assert_eq!(counts.imported, 1);
    let narrow = ws.fails(&["import", path_str(&file), "--max-columns", "2000", "--max-rows", "1"]);
    assert!(narrow.contains("raise the cap with --max-rows"), "{narrow}");
}
