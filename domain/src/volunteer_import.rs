//! Importing volunteers from a spreadsheet: which column is which field (by its header, in
//! English, Norwegian or Danish), which columns are never read (certificate contents), how the
//! separator is told from the header line, and how a cell becomes a change of a volunteer.

use crate::{ParseError, volunteer::Commitment, volunteer_draft::VolunteerEdit};

/// A field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportField {
    /// Given name.
    GivenName,
    /// Family name.
    FamilyName,
    /// Email.
    Email,
    /// Phone.
    Phone,
    /// Street address.
    StreetAddress,
    /// Postal code.
    PostalCode,
    /// Town.
    City,
    /// Birth year.
    BirthYear,
    /// Languages, separated by `|` or `,`.
    Languages,
    /// Interests, separated by `|` or `,`.
    Interests,
    /// Wanted activity kinds (codes), separated by `|` or `,`.
    ActivityKinds,
    /// Availability as `weekday:part_of_day`, separated by `|` or `,`.
    Availability,
    /// `regular` or `occasional`.
    Commitment,
    /// Coordinator notes.
    Notes,
    /// The id a municipal system knows the volunteer by.
    ExternalReference,
}

impl ImportField {
    /// The field's name, as errors and the API name it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::StreetAddress => "street_address",
            Self::PostalCode => "postal_code",
            Self::City => "city",
            Self::BirthYear => "birth_year",
            Self::Languages => "languages",
            Self::Interests => "interests",
            Self::ActivityKinds => "activity_kinds",
            Self::Availability => "availability",
            Self::Commitment => "commitment",
            Self::Notes => "notes",
            Self::ExternalReference => "external_reference",
        }
    }

    const ALL: [Self; 15] = [
        Self::GivenName,
        Self::FamilyName,
        Self::Email,
        Self::Phone,
        Self::StreetAddress,
        Self::PostalCode,
        Self::City,
        Self::BirthYear,
        Self::Languages,
        Self::Interests,
        Self::ActivityKinds,
        Self::Availability,
        Self::Commitment,
        Self::Notes,
        Self::ExternalReference,
    ];

    /// Other headers people give the column, normalised (see [`normalise_header`]).
    const fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::GivenName => &["fornavn", "first_name", "firstname", "given"],
            Self::FamilyName => &["etternavn", "efternavn", "last_name", "lastname", "surname"],
            Self::Email => &["e_post", "epost", "e_mail", "mail", "e_mailadresse"],
            Self::Phone => &[
                "telefon",
                "mobil",
                "mobile",
                "tlf",
                "telefonnummer",
                "mobilnummer",
            ],
            Self::StreetAddress => &["adresse", "gateadresse", "address", "vejnavn"],
            Self::PostalCode => &["postnummer", "postnr", "zip"],
            Self::City => &["poststed", "by", "sted", "town"],
            Self::BirthYear => &["fødselsår", "fodselsar", "født", "fødselsaar"],
            Self::Languages => &["språk", "sprog"],
            Self::Interests => &["interesser"],
            Self::ActivityKinds => &["aktiviteter", "activities"],
            Self::Availability => &["tilgjengelighet", "tilgængelighed"],
            Self::Commitment => &["innsats"],
            Self::Notes => &["notat", "notater", "merknad", "bemærkning"],
            Self::ExternalReference => &["ekstern_referanse", "ekstern_reference", "referanse"],
        }
    }
}

/// Columns an export of volunteers carries that an import reads past without a word.
const EXPORT_ONLY: [&str; 5] = [
    "id",
    "status",
    "created_at",
    "home_unit_id",
    "contact_person_id",
];

/// Header words that name a police certificate or its contents: such a column refuses the
/// whole file, as Samspill never stores more of a certificate than its check.
const CERTIFICATE_WORDS: [&str; 8] = [
    "politiattest",
    "police",
    "certificate",
    "attest",
    "straffeattest",
    "børneattest",
    "borneattest",
    "vandel",
];

/// A header as compared: trimmed, lower-case, with spaces and `-` as `_`.
pub fn normalise_header(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' || c == '.' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// What a header row says: the field of each column (`None`: read past), the headers read
/// past (neither a field nor an export's own column), and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// Per column, the field it fills.
    pub fields: Vec<Option<ImportField>>,
    /// Headers of columns read past, as written.
    pub ignored: Vec<String>,
}

/// Maps a header row to fields. Refused: a column that names a police certificate, two
/// columns for one field, and a file without both name columns or without email or phone.
pub fn map_columns(headers: &[&str]) -> Result<ColumnMap, Vec<(String, ParseError)>> {
    let mut errors = Vec::new();
    let mut fields = Vec::with_capacity(headers.len());
    let mut ignored = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let header = normalise_header(raw);
        let field = ImportField::ALL
            .into_iter()
            .find(|f| f.name() == header || f.aliases().contains(&header.as_str()));
        if field.is_none() && CERTIFICATE_WORDS.iter().any(|word| header.contains(word)) {
            errors.push((
                format!("columns[{i}]"),
                ParseError::new(
                    "certificate_column",
                    format!(
                        "{} looks like police certificate data, which is never imported: remove the column",
                        raw.trim()
                    ),
                ),
            ));
        }
        if let Some(f) = field
            && fields.contains(&Some(f))
        {
            errors.push((
                format!("columns[{i}]"),
                ParseError::new(
                    "duplicate_column",
                    format!("a second column for {}", f.name()),
                ),
            ));
        }
        if field.is_none() && !header.is_empty() && !EXPORT_ONLY.contains(&header.as_str()) {
            ignored.push(raw.trim().to_owned());
        }
        fields.push(field);
    }
    for needed in [ImportField::GivenName, ImportField::FamilyName] {
        if !fields.contains(&Some(needed)) {
            errors.push((
                "columns".to_owned(),
                ParseError::new("missing_column", format!("no column for {}", needed.name())),
            ));
        }
    }
    if !fields.contains(&Some(ImportField::Email)) && !fields.contains(&Some(ImportField::Phone)) {
        errors.push((
            "columns".to_owned(),
            ParseError::new("missing_column", "no column for email or phone"),
        ));
    }
    if errors.is_empty() {
        Ok(ColumnMap { fields, ignored })
    } else {
        Err(errors)
    }
}

/// The separator of a file whose header line is `line`: the one of `;`, `,` and tab found
/// most often outside quotes (`,` when none is).
pub fn detect_separator(line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, usize::from(*i == 1)))
        .map_or(1, |(i, _)| i);
    match best {
        0 if counts[0] > 0 => b';',
        2 if counts[2] > 0 => b'\t',
        _ => b',',
    }
}

fn list(cell: &str) -> Vec<String> {
    cell.split(['|', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The change one row asks for: each non-empty cell sets its field (an empty cell changes
/// nothing). Cells that cannot become their field's type are errors named by the field.
pub fn edit_of(
    map: &ColumnMap,
    cells: &[&str],
) -> Result<VolunteerEdit, Vec<(String, ParseError)>> {
    let mut edit = VolunteerEdit::default();
    let mut errors = Vec::new();
    for (field, cell) in map.fields.iter().zip(cells) {
        let (Some(field), cell) = (field, cell.trim()) else {
            continue;
        };
        if cell.is_empty() {
            continue;
        }
        let text = || Some(Some(cell.to_owned()));
        match field {
            ImportField::GivenName => edit.given_name = Some(cell.to_owned()),
            ImportField::FamilyName => edit.family_name = Some(cell.to_owned()),
            ImportField::Email => edit.email = text(),
            ImportField::Phone => edit.phone = text(),
            ImportField::StreetAddress => edit.street_address = text(),
            ImportField::PostalCode => edit.postal_code = text(),
            ImportField::City => edit.city = text(),
            ImportField::Notes => edit.notes = text(),
            ImportField::ExternalReference => edit.external_reference = text(),
            ImportField::BirthYear => match cell.parse::<i16>() {
                Ok(year) => edit.birth_year = Some(Some(year)),
                Err(_) => errors.push((
                    field.name().to_owned(),
                    ParseError::new("invalid_format", "must be a year such as 1956"),
                )),
            },
            ImportField::Languages => edit.languages = Some(list(cell)),
            ImportField::Interests => edit.interests = Some(list(cell)),
            ImportField::ActivityKinds => edit.activity_kinds = Some(list(cell)),
            ImportField::Availability => edit.availability = Some(list(cell)),
            ImportField::Commitment => match cell.to_lowercase().parse::<Commitment>() {
                Ok(c) => edit.commitment = Some(c),
                Err(_) => errors.push((
                    field.name().to_owned(),
                    ParseError::new("invalid_value", "must be regular or occasional"),
                )),
            },
        }
    }
    if errors.is_empty() {
        Ok(edit)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_danish_and_english_headers_map_to_fields() {
        let map = map_columns(&[
            "\u{feff}Fornavn",
            "Etternavn",
            "E-post",
            "Mobil",
            "Postnr",
            "Fødselsår",
            "Skostørrelse",
            "id",
        ])
        .unwrap_or_else(|_| ColumnMap {
            fields: Vec::new(),
            ignored: Vec::new(),
        });
        assert_eq!(
            map.fields,
            [
                Some(ImportField::GivenName),
                Some(ImportField::FamilyName),
                Some(ImportField::Email),
                Some(ImportField::Phone),
                Some(ImportField::PostalCode),
                Some(ImportField::BirthYear),
                None,
                None,
            ]
        );
        // The export's own id is read past without a word; an unknown column is named.
        assert_eq!(map.ignored, ["Skostørrelse"]);
        assert!(map_columns(&["given_name", "efternavn", "telefon"]).is_ok());
    }

    #[test]
    fn certificate_columns_missing_names_and_doubled_fields_refuse_the_file() {
        let errors = map_columns(&["fornavn", "e-post", "Politiattest dato", "epost"])
            .err()
            .unwrap_or_default();
        let codes: Vec<_> = errors.iter().map(|(f, e)| (f.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            [
                ("columns[2]", "certificate_column"),
                ("columns[3]", "duplicate_column"),
                ("columns", "missing_column"),
            ]
        );
        let none = map_columns(&["fornavn", "etternavn"])
            .err()
            .unwrap_or_default();
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].1.code, "missing_column");
    }

    #[test]
    fn the_separator_is_the_most_frequent_outside_quotes() {
        assert_eq!(detect_separator("fornavn;etternavn;e-post"), b';');
        assert_eq!(detect_separator("given_name,family_name,email"), b',');
        assert_eq!(detect_separator("\"a;b\",c,d"), b',');
        assert_eq!(detect_separator("a\tb\tc"), b'\t');
        assert_eq!(detect_separator("single"), b',');
    }

    #[test]
    fn cells_become_a_change_and_empty_cells_change_nothing() {
        let map = map_columns(&["fornavn", "etternavn", "epost", "født", "språk", "innsats"])
            .unwrap_or_else(|_| ColumnMap {
                fields: Vec::new(),
                ignored: Vec::new(),
            });
        let edit = edit_of(
            &map,
            &["Kari", "Nordmann", "", "1956", "norsk| engelsk", "Regular"],
        )
        .unwrap_or_default();
        assert_eq!(edit.given_name.as_deref(), Some("Kari"));
        assert_eq!(edit.email, None);
        assert_eq!(edit.birth_year, Some(Some(1956)));
        assert_eq!(
            edit.languages,
            Some(vec!["norsk".to_owned(), "engelsk".to_owned()])
        );
        assert_eq!(edit.commitment, Some(Commitment::Regular));
        let errors = edit_of(&map, &["Kari", "Nordmann", "", "ca. 1950", "", "ofte"])
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["birth_year", "commitment"]);
    }
}
