use super::*;
use crate::ids::StaffUserId;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

const TODAY: (i32, u32, u32) = (2026, 11, 23);

fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

fn policy() -> ClearancePolicy {
    ClearancePolicy::from(&MunicipalitySettings::default())
}

fn volunteer() -> VolunteerId {
    VolunteerId::from(uuid::Uuid::from_u128(7))
}

/// An approved volunteer with the declarations every clearance needs.
fn approved() -> ClearanceFacts {
    ClearanceFacts {
        volunteer_id: volunteer(),
        status: VolunteerStatus::Approved,
        has_contact_person: true,
        declarations: vec![
            DeclarationFact {
                kind: DeclarationKind::Confidentiality,
                signed_on: date(2026, 3, 1),
                current: true,
            },
            DeclarationFact {
                kind: DeclarationKind::PrivacyGuidelines,
                signed_on: date(2026, 3, 1),
                current: true,
            },
        ],
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

fn question(target_group: TargetGroup, setting: Setting) -> ClearanceQuestion {
    ClearanceQuestion {
        activity_kind: "companionship".to_owned(),
        setting,
        target_group,
        dog: None,
        dog_category: default_dog_category(setting),
        on: today(),
    }
}

fn state_of(answer: &Clearance, requirement: RequirementKind) -> Option<RequirementState> {
    answer
        .requirements
        .iter()
        .find(|r| r.requirement == requirement)
        .map(|r| r.state)
}

fn politiattest(issued_on: NaiveDate, outcome: CertificateOutcome) -> CertificateFact {
    CertificateFact {
        kind: CertificateKind::Politiattest,
        issued_on,
        presented_on: issued_on + chrono::Days::new(10),
        outcome,
    }
}

#[test]
fn general_companionship_needs_status_and_two_declarations() {
    let rules = default_rules(Country::Norway);
    let answer = evaluate(
        &rules,
        &question(TargetGroup::General, Setting::Institution),
        &approved(),
        policy(),
    );
    assert!(answer.cleared);
    let kinds: Vec<_> = answer.requirements.iter().map(|r| r.requirement).collect();
    assert_eq!(
        kinds,
        [
            RequirementKind::ApprovedStatus,
            RequirementKind::ConfidentialityDeclaration,
            RequirementKind::PrivacyGuidelines
        ]
    );
    assert!(answer.conditions.is_empty());
}

#[test]
fn intellectual_disability_in_norway_needs_an_acceptable_politiattest() {
    let rules = default_rules(Country::Norway);
    let ask = question(TargetGroup::IntellectualDisability, Setting::Institution);
    let mut facts = approved();
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(!answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::Politiattest),
        Some(RequirementState::Missing)
    );

    facts.certificates = vec![politiattest(
        date(2026, 5, 1),
        CertificateOutcome::RemarksDisqualifying,
    )];
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(!answer.cleared);
    assert!(
        answer
            .requirements
            .iter()
            .all(|r| !r.detail.contains("remarks")),
        "clearance never tells how a certificate was assessed"
    );

    facts.certificates.push(politiattest(
        date(2026, 6, 1),
        CertificateOutcome::RemarksNotRelevant,
    ));
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(answer.cleared);
    let certificate = answer
        .requirements
        .iter()
        .find(|r| r.requirement == RequirementKind::Politiattest);
    assert_eq!(
        certificate.and_then(|r| r.valid_until),
        Some(date(2029, 5, 31))
    );
    assert_eq!(answer.changes_on, Some(date(2029, 6, 1)));
}

#[test]
fn denmark_asks_a_boerneattest_for_children_and_a_straffeattest_in_homes() {
    let rules = default_rules(Country::Denmark);
    let children = evaluate(
        &rules,
        &question(TargetGroup::Children, Setting::Institution),
        &approved(),
        policy(),
    );
    assert_eq!(
        state_of(&children, RequirementKind::Boerneattest),
        Some(RequirementState::Missing)
    );
    let home = evaluate(
        &rules,
        &question(TargetGroup::General, Setting::PrivateHome),
        &approved(),
        policy(),
    );
    assert_eq!(
        state_of(&home, RequirementKind::Straffeattest),
        Some(RequirementState::Missing)
    );
    let norway_home = evaluate(
        &default_rules(Country::Norway),
        &question(TargetGroup::General, Setting::PrivateHome),
        &approved(),
        policy(),
    );
    assert!(norway_home.cleared);
}

#[test]
fn a_private_home_carries_the_accompanied_first_visit_condition() {
    let answer = evaluate(
        &default_rules(Country::Norway),
        &question(TargetGroup::General, Setting::PrivateHome),
        &approved(),
        policy(),
    );
    assert!(answer.cleared);
    assert_eq!(
        answer.conditions.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [ConditionKind::AccompaniedFirstVisit]
    );
}

#[test]
fn a_certificate_ends_with_the_renewal_period_and_warns_before() {
    let rules = default_rules(Country::Norway);
    let mut facts = approved();
    // Issued 2023-12-10: the 36-month period ends 2026-12-09, inside the 30-day look-ahead.
    facts.certificates = vec![politiattest(
        date(2023, 12, 10),
        CertificateOutcome::NoRemarks,
    )];
    let ask = question(TargetGroup::IntellectualDisability, Setting::Institution);
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::Politiattest),
        Some(RequirementState::ExpiringSoon)
    );
    let later = ClearanceQuestion {
        on: date(2026, 12, 10),
        ..ask
    };
    let answer = evaluate(&rules, &later, &facts, policy());
    assert!(!answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::Politiattest),
        Some(RequirementState::Expired)
    );
}

#[test]
fn a_long_break_calls_for_a_new_certificate_when_the_municipality_says_so() {
    let rules = default_rules(Country::Norway);
    let mut facts = approved();
    facts.certificates = vec![politiattest(
        date(2025, 1, 10),
        CertificateOutcome::NoRemarks,
    )];
    facts.breaks = vec![Break {
        from: date(2025, 3, 1),
        until: date(2026, 6, 1),
    }];
    let ask = question(TargetGroup::IntellectualDisability, Setting::Institution);
    assert!(evaluate(&rules, &ask, &facts, policy()).cleared);
    let strict = ClearancePolicy {
        certificate_break_months: 12,
        ..policy()
    };
    let answer = evaluate(&rules, &ask, &facts, strict);
    assert!(!answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::Politiattest),
        Some(RequirementState::Expired)
    );
}

#[test]
fn breaks_are_read_from_the_status_history() {
    let at = |y, m, d| {
        date(y, m, d)
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    let history = [
        (at(2025, 1, 1), VolunteerStatus::Approved),
        (at(2025, 3, 1), VolunteerStatus::Paused),
        (at(2026, 6, 1), VolunteerStatus::Approved),
        (at(2026, 9, 1), VolunteerStatus::Paused),
    ];
    assert_eq!(
        breaks(&history),
        [Break {
            from: date(2025, 3, 1),
            until: date(2026, 6, 1)
        }]
    );
}

fn dog_facts(vet_checked_on: NaiveDate) -> DogFacts {
    DogFacts {
        handler_id: volunteer(),
        birth_date: date(2021, 4, 1),
        approvals: vec![DogApproval {
            id: uuid::Uuid::nil(),
            dog_id: DogId::from(uuid::Uuid::from_u128(9)),
            handler_id: volunteer(),
            programme: "Røde Kors besøkshund".to_owned(),
            categories: vec![DogCategory::InstitutionCommonRoom, DogCategory::Walk],
            assessed_on: date(2025, 5, 1),
            assessor: "Assessor".to_owned(),
            vet_checked_on,
            vaccinations_valid_until: date(2027, 5, 1),
            insurance_valid_until: date(2027, 5, 1),
            valid_until: date(2027, 5, 1),
            restrictions: Some("not in rooms with residents who fear dogs".to_owned()),
            recorded_by: StaffUserId::from(uuid::Uuid::nil()),
            created_at: DateTime::default(),
        }],
    }
}

#[test]
fn a_dog_visit_needs_a_current_vet_check() {
    let rules = default_rules(Country::Norway);
    let ask = ClearanceQuestion {
        dog: Some(DogId::from(uuid::Uuid::from_u128(9))),
        ..question(TargetGroup::General, Setting::Institution)
    };
    let mut facts = approved();
    facts.dog = Some(dog_facts(date(2025, 5, 1)));
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(!answer.cleared);
    let dog = answer
        .requirements
        .iter()
        .find(|r| r.requirement == RequirementKind::DogApproval);
    assert_eq!(dog.map(|d| d.state), Some(RequirementState::Expired));
    assert!(dog.is_some_and(|d| d.detail.contains("vet_check")));

    facts.dog = Some(dog_facts(date(2026, 5, 2)));
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(answer.cleared);
    assert!(
        answer
            .conditions
            .iter()
            .any(|c| c.kind == ConditionKind::DogRestrictions)
    );

    let home = ClearanceQuestion {
        setting: Setting::PrivateHome,
        dog_category: DogCategory::HomeVisit,
        ..ask
    };
    let answer = evaluate(&rules, &home, &facts, policy());
    assert!(!answer.cleared, "the team is not approved for home visits");
}

#[test]
fn another_handler_cannot_use_the_dogs_approval() {
    let rules = default_rules(Country::Norway);
    let ask = ClearanceQuestion {
        dog: Some(DogId::from(uuid::Uuid::from_u128(9))),
        ..question(TargetGroup::General, Setting::Institution)
    };
    let mut facts = approved();
    let mut dog = dog_facts(date(2026, 5, 2));
    dog.handler_id = VolunteerId::from(uuid::Uuid::from_u128(8));
    facts.dog = Some(dog);
    assert!(!evaluate(&rules, &ask, &facts, policy()).cleared);
}

#[test]
fn a_municipality_rule_adds_its_requirement_with_its_maximum_age() {
    let mut rules = default_rules(Country::Norway);
    rules.push(Rule {
        source: RuleSource::Municipality(RuleId::from(uuid::Uuid::from_u128(1))),
        scope: RuleScope {
            activity_kind: Some("escort".to_owned()),
            ..RuleScope::default()
        },
        requirement: RequirementKind::SuitableScreening,
        training: None,
        max_age_months: Some(6),
        strict: true,
    });
    let companionship = question(TargetGroup::General, Setting::Institution);
    assert!(evaluate(&rules, &companionship, &approved(), policy()).cleared);
    let escort = ClearanceQuestion {
        activity_kind: "escort".to_owned(),
        ..companionship
    };
    let answer = evaluate(&rules, &escort, &approved(), policy());
    assert!(
        !answer.cleared,
        "the screening of 2026-02-20 is older than 6 months"
    );
    assert_eq!(
        state_of(&answer, RequirementKind::SuitableScreening),
        Some(RequirementState::Expired)
    );
}

fn municipal_rule(requirement: RequirementKind, max_age_months: Option<u16>) -> Rule {
    Rule {
        source: RuleSource::Municipality(RuleId::from(uuid::Uuid::from_u128(1))),
        scope: RuleScope::default(),
        training: (requirement == RequirementKind::Training).then(|| "dementia_basics".to_owned()),
        requirement,
        max_age_months,
        strict: true,
    }
}

fn reference(outcome: Option<ReferenceOutcome>, checked_on: NaiveDate) -> ReferenceFact {
    ReferenceFact {
        outcome,
        checked_on,
    }
}

#[test]
fn every_dated_requirement_honours_a_rules_maximum_age() {
    // Every fact dated 2026-04-01; asked about on 2026-11-23 with a 30-day look-ahead.
    let day = date(2026, 4, 1);
    let mut facts = approved();
    facts.screenings[0].held_on = day;
    facts.declarations = DeclarationKind::ALL
        .iter()
        .map(|&kind| DeclarationFact {
            kind,
            signed_on: day,
            current: true,
        })
        .collect();
    facts.references = vec![reference(Some(ReferenceOutcome::Satisfactory), day)];
    facts.certificates = CertificateKind::ALL
        .iter()
        .map(|&kind| CertificateFact {
            kind,
            issued_on: day,
            presented_on: day + chrono::Days::new(10),
            outcome: CertificateOutcome::NoRemarks,
        })
        .collect();
    let mut dog = dog_facts(day);
    dog.approvals[0].assessed_on = day;
    facts.dog = Some(dog);
    facts.trainings = vec![TrainingFact {
        training: "dementia_basics".to_owned(),
        completed_on: day,
        valid_until: None,
    }];
    let ask = ClearanceQuestion {
        dog: Some(DogId::from(uuid::Uuid::from_u128(9))),
        ..question(TargetGroup::General, Setting::Institution)
    };
    let dated: Vec<RequirementKind> = RequirementKind::ALL
        .iter()
        .copied()
        .filter(|r| r.dated())
        .collect();
    assert_eq!(dated.len(), 10, "{dated:?}");
    for requirement in dated {
        for (months, expected) in [
            (None, RequirementState::Met),
            (Some(12), RequirementState::Met),
            (Some(8), RequirementState::ExpiringSoon),
            (Some(6), RequirementState::Expired),
        ] {
            let answer = evaluate(
                &[municipal_rule(requirement, months)],
                &ask,
                &facts,
                policy(),
            );
            assert_eq!(
                state_of(&answer, requirement),
                Some(expected),
                "{requirement} at most {months:?} months: {answer:?}"
            );
        }
    }
}

#[test]
fn reference_checks_date_from_the_last_one_done() {
    let rules = [municipal_rule(RequirementKind::ReferenceChecks, Some(12))];
    let ask = question(TargetGroup::General, Setting::Institution);
    let result = |facts: &ClearanceFacts| {
        evaluate(&rules, &ask, facts, policy())
            .requirements
            .into_iter()
            .find(|r| r.requirement == RequirementKind::ReferenceChecks)
            .map(|r| (r.state, r.since, r.valid_until))
    };
    let mut facts = approved();
    assert_eq!(result(&facts).map(|r| r.0), Some(RequirementState::Missing));
    // Thirteen months old under a twelve-month rule: expired; without the limit it counts.
    facts.references = vec![reference(
        Some(ReferenceOutcome::Satisfactory),
        date(2025, 10, 1),
    )];
    assert_eq!(
        result(&facts),
        Some((
            RequirementState::Expired,
            Some(date(2025, 10, 1)),
            Some(date(2026, 9, 30))
        ))
    );
    let unlimited = evaluate(
        &[municipal_rule(RequirementKind::ReferenceChecks, None)],
        &ask,
        &facts,
        policy(),
    );
    assert!(unlimited.cleared);
    // A new check, while pending, is not complete; once done it renews the requirement.
    facts.references.push(reference(None, date(2026, 11, 1)));
    assert_eq!(result(&facts).map(|r| r.0), Some(RequirementState::Missing));
    facts.references[1].outcome = Some(ReferenceOutcome::Unreachable);
    assert_eq!(
        result(&facts),
        Some((
            RequirementState::Met,
            Some(date(2026, 11, 1)),
            Some(date(2027, 10, 31))
        ))
    );
    // An unsatisfactory reference never ages away.
    facts.references.push(reference(
        Some(ReferenceOutcome::Unsatisfactory),
        date(2020, 1, 1),
    ));
    assert_eq!(result(&facts).map(|r| r.0), Some(RequirementState::Missing));
}

#[test]
fn a_maximum_age_is_refused_for_a_requirement_without_a_date() {
    let scope = RuleScope::default();
    let refused = check_rule(
        Country::Norway,
        &scope,
        RequirementKind::ContactPerson,
        None,
        Some(12),
    );
    assert_eq!(
        refused.map_err(|errors| errors
            .iter()
            .map(|(field, e)| (*field, e.code))
            .collect::<Vec<_>>()),
        Err(vec![("max_age_months", "not_applicable")])
    );
    assert_eq!(
        check_rule(
            Country::Norway,
            &scope,
            RequirementKind::ContactPerson,
            None,
            None
        ),
        Ok(())
    );
    for &country in Country::ALL {
        for &requirement in RequirementKind::ALL {
            if requirement.allowed_in_rules(country) && requirement.dated() {
                assert_eq!(
                    check_rule(
                        country,
                        &scope,
                        requirement,
                        (requirement == RequirementKind::Training).then_some("first_aid"),
                        Some(12)
                    ),
                    Ok(()),
                    "{requirement} in {country}"
                );
            }
        }
    }
}

#[test]
fn a_newer_document_version_makes_a_declaration_expired() {
    let mut facts = approved();
    facts.declarations[0].current = false;
    let answer = evaluate(
        &default_rules(Country::Norway),
        &question(TargetGroup::General, Setting::Institution),
        &facts,
        policy(),
    );
    assert!(!answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::ConfidentialityDeclaration),
        Some(RequirementState::Expired)
    );
}

#[test]
fn cleared_for_lists_what_an_approved_volunteer_may_do() {
    let kinds = vec!["companionship".to_owned(), "escort".to_owned()];
    let rules = default_rules(Country::Norway);
    let (lines, _) = cleared_for(&kinds, &rules, &approved(), policy(), today());
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| {
        !l.target_groups
            .contains(&TargetGroup::IntellectualDisability)
    }));
    let mut paused = approved();
    paused.status = VolunteerStatus::Paused;
    assert!(
        cleared_for(&kinds, &rules, &paused, policy(), today())
            .0
            .is_empty()
    );
}

fn any_requirement() -> impl Strategy<Value = RequirementKind> {
    proptest::sample::select(RequirementKind::ALL.to_vec())
}

fn any_rule() -> impl Strategy<Value = Rule> {
    (
        proptest::option::of(proptest::sample::select(vec!["companionship", "escort"])),
        proptest::option::of(proptest::sample::select(Setting::ALL.to_vec())),
        proptest::option::of(proptest::sample::select(TargetGroup::ALL.to_vec())),
        proptest::option::of(any::<bool>()),
        any_requirement(),
        proptest::option::of(1u16..60),
        any::<bool>(),
        any::<u128>(),
    )
        .prop_map(
            |(kind, setting, target_group, with_dog, requirement, max_age, strict, id)| Rule {
                source: RuleSource::Municipality(RuleId::from(uuid::Uuid::from_u128(id))),
                scope: RuleScope {
                    activity_kind: kind.map(str::to_owned),
                    setting,
                    target_group,
                    with_dog,
                },
                training: (requirement == RequirementKind::Training)
                    .then(|| "dementia_basics".to_owned()),
                requirement,
                max_age_months: max_age,
                strict,
            },
        )
}

fn any_day() -> impl Strategy<Value = NaiveDate> {
    (0u64..2000).prop_map(|days| date(2022, 1, 1) + chrono::Days::new(days))
}

fn any_facts() -> impl Strategy<Value = ClearanceFacts> {
    (
        proptest::sample::select(VolunteerStatus::ALL.to_vec()),
        any::<bool>(),
        proptest::collection::vec(
            (
                proptest::sample::select(DeclarationKind::ALL.to_vec()),
                any_day(),
                any::<bool>(),
            ),
            0..4,
        ),
        proptest::collection::vec(
            (
                proptest::sample::select(CertificateKind::ALL.to_vec()),
                any_day(),
                0u64..100,
                proptest::sample::select(CertificateOutcome::ALL.to_vec()),
            ),
            0..3,
        ),
        proptest::option::of((any_day(), any_day())),
        proptest::collection::vec(
            (
                proptest::option::of(proptest::sample::select(ReferenceOutcome::ALL.to_vec())),
                any_day(),
            ),
            0..3,
        ),
    )
        .prop_map(
            |(status, contact, declarations, certificates, vet, references)| {
                let mut facts = approved();
                facts.status = status;
                facts.has_contact_person = contact;
                facts.declarations = declarations
                    .into_iter()
                    .map(|(kind, signed_on, current)| DeclarationFact {
                        kind,
                        signed_on,
                        current,
                    })
                    .collect();
                facts.certificates = certificates
                    .into_iter()
                    .map(|(kind, issued_on, wait, outcome)| CertificateFact {
                        kind,
                        issued_on,
                        presented_on: issued_on + chrono::Days::new(wait),
                        outcome,
                    })
                    .collect();
                facts.references = references
                    .into_iter()
                    .map(|(outcome, checked_on)| ReferenceFact {
                        outcome,
                        checked_on,
                    })
                    .collect();
                facts.dog = vet.map(|(vet_checked_on, birth)| {
                    let mut dog = dog_facts(vet_checked_on);
                    dog.birth_date = birth;
                    dog
                });
                facts
            },
        )
}

fn any_question() -> impl Strategy<Value = ClearanceQuestion> {
    (
        proptest::sample::select(vec!["companionship", "escort"]),
        proptest::sample::select(Setting::ALL.to_vec()),
        proptest::sample::select(TargetGroup::ALL.to_vec()),
        any::<bool>(),
        any_day(),
    )
        .prop_map(|(kind, setting, target_group, dog, on)| ClearanceQuestion {
            activity_kind: kind.to_owned(),
            setting,
            target_group,
            dog: dog.then(|| DogId::from(uuid::Uuid::from_u128(9))),
            dog_category: default_dog_category(setting),
            on,
        })
}

proptest! {
    #[test]
    fn adding_a_rule_never_turns_a_refusal_into_a_clearance(
        country in proptest::sample::select(Country::ALL.to_vec()),
        extra in proptest::collection::vec(any_rule(), 0..4),
        added in any_rule(),
        facts in any_facts(),
        ask in any_question(),
    ) {
        let mut rules = default_rules(country);
        rules.extend(extra);
        let before = evaluate(&rules, &ask, &facts, policy());
        rules.push(added);
        let after = evaluate(&rules, &ask, &facts, policy());
        prop_assert!(before.cleared || !after.cleared);
    }

    #[test]
    fn advisory_rules_never_change_the_answer(
        extra in proptest::collection::vec(any_rule(), 0..4),
        facts in any_facts(),
        ask in any_question(),
    ) {
        let mut rules = default_rules(Country::Norway);
        let before = evaluate(&rules, &ask, &facts, policy()).cleared;
        // Advisory rules for requirements the defaults do not already make strict.
        let defaults: Vec<_> = rules.iter().map(|r| r.requirement).collect();
        rules.extend(extra.into_iter().filter(|r| !defaults.contains(&r.requirement)).map(|r| Rule { strict: false, ..r }));
        prop_assert_eq!(evaluate(&rules, &ask, &facts, policy()).cleared, before);
    }

    #[test]
    fn cleared_exactly_when_every_strict_requirement_holds(
        extra in proptest::collection::vec(any_rule(), 0..4),
        facts in any_facts(),
        ask in any_question(),
    ) {
        let mut rules = default_rules(Country::Denmark);
        rules.extend(extra);
        let answer = evaluate(&rules, &ask, &facts, policy());
        let blocking = answer.requirements.iter().filter(|r| r.strict && matches!(r.state, RequirementState::Missing | RequirementState::Expired)).count();
        prop_assert_eq!(answer.cleared, blocking == 0);
        prop_assert!(answer.changes_on.is_none_or(|day| day > ask.on));
    }
}

#[test]
fn a_training_rule_asks_for_its_own_training_only() {
    let mut rules = default_rules(Country::Norway);
    rules.push(municipal_rule(RequirementKind::Training, None));
    let mut other = municipal_rule(RequirementKind::Training, Some(12));
    other.training = Some("first_aid".to_owned());
    other.strict = false;
    rules.push(other);
    let ask = question(TargetGroup::General, Setting::Institution);
    let mut facts = approved();
    facts.trainings.push(TrainingFact {
        training: "first_aid".to_owned(),
        completed_on: today(),
        valid_until: None,
    });
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(!answer.cleared, "dementia_basics is missing");
    let trainings: Vec<(Option<&str>, RequirementState)> = answer
        .requirements
        .iter()
        .filter(|r| r.requirement == RequirementKind::Training)
        .map(|r| (r.training.as_deref(), r.state))
        .collect();
    assert_eq!(
        trainings,
        [
            (Some("dementia_basics"), RequirementState::Missing),
            (Some("first_aid"), RequirementState::Met),
        ]
    );

    let valid_until = today() + chrono::Days::new(20);
    facts.trainings.push(TrainingFact {
        training: "dementia_basics".to_owned(),
        completed_on: today() - chrono::Days::new(700),
        valid_until: Some(valid_until),
    });
    let answer = evaluate(&rules, &ask, &facts, policy());
    assert!(answer.cleared);
    let dementia = answer
        .requirements
        .iter()
        .find(|r| r.training.as_deref() == Some("dementia_basics"));
    assert_eq!(
        dementia.map(|r| (r.state, r.valid_until)),
        Some((RequirementState::ExpiringSoon, Some(valid_until)))
    );
    assert_eq!(answer.changes_on, valid_until.succ_opt());

    let after = ClearanceQuestion {
        on: valid_until + chrono::Days::new(1),
        ..ask
    };
    let answer = evaluate(&rules, &after, &facts, policy());
    assert!(!answer.cleared);
    assert_eq!(
        state_of(&answer, RequirementKind::Training),
        Some(RequirementState::Expired)
    );
}

#[test]
fn a_training_rule_must_name_its_training() {
    let scope = RuleScope::default();
    let fields = |r: Result<(), Vec<(&'static str, crate::ParseError)>>| {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|(f, e)| (*f, e.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields(check_rule(
            Country::Norway,
            &scope,
            RequirementKind::Training,
            None,
            None
        )),
        [("training", "required")]
    );
    assert_eq!(
        fields(check_rule(
            Country::Norway,
            &scope,
            RequirementKind::SuitableScreening,
            Some("first_aid"),
            None
        )),
        [("training", "not_applicable")]
    );
}
