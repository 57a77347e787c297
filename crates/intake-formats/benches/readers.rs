//! Reader benchmark: how fast, and in how much heap, each reader of `intake-formats` reads a
//! large file, beside the UTF-8 CSV figure measured in the same run.
//!
//! It generates one deterministic set of `INTAKE_BENCH_ROWS` contacts (200,000 by default;
//! 11 columns: names with umlauts, e-mail addresses, German phone numbers in every common
//! spelling, company, job title, city, country, birthday, notes with commas, quotes and line
//! breaks, e-mail subscription) and writes the same contacts, into a temporary directory, as
//!
//! 1. UTF-8 CSV with `,` (the reference of the `vs CSV` column),
//! 2. Windows-1252 CSV with `;` and CRLF, as a German Excel saves "CSV (Trennzeichen-getrennt)"
//!    (characters Windows-1252 lacks become `?`, as Excel writes them),
//! 3. XLSX (`rust_xlsxwriter`; phones that Excel would take for numbers as number cells,
//!    valid birthdays as date cells),
//! 4. vCard 3.0, one card per contact,
//! 5. the same vCard 3.0 with a 50 KB base64 PHOTO, folded over lines, in one card of 200.
//!
//! For each file it opens the source (timed on its own) and reads every record twice, as the
//! import pipeline does (two full passes of `Source::records` into one reused `Record`). It
//! prints: file size, open time, rows/s of each pass, MB/s (10^6 bytes of the file per second,
//! over both passes), the rows/s relative to the UTF-8 CSV, and the peak heap above what was
//! allocated before the open, from open to the end of the second pass (a counting global
//! allocator in this binary; its atomic counters cost every format alike).
//!
//! It fails when a reader returns an error, a row count other than `INTAKE_BENCH_ROWS`, a row
//! with a problem, or different data in its two passes.
//!
//! Run it with `cargo bench -p intake-formats --bench readers`, or for a quick check with
//! `INTAKE_BENCH_ROWS=20000 cargo bench -p intake-formats --bench readers`. The files go to
//! `TMPDIR` (about 400 MB for the default 200,000 rows) and are deleted at the end unless
//! `INTAKE_BENCH_KEEP` is set (to profile or inspect them). See `docs/benchmarks-readers.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use intake_benchdata::{
    Contacts, HEADERS, Rng, Spelling, Words, ascii_fold, count_from_env, days_in_month, mib, thousands,
};
use intake_core::read::{Record, Source};
use intake_formats::csv::{CsvOptions, CsvSource};
use intake_formats::export::vcard_text::{escape, push_line, push_line_if};
use intake_formats::sheet::{SheetOptions, SheetSource};
use intake_formats::vcard::{VcardOptions, VcardSource};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

const DEFAULT_ROWS: u64 = 200_000;
const SEED: u64 = 0x1a7a_ce5e_ed20_2611;
/// The most data rows an XLSX sheet holds (Excel's 1,048,576 rows, less the header).
const MAX_XLSX_ROWS: u64 = 1_048_575;
/// One card in this many carries a photo in the "with photos" vCard file.
const PHOTO_EVERY: u64 = 200;
/// Length of a photo's base64 text (about 37 KB of image bytes).
const PHOTO_BASE64_BYTES: usize = 50_000;

// ---------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grew(by: usize) {
        let now = IN_USE.fetch_add(by, Ordering::Relaxed) + by;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }

    fn shrank(by: usize) {
        IN_USE.fetch_sub(by, Ordering::Relaxed);
    }

    /// Starts a new peak at the bytes in use now, and returns them.
    fn reset_peak() -> usize {
        let now = IN_USE.load(Ordering::Relaxed);
        PEAK.store(now, Ordering::Relaxed);
        now
    }

    fn peak() -> usize {
        PEAK.load(Ordering::Relaxed)
    }
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Counting::grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Counting::grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) };
        Counting::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is checked by the caller.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                Counting::grew(new_size - layout.size());
            } else {
                Counting::shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

fn main() -> anyhow::Result<()> {
    let rows = count_from_env("INTAKE_BENCH_ROWS", DEFAULT_ROWS).map_err(anyhow::Error::msg)?;
    ensure!(
        rows <= MAX_XLSX_ROWS,
        "INTAKE_BENCH_ROWS={rows} does not fit one XLSX sheet (at most {MAX_XLSX_ROWS} data rows)"
    );
    let dir = tempfile::Builder::new()
        .prefix("intake-bench-readers-")
        .tempdir()
        .context("creating a temporary directory")?;
    let paths = Paths::new(dir.path());
    println!("intake reader benchmark: {} rows in {}", thousands(rows), dir.path().display());

    let started = Instant::now();
    generate(&paths, rows)?;
    println!("generated the files in {:.1} s", started.elapsed().as_secs_f64());

    let csv_open = |path: &Path| -> anyhow::Result<(Box<dyn Source>, String)> {
        let source = CsvSource::open(path, CsvOptions::default())?;
        let described = source.describe();
        Ok((Box::new(source), described))
    };
    let results = [
        measure("CSV UTF-8 ,", &paths.csv_utf8, rows, csv_open)?,
        measure("CSV Windows-1252 ;", &paths.csv_1252, rows, csv_open)?,
        measure("XLSX", &paths.xlsx, rows, |path| {
            let source = SheetSource::open(path, SheetOptions::default())?;
            let described = format!("{:?}, sheet {:?}", source.format(), source.sheet());
            Ok((Box::new(source), described))
        })?,
        measure("vCard 3.0", &paths.vcf, rows, vcard_open)?,
        measure("vCard 3.0 + photos", &paths.vcf_photos, rows, vcard_open)?,
    ];
    print_table(&results);
    if std::env::var_os("INTAKE_BENCH_KEEP").is_some() {
        println!("kept {} (INTAKE_BENCH_KEEP is set)", dir.keep().display());
    }
    Ok(())
}

fn vcard_open(path: &Path) -> anyhow::Result<(Box<dyn Source>, String)> {
    let source = VcardSource::open(path, VcardOptions::default())?;
    Ok((Box::new(source), "vCard".to_string()))
}

/// The files of one run, all inside the temporary directory.
struct Paths {
    csv_utf8: PathBuf,
    csv_1252: PathBuf,
    xlsx: PathBuf,
    vcf: PathBuf,
    vcf_photos: PathBuf,
}

impl Paths {
    fn new(dir: &Path) -> Paths {
        Paths {
            csv_utf8: dir.join("contacts-utf8.csv"),
            csv_1252: dir.join("contacts-1252.csv"),
            xlsx: dir.join("contacts.xlsx"),
            vcf: dir.join("contacts.vcf"),
            vcf_photos: dir.join("contacts-photos.vcf"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Measuring one reader
// ---------------------------------------------------------------------------------------

/// How one reader went.
struct Measured {
    label: &'static str,
    file_bytes: u64,
    open: Duration,
    passes: [Duration; 2],
    rows: u64,
    /// Peak heap above the bytes in use before the open.
    peak_heap: usize,
}

/// Opens `path` with `open` and reads all its records twice, checking the counts.
fn measure(
    label: &'static str,
    path: &Path,
    rows: u64,
    open: impl FnOnce(&Path) -> anyhow::Result<(Box<dyn Source>, String)>,
) -> anyhow::Result<Measured> {
    let file_bytes = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?.len();
    let baseline = Counting::reset_peak();
    let started = Instant::now();
    let (source, described) = open(path).with_context(|| format!("{label}: opening {}", path.display()))?;
    let open_time = started.elapsed();
    let mut passes = [Duration::ZERO; 2];
    let mut sums = [0u64; 2];
    let mut record = Record::default();
    for pass in 0..2 {
        let started = Instant::now();
        let mut stream = source.records().with_context(|| format!("{label}: pass {}", pass + 1))?;
        let (mut count, mut sum) = (0u64, 0u64);
        while stream.next_record(&mut record).with_context(|| format!("{label}: pass {}", pass + 1))? {
            count += 1;
            if let Some(problem) = &record.problem {
                bail!("{label}: row {} has a problem: {problem}", record.row);
            }
            // Touch every cell, so that the read cannot be skipped.
            sum = sum.wrapping_add(record.row).wrapping_add(record.iter().map(|c| c.len() as u64).sum());
        }
        passes[pass] = started.elapsed();
        sums[pass] = black_box(sum);
        drop(stream);
        ensure!(count == rows, "{label}: pass {} read {count} rows, the file has {rows}", pass + 1);
    }
    drop(source);
    let peak_heap = Counting::peak().saturating_sub(baseline);
    ensure!(sums[0] == sums[1], "{label}: the two passes read different data");
    println!("read {label}: {described}");
    Ok(Measured { label, file_bytes, open: open_time, passes, rows, peak_heap })
}

fn print_table(results: &[Measured]) {
    let rate = |m: &Measured| 2.0 * m.rows as f64 / (m.passes[0] + m.passes[1]).as_secs_f64();
    let reference = results.first().map(rate).unwrap_or(f64::NAN);
    println!();
    println!(
        "{:<20} {:>9} {:>8} {:>14} {:>14} {:>8} {:>8} {:>10}",
        "format", "file MiB", "open s", "pass 1 rows/s", "pass 2 rows/s", "MB/s", "vs CSV", "peak MiB"
    );
    for m in results {
        let per_pass = |d: Duration| thousands((m.rows as f64 / d.as_secs_f64()).round() as u64);
        let both = (m.passes[0] + m.passes[1]).as_secs_f64();
        println!(
            "{:<20} {:>9.1} {:>8.3} {:>14} {:>14} {:>8.1} {:>7.2}× {:>10.1}",
            m.label,
            mib(m.file_bytes),
            m.open.as_secs_f64(),
            per_pass(m.passes[0]),
            per_pass(m.passes[1]),
            2.0 * m.file_bytes as f64 / both / 1e6,
            rate(m) / reference,
            mib(m.peak_heap as u64),
        );
    }
    println!();
    println!("vs CSV: rows/s over both passes relative to CSV UTF-8 (below 1 is slower).");
    println!("peak MiB: heap from the open to the end of the second pass, above what was in use before.");
}

// ---------------------------------------------------------------------------------------
// The benchmark files
// ---------------------------------------------------------------------------------------

/// Writes all the files from one pass over the generated contacts.
fn generate(paths: &Paths, rows: u64) -> anyhow::Result<()> {
    let create = |path: &Path| -> anyhow::Result<BufWriter<File>> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, file))
    };
    let mut utf8 = csv::Writer::from_writer(create(&paths.csv_utf8)?);
    let mut ansi = Windows1252Csv::new(create(&paths.csv_1252)?);
    let mut vcf = create(&paths.vcf)?;
    let mut vcf_photos = create(&paths.vcf_photos)?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("dd.mm.yyyy");

    utf8.write_record(HEADERS)?;
    ansi.write(&HEADERS)?;
    for (col, header) in (0u16..).zip(HEADERS) {
        sheet.write_string(0, col, header)?;
    }
    let photo = photo_base64();
    let mut contacts = Contacts::new(SEED, WORDS, Tidy);
    let mut card = String::new();
    for i in 0..rows {
        let fields = contacts.next_contact();
        utf8.write_record(fields)?;
        ansi.write(fields)?;
        write_xlsx_row(sheet, u32::try_from(i + 1)?, fields, &date)?;
        vcard_30(&mut card, fields, None);
        vcf.write_all(card.as_bytes())?;
        let with_photo = (i % PHOTO_EVERY == PHOTO_EVERY / 2).then_some(photo.as_str());
        if with_photo.is_some() {
            vcard_30(&mut card, fields, with_photo);
        }
        vcf_photos.write_all(card.as_bytes())?;
    }
    utf8.flush()?;
    ansi.finish()?;
    vcf.flush()?;
    vcf_photos.flush()?;
    workbook.save(&paths.xlsx).with_context(|| format!("writing {}", paths.xlsx.display()))?;
    Ok(())
}

/// `;`-separated CSV with CRLF in Windows-1252, characters it lacks written as `?`: the CSV
/// is written as UTF-8 in memory and encoded at the end.
struct Windows1252Csv {
    text: csv::Writer<Vec<u8>>,
    out: BufWriter<File>,
}

impl Windows1252Csv {
    fn new(out: BufWriter<File>) -> Windows1252Csv {
        let text = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        Windows1252Csv { text, out }
    }

    fn write<S: AsRef<str>>(&mut self, fields: &[S]) -> anyhow::Result<()> {
        self.text.write_record(fields.iter().map(|f| f.as_ref().as_bytes()))?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        let utf8 = self.text.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))?;
        let mut rest = std::str::from_utf8(&utf8)?;
        let mut encoder = encoding_rs::WINDOWS_1252.new_encoder();
        let mut encoded = Vec::with_capacity(rest.len());
        loop {
            let (result, read) =
                encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut encoded, true);
            rest = &rest[read..];
            match result {
                encoding_rs::EncoderResult::InputEmpty => break,
                encoding_rs::EncoderResult::Unmappable(_) => encoded.push(b'?'),
                encoding_rs::EncoderResult::OutputFull => encoded.reserve(rest.len() + 16),
            }
        }
        self.out.write_all(&encoded)?;
        self.out.flush()?;
        Ok(())
    }
}

/// One contact as an XLSX row: phones that Excel takes for numbers (digits, maybe after one
/// `+`) as numbers, valid birthdays as dates, everything else as text.
fn write_xlsx_row(
    sheet: &mut Worksheet,
    row: u32,
    fields: &[String; 11],
    date: &Format,
) -> anyhow::Result<()> {
    for (col, value) in (0u16..).zip(fields) {
        if value.is_empty() {
            continue;
        }
        if col == 3 {
            let digits = value.strip_prefix('+').unwrap_or(value);
            if digits.bytes().all(|b| b.is_ascii_digit())
                && let Ok(number) = digits.parse::<u64>()
            {
                sheet.write_number(row, col, number as f64)?;
                continue;
            }
        }
        if col == 8
            && let Some((year, month, day)) = valid_date(value)
        {
            sheet.write_datetime_with_format(row, col, ExcelDateTime::from_ymd(year, month, day)?, date)?;
            continue;
        }
        sheet.write_string(row, col, value)?;
    }
    Ok(())
}

/// `yyyy-mm-dd` as numbers, when it is a real date.
fn valid_date(text: &str) -> Option<(u16, u8, u8)> {
    let mut parts = text.split('-');
    let year: u16 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let real =
        (1..=12).contains(&month) && day >= 1 && u64::from(day) <= days_in_month(year.into(), month.into());
    real.then_some((year, month, day))
}

/// One contact as a vCard 3.0 card (CRLF, lines folded at 75 octets) into `card`, with a
/// base64 PHOTO when `photo` is given.
fn vcard_30(card: &mut String, f: &[String; 11], photo: Option<&str>) {
    card.clear();
    card.push_str("BEGIN:VCARD\r\nVERSION:3.0\r\n");
    let (first, last) = (&f[0], &f[1]);
    let full = if first.is_empty() { escape(last) } else { format!("{} {}", escape(first), escape(last)) };
    push_line(card, "FN", &full);
    push_line(card, "N", &format!("{};{};;;", escape(last), escape(first)));
    push_line_if(card, "EMAIL;TYPE=INTERNET", &f[2]);
    push_line_if(card, "TEL;TYPE=CELL", &f[3]);
    push_line_if(card, "ORG", &escape(&f[4]));
    push_line_if(card, "TITLE", &escape(&f[5]));
    if !f[6].is_empty() || !f[7].is_empty() {
        push_line(card, "ADR;TYPE=WORK", &format!(";;;{};;;{}", escape(&f[6]), escape(&f[7])));
    }
    push_line_if(card, "BDAY", &f[8]);
    push_line_if(card, "NOTE", &escape(&f[9]));
    push_line_if(card, "X-EMAIL-SUBSCRIPTION", &f[10]);
    if let Some(photo) = photo {
        push_line(card, "PHOTO;ENCODING=b;TYPE=JPEG", photo);
    }
    card.push_str("END:VCARD\r\n");
}

/// The base64 text of a deterministic pseudo-random "photo" of `PHOTO_BASE64_BYTES`.
fn photo_base64() -> String {
    let mut rng = Rng::new(SEED ^ 0x9e37_79b9_7f4a_7c15);
    let bytes: Vec<u8> = (0..PHOTO_BASE64_BYTES / 4 * 3).map(|_| rng.next_u64() as u8).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Bruno",
    "Clara",
    "Dieter",
    "Eva",
    "Felix",
    "Greta",
    "Hans",
    "Ingrid",
    "Jürgen",
    "Katrin",
    "Lukas",
    "Marie",
    "Niklas",
    "Olga",
    "Paul",
    "Renate",
    "Sören",
    "Tanja",
    "Uwe",
    "Vanessa",
    "Wolfgang",
    "Yasemin",
    "Zoë",
    "Özlem",
    "Mehmet",
    "Sophie",
    "Leon",
    "Emma",
    "Jonas",
    "Lena",
    "Hannah",
    "Amélie",
    "René",
    "Agnieszka",
];
const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Krüger",
    "Öztürk",
    "Yılmaz",
    "Kowalski",
    "Nguyen",
    "Weiß",
    "Groß",
    "von Bülow",
    "García",
    "O'Brien",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "gmx.de",
    "web.de",
    "t-online.de",
    "outlook.com",
    "posteo.de",
    "mailbox.org",
    "firma-example.de",
    "müller-bau.de",
];
const COMPANIES: &[&str] = &[
    "Acme GmbH",
    "Müller & Söhne GmbH",
    "Schmidt, Weber & Partner",
    "Nordlicht AG",
    "Bäckerei Krause",
    "TechStart UG (haftungsbeschränkt)",
    "Initech GmbH & Co. KG",
    "Freelancer",
    "Café \"Zum Löwen\"",
];
const JOB_TITLES: &[&str] = &[
    "CEO",
    "Geschäftsführerin",
    "Head of Marketing",
    "Software Engineer",
    "Einkauf",
    "Projektleiter",
    "Buchhaltung",
    "Office Manager",
];
const CITIES: &[&str] = &[
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Düsseldorf",
    "Leipzig",
    "Nürnberg",
    "Wien",
    "Zürich",
];
const NOTES: &[&str] = &[
    "Met at the fair",
    "Prefers e-mail",
    "Call back after 5pm",
    "Wants a demo, \"asap\"",
    "Interested in plan pro, budget Q3",
    "Kontakt über Empfehlung von Frau Groß",
    "Line one\nline two of a multi-line note",
    "VIP; Rückruf erwünscht",
];
const SUBSCRIPTIONS: &[&str] = &["subscribed", "subscribed", "subscribed", "none", "unsubscribed", "", ""];
/// German mobile prefixes and area codes with their subscriber number lengths.
const PREFIXES: &[(&str, usize)] = &[
    ("151", 8),
    ("157", 8),
    ("160", 8),
    ("162", 7),
    ("170", 7),
    ("176", 8),
    ("179", 7),
    ("30", 8),
    ("40", 8),
    ("89", 8),
    ("221", 7),
    ("711", 7),
];
const GARBAGE_PHONES: &[&str] = &["n/a", "-", "call me", "+49 123", "tel: unbekannt"];
const IMPOSSIBLE_DATES: &[&str] = &["1990-02-31", "1985-04-31", "2001-13-01"];

const WORDS: Words = Words {
    first_names: FIRST_NAMES,
    last_names: LAST_NAMES,
    companies: COMPANIES,
    job_titles: JOB_TITLES,
    cities: CITIES,
    notes: NOTES,
    subscriptions: SUBSCRIPTIONS,
    garbage_phones: GARBAGE_PHONES,
    impossible_dates: IMPOSSIBLE_DATES,
};

/// This bench's addresses and numbers: distinct addresses, and German numbers in the
/// spellings the readers meet.
struct Tidy;

impl Spelling for Tidy {
    /// A distinct address (the contact's number, from 1, makes it unique), empty in 1% of rows.
    fn email(&mut self, rng: &mut Rng, out: &mut String, index: u64, first: &str, last: &str) {
        if rng.chance(10) {
            return;
        }
        let (first, last, i) = (ascii_fold(first), ascii_fold(last), index + 1);
        let domain = rng.pick(DOMAINS);
        let _ = match rng.below(3) {
            0 => write!(out, "{first}.{last}{i}@{domain}"),
            1 => write!(out, "{}{last}{i}@{domain}", &first[..1.min(first.len())]),
            _ => write!(out, "{last}_{first}{i}@{domain}"),
        };
    }

    /// A mobile or landline number spelled one of the ways people and spreadsheets spell them.
    fn phone(&mut self, rng: &mut Rng, out: &mut String) {
        let (prefix, subscriber) = rng.phone_number(PREFIXES);
        let (head, tail) = subscriber.split_at(3);
        let _ = match rng.below(8) {
            0 => write!(out, "+49 {prefix} {subscriber}"),
            1 => write!(out, "0049{prefix}{subscriber}"),
            2 => write!(out, "0{prefix} {subscriber}"),
            3 => write!(out, "49{prefix}{subscriber}"),
            4 => write!(out, "(0{prefix}) {head}-{tail}"),
            5 => write!(out, "0{prefix}/{subscriber}"),
            6 => write!(out, "+49-{prefix}-{subscriber}"),
            _ => write!(out, "+49{prefix}{subscriber}"),
        };
    }
}
