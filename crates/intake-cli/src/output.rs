//! What the command prints, and how: every line goes through [`outln!`] (standard output)
//! or [`errln!`] (standard error), and JSON through [`json_line`].
//!
//! Output to a pipe whose reader has gone (`intake fields list | head -1`) ends quietly:
//! Rust ignores SIGPIPE, so the write fails with `BrokenPipe`, which is no error here: the
//! reader has what it wanted. Restoring SIGPIPE's default instead would kill an import
//! half-way and leave it `running`. Later lines are dropped, and listings stop early
//! ([`stdout_gone`]). Any other failure to write standard output is an error.
//!
//! Lines for people are written with their control characters escaped ([`escape_controls`]):
//! they quote file names, headers, cells and error messages from outside, and a terminal acts
//! on an escape sequence in them (recolours, moves the cursor, sets the title) or shows text
//! reordered by a bidi control. The whole line is escaped, so that no quoted value can be
//! missed; intake's own text holds no control characters. JSON is left as `serde_json`
//! writes it (its strings escape control characters; escaping it again would change them).
//!
//! Then what the commands print: a progress bar with rows/s on a terminal, the mapping an
//! import chose, and its summary (or one JSON object with `--json`).

use std::borrow::Cow;
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use intake_core::map::Mapping;
use intake_core::model::Schema;
use intake_core::report::Counts;
use intake_core::suggest::{Basis, Suggestion};
use intake_store::ImportRecord;
use serde_json::json;

/// Set when a write to standard output found its pipe closed.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// `println!` that ends quietly on a closed pipe: `outln!("…", …)?`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::out_line(format_args!($($arg)*))
    };
}

/// `eprintln!` that never fails: `errln!("…", …)`.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::err_line(format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};

/// Whether standard output's reader has gone; nothing more reaches it.
pub fn stdout_gone() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed)
}

/// Writes one line to standard output, escaped (see [`outln!`]).
pub fn out_line(line: fmt::Arguments) -> io::Result<()> {
    write_stdout(escaped_line(line).as_bytes())
}

/// Writes a JSON value as one line to standard output (see [`outln!`]).
pub fn json_line(value: &impl fmt::Display) -> io::Result<()> {
    write_stdout(format!("{value}\n").as_bytes())
}

/// Writes one line to standard error. Failing to is ignored: standard error is where
/// problems are told, and an import whose standard error goes nowhere still runs to its end.
pub fn err_line(line: fmt::Arguments) {
    let _ = io::stderr().lock().write_all(escaped_line(line).as_bytes());
}

fn escaped_line(line: fmt::Arguments) -> String {
    let mut text = escape_controls(&line.to_string()).into_owned();
    text.push('\n');
    text
}

/// `text` with the characters a terminal acts on instead of showing written out as Rust
/// escapes (`\u{1b}`, `\t`, `\u{202e}`): C0 and C1 controls, DEL, and the Unicode controls
/// that reorder text shown right to left.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acted_on) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acted_on(c) {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Controls (`Cc`: C0, DEL, C1) and the bidi controls: ALM, LRM, RLM, the embeddings and
/// overrides U+202A–U+202E, and the isolates U+2066–U+2069.
fn acted_on(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    if stdout_gone() {
        return Ok(());
    }
    match io::stdout().lock().write_all(bytes).inspect_err(note_broken_pipe) {
        Err(_) if stdout_gone() => Ok(()),
        result => result.map_err(on_stdout),
    }
}

/// The error, saying where it happened.
fn on_stdout(error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("writing to standard output: {error}"))
}

/// Standard output as a writer of data (`contacts export` without `--output`). A closed
/// pipe fails the write, which stops the writer; [`unless_stdout_gone`] then makes that
/// failure the quiet end it is.
pub struct StdoutData(io::StdoutLock<'static>);

impl StdoutData {
    /// Standard output, locked for the writer.
    pub fn lock() -> StdoutData {
        StdoutData(io::stdout().lock())
    }
}

impl Write for StdoutData {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).inspect_err(note_broken_pipe).map_err(on_stdout)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().inspect_err(note_broken_pipe).map_err(on_stdout)
    }
}

fn note_broken_pipe(error: &io::Error) {
    if error.kind() == io::ErrorKind::BrokenPipe {
        STDOUT_GONE.store(true, Ordering::Relaxed);
    }
}

/// `result`, or `Ok` when standard output's reader has gone (which is why it failed).
pub fn unless_stdout_gone(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(_) if stdout_gone() => Ok(()),
        result => result,
    }
}

/// A progress bar on standard error, shown only on a terminal and without `--json`: rows
/// done, and once the number of rows is known (after pass 1 has read the file), percent done
/// and time left; the rate as a whole number of rows a second.
pub struct Progress {
    bar: ProgressBar,
    started: std::time::Instant,
    /// Rows done when this run started (a resume starts past its checkpoint).
    rows_at_start: u64,
}

impl Progress {
    /// A bar, hidden when `quiet` or standard error is not a terminal, for a run that
    /// starts with `rows_at_start` rows done.
    pub fn new(quiet: bool, rows_at_start: u64) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(style("{spinner} {human_pos} rows  {msg}"));
        Progress { bar, started: std::time::Instant::now(), rows_at_start }
    }

    /// Shows the counts after a batch; `total_rows` is the file's, when known.
    pub fn update(&self, counts: &Counts, total_rows: Option<u64>) {
        if let Some(total) = total_rows.filter(|_| self.bar.length().is_none()) {
            self.bar.set_length(total);
            self.bar.set_style(style("{spinner} {percent:>3}% {human_pos}/{human_len} rows  {msg}"));
        }
        self.bar.set_position(counts.rows);
        let rate = counts.rows.saturating_sub(self.rows_at_start) as f64
            / self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(progress_message(counts, total_rows, rate));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// `12,345 rows/s · 1 min 05 s left · imported 10 · updated 2 · skipped 0 · errors 1`.
fn progress_message(counts: &Counts, total_rows: Option<u64>, rows_per_second: f64) -> String {
    let mut message = format!("{} rows/s", thousands(rows_per_second.round() as u64));
    if let Some(total) = total_rows.filter(|_| rows_per_second >= 1.0) {
        let left = total.saturating_sub(counts.rows) as f64 / rows_per_second;
        message.push_str(&format!(" · {} left", duration(left.round() as u64)));
    }
    message.push_str(&format!(
        " · imported {} · updated {} · skipped {} · errors {}",
        counts.imported, counts.updated, counts.skipped, counts.errors
    ));
    message
}

/// `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `42 s`, `3 min 05 s`, `1 h 02 min`.
fn duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {:02} s", seconds / 60, seconds % 60),
        _ => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Says which columns are not imported (to standard error, so JSON output stays clean).
pub fn mapping_notes(mapping: &Mapping, schema: &Schema, json: bool) {
    if json {
        return;
    }
    if let Some(export) = mapping.export {
        errln!("recognized as {export}: its columns are mapped as that export names them");
    }
    for decision in &mapping.decided {
        let name = |s: &Suggestion| schema.target_name(s.target).to_string();
        match &decision.applied {
            Some(s) if s.basis != Basis::Name && !matches!(s.basis, Basis::Export(_)) => errln!(
                "mapped {:?} to {} ({:.0}% sure: {})",
                decision.header,
                name(s),
                s.confidence * 100.0,
                s.basis
            ),
            Some(_) => {}
            None => {
                for s in &decision.uncertain {
                    errln!(
                        "not mapped {:?}: perhaps {} ({:.0}% sure: {}); confirm with --map \"{}={}\"",
                        decision.header,
                        name(s),
                        s.confidence * 100.0,
                        s.basis,
                        decision.header,
                        name(s)
                    );
                }
            }
        }
    }
    if !mapping.unmapped.is_empty() {
        errln!(
            "not imported (no matching field; use --map \"Header=field\" or --skip): {}",
            mapping.unmapped.join(", ")
        );
    }
    if !mapping.skipped.is_empty() {
        errln!("skipped columns: {}", mapping.skipped.join(", "));
    }
}

/// Prints the summary of an import.
pub fn summary(record: &ImportRecord, counts: &Counts, json: bool) -> io::Result<()> {
    if json {
        let value = json!({
            "import_id": record.id.to_string(),
            "dry_run": record.dry_run,
            "rows": counts.rows,
            "imported": counts.imported,
            "updated": counts.updated,
            "skipped": counts.skipped,
            "errors": counts.errors,
            "skipped_reasons": counts.skipped_reasons,
            "top_error_reasons": counts
                .top_error_reasons(TOP_REASONS)
                .iter()
                .map(|(reason, rows)| json!({"reason": reason, "rows": rows}))
                .collect::<Vec<_>>(),
            "import_tag": record.options.import_tag,
        });
        return json_line(&value);
    }
    let verb = if record.dry_run { "would be" } else { "" };
    outln!(
        "import {}{}: {} rows",
        record.id,
        if record.dry_run { " (dry run, nothing written)" } else { "" },
        counts.rows
    )?;
    outln!("  imported {verb} {:>10}", counts.imported)?;
    outln!("  updated  {verb} {:>10}", counts.updated)?;
    outln!("  skipped  {verb} {:>10}{}", counts.skipped, reasons(counts))?;
    outln!("  errors   {verb} {:>10}", counts.errors)?;
    for (reason, rows) in counts.top_error_reasons(TOP_REASONS) {
        outln!("    {rows:>10} × {reason}")?;
    }
    if counts.errors > 0 && record.errors_path.is_none() {
        outln!(
            "  to see and fix the error rows, import again with --errors FILE (or --dry-run --errors FILE)"
        )?;
    }
    if let Some(tag) = record.options.import_tag.as_ref().filter(|_| counts.imported + counts.updated > 0) {
        outln!("  tagged {tag}")?;
    }
    if let Some(path) = &record.results_path {
        outln!("  results file: {path}")?;
    }
    if let Some(path) = &record.errors_path {
        outln!("  error file: {path}")?;
    }
    Ok(())
}

/// How many of the most common error reasons the summary names.
const TOP_REASONS: usize = 3;

fn reasons(counts: &Counts) -> String {
    if counts.skipped_reasons.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.skipped_reasons.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("  ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_controls_are_escaped_and_other_text_is_kept() {
        assert_eq!(escape_controls("Straße, 東京, \"quoted\" \\ ok"), "Straße, 東京, \"quoted\" \\ ok");
        assert_eq!(escape_controls("\x1b[31mred\x07"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_controls("a\tb\r\nc\u{7f}\u{9b}"), "a\\tb\\r\\nc\\u{7f}\\u{9b}");
        assert_eq!(escape_controls("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert_eq!(
            escape_controls("\u{2066}x\u{2069}\u{200f}\u{61c}"),
            "\\u{2066}x\\u{2069}\\u{200f}\\u{61c}"
        );
    }

    #[test]
    fn progress_says_the_rate_as_a_whole_number_and_the_time_left() {
        let counts = Counts { rows: 250_000, imported: 249_000, errors: 1_000, ..Counts::default() };
        let message = progress_message(&counts, Some(1_000_000), 123_456.78);
        assert!(message.starts_with("123,457 rows/s · 6 s left · imported 249000"), "{message}");
        let unknown = progress_message(&counts, None, 99.4);
        assert!(unknown.starts_with("99 rows/s · imported"), "{unknown}");
        assert_eq!(duration(65), "1 min 05 s");
        assert_eq!(duration(3_720), "1 h 02 min");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
