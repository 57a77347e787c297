//! The card-by-card state machine: finds each card's BEGIN and END, feeds its lines to a
//! [`Card`], and turns what is wrong with a card (missing BEGIN or END, a line that is not a
//! property, bad bytes, a line or card over the caps) into that row's problem, naming the card
//! and the line. Address books are lenient, and so is this: a stray line inside a card that
//! is no property (`# comment`, text without a `:`) and a card nested in an `AGENT` property
//! are passed over with a note, and the card imports.

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
    /// A `BEGIN:VCARD` line that ended the previous (unterminated) card and starts the next.
    pending_begin: Option<u64>,
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
            pending_begin: None,
            problems: Problems::default(),
            notes: None,
            agent_pending: false,
            full: false,
            fields: &[],
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

    fn next_line(&mut self) -> Result<Option<LogicalLine>, SourceError> {
        self.lines.next_logical().map_err(|e| SourceError { message: format!("{}: {e}", self.name) })
    }

    /// The first line of the next card, skipping blank lines.
    fn find_start(&mut self) -> Result<Option<Start>, SourceError> {
        if let Some(line) = self.pending_begin.take() {
            return Ok(Some(Start::Begin(line)));
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

    /// Reads the card that begins with `start`.
    fn read_card(&mut self, start: Start) -> Result<(), SourceError> {
        let first = match start {
            Start::Begin(line) => line,
            Start::Orphan(line) => {
                let n = self.card_no;
                self.problems.add(format!("card {n}, line {}: no BEGIN:VCARD before this line", line.line));
                if line.kind == LineKind::Content && lines::is_end(self.lines.text()) {
                    return Ok(());
                }
                self.take_line(line);
                line.line
            }
        };
        while let Some(line) = self.next_line()? {
            if line.kind != LineKind::Content {
                continue;
            }
            let text = self.lines.text();
            if lines::is_end(text) {
                return Ok(());
            }
            if is_agent_begin(text) || (self.agent_pending && lines::is_begin(text)) {
                self.skip_nested(line.line)?;
                continue;
            }
            if lines::is_begin(text) {
                self.problems.add(format!(
                    "card {} (from line {first}): no END:VCARD before the BEGIN:VCARD on line {}",
                    self.card_no, line.line
                ));
                self.pending_begin = Some(line.line);
                return Ok(());
            }
            self.take_line(line);
        }
        self.problems
            .add(format!("card {} (from line {first}): the file ends before END:VCARD", self.card_no));
        Ok(())
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
        match &mut self.notes {
            Some(notes) => {
                notes.push_str("; ");
                notes.push_str(&note);
            }
            None => self.notes = Some(note),
        }
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
        let Some(start) = self.find_start()? else { return Ok(false) };
        self.card_no += 1;
        self.card.clear();
        self.full = false;
        self.agent_pending = false;
        self.read_card(start)?;
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
