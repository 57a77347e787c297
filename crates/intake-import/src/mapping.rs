//! The mapping of a file's columns to fields: the user's maps and skips (a saved mapping's,
//! then the flags'), a recognized export's, and confident suggestions from headers and sample
//! values; how each date and decimal column writes its values, decided from the whole column
//! when the first rows leave it open; and what a person sees of each column before choosing
//! (samples, suggested field, confidence, kind of values).

use std::collections::BTreeMap;

use intake_core::map::{Mapping, MappingError, MappingRequest, build_mapping_with_samples, column_name};
use intake_core::model::{FieldType, Schema, Target};
use intake_core::normalize::{Normalizer, is_empty_date, normalize_date};
use intake_core::pipeline::{check_setup, normalizer_for};
use intake_core::plan::{ColumnFormat, ImportOptions};
use intake_core::suggest::{
    DateLayout, DecimalMark, ValueKind, date_layout_of, decimal_mark_of, header_date_format, profile,
};
use intake_store::SqliteStore;
use serde::Serialize;

use crate::ImportError;
use crate::input::{self, Input, ReadRequest};

/// Sample values shown per column.
const SHOWN_SAMPLES: usize = 3;

/// The mapping for `input`: the user's maps and skips (from the flags and `--mapping`
/// file), a recognized export's, and confident suggestions from headers and sample values.
/// Date and decimal columns whose values show how they are written get their own formats
/// (see [`column_formats_from_values`]).
pub fn mapping_for(
    store: &SqliteStore,
    input: &Input,
    sample: &[Vec<String>],
    options: &mut ImportOptions,
    notes: &mut dyn FnMut(String),
) -> Result<Mapping, ImportError> {
    let normalizer = normalizer_for(options).map_err(ImportError::Invalid)?;
    let headers = input.source().headers();
    let mapping = build_mapping_with_samples(headers, sample, store.schema(), &options.mapping, &normalizer)?;
    if options.column_formats.is_empty() {
        options.column_formats =
            column_formats_from_values(input, &mapping, sample, store.schema(), options, &normalizer, notes)?;
    }
    Ok(mapping)
}

/// [`mapping_for`], checked against the import's options (the identifier must be mapped …).
pub fn checked_mapping_for(
    store: &SqliteStore,
    input: &Input,
    options: &mut ImportOptions,
    notes: &mut dyn FnMut(String),
) -> Result<Mapping, ImportError> {
    let mapping = mapping_for(store, input, &input.sample()?, options, notes)?;
    check_setup(store.schema(), options, &mapping).map_err(ImportError::Invalid)?;
    Ok(mapping)
}

/// How each mapped date and decimal column writes its values, from the sample: a date
/// column whose values fit one day/month order only gets that order (unless the user gave
/// `--date-format` for all), a decimal column its decimal mark. Certain findings are said
/// on stderr; ambiguous columns are reported and left as they are, never guessed.
fn column_formats_from_values(
    input: &Input,
    mapping: &Mapping,
    sample: &[Vec<String>],
    schema: &Schema,
    options: &ImportOptions,
    normalizer: &Normalizer,
    say: &mut dyn FnMut(String),
) -> Result<BTreeMap<String, ColumnFormat>, ImportError> {
    let headers = input.source().headers();
    let mut formats = BTreeMap::new();
    for (column, target) in mapping.columns.iter().enumerate() {
        let Some(Target::Field(field)) = target else { continue };
        let field_type = schema.field(*field).field_type;
        let header = &headers[column];
        let values: Vec<&str> = sample.iter().filter_map(|row| row.get(column).map(String::as_str)).collect();
        // A column mapped to a date field is read as dates even when some of its values are
        // bad: those are their rows' errors, and the others still decide the order.
        let kind = match field_type {
            FieldType::Date => {
                date_layout_of(&values).map_or(ValueKind::Text, |(layout, _)| ValueKind::Date(layout))
            }
            _ => profile(&values, normalizer),
        };
        // A header that spells its format out (`Birthday (MM/DD/YYYY)`) says how to read it.
        let spelled = (field_type == FieldType::Date && options.date_format.is_none())
            .then(|| header_date_format(header))
            .flatten();
        if let Some(date_format) = spelled {
            say(format!("column {header:?}: dates read as {date_format} (its header says so)"));
            formats
                .insert(header.clone(), ColumnFormat { date_format: Some(date_format), decimal_mark: None });
            continue;
        }
        let format = match (field_type, kind) {
            (FieldType::Date, ValueKind::Date(layout)) if options.date_format.is_none() => match layout {
                DateLayout::Ambiguous { day_first, month_first } => {
                    match whole_column_date_order(input, column, &day_first, &month_first)? {
                        Some(date_format) => {
                            say(format!(
                                "column {header:?}: dates read as {date_format} (the first rows fit both \
                                 orders; the whole column fits only this one)"
                            ));
                            ColumnFormat { date_format: Some(date_format), decimal_mark: None }
                        }
                        None => {
                            say(format!(
                                "column {header:?}: its dates read both as {day_first} and as {month_first}; \
                                 say which with --date-format"
                            ));
                            continue;
                        }
                    }
                }
                layout => {
                    let Some(date_format) = layout.format() else { continue };
                    say(format!(
                        "column {header:?}: dates read as {date_format} (its dates fit only that order)"
                    ));
                    ColumnFormat { date_format: Some(date_format.to_string()), decimal_mark: None }
                }
            },
            (FieldType::Decimal, ValueKind::Number(mark)) => match mark {
                DecimalMark::Comma => {
                    say(format!("column {header:?}: numbers read with a decimal comma (1.234,50)"));
                    ColumnFormat { date_format: None, decimal_mark: Some(',') }
                }
                DecimalMark::Point => ColumnFormat { date_format: None, decimal_mark: Some('.') },
                DecimalMark::Ambiguous => match whole_column_decimal_mark(input, column)? {
                    Some(mark) => {
                        say(format!(
                            "column {header:?}: numbers read with a decimal {} (the whole column shows it)",
                            if mark == ',' { "comma" } else { "point" }
                        ));
                        ColumnFormat { date_format: None, decimal_mark: Some(mark) }
                    }
                    None => {
                        say(format!(
                            "column {header:?}: a value such as 1,234 reads as a thousand or as a decimal; \
                             the column's values are read with a decimal point"
                        ));
                        continue;
                    }
                },
                DecimalMark::None => continue,
            },
            _ => continue,
        };
        formats.insert(header.clone(), format);
    }
    Ok(formats)
}

/// Calls `settled` with every non-empty value of `column`, in file order, until it returns
/// true: a whole-column decision that the sample left open reads the column to the end.
fn scan_column(
    input: &Input,
    column: usize,
    mut settled: impl FnMut(&str) -> bool,
) -> Result<(), ImportError> {
    let mut records = input.source().records()?;
    let mut record = intake_core::read::Record::default();
    while records.next_record(&mut record)? {
        let value = record.get(column).unwrap_or("").trim();
        if !value.is_empty() && !is_empty_date(value) && settled(value) {
            break;
        }
    }
    Ok(())
}

/// The one of two day/month orders that every date of `column` fits (values that fit
/// neither are bad cells, not evidence), or `None` when both still do, or neither.
fn whole_column_date_order(
    input: &Input,
    column: usize,
    day_first: &str,
    month_first: &str,
) -> Result<Option<String>, ImportError> {
    let (mut day, mut month) = (true, true);
    scan_column(input, column, |value| {
        let fits = |format: &str| normalize_date(value, Some(format)).is_ok();
        let (fits_day, fits_month) = (fits(day_first), fits(month_first));
        if fits_day || fits_month {
            day &= fits_day;
            month &= fits_month;
        }
        !day && !month
    })?;
    Ok(match (day, month) {
        (true, false) => Some(day_first.to_string()),
        (false, true) => Some(month_first.to_string()),
        _ => None,
    })
}

/// The decimal mark the numbers of `column` show, when they show one and only one.
fn whole_column_decimal_mark(input: &Input, column: usize) -> Result<Option<char>, ImportError> {
    let (mut point, mut comma) = (false, false);
    scan_column(input, column, |value| {
        match decimal_mark_of(value) {
            DecimalMark::Point => point = true,
            DecimalMark::Comma => comma = true,
            DecimalMark::Ambiguous | DecimalMark::None => {}
        }
        point && comma
    })?;
    Ok(match (point, comma) {
        (true, false) => Some('.'),
        (false, true) => Some(','),
        _ => None,
    })
}

/// The mapping `suggest` shows. Two columns that would both take a field (two `Email`
/// columns) stop an import, but suggestions are what the user needs to choose: the later
/// column is left out, with a note saying how to name it.
pub fn suggest_mapping(
    store: &SqliteStore,
    read: &ReadRequest,
    default_region: Option<String>,
    notes: &mut dyn FnMut(String),
) -> Result<(Input, Vec<Vec<String>>, Mapping), ImportError> {
    let mut request = MappingRequest::default();
    loop {
        let error = match map_file(store, read, default_region.clone(), request.clone()) {
            Ok(found) => return Ok(found),
            Err(error) => error,
        };
        let ImportError::Mapping(MappingError::MappedTwice { field, second, .. }) = &error else {
            return Err(error);
        };
        if request.skips.contains(second) {
            return Err(error);
        }
        notes(format!(
            "note: column {second:?} is left out of these suggestions: field {field:?} would be mapped \
             twice; name it with --map \"{second}=FIELD\" or --skip \"{second}\""
        ));
        request.skips.push(second.clone());
    }
}

/// The mapping an import of `read`'s file with `request` would use, with the file and its
/// sample rows.
pub fn map_file(
    store: &SqliteStore,
    read: &ReadRequest,
    default_region: Option<String>,
    request: MappingRequest,
) -> Result<(Input, Vec<Vec<String>>, Mapping), ImportError> {
    let mut options = ImportOptions {
        default_region,
        mapping: request,
        reader: input::settings(read)?,
        ..Default::default()
    };
    let input = input::open(&read.file, &options.reader, store.schema())?;
    let sample = input.sample()?;
    let mapping = mapping_for(store, &input, &sample, &mut options, &mut |_| {})?;
    Ok((input, sample, mapping))
}

/// What a person sees of one column before choosing its field.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnView {
    pub header: String,
    /// A few non-empty values.
    pub samples: Vec<String>,
    /// The suggested field (applied or not).
    pub field: Option<String>,
    /// How sure the suggestion is, 0 to 1.
    pub confidence: Option<f32>,
    /// Why it is suggested.
    pub basis: Option<String>,
    /// The kind of values found (`e-mail`, `phone (mobile)`, `date (dd.mm.yyyy)` …).
    pub kind: String,
    /// Why a suggestion was not applied, and what to do.
    pub note: Option<String>,
}

/// Every column of `input` as a person should see it.
pub fn describe_columns(
    input: &Input,
    sample: &[Vec<String>],
    mapping: &Mapping,
    schema: &Schema,
) -> Vec<ColumnView> {
    input
        .source()
        .headers()
        .iter()
        .enumerate()
        .map(|(column, header)| {
            let decision = mapping.decided.iter().find(|d| d.column == column);
            let suggestion = decision.and_then(|d| d.applied.as_ref().or(d.uncertain.first()));
            let samples = sample
                .iter()
                .filter_map(|row| row.get(column))
                .filter(|v| !v.trim().is_empty())
                .take(SHOWN_SAMPLES)
                .cloned()
                .collect();
            let applied = decision.is_some_and(|d| d.applied.is_some());
            let headers = input.source().headers();
            let taken_by = suggestion.and_then(|s| {
                let at = mapping.columns.iter().position(|t| *t == Some(s.target))?;
                (at != column).then(|| column_name(headers, at))
            });
            ColumnView {
                header: header.clone(),
                samples,
                field: suggestion.map(|s| schema.target_name(s.target).to_string()),
                confidence: suggestion.map(|s| s.confidence),
                basis: suggestion.map(|s| s.basis.to_string()),
                kind: decision.map_or_else(|| "-".to_string(), |d| kind_name(&d.kind)),
                note: match (suggestion, applied, taken_by) {
                    (Some(_), false, Some(other)) => Some(format!(
                        "that field is mapped from {other:?}; map this column with --map \"{}=FIELD\"",
                        column_name(headers, column)
                    )),
                    (Some(_), false, None) => Some("not sure enough to apply: confirm with --map".into()),
                    _ => None,
                },
            }
        })
        .collect()
}

fn kind_name(kind: &ValueKind) -> String {
    match kind {
        ValueKind::Empty => "empty".into(),
        ValueKind::Email => "e-mail".into(),
        ValueKind::Phone { mobile: true } => "phone (mobile)".into(),
        ValueKind::Phone { mobile: false } => "phone".into(),
        ValueKind::Date(DateLayout::Iso) => "date (yyyy-mm-dd)".into(),
        ValueKind::Date(DateLayout::DayFirst(f) | DateLayout::MonthFirst(f)) => format!("date ({f})"),
        ValueKind::Date(DateLayout::Ambiguous { day_first, month_first }) => {
            format!("date ({day_first} or {month_first}: ambiguous)")
        }
        ValueKind::Number(DecimalMark::Comma) => "number (decimal comma)".into(),
        ValueKind::Number(DecimalMark::Point) => "number (decimal point)".into(),
        ValueKind::Number(DecimalMark::Ambiguous) => "number (decimal mark ambiguous)".into(),
        ValueKind::Number(DecimalMark::None) => "whole number".into(),
        ValueKind::Repeated(values) => format!("one of {}", values.join(", ")),
        ValueKind::Text => "text".into(),
    }
}
