//! Events for volunteers: making and changing them, their lifecycle (publishing invites the
//! audience), answers with a waiting list that moves up, attendance per session, and the
//! training credentials a closed theme training grants once a coordinator confirms. Every
//! change to one event takes turns on its row lock.

use crate::{
    access,
    auth::StaffCaller,
    cases::visits::zone_of,
    error::{ApiError, FieldError},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    ParseError,
    event::{
        Answer, Attendance, EventSession, EventStatus, Invitation, InvitationStatus, Invitee,
        SessionDraft, TrainingCredential, TransitionFacts, VolunteerEvent, Window, check_grant,
        check_transition, completed_on, credential_valid_until, place_for, promotions, window,
    },
    ids::{
        EventSessionId, InvitationId, MunicipalityId, StaffUserId, VolunteerEventId, VolunteerId,
    },
    municipality::Municipality,
};
use samspill_persistence::{
    Page, PgConnection,
    events::{
        self, AnswerChange, AttendanceMark, EventDraft, EventFilter, InvitationCounts,
        InvitationFilter, NewCredential,
    },
    municipalities,
    page::PageRequest,
    versioned::check_version,
};
use std::collections::{HashMap, HashSet};

/// An event with its sessions and how its invitations stand.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The event.
    pub event: VolunteerEvent,
    /// Its sessions, in order.
    pub sessions: Vec<EventSession>,
    /// Its invitations, counted.
    pub counts: InvitationCounts,
}

/// An invitation with its event (for the invitee).
#[derive(Debug, Clone)]
pub struct OwnInvitation {
    /// The invitation.
    pub invitation: Invitation,
    /// The event with its sessions.
    pub event: EventRecord,
}

/// Events invite across care districts: municipality-wide coordinators and administrators run
/// them; a coordinator limited to districts is refused.
fn runs_events(conn: &mut PgConnection, caller: &StaffCaller) -> Result<(), ApiError> {
    access::municipality_wide(
        conn,
        caller,
        "Events invite people across care districts: a municipality-wide coordinator or an \
         administrator runs them and reads their invitations and attendance.",
    )
}

/// The records of `found` events of one municipality.
fn records(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    found: Vec<VolunteerEvent>,
) -> Result<Vec<EventRecord>, ApiError> {
    let ids: Vec<VolunteerEventId> = found.iter().map(|e| e.id).collect();
    let mut sessions = events::sessions_of(conn, municipality, &ids)?;
    let counts = events::counts_of(conn, municipality, &ids)?;
    Ok(found
        .into_iter()
        .map(|event| EventRecord {
            sessions: sessions.remove(&event.id).unwrap_or_default(),
            counts: counts.get(&event.id).copied().unwrap_or_default(),
            event,
        })
        .collect())
}

/// The records of events of any municipalities, by id (a few queries per municipality).
fn records_by_id(
    conn: &mut PgConnection,
    found: Vec<VolunteerEvent>,
) -> Result<HashMap<VolunteerEventId, EventRecord>, ApiError> {
    let mut by_municipality: HashMap<MunicipalityId, Vec<VolunteerEvent>> = HashMap::new();
    for event in found {
        by_municipality
            .entry(event.municipality_id)
            .or_default()
            .push(event);
    }
    let mut all = HashMap::new();
    for (municipality, group) in by_municipality {
        for r in records(conn, municipality, group)? {
            all.insert(r.event.id, r);
        }
    }
    Ok(all)
}

fn record(conn: &mut PgConnection, event: VolunteerEvent) -> Result<EventRecord, ApiError> {
    let municipality = event.municipality_id;
    records(conn, municipality, vec![event])?
        .pop()
        .ok_or_else(|| ApiError::Internal("event record missing".into()))
}

/// Checks a draft against the municipality: what it grants, and, when the audience is new or
/// changed, that everyone it names exists there (someone erased later stays in a stored one).
fn check_draft(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    draft: &EventDraft,
    audience_changed: bool,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Err((field, e)) = check_grant(draft.kind, draft.grant.as_ref()) {
        errors.push((field.to_owned(), e));
    }
    if let (Some(opens), Some(closes)) = (draft.registration_opens_at, draft.registration_closes_at)
        && closes <= opens
    {
        errors.push((
            "registration_closes_at".to_owned(),
            ParseError::new("before_start", "must be after registration_opens_at"),
        ));
    }
    if audience_changed {
        errors.extend(events::unknown_audience(
            conn,
            municipality,
            &draft.audience,
            "audience.",
        )?);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

/// Makes a draft event of `municipality` with its sessions (checked by the route).
pub fn create(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    draft: EventDraft,
    sessions: Vec<SessionDraft>,
    now: DateTime<Utc>,
) -> Result<EventRecord, ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let municipality = access::named_municipality(conn, caller.scope(), municipality)?;
        check_draft(conn, municipality.id, &draft, true)?;
        let event = events::insert(conn, municipality.id, &draft, &sessions, caller.id, now)?;
        record(conn, event)
    })
}

/// One event the caller's municipality has (404 otherwise).
pub fn get(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
) -> Result<EventRecord, ApiError> {
    runs_events(conn, caller)?;
    let event = events::find(conn, caller.municipality, id)?;
    record(conn, event)
}

/// A page of events.
pub fn list(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<EventRecord>, ApiError> {
    runs_events(conn, caller)?;
    let found = events::list(conn, caller.municipality, filter, page)?;
    let order: Vec<VolunteerEventId> = found.items.iter().map(|e| e.id).collect();
    let mut all = records_by_id(conn, found.items)?;
    Ok(Page {
        items: order.iter().filter_map(|id| all.remove(id)).collect(),
        next_after: found.next_after,
    })
}

/// Changes an event: `change` gets the stored draft and edits it; `sessions` replace the
/// sessions. A draft may change in everything; a published event in its title, description,
/// capacity and registration window (a larger capacity moves the waiting list up; a smaller
/// one cannot leave out people already registered); a held or closed one in its description
/// and, until the credentials are granted, what it grants.
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    expected: Option<i32>,
    change: impl FnOnce(&mut EventDraft) -> Result<(), FieldError>,
    sessions: Option<Vec<SessionDraft>>,
) -> Result<EventRecord, ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let current = events::locked(conn, caller.municipality, id)?;
        check_version(current.version, expected)?;
        let mut draft = EventDraft::of(&current);
        change(&mut draft).map_err(|e| ApiError::Validation(vec![e]))?;
        let before = EventDraft::of(&current);
        let mut refused: Vec<&str> = Vec::new();
        let status = current.status;
        let audience_or_kind = draft.kind != before.kind || draft.audience != before.audience;
        let window_or_capacity = draft.capacity != before.capacity
            || draft.registration_opens_at != before.registration_opens_at
            || draft.registration_closes_at != before.registration_closes_at;
        let grant = draft.grant != before.grant;
        let title = draft.title != before.title;
        match status {
            EventStatus::Draft => {}
            EventStatus::Published => {
                if audience_or_kind {
                    refused.push("kind and who is invited (invite more people with POST /events/{id}/invitations)");
                }
                if sessions.is_some() {
                    refused.push("sessions");
                }
            }
            EventStatus::Held | EventStatus::Closed => {
                if audience_or_kind || window_or_capacity || title || sessions.is_some() {
                    refused.push("anything but the description and what it grants");
                }
                if grant && current.credentials_granted_at.is_some() {
                    refused.push("what it grants, as the credentials are granted");
                }
            }
            EventStatus::Cancelled => refused.push("anything, as it is cancelled"),
        }
        if !refused.is_empty() {
            return Err(ApiError::conflict(format!(
                "an event that is {status} cannot change {}",
                refused.join("; ")
            )));
        }
        check_draft(
            conn,
            current.municipality_id,
            &draft,
            draft.audience != before.audience,
        )?;
        let counts = counts_one(conn, &current)?;
        if let Some(capacity) = draft.capacity
            && i64::from(capacity) < counts.seats_taken
        {
            return Err(ApiError::invalid(
                "capacity",
                "below_registered",
                format!(
                    "{} seats are taken by people registered; decline some first",
                    counts.seats_taken
                ),
            ));
        }
        if let Some(capacity) = draft.capacity
            && let Some((_, seats)) = events::waiting(conn, &current)?
                .into_iter()
                .find(|(_, seats)| *seats > capacity)
        {
            return Err(ApiError::invalid(
                "capacity",
                "below_waiting_group",
                format!("a group on the waiting list asks for {seats} seats"),
            ));
        }
        let updated = events::update_draft(conn, &current, &draft)?;
        if let Some(sessions) = sessions {
            events::replace_sessions(conn, &updated, &sessions)?;
        }
        if status == EventStatus::Published {
            move_up(conn, &updated)?;
        }
        record(conn, updated)
    })
}

/// How one event's invitations stand.
fn counts_one(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
) -> Result<InvitationCounts, ApiError> {
    Ok(events::counts_of(conn, event.municipality_id, &[event.id])?
        .remove(&event.id)
        .unwrap_or_default())
}

/// Moves the waiting list up as far as places allow.
fn move_up(conn: &mut PgConnection, event: &VolunteerEvent) -> Result<Vec<InvitationId>, ApiError> {
    let counts = counts_one(conn, event)?;
    let waiting = events::waiting(conn, event)?;
    let moved = promotions(event.capacity, counts.seats_taken, &waiting);
    events::promote(conn, event, &moved)?;
    Ok(moved)
}

fn last_start(sessions: &[EventSession]) -> DateTime<Utc> {
    sessions
        .iter()
        .map(|s| s.starts_at)
        .max()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn first_start(sessions: &[EventSession]) -> DateTime<Utc> {
    sessions
        .iter()
        .map(|s| s.starts_at)
        .min()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// How many (session, registered invitee) pairs have no attendance recorded.
fn attendance_missing(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    sessions: &[EventSession],
) -> Result<usize, ApiError> {
    let registered = events::invitations_in(conn, event, InvitationStatus::Registered)?;
    let recorded: HashSet<(EventSessionId, InvitationId)> = events::attendance_of(conn, event)?
        .into_iter()
        .map(|a| (a.session_id, a.invitation_id))
        .collect();
    Ok(sessions
        .iter()
        .flat_map(|s| registered.iter().map(move |i| (s.id, i.id)))
        .filter(|pair| !recorded.contains(pair))
        .count())
}

/// Moves an event along its lifecycle. Publishing invites its audience as it is then.
pub fn transition(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    expected: Option<i32>,
    to: EventStatus,
    now: DateTime<Utc>,
) -> Result<EventRecord, ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let current = events::locked(conn, caller.municipality, id)?;
        check_version(current.version, expected)?;
        let sessions = events::sessions_of(conn, current.municipality_id, &[current.id])?
            .remove(&current.id)
            .unwrap_or_default();
        let missing = if to == EventStatus::Closed {
            attendance_missing(conn, &current, &sessions)?
        } else {
            0
        };
        check_transition(
            current.status,
            to,
            TransitionFacts {
                last_session_starts_at: last_start(&sessions),
                audience_empty: current.audience.is_empty(),
                attendance_missing: missing,
                now,
            },
        )
        .map_err(|e| ApiError::conflict(e.to_string()))?;
        let updated = events::set_status(conn, &current, to)?;
        if to == EventStatus::Published {
            let invitees =
                events::audience_invitees(conn, current.municipality_id, &current.audience)?;
            events::invite(conn, &updated, &invitees, now)?;
        }
        record(conn, updated)
    })
}

/// Invites more people to a published event; those already invited stay as they are.
pub fn invite(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    invitees: Vec<Invitee>,
    now: DateTime<Utc>,
) -> Result<(EventRecord, usize), ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let event = events::locked(conn, caller.municipality, id)?;
        if event.status != EventStatus::Published {
            return Err(ApiError::conflict(format!(
                "invitations go out while an event is published; this one is {}",
                event.status
            )));
        }
        let mut audience = samspill_domain::event::EventAudience::default();
        let mut staff = Vec::new();
        for invitee in &invitees {
            match *invitee {
                Invitee::Volunteer(v) => audience.volunteer_ids.push(v),
                Invitee::Group(g) => audience.group_ids.push(g),
                Invitee::Staff(s) => staff.push(s.into_uuid()),
            }
        }
        let mut unknown = events::unknown_audience(conn, event.municipality_id, &audience, "")?;
        let found = events::staff_of(conn, event.municipality_id, &staff)?;
        unknown.extend(
            staff
                .iter()
                .enumerate()
                .filter(|(_, id)| !found.contains(id))
                .map(|(n, _)| {
                    (
                        format!("staff_user_ids[{n}]"),
                        ParseError::new(
                            "not_found",
                            "no active coordinator or contact person account with this id in the municipality",
                        ),
                    )
                }),
        );
        if !unknown.is_empty() {
            return Err(ApiError::fields(unknown));
        }
        let added = events::invite(conn, &event, &invitees, now)?;
        events::touch(conn, &event)?;
        let event = events::find(conn, Some(event.municipality_id), event.id)?;
        Ok((record(conn, event)?, added))
    })
}

/// A page of an event's invitations.
pub fn invitations(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    filter: &InvitationFilter,
    page: PageRequest,
) -> Result<Page<Invitation>, ApiError> {
    runs_events(conn, caller)?;
    let event = events::find(conn, caller.municipality, id)?;
    Ok(events::invitations(conn, &event, filter, page)?)
}

/// Who answers: the invitee signed in (bound by the registration window), or a coordinator on
/// their behalf (not bound by it).
#[derive(Debug, Clone, Copy)]
pub enum Answerer {
    /// The invitee.
    Invitee,
    /// A coordinator or administrator.
    Coordinator(StaffUserId),
}

/// Stores an answer to a locked, published event's invitation: yes takes a place or joins
/// the waiting list (a second yes keeps where it stands; a group may change its seats there),
/// no gives the place up and moves the waiting list up. The registration window binds an
/// invitee's yes; a no is always taken.
fn answer_locked(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    current: Invitation,
    answer: Answer,
    seats: Option<i32>,
    by: Answerer,
    now: DateTime<Utc>,
) -> Result<Invitation, ApiError> {
    if event.status != EventStatus::Published {
        return Err(ApiError::conflict(format!(
            "answers are taken while an event is published; this one is {}",
            event.status
        )));
    }
    // Places an invitee who is no longer there (erased, deleted) gave up are filled first.
    move_up(conn, event)?;
    let current = events::invitation(conn, event, current.id)?;
    let seats = match (current.invitee, seats) {
        (Invitee::Group(_), Some(n)) if (1..=1000).contains(&n) => n,
        (Invitee::Group(_), Some(_)) => {
            return Err(ApiError::invalid(
                "seats",
                "out_of_range",
                "must be between 1 and 1000",
            ));
        }
        (Invitee::Group(_), None) => current.seats,
        (_, Some(n)) if n != 1 => {
            return Err(ApiError::invalid(
                "seats",
                "not_applicable",
                "a person takes one seat; seats are for groups",
            ));
        }
        _ => 1,
    };
    if answer == Answer::Yes
        && let Some(capacity) = event.capacity
        && seats > capacity
    {
        return Err(ApiError::invalid(
            "seats",
            "over_capacity",
            format!("the event has {capacity} places in all"),
        ));
    }
    // The window binds an invitee's yes that asks for a place or more seats; keeping or
    // lowering what they have, and saying no, are always taken.
    let keeps = matches!(
        current.status,
        InvitationStatus::Registered | InvitationStatus::Waitlisted
    ) && seats <= current.seats;
    if matches!(by, Answerer::Invitee) && answer == Answer::Yes && !keeps {
        let sessions = events::sessions_of(conn, event.municipality_id, &[event.id])?
            .remove(&event.id)
            .unwrap_or_default();
        match window(event, first_start(&sessions), now) {
            Window::Open => {}
            Window::NotYetOpen(at) => {
                return Err(ApiError::conflict(format!("registration opens at {at}")));
            }
            Window::Closed(at) => {
                return Err(ApiError::conflict(format!(
                    "registration closed at {at}; ask the coordinator"
                )));
            }
        }
    }
    let answered_by = match by {
        Answerer::Invitee => None,
        Answerer::Coordinator(id) => Some(id),
    };
    let status = match (answer, current.status) {
        (Answer::Yes, InvitationStatus::Registered | InvitationStatus::Waitlisted)
            if seats == current.seats =>
        {
            return Ok(current);
        }
        (Answer::No, InvitationStatus::Declined) => return Ok(current),
        // A group with a place asks for more seats: granted when they are free and nobody
        // waits (the waiting list came first); fewer seats are always granted.
        (Answer::Yes, InvitationStatus::Registered) if seats > current.seats => {
            let counts = counts_one(conn, event)?;
            let others = counts.seats_taken - i64::from(current.seats);
            if place_for(event.capacity, others, seats, counts.waitlisted > 0)
                != InvitationStatus::Registered
            {
                let free = event
                    .capacity
                    .map_or(0, |c| (i64::from(c) - counts.seats_taken).max(0));
                return Err(ApiError::conflict(format!(
                    "the group keeps its {} seats: {free} more are free{}",
                    current.seats,
                    if counts.waitlisted > 0 {
                        " and others wait for them"
                    } else {
                        ""
                    }
                )));
            }
            InvitationStatus::Registered
        }
        (Answer::Yes, InvitationStatus::Registered | InvitationStatus::Waitlisted) => {
            current.status
        }
        (Answer::Yes, _) => {
            let counts = counts_one(conn, event)?;
            place_for(
                event.capacity,
                counts.seats_taken,
                seats,
                counts.waitlisted > 0,
            )
        }
        (Answer::No, _) => InvitationStatus::Declined,
    };
    let stored = events::answer(
        conn,
        &current,
        AnswerChange {
            status,
            seats,
            answered_by,
            at: now,
            // A group on the waiting list asking for more seats queues again from now, so
            // that it does not hold up those behind it with seats they did not wait for.
            requeue: current.status == InvitationStatus::Waitlisted && seats > current.seats,
        },
    )?;
    if matches!(
        current.status,
        InvitationStatus::Registered | InvitationStatus::Waitlisted
    ) {
        move_up(conn, event)?;
    }
    events::touch(conn, event)?;
    Ok(stored)
}

/// A coordinator answers an invitation on the invitee's behalf.
pub fn answer_for(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    event_id: VolunteerEventId,
    invitation_id: InvitationId,
    expected: Option<i32>,
    (answer, seats): (Answer, Option<i32>),
    now: DateTime<Utc>,
) -> Result<Invitation, ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let event = events::locked(conn, caller.municipality, event_id)?;
        let current = events::invitation(conn, &event, invitation_id)?;
        check_version(current.version, expected)?;
        let stored = answer_locked(
            conn,
            &event,
            current,
            answer,
            seats,
            Answerer::Coordinator(caller.id),
            now,
        )?;
        // The answer as it stands after the waiting list moved.
        Ok(events::invitation(conn, &event, stored.id)?)
    })
}

/// The signed-in person answers their own invitation.
pub fn answer_own(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    event_id: VolunteerEventId,
    answer: Answer,
    now: DateTime<Utc>,
) -> Result<OwnInvitation, ApiError> {
    conn.transaction(|conn| {
        let found = events::own_to(conn, caller.id, caller.municipality, event_id)?;
        let event = events::locked(conn, Some(found.municipality_id), event_id)?;
        // Read again under the event's lock: a coordinator may have answered meanwhile.
        let current = events::invitation(conn, &event, found.id)?;
        let stored = answer_locked(conn, &event, current, answer, None, Answerer::Invitee, now)?;
        let invitation = events::invitation(conn, &event, stored.id)?;
        let event = events::find(conn, Some(event.municipality_id), event.id)?;
        Ok(OwnInvitation {
            invitation,
            event: record(conn, event)?,
        })
    })
}

/// A page of the signed-in person's invitations, each with its event.
pub fn own(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    page: PageRequest,
) -> Result<Page<OwnInvitation>, ApiError> {
    let found = events::own(conn, caller.id, caller.municipality, page)?;
    let ids: Vec<VolunteerEventId> = found.items.iter().map(|i| i.event_id).collect();
    let found_events = events::events_by_id(conn, &ids)?.into_values().collect();
    let by_id = records_by_id(conn, found_events)?;
    let mut items = Vec::with_capacity(found.items.len());
    for invitation in found.items {
        let Some(event) = by_id.get(&invitation.event_id) else {
            continue;
        };
        items.push(OwnInvitation {
            event: event.clone(),
            invitation,
        });
    }
    Ok(Page {
        items,
        next_after: found.next_after,
    })
}

/// A page of the attendance recorded at one session of an event.
pub fn attendance(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    session: EventSessionId,
    page: PageRequest,
) -> Result<Page<Attendance>, ApiError> {
    runs_events(conn, caller)?;
    let event = events::find(conn, caller.municipality, id)?;
    Ok(events::session_attendance(conn, &event, session, page)?)
}

/// Records attendance at one session that has started, for people registered; while the
/// event is published or held (closed makes it final).
pub fn record_attendance(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    session: EventSessionId,
    expected: Option<i32>,
    marks: Vec<AttendanceMark>,
    now: DateTime<Utc>,
) -> Result<Vec<Attendance>, ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let event = events::locked(conn, caller.municipality, id)?;
        check_version(event.version, expected)?;
        if !matches!(event.status, EventStatus::Published | EventStatus::Held) {
            return Err(ApiError::conflict(format!(
                "attendance is recorded while an event is published or held; this one is {}",
                event.status
            )));
        }
        let sessions = events::sessions_of(conn, event.municipality_id, &[event.id])?
            .remove(&event.id)
            .unwrap_or_default();
        let Some(found) = sessions.iter().find(|s| s.id == session) else {
            return Err(ApiError::NotFound);
        };
        if now < found.starts_at {
            return Err(ApiError::conflict(format!(
                "the session starts at {}: attendance is recorded after that",
                found.starts_at
            )));
        }
        let registered: HashSet<InvitationId> =
            events::invitations_in(conn, &event, InvitationStatus::Registered)?
                .into_iter()
                .map(|i| i.id)
                .collect();
        let errors: Vec<(String, ParseError)> = marks
            .iter()
            .enumerate()
            .filter(|(_, m)| !registered.contains(&m.invitation_id))
            .map(|(n, _)| {
                (
                    format!("attendance[{n}].invitation_id"),
                    ParseError::new(
                        "not_registered",
                        "no invitation of this event registered with this id",
                    ),
                )
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::fields(errors));
        }
        events::record_attendance(conn, &event, session, &marks, caller.id, now)?;
        events::touch(conn, &event)?;
        let recorded: HashSet<InvitationId> = marks.iter().map(|m| m.invitation_id).collect();
        Ok(events::attendance_of(conn, &event)?
            .into_iter()
            .filter(|a| a.session_id == session && recorded.contains(&a.invitation_id))
            .collect())
    })
}

/// The credentials a closed theme training grants, by volunteer: those registered whose
/// attendance the grant's mode counts, completed on the local date of the last session that
/// counts.
fn earned(
    conn: &mut PgConnection,
    municipality: &Municipality,
    event: &VolunteerEvent,
) -> Result<Vec<NewCredential>, ApiError> {
    let Some(grant) = &event.grant else {
        return Ok(Vec::new());
    };
    let zone = zone_of(municipality);
    let sessions = events::sessions_of(conn, event.municipality_id, &[event.id])?
        .remove(&event.id)
        .unwrap_or_default();
    let dates: Vec<NaiveDate> = sessions
        .iter()
        .map(|s| s.starts_at.with_timezone(&zone).date_naive())
        .collect();
    let attended: HashSet<(EventSessionId, InvitationId)> = events::attendance_of(conn, event)?
        .into_iter()
        .filter(|a| a.status == samspill_domain::event::AttendanceStatus::Attended)
        .map(|a| (a.session_id, a.invitation_id))
        .collect();
    let mut earned = Vec::new();
    for invitation in events::invitations_in(conn, event, InvitationStatus::Registered)? {
        let Invitee::Volunteer(volunteer) = invitation.invitee else {
            continue;
        };
        let came: Vec<bool> = sessions
            .iter()
            .map(|s| attended.contains(&(s.id, invitation.id)))
            .collect();
        if let Some(done) = completed_on(grant.mode, &dates, &came) {
            earned.push(NewCredential {
                volunteer_id: volunteer,
                training: grant.training.clone(),
                completed_on: done,
                valid_until: credential_valid_until(done, grant.validity_months),
                event_id: Some(event.id),
                note: Some(event.title.clone()),
            });
        }
    }
    Ok(earned)
}

/// Grants a closed theme training's credentials, once, as the coordinator confirms.
pub fn grant(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerEventId,
    expected: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(EventRecord, Vec<TrainingCredential>), ApiError> {
    conn.transaction(|conn| {
        runs_events(conn, caller)?;
        let event = events::locked(conn, caller.municipality, id)?;
        check_version(event.version, expected)?;
        if event.grant.is_none() {
            return Err(ApiError::conflict(
                "this event grants no training credential",
            ));
        }
        if event.status != EventStatus::Closed {
            return Err(ApiError::conflict(format!(
                "credentials are granted once the event is closed; this one is {}",
                event.status
            )));
        }
        if let Some(at) = event.credentials_granted_at {
            return Err(ApiError::conflict(format!(
                "the credentials were granted at {at}"
            )));
        }
        let municipality = municipalities::find(
            conn,
            samspill_domain::auth::TenantScope::All,
            event.municipality_id,
        )?;
        let new = earned(conn, &municipality, &event)?;
        let stored = events::insert_credentials(conn, event.municipality_id, &new, caller.id, now)?;
        let event = events::mark_granted(conn, &event, caller.id, now)?;
        Ok((record(conn, event)?, stored))
    })
}

/// Records a training credential of a volunteer the caller manages, for training taken
/// elsewhere.
pub fn record_credential(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    volunteer: VolunteerId,
    credential: NewCredential,
    now: DateTime<Utc>,
) -> Result<TrainingCredential, ApiError> {
    conn.transaction(|conn| {
        caller.require_manager()?;
        let found = access::managed_volunteer(conn, caller, volunteer)?;
        let stored = events::insert_credentials(
            conn,
            found.municipality_id,
            &[NewCredential {
                volunteer_id: found.id,
                ..credential
            }],
            caller.id,
            now,
        )?;
        stored
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("credential not stored".into()))
    })
}

/// A page of a volunteer's training credentials (coordinators and administrators who manage
/// the volunteer).
pub fn credentials(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    volunteer: VolunteerId,
    page: PageRequest,
) -> Result<Page<TrainingCredential>, ApiError> {
    let found = access::managed_volunteer(conn, caller, volunteer)?;
    Ok(events::credentials_of(
        conn,
        found.municipality_id,
        found.id,
        page,
    )?)
}
