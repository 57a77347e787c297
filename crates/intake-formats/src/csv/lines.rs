//! [`LineTracker`]: the line each CSV row starts on. The `csv` crate counts only `\n` and
//! tells where a read began, which is before the blank lines it skips and, in a CRLF file,
//! before the `\n` of the previous row's line end: neither is the row's first line. This
//! reader sits between the text and the `csv` reader and remembers where the line breaks
//! of the text it handed on are, so that the line of any offset the `csv` reader has
//! reached can be told exactly, whatever the line ends (CRLF, LF, CR alone, mixed).

use std::collections::VecDeque;
use std::io::{self, Read};

/// Hands `inner` on unchanged, keeping the offsets of its `\r` and `\n` bytes.
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Bytes handed on so far.
    delivered: u64,
    /// Offsets and bytes of the line-break bytes not yet passed by [`LineTracker::line_at`].
    breaks: VecDeque<(u64, u8)>,
    /// Line breaks before the first of `breaks` (a CRLF counts once).
    lines_before: u64,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> LineTracker<R> {
        LineTracker { inner, delivered: 0, breaks: VecDeque::new(), lines_before: 0 }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    pub(crate) fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The 1-based line of the first byte at or after `offset` that is no line break: where
    /// a row read from `offset` starts (the `csv` reader skips blank lines before a row).
    /// Offsets must not go back between calls; `offset` must have been handed on.
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        while let Some(&(at, byte)) = self.breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1; // a blank line, or the rest of the previous line's end
            }
            self.breaks.pop_front();
            // `\r\n` is one line break, counted at its `\n`.
            let crlf = byte == b'\r' && self.breaks.front() == Some(&(at + 1, b'\n'));
            if !crlf {
                self.lines_before += 1;
            }
        }
        1 + self.lines_before
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        for at in memchr::memchr2_iter(b'\r', b'\n', &buf[..read]) {
            self.breaks.push_back((self.delivered + at as u64, buf[at]));
        }
        self.delivered += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each row start, found as the `csv` reader would ask for it: from the
    /// offset where the previous row's read ended.
    fn lines(text: &str, read_ends: &[u64]) -> Vec<u64> {
        let mut tracker = LineTracker::new(text.as_bytes());
        std::io::copy(&mut tracker, &mut std::io::sink()).expect("read");
        read_ends.iter().map(|&offset| tracker.line_at(offset)).collect()
    }

    #[test]
    fn rows_start_on_their_own_line_whatever_the_line_ends() {
        // LF: reads end after the `\n`.
        assert_eq!(lines("a\nb\n\n\nc\n", &[0, 2, 4]), [1, 2, 5]);
        // CRLF: reads end after the `\r`, before the `\n`.
        assert_eq!(lines("a\r\nb\r\n\r\nc\r\n", &[0, 2, 5]), [1, 2, 4]);
        // CR alone, and a quoted line break inside a row.
        assert_eq!(lines("a\rb\r\rc", &[0, 2, 4]), [1, 2, 4]);
        assert_eq!(lines("h\n\"x\ny\"\nz\n", &[0, 2, 8]), [1, 2, 4]);
    }
}
