//! Mapping: which column goes to which field. The user's `--map` and `--skip` win; every
//! other column takes its confident suggestion ([`crate::suggest`]: its header in six
//! languages, or its values), each field going to its most confident column; a field is
//! mapped once at most; columns that map to nothing are reported, with what was plausible.

use serde::{Deserialize, Serialize};

use crate::model::{FieldId, Schema, Target};
use crate::normalize::Normalizer;
use crate::suggest::{Basis, PLAUSIBLE, Suggestion, ValueKind, resolve, suggest_column};

/// The user's mapping instructions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRequest {
    /// `(column header, target name)` pairs from `--map "Header=field"`.
    pub overrides: Vec<(String, String)>,
    /// Column headers to leave out.
    pub skips: Vec<String>,
    /// Whether the import matches by contact id. Only then does a column named `id` map by
    /// itself; otherwise it is left out (as in intake's own exports, re-imported by e-mail).
    #[serde(default)]
    pub match_by_id: bool,
}

/// How each column is used.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// One entry per column: its target, or `None` when it is not imported.
    pub columns: Vec<Option<Target>>,
    /// Headers of columns that matched nothing (not imported).
    pub unmapped: Vec<String>,
    /// Headers of columns the user skipped.
    pub skipped: Vec<String>,
    /// For each column the user did not map or skip: what was suggested and applied.
    pub decided: Vec<ColumnDecision>,
    /// The known export the header row was recognized as (`Outlook CSV`), if any.
    pub export: Option<&'static str>,
    /// The addresses a known export keeps in columns of their own, to be sorted out per row
    /// (home first): their columns map to nothing in `columns`.
    pub addresses: Vec<AddressGroup>,
}

/// The columns of one address of a row, and where they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressGroup {
    /// Street lines, joined with `, `.
    pub street: Vec<usize>,
    /// `[city, region, postal code, country]`.
    pub parts: [Option<usize>; 4],
    /// A column whose value says home or work.
    pub label: Option<usize>,
    /// Rank when the label says nothing: 0 home, 1 business, 2 other.
    pub place: u8,
    /// `[street, city, region, postal_code, country, other_addresses]` of the schema.
    pub fields: [FieldId; 6],
}

impl AddressGroup {
    /// Every column of the address.
    pub fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.street.iter().copied().chain(self.parts.iter().flatten().copied())
    }
}

/// What the suggestions decided for one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecision {
    /// The column's position.
    pub column: usize,
    /// Its header.
    pub header: String,
    /// The suggestion applied, if one was confident and its field was free.
    pub applied: Option<Suggestion>,
    /// Plausible suggestions not applied (not confident, or their field went elsewhere).
    pub uncertain: Vec<Suggestion>,
    /// The kind of the column's sample values.
    pub kind: ValueKind,
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
    /// Two `--map` give one field to two columns.
    #[error(
        "field {field:?} is mapped twice, from columns {first:?} and {second:?}; map one elsewhere or --skip it \
         (a column may be named by its position: --skip \"#3\" is the third)"
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

/// Builds the mapping of `headers` onto `schema` from the headers alone.
pub fn build_mapping(
    headers: &[String],
    schema: &Schema,
    request: &MappingRequest,
) -> Result<Mapping, MappingError> {
    build_mapping_with_samples(headers, &[], schema, request, &Normalizer::default())
}

/// Builds the mapping of `headers` onto `schema`; `samples` holds some rows of the file
/// (cells in column order), from which columns whose header says nothing are recognized.
pub fn build_mapping_with_samples(
    headers: &[String],
    samples: &[Vec<String>],
    schema: &Schema,
    request: &MappingRequest,
    normalizer: &Normalizer,
) -> Result<Mapping, MappingError> {
    let find_column = |header: &str| {
        headers.iter().position(|h| h == header).or_else(|| column_by_number(headers, header)).ok_or_else(
            || MappingError::NoSuchColumn { header: header.to_string(), available: headers.join(", ") },
        )
    };
    let mut columns: Vec<Option<Target>> = vec![None; headers.len()];
    let mut fixed = vec![false; headers.len()];
    let mut skipped_flags = vec![false; headers.len()];
    for header in &request.skips {
        let column = find_column(header)?;
        skipped_flags[column] = true;
        fixed[column] = true;
    }
    // A results or error file imported again: its added columns are not data.
    for (column, header) in headers.iter().enumerate() {
        if crate::report::is_added_column(header) {
            skipped_flags[column] = true;
            fixed[column] = true;
        }
    }
    for (header, field) in &request.overrides {
        let column = find_column(header)?;
        let target = schema.target_by_name(field).ok_or_else(|| MappingError::NoSuchField(field.clone()))?;
        columns[column] = Some(target);
        skipped_flags[column] = false;
        fixed[column] = true;
    }
    check_mapped_once(headers, schema, &columns)?;
    let export = crate::known::recognize(headers);
    let mut decided = Vec::new();
    let mut addresses = Vec::new();
    if let Some(export) = export {
        decided = apply_known_export(export, headers, schema, &mut columns, &mut fixed, &mut skipped_flags);
        addresses = address_groups(export, headers, schema, &mut fixed, &mut skipped_flags, &mut decided);
    }
    decided.extend(decide_columns(
        headers,
        samples,
        schema,
        normalizer,
        &mut columns,
        &fixed,
        request.match_by_id,
    ));
    let grouped: Vec<usize> = addresses.iter().flat_map(AddressGroup::columns).collect();
    let unmapped = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| columns[*i].is_none() && !skipped_flags[*i] && !grouped.contains(i))
        .map(|(_, h)| h.clone())
        .collect();
    let skipped =
        headers.iter().enumerate().filter(|(i, _)| skipped_flags[*i]).map(|(_, h)| h.clone()).collect();
    decided.sort_by_key(|d| d.column);
    Ok(Mapping { columns, unmapped, skipped, decided, export: export.map(|e| e.name), addresses })
}

/// The addresses of a known export whose columns the user left open. Their columns take no
/// target of their own (a row's home address may be in the home or the business columns);
/// the decisions say where they go, and a label column is read, not imported.
fn address_groups(
    export: &crate::known::KnownExport,
    headers: &[String],
    schema: &Schema,
    fixed: &mut [bool],
    skipped: &mut [bool],
    decided: &mut Vec<ColumnDecision>,
) -> Vec<AddressGroup> {
    let names = ["street", "city", "region", "postal_code", "country", "other_addresses"];
    let mut fields = [0; 6];
    for (slot, name) in fields.iter_mut().zip(names) {
        match schema.field_id(name) {
            Some(id) => *slot = id,
            None => return Vec::new(),
        }
    }
    let keys: Vec<String> = headers.iter().map(|h| crate::suggest::compare_form(h)).collect();
    let open = |header: &str| {
        let key = crate::suggest::compare_form(header);
        keys.iter().enumerate().position(|(i, k)| *k == key && !fixed[i])
    };
    let mut groups = Vec::new();
    for address in export.addresses {
        let street: Vec<usize> = address.street.iter().filter_map(|h| open(h)).collect();
        let parts = [address.city, address.region, address.postal_code, address.country].map(open);
        if street.is_empty() && parts.iter().all(Option::is_none) {
            continue;
        }
        let label = address.label.iter().find_map(|h| open(h));
        groups.push(AddressGroup { street, parts, label, place: address.place, fields });
    }
    let basis =
        Basis::Export(format!("{}, the home address first, the others to other_addresses", export.name));
    for group in &groups {
        let targets = group
            .street
            .iter()
            .map(|&c| (c, fields[0]))
            .chain(group.parts.iter().zip(&fields[1..5]).filter_map(|(c, f)| c.map(|c| (c, *f))));
        for (column, field) in targets {
            fixed[column] = true;
            let applied = Suggestion { target: Target::Field(field), confidence: 1.0, basis: basis.clone() };
            decided.push(ColumnDecision {
                column,
                header: headers[column].clone(),
                applied: Some(applied),
                uncertain: Vec::new(),
                kind: ValueKind::Text,
            });
        }
        if let Some(label) = group.label {
            fixed[label] = true;
            skipped[label] = true;
        }
    }
    groups
}

/// `#3`: the third column, by position, so that columns with the same header (two `Email`)
/// can be told apart. Only when no header is literally `#3`.
fn column_by_number(headers: &[String], text: &str) -> Option<usize> {
    let number: usize = text.strip_prefix('#')?.parse().ok()?;
    (1..=headers.len()).contains(&number).then(|| number - 1)
}

/// How a column is named in a message (and in `--map`): its header, or `#N` when another
/// column has the same.
pub fn column_name(headers: &[String], column: usize) -> String {
    let header = &headers[column];
    match headers.iter().filter(|h| *h == header).count() {
        1 => header.clone(),
        _ => format!("#{}", column + 1),
    }
}

/// Maps the columns a recognized export names (and leaves out those it leaves out), where
/// the user has not decided and the target is free.
fn apply_known_export(
    export: &crate::known::KnownExport,
    headers: &[String],
    schema: &Schema,
    columns: &mut [Option<Target>],
    fixed: &mut [bool],
    skipped: &mut [bool],
) -> Vec<ColumnDecision> {
    let mut decided = Vec::new();
    for (column, header) in headers.iter().enumerate() {
        let Some(name) = export.target_of(header).filter(|_| !fixed[column]) else { continue };
        if name.is_empty() {
            fixed[column] = true;
            skipped[column] = true;
            continue;
        }
        let is_list = |t: &Target| matches!(t, Target::Field(f) if schema.field(*f).field_type.is_list());
        let free = |t: &Target| is_list(t) || !columns.contains(&Some(*t));
        let Some(target) = schema.target_by_name(name).filter(free) else {
            continue;
        };
        columns[column] = Some(target);
        fixed[column] = true;
        let applied = Suggestion { target, confidence: 1.0, basis: Basis::Export(export.name.to_string()) };
        decided.push(ColumnDecision {
            column,
            header: header.clone(),
            applied: Some(applied),
            uncertain: Vec::new(),
            kind: ValueKind::Text,
        });
    }
    decided
}

/// Suggests targets for the columns the user left open and applies the confident ones.
fn decide_columns(
    headers: &[String],
    samples: &[Vec<String>],
    schema: &Schema,
    normalizer: &Normalizer,
    columns: &mut [Option<Target>],
    fixed: &[bool],
    match_by_id: bool,
) -> Vec<ColumnDecision> {
    let suggested: Vec<(Vec<Suggestion>, ValueKind)> = headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let sample: Vec<&str> = samples.iter().filter_map(|row| row.get(i).map(String::as_str)).collect();
            let (mut suggestions, kind) = suggest_column(header, &sample, schema, normalizer);
            suggestions.retain(|s| match_by_id || s.target != Target::ContactId);
            (suggestions, kind)
        })
        .collect();
    let candidates: Vec<Vec<Suggestion>> = suggested.iter().map(|(s, _)| s.clone()).collect();
    let taken: Vec<Target> = columns.iter().flatten().copied().collect();
    // Two columns suggesting one field never stop an import: the more confident (else the
    // leftmost) takes it, the other is reported as not imported. Only the user's own `--map`
    // can map a field twice (checked before).
    let chosen = resolve(&candidates, fixed, &taken);
    let mut decided = Vec::new();
    for (column, ((suggestions, kind), applied)) in suggested.into_iter().zip(chosen).enumerate() {
        if fixed[column] {
            continue;
        }
        columns[column] = applied.as_ref().map(|s| s.target);
        let uncertain = suggestions
            .into_iter()
            .filter(|s| s.confidence >= PLAUSIBLE && Some(s.target) != columns[column])
            .take(if applied.is_some() { 0 } else { 3 })
            .collect();
        decided.push(ColumnDecision { column, header: headers[column].clone(), applied, uncertain, kind });
    }
    decided
}

fn check_mapped_once(
    headers: &[String],
    schema: &Schema,
    columns: &[Option<Target>],
) -> Result<(), MappingError> {
    for (i, target) in columns.iter().enumerate() {
        let Some(target) = target else { continue };
        // The second, third … address columns of an export all fill one list field.
        if let Target::Field(field) = target
            && schema.field(*field).field_type.is_list()
        {
            continue;
        }
        if let Some(j) = columns[i + 1..].iter().position(|t| t.as_ref() == Some(target)) {
            return Err(MappingError::MappedTwice {
                field: schema.target_name(*target).to_string(),
                first: column_name(headers, i),
                second: column_name(headers, i + 1 + j),
            });
        }
    }
    Ok(())
}
