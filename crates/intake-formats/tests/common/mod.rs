//! Test helpers: read a whole [`CsvSource`] into plain values, and find the shared public
//! corpora beside the repository (tests that need them return early, saying why, when the
//! folder is absent).
#![allow(dead_code)]

use std::path::PathBuf;

use intake_core::read::{Record, Source};
use intake_formats::csv::CsvSource;

/// One data row as read: its row number, cells and problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub row: u64,
    pub cells: Vec<String>,
    pub problem: Option<String>,
}

/// Every data row of `source`, read twice to check that both passes agree (the pipeline
/// reads a file twice).
pub fn rows(source: &CsvSource) -> Vec<Row> {
    let first = read_once(source);
    assert_eq!(first, read_once(source), "two passes over {} differ", source.path().display());
    first
}

fn read_once(source: &CsvSource) -> Vec<Row> {
    let mut stream = source.records().expect("records");
    let mut record = Record::default();
    let mut rows = Vec::new();
    while stream.next_record(&mut record).expect("next record") {
        rows.push(Row {
            row: record.row,
            cells: record.iter().map(str::to_string).collect(),
            problem: record.problem.clone(),
        });
    }
    rows
}

/// The cells of every row, for compact comparisons.
pub fn cells(source: &CsvSource) -> Vec<Vec<String>> {
    rows(source).into_iter().map(|r| r.cells).collect()
}

/// `[["a", "b"], …]` as owned strings.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| (*c).to_string()).collect()).collect()
}

/// The folder `shared/corpora/<relative>` next to the repository, if it is there.
pub fn corpus(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora").join(relative);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: the public corpus {} is not there", path.display());
        None
    }
}
