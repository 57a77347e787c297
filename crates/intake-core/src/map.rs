//! Mapping: which column goes to which field. Headers that match a field's name, label or
//! alias (ignoring case, spaces, `_` and `-`) map by themselves; the user's `--map` and
//! `--skip` win; a field is mapped once at most; columns that map to nothing are reported.

use serde::{Deserialize, Serialize};

use crate::model::{Schema, Target};

/// The user's mapping instructions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRequest {
    /// `(column header, target name)` pairs from `--map "Header=field"`.
    pub overrides: Vec<(String, String)>,
    /// Column headers to leave out.
    pub skips: Vec<String>,
}

/// How each column is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// One entry per column: its target, or `None` when it is not imported.
    pub columns: Vec<Option<Target>>,
    /// Headers of columns that matched nothing (not imported).
    pub unmapped: Vec<String>,
    /// Headers of columns the user skipped.
    pub skipped: Vec<String>,
}

impl Mapping {
    /// The column index mapped to `target`.
    pub fn column_of(&self, target: Target) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(target))
    }
}

/// Why a mapping cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// `--map` or `--skip` names a header the file does not have.
    #[error("the file has no column {header:?} (its columns: {available})")]
    NoSuchColumn {
        /// The header asked for.
        header: String,
        /// The file's headers, comma-separated.
        available: String,
    },
    /// `--map` names a field the workspace does not have.
    #[error("no field named {0:?} (see `intake fields list`)")]
    NoSuchField(String),
    /// Two columns map to one field.
    #[error(
        "field {field:?} is mapped twice, from columns {first:?} and {second:?}; map one elsewhere or --skip it"
    )]
    MappedTwice {
        /// The field.
        field: String,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
    },
}

/// Reduces a header to the form headers are compared in: lower case, without spaces,
/// `_`, `-` or `.`.
pub fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Builds the mapping of `headers` onto `schema`.
pub fn build_mapping(
    headers: &[String],
    schema: &Schema,
    request: &MappingRequest,
) -> Result<Mapping, MappingError> {
    let find_column = |header: &str| {
        headers.iter().position(|h| h == header).ok_or_else(|| MappingError::NoSuchColumn {
            header: header.to_string(),
            available: headers.join(", "),
        })
    };
    let mut columns: Vec<Option<Target>> = headers.iter().map(|h| suggest(h, schema)).collect();
    let mut skipped_flags = vec![false; headers.len()];
    for header in &request.skips {
        let column = find_column(header)?;
        skipped_flags[column] = true;
        columns[column] = None;
    }
    for (header, field) in &request.overrides {
        let column = find_column(header)?;
        let target = schema.target_by_name(field).ok_or_else(|| MappingError::NoSuchField(field.clone()))?;
        // An explicit mapping takes the target away from a column that only matched by name.
        for (other, slot) in columns.iter_mut().enumerate() {
            let explicit = request.overrides.iter().any(|(h, _)| h == &headers[other]);
            if other != column && *slot == Some(target) && !explicit {
                *slot = None;
            }
        }
        columns[column] = Some(target);
        skipped_flags[column] = false;
    }
    check_mapped_once(headers, schema, &columns)?;
    let unmapped = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| columns[*i].is_none() && !skipped_flags[*i])
        .map(|(_, h)| h.clone())
        .collect();
    let skipped =
        headers.iter().enumerate().filter(|(i, _)| skipped_flags[*i]).map(|(_, h)| h.clone()).collect();
    Ok(Mapping { columns, unmapped, skipped })
}

fn check_mapped_once(
    headers: &[String],
    schema: &Schema,
    columns: &[Option<Target>],
) -> Result<(), MappingError> {
    for (i, target) in columns.iter().enumerate() {
        let Some(target) = target else { continue };
        if let Some(j) = columns[i + 1..].iter().position(|t| t.as_ref() == Some(target)) {
            return Err(MappingError::MappedTwice {
                field: schema.target_name(*target).to_string(),
                first: headers[i].clone(),
                second: headers[i + 1 + j].clone(),
            });
        }
    }
    Ok(())
}

/// The target a header names by itself, if any.
pub fn suggest(header: &str, schema: &Schema) -> Option<Target> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    schema
        .targets_with_names()
        .into_iter()
        .find(|(_, names)| names.iter().any(|n| header_key(n) == key))
        .map(|(target, _)| target)
}
