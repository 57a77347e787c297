//! Checking one row of a file as the import would decide it, at once: its cells prepared,
//! its identifier counted against every other row of the file (a duplicate in the file is an
//! Error as in pass 1), the stored contact it refers to looked up, suppressions applied and
//! the outcome decided, with the same [`Preparer`] and [`Decider`] as the pipeline. For a row
//! that a person corrected in the review (the source has the corrections laid over it).
//!
//! It writes nothing, and reads the file once; it must not differ from what the import does
//! with the row, so it only composes the pipeline's own steps.

use std::collections::HashMap;

use crate::identify::{IdentityIndex, Slot};
use crate::map::Mapping;
use crate::matching::{Found, MatchMode, Matcher};
use crate::model::{Channel, Schema};
use crate::pipeline::{
    PipelineError, check_setup, identifier_column_of, match_state, normalizer_for, suppressed_channels,
};
use crate::plan::{
    Decider, ImportOptions, PreparedRow, Preparer, RowOutcome, identifier_target, suppression_keys,
};
use crate::read::{Record, Source};
use crate::store::ImportStore;

/// One row as the import would take it.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    /// The row prepared: its values as they would be stored, tags, lists, subscriptions and
    /// problems (before deciding, which moves values out).
    pub prepared: PreparedRow,
    /// What the import would do with it.
    pub outcome: RowOutcome,
}

/// Checks row number `row` of `source` (the header is row 1) with `options` and `mapping`
/// against `store`; `None` when the file has no such row.
pub fn check_row<S: ImportStore>(
    source: &dyn Source,
    store: &mut S,
    schema: &Schema,
    options: &ImportOptions,
    mapping: &Mapping,
    row: u64,
) -> Result<Option<CheckedRow>, PipelineError<S::Error>> {
    check_setup(schema, options, mapping).map_err(PipelineError::Setup)?;
    let normalizer = normalizer_for(options).map_err(PipelineError::Setup)?;
    let identifier = options.matched_by();
    let headers = source.headers();
    let preparer = Preparer::new(schema, headers, mapping, &normalizer, identifier)
        .with_column_formats(&options.column_formats)
        .with_whatsapp_from_mobile(options.whatsapp_from_mobile);
    let mut index = IdentityIndex::default();
    let Some(record) = find_and_count(source, &preparer, row, &mut index)? else {
        return Ok(None);
    };
    let mut prepared = preparer.prepare(record);
    let rows = std::slice::from_ref(&prepared);
    let slot = prepared.key.as_deref().map_or_else(Slot::default, |key| index.slot(key));
    let decider =
        Decider::new(schema, options).with_identifier_column(identifier_column_of(&preparer, headers));
    let mode = match identifier {
        None => MatchMode::Off,
        Some(crate::identify::IdentifierKind::Id) => MatchMode::ById,
        Some(_) => MatchMode::PerBatch,
    };
    let matcher = Matcher {
        index: &index,
        mode,
        identifier,
        identifier_target: identifier.and_then(|kind| identifier_target(schema, kind)),
    };
    let asked = decider.asked(rows);
    let mut reader = store.reader().map_err(PipelineError::Store)?;
    let found = matcher.find_existing(&mut reader, rows, &[slot], &asked).map_err(PipelineError::Store)?;
    let found = found.into_iter().next().unwrap_or(Found::Nobody);
    let suppressed = suppressions_of(store, schema, options, &prepared, &found)?;
    let channels = suppressed_channels(schema, &prepared, &suppressed);
    let kept = prepared.clone();
    let (outcome, _) = decider.decide(&mut prepared, match_state(identifier, &kept, slot, &found), &channels);
    Ok(Some(CheckedRow { prepared: kept, outcome }))
}

/// Reads the whole source once: counts every row's identifier into `index` and keeps row
/// number `row`.
fn find_and_count<E: std::error::Error>(
    source: &dyn Source,
    preparer: &Preparer<'_>,
    row: u64,
    index: &mut IdentityIndex,
) -> Result<Option<Record>, PipelineError<E>> {
    let column = preparer.identifier_column();
    let mut records = source.records()?;
    let mut record = Record::default();
    let mut wanted = None;
    while records.next_record(&mut record)? {
        if let Some(hash) = column.and_then(|at| preparer.key_hash_of_cell(record.get(at).unwrap_or(""))) {
            index.count_hash(hash);
        }
        if record.row == row {
            wanted = Some(record.clone());
        }
    }
    Ok(wanted)
}

/// The channels a deleted contact with `row`'s e-mail addresses or phones unsubscribed from,
/// for a row that would create a contact (as the pipeline asks them).
fn suppressions_of<S: ImportStore>(
    store: &mut S,
    schema: &Schema,
    options: &ImportOptions,
    row: &PreparedRow,
    found: &Found,
) -> Result<HashMap<String, Vec<Channel>>, PipelineError<S::Error>> {
    let mut out: HashMap<String, Vec<Channel>> = HashMap::new();
    let creates = options.purpose.creates() && row.errors.is_empty() && !matches!(found, Found::One(_));
    if !creates || !store.has_suppressions().map_err(PipelineError::Store)? {
        return Ok(out);
    }
    let keys = suppression_keys(schema, row.values.iter());
    for (key, channel) in store.suppressed(&keys).map_err(PipelineError::Store)? {
        out.entry(key).or_default().push(channel);
    }
    Ok(out)
}
