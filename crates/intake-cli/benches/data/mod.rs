//! The benchmark file, shared by the import and API benchmarks: a deterministic CSV of
//! realistically messy German contacts with every column kind a customer file has.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, ensure};
use intake_benchdata::{Contacts, HEADERS, Rng, Spelling, Words, ascii_fold, mib, thousands};

/// The release `intake` binary that cargo built for this bench.
const INTAKE: &str = env!("CARGO_BIN_EXE_intake");
const SEED: u64 = 0x1a7a_ce5e_ed20_2611;
/// The extra columns' own generator, so that the first 11 columns are the plain data set's.
pub const EXTRA_SEED: u64 = 0x7a65_5eed_0000_0013;

/// Which columns the benchmark file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSet {
    /// The 11 columns of `HEADERS`, then `Tags` and `Employees` (an integer custom field).
    Tagged,
    /// The 11 columns of `HEADERS` alone: the data set of the earlier figures.
    Plain,
}

impl DataSet {
    pub fn from_env() -> anyhow::Result<DataSet> {
        match std::env::var("INTAKE_BENCH_DATA").as_deref() {
            Err(_) | Ok("tagged") => Ok(DataSet::Tagged),
            Ok("plain") => Ok(DataSet::Plain),
            Ok(other) => anyhow::bail!("INTAKE_BENCH_DATA={other:?}: use tagged (the default) or plain"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            DataSet::Tagged => "13 columns: with Tags and an integer custom field",
            DataSet::Plain => "11 columns: INTAKE_BENCH_DATA=plain, no tags or custom field",
        }
    }

    /// Declares, in the store at `db`, the custom field the file's `Employees` column maps to
    /// (not timed).
    pub fn prepare_store(self, db: &Path) -> anyhow::Result<()> {
        if self == DataSet::Plain {
            return Ok(());
        }
        let status = Command::new(INTAKE)
            .arg("--db")
            .arg(db)
            .args(["fields", "add", "employees", "--type", "integer", "--label", "Employees"])
            .stdout(Stdio::null())
            .status()
            .context("running intake fields add")?;
        ensure!(status.success(), "intake fields add employees exited with {status}");
        Ok(())
    }
}

/// `intake import CSV` into `db` as every bench runs it (add-update by e-mail, phones read in
/// Germany, the JSON summary on standard output, the results file at `results`).
pub fn import_command(db: &Path, csv: &Path, results: &Path) -> Command {
    let mut command = Command::new(INTAKE);
    command.arg("--db").arg(db).arg("import").arg(csv);
    command.args(["--purpose", "add-update", "--identifier", "email", "--default-region", "DE", "--json"]);
    command.arg("--results").arg(results);
    command
}

/// The JSON summary `intake … --json` printed last on `stdout`.
pub fn json_summary<T: serde::de::DeserializeOwned>(stdout: &str) -> anyhow::Result<T> {
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).context("intake printed nothing")?;
    serde_json::from_str(line).with_context(|| format!("intake's output is not the expected JSON: {line}"))
}

/// The bench's file in a new temporary directory named `prefix…`: `rows` rows of `data`, said
/// on standard output with what the bench is (`title`). Returns the directory (deleted when
/// dropped) and the file's path.
pub fn bench_file(
    prefix: &str,
    title: &str,
    rows: u64,
    data: DataSet,
) -> anyhow::Result<(tempfile::TempDir, std::path::PathBuf)> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().context("a temporary directory")?;
    let csv = dir.path().join("contacts.csv");
    println!("{title}: {} rows ({}) in {}", thousands(rows), data.describe(), dir.path().display());
    let started = std::time::Instant::now();
    let bytes = generate_csv(&csv, rows, data, EXTRA_SEED)?;
    println!(
        "generated {} ({:.1} MiB) in {:.1} s",
        csv.display(),
        mib(bytes),
        started.elapsed().as_secs_f64()
    );
    Ok((dir, csv))
}

/// Writes the benchmark file and returns its size in bytes.
/// The extra columns come from `extra_seed`.
pub fn generate_csv(path: &Path, rows: u64, data: DataSet, extra_seed: u64) -> anyhow::Result<u64> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    let mut extra = Extra { rng: Rng::new(extra_seed), tags: String::new(), employees: String::new() };
    match data {
        DataSet::Tagged => writer.write_record(HEADERS.iter().chain(&["Tags", "Employees"]))?,
        DataSet::Plain => writer.write_record(HEADERS)?,
    }
    let mut contacts = Contacts::new(SEED, WORDS, Messy { recent: Vec::with_capacity(RECENT) });
    for _ in 0..rows {
        let contact = contacts.next_contact();
        let written = match data {
            DataSet::Tagged => {
                extra.next();
                let cells =
                    contact.iter().map(String::as_str).chain([extra.tags.as_str(), extra.employees.as_str()]);
                writer.write_record(cells)
            }
            DataSet::Plain => writer.write_record(contact),
        };
        written.with_context(|| format!("writing {}", path.display()))?;
    }
    writer.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Tags as CRMs name them, in the case people type them: a tag in two spellings is one tag.
const TAGS: &[&str] = &[
    "VIP",
    "vip",
    "Newsletter",
    "Messe 2026",
    "Lead",
    "Partner",
    "Kunde",
    "B2B",
    "B2C",
    "Webinar",
    "Presse",
    "Inaktiv",
    "Event Berlin",
    "Empfehlung",
];

/// The cells of the extra columns, from a generator of their own.
struct Extra {
    rng: Rng,
    tags: String,
    employees: String,
}

impl Extra {
    /// 1 to 3 tags joined by `|`; a company size in 70 % of rows, from 1 to 50,000.
    fn next(&mut self) {
        self.tags.clear();
        for i in 0..1 + self.rng.below(3) {
            if i > 0 {
                self.tags.push('|');
            }
            self.tags.push_str(self.rng.pick(TAGS));
        }
        self.employees.clear();
        if self.rng.chance(700) {
            let _ = write!(self.employees, "{}", 1 + self.rng.below(50_000));
        }
    }
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
    "Maximilian",
    "Hannah",
    "Elias",
    "Mia",
    "Ben",
    "Lea",
    "Finn",
    "Johanna",
    "Noah",
    "Charlotte",
    "Luis",
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
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Öztürk",
    "Yılmaz",
    "Kowalski",
    "Nguyen",
    "Weiß",
    "Groß",
    "von Bülow",
    "Dupont",
    "García",
    "O'Brien",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "gmx.de",
    "web.de",
    "t-online.de",
    "outlook.com",
    "yahoo.de",
    "posteo.de",
    "mailbox.org",
    "freenet.de",
    "icloud.com",
    "firma-example.de",
    "acme-gmbh.de",
    "müller-bau.de",
];
const COMPANIES: &[&str] = &[
    "Acme GmbH",
    "Müller & Söhne GmbH",
    "Schmidt, Weber & Partner",
    "Nordlicht AG",
    "Bäckerei Krause",
    "Stadtwerke Example",
    "TechStart UG (haftungsbeschränkt)",
    "Globex Europe B.V.",
    "Initech GmbH & Co. KG",
    "Freelancer",
    "Universität Example",
    "Café \"Zum Löwen\"",
];
const JOB_TITLES: &[&str] = &[
    "CEO",
    "Geschäftsführerin",
    "Head of Marketing",
    "Software Engineer",
    "Einkauf",
    "Sales Manager",
    "Projektleiter",
    "Assistant",
    "CTO",
    "Student",
    "Buchhaltung",
    "Office Manager",
];
const CITIES: &[&str] = &[
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dortmund",
    "Essen",
    "Bremen",
    "Dresden",
    "Hannover",
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
    "VIP",
];
const SUBSCRIPTIONS: &[&str] =
    &["subscribed", "subscribed", "subscribed", "subscribed", "none", "none", "unsubscribed", "", "", "", ""];
/// German mobile prefixes with their subscriber number lengths.
const MOBILE: &[(&str, usize)] = &[
    ("151", 8),
    ("152", 8),
    ("157", 8),
    ("159", 8),
    ("160", 8),
    ("162", 7),
    ("163", 7),
    ("170", 7),
    ("172", 8),
    ("175", 7),
    ("176", 8),
    ("179", 7),
];
/// German area codes with their subscriber number lengths.
const LANDLINE: &[(&str, usize)] = &[
    ("30", 8),
    ("40", 8),
    ("89", 8),
    ("69", 8),
    ("221", 7),
    ("211", 7),
    ("711", 7),
    ("341", 7),
    ("351", 7),
    ("511", 7),
];
const GARBAGE_PHONES: &[&str] =
    &["n/a", "12ab", "-", "call me", "0000", "+49 123", "tel: unbekannt", "#REF!"];
const BAD_EMAILS: &[&str] = &["{} at {}", "{}@", "@{}", "{}@@{}", "{}@localhost", "{}@{}."];
const IMPOSSIBLE_DATES: &[&str] =
    &["1990-02-31", "1985-04-31", "2001-13-01", "1979-00-10", "1992-06-31", "1970-02-29"];
/// How many recent addresses a repeated e-mail is taken from.
const RECENT: usize = 4096;

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

/// This bench's addresses and numbers: every spelling of German numbers, a few invalid
/// addresses, and some addresses repeated in another case (to be found as duplicates).
struct Messy {
    /// Addresses a later row may repeat.
    recent: Vec<String>,
}

impl Spelling for Messy {
    /// A distinct address (the row number makes it unique), or in a few rows an empty, invalid
    /// or repeated (in another case) one.
    fn email(&mut self, rng: &mut Rng, out: &mut String, i: u64, first: &str, last: &str) {
        let roll = rng.below(1000);
        if roll < 5 && !self.recent.is_empty() {
            let earlier = &self.recent[rng.below(self.recent.len() as u64) as usize];
            let variant = change_case(earlier, rng.chance(500));
            *out = if variant == *earlier { earlier.to_uppercase() } else { variant };
            return;
        }
        if roll < 8 {
            return;
        }
        let local = local_part(rng, i, first, last);
        let domain = rng.pick(DOMAINS);
        if roll < 18 {
            *out = rng.pick(BAD_EMAILS).replacen("{}", &local, 1).replacen("{}", domain, 1);
            return;
        }
        *out = format!("{local}@{domain}");
        if rng.chance(150) {
            *out = change_case(out, false);
        }
        self.remember(rng, out.clone());
    }

    /// A mobile (70 %) or landline number, spelled one of the ways people and spreadsheets
    /// spell them.
    fn phone(&mut self, rng: &mut Rng, out: &mut String) {
        let plan = if rng.chance(700) { MOBILE } else { LANDLINE };
        let (prefix, subscriber) = rng.phone_number(plan);
        let (head, tail) = subscriber.split_at(3);
        let _ = match rng.below(9) {
            0 => write!(out, "+49 {prefix} {subscriber}"),
            1 => write!(out, "0049{prefix}{subscriber}"),
            2 => write!(out, "0{prefix} {subscriber}"),
            3 => write!(out, "{prefix}{subscriber}"),
            4 => write!(out, "(0{prefix}) {head}-{} {}", &tail[..3], &tail[3..]),
            5 => write!(out, "+49 (0){prefix} {head} {tail}"),
            6 => write!(out, "0{prefix}/{subscriber}"),
            7 => write!(out, "+49-{prefix}-{subscriber}"),
            _ => write!(out, "+49{prefix}{subscriber}"),
        };
    }
}

impl Messy {
    fn remember(&mut self, rng: &mut Rng, email: String) {
        if self.recent.len() < RECENT {
            self.recent.push(email);
        } else {
            let slot = rng.below(RECENT as u64) as usize;
            self.recent[slot] = email;
        }
    }
}

/// `anna.mueller42`, `amueller42`, `anna_mueller42` or `mueller.anna42`: the row number
/// at the end keeps every address distinct (the names hold no digits).
fn local_part(rng: &mut Rng, i: u64, first: &str, last: &str) -> String {
    let (first, last) = (ascii_fold(first), ascii_fold(last));
    match rng.below(4) {
        0 => format!("{first}.{last}{i}"),
        1 => format!("{}{last}{i}", &first[..1]),
        2 => format!("{first}_{last}{i}"),
        _ => format!("{last}.{first}{i}"),
    }
}

/// The same address in another case: all upper case, or each word capitalized.
fn change_case(email: &str, upper: bool) -> String {
    if upper {
        return email.to_uppercase();
    }
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = matches!(c, '.' | '_' | '@');
    }
    out
}
