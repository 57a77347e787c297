//! Readers and writers of contact files for intake.
//!
//! Readers turn outside bytes into the [`intake_core::read::Source`] the pipeline consumes,
//! keeping every row (a row that cannot be read cleanly becomes that row's Error, never a
//! crash or a silent skip). Writers produce the results and error files.
#![deny(missing_docs)]

pub mod csv;
pub mod export;
pub mod sheet;
pub mod vcard;
