//! Known exports: the files Google Contacts, Outlook and LinkedIn write, recognized by their
//! header rows and mapped without help. Generic suggestions would get some of their columns
//! wrong (Outlook's `Title` is a name prefix such as `Dr.`, not a job title; Google's
//! `E-mail 1 - Value` is the address and `E-mail 1 - Label` only says "Work"), so a
//! recognized export brings its own mapping, which the user's `--map` and `--skip` still
//! override.

use crate::suggest::compare_form;

/// One kind of export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownExport {
    /// What the user is told (`Google Contacts CSV`).
    pub name: &'static str,
    /// Headers that all appear in such a file (compared as [`compare_form`] does).
    signature: &'static [&'static str],
    /// `(header, target name)`; a target of `""` leaves the column out on purpose.
    columns: &'static [(&'static str, &'static str)],
    /// The export's addresses, each in columns of its own: per row, the home one (else the
    /// business one, else the first) fills the contact's address, the others go to
    /// `other_addresses`.
    pub addresses: &'static [AddressColumns],
}

/// The headers of one address of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressColumns {
    /// Street lines, PO box and extended address, joined with `, `.
    pub street: &'static [&'static str],
    /// The city.
    pub city: &'static str,
    /// The state or province.
    pub region: &'static str,
    /// The postal code.
    pub postal_code: &'static str,
    /// The country.
    pub country: &'static str,
    /// Columns whose value says what kind of address it is (Google's `Address 1 - Label`:
    /// `Home`, `Work`), any of which the file may have.
    pub label: &'static [&'static str],
    /// Its rank when no label says: 0 home, 1 business, 2 other.
    pub place: u8,
}

/// Google's address `n` (both formats): parts, with a label saying home or work.
macro_rules! google_address {
    ($n:literal) => {
        AddressColumns {
            street: &[
                concat!("Address ", $n, " - Street"),
                concat!("Address ", $n, " - Extended Address"),
                concat!("Address ", $n, " - PO Box"),
            ],
            city: concat!("Address ", $n, " - City"),
            region: concat!("Address ", $n, " - Region"),
            postal_code: concat!("Address ", $n, " - Postal Code"),
            country: concat!("Address ", $n, " - Country"),
            label: &[concat!("Address ", $n, " - Label"), concat!("Address ", $n, " - Type")],
            place: 2,
        }
    };
}

const GOOGLE_ADDRESSES: &[AddressColumns] =
    &[google_address!("1"), google_address!("2"), google_address!("3")];

/// Outlook's address of kind `$kind` (`Home`, `Business`, `Other`).
macro_rules! outlook_address {
    ($kind:literal, $place:literal) => {
        AddressColumns {
            street: &[
                concat!($kind, " Street"),
                concat!($kind, " Street 2"),
                concat!($kind, " Street 3"),
                concat!($kind, " Address PO Box"),
            ],
            city: concat!($kind, " City"),
            region: concat!($kind, " State"),
            postal_code: concat!($kind, " Postal Code"),
            country: concat!($kind, " Country/Region"),
            label: &[],
            place: $place,
        }
    };
}

const OUTLOOK_ADDRESSES: &[AddressColumns] =
    &[outlook_address!("Home", 0), outlook_address!("Business", 1), outlook_address!("Other", 2)];

impl KnownExport {
    /// The target the export's column `header` holds: `Some("")` for a column left out on
    /// purpose, `None` for a column this export does not know.
    pub fn target_of(&self, header: &str) -> Option<&'static str> {
        let key = compare_form(header);
        self.columns.iter().find(|(h, _)| compare_form(h) == key).map(|(_, target)| *target)
    }
}

/// Google Contacts' CSV since 2020.
const GOOGLE: KnownExport = KnownExport {
    name: "Google Contacts CSV",
    signature: &["First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value", "Labels"],
    columns: &[
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("E-mail 1 - Value", "email"),
        ("E-mail 1 - Label", ""),
        ("Phone 1 - Value", "phone"),
        ("Phone 1 - Label", ""),
        ("E-mail 2 - Value", "other_emails"),
        ("E-mail 2 - Label", ""),
        ("E-mail 3 - Value", "other_emails"),
        ("E-mail 3 - Label", ""),
        ("E-mail 4 - Value", "other_emails"),
        ("E-mail 4 - Label", ""),
        ("Phone 2 - Value", "other_phones"),
        ("Phone 2 - Label", ""),
        ("Phone 3 - Value", "other_phones"),
        ("Phone 3 - Label", ""),
        ("Phone 4 - Value", "other_phones"),
        ("Phone 4 - Label", ""),
        ("Organization Name", "company"),
        ("Organization Title", "job_title"),
        ("Birthday", "birthday"),
        ("Notes", "notes"),
        ("Labels", "tags"),
        ("Middle Name", "middle_name"),
        ("Name Prefix", "name_prefix"),
        ("Name Suffix", "name_suffix"),
        ("Nickname", "nickname"),
        ("Gender", "gender"),
        ("Organization Department", "department"),
        ("Website 1 - Value", "website"),
        ("Website 1 - Label", ""),
        // The addresses are read from their parts (`addresses`); the formatted form repeats them.
        ("Address 1 - Formatted", ""),
        ("Address 2 - Formatted", ""),
        ("Address 3 - Formatted", ""),
    ],
    addresses: GOOGLE_ADDRESSES,
};

/// Google Contacts' older CSV ("Google CSV" before 2020).
const GOOGLE_OLD: KnownExport = KnownExport {
    name: "Google Contacts CSV (older format)",
    signature: &["Given Name", "Family Name", "E-mail 1 - Value", "Group Membership"],
    columns: &[
        ("Name", ""),
        ("Given Name", "first_name"),
        ("Family Name", "last_name"),
        ("E-mail 1 - Value", "email"),
        ("E-mail 1 - Type", ""),
        ("Phone 1 - Value", "phone"),
        ("Phone 1 - Type", ""),
        ("E-mail 2 - Value", "other_emails"),
        ("E-mail 2 - Type", ""),
        ("E-mail 3 - Value", "other_emails"),
        ("E-mail 3 - Type", ""),
        ("Phone 2 - Value", "other_phones"),
        ("Phone 2 - Type", ""),
        ("Phone 3 - Value", "other_phones"),
        ("Phone 3 - Type", ""),
        ("Organization 1 - Name", "company"),
        ("Organization 1 - Title", "job_title"),
        ("Organization 1 - Type", ""),
        ("Birthday", "birthday"),
        ("Notes", "notes"),
        ("Group Membership", "tags"),
        ("Address 1 - Formatted", ""),
        ("Address 2 - Formatted", ""),
        ("Address 3 - Formatted", ""),
        ("Location", ""),
    ],
    addresses: GOOGLE_ADDRESSES,
};

/// Outlook's "Comma Separated Values" export.
const OUTLOOK: KnownExport = KnownExport {
    name: "Outlook CSV",
    signature: &["First Name", "Last Name", "E-mail Address", "Business Phone", "Mobile Phone"],
    columns: &[
        ("First Name", "first_name"),
        ("Middle Name", "middle_name"),
        ("Last Name", "last_name"),
        // A name prefix (`Mr.`, `Dr.`), not a job title: that is `Job Title`.
        ("Title", "name_prefix"),
        ("Suffix", "name_suffix"),
        ("E-mail Address", "email"),
        ("E-mail Display Name", ""),
        ("E-mail 2 Address", "other_emails"),
        ("E-mail 2 Display Name", ""),
        ("E-mail 3 Address", "other_emails"),
        ("E-mail 3 Display Name", ""),
        ("Business Phone", "other_phones"),
        ("Mobile Phone", "phone"),
        ("Business Phone 2", "other_phones"),
        ("Home Phone", "other_phones"),
        ("Home Phone 2", "other_phones"),
        ("Other Phone", "other_phones"),
        ("Primary Phone", "other_phones"),
        ("Company Main Phone", "other_phones"),
        ("Car Phone", "other_phones"),
        ("Company", "company"),
        ("Job Title", "job_title"),
        ("Department", "department"),
        ("Web Page", "website"),
        ("Gender", "gender"),
        ("Birthday", "birthday"),
        ("Notes", "notes"),
        ("Categories", "tags"),
    ],
    addresses: OUTLOOK_ADDRESSES,
};

/// LinkedIn's `Connections.csv`.
const LINKEDIN: KnownExport = KnownExport {
    name: "LinkedIn connections export",
    signature: &["First Name", "Last Name", "Email Address", "Company", "Position", "Connected On"],
    columns: &[
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("Email Address", "email"),
        ("Company", "company"),
        ("Position", "job_title"),
        ("URL", ""),
        ("Connected On", ""),
    ],
    addresses: &[],
};

const KNOWN: [KnownExport; 4] = [GOOGLE, GOOGLE_OLD, OUTLOOK, LINKEDIN];

/// The export whose header row `headers` is, if one is known.
pub fn recognize(headers: &[String]) -> Option<&'static KnownExport> {
    let keys: Vec<String> = headers.iter().map(|h| compare_form(h)).collect();
    KNOWN.iter().find(|export| export.signature.iter().all(|s| keys.contains(&compare_form(s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(line: &str) -> Vec<String> {
        line.split(',').map(str::to_string).collect()
    }

    #[test]
    fn each_export_is_recognized_by_its_header_row() {
        let google = headers(
            "First Name,Middle Name,Last Name,Phonetic First Name,Nickname,File As,E-mail 1 - Label,\
             E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Organization Name,Organization Title,Birthday,Notes,Labels",
        );
        let old = headers(
            "Name,Given Name,Family Name,Birthday,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value",
        );
        let outlook = headers(
            "First Name,Middle Name,Last Name,Title,E-mail Address,Business Phone,Mobile Phone,Job Title",
        );
        let linkedin = headers("First Name,Last Name,URL,Email Address,Company,Position,Connected On");
        assert_eq!(recognize(&google).map(|e| e.name), Some("Google Contacts CSV"));
        assert_eq!(recognize(&old).map(|e| e.name), Some("Google Contacts CSV (older format)"));
        assert_eq!(recognize(&outlook).map(|e| e.name), Some("Outlook CSV"));
        assert_eq!(recognize(&linkedin).map(|e| e.name), Some("LinkedIn connections export"));
        assert_eq!(recognize(&headers("First Name,Last Name,Email")), None);
    }

    #[test]
    fn a_known_export_names_its_columns_and_leaves_some_out() {
        assert_eq!(OUTLOOK.target_of("Title"), Some("name_prefix"));
        assert_eq!(OUTLOOK.target_of("Suffix"), Some("name_suffix"));
        assert_eq!(OUTLOOK.target_of("Mobile Phone"), Some("phone"));
        assert_eq!(GOOGLE.target_of("e-mail 1 - value"), Some("email"));
        assert_eq!(GOOGLE.target_of("Website 1 - Value"), Some("website"));
        assert_eq!(GOOGLE.target_of("Relation 1 - Value"), None);
    }
}
