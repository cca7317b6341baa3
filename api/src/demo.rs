//! What a newcomer finds in the demo municipality besides its accounts: a contact person, three
//! volunteers (two vetted and approved, one just registered), a person visited at home, a
//! placement at the nursing home with a weekly schedule and its planned visits, a
//! private-home placement waiting for its accompanied first visit, and two open needs of the
//! nursing home on the public board (one with the registered volunteer interested), the
//! follow-ups the plan makes and an overdue call after an unanswered try, and hours on the two
//! placements (one entry waiting for approval). Everything is made through
//! the same use cases the API calls, so the demo obeys every rule a client meets.

use crate::{
    auth::StaffCaller,
    cases::{
        self,
        follow_ups::{ContactDraft, FollowUpDraft},
        needs::NeedDraft,
        placements::PlacementDraft,
        time_entries::TimeDraft,
        vetting::{Interview, Outcome, Signature},
        visits::OneVisit,
        volunteers::Source,
    },
    dto::clearance::render,
    error::ApiError,
};
use chrono::{Days, NaiveTime, TimeDelta, Utc};
use samspill_domain::{
    auth::TenantScope,
    clearance::TargetGroup,
    contact::{ContactPersonKind, ContactPersonName},
    follow_up::{ContactChannel, FollowUpPurpose, FollowUpSubject},
    ids::{ContactPersonId, PlacementId, StaffUserId, UnitId, VolunteerId},
    municipality::Municipality,
    need::{NeedStatus, NeedWhen, OpenTo},
    placement::{Place, Placed, PlacementStatus},
    recipient::{Consent, ConsentGiver},
    schedule::{Recurrence, RecurrenceEnd},
    user::Role,
    vetting::{DeclarationKind, ScreeningAssessment, ScreeningChannel},
    visit::Companion,
    volunteer::{VolunteerStatus, Weekday},
    volunteer_draft::VolunteerEdit,
};
use samspill_persistence::{
    PgConnection, contact_persons,
    needs::{Interested, NeedTerms},
    placements::ScheduleParts,
    recipients, units,
};

/// The version label the demo's declarations are signed in (nothing is published, so any label
/// is recorded).
const DEMO_DOCUMENTS: &str = "2026-1";

/// A volunteer of the demo.
struct Person {
    given: &'static str,
    family: &'static str,
    email: &'static str,
    phone: &'static str,
    kinds: &'static [&'static str],
    login: Option<StaffUserId>,
    approve: bool,
}

/// The demo's accounts.
pub struct Logins {
    /// The municipality-wide coordinator, who acts.
    pub coordinator: StaffUserId,
    /// Linked to the contact person.
    pub contact: StaffUserId,
    /// Linked to the first volunteer.
    pub volunteer: StaffUserId,
    /// A coordinator limited to the care district Omsorgsdistrikt Sentrum.
    pub district: StaffUserId,
}

/// Fills a newly made demo municipality: the coordinator acts; the contact person's and the
/// first volunteer's logins are linked; the district coordinator is limited to Omsorgsdistrikt
/// Sentrum, so Nora Berg (home unit Nordlys sykehjem, in Omsorgsdistrikt Nord) is not theirs.
pub fn fill(
    conn: &mut PgConnection,
    municipality: &Municipality,
    logins: Logins,
) -> Result<(), ApiError> {
    let Logins {
        coordinator,
        contact: contact_login,
        volunteer: volunteer_login,
        district,
    } = logins;
    let caller = StaffCaller {
        id: coordinator,
        role: Role::Coordinator,
        municipality: Some(municipality.id),
        request_id: None,
    };
    let scope = TenantScope::Municipality(municipality.id);
    let unit_named = |conn: &mut PgConnection, name: &str| -> Result<UnitId, ApiError> {
        units::list(conn, scope, Default::default(), page())?
            .items
            .into_iter()
            .find(|u| u.name == name)
            .map(|u| u.id)
            .ok_or_else(|| ApiError::Internal(format!("the demo has no unit {name}")))
    };
    let nursing_home = unit_named(conn, "Solsiden sykehjem")?;
    let home_care = unit_named(conn, "Hjemmetjenesten Sentrum")?;
    let sentrum = unit_named(conn, "Omsorgsdistrikt Sentrum")?;
    let north = unit_named(conn, "Nordlys sykehjem")?;
    samspill_persistence::districts::replace(conn, municipality.id, district, &[sentrum])?;
    let contact = contact_persons::insert(
        conn,
        &contact_persons::NewContactPerson {
            municipality_id: municipality.id,
            kind: ContactPersonKind::Staff,
            name: ContactPersonName::parse("Ola Kontaktperson")
                .map_err(|e| ApiError::Internal(e.message.into_owned()))?,
            email: None,
            phone: None,
            staff_user_id: Some(contact_login),
        },
    )?
    .id;

    let people = [
        Person {
            given: "Fie",
            family: "Frivillig",
            email: "fie.frivillig@example.no",
            phone: "912 34 567",
            kinds: &["companionship", "activity"],
            login: Some(volunteer_login),
            approve: true,
        },
        Person {
            given: "Per",
            family: "Hansen",
            email: "per.hansen@example.no",
            phone: "913 45 678",
            kinds: &["companionship", "escort"],
            login: None,
            approve: true,
        },
        Person {
            given: "Nora",
            family: "Berg",
            email: "nora.berg@example.no",
            phone: "914 56 789",
            kinds: &["cultural_event"],
            login: None,
            approve: false,
        },
    ];
    let mut approved = Vec::new();
    let mut registered = Vec::new();
    for person in people {
        let home = if person.approve { nursing_home } else { north };
        let id = volunteer(conn, municipality, &person, home, contact)?;
        if person.approve {
            approve(conn, &caller, id)?;
            approved.push(id);
        } else {
            registered.push(id);
        }
    }
    let [fie, per] = approved[..] else {
        return Err(ApiError::Internal(
            "the demo approves two volunteers".into(),
        ));
    };
    let today = Utc::now().date_naive();

    let at_home = cases::placements::create(
        conn,
        &caller,
        PlacementDraft {
            municipality_id: municipality.id,
            placed: Placed::Volunteer(fie),
            place: Place::Unit(nursing_home),
            activity_kind: "companionship".into(),
            target_group: TargetGroup::General,
            dog_id: None,
            coordinator_id: None,
            contact_person_id: Some(contact),
            starts_on: today,
            ends_on: None,
            description: Some(
                "Reads the newspaper aloud with residents on the second floor.".into(),
            ),
            need_id: None,
        },
        today,
        render,
    )?;
    let now = Utc::now();
    cases::placements::transition(
        conn,
        &caller,
        at_home.placement.id,
        None,
        PlacementStatus::Active,
        "introduced to the ward by the contact person",
        now,
        render,
    )?;
    let weekly = Recurrence::new(
        today,
        &[Weekday::Tuesday, Weekday::Thursday],
        1,
        RecurrenceEnd::Never,
        &[],
    )
    .map_err(|e| ApiError::Internal(format!("{e:?}")))?;
    cases::visits::add_schedule(
        conn,
        &caller,
        at_home.placement.id,
        ScheduleParts {
            recurrence: weekly,
            start_time: NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default(),
            duration_minutes: 90,
        },
        now,
    )?;

    let ingrid = recipients::insert(
        conn,
        &recipients::NewRecipient {
            municipality_id: municipality.id,
            display_name: "Ingrid H.".into(),
            address: "Storgata 12, 9999 Demo".into(),
            contact_phone: Some("+4722334455".into()),
            responsible_unit_id: home_care,
            consent: Consent {
                given_by: ConsentGiver::Recipient,
                representative: None,
                given_on: today - Days::new(7),
                recorded_by: coordinator,
            },
        },
    )?;
    let visiting = cases::placements::create(
        conn,
        &caller,
        PlacementDraft {
            municipality_id: municipality.id,
            placed: Placed::Volunteer(per),
            place: Place::Recipient(ingrid.id),
            activity_kind: "companionship".into(),
            target_group: TargetGroup::General,
            dog_id: None,
            coordinator_id: None,
            contact_person_id: Some(contact),
            starts_on: today,
            ends_on: None,
            description: Some("Walks and coffee with Ingrid, who misses company.".into()),
            need_id: None,
        },
        today,
        render,
    )?;
    cases::visits::add_visit(
        conn,
        &caller,
        visiting.placement.id,
        OneVisit {
            date: today + Days::new(3),
            start_time: NaiveTime::from_hms_opt(11, 0, 0).unwrap_or_default(),
            duration_minutes: 60,
            accompanied_by: Some(Companion::ContactPerson(contact)),
        },
    )?;
    needs(conn, &caller, municipality, nursing_home, &registered)?;
    follow_ups(conn, &caller, municipality, per, contact_login)?;
    hours(
        conn,
        &caller,
        volunteer_login,
        (fie, at_home.placement.id),
        (per, visiting.placement.id),
    )?;
    training(conn, &caller, municipality, volunteer_login)?;
    surveys(conn, &caller, municipality, volunteer_login)?;
    personal_data(conn, &caller, municipality, fie)?;
    // A municipal system's webhook endpoint, disabled until someone points it at a real
    // receiver (PATCH its url and "enabled": true).
    samspill_persistence::webhooks::insert(
        conn,
        &samspill_persistence::webhooks::NewEndpoint {
            municipality_id: municipality.id,
            url: "https://fagsystem.demo.example/hooks/samspill".to_owned(),
            description: Some("Fagsystemet for helse og omsorg (eksempel)".to_owned()),
            event_types: samspill_domain::webhook::EventType::ALL.to_vec(),
            enabled: false,
            secret: crate::webhooks::signing::new_secret(),
            created_by: coordinator,
        },
    )?;
    Ok(())
}

/// Fie's consent to photos at events; retention: ended volunteers anonymised a year after they
/// ended, rejected applications after six months, contact-log notes after two years (each with
/// a month's warning on the work list).
fn personal_data(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: &Municipality,
    fie: VolunteerId,
) -> Result<(), ApiError> {
    use samspill_domain::{
        consent::{ConsentBy, ConsentPurpose},
        retention::{RetentionAction, RetentionCategory, RetentionPolicy},
    };
    let now = chrono::Utc::now();
    cases::consents::give(
        conn,
        caller,
        samspill_persistence::consents::ConsentSubject::Volunteer(fie),
        cases::consents::ConsentInput {
            purpose: ConsentPurpose::PhotosAtEvents,
            text_version: "foto-2026-1".to_owned(),
            given_on: cases::time_entries::local_today(municipality, now),
            given_by: ConsentBy::Myself,
            representative: None,
        },
        now,
    )?;
    for (category, months) in [
        (RetentionCategory::EndedVolunteers, 12),
        (RetentionCategory::RejectedApplications, 6),
        (RetentionCategory::ContactLogNotes, 24),
    ] {
        samspill_persistence::retention::put_policy(
            conn,
            municipality.id,
            RetentionPolicy {
                category,
                months,
                action: RetentionAction::Anonymise,
                warn_days: 30,
            },
            None,
            caller.id,
        )?;
    }
    Ok(())
}

/// A theme training in the coming weeks, two evenings at the nursing home, published to every
/// approved volunteer; Fie has said yes. It grants `dementia_basics` for three years to those
/// who attend both evenings.
fn training(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: &Municipality,
    volunteer_login: StaffUserId,
) -> Result<(), ApiError> {
    use samspill_domain::event::{
        Answer, EventAudience, EventKind, EventStatus, GrantMode, SessionDraft, TrainingGrant,
    };
    let now = Utc::now();
    let evening = |weeks: i64| {
        let day = (now + TimeDelta::weeks(weeks)).date_naive();
        let start = day
            .and_hms_opt(16, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now);
        SessionDraft {
            starts_at: start,
            ends_at: start + TimeDelta::hours(3),
            place: "Kultursalen, Solsiden sykehjem".to_owned(),
        }
    };
    let draft = samspill_persistence::events::EventDraft {
        kind: EventKind::ThemeTraining,
        title: "Demensomsorg – grunnkurs".to_owned(),
        description: Some(
            "To kvelder om å møte personer med demens: kommunikasjon, ro og taushetsplikt."
                .to_owned(),
        ),
        capacity: Some(20),
        registration_opens_at: None,
        registration_closes_at: None,
        audience: EventAudience {
            all_approved: true,
            ..EventAudience::default()
        },
        grant: Some(TrainingGrant {
            training: "dementia_basics".to_owned(),
            mode: GrantMode::AllSessions,
            validity_months: Some(36),
        }),
    };
    let made = cases::events::create(
        conn,
        caller,
        municipality.id,
        draft,
        vec![evening(2), evening(3)],
        now,
    )?;
    cases::events::transition(
        conn,
        caller,
        made.event.id,
        None,
        EventStatus::Published,
        now,
    )?;
    let fie = StaffCaller {
        id: volunteer_login,
        role: Role::Volunteer,
        municipality: Some(municipality.id),
        request_id: None,
    };
    cases::events::answer_own(conn, &fie, made.event.id, Answer::Yes, now)?;
    Ok(())
}

/// Both ready survey templates, each sent for three weeks from today: the motivation survey
/// to every approved volunteer (Fie has answered it), the resource mapping to every unit.
fn surveys(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: &Municipality,
    volunteer_login: StaffUserId,
) -> Result<(), ApiError> {
    use cases::surveys::{RoundAudience, RoundRequest, TemplateSource};
    use samspill_domain::survey::{AnswerValue, MIN_GROUP_SIZE, Response};
    let now = Utc::now();
    let today = now.date_naive();
    let mut rounds = Vec::new();
    for code in samspill_domain::survey::READY_TEMPLATES {
        let template = cases::surveys::create_template(
            conn,
            caller,
            municipality.id,
            TemplateSource::Ready {
                code: code.to_owned(),
                name: None,
                description: None,
            },
            now,
        )?;
        let round = cases::surveys::create_round(
            conn,
            caller,
            RoundRequest {
                template_id: template.id,
                title: None,
                opens_on: today,
                closes_on: today + chrono::Days::new(21),
                min_group_size: MIN_GROUP_SIZE,
                audience: RoundAudience {
                    all: true,
                    ..RoundAudience::default()
                },
            },
            now,
        )?;
        rounds.push(round.round.id);
    }
    let fie = StaffCaller {
        id: volunteer_login,
        role: Role::Volunteer,
        municipality: Some(municipality.id),
        request_id: None,
    };
    let answers = Response::from([
        (
            "motivation".to_owned(),
            AnswerValue::Choices(vec!["meaning".to_owned(), "social".to_owned()]),
        ),
        ("satisfaction".to_owned(), AnswerValue::Number(6.0)),
        ("hours_a_month".to_owned(), AnswerValue::Number(8.0)),
        ("continue".to_owned(), AnswerValue::Text("yes".to_owned())),
    ]);
    if let Some(motivation) = rounds.get(1) {
        cases::surveys::answer_own(conn, &fie, *motivation, answers, now)?;
    }
    Ok(())
}

/// Hours on the demo placements today: the coordinator's for each (approved at once) and one
/// the first volunteer logged herself, waiting for approval.
fn hours(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    volunteer_login: StaffUserId,
    (fie, reading): (VolunteerId, PlacementId),
    (per, visiting): (VolunteerId, PlacementId),
) -> Result<(), ApiError> {
    let now = Utc::now();
    let draft = |minutes: i32, placement: Option<PlacementId>, note: &str| TimeDraft {
        occurred_on: Some(now.date_naive()),
        minutes: Some(minutes),
        placement_id: placement,
        visit_id: None,
        unit_id: None,
        activity_kind: None,
        note: Some(note.to_owned()),
    };
    let municipality = caller
        .municipality
        .ok_or_else(|| ApiError::Internal("the demo coordinator has a municipality".into()))?;
    cases::time_entries::log(
        conn,
        caller,
        municipality,
        Placed::Volunteer(fie),
        draft(
            90,
            Some(reading),
            "Read the newspaper aloud on the second floor.",
        ),
        now,
    )?;
    cases::time_entries::log(
        conn,
        caller,
        municipality,
        Placed::Volunteer(per),
        draft(
            45,
            Some(visiting),
            "Met Ingrid with the contact person to agree on the first visit.",
        ),
        now,
    )?;
    let volunteer = StaffCaller {
        id: volunteer_login,
        role: Role::Volunteer,
        municipality: Some(municipality),
        request_id: None,
    };
    cases::time_entries::log_own(
        conn,
        &volunteer,
        draft(30, None, "Chose the articles for Thursday's reading."),
        now,
    )?;
    Ok(())
}

/// The follow-ups the plan makes for the approved volunteers (their intro calls) and the
/// nursing home (its periodic follow-up), and a call to Per that is overdue after an
/// unanswered try, on the contact person's list.
fn follow_ups(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: &Municipality,
    per: VolunteerId,
    contact_login: StaffUserId,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let today = now.date_naive();
    samspill_persistence::follow_ups::plan(conn, now, 500)?;
    let call = cases::follow_ups::create(
        conn,
        caller,
        FollowUpDraft {
            municipality_id: municipality.id,
            subject: FollowUpSubject::Volunteer(per),
            purpose: FollowUpPurpose::Concern,
            channel: ContactChannel::Phone,
            due_on: today - Days::new(2),
            assignee_id: Some(contact_login),
            note: Some("Per asked for a word about the first visit to Ingrid.".into()),
        },
    )?;
    cases::follow_ups::log_contact(
        conn,
        caller,
        ContactDraft {
            municipality_id: Some(municipality.id),
            follow_up_id: Some(call.follow_up.id),
            subject: None,
            occurred_at: now - TimeDelta::days(2),
            counterpart: "Per".into(),
            channel: ContactChannel::Phone,
            reached: false,
            duration_minutes: None,
            note: Some("No answer; left a message.".into()),
        },
    )?;
    Ok(())
}

/// Two open needs of the nursing home on the public board: reading aloud on Thursday
/// afternoons (for which the approved volunteers are candidates) and a Christmas concert on
/// one date, which the registered volunteer said she is interested in.
fn needs(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: &Municipality,
    nursing_home: UnitId,
    registered: &[VolunteerId],
) -> Result<(), ApiError> {
    let now = Utc::now();
    let today = now.date_naive();
    let internal = |e: Vec<(&'static str, samspill_domain::ParseError)>| {
        ApiError::Internal(format!("the demo's need times: {e:?}"))
    };
    let ask =
        |when: NeedWhen, kind: &str, places: i32, open_to: OpenTo, description: &str| NeedDraft {
            municipality_id: municipality.id,
            unit_id: Some(nursing_home),
            recipient_id: None,
            terms: NeedTerms {
                activity_kind: kind.to_owned(),
                target_group: TargetGroup::General,
                when,
                places,
                open_to,
                languages: vec!["no".to_owned()],
                description: description.to_owned(),
                published: true,
            },
            contact_person_id: None,
            status: NeedStatus::Open,
        };
    let reading = NeedWhen::new(
        today + Days::new(7),
        &[Weekday::Thursday],
        1,
        None,
        NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default(),
        90,
    )
    .map_err(internal)?;
    cases::needs::create(
        conn,
        caller,
        ask(
            reading,
            "companionship",
            2,
            OpenTo::Volunteers,
            "Reading aloud for residents on Thursday afternoons.",
        ),
        now,
    )?;
    let concert = NeedWhen::new(
        today + Days::new(14),
        &[],
        1,
        None,
        NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
        120,
    )
    .map_err(internal)?;
    let concert = cases::needs::create(
        conn,
        caller,
        ask(
            concert,
            "cultural_event",
            3,
            OpenTo::Both,
            "Singers and helpers for the Christmas concert in the common room.",
        ),
        now,
    )?;
    for id in registered {
        cases::needs::record_interest(
            conn,
            caller,
            concert.need.id,
            Interested::Volunteer(*id),
            today,
        )?;
    }
    Ok(())
}

fn page() -> samspill_persistence::page::PageRequest {
    samspill_persistence::page::PageRequest {
        after: None,
        limit: 200,
    }
}

fn volunteer(
    conn: &mut PgConnection,
    municipality: &Municipality,
    person: &Person,
    home_unit: UnitId,
    contact: ContactPersonId,
) -> Result<VolunteerId, ApiError> {
    let edit = VolunteerEdit {
        given_name: Some(person.given.into()),
        family_name: Some(person.family.into()),
        email: Some(Some(person.email.into())),
        phone: Some(Some(person.phone.into())),
        languages: Some(vec!["nb".into()]),
        activity_kinds: Some(person.kinds.iter().map(|k| (*k).to_owned()).collect()),
        availability: Some(vec![
            "tuesday:afternoon".into(),
            "thursday:afternoon".into(),
        ]),
        home_unit_id: Some(Some(home_unit)),
        contact_person_id: Some(Some(contact)),
        staff_user_id: person.login.map(Some),
        ..VolunteerEdit::default()
    };
    Ok(cases::volunteers::create(conn, municipality, edit, Source::Coordinator, None)?.id)
}

fn approve(conn: &mut PgConnection, caller: &StaffCaller, id: VolunteerId) -> Result<(), ApiError> {
    let step = |conn: &mut PgConnection, to, why: &str| {
        let transition = cases::lifecycle::transition(caller, to, why)?;
        cases::lifecycle::move_volunteer(conn, caller, id, None, &transition).map(|_| ())
    };
    step(conn, VolunteerStatus::InScreening, "screening call booked")?;
    cases::vetting::screen_volunteer(
        conn,
        caller,
        id,
        Interview::check(caller, Utc::now() - TimeDelta::days(14), None, None)?,
        Outcome {
            channel: ScreeningChannel::InPerson,
            assessment: ScreeningAssessment::Suitable,
        },
        Vec::new(),
    )?;
    let signed_on = Utc::now().date_naive() - Days::new(14);
    for kind in DeclarationKind::ALL {
        cases::vetting::sign_for_volunteer(
            conn,
            caller,
            id,
            Signature::check(*kind, DEMO_DOCUMENTS, signed_on)?,
        )?;
    }
    step(
        conn,
        VolunteerStatus::Approved,
        "vetted: screening and declarations in order",
    )
}
