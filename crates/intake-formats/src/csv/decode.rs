//! [`TextReader`]: the bytes of a file as UTF-8, streamed in bounded memory.
//!
//! - UTF-8 files pass through untouched (no copy, no transcoding): bytes that are not valid
//!   UTF-8 stay as they are and become their rows' errors one level up.
//! - UTF-16 and legacy encodings (Windows-1252, Shift_JIS …) are transcoded with `encoding_rs`
//!   through fixed-size buffers; a malformed sequence becomes U+FFFD and is flagged
//!   ([`TextReader::saw_malformed`]) so the row holding it can be made an Error.
//! - A file whose sample was plain ASCII passes through while it stays ASCII; at its first
//!   non-ASCII byte the reader looks ahead [`LOOKAHEAD_BYTES`], decides the encoding with the
//!   same rules as the sample (`encoding.rs`), and from there on passes through or transcodes.
//!   The decision depends only on the file's bytes, so every pass over the file decides alike.
//!
//! The reader also enforces a byte budget that the record reader resets before every record,
//! so that an unclosed quote cannot pull a whole large file into one record
//! ([`RecordTooLong`]).

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder};

use super::encoding::{EncodingSource, TextEncoding, guess_non_ascii};

/// How far the reader looks ahead at the first non-ASCII byte of a file that began as ASCII.
pub const LOOKAHEAD_BYTES: usize = 64 * 1024;

/// Raw bytes read per transcoding step, unless set with [`TextReader::with_chunk_size`].
const RAW_CHUNK: usize = 64 * 1024;

/// Room for the UTF-8 output of one step of `chunk` raw bytes (UTF-8 takes at most three
/// bytes per input byte in any encoding `encoding_rs` decodes, plus a replacement at the end).
fn out_capacity(chunk: usize) -> usize {
    3 * chunk + 16
}

/// The I/O error a [`TextReader`] gives when one record has used up its byte budget.
#[derive(Debug, thiserror::Error)]
#[error("a row is longer than {limit} bytes")]
pub struct RecordTooLong {
    /// The budget that was exceeded.
    pub limit: u64,
}

enum Mode {
    /// UTF-8: bytes pass through.
    PassThrough,
    /// ASCII so far: bytes pass through while they are ASCII.
    Gate,
    /// Transcoding to UTF-8.
    Decode(Box<Decoder>),
}

/// Reads a file as UTF-8 bytes (see the module doc).
pub struct TextReader<R> {
    inner: R,
    mode: Mode,
    encoding: TextEncoding,
    source: EncodingSource,
    /// Raw bytes read from `inner` and not yet handed on or decoded.
    raw: Vec<u8>,
    raw_pos: usize,
    /// Decoded bytes; `out[out_pos..out_len]` are not yet handed on.
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    inner_eof: bool,
    /// The decoder has been told the input ended and has flushed.
    flushed: bool,
    malformed: bool,
    budget: u64,
    budget_limit: u64,
    chunk: usize,
}

impl<R: Read> TextReader<R> {
    /// A reader of `inner` (positioned after any byte-order mark) in `encoding`; with
    /// [`EncodingSource::AsciiSoFar`] the encoding is decided at the first non-ASCII byte.
    pub fn new(inner: R, encoding: TextEncoding, source: EncodingSource) -> TextReader<R> {
        let mode = if source == EncodingSource::AsciiSoFar {
            Mode::Gate
        } else if encoding.is_utf8() {
            Mode::PassThrough
        } else {
            Mode::Decode(Box::new(encoding.encoding().new_decoder_without_bom_handling()))
        };
        TextReader {
            inner,
            mode,
            encoding,
            source,
            raw: Vec::new(),
            raw_pos: 0,
            out: Vec::new(),
            out_pos: 0,
            out_len: 0,
            inner_eof: false,
            flushed: false,
            malformed: false,
            budget: u64::MAX,
            budget_limit: u64::MAX,
            chunk: RAW_CHUNK,
        }
    }

    /// Sets how many raw bytes one transcoding step reads (at least 16; small inputs need
    /// small buffers).
    pub fn with_chunk_size(mut self, chunk: usize) -> TextReader<R> {
        self.chunk = chunk.max(16);
        self
    }

    /// Limits the bytes handed out between two calls of [`TextReader::reset_budget`].
    pub fn with_budget(mut self, limit: u64) -> TextReader<R> {
        self.budget_limit = limit;
        self.budget = limit;
        self
    }

    /// Starts a new budget (called before each record).
    pub fn reset_budget(&mut self) {
        self.budget = self.budget_limit;
    }

    /// The encoding in use (UTF-8 while an ASCII file has shown nothing else).
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// How the encoding in use was found.
    pub fn source(&self) -> EncodingSource {
        self.source
    }

    /// Whether every byte handed out so far is the file's own byte (nothing was transcoded),
    /// so that offsets in the text are offsets in the file after its byte-order mark.
    pub fn passed_through(&self) -> bool {
        !matches!(self.mode, Mode::Decode(_))
    }

    /// Whether transcoding has met a malformed sequence (written as U+FFFD) so far.
    pub fn saw_malformed(&self) -> bool {
        self.malformed
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    self.inner_eof = true;
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves raw bytes (already read, not yet used) into `buf`.
    fn drain_raw(&mut self, buf: &mut [u8]) -> usize {
        let pending = &self.raw[self.raw_pos..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.raw_pos += n;
        n
    }

    /// At the first non-ASCII byte (`self.raw` starts with it): looks ahead and decides.
    fn decide(&mut self) -> io::Result<()> {
        while self.raw.len() < LOOKAHEAD_BYTES && !self.inner_eof {
            let start = self.raw.len();
            self.raw.resize(LOOKAHEAD_BYTES, 0);
            let mut chunk = std::mem::take(&mut self.raw);
            let read = self.read_inner(&mut chunk[start..]);
            self.raw = chunk;
            self.raw.truncate(start + *read.as_ref().unwrap_or(&0));
            read?;
        }
        let (encoding, source) = guess_non_ascii(&self.raw[self.raw_pos..], self.inner_eof);
        self.encoding = encoding;
        self.source = source;
        self.mode = if encoding.is_utf8() {
            Mode::PassThrough
        } else {
            Mode::Decode(Box::new(encoding.encoding().new_decoder_without_bom_handling()))
        };
        Ok(())
    }

    /// Decodes the next step into `self.out`.
    fn decode_more(&mut self) -> io::Result<()> {
        let capacity = out_capacity(self.chunk);
        if self.out.len() != capacity {
            self.out.resize(capacity, 0);
        }
        self.out_pos = 0;
        self.out_len = 0;
        loop {
            if self.raw_pos == self.raw.len() && !self.inner_eof {
                self.raw.resize(self.chunk, 0);
                self.raw_pos = 0;
                let mut chunk = std::mem::take(&mut self.raw);
                let read = self.read_inner(&mut chunk);
                self.raw = chunk;
                self.raw.truncate(*read.as_ref().unwrap_or(&0));
                read?;
            }
            let Mode::Decode(decoder) = &mut self.mode else {
                return Ok(());
            };
            let last = self.inner_eof;
            let (result, read, written, replaced) =
                decoder.decode_to_utf8(&self.raw[self.raw_pos..], &mut self.out, last);
            self.raw_pos += read;
            self.malformed |= replaced;
            // Everything is decoded once the decoder, told this is the last input, asks for more.
            if last && result == CoderResult::InputEmpty {
                self.flushed = true;
            }
            if written > 0 || self.flushed {
                self.out_len = written;
                return Ok(());
            }
        }
    }

    fn read_unbudgeted(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.mode {
                Mode::PassThrough => {
                    if self.raw_pos < self.raw.len() {
                        return Ok(self.drain_raw(buf));
                    }
                    return self.read_inner(buf);
                }
                Mode::Gate => {
                    let n = self.read_inner(buf)?;
                    let ascii = encoding_rs::Encoding::ascii_valid_up_to(&buf[..n]);
                    if ascii == n {
                        return Ok(n);
                    }
                    self.raw.clear();
                    self.raw.extend_from_slice(&buf[ascii..n]);
                    self.raw_pos = 0;
                    self.decide()?;
                    if ascii > 0 {
                        return Ok(ascii);
                    }
                }
                Mode::Decode(_) => {
                    if self.out_pos < self.out_len {
                        let pending = &self.out[self.out_pos..self.out_len];
                        let n = pending.len().min(buf.len());
                        buf[..n].copy_from_slice(&pending[..n]);
                        self.out_pos += n;
                        return Ok(n);
                    }
                    if self.flushed {
                        return Ok(0);
                    }
                    self.decode_more()?;
                }
            }
        }
    }
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.budget == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                RecordTooLong { limit: self.budget_limit },
            ));
        }
        let room = usize::try_from(self.budget).unwrap_or(usize::MAX).min(buf.len());
        let n = self.read_unbudgeted(&mut buf[..room])?;
        self.budget -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::encoding::detect_encoding;

    /// Reads all of `bytes` through a reader set up as the detector says, in small reads.
    fn read_all(bytes: &[u8], read_size: usize) -> (String, TextReader<&[u8]>) {
        let found = detect_encoding(&bytes[..bytes.len().min(4096)], bytes.len() <= 4096);
        let mut reader = TextReader::new(&bytes[found.bom_len..], found.encoding, found.source);
        let mut out = Vec::new();
        let mut buf = vec![0; read_size];
        loop {
            let n = reader.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (String::from_utf8(out).expect("utf-8 out"), reader)
    }

    #[test]
    fn utf16_is_transcoded_in_any_read_size() {
        let text = "Name\tStadt\nJürgen\tKöln\n".repeat(50);
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for size in [1, 2, 3, 7, 64, 100_000] {
            assert_eq!(read_all(&bytes, size).0, text, "read size {size}");
        }
    }

    #[test]
    fn an_ascii_start_is_decided_at_the_first_other_byte() {
        let mut bytes = "Name;Stadt\nAnna;Rom\n".repeat(400).into_bytes();
        let (tail, _, _) = encoding_rs::WINDOWS_1252.encode("Jürgen;Köln\nGrüße;Straße\n");
        bytes.extend_from_slice(&tail);
        let (text, reader) = read_all(&bytes, 1000);
        assert!(text.ends_with("Jürgen;Köln\nGrüße;Straße\n"), "{}", &text[text.len() - 40..]);
        assert_eq!(reader.encoding().name(), "windows-1252");
        assert_eq!(reader.source(), EncodingSource::Guessed);

        let mut utf8 = "Name;Stadt\nAnna;Rom\n".repeat(400).into_bytes();
        utf8.extend_from_slice("Jürgen;Köln\n".as_bytes());
        let (text, reader) = read_all(&utf8, 1000);
        assert!(text.ends_with("Jürgen;Köln\n"));
        assert!(reader.encoding().is_utf8());
    }

    #[test]
    fn malformed_input_is_flagged() {
        let bytes = b"\xFF\xFEa\0\n\0\x00\xD8"; // a lone high surrogate at the end
        let (text, reader) = read_all(bytes, 16);
        assert!(text.contains('\u{FFFD}'));
        assert!(reader.saw_malformed());
    }

    #[test]
    fn the_budget_stops_a_runaway_record() {
        let bytes = vec![b'a'; 1000];
        let mut reader =
            TextReader::new(&bytes[..], TextEncoding::UTF_8, EncodingSource::ValidUtf8).with_budget(100);
        let mut buf = [0; 64];
        assert_eq!(reader.read(&mut buf).expect("first"), 64);
        assert_eq!(reader.read(&mut buf).expect("second"), 36);
        let error = reader.read(&mut buf).expect_err("over budget");
        assert!(error.get_ref().is_some_and(|e| e.is::<RecordTooLong>()));
        reader.reset_budget();
        assert_eq!(reader.read(&mut buf).expect("after reset"), 64);
    }
}
