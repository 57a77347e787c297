//! Saved mappings: TOML with a `[map]` table of `"Column Header" = "field"`, a `skip` list of
//! headers, and the `undecided` ones, so that a recurring import from the same source is one
//! command (`--mapping FILE`) or one setting of the service.

use std::collections::BTreeMap;
use std::path::Path;

use intake_core::map::{Mapping, MappingRequest};
use intake_core::model::Schema;
use serde::{Deserialize, Serialize};

use crate::ImportError;

/// A saved mapping file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct MappingFile {
    /// Header → field name.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// Headers left out.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Headers nothing was decided for: an import with this mapping suggests for them again
    /// and reports them if nothing fits (read for information only; not a skip, so that
    /// their data is never dropped unseen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<String>,
}

/// Reads a saved mapping into maps and skips.
pub fn load(path: &Path) -> Result<MappingRequest, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::file(path, e))?;
    let file: MappingFile =
        toml::from_str(&text).map_err(|e| ImportError::Invalid(format!("{}: {e}", path.display())))?;
    Ok(MappingRequest { overrides: file.map.into_iter().collect(), skips: file.skip, match_by_id: false })
}

/// The mapping as a file: every mapped column, the columns skipped (by `--skip` or as a
/// known export leaves them out), and the undecided ones as undecided.
pub fn to_file(headers: &[String], mapping: &Mapping, schema: &Schema) -> MappingFile {
    let mut file = MappingFile::default();
    // A known export's address columns are sorted out per row, whenever it is recognized.
    let grouped: Vec<usize> = mapping.addresses.iter().flat_map(|g| g.columns()).collect();
    for (column, (header, target)) in headers.iter().zip(&mapping.columns).enumerate() {
        match target {
            None if grouped.contains(&column) => {}
            Some(target) => {
                file.map.insert(header.clone(), schema.target_name(*target).to_string());
            }
            None if mapping.skipped.contains(header) => file.skip.push(header.clone()),
            None => file.undecided.push(header.clone()),
        }
    }
    file
}
