//! Spreadsheets (`.xlsx`, `.xls`, `.ods`) as a [`Source`](intake_core::read::Source), read with
//! calamine behind size caps.
//!
//! The first non-empty row of the chosen sheet is the header; every later non-empty row is a
//! record numbered as the spreadsheet numbers it. XLSX is streamed cell by cell (only the
//! current row and the shared strings are in memory). XLS and ODS are loaded whole by
//! calamine, so their sizes are checked first. Before calamine opens a zip (XLSX, ODS) the
//! declared uncompressed sizes are summed and refused above a cap (zip bombs).
//!
//! Modules: [`options`] (caps and sheet choice), `error`, `guard`, `xls_guard`, `ods_guard`, `text_cap` (checks made
//! before calamine sees the file), `input` (file or bytes), `value` (cell → text), `row` (one row's cells), `xlsx` (streaming),
//! `loaded` (XLS, ODS), `source` ([`SheetSource`]).

mod error;
mod guard;
mod input;
mod loaded;
mod ods_guard;
pub mod options;
mod row;
mod source;
mod text_cap;
mod value;
mod xls_guard;
mod xlsx;

pub use error::SheetError;
pub use options::{SheetChoice, SheetOptions};
pub use source::{SheetFormat, SheetSource};
