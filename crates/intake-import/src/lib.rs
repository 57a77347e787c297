//! One import, from the settings a person gave (flags of the CLI, JSON of the service) to a
//! recorded, finished import: opening and recognizing the file, turning the raw settings into
//! validated [`intake_core::plan::ImportOptions`], building the mapping from a saved mapping,
//! the user's maps and the suggestions, and running the pipeline on the store with the
//! results files. The CLI and the service are thin fronts over it, so no rule exists twice.
//!
//! Nothing here prints: what a person should read on the way (a column's date order, a wait
//! for the workspace's lease) is handed to the caller's `notes` callback, and failures are
//! [`ImportError`]s whose messages are sentences for people.

mod error;
pub mod fix;
pub mod input;
pub mod mapping;
pub mod mapping_file;
pub mod review;
pub mod run;
pub mod settings;

pub use error::ImportError;
