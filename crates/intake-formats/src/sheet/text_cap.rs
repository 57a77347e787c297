//! A reader of XML that fails once more than a cap of bytes come without a `<`: no text
//! node (a cell's text) can then be longer than the cap. Put in front of the XML that an XML
//! parser would gather into one buffer (a 1,000 MB shared string packs into a 1 MB zip), it
//! bounds that buffer before anything is allocated for it.

use std::io::Read;

/// The I/O error of a text run over the cap.
#[derive(Debug, thiserror::Error)]
#[error("a cell holds more than {cap} bytes of text")]
pub(crate) struct TextTooLong {
    /// The cap.
    pub(crate) cap: u64,
}

/// Whether `error` is a [`TextTooLong`], and its cap.
pub(crate) fn text_too_long(error: &std::io::Error) -> Option<u64> {
    error.get_ref().and_then(|e| e.downcast_ref::<TextTooLong>()).map(|e| e.cap)
}

/// Reads `inner`, failing with [`TextTooLong`] at a run of more than `cap` bytes without `<`.
pub(crate) struct TextCap<R> {
    inner: R,
    /// Bytes since the last `<`.
    run: u64,
    cap: u64,
}

impl<R> TextCap<R> {
    pub(crate) fn new(inner: R, cap: u64) -> TextCap<R> {
        TextCap { inner, run: 0, cap }
    }
}

impl<R: Read> Read for TextCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        let bytes = &buf[..read];
        let too_long = || std::io::Error::new(std::io::ErrorKind::InvalidData, TextTooLong { cap: self.cap });
        let before = memchr::memchr(b'<', bytes).unwrap_or(bytes.len());
        self.run += before as u64;
        if self.run > self.cap {
            return Err(too_long());
        }
        // A run between two `<` of one read is shorter than the read: it needs looking at
        // only when reads are longer than the cap (never with the default cap).
        if read as u64 > self.cap {
            let mut last = before;
            for at in memchr::memchr_iter(b'<', bytes) {
                if (at - last) as u64 > self.cap + 1 {
                    return Err(too_long());
                }
                last = at;
            }
        }
        if let Some(last) = memchr::memrchr(b'<', bytes) {
            self.run = (bytes.len() - last - 1) as u64;
            if self.run > self.cap {
                return Err(too_long());
            }
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(bytes: &[u8], cap: u64) -> std::io::Result<u64> {
        std::io::copy(&mut TextCap::new(bytes, cap), &mut std::io::sink())
    }

    #[test]
    fn runs_up_to_the_cap_pass_and_longer_ones_fail() {
        // A run is what follows a `<` up to the next: the rest of the tag, then the text.
        assert!(drain(b"<t>12345</t><t>1</t>", 7).is_ok());
        let error = drain(b"<t>12345</t>", 6).expect_err("over the cap");
        assert_eq!(text_too_long(&error), Some(6));
        let long = format!("<t>{}</t>", "x".repeat(100_000));
        assert!(drain(long.as_bytes(), 100_001).is_err());
        assert!(drain(long.as_bytes(), 100_002).is_ok());
        let ys = "y".repeat(50);
        let mut reader = TextCap::new(std::io::Read::chain(&b"<t>"[..], ys.as_bytes()), 40);
        assert!(std::io::copy(&mut reader, &mut std::io::sink()).is_err(), "a run across reads counts");
    }
}
