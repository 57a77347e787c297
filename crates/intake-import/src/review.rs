//! Reviewing an import before it runs: a dry run of the whole file (the counts it would give
//! and its error file) and its first rows as they would be stored, so that a person can check
//! the mapping by eye.

use std::collections::BTreeMap;
use std::path::Path;

use intake_core::map::Mapping;
use intake_core::model::Schema;
use intake_core::pipeline::{PipelineError, normalizer_for};
use intake_core::plan::{ImportOptions, PreparedRow, Preparer};
use intake_core::read::Record;
use intake_core::report::{Counts, ResultSink};
use intake_store::{ImportRecord, SqliteStore};
use serde::{Deserialize, Serialize};

use crate::ImportError;
use crate::fix::ErrorRowsWriter;
use crate::input::Input;
use crate::run::{Control, run_pipeline_also};

/// How many rows a review shows as they would be stored.
pub const PREVIEW_ROWS: usize = 10;

/// How many error reasons a review names.
pub const TOP_REASONS: usize = 10;

/// What a review found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    /// What the import would do with every row (the CLI's `--json` keys).
    pub counts: Counts,
    /// The most common error reasons, most common first.
    pub top_error_reasons: Vec<ReasonCount>,
    /// The first rows as they would be stored.
    pub first_rows: Vec<PreviewRow>,
}

/// An error reason and how many rows have it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub rows: u64,
}

/// One row as it would be stored: each field's normalized value, tags, lists, subscriptions,
/// and what is wrong with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewRow {
    /// Its row number (the header is row 1).
    pub row: u64,
    /// Field name → the value as stored.
    pub values: BTreeMap<String, String>,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
    /// Channel subscription field → status.
    pub subscriptions: BTreeMap<String, String>,
    /// Its problems, each naming the column and the value.
    pub errors: Vec<String>,
}

/// Reviews the import `record` (a dry run: `record.dry_run` must be set, and its results paths
/// are the review's own files). With `error_rows`, its error rows are also written there, for
/// [`crate::fix::read_error_rows`].
pub fn review(
    store: &mut SqliteStore,
    record: &ImportRecord,
    input: &Input,
    mapping: &Mapping,
    error_rows: Option<&Path>,
    control: Control<'_>,
) -> Result<Review, ImportError> {
    if !record.dry_run {
        return Err(ImportError::Invalid("a review is a dry run".into()));
    }
    let first_rows = preview(store, input, &record.options, mapping)?;
    let mut rows_file =
        error_rows.map(|path| ErrorRowsWriter::create(path, input.source().headers())).transpose()?;
    let also = rows_file.as_mut().map(|w| w as &mut dyn ResultSink);
    let ran = run_pipeline_also(store, record, input, mapping, None, control, also)?;
    if let Some(writer) = rows_file {
        writer.finish()?;
    }
    let counts = match ran {
        Ok(checkpoint) => checkpoint.counts,
        Err(PipelineError::Cancelled(checkpoint)) => {
            return Err(ImportError::Cancelled { id: record.id, rows: checkpoint.rows_done });
        }
        Err(error) => return Err(ImportError::Stopped(format!("the review stopped: {error}"))),
    };
    let top_error_reasons = counts
        .top_error_reasons(TOP_REASONS)
        .into_iter()
        .map(|(reason, rows)| ReasonCount { reason: reason.to_string(), rows })
        .collect();
    Ok(Review { counts, top_error_reasons, first_rows })
}

/// The first [`PREVIEW_ROWS`] rows of `input` as the import would prepare them.
pub fn preview(
    store: &SqliteStore,
    input: &Input,
    options: &ImportOptions,
    mapping: &Mapping,
) -> Result<Vec<PreviewRow>, ImportError> {
    let schema = store.schema();
    let normalizer = normalizer_for(options).map_err(ImportError::Invalid)?;
    let source = input.source();
    let preparer = Preparer::new(schema, source.headers(), mapping, &normalizer, options.matched_by())
        .with_column_formats(&options.column_formats)
        .with_whatsapp_from_mobile(options.whatsapp_from_mobile);
    let mut records = source.records()?;
    let mut rows = Vec::new();
    let mut record = Record::default();
    while rows.len() < PREVIEW_ROWS && records.next_record(&mut record)? {
        let prepared = preparer.prepare(std::mem::take(&mut record));
        rows.push(PreviewRow::of(&prepared, schema).with_import_wide(options));
    }
    Ok(rows)
}

impl PreviewRow {
    /// `prepared` as a person checks it: values by field name.
    pub fn of(prepared: &PreparedRow, schema: &Schema) -> PreviewRow {
        PreviewRow {
            row: prepared.record.row,
            values: prepared
                .values
                .iter()
                .map(|(f, v)| (schema.field(f).name.clone(), v.to_string()))
                .collect(),
            tags: prepared.tags.clone(),
            lists: prepared.lists.clone(),
            subscriptions: prepared
                .subscriptions
                .iter()
                .map(|(channel, status)| (channel.field_name().to_string(), status.as_str().to_string()))
                .collect(),
            errors: prepared.errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// The row with the tags and lists the import gives every row (`--tag`, `--list`) that
    /// its own cells do not give it already (names are one whatever their case, as stored).
    pub fn with_import_wide(mut self, options: &ImportOptions) -> PreviewRow {
        add_names(&mut self.tags, &options.tags);
        add_names(&mut self.lists, &options.lists);
        self
    }
}

fn add_names(names: &mut Vec<String>, wide: &[String]) {
    for name in wide {
        if !names.iter().any(|n| n.to_lowercase() == name.to_lowercase()) {
            names.push(name.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_row_has_the_import_wide_tags_and_lists_once() {
        let row = PreviewRow {
            row: 2,
            values: BTreeMap::new(),
            tags: vec!["Messe".into(), "vip".into()],
            lists: Vec::new(),
            subscriptions: BTreeMap::new(),
            errors: Vec::new(),
        };
        let options = ImportOptions {
            tags: vec!["messe".into(), "2026".into()],
            lists: vec!["newsletter".into()],
            ..ImportOptions::default()
        };
        let row = row.with_import_wide(&options);
        assert_eq!(row.tags, ["Messe", "vip", "2026"]);
        assert_eq!(row.lists, ["newsletter"]);
    }
}
