//! The import pipeline: read → prepare → identify → match → plan → commit → report.
//!
//! Two passes over the source. The first computes only the identifier of each row, to find
//! identifiers that several rows share across the whole file (those rows are all Errors, so
//! no row can be applied before the whole file is known). The second pass prepares rows on a
//! worker thread while this thread matches, decides and commits batch after batch, so the
//! two cores share the work. A dry run is the same flow without the commits.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, sync_channel};

use crate::identify::{IdentifierKind, IdentityIndex, StoreMatch};
use crate::map::Mapping;
use crate::model::{Channel, ContactId, ImportId, Schema, StoredContact, Target};
use crate::normalize::Normalizer;
use crate::plan::{
    Decider, ImportOptions, MatchState, PreparedRow, Preparer, Purpose, Write, identifier_target,
    suppression_keys,
};
use crate::read::{Record, Source, SourceError};
use crate::report::{Checkpoint, Counts, ResultSink};
use crate::store::{Batch, ImportStore};

/// Why an import stopped (row problems never stop it; they become row outcomes).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError<E: std::error::Error + 'static> {
    /// The settings cannot work with this file.
    #[error("{0}")]
    Setup(String),
    /// The source could not be read.
    #[error("reading the file: {0}")]
    Source(#[from] SourceError),
    /// The store failed; the current batch was not applied.
    #[error("contact store: {0}")]
    Store(#[source] E),
    /// The results or error file could not be written.
    #[error("writing results: {0}")]
    Sink(#[from] std::io::Error),
}

/// Everything fixed for one run of an import.
pub struct ImportSetup<'a> {
    /// The workspace's fields.
    pub schema: &'a Schema,
    /// The user's options.
    pub options: &'a ImportOptions,
    /// The column mapping.
    pub mapping: &'a Mapping,
    /// The import's id in the store.
    pub import_id: ImportId,
    /// When true nothing is written to the store.
    pub dry_run: bool,
}

/// Checks that options and mapping can work together before any row is read.
pub fn check_setup(schema: &Schema, options: &ImportOptions, mapping: &Mapping) -> Result<(), String> {
    let id_mapped = mapping.column_of(Target::ContactId).is_some();
    if options.purpose == Purpose::AddAll {
        if id_mapped {
            return Err("a contact id column cannot be used with purpose add-all".into());
        }
        return Ok(());
    }
    let kind = options.identifier;
    if kind == IdentifierKind::Id && options.purpose != Purpose::Update {
        return Err("identifier id can only update existing contacts: use --purpose update".into());
    }
    if id_mapped && kind != IdentifierKind::Id {
        return Err("a contact id column is used only with --identifier id; --skip it otherwise".into());
    }
    let target = identifier_target(schema, kind).ok_or("the identifier field is missing")?;
    if mapping.column_of(target).is_none() {
        return Err(format!(
            "no column is mapped to the identifier {}; map one with --map \"Column=…\" or choose another --identifier",
            schema.target_name(target)
        ));
    }
    if options.batch_size == 0 {
        return Err("batch size must be at least 1".into());
    }
    Ok(())
}

/// How existing contacts are found for this run.
enum MatchMode {
    /// `add-all`: nothing is matched.
    Off,
    /// The store is empty: nothing can match.
    EmptyStore,
    /// All of the store's keys that the file also has were loaded into the index.
    Indexed,
    /// The store is much larger than the file: each batch looks its keys up.
    PerBatch,
    /// The identifier is the contact id: each batch loads its ids.
    ById,
}

/// Runs (or resumes, from `resume`) one import and returns its final checkpoint (counts,
/// rows read, where the results files end).
pub fn run_import<S: ImportStore>(
    source: &dyn Source,
    store: &mut S,
    sink: &mut dyn ResultSink,
    setup: &ImportSetup<'_>,
    resume: Option<&Checkpoint>,
    progress: &mut dyn FnMut(&Counts),
) -> Result<Checkpoint, PipelineError<S::Error>> {
    check_setup(setup.schema, setup.options, setup.mapping).map_err(PipelineError::Setup)?;
    let normalizer = normalizer_for(setup.options).map_err(PipelineError::Setup)?;
    let identifier = (setup.options.purpose != Purpose::AddAll).then_some(setup.options.identifier);
    let headers = source.headers();
    let preparer = Preparer::new(setup.schema, headers, setup.mapping, &normalizer, identifier);
    let mut index = IdentityIndex::default();
    if identifier.is_some() {
        count_identifiers(source, &preparer, &mut index)?;
    }
    let mode = choose_match_mode(store, identifier, &mut index)?;
    let bulk_load = !setup.dry_run && is_empty_store(store, &mode)?;
    if bulk_load {
        store.begin_bulk_load().map_err(PipelineError::Store)?;
    }
    let mut checkpoint = resume.cloned().unwrap_or_default();
    let mut runner = BatchRunner {
        store,
        sink,
        setup,
        index,
        mode,
        identifier,
        checkpoint: &mut checkpoint,
        has_suppressions: false,
    };
    let result = std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(1);
        let skip = runner.checkpoint.rows_done;
        // Rows cross threads in small chunks so that only a few thousand prepared rows are
        // alive at once; transactions stay `batch_size` rows large.
        let chunk_size = setup.options.batch_size.min(CHUNK_ROWS);
        let preparer = &preparer;
        scope.spawn(move || {
            let result = prepare_batches(source, preparer, skip, chunk_size, &mut |batch| {
                sender.send(Ok(batch)).is_ok()
            });
            if let Err(e) = result {
                let _ = sender.send(Err(e));
            }
        });
        runner.run(receiver, progress)
    });
    // The indexes are rebuilt even when the import failed, before its error is returned.
    let ended = if bulk_load { store.end_bulk_load().map_err(PipelineError::Store) } else { Ok(()) };
    result.and(ended)?;
    Ok(checkpoint)
}

/// Whether the workspace holds no contact at all (then nothing can match, and the store may
/// load in bulk).
fn is_empty_store<S: ImportStore>(store: &mut S, mode: &MatchMode) -> Result<bool, PipelineError<S::Error>> {
    match mode {
        MatchMode::EmptyStore => Ok(true),
        MatchMode::Off => Ok(store.contact_count().map_err(PipelineError::Store)? == 0),
        _ => Ok(false),
    }
}

/// Rows per chunk handed from the preparing thread to the committing one.
const CHUNK_ROWS: usize = 2048;

/// The normalizer the options ask for.
pub fn normalizer_for(options: &ImportOptions) -> Result<Normalizer, String> {
    let default_region = match &options.default_region {
        None => None,
        Some(code) => Some(
            crate::normalize::parse_region(code)
                .ok_or_else(|| format!("unknown region {code:?}; use a two-letter code such as DE"))?,
        ),
    };
    Ok(Normalizer { default_region, date_format: options.date_format.clone() })
}

fn count_identifiers<E: std::error::Error>(
    source: &dyn Source,
    preparer: &Preparer<'_>,
    index: &mut IdentityIndex,
) -> Result<(), PipelineError<E>> {
    let mut records = source.records()?;
    let mut record = Record::default();
    while records.next_record(&mut record)? {
        if let Some(key) = preparer.key_only(&record) {
            index.count_row(&key);
        }
    }
    Ok(())
}

fn choose_match_mode<S: ImportStore>(
    store: &mut S,
    identifier: Option<IdentifierKind>,
    index: &mut IdentityIndex,
) -> Result<MatchMode, PipelineError<S::Error>> {
    let Some(kind) = identifier else {
        return Ok(MatchMode::Off);
    };
    if kind == IdentifierKind::Id {
        return Ok(MatchMode::ById);
    }
    let contacts = store.contact_count().map_err(PipelineError::Store)?;
    if contacts == 0 {
        return Ok(MatchMode::EmptyStore);
    }
    // Scanning the store's index costs about as much as looking up 1 key in 16; below that
    // ratio point lookups per batch are cheaper.
    if (index.distinct_keys() as u64).saturating_mul(16) < contacts {
        return Ok(MatchMode::PerBatch);
    }
    store
        .scan_identifiers(kind, &mut |key, id| index.add_store_match(key, id))
        .map_err(PipelineError::Store)?;
    Ok(MatchMode::Indexed)
}

/// Reads the source from row `skip` on, prepares rows, and hands them over in batches;
/// stops early when `deliver` returns false.
fn prepare_batches(
    source: &dyn Source,
    preparer: &Preparer<'_>,
    skip: u64,
    batch_size: usize,
    deliver: &mut dyn FnMut(Vec<PreparedRow>) -> bool,
) -> Result<(), SourceError> {
    let mut records = source.records()?;
    let mut seen = 0u64;
    let mut batch = Vec::with_capacity(batch_size);
    loop {
        let mut record = Record::default();
        if !records.next_record(&mut record)? {
            break;
        }
        seen += 1;
        if seen <= skip {
            continue;
        }
        batch.push(preparer.prepare(record));
        if batch.len() == batch_size
            && !deliver(std::mem::replace(&mut batch, Vec::with_capacity(batch_size)))
        {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        deliver(batch);
    }
    Ok(())
}

struct BatchRunner<'r, 's, S: ImportStore> {
    store: &'r mut S,
    sink: &'r mut dyn ResultSink,
    setup: &'r ImportSetup<'s>,
    index: IdentityIndex,
    mode: MatchMode,
    identifier: Option<IdentifierKind>,
    checkpoint: &'r mut Checkpoint,
    has_suppressions: bool,
}

type Prepared = Result<Vec<PreparedRow>, SourceError>;

impl<S: ImportStore> BatchRunner<'_, '_, S> {
    fn run(
        &mut self,
        batches: Receiver<Prepared>,
        progress: &mut dyn FnMut(&Counts),
    ) -> Result<(), PipelineError<S::Error>> {
        let decider = Decider::new(self.setup.schema, self.setup.options);
        self.has_suppressions = self.store.has_suppressions().map_err(PipelineError::Store)?;
        let mut pending: Vec<Write> = Vec::new();
        let mut pending_rows = 0;
        for chunk in batches {
            let chunk = chunk?;
            pending_rows += chunk.len();
            self.run_chunk(&decider, chunk, &mut pending)?;
            if pending_rows >= self.setup.options.batch_size {
                self.commit(&mut pending)?;
                pending_rows = 0;
                progress(&self.checkpoint.counts);
            }
        }
        if pending_rows > 0 {
            self.commit(&mut pending)?;
            progress(&self.checkpoint.counts);
        }
        Ok(())
    }

    /// Decides a chunk of rows and writes their results; their writes join `pending`.
    fn run_chunk(
        &mut self,
        decider: &Decider<'_>,
        rows: Vec<PreparedRow>,
        pending: &mut Vec<Write>,
    ) -> Result<(), PipelineError<S::Error>> {
        let found = self.find_existing(&rows)?;
        let suppressed = self.find_suppressed(&rows, &found)?;
        for row in &rows {
            let matched = self.match_state(row, &found);
            let channels = suppressed_channels(self.setup.schema, row, &suppressed);
            let (outcome, write) = decider.decide(row, matched, &channels);
            self.sink.write(&row.record, &outcome)?;
            self.checkpoint.counts.add(&outcome);
            pending.extend(write);
        }
        self.checkpoint.rows_done += rows.len() as u64;
        Ok(())
    }

    /// Commits the pending writes with the checkpoint in one transaction (a dry run only
    /// flushes the results files).
    fn commit(&mut self, pending: &mut Vec<Write>) -> Result<(), PipelineError<S::Error>> {
        self.checkpoint.sink = self.sink.checkpoint()?;
        if !self.setup.dry_run {
            let batch =
                Batch { import_id: self.setup.import_id, writes: pending, checkpoint: self.checkpoint };
            self.store.commit(&batch).map_err(PipelineError::Store)?;
        }
        pending.clear();
        Ok(())
    }

    /// Existing contacts the batch's rows refer to, by match key.
    fn find_existing(
        &mut self,
        rows: &[PreparedRow],
    ) -> Result<HashMap<String, Found>, PipelineError<S::Error>> {
        let mut by_key: HashMap<String, StoreMatch> = HashMap::new();
        let unique_keys =
            || rows.iter().filter_map(|r| r.key.as_deref()).filter(|k| self.index.slot(k).rows_in_file == 1);
        match (&self.mode, self.identifier) {
            (MatchMode::Indexed, _) => {
                for key in unique_keys() {
                    by_key.insert(key.to_string(), self.index.slot(key).store);
                }
            }
            (MatchMode::PerBatch, Some(kind)) => {
                let mut keys: Vec<&str> = unique_keys().collect();
                keys.sort_unstable();
                self.store
                    .find_identifiers(kind, &keys, &mut |key, id| {
                        by_key.entry(key.to_string()).or_default().add(id)
                    })
                    .map_err(PipelineError::Store)?;
            }
            (MatchMode::ById, _) => {
                for key in unique_keys() {
                    if let Ok(id) = key.parse::<ContactId>() {
                        by_key.insert(key.to_string(), StoreMatch::One(id));
                    }
                }
            }
            _ => {}
        }
        let mut ids: Vec<ContactId> = by_key
            .values()
            .filter_map(|m| if let StoreMatch::One(id) = m { Some(*id) } else { None })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut contacts: HashMap<ContactId, StoredContact> = if ids.is_empty() {
            HashMap::new()
        } else {
            let loaded = self.store.load_contacts(&ids).map_err(PipelineError::Store)?;
            loaded.into_iter().map(|c| (c.id, c)).collect()
        };
        let mut found = HashMap::with_capacity(by_key.len());
        for (key, matched) in by_key {
            let entry = match matched {
                StoreMatch::None => Found::Nobody,
                StoreMatch::Many(n) => Found::Many(n),
                StoreMatch::One(id) => match contacts.remove(&id) {
                    Some(contact) => Found::One(Box::new(contact)),
                    None => Found::Nobody,
                },
            };
            found.insert(key, entry);
        }
        Ok(found)
    }

    fn match_state<'f>(&self, row: &PreparedRow, found: &'f HashMap<String, Found>) -> MatchState<'f> {
        if self.identifier.is_none() {
            return MatchState::NotMatched;
        }
        let Some(key) = row.key.as_deref() else {
            return MatchState::NoKey;
        };
        let rows_in_file = self.index.slot(key).rows_in_file;
        if rows_in_file > 1 {
            return MatchState::DuplicateInFile(rows_in_file);
        }
        match found.get(key) {
            Some(Found::One(contact)) => MatchState::Found(contact),
            Some(Found::Many(n)) => MatchState::Ambiguous(*n),
            Some(Found::Nobody) | None => MatchState::NotFound,
        }
    }

    /// Suppression records for the rows that may create a contact.
    fn find_suppressed(
        &mut self,
        rows: &[PreparedRow],
        found: &HashMap<String, Found>,
    ) -> Result<HashMap<String, Vec<Channel>>, PipelineError<S::Error>> {
        if !self.setup.options.purpose.creates() || !self.has_suppressions {
            return Ok(HashMap::new());
        }
        let mut keys: Vec<String> = Vec::new();
        for row in rows.iter().filter(|r| r.errors.is_empty()) {
            let exists = row.key.as_deref().is_some_and(|k| matches!(found.get(k), Some(Found::One(_))));
            if !exists {
                keys.extend(suppression_keys(
                    self.setup.schema,
                    row.values.iter().map(|(f, v)| (*f, v.as_str())),
                ));
            }
        }
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        keys.sort_unstable();
        keys.dedup();
        let mut out: HashMap<String, Vec<Channel>> = HashMap::new();
        for (key, channel) in self.store.suppressed(&keys).map_err(PipelineError::Store)? {
            out.entry(key).or_default().push(channel);
        }
        Ok(out)
    }
}

enum Found {
    Nobody,
    One(Box<StoredContact>),
    Many(u32),
}

fn suppressed_channels(
    schema: &Schema,
    row: &PreparedRow,
    suppressed: &HashMap<String, Vec<Channel>>,
) -> Vec<Channel> {
    if suppressed.is_empty() {
        return Vec::new();
    }
    let mut channels = Vec::new();
    for key in suppression_keys(schema, row.values.iter().map(|(f, v)| (*f, v.as_str()))) {
        for channel in suppressed.get(&key).into_iter().flatten() {
            if !channels.contains(channel) {
                channels.push(*channel);
            }
        }
    }
    channels
}
