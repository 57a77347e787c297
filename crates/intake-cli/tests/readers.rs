//! End-to-end tests of the readers through the real binary, on files made the way the
//! programs that write them make them: Excel's empty `,,,,` rows and short rows, broken
//! quoting, binary files, spreadsheets and vCards.

mod common;

use common::Workspace;

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
        assert_eq!(rows[index]["Errors"], "empty row", "{:?}", rows[index]);
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
    assert!(rows[1]["Errors"].contains("the row has 2 cells but the header has 4"), "{:?}", rows[1]);
}
