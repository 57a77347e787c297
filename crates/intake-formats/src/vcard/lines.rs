//! Lines of a vCard file: physical lines read with a byte cap (the rest of an overlong line
//! is consumed but not kept), unfolded into logical lines (continuations that start with a
//! space or tab, and quoted-printable `=` soft breaks whose next line has no indent).
//! Values of PHOTO, LOGO, SOUND and KEY are consumed without being kept, so a megabyte of
//! base64 costs a few hundred bytes of memory.

use std::io::{self, BufRead};

/// How many bytes of a physical line are looked at before deciding it may be discarded.
const SNIFF: usize = 256;

/// Properties whose values (images, sounds, keys) are never imported and never kept.
const SKIPPED: [&[u8]; 4] = [b"PHOTO", b"LOGO", b"SOUND", b"KEY"];

/// What the last [`LineReader::next_logical`] call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// A line with content, in [`LineReader::text`].
    Content,
    /// An empty or whitespace-only line.
    Blank,
    /// A PHOTO/LOGO/SOUND/KEY property, consumed with its continuations and not kept.
    Skipped,
}

/// A logical line: where it starts and whether it had to be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogicalLine {
    /// What kind of line it is.
    pub kind: LineKind,
    /// 1-based number of its first physical line.
    pub line: u64,
    /// The line was longer than the cap; [`LineReader::text`] holds only its start.
    pub too_long: bool,
}

/// One physical line (without its line end) in a reused buffer.
#[derive(Default)]
struct Physical {
    bytes: Vec<u8>,
    line: u64,
    /// Bytes were dropped because of the cap (only meaningful when not discarded).
    truncated: bool,
}

/// Reads logical lines from a byte stream, holding at most one line and one look-ahead.
pub(crate) struct LineReader<R> {
    input: R,
    max_line: usize,
    line_no: u64,
    peeked: Option<Physical>,
    spare: Physical,
    text: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    /// Reads `input`, keeping at most `max_line` bytes of any logical line.
    pub fn new(input: R, max_line: usize) -> Self {
        LineReader {
            input,
            max_line: max_line.max(SNIFF),
            line_no: 0,
            peeked: None,
            spare: Physical::default(),
            text: Vec::new(),
        }
    }

    /// The text of the last [`LineKind::Content`] line, unfolded.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// Reads the next logical line; `None` at the end of the input.
    pub fn next_logical(&mut self) -> io::Result<Option<LogicalLine>> {
        let Some(head) = self.take_physical(false)? else { return Ok(None) };
        let line = head.line;
        if head.bytes.iter().all(u8::is_ascii_whitespace) {
            self.spare = head;
            return Ok(Some(LogicalLine { kind: LineKind::Blank, line, too_long: false }));
        }
        if is_skipped_head(&head.bytes) {
            let base64 = contains_ignore_case(params_part(&head.bytes), b"BASE64")
                || contains_ignore_case(params_part(&head.bytes), b"ENCODING=B");
            self.spare = head;
            self.skip_continuations(base64)?;
            return Ok(Some(LogicalLine { kind: LineKind::Skipped, line, too_long: false }));
        }
        let qp = contains_ignore_case(params_part(&head.bytes), b"QUOTED-PRINTABLE");
        self.text.clear();
        let mut too_long = head.truncated;
        self.append(&head.bytes, &mut too_long);
        self.spare = head;
        self.unfold(qp, &mut too_long)?;
        Ok(Some(LogicalLine { kind: LineKind::Content, line, too_long }))
    }

    /// Appends continuation lines to [`Self::text`].
    fn unfold(&mut self, qp: bool, too_long: &mut bool) -> io::Result<()> {
        loop {
            let Some(next) = self.peek(false)? else { return Ok(()) };
            let boundary = is_card_boundary(&next.bytes);
            let folded = matches!(next.bytes.first(), Some(b' ' | b'\t'));
            let soft_break = qp && self.text.last() == Some(&b'=') && !boundary;
            if !soft_break && !folded {
                return Ok(());
            }
            let Some(next) = self.peeked.take() else { return Ok(()) };
            *too_long |= next.truncated;
            // A soft break's next line may be indented as a fold too (sabre-vobject's
            // `Aa=\r\n ch=\r\n en` is `Aachen`) or not at all (Android, Lenovo).
            if soft_break {
                self.text.pop();
            }
            let continuation = if folded { &next.bytes[1..] } else { &next.bytes[..] };
            self.append(continuation, too_long);
            self.spare = next;
        }
    }

    /// Consumes the continuation lines of a skipped property (and, for base64, the
    /// unindented base64 lines some 2.1 writers produce, up to the next blank line).
    fn skip_continuations(&mut self, base64: bool) -> io::Result<()> {
        loop {
            let Some(next) = self.peek(true)? else { return Ok(()) };
            let folded = matches!(next.bytes.first(), Some(b' ' | b'\t'));
            let bare_base64 = base64 && is_base64_line(&next.bytes);
            if !(folded || bare_base64) {
                return Ok(());
            }
            if let Some(next) = self.peeked.take() {
                self.spare = next;
            }
        }
    }

    fn append(&mut self, bytes: &[u8], too_long: &mut bool) {
        let room = self.max_line.saturating_sub(self.text.len());
        if bytes.len() > room {
            *too_long = true;
        }
        self.text.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The next physical line without consuming it.
    fn peek(&mut self, skipping: bool) -> io::Result<Option<&Physical>> {
        if self.peeked.is_none() {
            let mut buffer = std::mem::take(&mut self.spare);
            if self.read_physical(&mut buffer, skipping)? {
                self.peeked = Some(buffer);
            } else {
                self.spare = buffer;
            }
        }
        Ok(self.peeked.as_ref())
    }

    fn take_physical(&mut self, skipping: bool) -> io::Result<Option<Physical>> {
        self.peek(skipping)?;
        Ok(self.peeked.take())
    }

    /// Reads one physical line into `out`; `false` at the end of the input. Bytes past the
    /// cap are consumed and dropped; a line that is part of a skipped value keeps only its
    /// first [`SNIFF`] bytes.
    fn read_physical(&mut self, out: &mut Physical, skipping: bool) -> io::Result<bool> {
        out.bytes.clear();
        out.truncated = false;
        let mut limit = self.max_line;
        let mut sniffed = false;
        let mut discarded = false;
        let mut any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            let room = limit.saturating_sub(out.bytes.len());
            out.truncated |= chunk.len() > room;
            out.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = newline.map_or(available.len(), |i| i + 1);
            self.input.consume(used);
            if !sniffed && out.bytes.len() >= SNIFF {
                sniffed = true;
                if is_discardable(&out.bytes, skipping) {
                    out.bytes.truncate(SNIFF);
                    limit = SNIFF;
                    discarded = true;
                }
            }
            if newline.is_some() {
                break;
            }
        }
        if !any {
            return Ok(false);
        }
        if discarded {
            out.truncated = false;
        }
        if out.bytes.last() == Some(&b'\r') {
            out.bytes.pop();
        }
        self.line_no += 1;
        out.line = self.line_no;
        Ok(true)
    }
}

/// Whether a long physical line, judged by its start, belongs to a value that is not kept.
fn is_discardable(start: &[u8], skipping: bool) -> bool {
    if skipping && (matches!(start.first(), Some(b' ' | b'\t')) || is_base64_line(start)) {
        return true;
    }
    is_skipped_head(start)
}

/// Whether `line` starts a PHOTO, LOGO, SOUND or KEY property (with or without a group).
fn is_skipped_head(line: &[u8]) -> bool {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return false;
    }
    let end = line.iter().position(|&b| b == b';' || b == b':').unwrap_or(line.len());
    let name = &line[..end];
    let name = name.iter().rposition(|&b| b == b'.').map_or(name, |dot| &name[dot + 1..]);
    SKIPPED.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The part of a line before its first `:` (name and parameters), or the whole line.
fn params_part(line: &[u8]) -> &[u8] {
    let end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    &line[..end]
}

fn is_base64_line(line: &[u8]) -> bool {
    !line.is_empty() && line.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// `BEGIN:VCARD` or `END:VCARD` (any case, surrounding whitespace ignored).
pub(crate) fn is_card_boundary(line: &[u8]) -> bool {
    is_begin(line) || is_end(line)
}

/// Whether the line is `BEGIN:VCARD`.
pub(crate) fn is_begin(line: &[u8]) -> bool {
    line.trim_ascii().eq_ignore_ascii_case(b"BEGIN:VCARD")
}

/// Whether the line is `END:VCARD`.
pub(crate) fn is_end(line: &[u8]) -> bool {
    line.trim_ascii().eq_ignore_ascii_case(b"END:VCARD")
}

pub(crate) fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logical(input: &str, max: usize) -> Vec<(LineKind, u64, String, bool)> {
        let mut reader = LineReader::new(input.as_bytes(), max);
        let mut out = Vec::new();
        while let Some(l) = reader.next_logical().expect("read") {
            out.push((l.kind, l.line, String::from_utf8_lossy(reader.text()).into_owned(), l.too_long));
        }
        out
    }

    #[test]
    fn unfolds_space_and_tab_continuations() {
        let lines = logical("NOTE:a\r\n b\r\n\tc\r\nFN:x\n", 1024);
        assert_eq!(lines[0].2, "NOTE:abc");
        assert_eq!(lines[1].1, 4);
        assert_eq!(lines[1].2, "FN:x");
    }

    #[test]
    fn joins_quoted_printable_soft_breaks_without_indent() {
        let lines = logical("N;ENCODING=QUOTED-PRINTABLE:=C3=\n=BC;x=\nEND:VCARD\n", 1024);
        assert_eq!(lines[0].2, "N;ENCODING=QUOTED-PRINTABLE:=C3=BC;x=");
        assert_eq!(lines[1].2, "END:VCARD");
    }

    #[test]
    fn skips_photo_with_its_unindented_base64() {
        let photo = "A".repeat(5000);
        let input = format!("PHOTO;ENCODING=BASE64:\n {photo}\n{photo}\n\nFN:y\n");
        let lines = logical(&input, 1024);
        assert_eq!(lines[0].0, LineKind::Skipped);
        assert_eq!(lines[1].0, LineKind::Blank);
        assert_eq!(lines[2].2, "FN:y");
        assert_eq!(lines[2].1, 5);
    }

    #[test]
    fn caps_long_lines() {
        let input = format!("NOTE:{}\nFN:z\n", "x".repeat(3000));
        let lines = logical(&input, 1000);
        assert!(lines[0].3);
        assert_eq!(lines[0].2.len(), 1000);
        assert_eq!(lines[1].2, "FN:z");
    }
}
