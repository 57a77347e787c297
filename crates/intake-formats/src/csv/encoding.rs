//! Which text encoding a CSV or text file is in, found from the file's own bytes.
//!
//! The order is the one a careful reader would follow:
//!
//! 1. a byte-order mark (UTF-8, UTF-16 LE, UTF-16 BE) decides;
//! 2. without one, a sample whose every other byte is zero is UTF-16 (LE or BE) without a mark;
//! 3. a sample that is valid UTF-8 is UTF-8; one that is mostly valid UTF-8 (at least
//!    [`MOSTLY_UTF8_RATIO`] valid non-ASCII characters per invalid byte) is UTF-8 too, and its
//!    few bad bytes become their rows' errors instead of turning the whole file into mojibake;
//! 4. anything else goes to `chardetng` (Firefox's detector) with UTF-8 ruled out: Windows-1252,
//!    Windows-1251, Shift_JIS, GBK, EUC-KR, Big5 …;
//! 5. a sample of plain ASCII proves nothing: the file is read as UTF-8 and the decision is
//!    taken again, by the same rules, at its first non-ASCII byte (see `decode.rs`). Until then
//!    every ASCII-compatible encoding reads the same characters, so nothing read before the
//!    decision changes.
//!
//! A user's `--encoding` (any WHATWG label `encoding_rs` knows) overrides all of it.
//!
//! Everything here is a pure function of the bytes it is given.

use std::fmt;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many valid non-ASCII UTF-8 characters per invalid byte make a sample "mostly UTF-8".
pub const MOSTLY_UTF8_RATIO: usize = 8;

/// How many bytes of a sample the UTF-16-without-BOM check looks at.
const UTF16_PROBE_BYTES: usize = 4096;

/// A text encoding: any encoding of the WHATWG Encoding Standard (what `encoding_rs` implements).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TextEncoding(&'static Encoding);

impl TextEncoding {
    /// UTF-8.
    pub const UTF_8: TextEncoding = TextEncoding(UTF_8);

    /// The encoding a label names (`utf-8`, `utf-16le`, `windows-1252`, `latin1`, `shift_jis`,
    /// `gbk`, `cp1251` …), ignoring case and surrounding spaces.
    ///
    /// ```
    /// use intake_formats::csv::TextEncoding;
    /// assert_eq!(TextEncoding::from_label("Latin1").unwrap().name(), "windows-1252");
    /// assert!(TextEncoding::from_label("klingon").is_err());
    /// ```
    pub fn from_label(label: &str) -> Result<TextEncoding, UnknownEncoding> {
        Encoding::for_label_no_replacement(label.trim().as_bytes())
            .map(TextEncoding)
            .ok_or_else(|| UnknownEncoding { label: label.to_string() })
    }

    /// The encoding's canonical WHATWG name (`UTF-8`, `windows-1252`, `Shift_JIS` …).
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Whether this is UTF-8 (read without transcoding).
    pub fn is_utf8(self) -> bool {
        self.0 == UTF_8
    }

    pub(crate) fn encoding(self) -> &'static Encoding {
        self.0
    }

    /// The byte-order mark of this encoding, if it has one that readers strip.
    fn bom(self) -> Option<&'static [u8]> {
        if self.0 == UTF_8 {
            Some(b"\xEF\xBB\xBF")
        } else if self.0 == UTF_16LE {
            Some(b"\xFF\xFE")
        } else if self.0 == UTF_16BE {
            Some(b"\xFE\xFF")
        } else {
            None
        }
    }
}

impl fmt::Debug for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A label that names no encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown encoding {label:?}: use an encoding name or label such as utf-8, utf-16le, utf-16be, \
     windows-1252 (latin1), windows-1250, windows-1251, shift_jis, gbk, big5 or euc-kr"
)]
pub struct UnknownEncoding {
    label: String,
}

/// How the encoding of a file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodingSource {
    /// The user named it.
    Declared,
    /// A byte-order mark at the start of the file.
    ByteOrderMark,
    /// UTF-16 without a byte-order mark: every other byte of the sample is zero.
    ZeroBytes,
    /// The sample is valid UTF-8.
    ValidUtf8,
    /// The sample is mostly valid UTF-8; its invalid bytes become their rows' errors.
    MostlyUtf8,
    /// Guessed from the sample's letters by `chardetng`.
    Guessed,
    /// The sample is plain ASCII: read as UTF-8 and decided at the first non-ASCII byte, if any.
    AsciiSoFar,
}

impl EncodingSource {
    /// A few words for messages ("found by its byte-order mark" …).
    pub fn describe(self) -> &'static str {
        match self {
            EncodingSource::Declared => "as given",
            EncodingSource::ByteOrderMark => "found by its byte-order mark",
            EncodingSource::ZeroBytes => "found by its zero bytes (UTF-16 without a byte-order mark)",
            EncodingSource::ValidUtf8 => "its content is valid UTF-8",
            EncodingSource::MostlyUtf8 => "its content is mostly valid UTF-8",
            EncodingSource::Guessed => "guessed from its content",
            EncodingSource::AsciiSoFar => "plain ASCII at the start; decided at the first other byte",
        }
    }
}

/// The encoding a file is read in, and how many byte-order-mark bytes to skip at its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedEncoding {
    /// The encoding (UTF-8 for [`EncodingSource::AsciiSoFar`], until a non-ASCII byte says more).
    pub encoding: TextEncoding,
    /// How it was found.
    pub source: EncodingSource,
    /// Length of the byte-order mark at the start of the file (0 without one).
    pub bom_len: usize,
}

impl DetectedEncoding {
    /// The user's choice; a byte-order mark of that same encoding is still skipped.
    pub fn declared(encoding: TextEncoding, sample: &[u8]) -> DetectedEncoding {
        let bom_len = encoding.bom().filter(|bom| sample.starts_with(bom)).map_or(0, <[u8]>::len);
        DetectedEncoding { encoding, source: EncodingSource::Declared, bom_len }
    }

    /// Whether the encoding is still to be decided while reading (the sample was ASCII).
    pub fn is_settled(&self) -> bool {
        self.source != EncodingSource::AsciiSoFar
    }

    /// The sample as UTF-8-ish bytes for dialect sniffing: the bytes themselves when the file
    /// is read as UTF-8, else decoded (a character cut at the sample's end becomes U+FFFD).
    pub fn decode_sample<'a>(&self, sample: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let body = sample.get(self.bom_len..).unwrap_or_default();
        if self.encoding.is_utf8() {
            return std::borrow::Cow::Borrowed(body);
        }
        let (text, _) = self.encoding.encoding().decode_without_bom_handling(body);
        std::borrow::Cow::Owned(text.into_owned().into_bytes())
    }
}

/// Finds the encoding of a file from its first bytes. `at_eof` says whether `sample` is the
/// whole file (a character cut at its end is then an error, not a continuation).
pub fn detect_encoding(sample: &[u8], at_eof: bool) -> DetectedEncoding {
    if let Some((encoding, bom_len)) = Encoding::for_bom(sample) {
        return DetectedEncoding {
            encoding: TextEncoding(encoding),
            source: EncodingSource::ByteOrderMark,
            bom_len,
        };
    }
    if let Some(encoding) = utf16_without_bom(sample) {
        return DetectedEncoding {
            encoding: TextEncoding(encoding),
            source: EncodingSource::ZeroBytes,
            bom_len: 0,
        };
    }
    if Encoding::ascii_valid_up_to(sample) == sample.len() {
        return DetectedEncoding {
            encoding: TextEncoding::UTF_8,
            source: EncodingSource::AsciiSoFar,
            bom_len: 0,
        };
    }
    let (encoding, source) = guess_non_ascii(sample, at_eof);
    DetectedEncoding { encoding, source, bom_len: 0 }
}

/// The encoding of bytes that hold something other than ASCII and start at a character
/// boundary (the start of a file, or its first non-ASCII byte): UTF-8 when they are (mostly)
/// valid UTF-8, else `chardetng`'s guess.
pub(crate) fn guess_non_ascii(bytes: &[u8], at_eof: bool) -> (TextEncoding, EncodingSource) {
    let (valid, invalid) = utf8_profile(bytes, at_eof);
    if invalid == 0 {
        return (TextEncoding::UTF_8, EncodingSource::ValidUtf8);
    }
    if valid >= invalid.saturating_mul(MOSTLY_UTF8_RATIO) {
        return (TextEncoding::UTF_8, EncodingSource::MostlyUtf8);
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, at_eof);
    (TextEncoding(detector.guess(None, Utf8Detection::Deny)), EncodingSource::Guessed)
}

/// Counts valid non-ASCII UTF-8 characters and invalid sequences in `bytes`. A sequence cut
/// by the end of `bytes` counts as invalid only at the end of the file.
fn utf8_profile(mut bytes: &[u8], at_eof: bool) -> (usize, usize) {
    let non_ascii_chars = |valid: &[u8]| valid.iter().filter(|&&b| b >= 0xC0).count();
    let (mut valid, mut invalid) = (0usize, 0usize);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(text) => return (valid + non_ascii_chars(text.as_bytes()), invalid),
            Err(error) => {
                let (good, rest) = bytes.split_at(error.valid_up_to());
                valid += non_ascii_chars(good);
                match error.error_len() {
                    Some(len) => {
                        invalid += 1;
                        bytes = rest.get(len..).unwrap_or_default();
                    }
                    None => return (valid, invalid + usize::from(at_eof)),
                }
            }
        }
    }
}

/// UTF-16 without a byte-order mark: text in the Latin range has a zero in every other byte,
/// so one lane of byte pairs is mostly zeros and the other almost never.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let probe = &sample[..sample.len().min(UTF16_PROBE_BYTES)];
    let pairs = probe.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in probe.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let mostly = |zeros: usize| zeros * 10 >= pairs * 3;
    let rarely = |zeros: usize| zeros * 20 <= pairs;
    if mostly(odd) && rarely(even) {
        Some(UTF_16LE)
    } else if mostly(even) && rarely(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(bytes: &[u8]) -> (&'static str, EncodingSource, usize) {
        let found = detect_encoding(bytes, true);
        (found.encoding.name(), found.source, found.bom_len)
    }

    #[test]
    fn byte_order_marks_decide() {
        assert_eq!(detect(b"\xEF\xBB\xBFa,b\n"), ("UTF-8", EncodingSource::ByteOrderMark, 3));
        assert_eq!(detect(b"\xFF\xFEa\0,\0b\0"), ("UTF-16LE", EncodingSource::ByteOrderMark, 2));
        assert_eq!(detect(b"\xFE\xFF\0a\0,\0b"), ("UTF-16BE", EncodingSource::ByteOrderMark, 2));
    }

    #[test]
    fn utf16_without_a_mark_is_found_by_its_zero_bytes() {
        let le: Vec<u8> = "name,email\nAnna,a@b.de\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "name,email\nAnna,a@b.de\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect(&le).0, "UTF-16LE");
        assert_eq!(detect(&be).0, "UTF-16BE");
    }

    #[test]
    fn utf8_ascii_and_legacy_files() {
        assert_eq!(detect("Name\nJürgen\n".as_bytes()).1, EncodingSource::ValidUtf8);
        assert_eq!(detect(b"Name\nAnna\n").1, EncodingSource::AsciiSoFar);
        let mut mostly = "Jürgen,Müller,Köln,Düsseldorf,Größe,Straße,Ärger,Öl,Übel\n".as_bytes().to_vec();
        mostly.extend_from_slice(b"bad \xFF\n");
        assert_eq!(detect(&mostly).1, EncodingSource::MostlyUtf8);
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode("Name;Straße\nJürgen;Schloßallee\n");
        assert_eq!(detect(&latin1), ("windows-1252", EncodingSource::Guessed, 0));
    }

    #[test]
    fn a_character_cut_by_the_sample_end_is_not_an_error_mid_file() {
        let text = "Jürgen".as_bytes();
        let cut = &text[..2];
        assert_eq!(detect_encoding(cut, false).source, EncodingSource::ValidUtf8);
    }

    #[test]
    fn labels() {
        assert_eq!(TextEncoding::from_label(" UTF8 ").map(TextEncoding::name), Ok("UTF-8"));
        assert_eq!(TextEncoding::from_label("cp1251").map(TextEncoding::name), Ok("windows-1251"));
        assert_eq!(TextEncoding::from_label("sjis").map(TextEncoding::name), Ok("Shift_JIS"));
        let error = TextEncoding::from_label("iso-2022-kr").unwrap_err().to_string();
        assert!(error.contains("\"iso-2022-kr\""), "{error}");
    }

    #[test]
    fn a_declared_encoding_skips_only_its_own_mark() {
        let utf8 = TextEncoding::UTF_8;
        assert_eq!(DetectedEncoding::declared(utf8, b"\xEF\xBB\xBFa").bom_len, 3);
        let latin1 = TextEncoding::from_label("latin1").unwrap();
        assert_eq!(DetectedEncoding::declared(latin1, b"\xEF\xBB\xBFa").bom_len, 0);
    }
}
