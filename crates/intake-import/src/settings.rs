//! From the settings a person gave (the CLI's flags, the service's JSON, with the same names)
//! to validated [`ImportOptions`]: unknown purposes, identifiers and date patterns are refused
//! here, before a row is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use intake_core::identify::IdentifierKind;
use intake_core::map::MappingRequest;
use intake_core::normalize::{list_items, same_name};
use intake_core::plan::{ImportOptions, Purpose};
use intake_store::SqliteStore;

use crate::ImportError;
use crate::input::{self, ReadRequest};

/// An import's settings as given, by the CLI's flag names.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub read: ReadRequest,
    /// `add`, `update`, `add-update` or `add-all`.
    pub purpose: String,
    /// `email`, `phone`, `id` or `external_id`.
    pub identifier: String,
    /// A saved mapping (TOML) to start from.
    pub mapping_file: Option<PathBuf>,
    /// `Header=field`, winning over the saved mapping.
    pub maps: Vec<String>,
    /// Headers left out.
    pub skips: Vec<String>,
    pub no_overwrite: bool,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
    pub unsubscribe_all: bool,
    pub force_resubscribe: bool,
    pub default_region: Option<String>,
    /// A strftime pattern for every date column.
    pub date_format: Option<String>,
    pub batch_size: usize,
    pub whatsapp_from_mobile: bool,
}

impl Default for ImportRequest {
    fn default() -> ImportRequest {
        ImportRequest {
            read: ReadRequest::default(),
            purpose: "add-update".into(),
            identifier: "email".into(),
            mapping_file: None,
            maps: Vec::new(),
            skips: Vec::new(),
            no_overwrite: false,
            tags: Vec::new(),
            lists: Vec::new(),
            unsubscribe_all: false,
            force_resubscribe: false,
            default_region: None,
            date_format: None,
            batch_size: ImportOptions::default().batch_size,
            whatsapp_from_mobile: false,
        }
    }
}

/// The validated options of `request` in `store`'s workspace (its settings count too).
pub fn options_from(store: &SqliteStore, args: &ImportRequest) -> Result<ImportOptions, ImportError> {
    let purpose = Purpose::from_name(&args.purpose).ok_or_else(|| {
        ImportError::Invalid(format!(
            "unknown purpose {:?}: use add, update, add-update or add-all",
            args.purpose
        ))
    })?;
    let identifier = IdentifierKind::from_name(&args.identifier).ok_or_else(|| {
        ImportError::Invalid(format!(
            "unknown identifier {:?}: use email, phone, id or external_id",
            args.identifier
        ))
    })?;
    let mapping = mapping_request(args.mapping_file.as_deref(), &args.maps, &args.skips, identifier)?;
    if let Some(pattern) = &args.date_format {
        check_date_format(pattern)?;
    }
    let require_first_name = store.setting("require-first-name")?.is_none_or(|v| v != "false");
    let reader = input::settings(&args.read)?;
    Ok(ImportOptions {
        purpose,
        identifier,
        overwrite: !args.no_overwrite,
        tags: names_of_flags(&args.tags),
        import_tag: None,
        lists: names_of_flags(&args.lists),
        unsubscribe_all: args.unsubscribe_all,
        force_resubscribe: args.force_resubscribe,
        require_first_name,
        // The workspace's `default-region` serves an import that names none.
        default_region: match &args.default_region {
            Some(region) => Some(region.clone()),
            None => store.setting("default-region")?,
        },
        date_format: args.date_format.clone(),
        column_formats: BTreeMap::new(),
        batch_size: args.batch_size,
        mapping,
        reader,
        whatsapp_from_mobile: args.whatsapp_from_mobile,
    })
}

/// A sample date, written with the pattern and read back: a pattern that cannot write it
/// (`%Q`), or cannot read back what it wrote (`%d/%m` has no year, `dd.mm.yyyy` no field),
/// would make every date of the file an error, so the import stops before reading a row.
pub fn check_date_format(pattern: &str) -> Result<(), ImportError> {
    let sample = jiff::civil::date(1985, 4, 15);
    let bad = |why: String| {
        ImportError::Invalid(format!(
            "--date-format {pattern:?} {why}; give a strftime pattern with day, month and year such as \
             '%d.%m.%Y' or '%m/%d/%Y'"
        ))
    };
    let written = jiff::fmt::strtime::format(pattern, sample)
        .map_err(|e| bad(format!("is not a date pattern ({e})")))?;
    match jiff::civil::Date::strptime(pattern, &written) {
        Ok(read) if read == sample => Ok(()),
        _ => Err(bad("does not give a whole date (day, month and year)".to_string())),
    }
}

/// The tags of `--tag` flags (or the lists of `--list` flags), split as a tags or lists cell
/// is (`--tag "Fair 2026,Leads"` is two tags, `--tag "Fair 2026"` one) and each once
/// whatever its case, first spelling kept.
pub fn names_of_flags(flags: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in flags.iter().flat_map(|flag| list_items(flag)) {
        if !names.iter().any(|n| same_name(n, name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// The user's maps and skips: a saved mapping file's, then the flags' (which win).
pub fn mapping_request(
    file: Option<&Path>,
    maps: &[String],
    skips: &[String],
    identifier: IdentifierKind,
) -> Result<MappingRequest, ImportError> {
    let mut request = match file {
        Some(path) => crate::mapping_file::load(path)?,
        None => MappingRequest::default(),
    };
    for map in maps {
        let (header, field) =
            map.rsplit_once('=').map(|(h, f)| (h.trim().to_string(), f.trim().to_string())).ok_or_else(
                || ImportError::Invalid(format!("--map {map:?} must look like \"Column Header=field\"")),
            )?;
        request.overrides.retain(|(h, _)| *h != header);
        request.skips.retain(|h| *h != header);
        request.overrides.push((header, field));
    }
    for skip in skips {
        request.overrides.retain(|(h, _)| h != skip);
        request.skips.push(skip.clone());
    }
    request.match_by_id = identifier == IdentifierKind::Id;
    Ok(request)
}
