//! What the messages of an import say, through the real binary: where a row is (its number,
//! and its line when a quoted line break or a blank line makes the two differ), counts that
//! are never capped, and sentences that name the column once, the value once and nothing of
//! the libraries underneath.

mod common;

use std::fmt::Write as _;

use common::{Workspace, path_str, read_csv};

/// A note of several lines in a quoted cell pushes every later row onto a later line: the
/// messages name both, so the row is found in a spreadsheet and in a text editor alike.
#[test]
fn rows_after_a_quoted_line_break_are_named_with_their_line() {
    let ws = Workspace::new();
    let file = ws.file(
        "notes.csv",
        "First Name,Email,Notes\r\n\
         Anna,anna@,short\r\n\
         Bruno,bruno@example.com,\"met at the fair\r\ncall back in May\r\nlikes tea\"\r\n\
         Carla,carla(at)example.com,\r\n\
         \r\n\
         Dora,dora@example.com,\"two\nlines\"\r\n\
         Dora,dora@example.com,again\r\n",
    );
    let errors = ws.path("errors.csv");
    let (counts, rows) = ws.import(&file, &["--errors", path_str(&errors)]);
    assert_eq!(counts.tuple(), (1, 0, 0, 4), "{rows:?}");

    // Row 2 is on line 2: the row alone.
    let anna = &rows[0]["Import Errors"];
    assert!(anna.starts_with("row 2, column \"Email\""), "{anna}");
    assert!(!anna.contains("line"), "{anna}");
    // Bruno's note takes lines 3 to 5, so Carla (row 4) is on line 6; a blank line puts the
    // first Dora (row 5) on line 8 and her note the second (row 6) on line 10.
    let carla = &rows[2]["Import Errors"];
    assert!(carla.starts_with("row 4 (line 6), column \"Email\", value \"carla(at)example.com\""), "{carla}");
    let dora = &rows[3]["Import Errors"];
    assert!(dora.starts_with("row 5 (line 8): 2 rows of this file have the email"), "{dora}");
    assert!(rows[4]["Import Errors"].starts_with("row 6 (line 10): "), "{:?}", rows[4]);

    let error_rows = read_csv(&errors);
    let in_error_file: Vec<&str> = error_rows.iter().map(|r| r["Error"].as_str()).collect();
    assert_eq!(in_error_file.len(), 4);
    assert!(in_error_file[1].starts_with("row 4 (line 6), column \"Email\""), "{in_error_file:?}");
    assert!(in_error_file[3].starts_with("row 6 (line 10): "), "{in_error_file:?}");
}

/// An error that stops the import names the row's line too.
#[test]
fn a_row_too_long_to_read_is_named_with_its_line() {
    let ws = Workspace::new();
    let mut text = String::from("First Name,Email,Notes\nAnna,anna@example.com,\"one\ntwo\"\n");
    // A quote left open on row 3 (line 4) runs on past the 16 MiB a row may take.
    text.push_str("Bruno,bruno@example.com,\"open\n");
    let filler = "more text, more lines\n".repeat((17 << 20) / 22);
    text.push_str(&filler);
    let file = ws.file("open.csv", &text);
    let error = ws.fails(&["import", path_str(&file)]);
    assert!(error.contains("row 3 (line 4)"), "{error}");
}

/// 70,000 rows with one e-mail address are reported as 70,000, not as the 65,535 a 16-bit
/// counter stops at.
#[test]
fn counts_of_rows_sharing_an_identifier_are_not_capped() {
    let ws = Workspace::new();
    let mut text = String::from("First Name,Email\n");
    for i in 0..70_000 {
        let _ = writeln!(text, "Name{i},same@example.com");
    }
    text.push_str("Other,other@example.com\n");
    let file = ws.file("same.csv", &text);
    let errors = ws.path("errors.csv");
    let output = ws.ok(&["import", path_str(&file), "--dry-run", "--json", "--errors", path_str(&errors)]);
    let json: serde_json::Value = serde_json::from_str(output.trim()).expect("json");
    assert_eq!(json["errors"], 70_000, "{json}");
    let rows = read_csv(&errors);
    assert_eq!(rows.len(), 70_000);
    for row in [&rows[0], &rows[69_999]] {
        let message = &row["Error"];
        assert!(message.contains("70000 rows of this file have the email"), "{message}");
    }
}

/// Phrases of the libraries under intake (e-mail and phone parsers, number and date
/// parsing, the encoding detector) that must never reach a user.
const LIBRARY_PHRASES: [&str; 16] = [
    "missing separator",
    "nsn",
    "ascii so far",
    "decided at the first other byte",
    "parseerror",
    "invalidcountrycode",
    "notanumber",
    "tooshort",
    "toolong",
    "invalid digit",
    "parseinterror",
    "invalid float literal",
    "number too large to fit",
    "premature end of input",
    "trailing input",
    "input contains invalid characters",
];

/// The messages of one results or error cell: each starts with its row.
fn messages(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in cell.split("; row ").enumerate() {
        out.push(if i == 0 { part.to_string() } else { format!("row {part}") });
    }
    out.retain(|m| !m.is_empty());
    out
}

/// How often `needle` occurs in `text`.
fn occurrences(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// Checks one error message of a row: it names a column of the file, holds the cell's value
/// at most once, and no library phrase.
fn check_message(message: &str, row: &common::Row, headers: &[&str]) {
    // Messages of a row are joined with "; ": one of their own would read as two.
    assert!(!message.contains("; "), "a message with a \"; \" of its own: {message}");
    let lower = message.to_lowercase();
    for phrase in LIBRARY_PHRASES {
        assert!(!lower.contains(phrase), "library phrase {phrase:?} in: {message}");
    }
    let column = headers
        .iter()
        .find(|h| message.contains(&format!("column \"{h}\"")))
        .unwrap_or_else(|| panic!("no column named in: {message}"));
    // The results file guards a cell such as `+49…` against formulas with a `'`.
    let value = intake_core::normalize::strip_formula_guard(&row[*column]);
    assert!(!value.is_empty(), "an empty cell is no error: {message}");
    let quoted = format!("{value:?}");
    assert_eq!(occurrences(message, &quoted), 1, "the value {quoted} not exactly once in: {message}");
    if value.chars().count() >= 5 {
        assert_eq!(occurrences(message, value), 1, "the value {value} repeated in: {message}");
    }
}

/// A file with bad values of every kind: each error message names its column, holds the
/// value once, and says why in words of its own, in the results file and the error file.
#[test]
fn error_messages_name_the_column_once_the_value_once_and_no_library() {
    let ws = Workspace::new();
    for (name, kind, choices) in [
        ("score", "integer", None),
        ("amount", "decimal", None),
        ("vip", "boolean", None),
        ("tier", "choice", Some("gold,silver")),
        ("topics", "multi_choice", Some("golf,wine")),
        ("since", "date", None),
        ("site", "url", None),
    ] {
        let mut args = vec!["fields", "add", name, "--type", kind];
        if let Some(choices) = choices {
            args.extend(["--choices", choices]);
        }
        ws.ok(&args);
    }
    let headers = [
        "First Name",
        "Email",
        "Phone",
        "Birthday",
        "Score",
        "Amount",
        "VIP",
        "Tier",
        "Topics",
        "Since",
        "Site",
        "Newsletter",
    ];
    let long_local = format!("{}@example.com", "x".repeat(70));
    let long_phone = format!("+49 {}", "1".repeat(70));
    let bad_rows: Vec<[&str; 12]> = vec![
        [
            "Anna",
            "anna(at)example.com",
            "+49 151 23456789",
            "1990-02-31",
            "12x",
            "1.2.3",
            "maybe",
            "platinum",
            "cars",
            "nope",
            "ftp://example.com",
            "perhaps",
        ],
        [
            "Bruno",
            "bruno@",
            "0151",
            "31.12.",
            "1e5",
            "abc",
            "ja nein",
            "bronze",
            "golf|cars",
            "2020-13-01",
            "http://",
            "later",
        ],
        [
            "Carla",
            "carla@@example.com",
            "4,91511E+12",
            "--02-30",
            "99999999999999999999999",
            "1,2,3",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["Dora", "Dora <dora@example.com>", "+999 12345", "", "", "", "", "", "", "", "", ""],
        ["Emil", "emil@example..com", "12", "", "", "", "", "", "", "", "", ""],
        ["Finn", "finn@-example.com", "+49 30 1234567 +49 30 999", "", "", "", "", "", "", "", "", ""],
        ["Gus", "gus example@x.com", "phone me", "", "", "", "", "", "", "", "", ""],
        ["Hans", "hans@[192.168.1.1]", "+49 151 1", "", "", "", "", "", "", "", "", ""],
        ["Ida", &long_local, &long_phone, "", "", "", "", "", "", "", "", ""],
        ["Jo", "jo@localhost", "+1 800 1234 5678 9012 3456", "", "", "", "", "", "", "", "", ""],
    ];
    let mut text = String::new();
    for row in std::iter::once(headers).chain(bad_rows.iter().copied()) {
        let cells: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let file = ws.file("bad.csv", &text);
    let errors = ws.path("errors.csv");
    let mut args = vec!["--default-region", "DE", "--errors", path_str(&errors), "--date-format", "%Y-%m-%d"];
    for (header, field) in [
        ("Score", "score"),
        ("Amount", "amount"),
        ("VIP", "vip"),
        ("Tier", "tier"),
        ("Topics", "topics"),
        ("Since", "since"),
        ("Site", "site"),
        ("Newsletter", "email_subscription"),
    ] {
        args.push("--map");
        args.push(Box::leak(format!("{header}={field}").into_boxed_str()));
    }
    let (counts, rows) = ws.import(&file, &args);
    assert_eq!(counts.errors, 10, "every row is bad: {rows:?}");

    let mut checked = 0;
    for row in &rows {
        let all = messages(&row["Import Errors"]);
        assert!(!all.is_empty(), "{row:?}");
        for message in &all {
            check_message(message, row, &headers);
            checked += 1;
        }
    }
    let error_rows = read_csv(&errors);
    assert_eq!(error_rows.len(), 10);
    for (row, error_row) in rows.iter().zip(&error_rows) {
        assert_eq!(error_row["Error"], row["Import Errors"], "both files say the same");
        for message in messages(&error_row["Error"]) {
            check_message(&message, error_row, &headers);
        }
    }
    // Every bad cell is reported: 10 e-mails, 10 phones (Anna's is fine but her other
    // cells are not), 3 birthdays, and the custom and subscription cells.
    assert!(checked >= 35, "only {checked} messages");
}
