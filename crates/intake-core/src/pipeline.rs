//! The import pipeline: read → prepare → identify → match → plan → commit → report.
//!
//! Two passes over the source. The first computes only the identifier of each row, to find
//! identifiers that several rows share across the whole file (those rows are all Errors, so
//! no row can be applied before the whole file is known). The second pass is four stages,
//! joined by small bounded channels: a thread reads the rows; one worker per core prepares
//! them and finds, through a store reader of its own, the stored contacts they refer to
//! (`matching.rs`); the calling thread decides and writes the results files; and a
//! thread applies the writes to the store batch after batch. A dry run is the same flow
//! without the store writer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Instant;

use crate::fan;
use crate::identify::{IdentifierKind, IdentityIndex, KeyHash, Slot};
use crate::map::Mapping;
use crate::matching::{Found, MatchMode, Matcher};
use crate::model::{Channel, ContactId, ImportId, Schema, Target};
use crate::normalize::{Normalizer, phone_util};
use crate::plan::{
    Decider, ImportOptions, MatchState, PreparedRow, Preparer, Purpose, Write, identifier_target,
    suppression_keys,
};
use crate::read::{Record, Source, SourceError};
use crate::report::{Checkpoint, Counts, ResultSink};
use crate::store::{Asked, ContactReader, ImportStore, StoreWriter};

/// Why an import stopped (row problems never stop it; they become row outcomes).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError<E: std::error::Error + 'static> {
    /// The settings cannot work with this file.
    #[error("{0}")]
    Setup(String),
    /// The source could not be read.
    #[error("reading the file: {0}")]
    Source(#[from] SourceError),
    /// The store failed; the current batch was not applied. (Said, not kept as the source,
    /// so that a chain of causes names it once.)
    #[error("contact store: {0}")]
    Store(E),
    /// The results or error file could not be written.
    #[error("writing results: {0}")]
    Sink(#[from] std::io::Error),
    /// The store writer stopped early; its own error says why.
    #[error("the store writer stopped")]
    WriterStopped,
    /// Stopped on request at the end of a batch, which was committed with its checkpoint.
    #[error("cancelled after {} rows", .0.rows_done)]
    Cancelled(Box<Checkpoint>),
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
    /// Once set, the import stops at the end of the batch it is in.
    pub stop: Option<&'a AtomicBool>,
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

/// Runs (or resumes, from `resume`) one import and returns its final checkpoint (counts,
/// rows read, where the results files end). `progress` is called after each batch with the
/// counts so far and, once pass 1 has read the whole file, its number of rows.
pub fn run_import<S: ImportStore>(
    source: &dyn Source,
    store: &mut S,
    sink: &mut dyn ResultSink,
    setup: &ImportSetup<'_>,
    resume: Option<&Checkpoint>,
    progress: &mut dyn FnMut(&Counts, Option<u64>),
) -> Result<Checkpoint, PipelineError<S::Error>> {
    check_setup(setup.schema, setup.options, setup.mapping).map_err(PipelineError::Setup)?;
    let normalizer = normalizer_for(setup.options).map_err(PipelineError::Setup)?;
    let identifier = setup.options.matched_by();
    let headers = source.headers();
    let preparer = Preparer::new(setup.schema, headers, setup.mapping, &normalizer, identifier)
        .with_column_formats(&setup.options.column_formats)
        .with_whatsapp_from_mobile(setup.options.whatsapp_from_mobile);
    let mut index = IdentityIndex::default();
    let contacts = store.contact_count().map_err(PipelineError::Store)?;
    let (mut prefetched, mut total_rows) = (None, None);
    if identifier.is_some() {
        let started = Instant::now();
        let (keys, rows) =
            count_identifiers_and_prefetch(source, &preparer, &mut index, store, identifier, contacts)?;
        (prefetched, total_rows) = (keys, Some(rows));
        tracing::info!(keys = index.distinct_keys(), seconds = secs(started), "pass 1: identifiers counted");
    }
    let started = Instant::now();
    let mode = choose_match_mode(store, identifier, contacts, &mut index, prefetched)?;
    index.forget_plain_keys();
    tracing::info!(?mode, seconds = secs(started), "store keys matched");
    let decider = Decider::new(setup.schema, setup.options)
        .with_identifier_column(identifier_column_of(&preparer, headers));
    let writer = match setup.dry_run {
        true => None,
        false => Some(store.writer(&decider.import_wide(setup.import_id)).map_err(PipelineError::Store)?),
    };
    let bulk_load = writer.is_some() && is_empty_store(contacts, mode);
    // A bulk load keeps its writer busy for the whole run (every row is a new contact), so
    // the preparing workers leave it a core: on two cores a million rows took 4.25 s with one
    // worker against 4.46 s with two (means of six runs), in less CPU time. Any other run
    // keeps every core for preparing and matching: a re-import of known contacts, whose writer
    // has little to do, took 5.1 s with one worker against 4.0 s with two.
    let reserved = usize::from(bulk_load);
    let workers =
        (0..fan::workers(reserved)).map(|_| store.reader().map(|reader| Worker { reader, phones: None }));
    let workers = workers.collect::<Result<Vec<_>, _>>().map_err(PipelineError::Store)?;
    let matcher = Matcher {
        index: &index,
        mode,
        identifier,
        identifier_target: identifier.and_then(|kind| identifier_target(setup.schema, kind)),
    };
    let mut checkpoint = resume.cloned().unwrap_or_default();
    let mut runner = BatchRunner {
        store,
        sink,
        setup,
        identifier,
        checkpoint: &mut checkpoint,
        has_suppressions: false,
        writes: None,
        total_rows,
    };
    let skip = runner.checkpoint.rows_done;
    // Rows cross threads in small chunks so that only a few thousand prepared rows are
    // alive at once; transactions stay `batch_size` rows large.
    let chunk_size = setup.options.batch_size.min(CHUNK_ROWS);
    let (preparer, matcher, decider_ref) = (&preparer, &matcher, &decider);
    let prepare_and_match = move |worker: &mut Worker<S::Reader>, chunk: Result<Vec<Record>, SourceError>| {
        worker.phones.get_or_insert_with(phone_util::hold);
        let reader = &mut worker.reader;
        let rows: Vec<PreparedRow> = chunk?.into_iter().map(|record| preparer.prepare(record)).collect();
        let slots = matcher.slots(&rows);
        // Nothing is loaded when nothing can match: no need to work out what to load.
        let asked = match matcher.mode {
            MatchMode::Off | MatchMode::EmptyStore => Asked::default(),
            _ => decider_ref.asked(&rows),
        };
        let found = matcher.find_existing(reader, &rows, &slots, &asked);
        Ok(Matched { rows, slots, found: found.map_err(PipelineError::Store)? })
    };
    std::thread::scope(|scope| {
        let read = move |deliver: &mut dyn FnMut(Result<Vec<Record>, SourceError>) -> bool| {
            if let Err(e) = read_chunks(source, skip, chunk_size, &mut |chunk| deliver(Ok(chunk))) {
                deliver(Err(e));
            }
        };
        let mut prepared = fan::fan_out_with(scope, workers, read, prepare_and_match);
        let writer_thread = writer.map(|writer| {
            let (to_writer, inbox) = sync_channel(WRITER_QUEUE);
            runner.writes = Some(to_writer);
            scope.spawn(move || apply_writes(writer, inbox, bulk_load))
        });
        let started = Instant::now();
        let ran = runner.run(&decider, &mut prepared, progress);
        // Stops the workers and the reader if the run ended early.
        drop(prepared);
        tracing::info!(seconds = secs(started), "pass 2: rows decided");
        // Closing the channel ends the writer; an uncommitted rest is discarded.
        runner.writes = None;
        let wrote = match writer_thread.map(|thread| thread.join()) {
            None => Ok(()),
            Some(Ok(wrote)) => wrote.map_err(PipelineError::Store),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
        };
        // The writer's error is the cause when the runner saw it stop.
        wrote.and(ran)
    })?;
    Ok(checkpoint)
}

/// What a pass 2 worker keeps from chunk to chunk.
struct Worker<R> {
    /// Its own connection, to match and load stored contacts.
    reader: R,
    /// Held from its first chunk on, so that the worker parses phones with a util of its own
    /// (made at its first number, dropped with the worker; see [`phone_util`]).
    phones: Option<phone_util::Hold>,
}

/// Messages from the deciding thread to the store writer.
enum ToWriter {
    /// Writes for the open batch.
    Writes(Vec<Write>),
    /// The end of a batch, with the checkpoint to store with it.
    Commit(Checkpoint),
}

/// Chunks of writes that may wait for the store writer: enough to ride out a commit or a
/// slow statement, few enough to keep memory flat (a chunk's writes are about 1 MB).
const WRITER_QUEUE: usize = 8;

/// The store writer's thread: applies what arrives until the channel closes, then (for a
/// bulk load, also after a failure) builds the store's indexes.
fn apply_writes<W: StoreWriter>(
    mut writer: W,
    inbox: Receiver<ToWriter>,
    bulk_load: bool,
) -> Result<(), W::Error> {
    let applied = || -> Result<(), W::Error> {
        if bulk_load {
            writer.begin_bulk_load()?;
        }
        for message in inbox {
            match message {
                ToWriter::Writes(writes) => writer.write(&writes)?,
                ToWriter::Commit(checkpoint) => writer.commit(&checkpoint)?,
            }
        }
        Ok(())
    };
    let started = Instant::now();
    let applied = applied();
    tracing::info!(seconds = secs(started), "store writer: batches written");
    let ended = if bulk_load { writer.end_bulk_load() } else { Ok(()) };
    tracing::info!(seconds = secs(started), "store writer: done");
    applied.and(ended)
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

/// Whether the workspace holds no contact at all (then nothing can match, and the store may
/// load in bulk).
fn is_empty_store(contacts: u64, mode: MatchMode) -> bool {
    match mode {
        MatchMode::EmptyStore => true,
        MatchMode::Off => contacts == 0,
        _ => false,
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
    Ok(Normalizer { default_region, date_format: options.date_format.clone(), decimal_mark: None })
}

/// Pass 1: counts the rows of each identifier. One thread reads the file and hands the
/// identifier cells over in chunks, worker threads normalize and hash them, and this one
/// counts the hashes.
/// Counts every row's identifier into `index`; returns the number of rows read.
fn count_identifiers<E: std::error::Error>(
    source: &dyn Source,
    preparer: &Preparer<'_>,
    index: &mut IdentityIndex,
) -> Result<u64, PipelineError<E>> {
    let Some(column) = preparer.identifier_column() else { return Ok(0) };
    // Each worker holds a phone util of its own (see [`phone_util`]), for imports by phone.
    let hash_keys = |phones: &mut Option<phone_util::Hold>, cells: Result<Record, SourceError>| {
        phones.get_or_insert_with(phone_util::hold);
        let cells = cells?;
        let keys = cells.iter().filter_map(|cell| preparer.key_hash_of_cell(cell));
        Ok::<(Vec<KeyHash>, usize), SourceError>((keys.collect(), cells.len()))
    };
    std::thread::scope(|scope| {
        let read = move |deliver: &mut dyn FnMut(Result<Record, SourceError>) -> bool| {
            if let Err(e) = read_column(source, column, &mut |cells| deliver(Ok(cells))) {
                deliver(Err(e));
            }
        };
        let holds = (0..fan::workers(0)).map(|_| None).collect();
        let mut rows = 0;
        for hashes in fan::fan_out_with(scope, holds, read, hash_keys) {
            let (hashes, cells) = hashes?;
            rows += cells as u64;
            for hash in hashes {
                index.count_hash(hash);
            }
        }
        Ok(rows)
    })
}

/// Cells per chunk of pass 1.
const KEY_CHUNK: usize = 4096;

/// Reads `column` of every row and delivers the cells in chunks (a [`Record`] of cells);
/// stops early when `deliver` returns false.
fn read_column(
    source: &dyn Source,
    column: usize,
    deliver: &mut dyn FnMut(Record) -> bool,
) -> Result<(), SourceError> {
    let mut records = source.records()?;
    let mut scratch = Record::default();
    let mut chunk = Record::default();
    while records.next_cell(column, &mut scratch, &mut chunk)? {
        if chunk.len() == KEY_CHUNK && !deliver(std::mem::take(&mut chunk)) {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        deliver(chunk);
    }
    Ok(())
}

/// The store's identifier keys as `(hash, id)`, read while pass 1 reads the file.
type StoreKeys = Vec<(KeyHash, ContactId)>;

/// Stores up to this many contacts have their keys read beside pass 1 (16 bytes each, 32 MB
/// at most, freed before pass 2); larger ones are scanned after it, straight into the index,
/// or looked up per batch.
const PREFETCH_CONTACTS: u64 = 2_000_000;

/// Pass 1, and beside it on another thread and connection, when the store will probably be
/// scanned (it is small enough to be read whole), the read of the store's keys: the scan took
/// as long as pass 1 itself and ran alone after it.
fn count_identifiers_and_prefetch<S: ImportStore>(
    source: &dyn Source,
    preparer: &Preparer<'_>,
    index: &mut IdentityIndex,
    store: &mut S,
    identifier: Option<IdentifierKind>,
    contacts: u64,
) -> Result<(Option<StoreKeys>, u64), PipelineError<S::Error>> {
    let scannable = matches!(
        identifier,
        Some(IdentifierKind::Email | IdentifierKind::Phone | IdentifierKind::ExternalId)
    );
    let (Some(kind), true) = (identifier, scannable && (1..=PREFETCH_CONTACTS).contains(&contacts)) else {
        return Ok((None, count_identifiers(source, preparer, index)?));
    };
    let mut reader = store.reader().map_err(PipelineError::Store)?;
    std::thread::scope(|scope| {
        let scan = scope.spawn(move || {
            let mut keys: StoreKeys = Vec::with_capacity(contacts as usize);
            reader.scan_identifiers(kind, &mut |hash, id| keys.push((hash, id))).map(|()| keys)
        });
        let counted = count_identifiers(source, preparer, index);
        let scanned = match scan.join() {
            Ok(scanned) => scanned.map_err(PipelineError::Store),
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let rows = counted?;
        scanned.map(|keys| (Some(keys), rows))
    })
}

fn choose_match_mode<S: ImportStore>(
    store: &mut S,
    identifier: Option<IdentifierKind>,
    contacts: u64,
    index: &mut IdentityIndex,
    prefetched: Option<StoreKeys>,
) -> Result<MatchMode, PipelineError<S::Error>> {
    let Some(kind) = identifier else {
        return Ok(MatchMode::Off);
    };
    if kind == IdentifierKind::Id {
        return Ok(MatchMode::ById);
    }
    if contacts == 0 {
        return Ok(MatchMode::EmptyStore);
    }
    // Scanning the store's index costs about as much as looking up 1 key in 16; below that
    // ratio point lookups per batch are cheaper.
    if (index.distinct_keys() as u64).saturating_mul(16) < contacts {
        return Ok(MatchMode::PerBatch);
    }
    match prefetched {
        Some(keys) => keys.into_iter().for_each(|(hash, id)| index.add_store_match(hash, id)),
        None => store
            .reader()
            .and_then(|mut reader| {
                reader.scan_identifiers(kind, &mut |hash, id| index.add_store_match(hash, id))
            })
            .map_err(PipelineError::Store)?,
    }
    Ok(MatchMode::Indexed)
}

/// Reads the source from row `skip` on and hands the records over in chunks; stops early
/// when `deliver` returns false.
fn read_chunks(
    source: &dyn Source,
    skip: u64,
    chunk_size: usize,
    deliver: &mut dyn FnMut(Vec<Record>) -> bool,
) -> Result<(), SourceError> {
    let mut records = source.records()?;
    let mut seen = 0u64;
    let mut chunk = Vec::with_capacity(chunk_size);
    // Each record is made the size of the last one, so that reading it grows it at most once.
    let (mut cells, mut bytes) = (0, 0);
    loop {
        let mut record = Record::with_capacity(cells, bytes);
        if !records.next_record(&mut record)? {
            break;
        }
        (cells, bytes) = (record.len(), record.text_len());
        seen += 1;
        if seen <= skip {
            continue;
        }
        chunk.push(record);
        if chunk.len() == chunk_size
            && !deliver(std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size)))
        {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        deliver(chunk);
    }
    Ok(())
}

/// A chunk of prepared rows with what the identity index knows of each row's key and the
/// stored contact each refers to.
struct Matched {
    rows: Vec<PreparedRow>,
    slots: Vec<Slot>,
    found: Vec<Found>,
}

struct BatchRunner<'r, 's, S: ImportStore> {
    store: &'r mut S,
    sink: &'r mut dyn ResultSink,
    setup: &'r ImportSetup<'s>,
    identifier: Option<IdentifierKind>,
    checkpoint: &'r mut Checkpoint,
    has_suppressions: bool,
    /// The store writer's inbox (none in a dry run).
    writes: Option<SyncSender<ToWriter>>,
    /// The file's rows, when pass 1 counted them: for the progress shown.
    total_rows: Option<u64>,
}

type Prepared<E> = Result<Matched, PipelineError<E>>;

impl<S: ImportStore> BatchRunner<'_, '_, S> {
    fn run(
        &mut self,
        decider: &Decider<'_>,
        batches: &mut fan::Fan<Prepared<S::Error>>,
        progress: &mut dyn FnMut(&Counts, Option<u64>),
    ) -> Result<(), PipelineError<S::Error>> {
        self.has_suppressions = self.store.has_suppressions().map_err(PipelineError::Store)?;
        let mut pending_rows = 0;
        while let Some(chunk) = batches.next() {
            let mut chunk = chunk?;
            pending_rows += chunk.rows.len();
            let writes = self.run_chunk(decider, &mut chunk)?;
            // Its rows and loaded contacts are freed on the worker that made them.
            batches.give_back(Ok(chunk));
            if !writes.is_empty() {
                self.send(ToWriter::Writes(writes))?;
            }
            if pending_rows >= self.setup.options.batch_size {
                self.commit()?;
                pending_rows = 0;
                progress(&self.checkpoint.counts, self.total_rows);
                if self.setup.stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                    return Err(PipelineError::Cancelled(Box::new(self.checkpoint.clone())));
                }
            }
        }
        if pending_rows > 0 {
            self.commit()?;
            progress(&self.checkpoint.counts, self.total_rows);
        }
        Ok(())
    }

    /// Decides a chunk of rows, writes their results and returns what they write.
    fn run_chunk(
        &mut self,
        decider: &Decider<'_>,
        chunk: &mut Matched,
    ) -> Result<Vec<Write>, PipelineError<S::Error>> {
        let Matched { rows, slots, found } = chunk;
        let suppressed = self.find_suppressed(rows, found)?;
        let mut writes = Vec::with_capacity(rows.len());
        self.checkpoint.rows_done += rows.len() as u64;
        for ((row, slot), found) in rows.iter_mut().zip(slots.iter()).zip(found.iter()) {
            let matched = self.match_state(row, *slot, found);
            let channels = suppressed_channels(self.setup.schema, row, &suppressed);
            let (outcome, write) = decider.decide(row, matched, &channels);
            self.sink.write(&row.record, &outcome)?;
            self.checkpoint.counts.add(&outcome);
            writes.extend(write);
        }
        Ok(writes)
    }

    /// Ends a batch: the results files are flushed, and the store writer commits what it was
    /// sent since the last commit together with the checkpoint.
    fn commit(&mut self) -> Result<(), PipelineError<S::Error>> {
        self.checkpoint.sink = self.sink.checkpoint()?;
        let checkpoint = self.checkpoint.clone();
        self.send(ToWriter::Commit(checkpoint))
    }

    fn send(&self, message: ToWriter) -> Result<(), PipelineError<S::Error>> {
        match &self.writes {
            None => Ok(()),
            Some(writes) => writes.send(message).map_err(|_| PipelineError::WriterStopped),
        }
    }

    fn match_state<'f>(&self, row: &PreparedRow, slot: Slot, found: &'f Found) -> MatchState<'f> {
        match_state(self.identifier, row, slot, found)
    }

    /// Suppression records for the rows that may create a contact.
    fn find_suppressed(
        &mut self,
        rows: &[PreparedRow],
        found: &[Found],
    ) -> Result<HashMap<String, Vec<Channel>>, PipelineError<S::Error>> {
        if !self.setup.options.purpose.creates() || !self.has_suppressions {
            return Ok(HashMap::new());
        }
        let mut keys: Vec<String> = Vec::new();
        for (row, found) in rows.iter().zip(found).filter(|(r, _)| r.errors.is_empty()) {
            if !matches!(found, Found::One(_)) {
                keys.extend(suppression_keys(self.setup.schema, row.values.iter()));
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

/// What matching found for `row`, whose key the identity index knows as `slot`.
pub(crate) fn match_state<'f>(
    identifier: Option<IdentifierKind>,
    row: &PreparedRow,
    slot: Slot,
    found: &'f Found,
) -> MatchState<'f> {
    if identifier.is_none() {
        return MatchState::NotMatched;
    }
    if row.key.is_none() {
        return MatchState::NoKey;
    }
    if slot.rows_in_file > 1 {
        return MatchState::DuplicateInFile(slot.rows_in_file);
    }
    match found {
        Found::One(contact) => MatchState::Found(contact),
        Found::Many(n) => MatchState::Ambiguous(*n),
        Found::Nobody => MatchState::NotFound,
    }
}

/// The identifier's column, by index and header, for the problems that name it.
pub(crate) fn identifier_column_of(preparer: &Preparer<'_>, headers: &[String]) -> Option<(usize, String)> {
    let at = preparer.identifier_column()?;
    Some((at, headers.get(at).cloned().unwrap_or_default()))
}

pub(crate) fn suppressed_channels(
    schema: &Schema,
    row: &PreparedRow,
    suppressed: &HashMap<String, Vec<Channel>>,
) -> Vec<Channel> {
    if suppressed.is_empty() {
        return Vec::new();
    }
    let mut channels = Vec::new();
    for key in suppression_keys(schema, row.values.iter()) {
        for channel in suppressed.get(&key).into_iter().flatten() {
            if !channels.contains(channel) {
                channels.push(*channel);
            }
        }
    }
    channels
}
