//! Character encodings of a vCard file and of its values.
//!
//! A file with a UTF-16 byte-order mark (or the NUL pattern of UTF-16 without one) is
//! transcoded to UTF-8 as a stream. Every other file is read as bytes and each value is
//! decoded on its own: by its `CHARSET` parameter, else as UTF-8 when it is valid UTF-8, else
//! in the file's fallback encoding (Windows-1252, or what `chardetng` guesses from the start of
//! a file that is not UTF-8). Decoding per value keeps files that mix a UTF-8 body with
//! `CHARSET=ISO-8859-1` quoted-printable values (common in 2.1 exports) right.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// How many bytes from the start of a file are used to detect its encoding.
pub(crate) const SAMPLE: usize = 64 * 1024;

/// What was detected about a file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileEncoding {
    /// A UTF-16 encoding the whole stream is transcoded from; `None` for byte-oriented files.
    pub transcode: Option<&'static Encoding>,
    /// The encoding of raw values that are not valid UTF-8 and declare no `CHARSET`.
    pub fallback: &'static Encoding,
}

/// Detects the encoding from the first bytes of a file.
pub(crate) fn detect(sample: &[u8]) -> FileEncoding {
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        let transcode = (encoding != encoding_rs::UTF_8).then_some(encoding);
        return FileEncoding { transcode, fallback: WINDOWS_1252 };
    }
    if let Some(utf16) = utf16_without_bom(sample) {
        return FileEncoding { transcode: Some(utf16), fallback: WINDOWS_1252 };
    }
    if is_utf8_prefix(sample) {
        return FileEncoding { transcode: None, fallback: WINDOWS_1252 };
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() < SAMPLE);
    FileEncoding { transcode: None, fallback: detector.guess(None, chardetng::Utf8Detection::Deny) }
}

/// UTF-16 without a BOM: vCard text is mostly ASCII, so every other byte is NUL.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd * 10 >= pairs * 9 && even == 0 {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 9 && odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Valid UTF-8, allowing a character cut off by the end of the sample.
fn is_utf8_prefix(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() >= SAMPLE,
    }
}

/// Wraps `input` so that it yields UTF-8 (transcoded) or the file's own bytes, without a BOM.
pub(crate) fn reader<'a>(
    mut input: Box<dyn BufRead + Send + 'a>,
    encoding: FileEncoding,
) -> std::io::Result<Box<dyn BufRead + Send + 'a>> {
    if let Some(source) = encoding.transcode {
        let decoder = DecodeReaderBytesBuilder::new().encoding(Some(source)).build(input);
        return Ok(Box::new(BufReader::with_capacity(64 * 1024, decoder)));
    }
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(input)
}

/// The encoding a `CHARSET` label names, if it is one `encoding_rs` knows.
pub(crate) fn for_label(label: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim_ascii())
}

/// Decodes a value's bytes. `transformed` is true for bytes that came out of
/// quoted-printable or base64, where a declared `CHARSET` is trusted first; raw bytes that
/// are valid UTF-8 are UTF-8 whatever the label says (the file was transcoded or written so).
/// The flag is true when some bytes were not valid in the chosen encoding.
pub(crate) fn decode<'b>(
    bytes: &'b [u8],
    declared: Option<&'static Encoding>,
    transformed: bool,
    fallback: &'static Encoding,
) -> (Cow<'b, str>, bool) {
    if let (true, Some(declared)) = (transformed, declared) {
        return decode_with(bytes, declared);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(text), false);
    }
    decode_with(bytes, declared.unwrap_or(fallback))
}

fn decode_with<'b>(bytes: &'b [u8], encoding: &'static Encoding) -> (Cow<'b, str>, bool) {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    (text, had_errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_boms_and_utf16_without_bom() {
        assert_eq!(detect(b"\xFF\xFEB\0E\0").transcode, Some(UTF_16LE));
        assert_eq!(detect(b"\xFE\xFF\0B\0E").transcode, Some(UTF_16BE));
        assert_eq!(detect(b"\xEF\xBB\xBFBEGIN").transcode, None);
        assert_eq!(detect(b"B\0E\0G\0I\0N\0").transcode, Some(UTF_16LE));
    }

    #[test]
    fn legacy_files_get_a_guessed_fallback() {
        let sample = "BEGIN:VCARD\nN:M\u{fc}ller;J\u{fc}rgen\nNOTE:Gr\u{fc}\u{df}e aus K\u{f6}ln\n";
        let (latin1, _, _) = WINDOWS_1252.encode(sample);
        let found = detect(&latin1);
        assert_eq!(found.transcode, None);
        assert_eq!(decode("M\u{fc}ller".as_bytes(), None, false, found.fallback).0, "M\u{fc}ller");
        assert_eq!(decode(b"M\xfcller", None, false, found.fallback).0, "M\u{fc}ller");
    }
}
