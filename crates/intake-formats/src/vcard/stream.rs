//! The card-by-card state machine: finds each card's BEGIN and END, feeds its lines to a
//! [`Card`], and turns what is wrong with a card (missing BEGIN or END, a line that is not a
//! property, bad bytes, a line or card over the caps) into that row's problem, naming the card
//! and the line. Address books are lenient, and so is this: a stray line inside a card that
//! is no property (`# comment`, text without a `:`) and a card nested in an `AGENT` property
//! are passed over with a note, and the card imports. Any other card nested in a card (some
//! exporters embed a related person's card) is read as a card of its own, after the card
//! around it, which goes on after the nested card's `END:VCARD`; only when no line of the
//! outer card follows that END is the outer card taken to lack its own END.

use std::io::BufRead;

use intake_core::read::{Record, RecordStream, SourceError};

use super::VcardOptions;
use super::card::Card;
use super::lines::{self, LineKind, LineReader, LogicalLine};
use super::property;
use crate::export::vcard_text::field_property;

/// Rows of a vCard file, one per card.
pub(crate) struct CardStream<'a, R> {
    lines: LineReader<R>,
    name: &'a str,
    options: VcardOptions,
    fallback: &'static encoding_rs::Encoding,
    card: Card,
    card_no: u64,
    /// How the next card starts, when reading the previous one found it: a `BEGIN:VCARD`
    /// line that ended an unterminated card, or a line after a nested card that starts a
    /// card without a BEGIN (its text is still the line reader's).
    pending_start: Option<Start>,
    problems: Problems,
    /// What was passed over in the current card, `; `-separated.
    notes: Option<String>,
    /// The last property of the current card was an `AGENT` without a value: a
    /// `BEGIN:VCARD` right after it starts the agent's card, nested in this one.
    agent_pending: bool,
    /// The card went over its byte cap: its later values are not kept.
    full: bool,
    /// The custom fields whose values are columns (`VcardSource::with_fields`).
    fields: &'a [String],
    /// A card found nested in the previous one, read and waiting to be handed out next.
    queued: Option<CardState>,
}

/// What is read of one card; a nested card is read into its own while the outer one waits.
#[derive(Default)]
struct CardState {
    card: Card,
    problems: Problems,
    notes: Option<String>,
    agent_pending: bool,
    full: bool,
}

impl CardState {
    fn note(&mut self, note: String) {
        append_note(&mut self.notes, note);
    }
}

/// The first problem of a card and how many more there were.
#[derive(Default)]
struct Problems {
    first: Option<String>,
    more: usize,
}

impl Problems {
    fn add(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    fn take(&mut self) -> Option<String> {
        let more = std::mem::take(&mut self.more);
        self.first.take().map(|first| match more {
            0 => first,
            n => format!("{first} (and {n} more problem{} in this card)", if n == 1 { "" } else { "s" }),
        })
    }
}

/// How a card starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    Begin(u64),
    /// A line that should have been inside a card (no `BEGIN:VCARD` before it).
    Orphan(LogicalLine),
}

impl<'a, R: BufRead> CardStream<'a, R> {
    pub fn new(
        lines: LineReader<R>,
        name: &'a str,
        options: VcardOptions,
        fallback: &'static encoding_rs::Encoding,
    ) -> Self {
        CardStream {
            lines,
            name,
            options,
            fallback,
            card: Card::default(),
            card_no: 0,
            pending_start: None,
            problems: Problems::default(),
            notes: None,
            agent_pending: false,
            full: false,
            fields: &[],
            queued: None,
        }
    }

    /// Writes the values of these custom fields after the fixed columns.
    pub fn with_fields(mut self, fields: &'a [String]) -> Self {
        self.fields = fields;
        self
    }

    /// Notes the card's values of custom fields the reader was not asked for: the workspace
    /// has no such field, and the user should know what was not imported.
    fn note_other_fields(&mut self) {
        let n = self.card_no;
        let others: Vec<String> = self.card.other_fields(self.fields).map(field_property).collect();
        for property in others {
            self.note(format!(
                "card {n}: the workspace has no field for {property}; its value was not imported \
                 (declare the field with `intake fields add` and import again)"
            ));
        }
    }

    /// Takes the state of the card being read, leaving a fresh one.
    fn take_state(&mut self) -> CardState {
        CardState {
            card: std::mem::take(&mut self.card),
            problems: std::mem::take(&mut self.problems),
            notes: self.notes.take(),
            agent_pending: std::mem::take(&mut self.agent_pending),
            full: std::mem::take(&mut self.full),
        }
    }

    /// Makes `state` the card being read.
    fn put_state(&mut self, state: CardState) {
        self.card = state.card;
        self.problems = state.problems;
        self.notes = state.notes;
        self.agent_pending = state.agent_pending;
        self.full = state.full;
    }

    /// Whether the line just read, after a card nested in the current one, belongs to the
    /// current card. It does not when it starts a card: a `BEGIN:VCARD`, a `VERSION` (which
    /// comes once, first), or a name when the current card has its own (the current card
    /// then lacked its END, and the nested one was the next card).
    fn continues_card(&self) -> bool {
        let text = self.lines.text();
        if lines::is_begin(text) {
            return false;
        }
        let Some(property) = property::parse(text) else { return true };
        let name = property.name;
        let names = |n: &[u8]| name.eq_ignore_ascii_case(n);
        !(names(b"VERSION") || ((names(b"FN") || names(b"N")) && self.card.has_name()))
    }

    /// The next line with content, skipping blank and passed-over lines.
    fn next_content_line(&mut self) -> Result<Option<LogicalLine>, SourceError> {
        while let Some(line) = self.next_line()? {
            if line.kind == LineKind::Content {
                return Ok(Some(line));
            }
        }
        Ok(None)
    }

    fn next_line(&mut self) -> Result<Option<LogicalLine>, SourceError> {
        self.lines.next_logical().map_err(|e| SourceError { message: format!("{}: {e}", self.name) })
    }

    /// The first line of the next card, skipping blank lines.
    fn find_start(&mut self) -> Result<Option<Start>, SourceError> {
        if let Some(start) = self.pending_start.take() {
            return Ok(Some(start));
        }
        while let Some(line) = self.next_line()? {
            match line.kind {
                LineKind::Blank => continue,
                LineKind::Content if lines::is_begin(self.lines.text()) => {
                    return Ok(Some(Start::Begin(line.line)));
                }
                _ => return Ok(Some(Start::Orphan(line))),
            }
        }
        Ok(None)
    }

    /// Reads the card that begins with `start`; the line of its `END:VCARD`, if it has one.
    /// In a `nested` card a `BEGIN:VCARD` is taken for a missing END (cards nest one deep).
    fn read_card(&mut self, start: Start, nested: bool) -> Result<Option<u64>, SourceError> {
        let first = match start {
            Start::Begin(line) => line,
            Start::Orphan(line) => {
                let n = self.card_no;
                self.problems.add(format!("card {n}, line {}: no BEGIN:VCARD before this line", line.line));
                if line.kind == LineKind::Content && lines::is_end(self.lines.text()) {
                    return Ok(Some(line.line));
                }
                self.take_line(line);
                line.line
            }
        };
        let mut peeked = None;
        loop {
            let line = match peeked.take() {
                Some(line) => line,
                None => match self.next_line()? {
                    Some(line) => line,
                    None => break,
                },
            };
            if line.kind != LineKind::Content {
                continue;
            }
            let text = self.lines.text();
            if lines::is_end(text) {
                return Ok(Some(line.line));
            }
            if is_agent_begin(text) || (self.agent_pending && lines::is_begin(text)) {
                self.skip_nested(line.line)?;
                continue;
            }
            if lines::is_begin(text) {
                if !nested {
                    match self.read_nested(first, line.line)? {
                        Some(next) => {
                            peeked = Some(next);
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                self.problems.add(format!(
                    "card {} (from line {first}): no END:VCARD before the BEGIN:VCARD on line {}",
                    self.card_no, line.line
                ));
                self.pending_start = Some(Start::Begin(line.line));
                return Ok(None);
            }
            self.take_line(line);
        }
        self.problems
            .add(format!("card {} (from line {first}): the file ends before END:VCARD", self.card_no));
        Ok(None)
    }

    /// Reads the card that begins on line `from` inside the current one (which began on line
    /// `first`) as a card of its own, queued to be handed out after the current one. When a
    /// line of the current card follows its `END:VCARD`, it was nested: that line is returned
    /// and the current card goes on. Otherwise (the file ends, or another card begins) the
    /// current card lacked its END: it gets that problem and `None` is returned.
    fn read_nested(&mut self, first: u64, from: u64) -> Result<Option<LogicalLine>, SourceError> {
        let outer = self.take_state();
        self.card_no += 1;
        let end = self.read_card(Start::Begin(from), true)?;
        let mut inner = self.take_state();
        self.card_no -= 1;
        self.put_state(outer);
        let n = self.card_no;
        let after = match end {
            Some(_) => self.next_content_line()?,
            None => None,
        };
        let goes_on = after.filter(|_| self.continues_card());
        match (end, goes_on) {
            (Some(to), Some(_)) => {
                let own = n + 1;
                self.note(format!("card {n}, lines {from}-{to}: a card nested in it was read as card {own}"));
                inner.note(format!(
                    "card {own}, lines {from}-{to}: nested in card {n}, read as a card of its own"
                ));
            }
            _ => {
                self.problems.add(format!(
                    "card {n} (from line {first}): no END:VCARD before the BEGIN:VCARD on line {from}"
                ));
                self.pending_start = after.map(|line| match lines::is_begin(self.lines.text()) {
                    true => Start::Begin(line.line),
                    false => Start::Orphan(line),
                });
            }
        }
        self.queued = Some(inner);
        Ok(goes_on)
    }

    /// Passes over a card nested in the current one (an `AGENT`'s) that begins on line
    /// `from`, to its `END:VCARD`, with a note.
    fn skip_nested(&mut self, from: u64) -> Result<(), SourceError> {
        self.agent_pending = false;
        let mut depth = 1;
        while let Some(line) = self.next_line()? {
            if line.kind != LineKind::Content {
                continue;
            }
            let text = self.lines.text();
            if lines::is_begin(text) || is_agent_begin(text) {
                depth += 1;
            } else if lines::is_end(text) {
                depth -= 1;
                if depth == 0 {
                    let n = self.card_no;
                    self.note(format!(
                        "card {n}, lines {from}-{}: the card nested in it (its AGENT) was not imported",
                        line.line
                    ));
                    return Ok(());
                }
            }
        }
        self.problems.add(format!(
            "card {} (from line {from}): the file ends inside the card nested on line {from}",
            self.card_no
        ));
        Ok(())
    }

    fn note(&mut self, note: String) {
        append_note(&mut self.notes, note);
    }

    /// Takes one content line of the current card.
    fn take_line(&mut self, line: LogicalLine) {
        if line.kind != LineKind::Content {
            return;
        }
        self.agent_pending = false;
        let n = self.card_no;
        let at = line.line;
        if line.too_long {
            let max = self.options.max_line_bytes;
            self.problems
                .add(format!("card {n}, line {at}: the line is longer than {max} bytes; it was not read"));
            return;
        }
        let text = self.lines.text();
        let Some(property) = property::parse(text) else {
            // Address books skip such lines (comments, a line a text editor broke), so the
            // card imports; the note says what was passed over.
            let found = snippet(text);
            self.note(format!("card {n}, line {at}: {found:?} is not a vCard property and was skipped"));
            return;
        };
        if property.name.eq_ignore_ascii_case(b"AGENT") && property.value.trim_ascii().is_empty() {
            self.agent_pending = true;
        }
        if self.full || !Card::keeps(property.name) {
            return;
        }
        let (value, bad) = property::decode_value(&property, self.fallback);
        if bad {
            let name = String::from_utf8_lossy(property.name);
            self.problems.add(format!(
                "card {n}, line {at}: the {name} value holds bytes that are not valid in its character set (shown as \u{FFFD})"
            ));
        }
        if !self.card.keep(value.len(), self.options.max_card_bytes) {
            self.full = true;
            let max = self.options.max_card_bytes;
            self.problems.add(format!(
                "card {n}, line {at}: the card holds more than {max} bytes of text; it was not read past this line"
            ));
            return;
        }
        self.card.apply(&property, &value);
    }
}

/// Adds `note` to a card's notes, `; `-separated.
fn append_note(notes: &mut Option<String>, note: String) {
    match notes {
        Some(notes) => {
            notes.push_str("; ");
            notes.push_str(&note);
        }
        None => *notes = Some(note),
    }
}

/// Whether the line is `AGENT:BEGIN:VCARD` (with any parameters): vCard 2.1's agent card,
/// whose lines follow up to its own `END:VCARD`.
fn is_agent_begin(line: &[u8]) -> bool {
    property::parse(line).is_some_and(|p| p.name.eq_ignore_ascii_case(b"AGENT") && lines::is_begin(p.value))
}

/// The start of a line for a message: at most 40 characters.
pub(crate) fn snippet(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(160)]);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

impl<R: BufRead> RecordStream for CardStream<'_, R> {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        if let Some(nested) = self.queued.take() {
            self.card_no += 1;
            self.put_state(nested);
        } else {
            let Some(start) = self.find_start()? else { return Ok(false) };
            self.card_no += 1;
            self.card.clear();
            self.full = false;
            self.agent_pending = false;
            self.read_card(start, false)?;
        }
        record.clear();
        record.row = self.card_no + 1;
        self.card.write(record);
        self.card.write_custom(self.fields, record);
        self.note_other_fields();
        record.problem = self.problems.take();
        record.note = self.notes.take();
        Ok(true)
    }
}
