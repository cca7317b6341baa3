//! Activity kinds: the five every municipality has, and the ones a municipality adds. Volunteers
//! never take statutory care tasks, so such kinds cannot be created.

use crate::{ParseError, volunteer::parse_activity_kind};

/// The kinds every municipality offers (from the Danish volunteer policy), with English names.
pub const DEFAULT_ACTIVITY_KINDS: &[(&str, &str)] = &[
    ("activity", "Concrete activities"),
    ("cultural_event", "Cultural events"),
    ("party_or_arrangement", "Parties and arrangements"),
    ("escort", "Escort (følgeordning)"),
    ("companionship", "Companionship (samvær og nærvær)"),
];

/// Whether `code` is one of the defaults.
pub fn is_default_kind(code: &str) -> bool {
    DEFAULT_ACTIVITY_KINDS
        .iter()
        .any(|(default, _)| *default == code)
}

/// Words that name statutory care tasks in English, Norwegian and Danish: personal care,
/// medication, treatment, and anything assessed and granted by the municipality (visitert,
/// vedtak). Matched against whole words and word starts, case-insensitively.
const STATUTORY_CARE_TERMS: &[&str] = &[
    // personal care
    "personal_care",
    "personlig_pleie",
    "personlig_pleje",
    "personlig_hygiejne",
    "personlig_hygiene",
    "pleie",
    "pleje",
    "stell",
    "hygiene",
    "hygiejne",
    "bathing",
    "showering",
    "dusj",
    "toilet",
    "toalett",
    "toiletbesøg",
    "påkledning",
    "bleieskift",
    "bleskift",
    "forflytning",
    // medication and treatment
    "medication",
    "medicine",
    "medisin",
    "medicin",
    "legemiddel",
    "lægemiddel",
    "dosett",
    "injection",
    "injeksjon",
    "wound",
    "sårstell",
    "sårpleje",
    "insulin",
    "treatment",
    "behandling",
    "nursing",
    "sykepleie",
    "sygepleje",
    "nurse",
    // assessed and granted services
    "assessed",
    "visitert",
    "visiteret",
    "visitation",
    "vedtak",
    "afgørelse",
    "statutory",
    "lovpålagt",
    "lovbestemt",
    "praktisk_bistand",
    "praktisk_hjælp",
    "hjemmehjelp",
    "hjemmehjælp",
    "hjemmesykepleie",
    "hjemmesygepleje",
    "rengjøring",
    "rengøring",
    "cleaning",
];

/// Terms shorter than this match only as whole words ("stell" is care, "stelle blomster" is
/// gardening); longer ones also match the start of a compound ("medisinutdeling").
const PREFIX_MATCH_MIN: usize = 6;

/// Refuses a kind whose code, name or description names a statutory care task. Errors name
/// the field and the term found.
pub fn check_not_statutory_care(
    code: &str,
    name: &str,
    description: Option<&str>,
) -> Result<(), Vec<(&'static str, ParseError)>> {
    let fields = [
        ("code", Some(code)),
        ("name", Some(name)),
        ("description", description),
    ];
    let errors: Vec<_> = fields
        .into_iter()
        .filter_map(|(field, text)| {
            let found = statutory_term(text?)?;
            Some((
                field,
                ParseError::new(
                    "statutory_care",
                    format!(
                        "names a statutory care task ({found}); volunteers do not take personal \
                         care, medication or services the municipality assesses and grants"
                    ),
                ),
            ))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The first statutory-care term in `text`, if any. Words are compared after lower-casing and
/// joining with `_`, so "Personlig pleie" and `personlig_pleie` are the same.
fn statutory_term(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let joined = words.join("_");
    STATUTORY_CARE_TERMS.iter().copied().find(|term| {
        joined == *term
            || joined.starts_with(&format!("{term}_"))
            || joined.contains(&format!("_{term}_"))
            || joined.ends_with(&format!("_{term}"))
            || words.iter().any(|w| {
                w == term || (term.chars().count() >= PREFIX_MATCH_MIN && w.starts_with(term))
            })
    })
}

/// A municipality's own activity kind as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityKind {
    /// Its id; `None` for the defaults.
    pub id: Option<uuid::Uuid>,
    /// The code volunteers and rules refer to.
    pub code: String,
    /// A display name.
    pub name: String,
    /// What it involves.
    pub description: Option<String>,
}

/// Parses a new kind's code: the code format, and not one of the defaults.
pub fn parse_new_kind_code(raw: &str) -> Result<String, ParseError> {
    let code = parse_activity_kind(raw)?;
    if is_default_kind(&code) {
        return Err(ParseError::new(
            "already_exists",
            "is one of the default activity kinds",
        ));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn care_tasks_are_refused_in_any_of_the_three_languages() {
        for (code, name) in [
            ("personal_care", "Personal care"),
            ("medisinutdeling", "Utdeling av medisiner"),
            ("hjelp", "Personlig pleie"),
            ("hjaelp", "Hjælp til medicin"),
            ("visit", "Visiteret praktisk hjælp"),
        ] {
            assert!(
                check_not_statutory_care(code, name, None).is_err(),
                "{code} / {name}"
            );
        }
    }

    #[test]
    fn ordinary_activities_pass() {
        for (code, name, description) in [
            (
                "reading_aloud",
                "Høytlesning",
                Some("Lese avisen for beboere"),
            ),
            ("gardening", "Hagearbeid", Some("Stelle blomsterbed sammen")),
            ("music", "Musik og sang", None),
            ("walks", "Gåtur", Some("Walks in the park")),
        ] {
            assert!(
                check_not_statutory_care(code, name, description).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn errors_name_every_field_that_names_a_task() {
        let errors = check_not_statutory_care("bathing", "Bathing", Some("help with showering"))
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["code", "name", "description"]);
    }

    #[test]
    fn defaults_cannot_be_created_again() {
        assert!(parse_new_kind_code("companionship").is_err());
        assert!(parse_new_kind_code("walks").is_ok());
    }
}
