//! Visiting dogs (besøkshunder) and their approvals. A handler and a dog are approved together,
//! as a team, for categories of visits (the Norwegian Red Cross model).

use crate::{
    certificate::add_months,
    ids::{DogId, VolunteerId},
    string_enum::string_enum,
};
use chrono::NaiveDate;

string_enum! {
    /// What kind of visit a dog team is approved for.
    pub enum DogCategory {
        /// Walks outdoors.
        Walk => "walk",
        /// A common room of an institution.
        InstitutionCommonRoom => "institution_common_room",
        /// A resident's own room in an institution.
        InstitutionSingleRoom => "institution_single_room",
        /// A visit in a private home.
        HomeVisit => "home_visit",
    }
}

/// A dog's name: at most 100 characters.
pub type DogName = crate::text::Name<100>;
/// A breed: at most 100 characters.
pub type Breed = crate::text::Name<100>;

/// A visiting dog as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dog {
    /// Its id.
    pub id: DogId,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// The volunteer who handles it.
    pub handler_id: VolunteerId,
    /// Its name.
    pub name: String,
    /// Its breed.
    pub breed: String,
    /// Its birth date.
    pub birth_date: NaiveDate,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A dated approval of a dog team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DogApproval {
    /// Its id.
    pub id: uuid::Uuid,
    /// The dog.
    pub dog_id: DogId,
    /// The handler the team was approved with.
    pub handler_id: VolunteerId,
    /// The programme that assessed the team (e.g. Røde Kors besøkshund, TrygFonden besøgshunde).
    pub programme: String,
    /// What the team may do.
    pub categories: Vec<DogCategory>,
    /// When the temperament and suitability assessment was made.
    pub assessed_on: NaiveDate,
    /// Who assessed the team.
    pub assessor: String,
    /// The date of the vet's health check.
    pub vet_checked_on: NaiveDate,
    /// Until when the core vaccinations are valid.
    pub vaccinations_valid_until: NaiveDate,
    /// Until when the liability insurance runs.
    pub insurance_valid_until: NaiveDate,
    /// The approval's own last day.
    pub valid_until: NaiveDate,
    /// Limits set by the assessor (e.g. "not with residents who fear dogs").
    pub restrictions: Option<String>,
    /// The coordinator who recorded it.
    pub recorded_by: crate::ids::StaffUserId,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What the municipality asks of dogs, from its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DogPolicy {
    /// Months a vet check stays current.
    pub vet_check_months: u16,
    /// Youngest working age in months (0: none).
    pub min_age_months: u16,
    /// Age in months from which the dog may no longer work (0: none).
    pub max_age_months: u16,
}

string_enum! {
    /// What ends (or ended) a dog approval first.
    pub enum DogLimit {
        /// The approval's own validity.
        Approval => "approval",
        /// The yearly vet check.
        VetCheck => "vet_check",
        /// The vaccinations.
        Vaccinations => "vaccinations",
        /// The insurance.
        Insurance => "insurance",
        /// The dog's age window.
        Age => "age",
    }
}

impl DogApproval {
    /// The last day this approval counts, and what sets it: the earliest of its own validity,
    /// the vet check plus the municipality's interval, the vaccinations, the insurance and the
    /// end of the dog's age window.
    pub fn last_valid_day(
        &self,
        birth_date: NaiveDate,
        policy: DogPolicy,
    ) -> (NaiveDate, DogLimit) {
        let day_before = |d: NaiveDate| d.pred_opt().unwrap_or(d);
        let mut ends = vec![
            (self.valid_until, DogLimit::Approval),
            (
                day_before(add_months(self.vet_checked_on, policy.vet_check_months)),
                DogLimit::VetCheck,
            ),
            (self.vaccinations_valid_until, DogLimit::Vaccinations),
            (self.insurance_valid_until, DogLimit::Insurance),
        ];
        if policy.max_age_months > 0 {
            ends.push((
                day_before(add_months(birth_date, policy.max_age_months)),
                DogLimit::Age,
            ));
        }
        ends.into_iter()
            .min_by_key(|(day, _)| *day)
            .unwrap_or((self.valid_until, DogLimit::Approval))
    }
}

/// The first day a dog is old enough to work, if the municipality sets a minimum age.
pub fn old_enough_from(birth_date: NaiveDate, policy: DogPolicy) -> Option<NaiveDate> {
    (policy.min_age_months > 0).then(|| add_months(birth_date, policy.min_age_months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn approval() -> DogApproval {
        DogApproval {
            id: uuid::Uuid::nil(),
            dog_id: DogId::from(uuid::Uuid::nil()),
            handler_id: VolunteerId::from(uuid::Uuid::nil()),
            programme: "Røde Kors besøkshund".into(),
            categories: vec![DogCategory::InstitutionCommonRoom],
            assessed_on: date(2026, 1, 10),
            assessor: "Kari Nordmann".into(),
            vet_checked_on: date(2026, 1, 5),
            vaccinations_valid_until: date(2028, 1, 1),
            insurance_valid_until: date(2027, 6, 30),
            valid_until: date(2028, 1, 10),
            restrictions: None,
            recorded_by: crate::ids::StaffUserId::from(uuid::Uuid::nil()),
            created_at: chrono::DateTime::default(),
        }
    }

    const POLICY: DogPolicy = DogPolicy {
        vet_check_months: 12,
        min_age_months: 0,
        max_age_months: 0,
    };

    #[test]
    fn the_yearly_vet_check_ends_an_approval_first() {
        assert_eq!(
            approval().last_valid_day(date(2020, 1, 1), POLICY),
            (date(2027, 1, 4), DogLimit::VetCheck)
        );
    }

    #[test]
    fn an_age_window_can_end_it_earlier() {
        let policy = DogPolicy {
            max_age_months: 120,
            min_age_months: 24,
            ..POLICY
        };
        assert_eq!(
            approval().last_valid_day(date(2016, 6, 1), policy),
            (date(2026, 5, 31), DogLimit::Age)
        );
        assert_eq!(
            old_enough_from(date(2025, 6, 1), policy),
            Some(date(2027, 6, 1))
        );
        assert_eq!(old_enough_from(date(2025, 6, 1), POLICY), None);
    }
}
