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
