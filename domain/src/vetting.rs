//! Vetting records: screening interviews, reference checks, signed declarations, and the
//! document versions a municipality publishes.

use crate::string_enum::string_enum;

string_enum! {
    /// How a screening interview was held.
    pub enum ScreeningChannel {
        /// By phone.
        Phone => "phone",
        /// By video call.
        Video => "video",
        /// Face to face.
        InPerson => "in_person",
    }
}

string_enum! {
    /// The interviewer's assessment.
    pub enum ScreeningAssessment {
        /// Suitable as a volunteer.
        Suitable => "suitable",
        /// Not suitable.
        NotSuitable => "not_suitable",
        /// Another conversation is needed.
        NeedsFollowUp => "needs_follow_up",
    }
}

string_enum! {
    /// What a reference said.
    pub enum ReferenceOutcome {
        /// The reference supports the volunteer.
        Satisfactory => "satisfactory",
        /// The reference raised concerns.
        Unsatisfactory => "unsatisfactory",
        /// The reference could not be reached; the check is closed.
        Unreachable => "unreachable",
    }
}

string_enum! {
    /// A document a volunteer signs or accepts.
    pub enum DeclarationKind {
        /// Taushetserklæring / tavshedserklæring.
        Confidentiality => "confidentiality",
        /// The municipality's privacy guidelines.
        PrivacyGuidelines => "privacy_guidelines",
        /// Frivilligavtale / frivilligaftale, reviewed with a coordinator.
        VolunteerAgreement => "volunteer_agreement",
    }
}

/// A document version label: at most 50 characters (`2026-1`, `v3`).
pub type DocumentVersion = crate::text::Name<50>;

/// Whether a declaration signed for `signed_version` is current, given the version the
/// municipality has most recently published for that kind (`None`: nothing published, so any
/// signed version counts).
pub fn declaration_is_current(signed_version: &str, published: Option<&str>) -> bool {
    published.is_none_or(|current| current == signed_version)
}

/// Checks the document version a declaration of `kind` names against the versions the
/// municipality has published (`published`, of any kind): once it publishes a version of the
/// document (on or before `today`), a declaration must name one of the versions published by
/// then. A version never published, or published only from a later day, is refused: it could
/// never be current, and clearance would call it outdated. Where nothing of the kind is published
/// yet, any label is taken, as [`declaration_is_current`] counts it (there is nothing to compare).
pub fn check_document_version(
    kind: DeclarationKind,
    version: &str,
    published: &[PublishedDocument],
    today: chrono::NaiveDate,
) -> Result<(), crate::ParseError> {
    let of_kind: Vec<&PublishedDocument> = published.iter().filter(|d| d.kind == kind).collect();
    let mut by_today: Vec<&str> = of_kind
        .iter()
        .filter(|d| d.published_on <= today)
        .map(|d| d.version_label.as_str())
        .collect();
    if by_today.is_empty() || by_today.contains(&version) {
        return Ok(());
    }
    by_today.sort_unstable();
    by_today.dedup();
    let message = match of_kind.iter().find(|d| d.version_label == version) {
        Some(later) => format!(
            "version {version} of the {kind} document applies only from {}; it cannot be signed before",
            later.published_on
        ),
        None => format!(
            "the municipality has not published version {version} of the {kind} document (published: {})",
            by_today.join(", ")
        ),
    };
    Err(crate::ParseError::new("not_published", message))
}

/// The day a reference check dates from, for a rule's maximum age: when the reference was
/// contacted, or else the day its outcome was recorded (`recorded_at`).
pub fn reference_checked_on(
    contacted_at: Option<chrono::DateTime<chrono::Utc>>,
    recorded_at: chrono::DateTime<chrono::Utc>,
) -> chrono::NaiveDate {
    contacted_at.unwrap_or(recorded_at).date_naive()
}

/// Whether the needed reference checks are complete: there is at least one, and none is
/// still waiting for an outcome.
pub fn references_complete(outcomes: &[Option<ReferenceOutcome>]) -> bool {
    !outcomes.is_empty() && outcomes.iter().all(Option::is_some)
}

/// A screening interview as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    /// Its id.
    pub id: uuid::Uuid,
    /// The volunteer.
    pub volunteer_id: crate::ids::VolunteerId,
    /// When it was held.
    pub held_at: chrono::DateTime<chrono::Utc>,
    /// How.
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: crate::ids::StaffUserId,
    /// Interests found in the conversation.
    pub interests_mapped: Vec<String>,
    /// The assessment.
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A reference check as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceCheck {
    /// Its id.
    pub id: uuid::Uuid,
    /// The volunteer.
    pub volunteer_id: crate::ids::VolunteerId,
    /// Who the reference is.
    pub referee_name: String,
    /// How the reference knows the volunteer.
    pub relation: String,
    /// When the reference was contacted.
    pub contacted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The outcome; `None` while pending.
    pub outcome: Option<ReferenceOutcome>,
    /// Notes.
    pub notes: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A signed declaration as stored, with whether its document version is still the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// Its id.
    pub id: uuid::Uuid,
    /// The volunteer.
    pub volunteer_id: crate::ids::VolunteerId,
    /// Which document.
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When it was signed.
    pub signed_on: chrono::NaiveDate,
    /// The coordinator who recorded (for the agreement: reviewed) it.
    pub recorded_by: crate::ids::StaffUserId,
    /// Whether a newer version has been published since: the volunteer must sign again.
    pub needs_renewal: bool,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A document version a municipality has published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedDocument {
    /// Its id.
    pub id: uuid::Uuid,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// Which document.
    pub kind: DeclarationKind,
    /// The version label.
    pub version_label: String,
    /// From when it applies.
    pub published_on: chrono::NaiveDate,
    /// When it was recorded.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_published_version_makes_older_signatures_stale() {
        assert!(declaration_is_current("2025-1", None));
        assert!(declaration_is_current("2026-1", Some("2026-1")));
        assert!(!declaration_is_current("2025-1", Some("2026-1")));
    }

    fn published(kind: DeclarationKind, label: &str, on: (i32, u32, u32)) -> PublishedDocument {
        PublishedDocument {
            id: uuid::Uuid::nil(),
            municipality_id: crate::ids::MunicipalityId::from(uuid::Uuid::nil()),
            kind,
            version_label: label.to_owned(),
            published_on: chrono::NaiveDate::from_ymd_opt(on.0, on.1, on.2).unwrap_or_default(),
            created_at: chrono::DateTime::default(),
        }
    }

    #[test]
    fn a_declaration_names_a_version_published_by_today() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let confidentiality = DeclarationKind::Confidentiality;
        let documents = [
            published(confidentiality, "2025-1", (2025, 1, 1)),
            published(confidentiality, "2026-1", (2026, 1, 1)),
            published(confidentiality, "2027-1", (2027, 1, 1)),
            published(DeclarationKind::PrivacyGuidelines, "p-2026", (2026, 1, 1)),
        ];
        let check = |kind, version| check_document_version(kind, version, &documents, today);
        assert_eq!(check(confidentiality, "2026-1"), Ok(()));
        assert_eq!(
            check(confidentiality, "2025-1"),
            Ok(()),
            "an older published version may be recorded; it needs renewal"
        );
        let never = check(confidentiality, "2099-9");
        assert_eq!(never.as_ref().map_err(|e| e.code), Err("not_published"));
        assert!(
            never.is_err_and(|e| e.message.contains("2025-1, 2026-1")),
            "the message names what is published"
        );
        let later = check(confidentiality, "2027-1");
        assert!(later.is_err_and(|e| e.message.contains("2027-01-01")));
        assert!(
            check(DeclarationKind::PrivacyGuidelines, "2026-1").is_err(),
            "versions are per document"
        );
        assert_eq!(
            check(DeclarationKind::VolunteerAgreement, "anything"),
            Ok(()),
            "nothing of the kind is published: any label"
        );
        let only_later = [published(confidentiality, "2027-1", (2027, 1, 1))];
        assert_eq!(
            check_document_version(confidentiality, "draft", &only_later, today),
            Ok(())
        );
    }

    #[test]
    fn a_reference_check_dates_from_the_contact_or_else_its_recording() {
        let at = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|day| day.and_hms_opt(23, 30, 0))
                .map(|t| t.and_utc())
                .unwrap_or_default()
        };
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(
            reference_checked_on(Some(at(2025, 10, 1)), at(2026, 11, 1)),
            day(2025, 10, 1)
        );
        assert_eq!(
            reference_checked_on(None, at(2026, 11, 1)),
            day(2026, 11, 1)
        );
    }

    #[test]
    fn references_are_complete_when_every_check_has_an_outcome() {
        assert!(!references_complete(&[]));
        assert!(!references_complete(&[
            Some(ReferenceOutcome::Satisfactory),
            None
        ]));
        assert!(references_complete(&[Some(ReferenceOutcome::Unreachable)]));
    }
}
