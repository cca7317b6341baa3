use super::*;
use crate::{
    certificate::{CertificateKind, CertificateOutcome},
    clearance::{
        CertificateFact, DeclarationFact, RuleScope, ScreeningFact, Setting, TargetGroup,
        default_dog_category, default_rules,
    },
    ids::RuleId,
    municipality::{Country, MunicipalitySettings},
    vetting::{DeclarationKind, ScreeningAssessment},
    volunteer::VolunteerStatus,
};
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn policy() -> ClearancePolicy {
    ClearancePolicy::from(&MunicipalitySettings::default())
}

fn facts(id: u128, status: VolunteerStatus) -> ClearanceFacts {
    ClearanceFacts {
        volunteer_id: VolunteerId::from(uuid::Uuid::from_u128(id)),
        status,
        has_contact_person: true,
        declarations: [
            DeclarationKind::Confidentiality,
            DeclarationKind::PrivacyGuidelines,
        ]
        .into_iter()
        .map(|kind| DeclarationFact {
            kind,
            signed_on: date(2026, 3, 1),
            current: true,
        })
        .collect(),
        screenings: vec![ScreeningFact {
            held_on: date(2026, 2, 20),
            assessment: ScreeningAssessment::Suitable,
        }],
        references: Vec::new(),
        certificates: Vec::new(),
        breaks: Vec::new(),
        trainings: Vec::new(),
        dog: None,
    }
}

fn member(id: u128) -> ClearanceFacts {
    // Members are people in the group, not necessarily vetted volunteers themselves.
    let mut m = facts(id, VolunteerStatus::Registered);
    m.declarations.clear();
    m.screenings.clear();
    m
}

fn question(target_group: TargetGroup) -> ClearanceQuestion {
    ClearanceQuestion {
        activity_kind: "party_or_arrangement".to_owned(),
        setting: Setting::Institution,
        target_group,
        dog: None,
        dog_category: default_dog_category(Setting::Institution),
        on: date(2026, 11, 23),
    }
}

#[test]
fn a_kindergarten_is_cleared_for_a_party_through_its_vetted_contact_person() {
    let answer = evaluate_group(
        &default_rules(Country::Norway),
        &question(TargetGroup::General),
        &facts(1, VolunteerStatus::Approved),
        &[],
        policy(),
    );
    assert!(answer.cleared);
    assert!(answer.members.is_empty());
}

#[test]
fn a_group_not_yet_approved_is_refused_with_the_reason() {
    let mut unscreened = facts(1, VolunteerStatus::InScreening);
    unscreened.screenings.clear();
    let answer = evaluate_group(
        &default_rules(Country::Norway),
        &question(TargetGroup::General),
        &unscreened,
        &[],
        policy(),
    );
    assert!(!answer.cleared);
    assert!(answer.requirements.iter().any(|r| {
        r.requirement == RequirementKind::ApprovedStatus && r.state == RequirementState::Missing
    }));
}

#[test]
fn per_person_certificates_are_checked_for_each_named_member() {
    let rules = default_rules(Country::Norway);
    let ask = question(TargetGroup::IntellectualDisability);
    let group = facts(1, VolunteerStatus::Approved);

    let nobody = evaluate_group(&rules, &ask, &group, &[], policy());
    assert!(!nobody.cleared);
    assert!(
        nobody
            .requirements
            .iter()
            .any(|r| r.requirement == RequirementKind::NamedMembers)
    );
    assert!(
        nobody
            .requirements
            .iter()
            .all(|r| r.requirement != RequirementKind::Politiattest),
        "the certificate is asked of people, not of the group"
    );

    let mut certified = member(2);
    certified.certificates.push(CertificateFact {
        kind: CertificateKind::Politiattest,
        issued_on: date(2026, 9, 1),
        presented_on: date(2026, 9, 10),
        outcome: CertificateOutcome::NoRemarks,
    });
    let uncertified = member(3);
    let one_short = evaluate_group(
        &rules,
        &ask,
        &group,
        &[certified.clone(), uncertified],
        policy(),
    );
    assert!(!one_short.cleared);
    assert_eq!(
        one_short
            .members
            .iter()
            .map(|m| m.cleared)
            .collect::<Vec<_>>(),
        [true, false]
    );
    let all = evaluate_group(&rules, &ask, &group, &[certified], policy());
    assert!(all.cleared);
}

fn any_rule() -> impl Strategy<Value = Rule> {
    (
        proptest::sample::select(RequirementKind::ALL.to_vec()),
        proptest::option::of(proptest::sample::select(TargetGroup::ALL.to_vec())),
        proptest::option::of(1u16..40),
        any::<bool>(),
        any::<u128>(),
    )
        .prop_map(
            |(requirement, target_group, max_age_months, strict, id)| Rule {
                source: RuleSource::Municipality(RuleId::from(uuid::Uuid::from_u128(id))),
                scope: RuleScope {
                    target_group,
                    ..RuleScope::default()
                },
                training: (requirement == RequirementKind::Training)
                    .then(|| "dementia_basics".to_owned()),
                requirement,
                max_age_months,
                strict,
            },
        )
}

fn any_member() -> impl Strategy<Value = ClearanceFacts> {
    (any::<u8>(), proptest::option::of(0u64..1500)).prop_map(|(id, issued_days_ago)| {
        let mut m = member(u128::from(id) + 10);
        if let Some(days) = issued_days_ago {
            let issued = date(2026, 11, 23) - chrono::Days::new(days);
            m.certificates.push(CertificateFact {
                kind: CertificateKind::Politiattest,
                issued_on: issued,
                presented_on: issued,
                outcome: CertificateOutcome::NoRemarks,
            });
        }
        m
    })
}

proptest! {
    #[test]
    fn adding_a_rule_never_turns_a_refused_group_into_a_cleared_one(
        extra in proptest::collection::vec(any_rule(), 0..4),
        added in any_rule(),
        members in proptest::collection::vec(any_member(), 0..4),
        target_group in proptest::sample::select(TargetGroup::ALL.to_vec()),
        approved in any::<bool>(),
    ) {
        let status = if approved { VolunteerStatus::Approved } else { VolunteerStatus::InScreening };
        let group = facts(1, status);
        let ask = question(target_group);
        let mut rules = default_rules(Country::Norway);
        rules.extend(extra);
        let before = evaluate_group(&rules, &ask, &group, &members, policy()).cleared;
        rules.push(added);
        let after = evaluate_group(&rules, &ask, &group, &members, policy()).cleared;
        prop_assert!(before || !after);
    }
}
