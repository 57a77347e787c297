//! Mapping suggestions: which field a column probably holds, with a confidence. From the
//! header first (six languages, case, accents, spacing and small typos tolerated), from the
//! column's values when the header says nothing clearly. Confident suggestions are applied
//! by [`crate::map::build_mapping`]; plausible ones are reported and left to the user.

mod header;
mod values;

pub use header::{compare_form, is_mobile_header, suggest_header};
pub use values::{
    DateLayout, DecimalMark, MOSTLY, ValueKind, date_layout_of, decimal_mark_of, header_date_format, profile,
};

use crate::model::{Schema, Target};
use crate::normalize::Normalizer;

/// A suggestion at least this confident is applied without asking.
pub const CONFIDENT: f32 = 0.8;
/// A suggestion at least this confident is reported (and not applied).
pub const PLAUSIBLE: f32 = 0.6;

/// One target a column may hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The field (or tags, or a subscription).
    pub target: Target,
    /// From 0 to 1.
    pub confidence: f32,
    /// What the suggestion rests on.
    pub basis: Basis,
}

/// What a suggestion rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The header is the field's name, label or alias.
    Name,
    /// The header is a word exports use for the field (in one of six languages).
    Synonym,
    /// The header is close to this word (a typo).
    Typo(String),
    /// The column's values are of the field's kind.
    Values,
    /// The header row is this known export's, which names the column.
    Export(String),
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::Name => f.write_str("header is the field's name"),
            Basis::Synonym => f.write_str("header is a usual name for it"),
            Basis::Typo(word) => write!(f, "header looks like {word:?}"),
            Basis::Values => f.write_str("values"),
            Basis::Export(name) => write!(f, "{name}"),
        }
    }
}

/// The suggestions for a column with `header` and sample values `sample`, best first, and
/// the kind of its values.
pub fn suggest_column(
    header: &str,
    sample: &[&str],
    schema: &Schema,
    normalizer: &Normalizer,
) -> (Vec<Suggestion>, ValueKind) {
    let mut suggestions = suggest_header(header, schema);
    let kind = profile(sample, normalizer);
    let header_is_clear = suggestions.first().is_some_and(|s| s.confidence >= CONFIDENT);
    if !header_is_clear {
        for (name, confidence) in from_values(&kind) {
            let Some(target) = schema.target_by_name(name) else { continue };
            if !suggestions.iter().any(|s| s.target == target && s.confidence >= confidence) {
                suggestions.retain(|s| s.target != target);
                suggestions.push(Suggestion { target, confidence, basis: Basis::Values });
            }
        }
        suggestions.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    }
    (suggestions, kind)
}

/// Fields a column of `kind` may be, with confidences. Dates are only plausible birthdays:
/// a file has other dates too.
fn from_values(kind: &ValueKind) -> Vec<(&'static str, f32)> {
    match kind {
        ValueKind::Email => vec![("email", 0.9)],
        ValueKind::Phone { mobile: true } => vec![("phone", 0.85), ("other_phones", 0.82)],
        ValueKind::Phone { mobile: false } => vec![("phone", 0.85)],
        ValueKind::Date(_) => vec![("birthday", 0.65)],
        _ => Vec::new(),
    }
}

/// Picks at most one target per column and one column per target: the most confident
/// suggestion first (the leftmost column on a tie); a column whose best target is taken
/// falls back to its next confident one. `fixed[i]` marks columns the user decided, and
/// `taken` the targets the user gave them.
pub fn resolve(candidates: &[Vec<Suggestion>], fixed: &[bool], taken: &[Target]) -> Vec<Option<Suggestion>> {
    let mut ranked: Vec<(usize, &Suggestion)> = candidates
        .iter()
        .enumerate()
        .filter(|(column, _)| !fixed.get(*column).copied().unwrap_or(false))
        .flat_map(|(column, list)| list.iter().map(move |s| (column, s)))
        .filter(|(_, s)| s.confidence >= CONFIDENT)
        .collect();
    ranked.sort_by(|(ca, a), (cb, b)| b.confidence.total_cmp(&a.confidence).then(ca.cmp(cb)));
    let mut chosen: Vec<Option<Suggestion>> = vec![None; candidates.len()];
    let mut used: Vec<Target> = taken.to_vec();
    for (column, suggestion) in ranked {
        if chosen[column].is_none() && !used.contains(&suggestion.target) {
            used.push(suggestion.target);
            chosen[column] = Some(suggestion.clone());
        }
    }
    chosen
}

#[cfg(test)]
mod tests;
