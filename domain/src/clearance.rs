//! The clearance engine: may this volunteer do this activity, in this setting, for this target
//! group, with this dog, on this date? Rules (the defaults of the practice plus a
//! municipality's own) decide what is required; facts about the volunteer decide each
//! requirement's state. One pure function answers, for volunteers and groups alike.

use crate::{
    certificate::{CertificateKind, CertificateOutcome, add_months},
    dog::{DogApproval, DogCategory, DogPolicy, old_enough_from},
    ids::{DogId, RuleId, VolunteerId},
    municipality::{Country, MunicipalitySettings},
    string_enum::string_enum,
    vetting::{DeclarationKind, ReferenceOutcome, ScreeningAssessment, references_complete},
    volunteer::VolunteerStatus,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

string_enum! {
    /// Where the activity takes place.
    pub enum Setting {
        /// A nursing home, day centre or other institution.
        Institution => "institution",
        /// Someone's own home.
        PrivateHome => "private_home",
    }
}

string_enum! {
    /// Who the activity is with.
    pub enum TargetGroup {
        /// Older people and others with no special requirement.
        General => "general",
        /// People with intellectual disabilities (utviklingshemming).
        IntellectualDisability => "intellectual_disability",
        /// Children (in Denmark: under 15).
        Children => "children",
        /// People with dementia.
        Dementia => "dementia",
        /// People with mental health needs.
        MentalHealth => "mental_health",
    }
}

string_enum! {
    /// Something a rule can require. The codes are part of the API.
    pub enum RequirementKind {
        /// The volunteer's status is `approved`.
        ApprovedStatus => "approved_status",
        /// A screening interview assessed `suitable`.
        SuitableScreening => "suitable_screening",
        /// A confidentiality declaration of the current version.
        ConfidentialityDeclaration => "confidentiality_declaration",
        /// Privacy guidelines of the current version, accepted.
        PrivacyGuidelines => "privacy_guidelines",
        /// A volunteer agreement of the current version.
        VolunteerAgreement => "volunteer_agreement",
        /// Reference checks completed, none unsatisfactory; they date from the last one done.
        ReferenceChecks => "reference_checks",
        /// An assigned contact person.
        ContactPerson => "contact_person",
        /// A Norwegian politiattest assessed as acceptable.
        Politiattest => "politiattest",
        /// A Danish børneattest assessed as acceptable.
        Boerneattest => "boerneattest",
        /// A Danish straffeattest assessed as acceptable.
        Straffeattest => "straffeattest",
        /// A current approval of the named dog with this volunteer as handler.
        DogApproval => "dog_approval",
        /// A group names the members who take part (asked when per-person requirements apply).
        NamedMembers => "named_members",
        /// A training credential, named by the rule's `training` code, completed and not run
        /// out (granted by a theme training attended, or recorded for training elsewhere).
        Training => "training",
    }
}

string_enum! {
    /// A requirement's state on the date asked about.
    pub enum RequirementState {
        /// Met, and not expiring inside the look-ahead window.
        Met => "met",
        /// Met, but it ends inside the look-ahead window.
        ExpiringSoon => "expiring_soon",
        /// It was met once and has ended.
        Expired => "expired",
        /// It has never been met (or what there is does not count).
        Missing => "missing",
    }
}

string_enum! {
    /// Who a clearance answer or status record is about.
    pub enum SubjectKind {
        /// A volunteer.
        Volunteer => "volunteer",
        /// A group, cleared through its contact person.
        Group => "group",
    }
}

string_enum! {
    /// A condition attached to a clearance: it does not block, it must be followed.
    pub enum ConditionKind {
        /// The first visit in a private home is made together with a staff representative.
        AccompaniedFirstVisit => "accompanied_first_visit",
        /// The dog team's approval carries restrictions.
        DogRestrictions => "dog_restrictions",
    }
}

impl RequirementKind {
    /// The certificate kind this requirement asks for, if it asks for one.
    pub const fn certificate(self) -> Option<CertificateKind> {
        match self {
            RequirementKind::Politiattest => Some(CertificateKind::Politiattest),
            RequirementKind::Boerneattest => Some(CertificateKind::Boerneattest),
            RequirementKind::Straffeattest => Some(CertificateKind::Straffeattest),
            _ => None,
        }
    }

    /// Whether a municipality may put this requirement in a rule of its own: every one except
    /// the approved status, which always applies, the group's named members, which follow
    /// from per-person rules, and certificates its country does not issue.
    pub fn allowed_in_rules(self, country: Country) -> bool {
        !matches!(
            self,
            RequirementKind::ApprovedStatus | RequirementKind::NamedMembers
        ) && self
            .certificate()
            .is_none_or(|kind| kind.country() == country)
    }

    /// Whether the requirement rests on dated facts, so that a rule's maximum age applies to
    /// it: screenings, declarations, reference checks, certificates and dog approvals are
    /// dated; the approved status, the contact person and the named members are not.
    pub const fn dated(self) -> bool {
        !matches!(
            self,
            RequirementKind::ApprovedStatus
                | RequirementKind::ContactPerson
                | RequirementKind::NamedMembers
        )
    }

    /// Whether the requirement concerns each person rather than a group as a whole: police
    /// certificates, dog approvals and training. For groups these are checked for the named
    /// members.
    pub const fn per_person(self) -> bool {
        matches!(
            self,
            RequirementKind::DogApproval | RequirementKind::Training
        ) || self.certificate().is_some()
    }
}

/// When a rule applies: every field given must match the question; `None` matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleScope {
    /// Only for this activity kind.
    pub activity_kind: Option<String>,
    /// Only in this setting.
    pub setting: Option<Setting>,
    /// Only with this target group.
    pub target_group: Option<TargetGroup>,
    /// Only with (`true`) or without (`false`) a dog.
    pub with_dog: Option<bool>,
}

impl RuleScope {
    /// Whether the rule applies to `question`.
    pub fn applies(&self, question: &ClearanceQuestion) -> bool {
        self.activity_kind
            .as_ref()
            .is_none_or(|kind| *kind == question.activity_kind)
            && self.setting.is_none_or(|s| s == question.setting)
            && self.target_group.is_none_or(|g| g == question.target_group)
            && self.with_dog.is_none_or(|d| d == question.dog.is_some())
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleSource {
    /// One of the defaults of the practice, by name.
    Default(&'static str),
    /// A rule the municipality made.
    Municipality(RuleId),
}

impl std::fmt::Display for RuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleSource::Default(name) => write!(f, "default:{name}"),
            RuleSource::Municipality(id) => write!(f, "{id}"),
        }
    }
}

/// "When `scope`, require `requirement`, at most `max_age_months` old."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Where it comes from.
    pub source: RuleSource,
    /// When it applies.
    pub scope: RuleScope,
    /// What it requires.
    pub requirement: RequirementKind,
    /// The training credential's code, for a `training` requirement.
    pub training: Option<String>,
    /// The oldest the fact may be, in months from its date; `None`: no limit of its own.
    pub max_age_months: Option<u16>,
    /// Strict rules block clearance; advisory ones are reported only.
    pub strict: bool,
}

/// The defaults of DESIGN §2 for a municipality of `country`.
pub fn default_rules(country: Country) -> Vec<Rule> {
    let rule = |name, scope, requirement| Rule {
        source: RuleSource::Default(name),
        scope,
        requirement,
        training: None,
        max_age_months: None,
        strict: true,
    };
    let group = |target_group| RuleScope {
        target_group: Some(target_group),
        ..RuleScope::default()
    };
    let (disability_certificate, children_certificate) = match country {
        Country::Norway => (RequirementKind::Politiattest, RequirementKind::Politiattest),
        Country::Denmark => (
            RequirementKind::Straffeattest,
            RequirementKind::Boerneattest,
        ),
    };
    let mut rules = vec![
        rule(
            "always",
            RuleScope::default(),
            RequirementKind::ApprovedStatus,
        ),
        rule(
            "always",
            RuleScope::default(),
            RequirementKind::ConfidentialityDeclaration,
        ),
        rule(
            "always",
            RuleScope::default(),
            RequirementKind::PrivacyGuidelines,
        ),
        rule(
            "intellectual_disability",
            group(TargetGroup::IntellectualDisability),
            disability_certificate,
        ),
        rule(
            "children",
            group(TargetGroup::Children),
            children_certificate,
        ),
        rule(
            "with_dog",
            RuleScope {
                with_dog: Some(true),
                ..RuleScope::default()
            },
            RequirementKind::DogApproval,
        ),
    ];
    if country == Country::Denmark {
        rules.push(rule(
            "private_home_denmark",
            RuleScope {
                setting: Some(Setting::PrivateHome),
                ..RuleScope::default()
            },
            RequirementKind::Straffeattest,
        ));
    }
    rules
}

/// A rule a municipality made, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalRule {
    /// Its id.
    pub id: RuleId,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// A name for people ("Escorts need a fresh screening").
    pub name: String,
    /// When it applies.
    pub scope: RuleScope,
    /// What it requires.
    pub requirement: RequirementKind,
    /// The training credential's code, for a `training` requirement.
    pub training: Option<String>,
    /// The oldest the fact may be, in months.
    pub max_age_months: Option<u16>,
    /// Whether it blocks clearance.
    pub strict: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl MunicipalRule {
    /// The rule as the engine reads it.
    pub fn rule(&self) -> Rule {
        Rule {
            source: RuleSource::Municipality(self.id),
            scope: self.scope.clone(),
            requirement: self.requirement,
            training: self.training.clone(),
            max_age_months: self.max_age_months,
            strict: self.strict,
        }
    }
}

/// Checks a municipality's rule before it is stored: the requirement must be one a rule may
/// ask for in `country`, a dog approval cannot be asked for visits without a dog, and a
/// maximum age needs a requirement whose facts have a date to age from. A `training`
/// requirement names the training credential (`training`); no other requirement does.
pub fn check_rule(
    country: Country,
    scope: &RuleScope,
    requirement: RequirementKind,
    training: Option<&str>,
    max_age_months: Option<u16>,
) -> Result<(), Vec<(&'static str, crate::ParseError)>> {
    let mut errors = Vec::new();
    match (requirement == RequirementKind::Training, training) {
        (true, None) => errors.push((
            "training",
            crate::ParseError::new(
                "required",
                "name the training credential the rule requires, e.g. dementia_basics",
            ),
        )),
        (false, Some(_)) => errors.push((
            "training",
            crate::ParseError::new(
                "not_applicable",
                "only a training requirement names a training; leave it out",
            ),
        )),
        _ => {}
    }
    if !requirement.allowed_in_rules(country) {
        errors.push((
            "requirement",
            crate::ParseError::new(
                "not_allowed",
                if requirement == RequirementKind::ApprovedStatus {
                    "approved_status always applies; a rule cannot ask for it".to_owned()
                } else {
                    format!("a {requirement} is not issued in {country}")
                },
            ),
        ));
    }
    if requirement == RequirementKind::DogApproval && scope.with_dog == Some(false) {
        errors.push((
            "with_dog",
            crate::ParseError::new(
                "contradiction",
                "a dog approval cannot be required for visits without a dog",
            ),
        ));
    }
    if max_age_months.is_some() && !requirement.dated() {
        errors.push((
            "max_age_months",
            crate::ParseError::new(
                "not_applicable",
                format!("{requirement} has no date to age from; leave max_age_months out"),
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The question: this activity, here, with these people, maybe with this dog, on this date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearanceQuestion {
    /// The activity kind's code.
    pub activity_kind: String,
    /// The setting.
    pub setting: Setting,
    /// The target group.
    pub target_group: TargetGroup,
    /// The dog that comes along, if any.
    pub dog: Option<DogId>,
    /// What the dog will do; by default decided by the setting.
    pub dog_category: DogCategory,
    /// The date asked about.
    pub on: NaiveDate,
}

/// The dog category a visit in `setting` needs unless the question says otherwise.
pub const fn default_dog_category(setting: Setting) -> DogCategory {
    match setting {
        Setting::Institution => DogCategory::InstitutionCommonRoom,
        Setting::PrivateHome => DogCategory::HomeVisit,
    }
}

/// What the municipality's settings say about dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearancePolicy {
    /// How far ahead an expiry is reported as `expiring_soon`.
    pub expiring_soon_days: u16,
    /// Months after issue when a police certificate stops counting.
    pub certificate_renewal_months: u16,
    /// A break longer than this many months calls for a new certificate (0: never).
    pub certificate_break_months: u16,
    /// What dogs need.
    pub dog: DogPolicy,
}

impl From<&MunicipalitySettings> for ClearancePolicy {
    fn from(s: &MunicipalitySettings) -> Self {
        Self {
            expiring_soon_days: s.expiring_soon_days,
            certificate_renewal_months: s.police_certificate_renewal_months,
            certificate_break_months: s.police_certificate_break_months,
            dog: DogPolicy {
                vet_check_months: s.dog_vet_check_months,
                min_age_months: s.dog_min_age_months,
                max_age_months: s.dog_max_age_months,
            },
        }
    }
}

/// A signed declaration, as clearance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclarationFact {
    /// Which document.
    pub kind: DeclarationKind,
    /// When it was signed.
    pub signed_on: NaiveDate,
    /// Whether it is of the version the municipality publishes now.
    pub current: bool,
}

/// A screening interview, as clearance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningFact {
    /// When it was held.
    pub held_on: NaiveDate,
    /// The assessment.
    pub assessment: ScreeningAssessment,
}

/// A reference check, as clearance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceFact {
    /// The outcome; `None` while pending.
    pub outcome: Option<ReferenceOutcome>,
    /// The day it was done (see [`crate::vetting::reference_checked_on`]).
    pub checked_on: NaiveDate,
}

/// A police certificate, as clearance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateFact {
    /// Which kind.
    pub kind: CertificateKind,
    /// When it was issued.
    pub issued_on: NaiveDate,
    /// When it was presented.
    pub presented_on: NaiveDate,
    /// The assessment.
    pub outcome: CertificateOutcome,
}

/// A completed pause: from the day the volunteer paused to the day they came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// First day of the break.
    pub from: NaiveDate,
    /// The day the volunteer came back.
    pub until: NaiveDate,
}

/// The completed breaks in a status history (time, new status), oldest first.
pub fn breaks(history: &[(DateTime<Utc>, VolunteerStatus)]) -> Vec<Break> {
    let mut found = Vec::new();
    let mut paused_since = None;
    for (at, status) in history {
        match (*status, paused_since) {
            (VolunteerStatus::Paused, None) => paused_since = Some(at.date_naive()),
            (VolunteerStatus::Paused, Some(_)) => {}
            (_, Some(from)) => {
                found.push(Break {
                    from,
                    until: at.date_naive(),
                });
                paused_since = None;
            }
            (_, None) => {}
        }
    }
    found
}

/// A training credential, as clearance sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFact {
    /// The training's code.
    pub training: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// The last day it counts; `None` when it does not run out.
    pub valid_until: Option<NaiveDate>,
}

impl TrainingFact {
    /// The last day it counts for a rule with `max_age` months (`None` when it does not run
    /// out), and what sets that day: the credential's validity or the rule's maximum age,
    /// whichever ends first.
    pub fn counts_until(&self, max_age: Option<u16>) -> (Option<NaiveDate>, &'static str) {
        let own = last_day(self.completed_on, max_age);
        match (self.valid_until, own) {
            (Some(v), Some(o)) if o < v => (Some(o), "the rule's maximum age"),
            (None, Some(o)) => (Some(o), "the rule's maximum age"),
            (v, _) => (v, "the credential's validity"),
        }
    }
}

/// The dog named in the question, as clearance sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DogFacts {
    /// The volunteer who handles the dog now.
    pub handler_id: VolunteerId,
    /// Its birth date.
    pub birth_date: NaiveDate,
    /// Its approvals.
    pub approvals: Vec<DogApproval>,
}

/// Everything clearance knows about the volunteer (or a group's contact person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearanceFacts {
    /// Whose facts these are.
    pub volunteer_id: VolunteerId,
    /// The lifecycle status.
    pub status: VolunteerStatus,
    /// Whether a contact person is assigned.
    pub has_contact_person: bool,
    /// Signed declarations.
    pub declarations: Vec<DeclarationFact>,
    /// Screening interviews.
    pub screenings: Vec<ScreeningFact>,
    /// Reference checks.
    pub references: Vec<ReferenceFact>,
    /// Police certificates.
    pub certificates: Vec<CertificateFact>,
    /// Completed breaks.
    pub breaks: Vec<Break>,
    /// Training credentials.
    pub trainings: Vec<TrainingFact>,
    /// The dog named in the question, if one was and it exists.
    pub dog: Option<DogFacts>,
}

/// One requirement as answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementResult {
    /// What is required.
    pub requirement: RequirementKind,
    /// The training credential's code, for a `training` requirement.
    pub training: Option<String>,
    /// Whether it blocks clearance.
    pub strict: bool,
    /// Its state on the date asked about.
    pub state: RequirementState,
    /// The date of the fact that meets (or last met) it.
    pub since: Option<NaiveDate>,
    /// The last day it is (or was) met; `None` when it does not end by date.
    pub valid_until: Option<NaiveDate>,
    /// A short explanation for people.
    pub detail: String,
    /// The rules that ask for it.
    pub rules: Vec<RuleSource>,
}

/// A condition that goes with a clearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What kind.
    pub kind: ConditionKind,
    /// What it asks, for people.
    pub detail: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clearance {
    /// Whether every strict requirement is met.
    pub cleared: bool,
    /// Every requirement that applies, in a stable order.
    pub requirements: Vec<RequirementResult>,
    /// Conditions to follow.
    pub conditions: Vec<Condition>,
    /// The first day after the date asked about on which a requirement's met-or-not changes,
    /// so the answer may change; `None` when nothing is known to change.
    pub changes_on: Option<NaiveDate>,
}

/// A dated fact that may meet a requirement.
struct Candidate {
    from: NaiveDate,
    until: Option<NaiveDate>,
    /// Why it stopped counting regardless of dates (a newer document version, a long break).
    ended: Option<String>,
    /// Why it never counts (disqualifying remarks, another handler).
    refused: Option<String>,
    what: String,
    /// What sets `until`, for the explanation.
    limit: &'static str,
}

struct Assessment {
    state: RequirementState,
    since: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    detail: String,
    /// A later date on which the state may change.
    changes_on: Option<NaiveDate>,
}

/// The state of something whose last valid day is `last_day`, seen on `on`: expired after it,
/// expiring soon when it falls inside the look-ahead window, met before that.
pub fn expiry_state(last_day: NaiveDate, on: NaiveDate, soon_days: u16) -> RequirementState {
    if last_day < on {
        RequirementState::Expired
    } else if last_day < on + chrono::Days::new(u64::from(soon_days)) {
        RequirementState::ExpiringSoon
    } else {
        RequirementState::Met
    }
}

/// The last day a police certificate issued on `issued_on` counts under the renewal period.
pub fn certificate_last_day(issued_on: NaiveDate, policy: ClearancePolicy) -> NaiveDate {
    add_months(issued_on, policy.certificate_renewal_months)
        .pred_opt()
        .unwrap_or(issued_on)
}

fn last_day(from: NaiveDate, months: Option<u16>) -> Option<NaiveDate> {
    months.map(|m| add_months(from, m).pred_opt().unwrap_or(from))
}

pub(crate) fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// Keeps, of the candidates dated on or before `on`, only the latest: a newer screening,
/// certificate or signature replaces the older ones. Later-dated candidates stay, for the day
/// the answer changes.
fn latest_only(mut candidates: Vec<Candidate>, on: NaiveDate) -> Vec<Candidate> {
    let latest = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.from <= on)
        .max_by_key(|(i, c)| (c.from, *i))
        .map(|(i, _)| i);
    let mut index = 0;
    candidates.retain(|c| {
        let keep = c.from > on || Some(index) == latest;
        index += 1;
        keep
    });
    candidates
}

/// Picks the candidate that best meets the requirement on `on`.
fn assess(candidates: Vec<Candidate>, on: NaiveDate, soon_days: u16, nothing: &str) -> Assessment {
    let started_later = candidates
        .iter()
        .filter(|c| c.refused.is_none() && c.ended.is_none() && c.from > on)
        .map(|c| c.from)
        .min();
    let started: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.refused.is_none() && c.from <= on)
        .collect();
    let valid = started
        .iter()
        .filter(|c| c.ended.is_none() && c.until.is_none_or(|until| until >= on))
        .max_by_key(|c| (c.until.is_none(), c.until, c.from));
    if let Some(best) = valid {
        let soon = best.until.is_some_and(|until| {
            expiry_state(until, on, soon_days) == RequirementState::ExpiringSoon
        });
        let detail = match best.until {
            Some(until) if soon => format!("{}; ends after {until} ({})", best.what, best.limit),
            Some(until) => format!("{}; valid until {until}", best.what),
            None => best.what.clone(),
        };
        return Assessment {
            state: if soon {
                RequirementState::ExpiringSoon
            } else {
                RequirementState::Met
            },
            since: Some(best.from),
            valid_until: best.until,
            detail,
            changes_on: best.until.map(next_day),
        };
    }
    let latest_ended = started
        .iter()
        .max_by_key(|c| (c.until.is_none(), c.until, c.from));
    if let Some(last) = latest_ended {
        let detail = match (&last.ended, last.until) {
            (Some(why), _) => format!("{}; {why}", last.what),
            (None, Some(until)) => format!("{}; ended after {until} ({})", last.what, last.limit),
            (None, None) => last.what.clone(),
        };
        return Assessment {
            state: RequirementState::Expired,
            since: Some(last.from),
            valid_until: last.until,
            detail,
            changes_on: started_later,
        };
    }
    let detail = candidates
        .iter()
        .find_map(|c| c.refused.as_ref().map(|why| format!("{}; {why}", c.what)))
        .or_else(|| started_later.map(|from| format!("{nothing} before {from}")))
        .unwrap_or_else(|| nothing.to_owned());
    Assessment {
        state: RequirementState::Missing,
        since: None,
        valid_until: None,
        detail,
        changes_on: started_later,
    }
}

fn yes_no(met: bool, yes: String, no: String) -> Assessment {
    Assessment {
        state: if met {
            RequirementState::Met
        } else {
            RequirementState::Missing
        },
        since: None,
        valid_until: None,
        detail: if met { yes } else { no },
        changes_on: None,
    }
}

fn declaration_kind(requirement: RequirementKind) -> Option<DeclarationKind> {
    match requirement {
        RequirementKind::ConfidentialityDeclaration => Some(DeclarationKind::Confidentiality),
        RequirementKind::PrivacyGuidelines => Some(DeclarationKind::PrivacyGuidelines),
        RequirementKind::VolunteerAgreement => Some(DeclarationKind::VolunteerAgreement),
        _ => None,
    }
}

fn certificate_candidates(
    kind: CertificateKind,
    max_age: Option<u16>,
    facts: &ClearanceFacts,
    policy: ClearancePolicy,
) -> Vec<Candidate> {
    facts
        .certificates
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| {
            let renewal = Some(certificate_last_day(c.issued_on, policy));
            let own = last_day(c.issued_on, max_age);
            let (until, limit) = match (renewal, own) {
                (Some(r), Some(o)) if o < r => (Some(o), "the rule's maximum age"),
                (r, _) => (r, "the municipality's renewal period"),
            };
            let long_break = (policy.certificate_break_months > 0)
                .then(|| {
                    facts.breaks.iter().find(|b| {
                        b.until > c.presented_on
                            && add_months(b.from, policy.certificate_break_months) < b.until
                    })
                })
                .flatten();
            Candidate {
                from: c.presented_on,
                until,
                ended: long_break.map(|b| {
                    format!(
                        "a break from {} to {} was longer than {} months: a new certificate is needed",
                        b.from, b.until, policy.certificate_break_months
                    )
                }),
                // Kept neutral: who asks about clearance learns that no acceptable certificate
                // is recorded, not how one was assessed.
                refused: (!c.outcome.acceptable()).then(|| "does not count".to_owned()),
                what: format!("{kind} issued {}, presented {}", c.issued_on, c.presented_on),
                limit,
            }
        })
        .collect()
}

fn dog_candidates(
    question: &ClearanceQuestion,
    max_age: Option<u16>,
    facts: &ClearanceFacts,
    policy: ClearancePolicy,
) -> Vec<Candidate> {
    let Some(dog) = &facts.dog else {
        return Vec::new();
    };
    let other_handler = dog.handler_id != facts.volunteer_id;
    let old_enough = old_enough_from(dog.birth_date, policy.dog);
    dog.approvals
        .iter()
        .filter(|a| a.handler_id == facts.volunteer_id)
        .map(|a| {
            let (end, limit) = a.last_valid_day(dog.birth_date, policy.dog);
            let own = last_day(a.assessed_on, max_age);
            let (until, limit) = match own {
                Some(o) if o < end => (o, "the rule's maximum age"),
                _ => (end, limit.as_str()),
            };
            let covers = a.categories.contains(&question.dog_category);
            let refused = if other_handler {
                Some("the dog now has another handler".to_owned())
            } else if !covers {
                Some(format!(
                    "approved for {} only, not {}",
                    a.categories
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    question.dog_category
                ))
            } else {
                None
            };
            Candidate {
                from: old_enough.map_or(a.assessed_on, |day| day.max(a.assessed_on)),
                until: Some(until),
                ended: None,
                refused,
                what: format!("{} approval assessed {}", a.programme, a.assessed_on),
                limit,
            }
        })
        .collect()
}

/// Reference checks hold when there is at least one, every one has an outcome and none was
/// unsatisfactory (whatever their age: a maximum age never makes a concern go away). Together
/// they date from the last one done: a fresh check renews them under a rule's maximum age.
fn reference_state(
    max_age: Option<u16>,
    on: NaiveDate,
    facts: &ClearanceFacts,
    soon: u16,
) -> Assessment {
    let outcomes: Vec<Option<ReferenceOutcome>> =
        facts.references.iter().map(|r| r.outcome).collect();
    if outcomes.contains(&Some(ReferenceOutcome::Unsatisfactory)) {
        return yes_no(
            false,
            String::new(),
            "a reference check was unsatisfactory".to_owned(),
        );
    }
    let last = facts.references.iter().map(|r| r.checked_on).max();
    let Some(last) = last.filter(|_| references_complete(&outcomes)) else {
        return yes_no(
            false,
            String::new(),
            "reference checks are missing or pending".to_owned(),
        );
    };
    let candidate = Candidate {
        from: last,
        until: last_day(last, max_age),
        ended: None,
        refused: None,
        what: format!("reference checks completed, the last on {last}"),
        limit: "the rule's maximum age",
    };
    assess(vec![candidate], on, soon, "no reference checks completed")
}

/// Training credentials of `code`: each counts from its completion until the earlier of its
/// own last day and the rule's maximum age.
fn training_candidates(code: &str, max_age: Option<u16>, facts: &ClearanceFacts) -> Vec<Candidate> {
    facts
        .trainings
        .iter()
        .filter(|t| t.training == code)
        .map(|t| {
            let (until, limit) = t.counts_until(max_age);
            Candidate {
                from: t.completed_on,
                until,
                ended: None,
                refused: None,
                what: format!("{code} completed {}", t.completed_on),
                limit,
            }
        })
        .collect()
}

fn requirement_state(
    requirement: RequirementKind,
    training: Option<&str>,
    max_age: Option<u16>,
    question: &ClearanceQuestion,
    facts: &ClearanceFacts,
    policy: ClearancePolicy,
) -> Assessment {
    let soon = policy.expiring_soon_days;
    match requirement {
        RequirementKind::ApprovedStatus => yes_no(
            facts.status == VolunteerStatus::Approved,
            "approved".to_owned(),
            format!("status is {}", facts.status),
        ),
        RequirementKind::ContactPerson => yes_no(
            facts.has_contact_person,
            "a contact person is assigned".to_owned(),
            "no contact person is assigned".to_owned(),
        ),
        RequirementKind::ReferenceChecks => reference_state(max_age, question.on, facts, soon),
        RequirementKind::SuitableScreening => {
            let candidates = facts
                .screenings
                .iter()
                .map(|s| Candidate {
                    from: s.held_on,
                    until: last_day(s.held_on, max_age),
                    ended: None,
                    refused: (s.assessment != ScreeningAssessment::Suitable)
                        .then(|| format!("assessed {}", s.assessment)),
                    what: format!("screening held {}", s.held_on),
                    limit: "the rule's maximum age",
                })
                .collect();
            assess(
                latest_only(candidates, question.on),
                question.on,
                soon,
                "no suitable screening interview",
            )
        }
        RequirementKind::Training => {
            let code = training.unwrap_or_default();
            assess(
                training_candidates(code, max_age, facts),
                question.on,
                soon,
                &format!("no {code} training completed"),
            )
        }
        RequirementKind::DogApproval => {
            if question.dog.is_none() {
                return yes_no(false, String::new(), "no dog was named".to_owned());
            }
            let candidates = dog_candidates(question, max_age, facts, policy);
            assess(
                candidates,
                question.on,
                soon,
                "no approval of this dog with this handler",
            )
        }
        other => {
            if let Some(kind) = declaration_kind(other) {
                let candidates = facts
                    .declarations
                    .iter()
                    .filter(|d| d.kind == kind)
                    .map(|d| Candidate {
                        from: d.signed_on,
                        until: last_day(d.signed_on, max_age),
                        ended: (!d.current).then(|| {
                            "a newer version has been published: it must be signed again".to_owned()
                        }),
                        refused: None,
                        what: format!("signed {}", d.signed_on),
                        limit: "the rule's maximum age",
                    })
                    .collect();
                assess(
                    latest_only(candidates, question.on),
                    question.on,
                    soon,
                    "not signed",
                )
            } else if let Some(kind) = other.certificate() {
                assess(
                    latest_only(
                        certificate_candidates(kind, max_age, facts, policy),
                        question.on,
                    ),
                    question.on,
                    soon,
                    &format!("no {kind} recorded"),
                )
            } else {
                yes_no(false, String::new(), "unknown requirement".to_owned())
            }
        }
    }
}

/// A requirement as the rules that apply to a question set it: strict if any of them is
/// strict, the shortest maximum age any of them sets, and where they come from.
type MergedRule = (bool, Option<u16>, Vec<RuleSource>);

/// A requirement as rules name it: its kind, and for `training` the training's code.
pub type RequirementKey = (RequirementKind, Option<String>);

/// The rules that apply to `question`, merged by requirement (and training).
fn merged_rules(
    rules: &[Rule],
    question: &ClearanceQuestion,
) -> BTreeMap<RequirementKey, MergedRule> {
    let mut merged: BTreeMap<RequirementKey, MergedRule> = BTreeMap::new();
    for rule in rules.iter().filter(|r| r.scope.applies(question)) {
        let entry = merged
            .entry((rule.requirement, rule.training.clone()))
            .or_insert((false, None, Vec::new()));
        entry.0 |= rule.strict;
        entry.1 = match (entry.1, rule.max_age_months) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !entry.2.contains(&rule.source) {
            entry.2.push(rule.source);
        }
    }
    merged
}

/// What anyone must meet to be cleared for `question`, whoever they are: the strict
/// requirements of the rules that apply, in declaration order. The public needs board tells
/// strangers this before they offer to help.
pub fn strict_requirements(rules: &[Rule], question: &ClearanceQuestion) -> Vec<RequirementKey> {
    merged_rules(rules, question)
        .into_iter()
        .filter(|(_, (strict, _, _))| *strict)
        .map(|(requirement, _)| requirement)
        .collect()
}

/// Answers `question` for the volunteer described by `facts` under `rules`.
///
/// Rules that apply are merged by requirement: strict if any of them is strict, with the
/// shortest maximum age any of them sets. The answer is cleared when every strict
/// requirement is `met` or `expiring_soon`.
pub fn evaluate(
    rules: &[Rule],
    question: &ClearanceQuestion,
    facts: &ClearanceFacts,
    policy: ClearancePolicy,
) -> Clearance {
    let merged = merged_rules(rules, question);
    let mut changes_on = None;
    let requirements: Vec<RequirementResult> = merged
        .into_iter()
        .map(|((requirement, training), (strict, max_age, sources))| {
            let assessed = requirement_state(
                requirement,
                training.as_deref(),
                max_age,
                question,
                facts,
                policy,
            );
            changes_on = earliest(changes_on, assessed.changes_on);
            RequirementResult {
                requirement,
                training,
                strict,
                state: assessed.state,
                since: assessed.since,
                valid_until: assessed.valid_until,
                detail: assessed.detail,
                rules: sources,
            }
        })
        .collect();
    let cleared = requirements.iter().all(|r| {
        !r.strict
            || matches!(
                r.state,
                RequirementState::Met | RequirementState::ExpiringSoon
            )
    });
    let mut conditions = Vec::new();
    if question.setting == Setting::PrivateHome {
        conditions.push(Condition {
            kind: ConditionKind::AccompaniedFirstVisit,
            detail:
                "the first visit in a private home must be accompanied by a staff representative"
                    .to_owned(),
        });
    }
    if let Some(dog) = &facts.dog {
        let restrictions: Vec<&str> = dog
            .approvals
            .iter()
            .filter(|a| {
                a.handler_id == facts.volunteer_id
                    && a.assessed_on <= question.on
                    && a.categories.contains(&question.dog_category)
            })
            .filter_map(|a| a.restrictions.as_deref())
            .collect();
        if let Some(latest) = restrictions.last() {
            conditions.push(Condition {
                kind: ConditionKind::DogRestrictions,
                detail: (*latest).to_owned(),
            });
        }
    }
    Clearance {
        cleared,
        requirements,
        conditions,
        changes_on,
    }
}

/// One line of "what the volunteer is cleared for": an activity kind in a setting, with the
/// target groups cleared there (without a dog).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClearedFor {
    /// The activity kind.
    pub activity_kind: String,
    /// The setting.
    pub setting: Setting,
    /// The target groups cleared.
    pub target_groups: Vec<TargetGroup>,
}

/// Everything the volunteer is cleared for on `on`, over every activity kind, setting and
/// target group, without a dog; and the earliest day any of those answers changes.
pub fn cleared_for(
    activity_kinds: &[String],
    rules: &[Rule],
    facts: &ClearanceFacts,
    policy: ClearancePolicy,
    on: NaiveDate,
) -> (Vec<ClearedFor>, Option<NaiveDate>) {
    cleared_for_by(activity_kinds, facts.status, on, |question| {
        let answer = evaluate(rules, question, facts, policy);
        (answer.cleared, answer.changes_on)
    })
}

/// Asks `answer` (cleared, changes on) every question without a dog on `on` and collects what
/// is cleared. Only an approved volunteer or group is cleared for anything: the defaults always
/// require the approved status, so the questions are not asked otherwise.
pub fn cleared_for_by(
    activity_kinds: &[String],
    status: VolunteerStatus,
    on: NaiveDate,
    mut answer: impl FnMut(&ClearanceQuestion) -> (bool, Option<NaiveDate>),
) -> (Vec<ClearedFor>, Option<NaiveDate>) {
    let mut lines = Vec::new();
    let mut changes_on = None;
    if status != VolunteerStatus::Approved {
        return (lines, None);
    }
    for kind in activity_kinds {
        for &setting in Setting::ALL {
            let mut groups = Vec::new();
            for &target_group in TargetGroup::ALL {
                let question = ClearanceQuestion {
                    activity_kind: kind.clone(),
                    setting,
                    target_group,
                    dog: None,
                    dog_category: default_dog_category(setting),
                    on,
                };
                let (cleared, changes) = answer(&question);
                changes_on = earliest(changes_on, changes);
                if cleared {
                    groups.push(target_group);
                }
            }
            if !groups.is_empty() {
                lines.push(ClearedFor {
                    activity_kind: kind.clone(),
                    setting,
                    target_groups: groups,
                });
            }
        }
    }
    (lines, changes_on)
}

#[cfg(test)]
#[path = "clearance_tests.rs"]
mod tests;
