//! A cell's value as text, the way the sheet stores it: text as is, whole numbers as their
//! digits (a phone stored as a number stays `4915123456789`), other numbers as the shortest
//! decimal that reads back the same, dates as ISO 8601, booleans as `true`/`false`.

use std::fmt::Write;

use calamine::{CellErrorType, Data, DataRef, ExcelDateTime};

/// A cell value from either of calamine's cell types.
pub(crate) enum Value<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(&'a ExcelDateTime),
    Error(&'a CellErrorType),
    Empty,
}

impl<'a> From<&'a DataRef<'a>> for Value<'a> {
    fn from(data: &'a DataRef<'a>) -> Self {
        match data {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(d) => Value::DateTime(d),
            DataRef::Error(e) => Value::Error(e),
            DataRef::Empty => Value::Empty,
        }
    }
}

impl<'a> From<&'a Data> for Value<'a> {
    fn from(data: &'a Data) -> Self {
        match data {
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(d) => Value::DateTime(d),
            Data::Error(e) => Value::Error(e),
            Data::Empty => Value::Empty,
        }
    }
}

impl Value<'_> {
    /// Whether the cell holds nothing (an empty string counts as nothing).
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Value::Empty | Value::Text(""))
    }

    /// Appends the cell's text to `out`.
    pub(crate) fn write_to(&self, out: &mut String) {
        match self {
            Value::Text(s) => out.push_str(s),
            Value::Int(i) => write_display(out, i),
            Value::Float(f) => write_number(out, *f),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::DateTime(d) => write_datetime(out, d),
            Value::Error(e) => write_display(out, e),
            Value::Empty => {}
        }
    }
}

fn write_display(out: &mut String, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{value}");
}

/// Whole numbers that a double holds exactly (|n| < 2^53) are printed as integers; anything
/// else as Rust's shortest round-trip decimal, which never uses an exponent.
fn write_number(out: &mut String, f: f64) {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f == 0.0 {
        out.push('0');
    } else if f.fract() == 0.0 && f.abs() < EXACT {
        write_display(out, f as i64);
    } else {
        write_display(out, f);
    }
}

/// `yyyy-mm-dd` for a date, `yyyy-mm-ddTHH:MM:SS[.mmm]` for a date with a time, `HH:MM:SS`
/// for a time of day or a duration.
fn write_datetime(out: &mut String, d: &ExcelDateTime) {
    let serial = d.as_f64();
    if d.is_duration() || (0.0..1.0).contains(&serial) {
        write_duration(out, serial);
        return;
    }
    let (year, month, day, hour, minute, second, milli) = d.to_ymd_hms_milli();
    write_display(out, format_args!("{year:04}-{month:02}-{day:02}"));
    if (hour, minute, second, milli) != (0, 0, 0, 0) {
        write_display(out, format_args!("T{hour:02}:{minute:02}:{second:02}"));
        if milli != 0 {
            write_display(out, format_args!(".{milli:03}"));
        }
    }
}

fn write_duration(out: &mut String, days: f64) {
    let seconds = (days * 86_400.0).round();
    if !seconds.is_finite() || seconds.abs() > 1e15 {
        write_number(out, days);
        return;
    }
    let total = seconds as i64;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    write_display(out, format_args!("{sign}{h:02}:{m:02}:{s:02}"));
}

/// A 0-based column index as its letters (`0` → `A`, `16383` → `XFD`).
pub(crate) fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: Value<'_>) -> String {
        let mut out = String::new();
        value.write_to(&mut out);
        out
    }

    #[test]
    fn numbers_keep_their_digits() {
        assert_eq!(text(Value::Float(4915123456789.0)), "4915123456789");
        assert_eq!(text(Value::Float(49151234567890.0)), "49151234567890");
        assert_eq!(text(Value::Float(-0.0)), "0");
        assert_eq!(text(Value::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(text(Value::Float(12.5)), "12.5");
        assert_eq!(text(Value::Float(1e21)), "1000000000000000000000");
        assert_eq!(text(Value::Int(-7)), "-7");
    }

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}
