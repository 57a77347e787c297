//! The addresses a known export keeps in columns of their own (Outlook's home, business and
//! other address; Google's Address 1, 2, 3): per row, the home address (by its columns or its
//! label), else the business one, else the first fills the contact's address, and every
//! other address of the row goes to `other_addresses`, each on one line. Only files of such
//! exports pay for it.

use super::{PreparedRow, Preparer};
use crate::map::AddressGroup;
use crate::normalize::trimmed_unguarded;
use crate::read::Record;

/// One address of a row: `[street, city, region, postal code, country]`.
type Address = [String; 5];

impl Preparer<'_> {
    /// Sorts out the row's addresses (see the module comment). A field another column of the
    /// row filled already keeps that value.
    pub(super) fn prepare_addresses(&self, record: &Record, row: &mut PreparedRow) {
        let groups = &self.mapping.addresses;
        let Some(first) = groups.first() else { return };
        let fields = first.fields;
        let mut present: Vec<(u8, usize, Address)> = groups
            .iter()
            .enumerate()
            .filter_map(|(i, group)| {
                let address = read_address(group, record);
                let rank =
                    group.label.and_then(|c| record.get(c)).and_then(rank_of_label).unwrap_or(group.place);
                address.iter().any(|part| !part.is_empty()).then_some((rank, i, address))
            })
            .collect();
        present.sort_by_key(|(rank, i, _)| (*rank, *i));
        let mut addresses = present.into_iter().map(|(_, _, address)| address);
        if let Some(own) = addresses.next() {
            for (field, part) in fields.iter().zip(&own) {
                if !part.is_empty() && row.values.get(*field).is_none() {
                    row.values.set(*field, part);
                }
            }
        }
        for other in addresses {
            self.push_value(row, fields[5], &one_line(&other));
        }
    }
}

fn read_address(group: &AddressGroup, record: &Record) -> Address {
    let cell = |column: usize| record.get(column).map(trimmed_unguarded).unwrap_or_default();
    let lines: Vec<&str> = group.street.iter().map(|&c| cell(c)).filter(|l| !l.is_empty()).collect();
    // A street cell may hold several lines; an address is kept on one.
    let street = lines.iter().flat_map(|l| l.lines()).map(str::trim).filter(|l| !l.is_empty());
    let street = street.collect::<Vec<_>>().join(", ");
    let part = |column: Option<usize>| column.map(cell).unwrap_or_default().to_string();
    let [city, region, postal, country] = group.parts.map(part);
    [street, city, region, postal, country]
}

/// `Hafenstraße 1, 20457 Hamburg, HH, Germany`: the way the vCard reader writes a further
/// address, without `|`, which separates addresses.
fn one_line(address: &Address) -> String {
    let [street, city, region, postal, country] = address;
    let city_line =
        [postal.as_str(), city.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
    let city_line = city_line.join(" ");
    let parts = [street.as_str(), city_line.as_str(), region.as_str(), country.as_str()];
    parts.iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ").replace('|', "/")
}

/// 0 for a label that says home, 1 for work; `None` for any other.
fn rank_of_label(label: &str) -> Option<u8> {
    let label = label.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| label.contains(w));
    if says(&["home", "privat", "casa", "domicile", "maison"]) {
        Some(0)
    } else if says(&["work", "business", "arbeit", "büro", "geschäft", "trabajo", "travail", "lavoro"]) {
        Some(1)
    } else {
        None
    }
}
