//! A volunteer record as people write it, and the rules every change to it follows, whoever
//! makes it: a coordinator, the volunteer at `/me/volunteer`, a public registration (and an
//! import). The catalogue check of wanted activity kinds needs the municipality's kinds and is
//! the caller's; everything else is here.

use crate::{
    ParseError,
    ids::{ContactPersonId, StaffUserId, UnitId},
    municipality::Country,
    phone::PhoneNumber,
    text::Name,
    user::Email,
    volunteer::{
        AvailabilitySlot, Commitment, Notes, PersonName, Volunteer, check_birth_year,
        parse_activity_kind, parse_language,
    },
};

/// How many activity kinds a volunteer may want.
pub const MAX_ACTIVITY_KINDS: usize = 20;
/// How many languages a volunteer may list.
pub const MAX_LANGUAGES: usize = 20;
/// How many interests.
pub const MAX_INTERESTS: usize = 30;
/// How many availability slots (seven days, three parts each).
pub const MAX_AVAILABILITY: usize = 21;

/// The parts of a volunteer record that people write, each already checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerDraft {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Email, normalised.
    pub email: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// Street address.
    pub street_address: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub city: Option<String>,
    /// Birth year.
    pub birth_year: Option<i16>,
    /// Languages (ISO 639 codes).
    pub languages: Vec<String>,
    /// Interests.
    pub interests: Vec<String>,
    /// Wanted activity kinds.
    pub activity_kinds: Vec<String>,
    /// Availability slots, in week order.
    pub availability: Vec<AvailabilitySlot>,
    /// Regular or occasional.
    pub commitment: Option<Commitment>,
    /// Home unit.
    pub home_unit_id: Option<UnitId>,
    /// Contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// Coordinator notes.
    pub notes: Option<String>,
    /// Whether references are needed before approval.
    pub references_needed: bool,
    /// The volunteer's own login (a `volunteer` account of the municipality).
    pub staff_user_id: Option<StaffUserId>,
    /// The id a municipal system knows the volunteer by.
    pub external_reference: Option<String>,
}

/// A change to a draft as people send it: a field not given (`None`) keeps its value;
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerEdit {
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Email.
    pub email: Option<Option<String>>,
    /// Phone, in any form people write it.
    pub phone: Option<Option<String>>,
    /// Street address.
    pub street_address: Option<Option<String>>,
    /// Postal code.
    pub postal_code: Option<Option<String>>,
    /// Town.
    pub city: Option<Option<String>>,
    /// Birth year.
    pub birth_year: Option<Option<i16>>,
    /// Languages (replaces the list).
    pub languages: Option<Vec<String>>,
    /// Interests (replaces the list).
    pub interests: Option<Vec<String>>,
    /// Wanted activity kinds (replaces the list).
    pub activity_kinds: Option<Vec<String>>,
    /// Availability as `weekday:part_of_day` (replaces the list).
    pub availability: Option<Vec<String>>,
    /// Regular or occasional.
    pub commitment: Option<Commitment>,
    /// Home unit.
    pub home_unit_id: Option<Option<UnitId>>,
    /// Contact person.
    pub contact_person_id: Option<Option<ContactPersonId>>,
    /// Coordinator notes.
    pub notes: Option<Option<String>>,
    /// Whether references are needed before approval.
    pub references_needed: Option<bool>,
    /// The volunteer's own login.
    pub staff_user_id: Option<Option<StaffUserId>>,
    /// The id a municipal system knows the volunteer by.
    pub external_reference: Option<Option<String>>,
}

/// What is wrong with a change: each field path with its problem.
pub type DraftErrors = Vec<(String, ParseError)>;

impl VolunteerDraft {
    /// The draft of a stored volunteer, to change some of it.
    pub fn of(volunteer: &Volunteer) -> Self {
        Self {
            given_name: volunteer.given_name.clone(),
            family_name: volunteer.family_name.clone(),
            email: volunteer.email.clone(),
            phone: volunteer.phone.clone(),
            street_address: volunteer.street_address.clone(),
            postal_code: volunteer.postal_code.clone(),
            city: volunteer.city.clone(),
            birth_year: volunteer.birth_year,
            languages: volunteer.languages.clone(),
            interests: volunteer.interests.clone(),
            activity_kinds: volunteer.activity_kinds.clone(),
            availability: volunteer.availability.clone(),
            commitment: Some(volunteer.commitment),
            home_unit_id: volunteer.home_unit_id,
            contact_person_id: volunteer.contact_person_id,
            notes: volunteer.notes.clone(),
            references_needed: volunteer.references_needed,
            staff_user_id: volunteer.staff_user_id,
            external_reference: volunteer.external_reference.clone(),
        }
    }

    /// Applies `edit`, checking every value: phone numbers are read in `country`, birth years
    /// against `this_year`. Every problem is reported at once; a volunteer must keep an email
    /// or a phone number.
    pub fn apply(
        mut self,
        edit: VolunteerEdit,
        country: Country,
        this_year: i32,
    ) -> Result<Self, DraftErrors> {
        let mut errors: DraftErrors = Vec::new();
        let mut check = |name: &str, result: Result<(), ParseError>| {
            if let Err(error) = result {
                errors.push((name.to_owned(), error));
            }
        };
        if let Some(name) = edit.given_name {
            check(
                "given_name",
                PersonName::parse(&name).map(|n| self.given_name = n.into_inner()),
            );
        }
        if let Some(name) = edit.family_name {
            check(
                "family_name",
                PersonName::parse(&name).map(|n| self.family_name = n.into_inner()),
            );
        }
        if let Some(email) = edit.email {
            check(
                "email",
                trimmed(email, |e| Email::parse(e).map(|e| e.as_str().to_owned()))
                    .map(|e| self.email = e),
            );
        }
        if let Some(phone) = edit.phone {
            check(
                "phone",
                trimmed(phone, |p| {
                    PhoneNumber::parse(p, country).map(|p| p.as_str().to_owned())
                })
                .map(|p| self.phone = p),
            );
        }
        if let Some(street) = edit.street_address {
            check(
                "street_address",
                trimmed(street, |s| Name::<200>::parse(s).map(Name::into_inner))
                    .map(|s| self.street_address = s),
            );
        }
        if let Some(code) = edit.postal_code {
            check(
                "postal_code",
                trimmed(code, parse_postal_code).map(|c| self.postal_code = c),
            );
        }
        if let Some(reference) = edit.external_reference {
            check(
                "external_reference",
                trimmed(reference, |r| Name::<100>::parse(r).map(Name::into_inner))
                    .map(|r| self.external_reference = r),
            );
        }
        if let Some(city) = edit.city {
            check(
                "city",
                trimmed(city, |c| Name::<100>::parse(c).map(Name::into_inner))
                    .map(|c| self.city = c),
            );
        }
        if let Some(year) = edit.birth_year {
            check(
                "birth_year",
                year.map(|y| check_birth_year(y, this_year))
                    .transpose()
                    .map(|y| self.birth_year = y),
            );
        }
        if let Some(languages) = list(
            &mut errors,
            "languages",
            edit.languages,
            MAX_LANGUAGES,
            parse_language,
        ) {
            self.languages = languages;
        }
        if let Some(interests) = list(
            &mut errors,
            "interests",
            edit.interests,
            MAX_INTERESTS,
            parse_interest,
        ) {
            self.interests = interests;
        }
        if let Some(kinds) = list(
            &mut errors,
            "activity_kinds",
            edit.activity_kinds,
            MAX_ACTIVITY_KINDS,
            parse_activity_kind,
        ) {
            self.activity_kinds = kinds;
        }
        if let Some(mut slots) = list(
            &mut errors,
            "availability",
            edit.availability,
            MAX_AVAILABILITY,
            |s| AvailabilitySlot::parse(s.trim()),
        ) {
            slots.sort();
            self.availability = slots;
        }
        if let Some(commitment) = edit.commitment {
            self.commitment = Some(commitment);
        }
        if let Some(unit) = edit.home_unit_id {
            self.home_unit_id = unit;
        }
        if let Some(contact) = edit.contact_person_id {
            self.contact_person_id = contact;
        }
        if let Some(notes) = edit.notes {
            match notes.map(|n| Notes::parse(&n)).transpose() {
                Ok(notes) => self.notes = notes.map(Notes::into_inner).filter(|n| !n.is_empty()),
                Err(error) => errors.push(("notes".to_owned(), error)),
            }
        }
        if let Some(needed) = edit.references_needed {
            self.references_needed = needed;
        }
        if let Some(link) = edit.staff_user_id {
            self.staff_user_id = link;
        }
        if errors.is_empty() && self.email.is_none() && self.phone.is_none() {
            errors.push((
                "email".to_owned(),
                ParseError::new("required", "give an email or a phone number"),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// An interest, in the person's own words: a name of at most 100 characters.
pub fn parse_interest(raw: &str) -> Result<String, ParseError> {
    Name::<100>::parse(raw).map(Name::into_inner)
}

/// A postal code: four digits (Norway and Denmark alike).
pub fn parse_postal_code(raw: &str) -> Result<String, ParseError> {
    if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(ParseError::new("invalid_format", "must be four digits"))
    }
}

/// Optional text, trimmed: blank is none.
fn trimmed(
    raw: Option<String>,
    parse: impl FnOnce(&str) -> Result<String, ParseError>,
) -> Result<Option<String>, ParseError> {
    raw.map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(|t| parse(&t))
        .transpose()
}

/// A list of at most `max` items, each parsed, repeats dropped; problems go to `errors` by the
/// item's path (`languages[2]`).
fn list<T: PartialEq>(
    errors: &mut DraftErrors,
    name: &str,
    items: Option<Vec<String>>,
    max: usize,
    parse: impl Fn(&str) -> Result<T, ParseError>,
) -> Option<Vec<T>> {
    let items = items?;
    if items.len() > max {
        errors.push((
            name.to_owned(),
            ParseError::new("too_many", format!("at most {max} items")),
        ));
        return None;
    }
    let mut parsed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse(item) {
            Ok(value) if !parsed.contains(&value) => parsed.push(value),
            Ok(_) => {}
            Err(error) => errors.push((format!("{name}[{i}]"), error)),
        }
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named() -> VolunteerEdit {
        VolunteerEdit {
            given_name: Some("Ingrid".into()),
            family_name: Some("Berg".into()),
            ..VolunteerEdit::default()
        }
    }

    fn fields(errors: &DraftErrors) -> Vec<(&str, &str)> {
        errors.iter().map(|(f, e)| (f.as_str(), e.code)).collect()
    }

    #[test]
    fn a_volunteer_needs_an_email_or_a_phone_number() {
        let errors = VolunteerDraft::default()
            .apply(named(), Country::Norway, 2026)
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errors), [("email", "required")]);
        let phone = VolunteerEdit {
            phone: Some(Some("912 34 567".into())),
            ..named()
        };
        let draft = VolunteerDraft::default().apply(phone, Country::Norway, 2026);
        assert_eq!(
            draft.ok().and_then(|d| d.phone).as_deref(),
            Some("+4791234567")
        );
    }

    #[test]
    fn every_problem_is_named_by_its_path_at_once() {
        let edit = VolunteerEdit {
            email: Some(Some("not an email".into())),
            postal_code: Some(Some("12345".into())),
            languages: Some(vec!["no".into(), "klingon!".into()]),
            interests: Some(vec!["sang".into(); MAX_INTERESTS + 1]),
            ..named()
        };
        let errors = VolunteerDraft::default()
            .apply(edit, Country::Norway, 2026)
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errors),
            [
                ("email", "invalid_email"),
                ("postal_code", "invalid_format"),
                ("languages[1]", "invalid_language"),
                ("interests", "too_many"),
            ]
        );
    }

    #[test]
    fn lists_drop_repeats_blank_text_clears_and_slots_come_in_week_order() {
        let edit = VolunteerEdit {
            email: Some(Some("ingrid@example.no".into())),
            city: Some(Some("   ".into())),
            languages: Some(vec!["no".into(), "en".into(), "no".into()]),
            availability: Some(vec!["thursday:evening".into(), "monday:morning".into()]),
            ..named()
        };
        let draft = VolunteerDraft {
            city: Some("Bergen".into()),
            ..VolunteerDraft::default()
        }
        .apply(edit, Country::Norway, 2026)
        .unwrap_or_default();
        assert_eq!(draft.city, None);
        assert_eq!(draft.languages, ["no", "en"]);
        let slots: Vec<String> = draft.availability.iter().map(ToString::to_string).collect();
        assert_eq!(slots, ["monday:morning", "thursday:evening"]);
    }
}
