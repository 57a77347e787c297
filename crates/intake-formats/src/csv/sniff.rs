//! The dialect of a CSV file (delimiter, quote character, whether the first row is a header),
//! found from a sample of its text.
//!
//! **Delimiter and quote.** Every candidate — delimiters `,` `;` tab `|`, each with quote `"`,
//! with quote `'` and without quoting — parses the sample (a record cut by the end of the
//! sample is left out). Candidates are ranked by
//!
//! 1. whether the most common field count is at least 2 (the delimiter occurs at all),
//! 2. consistency: the share of records that have that most common field count,
//! 3. coverage: how many bytes of the sample the whole records span (a stray quote that
//!    swallows the rest of the sample into one unfinished record loses),
//!
//! then, between quotings of one delimiter, by the quote `"` before no quoting before `'`
//! (`'` goes first only when at least half of the non-empty fields are wrapped in `'…'` and
//! none in `"…"`), and between
//! delimiters by the field count (the more fields a delimiter splits into, the likelier it is
//! the one), then by the order `,` `;` tab `|`.
//!
//! When no candidate splits a line the file has one column: `,` and `"` are used.
//!
//! **Header.** The first row is a header unless one of its cells looks like data (an e-mail
//! address, a phone number or other number, a date, a URL, `true`/`false`), or it has an empty
//! cell and no column below it holds such data under a text title.
//!
//! Everything here is a pure function of the sample; it never panics, whatever the bytes.

/// How many records of the sample the header heuristic looks at.
pub const HEADER_RECORDS: usize = 200;

/// Delimiters tried, in order of preference.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The cell separator.
    pub delimiter: u8,
    /// The quote character; `None` when quotes are ordinary characters.
    pub quote: Option<u8>,
    /// Whether the first row names the columns.
    pub has_header: bool,
    /// The most common number of cells per row in the sample (0 when it had no whole row).
    pub columns: usize,
    /// Rows of notes above the header that are not part of the table (LinkedIn's export
    /// starts with `Notes:` and a paragraph): fewer cells than the table has, at most
    /// `MAX_PREAMBLE` of them, and only before a header.
    pub preamble: usize,
}

/// Most rows of notes above a header that are skipped.
pub const MAX_PREAMBLE: usize = 5;

impl Default for Dialect {
    fn default() -> Self {
        Dialect { delimiter: b',', quote: Some(b'"'), has_header: true, columns: 0, preamble: 0 }
    }
}

/// What the user fixed; the rest is found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DialectHints {
    /// The delimiter, if given.
    pub delimiter: Option<u8>,
    /// Whether the first row is a header, if given.
    pub has_header: Option<bool>,
}

/// The quotings tried for each delimiter.
const QUOTINGS: [Option<u8>; 3] = [Some(b'"'), None, Some(b'\'')];

/// Finds the dialect of `sample`, the start of a file's text as UTF-8 (invalid bytes are
/// tolerated). `at_eof` says whether the sample is the whole file.
pub fn sniff_dialect(sample: &[u8], at_eof: bool, hints: DialectHints) -> Dialect {
    let delimiters: &[u8] = match &hints.delimiter {
        Some(delimiter) => std::slice::from_ref(delimiter),
        None => &DELIMITERS,
    };
    let mut scanner = Scanner::new(sample, at_eof);
    let mut best: Option<Candidate> = None;
    for &delimiter in delimiters {
        let mut wrapped = Wrapped::default();
        let mut quotings: Vec<Candidate> = QUOTINGS
            .iter()
            .map(|&quote| {
                let count = if quote.is_none() { Some(&mut wrapped) } else { None };
                Candidate::parse(&mut scanner, delimiter, quote, count)
            })
            .collect();
        let single_first = wrapped.single_quotes();
        let mut best_quoting: Option<Candidate> = None;
        for mut candidate in quotings.drain(..) {
            candidate.quote_rank = match candidate.quote {
                Some(b'"') if single_first => 1,
                Some(b'"') => 0,
                None => 2,
                _ if single_first => 0,
                _ => 3,
            };
            if best_quoting.as_ref().is_none_or(|b| candidate.beats(b, Tiebreak::Quote)) {
                best_quoting = Some(candidate);
            }
        }
        if let Some(candidate) = best_quoting
            && best.as_ref().is_none_or(|b| candidate.beats(b, Tiebreak::Delimiter))
        {
            best = Some(candidate);
        }
    }
    let best = match best.filter(|b| b.columns >= 2 || hints.delimiter.is_some()) {
        Some(best) => best,
        // One column: the default dialect.
        None => Candidate::parse(&mut scanner, b',', Some(b'"'), None),
    };
    let rows = scanner.rows(best.delimiter, best.quote, HEADER_RECORDS + MAX_PREAMBLE);
    let preamble = if hints.has_header == Some(false) { 0 } else { preamble_of(&rows, best.columns) };
    let has_header = hints.has_header.unwrap_or_else(|| looks_like_header(&rows[preamble..]));
    let preamble = if has_header { preamble } else { 0 };
    Dialect { delimiter: best.delimiter, quote: best.quote, has_header, columns: best.columns, preamble }
}

/// Leading rows with fewer cells than the table (and one cell at most) followed by a row of
/// the table's width: notes above the header.
fn preamble_of(rows: &[Vec<String>], columns: usize) -> usize {
    if columns < 2 {
        return 0;
    }
    let notes = rows.iter().take(MAX_PREAMBLE).take_while(|row| row.len() <= 1).count();
    match rows.get(notes) {
        Some(header) if notes > 0 && header.len() == columns => notes,
        _ => 0,
    }
}

/// Fields wrapped in `"…"` and in `'…'` when quotes are read as ordinary characters, and
/// non-empty fields.
#[derive(Debug, Clone, Copy, Default)]
struct Wrapped {
    double: usize,
    single: usize,
    filled: usize,
}

impl Wrapped {
    fn add(&mut self, field: &[u8]) {
        let wraps = |q: u8| field.len() >= 2 && field.first() == Some(&q) && field.last() == Some(&q);
        self.double += usize::from(wraps(b'"'));
        self.single += usize::from(wraps(b'\''));
        self.filled += usize::from(!field.is_empty());
    }

    /// Whether `'` quoting is the likelier on a tie: at least two fields and half of the
    /// non-empty ones are wrapped in `'…'`, none in `"…"`.
    fn single_quotes(&self) -> bool {
        self.double == 0 && self.single >= 2 && self.single * 2 >= self.filled
    }
}

/// One (delimiter, quote) pair and how the sample parses with it.
#[derive(Debug, Clone)]
struct Candidate {
    delimiter: u8,
    quote: Option<u8>,
    /// Records parsed, and the bytes of the sample they span.
    records: usize,
    covered: usize,
    /// The most common field count and how many records have it.
    columns: usize,
    modal: usize,
    /// Rank of the quote choice (lower is preferred) and of the delimiter.
    quote_rank: u8,
    delimiter_rank: usize,
}

impl Candidate {
    /// Parses the sample with this pair; with `wrapped`, counts wrapped fields too.
    fn parse(
        scanner: &mut Scanner<'_>,
        delimiter: u8,
        quote: Option<u8>,
        mut wrapped: Option<&mut Wrapped>,
    ) -> Candidate {
        let mut widths: Vec<usize> = Vec::new();
        let covered = scanner.for_each_record(delimiter, quote, usize::MAX, &mut |fields| {
            widths.push(fields.len());
            if let Some(wrapped) = wrapped.as_deref_mut() {
                fields.for_each(|field| wrapped.add(field));
            }
        });
        let (columns, modal) = mode(&mut widths);
        let delimiter_rank = DELIMITERS.iter().position(|&d| d == delimiter).unwrap_or(DELIMITERS.len());
        Candidate {
            delimiter,
            quote,
            records: widths.len(),
            covered,
            columns,
            modal,
            quote_rank: 0,
            delimiter_rank,
        }
    }

    /// Whether `self` ranks above `other` (see the module doc).
    fn beats(&self, other: &Candidate, tiebreak: Tiebreak) -> bool {
        use std::cmp::Ordering;
        let splits = |c: &Candidate| c.columns >= 2;
        // Consistency modal/records, compared without division (u128: no overflow).
        let consistency = |a: &Candidate, b: &Candidate| {
            (a.modal as u128 * b.records.max(1) as u128).cmp(&(b.modal as u128 * a.records.max(1) as u128))
        };
        let order = splits(self)
            .cmp(&splits(other))
            .then_with(|| consistency(self, other))
            .then_with(|| self.covered.cmp(&other.covered));
        let order = match tiebreak {
            Tiebreak::Quote => order.then_with(|| other.quote_rank.cmp(&self.quote_rank)),
            Tiebreak::Delimiter => order
                .then_with(|| self.columns.cmp(&other.columns))
                .then_with(|| other.delimiter_rank.cmp(&self.delimiter_rank)),
        };
        order == Ordering::Greater
    }
}

/// What decides between candidates that parse equally well.
#[derive(Debug, Clone, Copy)]
enum Tiebreak {
    /// Quotings of one delimiter: the preferred quote.
    Quote,
    /// Delimiters: more fields, then the preferred delimiter.
    Delimiter,
}

/// The most common value and how often it occurs; ties go to the larger value.
fn mode(values: &mut [usize]) -> (usize, usize) {
    values.sort_unstable();
    let mut best = (0, 0);
    for run in values.chunk_by(|a, b| a == b) {
        if run.len() >= best.1 {
            best = (run[0], run.len());
        }
    }
    best
}

/// Runs `f` with a parser for one (delimiter, quote) pair, at the start of its input.
///
/// Building a parser costs a DFA construction (about as much as parsing a few kilobytes, and
/// the sniffer needs thirteen), so built parsers are kept per thread and `reset()` for reuse.
/// (They are not cloned: csv-core 0.1.13's `Clone` for its DFA copies only the transition
/// table, and a clone misparses.)
fn with_parser<T>(delimiter: u8, quote: Option<u8>, f: &mut dyn FnMut(&mut csv_core::Reader) -> T) -> T {
    type Parsers = std::cell::RefCell<Vec<(u8, Option<u8>, csv_core::Reader)>>;
    /// Room for the twelve standard pairs and a few user delimiters.
    const KEPT: usize = 16;
    thread_local! {
        static PARSERS: Parsers = const { std::cell::RefCell::new(Vec::new()) };
    }
    let build = || {
        csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote.unwrap_or(b'"'))
            .quoting(quote.is_some())
            .build()
    };
    let cached = PARSERS.try_with(|parsers| {
        let Ok(mut parsers) = parsers.try_borrow_mut() else { return None };
        let index = match parsers.iter().position(|(d, q, _)| *d == delimiter && *q == quote) {
            Some(index) => index,
            None => {
                if parsers.len() >= KEPT {
                    parsers.remove(0);
                }
                parsers.push((delimiter, quote, build()));
                parsers.len() - 1
            }
        };
        let reader = &mut parsers[index].2;
        reader.reset();
        Some(f(reader))
    });
    match cached {
        Ok(Some(result)) => result,
        // Only while the thread is being torn down, or if `f` sniffed again.
        _ => f(&mut build()),
    }
}

/// The fields of one parsed record.
struct Fields<'a> {
    out: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn for_each(&self, mut f: impl FnMut(&'a [u8])) {
        let mut start = 0;
        for &end in self.ends {
            f(self.out.get(start..end).unwrap_or_default());
            start = end;
        }
    }
}

/// Parses one sample in several dialects, with buffers reused between them.
struct Scanner<'s> {
    sample: &'s [u8],
    at_eof: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl<'s> Scanner<'s> {
    fn new(sample: &'s [u8], at_eof: bool) -> Scanner<'s> {
        // A record's unquoted text is never longer than its bytes in the sample.
        Scanner { sample, at_eof, out: vec![0; sample.len() + 1], ends: vec![0; 64] }
    }

    /// Calls `f` with each whole record of the sample, up to `limit` records, and returns how
    /// many bytes of the sample those records span. The last record of a sample that is not
    /// the whole file may be cut off, and is left out (unless it is the only one).
    fn for_each_record(
        &mut self,
        delimiter: u8,
        quote: Option<u8>,
        limit: usize,
        f: &mut dyn FnMut(&Fields<'_>),
    ) -> usize {
        with_parser(delimiter, quote, &mut |reader| self.scan(reader, limit, f))
    }

    fn scan(&mut self, reader: &mut csv_core::Reader, limit: usize, f: &mut dyn FnMut(&Fields<'_>)) -> usize {
        use csv_core::ReadRecordResult;
        let (mut pos, mut out_len, mut ends_len) = (0, 0, 0);
        let (mut seen, mut covered, mut eof) = (0, 0, false);
        while seen < limit {
            let input = if eof { &[][..] } else { &self.sample[pos..] };
            let (result, nin, nout, nend) =
                reader.read_record(input, &mut self.out[out_len..], &mut self.ends[ends_len..]);
            pos += nin;
            out_len += nout;
            ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if eof || !(self.at_eof || seen == 0) {
                        break;
                    }
                    eof = true;
                }
                ReadRecordResult::OutputFull => {
                    let grown = self.out.len().max(64) * 2;
                    self.out.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    f(&Fields { out: &self.out[..out_len], ends: &self.ends[..ends_len] });
                    seen += 1;
                    covered = pos;
                    out_len = 0;
                    ends_len = 0;
                }
                ReadRecordResult::End => break,
            }
        }
        covered
    }

    /// The first `limit` whole records as text cells (lossy, trimmed).
    fn rows(&mut self, delimiter: u8, quote: Option<u8>, limit: usize) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        self.for_each_record(delimiter, quote, limit, &mut |fields| {
            let mut row = Vec::with_capacity(fields.len());
            fields.for_each(|f| row.push(String::from_utf8_lossy(f).trim().to_string()));
            rows.push(row);
        });
        rows
    }
}

/// Whether the first of `rows` names the columns (see the module doc).
pub fn looks_like_header(rows: &[Vec<String>]) -> bool {
    let Some((first, later)) = rows.split_first() else {
        return true;
    };
    if first.iter().any(|cell| looks_like_data(cell)) {
        return false;
    }
    let data_below = (0..first.len()).any(|column| {
        let values: Vec<&str> = later
            .iter()
            .filter_map(|row| row.get(column))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .collect();
        let data = values.iter().filter(|v| looks_like_data(v)).count();
        !values.is_empty() && data * 2 > values.len()
    });
    data_below || first.iter().all(|cell| !cell.is_empty())
}

/// Whether a cell's text looks like a value rather than a column title: an e-mail address,
/// a number (phone numbers, amounts, dates and times are made of digits and `+-()./:, `),
/// a URL, or `true`/`false`.
pub fn looks_like_data(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_empty() {
        return false;
    }
    let lower = cell.to_ascii_lowercase();
    if lower == "true" || lower == "false" {
        return true;
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    if let Some((local, domain)) = cell.split_once('@')
        && !local.is_empty()
        && domain.contains('.')
        && !cell.contains(char::is_whitespace)
    {
        return true;
    }
    cell.chars().any(|c| c.is_ascii_digit())
        && cell.chars().all(|c| c.is_ascii_digit() || "+-()./:, '".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &str) -> Dialect {
        sniff_dialect(text.as_bytes(), true, DialectHints::default())
    }

    #[test]
    fn delimiters_are_found_by_consistent_field_counts() {
        assert_eq!(sniff("a,b,c\n1,2,3\n").delimiter, b',');
        assert_eq!(sniff("Name;Betrag\nAnna;1,50\nBen;2,75\n").delimiter, b';');
        assert_eq!(sniff("Name\tCity\nAnna\tRome, Italy\n").delimiter, b'\t');
        assert_eq!(sniff("Name|Tags\nAnna|a,b\nBen|c\n").delimiter, b'|');
        assert_eq!(sniff("First,Tags\nAnna,a|b|c\nBen,d|e|f\n").delimiter, b',');
    }

    #[test]
    fn quotes_are_found() {
        let quoted = sniff("Name,Address\n\"Meyer, Anna\",\"Main St 1\nBerlin\"\nBen,Rome\n");
        assert_eq!((quoted.delimiter, quoted.quote), (b',', Some(b'"')));
        let stray = sniff("Name,Size\n\"Big,5\nSmall,3\nTiny,1\nHuge,9\n");
        assert_eq!((stray.delimiter, stray.quote), (b',', None));
        let single = sniff("'Name','City'\n'Meyer, Anna','Rome'\n'Ben','Oslo'\n");
        assert_eq!((single.delimiter, single.quote), (b',', Some(b'\'')));
    }

    #[test]
    fn a_cut_last_record_is_left_out() {
        let sample = "a;b;c\n1;2;3\n4;5;6\n7;8";
        let cut = sniff_dialect(sample.as_bytes(), false, DialectHints::default());
        assert_eq!((cut.delimiter, cut.columns), (b';', 3));
    }

    #[test]
    fn headers_are_told_from_data() {
        assert!(sniff("First Name,Email\nAnna,anna@example.com\n").has_header);
        assert!(!sniff("Anna,anna@example.com\nBen,ben@example.com\n").has_header);
        assert!(!sniff("1,2,3\n").has_header);
        assert!(!sniff("Anna,,+49 151 2345678\n").has_header);
        assert!(sniff("id,,email\n1,x,a@b.de\n").has_header);
        assert!(!sniff("Anna,,Rome\nBen,x,Oslo\n").has_header);
        assert!(sniff("Email\n").has_header);
        assert!(
            !sniff_dialect(b"Name,Email\n", true, DialectHints { has_header: Some(false), delimiter: None })
                .has_header
        );
    }

    #[test]
    fn a_given_delimiter_is_kept() {
        let hints = DialectHints { delimiter: Some(b'|'), has_header: None };
        assert_eq!(sniff_dialect(b"a,b\n1,2\n", true, hints).delimiter, b'|');
    }

    #[test]
    fn one_column_and_empty_samples() {
        assert_eq!(sniff("Email\na@b.de\n"), Dialect { columns: 1, ..Dialect::default() });
        assert_eq!(sniff(""), Dialect { columns: 0, ..Dialect::default() });
    }

    #[test]
    fn data_cells() {
        for data in [
            "anna@example.com",
            "+49 (151) 234-567",
            "1,50",
            "2025-03-04",
            "03/04/2025",
            "https://x.org",
            "TRUE",
        ] {
            assert!(looks_like_data(data), "{data}");
        }
        for text in ["Email", "E-Mail", "Phone 1 - Value", "Column 7", "@handle", "Name (2)"] {
            assert!(!looks_like_data(text), "{text}");
        }
    }
}
