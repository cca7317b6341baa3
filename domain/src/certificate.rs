//! Police certificates (politiattest, børneattest, straffeattest), kept data-minimised: which
//! kind was shown, for what purpose, when it was issued and presented, who checked it and how
//! they assessed it. Never the document and never the remarks.

use crate::{ParseError, municipality::Country, string_enum::string_enum};
use chrono::{Months, NaiveDate};

string_enum! {
    /// Which certificate was presented.
    pub enum CertificateKind {
        /// Norway: politiattest (police certificate), for example under the health and care
        /// services act § 5-4.
        Politiattest => "politiattest",
        /// Denmark: børneattest (child certificate), for work with children under 15.
        Boerneattest => "boerneattest",
        /// Denmark: straffeattest (criminal record certificate), for example for access to homes.
        Straffeattest => "straffeattest",
    }
}

string_enum! {
    /// How the coordinator assessed the certificate. The remarks themselves are never recorded.
    pub enum CertificateOutcome {
        /// No remarks.
        NoRemarks => "no_remarks",
        /// Remarks, assessed as not relevant for the role.
        RemarksNotRelevant => "remarks_not_relevant",
        /// Remarks that rule the volunteer out of the role.
        RemarksDisqualifying => "remarks_disqualifying",
    }
}

impl CertificateKind {
    /// The country whose authorities issue this kind.
    pub const fn country(self) -> Country {
        match self {
            CertificateKind::Politiattest => Country::Norway,
            CertificateKind::Boerneattest | CertificateKind::Straffeattest => Country::Denmark,
        }
    }
}

impl CertificateOutcome {
    /// Whether a certificate with this outcome lets the volunteer take the role.
    pub const fn acceptable(self) -> bool {
        !matches!(self, CertificateOutcome::RemarksDisqualifying)
    }
}

/// What the legal basis or purpose may be: at most 300 characters.
pub type CertificatePurpose = crate::text::Name<300>;

/// `date` plus `months` calendar months (the end of the month when the day does not exist).
pub fn add_months(date: NaiveDate, months: u16) -> NaiveDate {
    date.checked_add_months(Months::new(u32::from(months)))
        .unwrap_or(NaiveDate::MAX)
}

/// Checks a certificate before it is recorded: its kind must be one the municipality's country
/// issues, it cannot be presented before it was issued, and a Norwegian politiattest must be
/// presented within `presentation_months` of its issue date. Errors name the field.
pub fn check_presentation(
    country: Country,
    kind: CertificateKind,
    issued_on: NaiveDate,
    presented_on: NaiveDate,
    presentation_months: u16,
) -> Result<(), Vec<(&'static str, ParseError)>> {
    let mut errors = Vec::new();
    if kind.country() != country {
        errors.push((
            "kind",
            ParseError::new(
                "wrong_country",
                format!("a {kind} is not issued in {country}"),
            ),
        ));
    }
    if presented_on < issued_on {
        errors.push((
            "presented_on",
            ParseError::new("before_issue", "cannot be before issued_on"),
        ));
    } else if kind == CertificateKind::Politiattest
        && presented_on > add_months(issued_on, presentation_months)
    {
        errors.push((
            "issued_on",
            ParseError::new(
                "too_old",
                format!(
                    "a politiattest must be presented within {presentation_months} months of its \
                     issue date; this one was issued on {issued_on} and presented on \
                     {presented_on}: ask for a new one"
                ),
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A police certificate as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliceCertificate {
    /// Its id.
    pub id: uuid::Uuid,
    /// The volunteer who presented it.
    pub volunteer_id: crate::ids::VolunteerId,
    /// Which kind.
    pub kind: CertificateKind,
    /// The legal basis or purpose it was asked for.
    pub purpose: String,
    /// When the police issued it.
    pub issued_on: NaiveDate,
    /// When the volunteer showed it.
    pub presented_on: NaiveDate,
    /// The coordinator who checked it.
    pub checked_by: crate::ids::StaffUserId,
    /// The assessment.
    pub outcome: CertificateOutcome,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_politiattest_older_than_three_months_is_refused() {
        let issued = date(2026, 7, 20);
        assert!(
            check_presentation(
                Country::Norway,
                CertificateKind::Politiattest,
                issued,
                date(2026, 10, 20),
                3
            )
            .is_ok()
        );
        let errors = check_presentation(
            Country::Norway,
            CertificateKind::Politiattest,
            issued,
            date(2026, 11, 20),
            3,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "issued_on");
        assert_eq!(errors[0].1.code, "too_old");
    }

    #[test]
    fn kinds_belong_to_their_country() {
        let on = date(2026, 1, 10);
        assert!(
            check_presentation(Country::Denmark, CertificateKind::Boerneattest, on, on, 3).is_ok()
        );
        let errors = check_presentation(Country::Norway, CertificateKind::Straffeattest, on, on, 3)
            .err()
            .unwrap_or_default();
        assert_eq!(errors[0].0, "kind");
    }

    #[test]
    fn a_danish_certificate_has_no_presentation_limit_but_not_before_issue() {
        let issued = date(2025, 1, 10);
        assert!(
            check_presentation(
                Country::Denmark,
                CertificateKind::Straffeattest,
                issued,
                date(2026, 1, 10),
                3
            )
            .is_ok()
        );
        let errors = check_presentation(
            Country::Denmark,
            CertificateKind::Straffeattest,
            issued,
            date(2025, 1, 9),
            3,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors[0].0, "presented_on");
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(date(2026, 1, 31), 1), date(2026, 2, 28));
        assert_eq!(add_months(date(2026, 8, 23), 3), date(2026, 11, 23));
    }
}
