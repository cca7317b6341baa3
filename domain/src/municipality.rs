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
/// three digits in Denmark (kommunekode, e.g. `173`). Danish registers often write the
/// kommunekode zero-padded to four digits (`0173`); that form is read as the three-digit one,
/// which is the only form stored, so `0173` and `173` are the same code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    /// Checks `raw` against the format of `country` and returns the canonical form.
    pub fn parse(country: Country, raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim();
        let code = match country {
            Country::Denmark if code.len() == 4 => code.strip_prefix('0').unwrap_or(code),
            _ => code,
        };
        let digits = match country {
            Country::Norway => 4,
            Country::Denmark => 3,
        };
        if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
            let message = match country {
                Country::Norway => "a municipality code in NO has exactly 4 digits",
                Country::Denmark => {
                    "a municipality code in DK has 3 digits, or 4 with a leading zero"
                }
            };
            return Err(ParseError::new("invalid_format", message));
        }
        if code.bytes().all(|b| b == b'0') {
            return Err(ParseError::new(
                "invalid_format",
                "a municipality code is not all zeros",
            ));
        }
        Ok(Self(code.to_owned()))
    }

    /// Every municipality `raw` can name when the country is not known (public
    /// self-registration names a municipality by its code alone), in order of preference: a
    /// four-digit code is Norwegian, and if it starts with a zero also the zero-padded form of a
    /// Danish one; the Norwegian reading comes first, since Norwegian codes are always written
    /// with four digits. Empty when `raw` is no code of either country.
    pub fn candidates(raw: &str) -> Vec<(Country, Self)> {
        Country::ALL
            .iter()
            .filter_map(|&country| Self::parse(country, raw).ok().map(|code| (country, code)))
            .collect()
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Declares the settings once: the stored document, its partial change, the range checks and
/// the list [`SETTINGS`] that documentation and schemas are generated from.
macro_rules! settings {
    ($($(#[doc = $doc:literal])+ $field:ident: $default:literal, $min:literal..=$max:literal;)+) => {
        /// What a municipality decides for itself. Stored as a document so that later settings
        /// can be added with a default and without touching existing municipalities.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct MunicipalitySettings {
            $($(#[doc = $doc])+ pub $field: u16,)+
        }

        impl Default for MunicipalitySettings {
            fn default() -> Self {
                Self { $($field: $default,)+ }
            }
        }

        /// A partial change of [`MunicipalitySettings`]; absent fields stay as they are.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct MunicipalitySettingsPatch {
            $($(#[doc = $doc])+ pub $field: Option<u16>,)+
        }

        /// Every setting: name, description, default and allowed range.
        pub const SETTINGS: &[SettingSpec] = &[
            $(SettingSpec {
                name: stringify!($field),
                description: concat!($($doc),+),
                default: $default,
                min: $min,
                max: $max,
            },)+
        ];

        impl MunicipalitySettings {
            /// Applies `patch` and checks every value; errors name the field.
            pub fn apply(
                &self,
                patch: &MunicipalitySettingsPatch,
            ) -> Result<Self, Vec<(&'static str, ParseError)>> {
                let next = Self { $($field: patch.$field.unwrap_or(self.$field),)+ };
                let errors = next.problems();
                if errors.is_empty() { Ok(next) } else { Err(errors) }
            }

            /// Every setting outside its allowed range, by field name.
            pub fn problems(&self) -> Vec<(&'static str, ParseError)> {
                [$((stringify!($field), self.$field, $min, $max),)+]
                    .into_iter()
                    .filter(|&(_, value, min, max): &(&'static str, u16, u16, u16)| value < min || value > max)
                    .map(|(field, _, min, max)| {
                        (
                            field,
                            ParseError::new("out_of_range", format!("must be between {min} and {max}")),
                        )
                    })
                    .collect()
            }
        }
    };
}

/// One setting as documented: what it means, its default and its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    /// The field name.
    pub name: &'static str,
    /// What it decides.
    pub description: &'static str,
    /// Its value when the municipality has not chosen one.
    pub default: u16,
    /// The smallest allowed value.
    pub min: u16,
    /// The largest allowed value.
    pub max: u16,
}

settings! {
    /// Days between periodic follow-ups of each approved volunteer (the first counted from
    /// the intro follow-up).
    follow_up_interval_days: 90, 7..=730;
    /// How far ahead of the date asked about an expiry is reported as `expiring_soon`.
    expiring_soon_days: 30, 0..=365;
    /// Days a registration may wait for a screening call before it shows in the work list.
    screening_wait_days: 14, 1..=365;
    /// Longest time in months between a Norwegian politiattest's issue date and its
    /// presentation (3 months by law).
    police_certificate_presentation_months: 3, 1..=12;
    /// Months after its issue date when a police certificate no longer counts.
    police_certificate_renewal_months: 36, 1..=240;
    /// A break (pause) longer than this many months calls for a new police certificate;
    /// 0 turns the rule off.
    police_certificate_break_months: 0, 0..=120;
    /// Months a visiting dog's vet check stays current.
    dog_vet_check_months: 12, 1..=36;
    /// Youngest age in months a visiting dog may work at; 0 sets no limit.
    dog_min_age_months: 0, 0..=240;
    /// Age in months from which a visiting dog may no longer work; 0 sets no limit.
    dog_max_age_months: 0, 0..=240;
    /// Weeks ahead for which a placement's schedules are turned into planned visits.
    visit_horizon_weeks: 12, 1..=52;
    /// Days an open need may go without anyone interested or placed before it shows in the
    /// work list.
    need_unanswered_days: 14, 1..=365;
    /// Days before an open need's first day from which it shows in the work list while places
    /// are free.
    need_start_look_ahead_days: 7, 0..=90;
    /// Days after a volunteer's approval by which the intro follow-up (the first call) is due.
    intro_follow_up_days: 14, 1..=90;
    /// Days after the first visit of a new placement by which its review is due.
    first_visit_review_days: 7, 1..=60;
    /// Days between periodic follow-ups of each unit that has active placements.
    unit_follow_up_interval_days: 90, 7..=730;
    /// Days without a logged contact after which an approved volunteer shows in the work list.
    no_contact_days: 60, 7..=730;
    /// Whether hours a volunteer logs themselves wait for a coordinator's approval (1) or
    /// count at once (0).
    own_time_entries_need_approval: 1, 0..=1;
    /// Hours before a planned visit at which its volunteer is reminded by email (never between
    /// 21:00 and 08:00 local time); 0 sends no reminders.
    visit_reminder_hours: 24, 0..=168;
    /// Whether an import of volunteers writes nothing when one of its rows fails (1), or writes
    /// the valid rows and reports the rest (0).
    import_all_or_nothing: 1, 0..=1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_country() {
        assert!(MunicipalityCode::parse(Country::Norway, "0301").is_ok());
        assert!(MunicipalityCode::parse(Country::Denmark, "101").is_ok());
        assert!(MunicipalityCode::parse(Country::Norway, "101").is_err());
        assert!(MunicipalityCode::parse(Country::Denmark, "3010").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "03a1").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "0000").is_err());
        assert!(MunicipalityCode::parse(Country::Norway, "٠٣٠١").is_err());
    }

    #[test]
    fn danish_codes_may_be_zero_padded_and_are_stored_in_three_digits() {
        let code = |country, raw| MunicipalityCode::parse(country, raw).map(|c| c.0);
        assert_eq!(code(Country::Denmark, "0173"), Ok("173".into()));
        assert_eq!(code(Country::Denmark, " 173 "), Ok("173".into()));
        assert_eq!(
            MunicipalityCode::parse(Country::Denmark, "0173"),
            MunicipalityCode::parse(Country::Denmark, "173")
        );
        assert!(code(Country::Denmark, "1730").is_err());
        assert!(code(Country::Denmark, "00173").is_err());
        assert!(code(Country::Denmark, "0000").is_err());
        // Norwegian codes keep their four digits, leading zero and all.
        assert_eq!(code(Country::Norway, "0301"), Ok("0301".into()));
        assert!(code(Country::Norway, "301").is_err());
    }

    #[test]
    fn a_code_alone_names_norway_first_then_denmark() {
        let named = |raw| {
            MunicipalityCode::candidates(raw)
                .into_iter()
                .map(|(country, code)| format!("{country} {}", code.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(named("0173"), ["NO 0173", "DK 173"]);
        assert_eq!(named("173"), ["DK 173"]);
        assert_eq!(named("3005"), ["NO 3005"]);
        assert!(named("17a").is_empty());
        assert!(named("").is_empty());
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
    fn every_default_lies_in_its_range() {
        assert!(MunicipalitySettings::default().problems().is_empty());
        assert_eq!(SETTINGS.len(), 19);
        assert!(
            SETTINGS
                .iter()
                .all(|s| (s.min..=s.max).contains(&s.default))
        );
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
