//! Command-line flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Import contacts from files into a contact store, without losing a row, duplicating a
/// person, or re-subscribing anyone who said no.
#[derive(Debug, Parser)]
#[command(name = "intake", version, about)]
pub struct Cli {
    /// The SQLite database file (created on first use) [default: intake.db; for `serve`, the
    /// `db` key of its settings file, else intake.db].
    #[arg(long, global = true, env = "INTAKE_DB")]
    pub db: Option<PathBuf>,
    /// The workspace inside the database.
    #[arg(long, global = true, default_value = "default")]
    pub workspace: String,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import contacts from CSV or text (encoding and dialect found from the file), a
    /// spreadsheet or a vCard file.
    Import(Box<ImportArgs>),
    /// List, resume or undo imports.
    #[command(subcommand)]
    Imports(ImportsCommand),
    /// Declare and list custom fields.
    #[command(subcommand)]
    Fields(FieldsCommand),
    /// Export or delete contacts.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Read and change workspace settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// See how a file's columns would be mapped, and save a mapping for recurring imports.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Start the HTTP API (and, on first start, print an admin key for workspace default).
    Serve(ServeArgs),
    /// Run the store's queued reviews and imports, and the notifications, without the API:
    /// another process beside `intake serve` (same settings).
    Worker(ServeArgs),
    /// Create, list and revoke the service's API keys (of --workspace).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Add, list and remove the people who sign in to the web pages (of --workspace).
    #[command(subcommand)]
    Users(UsersCommand),
}

/// The store used when `--db` is not given.
pub const DEFAULT_DB: &str = "intake.db";

/// `intake serve`: a flag wins over its `INTAKE_…` variable, which wins over the settings
/// file, which wins over the default (docs/configuration.md lists every setting).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The settings file (TOML) [default: intake.toml, when there is one].
    #[arg(long, env = "INTAKE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: intake_server::config::Settings,
}

/// `intake keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key (and the workspace, if it does not exist); the key is printed once, alone
    /// on the last line.
    Create {
        /// admin (fields, keys, webhooks, settings too) or member (imports and contacts).
        #[arg(long, default_value = "member")]
        role: String,
        /// A note on what the key is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Where the end of an import started with the key is e-mailed.
        #[arg(long)]
        email: Option<String>,
    },
    /// The workspace's keys (never their secrets).
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: requests with it are refused from now on.
    Revoke {
        /// The key's id (`keys list`).
        id: i64,
    },
}

/// `intake users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a person (and the workspace, if it does not exist); the password is asked without
    /// echo, read from standard input with --password-stdin, or none with --no-password.
    Add {
        /// The person's e-mail address: their sign-in name and where sign-in links go.
        email: String,
        /// admin (fields and settings too) or member (imports and contacts).
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long, conflicts_with = "no_password")]
        password_stdin: bool,
        /// No password: the person signs in with one-time links sent by e-mail.
        #[arg(long)]
        no_password: bool,
    },
    /// The workspace's users (never their passwords).
    List,
    /// Remove a person; their sessions end at once.
    Remove {
        /// The person's e-mail address.
        email: String,
    },
}

/// `intake mapping …`
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Per column: header, sample values, the suggested field with its confidence, and the
    /// kind of values found.
    Suggest {
        #[command(flatten)]
        read: ReadArgs,
        /// Region of phone numbers written without a country code (two letters, e.g. DE).
        #[arg(long)]
        default_region: Option<String>,
        /// Print a JSON array, one object per column.
        #[arg(long)]
        json: bool,
    },
    /// Write the mapping an import of this file would use (with --map and --skip applied)
    /// as TOML, for `intake import --mapping FILE.toml`.
    Save {
        #[command(flatten)]
        read: ReadArgs,
        /// Region of phone numbers written without a country code.
        #[arg(long)]
        default_region: Option<String>,
        /// Map a column to a field: "Column Header=field" (repeatable).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        maps: Vec<String>,
        /// Leave a column out (repeatable).
        #[arg(long = "skip", value_name = "HEADER")]
        skips: Vec<String>,
        /// Where to write the mapping.
        #[arg(long)]
        output: PathBuf,
        /// Replace the file at --output if there is one.
        #[arg(long)]
        force: bool,
    },
}

/// The file to read and how (shared by `import` and `mapping`).
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The file: CSV or other delimited text, a spreadsheet (.xlsx, .xls, .ods) or vCards (.vcf).
    pub file: PathBuf,
    /// The sheet of a spreadsheet to read: its name, or its number from 1 (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The cell separator (one character; \t for tab); found from the file when not given.
    #[arg(long)]
    pub delimiter: Option<String>,
    /// The file's text encoding (utf-8, utf-16le, windows-1252, latin1, windows-1251, shift_jis,
    /// gbk … any WHATWG label); found from the file when not given.
    #[arg(long)]
    pub encoding: Option<String>,
    /// The first row is data: name the columns Column 1 … Column N.
    #[arg(long, conflicts_with = "header")]
    pub no_header: bool,
    /// The first row is the header, even if it looks like data.
    #[arg(long)]
    pub header: bool,
    /// A spreadsheet's highest row with data (default 1,048,576, Excel's).
    #[arg(long, value_name = "ROWS")]
    pub max_rows: Option<u32>,
    /// A spreadsheet's highest column with data (default 1,024).
    #[arg(long, value_name = "COLUMNS")]
    pub max_columns: Option<u32>,
    /// The cells an .xls or .ods sheet may be loaded as, empty ones inside its bounds
    /// included (default 10,000,000, about 320 MB).
    #[arg(long, value_name = "CELLS")]
    pub max_sheet_cells: Option<u64>,
    /// The uncompressed size an .xlsx or .ods may have, in MB (default 1,073).
    #[arg(long, value_name = "MB")]
    pub max_unzipped_mb: Option<u64>,
    /// The entries an .xlsx or .ods may have (default 100,000).
    #[arg(long, value_name = "ENTRIES")]
    pub max_zip_entries: Option<u64>,
}

/// Flags of `intake import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// add, update, add-update or add-all.
    #[arg(long, default_value = "add-update")]
    pub purpose: String,
    /// How existing contacts are recognized: email, phone, id or external_id.
    #[arg(long, default_value = "email")]
    pub identifier: String,
    /// Fill only empty fields of existing contacts.
    #[arg(long)]
    pub no_overwrite: bool,
    /// Map a column to a field: "Column Header=field" (repeatable).
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub maps: Vec<String>,
    /// Apply a mapping saved with `intake mapping save` (its maps and skips; --map and
    /// --skip given here win).
    #[arg(long = "mapping", value_name = "FILE.toml")]
    pub mapping_file: Option<PathBuf>,
    /// Leave a column out (repeatable).
    #[arg(long = "skip", value_name = "HEADER")]
    pub skips: Vec<String>,
    /// Tag every imported or updated contact (repeatable).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Do not add the automatic `import-DATE-ID` tag.
    #[arg(long)]
    pub no_import_tag: bool,
    /// Add every imported or updated contact to this static list (repeatable; created if missing; "A,B" is two lists, as for --tag).
    #[arg(long = "list")]
    pub lists: Vec<String>,
    /// Mark every contact of the file unsubscribed on every channel.
    #[arg(long)]
    pub unsubscribe_all: bool,
    /// Let the file re-subscribe contacts who unsubscribed (recorded as forced).
    #[arg(long)]
    pub force_resubscribe: bool,
    /// Make each row's mobile number its WhatsApp number too, unless a column gives one.
    #[arg(long)]
    pub whatsapp_from_mobile: bool,
    /// Region of phone numbers written without a country code (two letters, e.g. DE).
    #[arg(long)]
    pub default_region: Option<String>,
    /// Format of date cells (strftime, e.g. %d/%m/%Y); ISO 8601 yyyy-mm-dd by default.
    #[arg(long)]
    pub date_format: Option<String>,
    /// Run the whole import without writing to the store, and report what it would do.
    #[arg(long)]
    pub dry_run: bool,
    /// Write every row with its Import Status, Errors and Notes to this CSV file.
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// Write the rows with errors, plus an Error column, to this CSV file.
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// Rows per transaction.
    #[arg(long, default_value_t = 50_000)]
    pub batch_size: usize,
    /// Print one JSON object with the counts at the end.
    #[arg(long)]
    pub json: bool,
    /// When another import, resume or undo runs in the workspace, wait for it to end
    /// instead of failing.
    #[arg(long)]
    pub wait: bool,
}

/// `intake imports …`
#[derive(Debug, Subcommand)]
pub enum ImportsCommand {
    /// List the imports of the workspace, newest first.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Finish an import that was interrupted, from its last checkpoint.
    Resume {
        /// The import's id.
        id: i64,
        /// Print one JSON object with the counts at the end.
        #[arg(long)]
        json: bool,
        /// When another import, resume or undo runs in the workspace, wait for it to end.
        #[arg(long)]
        wait: bool,
    },
    /// Undo an import: delete what it created, restore what it overwrote.
    Undo {
        /// The import's id.
        id: i64,
        /// Report what the undo would do, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// When another import, resume or undo runs in the workspace, wait for it to end.
        #[arg(long)]
        wait: bool,
    },
}

/// `intake fields …`
#[derive(Debug, Subcommand)]
pub enum FieldsCommand {
    /// Declare a custom field.
    Add {
        /// Machine name (a-z, 0-9, _).
        name: String,
        /// text, email, phone, date, integer, decimal, boolean, choice, multi_choice or url.
        #[arg(long = "type")]
        field_type: String,
        /// Comma-separated choice ids (choice and multi_choice).
        #[arg(long, value_delimiter = ',')]
        choices: Vec<String>,
        /// Human label (matched against headers too); the name by default.
        #[arg(long)]
        label: Option<String>,
    },
    /// List every field, built-in and custom.
    List,
}

/// `intake contacts …`
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Write the workspace's contacts.
    Export {
        /// Output format: csv (cells that would run as formulas get a leading ') or vcard (4.0).
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file; standard output by default.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Write CSV without the UTF-8 byte-order mark that Excel needs to read UTF-8 (for
        /// programs that do not expect one).
        #[arg(long)]
        no_bom: bool,
    },
    /// Delete a contact; its unsubscribes are kept as a suppression record.
    Delete {
        /// The contact's id.
        #[arg(long, group = "who")]
        id: Option<i64>,
        /// The contact's e-mail.
        #[arg(long, group = "who")]
        email: Option<String>,
        /// The contact's phone.
        #[arg(long, group = "who")]
        phone: Option<String>,
        /// Region of a phone written without a country code.
        #[arg(long)]
        default_region: Option<String>,
    },
}

/// `intake settings …`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print a setting.
    Get {
        /// The setting (require-first-name, default-region).
        key: String,
    },
    /// Change a setting.
    Set {
        /// The setting: require-first-name (yes or no), default-region (DE, US … or none).
        key: String,
        /// Its new value.
        value: String,
    },
}
