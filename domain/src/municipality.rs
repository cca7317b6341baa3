//! Municipalities (the tenants), their official codes and their settings.

use crate::{ParseError, string_enum::string_enum};
use serde::{Deserialize, Serialize};

string_enum! {
    /// The country a municipality belongs to; it decides code format and certificate kinds.
    pub enum Country {
        /// Norway.
        Norway => "NO",
        /// Denmark.
        Denmark => "DK",
    }
}

/// An official municipality number: four digits in Norway (kommunenummer, e.g. `0301`),
/// three digits in Denmark (kommunekode, e.g. `101`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    /// Checks `raw` against the format of `country`.
    pub fn parse(country: Country, raw: &str) -> Result<Self, ParseError> {
        let digits = match country {
            Country::Norway => 4,
            Country::Denmark => 3,
        };
        let code = raw.trim();
        if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                "invalid_format",
                format!("a municipality code in {country} has exactly {digits} digits"),
            ));
        }
        if code.bytes().all(|b| b == b'0') {
            return Err(ParseError::new(
                "invalid_format",
                "a municipality code is not all zeros",
            ));
        }
        Ok(Self(code.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a municipality decides for itself. Stored as a document so that later settings can be
/// added with a default and without touching existing municipalities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MunicipalitySettings {
    /// Days between regular follow-ups of a volunteer.
    pub follow_up_interval_days: u16,
    /// How far ahead an expiry is reported as `expiring_soon`.
    pub expiring_soon_days: u16,
    /// Days a registration may wait for a screening call before it shows in the work list.
    pub screening_wait_days: u16,
    /// Longest time between a police certificate's issue date and its presentation.
    pub police_certificate_presentation_days: u16,
    /// Months after which a police certificate must be renewed.
    pub police_certificate_renewal_months: u16,
}

impl Default for MunicipalitySettings {
    fn default() -> Self {
        Self {
            follow_up_interval_days: 90,
            expiring_soon_days: 30,
            screening_wait_days: 14,
            police_certificate_presentation_days: 90,
            police_certificate_renewal_months: 36,
        }
    }
}

/// A partial change of [`MunicipalitySettings`]; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MunicipalitySettingsPatch {
    /// See [`MunicipalitySettings::follow_up_interval_days`].
    pub follow_up_interval_days: Option<u16>,
    /// See [`MunicipalitySettings::expiring_soon_days`].
    pub expiring_soon_days: Option<u16>,
    /// See [`MunicipalitySettings::screening_wait_days`].
    pub screening_wait_days: Option<u16>,
    /// See [`MunicipalitySettings::police_certificate_presentation_days`].
    pub police_certificate_presentation_days: Option<u16>,
    /// See [`MunicipalitySettings::police_certificate_renewal_months`].
    pub police_certificate_renewal_months: Option<u16>,
}

impl MunicipalitySettings {
    /// Applies `patch` and checks every value; errors name the field.
    pub fn apply(
        &self,
        patch: &MunicipalitySettingsPatch,
    ) -> Result<Self, Vec<(&'static str, ParseError)>> {
        let next = Self {
            follow_up_interval_days: patch
                .follow_up_interval_days
                .unwrap_or(self.follow_up_interval_days),
            expiring_soon_days: patch.expiring_soon_days.unwrap_or(self.expiring_soon_days),
            screening_wait_days: patch
                .screening_wait_days
                .unwrap_or(self.screening_wait_days),
            police_certificate_presentation_days: patch
                .police_certificate_presentation_days
                .unwrap_or(self.police_certificate_presentation_days),
            police_certificate_renewal_months: patch
                .police_certificate_renewal_months
                .unwrap_or(self.police_certificate_renewal_months),
        };
        let errors = next.problems();
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }

    /// Every setting outside its allowed range, by field name.
    pub fn problems(&self) -> Vec<(&'static str, ParseError)> {
        let checks: [(&'static str, u16, u16, u16); 5] = [
            (
                "follow_up_interval_days",
                self.follow_up_interval_days,
                7,
                730,
            ),
            ("expiring_soon_days", self.expiring_soon_days, 0, 365),
            ("screening_wait_days", self.screening_wait_days, 1, 365),
            (
                "police_certificate_presentation_days",
                self.police_certificate_presentation_days,
                1,
                365,
            ),
            (
                "police_certificate_renewal_months",
                self.police_certificate_renewal_months,
                1,
                240,
            ),
        ];
        checks
            .into_iter()
            .filter(|(_, value, min, max)| value < min || value > max)
            .map(|(field, _, min, max)| {
                (
                    field,
                    ParseError::new("out_of_range", format!("must be between {min} and {max}")),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_country() {
        assert!(MunicipalityCode::parse(Country::Norway, "0301").is_ok());
        assert!(MunicipalityCode::parse(Country::Denmark, "101").is_ok());
        assert!(MunicipalityCode::parse(Country::Norway, "101").is_err());
        assert!(MunicipalityCode::parse(Country::Denmark, "0301").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "03a1").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "0000").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "٠٣٠١").is_err());
    }

    #[test]
    fn country_parses_only_its_codes() {
        assert_eq!("NO".parse::<Country>(), Ok(Country::Norway));
        assert!("no".parse::<Country>().is_err());
    }

    #[test]
    fn settings_documents_missing_fields_take_defaults() {
        let parsed: MunicipalitySettings =
            serde_json::from_str(r#"{"expiring_soon_days": 10}"#).unwrap_or_default();
        assert_eq!(parsed.expiring_soon_days, 10);
        assert_eq!(parsed.follow_up_interval_days, 90);
    }

    #[test]
    fn a_patch_out_of_range_names_every_bad_field() {
        let patch = MunicipalitySettingsPatch {
            follow_up_interval_days: Some(0),
            expiring_soon_days: Some(400),
            ..Default::default()
        };
        let fields: Vec<_> = MunicipalitySettings::default()
            .apply(&patch)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, ["follow_up_interval_days", "expiring_soon_days"]);
    }

    #[test]
    fn a_valid_patch_changes_only_what_it_names() {
        let patch = MunicipalitySettingsPatch {
            screening_wait_days: Some(3),
            ..Default::default()
        };
        let next = MunicipalitySettings::default().apply(&patch);
        assert_eq!(
            next,
            Ok(MunicipalitySettings {
                screening_wait_days: 3,
                ..Default::default()
            })
        );
    }
}

/// A municipality as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    /// Its id.
    pub id: crate::ids::MunicipalityId,
    /// Its country.
    pub country: Country,
    /// Its official code, unique within the country.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its settings, with defaults filled in.
    pub settings: MunicipalitySettings,
    /// Optimistic-concurrency version, raised by every change.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A municipality name: at most 200 characters.
pub type MunicipalityName = crate::text::Name<200>;
