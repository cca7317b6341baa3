//! Needs: a unit (or a person visited at home, through the coordinator) asks for volunteers;
//! volunteers and groups say they are interested; coordinators rank the candidates and place
//! one, through the same checks as any placement, until every place is taken.

use crate::{
    access::{check_staff_contact, named_municipality},
    auth::StaffCaller,
    cases::{
        clearance::{ask_group, ask_volunteers, requirements},
        placements::{self as placing, Answer, PlacementDraft, Render},
        visits::add_schedule,
    },
    error::{ApiError, FieldError},
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::Connection;
use samspill_domain::{
    auth::{Audience, TenantScope},
    clearance::{ClearanceQuestion, RequirementKey, TargetGroup},
    ids::{
        ContactPersonId, DogId, GroupId, MunicipalityId, NeedId, RecipientId, StaffUserId, UnitId,
        VolunteerId,
    },
    municipality::Municipality,
    need::{
        InterestSource, MatchReason, Need, NeedStatus, NeedWhen, OpenTo, Profile, Wishes,
        check_need_step, check_publishable, rank,
    },
    placement::{Place, Placed},
    user::Role,
    volunteer::{Volunteer, VolunteerStatus, Weekday},
};
use samspill_persistence::{
    Page, PgConnection, RepoError, activity_kinds, contact_persons, groups, municipalities,
    needs::{self, BoardEntry, Interest, Interested, NeedFields, NeedTerms},
    page::PageRequest,
    placements::{PlacementRecord, ScheduleParts},
    recipients, units,
    versioned::check_version,
    volunteers,
};
use std::collections::HashMap;
use uuid::Uuid;

/// What volunteer accounts are told where staff manage needs.
pub const VOLUNTEERS_USE_THE_BOARD: &str = "Volunteers read open needs on the public board \
    (/api/v1/public/municipalities/{code}/needs) and say they are interested at \
    /api/v1/me/needs/{id}/interest.";

/// A need with how many places are taken and how many said they are interested.
#[derive(Debug, Clone)]
pub struct NeedRecord {
    /// The need.
    pub need: Need,
    /// Places taken by placements that have not ended.
    pub filled: i64,
    /// Volunteers and groups who said they are interested.
    pub interested: i64,
}

/// Whose needs a staff caller manages: coordinators and administrators every one of their
/// scope, a contact person those they are the contact person of; volunteers none.
pub fn audience(caller: &StaffCaller) -> Result<Audience, ApiError> {
    Audience::of_staff(caller.role, caller.id)
        .ok_or_else(|| ApiError::forbidden(VOLUNTEERS_USE_THE_BOARD))
}

/// The needs with their tallies.
pub fn records(conn: &mut PgConnection, found: Vec<Need>) -> Result<Vec<NeedRecord>, ApiError> {
    let mut by_municipality: HashMap<MunicipalityId, Vec<NeedId>> = HashMap::new();
    for need in &found {
        by_municipality
            .entry(need.municipality_id)
            .or_default()
            .push(need.id);
    }
    let mut tallies = HashMap::new();
    for (municipality, ids) in by_municipality {
        tallies.extend(needs::tallies(conn, municipality, &ids)?);
    }
    Ok(found
        .into_iter()
        .map(|need| {
            let (filled, interested) = tallies.get(&need.id).copied().unwrap_or((0, 0));
            NeedRecord {
                need,
                filled,
                interested,
            }
        })
        .collect())
}

fn record(conn: &mut PgConnection, need: Need) -> Result<NeedRecord, ApiError> {
    records(conn, vec![need])?
        .pop()
        .ok_or_else(|| ApiError::Internal("a need went missing".into()))
}

/// One need the caller manages, with its tallies (404 otherwise).
pub fn get(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
) -> Result<NeedRecord, ApiError> {
    let need = needs::find(conn, caller.scope(), audience(caller)?, id)?;
    record(conn, need)
}

/// A page of the needs the caller manages, with their tallies.
pub fn list(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    filter: &needs::NeedFilter,
    page: PageRequest,
) -> Result<Page<NeedRecord>, ApiError> {
    let found = needs::list(conn, caller.scope(), audience(caller)?, filter, page)?;
    Ok(Page {
        next_after: found.next_after,
        items: records(conn, found.items)?,
    })
}

/// A need as asked for (values parsed by the route).
#[derive(Debug, Clone)]
pub struct NeedDraft {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The unit asking; for a person visited at home, the unit answering for them (the
    /// default).
    pub unit_id: Option<UnitId>,
    /// The person visited at home, if any.
    pub recipient_id: Option<RecipientId>,
    /// What it asks for.
    pub terms: NeedTerms,
    /// The unit's contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// `draft` or `open`.
    pub status: NeedStatus,
}

/// The contact person a contact-person account acts as (403 when none is linked).
fn own_contact(conn: &mut PgConnection, caller: &StaffCaller) -> Result<ContactPersonId, ApiError> {
    match contact_persons::of_account(conn, caller.scope(), caller.id)? {
        Some(found) if found.active => Ok(found.id),
        _ => Err(ApiError::forbidden(
            "This account is not linked to an active contact person.",
        )),
    }
}

/// Where a need takes place: at a unit of the municipality, or in the home of a person who
/// accepts visits (asked for by the unit that answers for them). Returns the unit and place.
fn where_need(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    unit: Option<UnitId>,
    recipient: Option<RecipientId>,
) -> Result<(UnitId, Place), ApiError> {
    let scope = TenantScope::Municipality(municipality);
    match (unit, recipient) {
        (_, Some(id)) => {
            let found = match recipients::find(conn, scope, id) {
                Ok(found) if found.active => found,
                Ok(_) => {
                    return Err(ApiError::invalid(
                        "recipient_id",
                        "inactive",
                        "this person no longer accepts visits (active is false)",
                    ));
                }
                Err(RepoError::NotFound) => {
                    return Err(ApiError::invalid(
                        "recipient_id",
                        "not_found",
                        "no recipient with this id in the municipality",
                    ));
                }
                Err(other) => return Err(other.into()),
            };
            if unit.is_some_and(|u| u != found.responsible_unit_id) {
                return Err(ApiError::invalid(
                    "unit_id",
                    "not_responsible",
                    "a need in a private home is asked for by the unit that answers for the person; leave unit_id out",
                ));
            }
            Ok((found.responsible_unit_id, Place::Recipient(id)))
        }
        (Some(id), None) => match units::find(conn, scope, id) {
            Ok(_) => Ok((id, Place::Unit(id))),
            Err(RepoError::NotFound) => Err(ApiError::invalid(
                "unit_id",
                "not_found",
                "no unit with this id in the municipality",
            )),
            Err(other) => Err(other.into()),
        },
        (None, None) => Err(ApiError::invalid(
            "unit_id",
            "one_of",
            "name the unit asking, or the recipient_id of a person visited at home",
        )),
    }
}

fn check_kind(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    code: &str,
) -> Result<(), ApiError> {
    if activity_kinds::unknown_codes(conn, municipality, &[code.to_owned()])?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "activity_kind",
            "unknown_activity_kind",
            "the municipality has no such activity kind",
        ))
    }
}

/// What a contact person is told when opening a need.
const COORDINATORS_OPEN_NEEDS: &str =
    "Coordinators open needs: a unit's contact person writes them as drafts.";

/// The board's rule for a need's terms at `place`, as a 422 on `published`.
fn publishable(place: Place, terms: &NeedTerms) -> Result<(), ApiError> {
    check_publishable(place, terms.target_group, terms.published)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("published", &e)]))
}

/// Writes a need. Coordinators and administrators ask for any unit or person visited at home;
/// a contact person for a unit, as its contact person.
pub fn create(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    draft: NeedDraft,
    now: DateTime<Utc>,
) -> Result<NeedRecord, ApiError> {
    audience(caller)?;
    conn.transaction(|conn| {
        let municipality = named_municipality(conn, caller.scope(), draft.municipality_id)?;
        let contact = if caller.role == Role::ContactPerson {
            if draft.status == NeedStatus::Open {
                return Err(ApiError::forbidden(COORDINATORS_OPEN_NEEDS));
            }
            if draft.recipient_id.is_some() {
                return Err(ApiError::invalid(
                    "recipient_id",
                    "not_allowed",
                    "needs in a private home go through the coordinator",
                ));
            }
            let own = own_contact(conn, caller)?;
            if draft.contact_person_id.is_some_and(|named| named != own) {
                return Err(ApiError::invalid(
                    "contact_person_id",
                    "not_allowed",
                    "a contact person asks as themselves",
                ));
            }
            Some(own)
        } else {
            if let Some(named) = draft.contact_person_id {
                check_staff_contact(conn, municipality.id, named, "contact_person_id")?;
            }
            draft.contact_person_id
        };
        // A district coordinator asks for units (and homes) of their districts: checked before
        // anything is said about the place.
        let (named, field) = match (draft.recipient_id, draft.unit_id) {
            (Some(recipient), _) => (vec![recipient.into_uuid()], "recipient_id"),
            (None, unit) => (unit.map(UnitId::into_uuid).into_iter().collect(), "unit_id"),
        };
        crate::access::check_in_districts(conn, caller, &named, field)?;
        let (unit_id, place) =
            where_need(conn, municipality.id, draft.unit_id, draft.recipient_id)?;
        check_kind(conn, municipality.id, &draft.terms.activity_kind)?;
        publishable(place, &draft.terms)?;
        let ends = draft.terms.when.last_day();
        if draft.status == NeedStatus::Open && ends.is_some_and(|last| last < now.date_naive()) {
            return Err(ApiError::invalid(
                "starts_on",
                "in_the_past",
                "an open need has days still to come",
            ));
        }
        let fields = NeedFields {
            unit_id,
            recipient_id: match place {
                Place::Recipient(id) => Some(id),
                Place::Unit(_) => None,
            },
            terms: draft.terms,
            contact_person_id: contact,
        };
        let need = needs::insert(conn, municipality.id, &fields, draft.status, caller.id, now)?;
        record(conn, need)
    })
}

/// A change to a need; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct NeedEdit {
    /// Another activity kind (only before anyone is placed from the need).
    pub activity_kind: Option<String>,
    /// Another target group (only before anyone is placed from the need).
    pub target_group: Option<TargetGroup>,
    /// Other times: the parts given replace the current ones.
    pub when: WhenEdit,
    /// Another number of places.
    pub places: Option<i32>,
    /// Who else may take a place.
    pub open_to: Option<OpenTo>,
    /// Other languages.
    pub languages: Option<Vec<String>>,
    /// Another description.
    pub description: Option<String>,
    /// Shown on the board or not.
    pub published: Option<bool>,
    /// Another contact person, or none (coordinators only).
    pub contact_person_id: Option<Option<ContactPersonId>>,
}

/// Parts of a need's times to change; `None` keeps a part, `until: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct WhenEdit {
    /// Another first day (the one date of a need on one date).
    pub starts_on: Option<NaiveDate>,
    /// Other weekdays; none makes it a need on one date.
    pub weekdays: Option<Vec<Weekday>>,
    /// Another interval.
    pub interval_weeks: Option<u8>,
    /// Another last day, or none.
    pub until: Option<Option<NaiveDate>>,
    /// Another start time.
    pub start_time: Option<NaiveTime>,
    /// Another length.
    pub duration_minutes: Option<i32>,
}

impl WhenEdit {
    /// The times with these parts changed, checked as a whole (422 naming each part that is
    /// wrong).
    pub fn apply(self, current: &NeedWhen) -> Result<NeedWhen, ApiError> {
        let weekdays = self.weekdays.unwrap_or_else(|| current.weekdays().to_vec());
        NeedWhen::new(
            self.starts_on.unwrap_or(current.starts_on()),
            &weekdays,
            self.interval_weeks.unwrap_or(current.interval_weeks()),
            self.until.unwrap_or(current.until()),
            self.start_time.unwrap_or(current.start_time()),
            self.duration_minutes.unwrap_or(current.duration_minutes()),
        )
        .map_err(|problems| {
            ApiError::Validation(
                problems
                    .into_iter()
                    .map(|(f, e)| FieldError::parse(f, &e))
                    .collect(),
            )
        })
    }
}

fn closed() -> ApiError {
    ApiError::Conflict {
        detail: "The need is closed: it no longer changes.".to_owned(),
        errors: Vec::new(),
    }
}

/// Changes a need that is not closed. What the placements from it were made for (activity
/// kind, target group) stays once anyone is placed. More places reopen a filled need; fewer
/// than are taken fill an open one.
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    expected_version: Option<i32>,
    edit: NeedEdit,
    now: DateTime<Utc>,
) -> Result<NeedRecord, ApiError> {
    let audience = audience(caller)?;
    conn.transaction(|conn| {
        let current = needs::locked(conn, caller.scope(), audience, id)?;
        if current.status == NeedStatus::Closed {
            return Err(closed());
        }
        let filled = needs::filled(conn, &current)?;
        let mut fields = NeedFields::from(&current);
        if let Some(kind) = edit.activity_kind {
            check_kind(conn, current.municipality_id, &kind)?;
            fields.terms.activity_kind = kind;
        }
        if let Some(group) = edit.target_group {
            fields.terms.target_group = group;
        }
        let placed_for_changes = fields.terms.activity_kind != current.activity_kind
            || fields.terms.target_group != current.target_group;
        if placed_for_changes && filled > 0 {
            return Err(ApiError::Conflict {
                detail: "Volunteers are placed from this need: what it is for no longer changes. \
                    Close it and ask anew."
                    .to_owned(),
                errors: Vec::new(),
            });
        }
        if let Some(contact) = edit.contact_person_id {
            if caller.role == Role::ContactPerson {
                return Err(ApiError::invalid(
                    "contact_person_id",
                    "not_allowed",
                    "coordinators choose the contact person",
                ));
            }
            if let Some(named) = contact {
                check_staff_contact(conn, current.municipality_id, named, "contact_person_id")?;
            }
            fields.contact_person_id = contact;
        }
        let terms = &mut fields.terms;
        terms.when = edit.when.apply(&terms.when)?;
        terms.places = edit.places.unwrap_or(terms.places);
        terms.open_to = edit.open_to.unwrap_or(terms.open_to);
        terms.languages = edit
            .languages
            .unwrap_or(std::mem::take(&mut terms.languages));
        terms.description = edit
            .description
            .unwrap_or(std::mem::take(&mut terms.description));
        terms.published = edit.published.unwrap_or(terms.published);
        let full = filled >= i64::from(terms.places);
        publishable(current.place, terms)?;
        // Only a change of places moves it: a need filled another way stays filled. More places
        // than are taken reopen it (coordinators only: they open needs), unless it is over.
        let more = terms.places > current.places;
        let status = match current.status {
            NeedStatus::Filled
                if more
                    && !full
                    && caller.role != Role::ContactPerson
                    && !current.is_over(now.date_naive()) =>
            {
                NeedStatus::Open
            }
            NeedStatus::Open if terms.places != current.places && full => NeedStatus::Filled,
            other => other,
        };
        // The change is judged before its If-Match, as everywhere.
        check_version(current.version, expected_version)?;
        let need = needs::rewrite(conn, &current, &fields, status, now)?;
        record(conn, need)
    })
}

/// Moves a need: `draft → open`, `filled → open` (a place came free), `open → filled` (filled
/// another way), and to `closed` from any other status. Opening a full need is refused.
pub fn transition(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    expected_version: Option<i32>,
    to: NeedStatus,
    now: DateTime<Utc>,
) -> Result<NeedRecord, ApiError> {
    let audience = audience(caller)?;
    conn.transaction(|conn| {
        let current = needs::locked(conn, caller.scope(), audience, id)?;
        check_version(current.version, expected_version)?;
        if to == NeedStatus::Open && caller.role == Role::ContactPerson {
            return Err(ApiError::forbidden(COORDINATORS_OPEN_NEEDS));
        }
        check_need_step(current.status, to).map_err(|e| ApiError::Conflict {
            detail: format!("{e}."),
            errors: vec![FieldError::new("to", "not_allowed", e.to_string())],
        })?;
        if to == NeedStatus::Open && current.is_over(now.date_naive()) {
            return Err(over(&current));
        }
        if to == NeedStatus::Open && current.is_full(needs::filled(conn, &current)?) {
            return Err(ApiError::Conflict {
                detail: "Every place of the need is taken: raise `places` to open it again."
                    .to_owned(),
                errors: vec![FieldError::new("to", "full", "every place is taken")],
            });
        }
        let need = needs::set_status(conn, &current, to, now)?;
        record(conn, need)
    })
}

fn not_open(need: &Need) -> ApiError {
    ApiError::Conflict {
        detail: format!(
            "The need is {}: interest is taken and places are given only while it is open.",
            need.status
        ),
        errors: vec![FieldError::new(
            "status",
            "not_open",
            "the need is not open",
        )],
    }
}

fn over(need: &Need) -> ApiError {
    ApiError::Conflict {
        detail: format!(
            "The need is over: its last day was {}.",
            need.when
                .last_day()
                .map_or_else(String::new, |d| d.to_string())
        ),
        errors: vec![FieldError::new(
            "status",
            "over",
            "the need's last day has passed",
        )],
    }
}

/// Whether the need takes `who`: volunteers or groups as it is open to.
fn check_open_to(need: &Need, who: Interested) -> Result<(), ApiError> {
    match who {
        Interested::Volunteer(_) if !need.open_to.volunteers() => Err(ApiError::invalid(
            "volunteer_id",
            "not_open_to_volunteers",
            "this need asks for a group",
        )),
        Interested::Group(_) if !need.open_to.groups() => Err(ApiError::invalid(
            "group_id",
            "not_open_to_groups",
            "this need asks for individual volunteers",
        )),
        _ => Ok(()),
    }
}

/// Who may say they are interested: a volunteer or group registered, in screening or approved.
fn check_may_offer(status: VolunteerStatus, field: &str) -> Result<(), ApiError> {
    if matches!(
        status,
        VolunteerStatus::Registered | VolunteerStatus::InScreening | VolunteerStatus::Approved
    ) {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            detail: format!(
                "Only those registered, in screening or approved say they are interested (the status is {status})."
            ),
            errors: vec![FieldError::new(
                field,
                "not_available",
                "not available for needs",
            )],
        })
    }
}

/// Records an interest in an open need of the municipality `scope` (the caller's own).
fn interest(
    conn: &mut PgConnection,
    need: &Need,
    who: Interested,
    (source, by): (InterestSource, Option<StaffUserId>),
    today: NaiveDate,
) -> Result<(Interest, bool), ApiError> {
    if need.status != NeedStatus::Open {
        return Err(not_open(need));
    }
    if need.is_over(today) {
        return Err(over(need));
    }
    check_open_to(need, who)?;
    Ok(needs::add_interest(conn, need, who, source, by)?)
}

/// The volunteer record of a volunteer account (403 for other roles).
fn own_volunteer(conn: &mut PgConnection, caller: &StaffCaller) -> Result<Volunteer, ApiError> {
    if caller.role != Role::Volunteer {
        return Err(ApiError::forbidden(
            "Volunteers say they are interested here; coordinators record it for a volunteer or \
             a group (as its contact person says) at /api/v1/needs/{id}/interests.",
        ));
    }
    Ok(volunteers::find_own(
        conn,
        caller.scope(),
        Audience::Own(caller.id),
    )?)
}

/// A volunteer account says it is interested in an open need of its municipality. Said again,
/// the first one stands.
pub fn offer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    today: NaiveDate,
) -> Result<(Interest, bool), ApiError> {
    conn.transaction(|conn| {
        let own = own_volunteer(conn, caller)?;
        check_may_offer(own.status, "volunteer")?;
        let need = needs::locked(conn, caller.scope(), Audience::Everyone, id)?;
        if !need.published || need.status == NeedStatus::Draft {
            // Volunteers answer what the board shows; the rest goes through the coordinator.
            return Err(ApiError::NotFound);
        }
        interest(
            conn,
            &need,
            Interested::Volunteer(own.id),
            (InterestSource::Volunteer, Some(caller.id)),
            today,
        )
    })
}

/// A volunteer account withdraws its interest; whether there was one.
pub fn withdraw(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
) -> Result<bool, ApiError> {
    conn.transaction(|conn| {
        let own = own_volunteer(conn, caller)?;
        let need = needs::find(conn, caller.scope(), Audience::Everyone, id)?;
        Ok(needs::remove_interest(
            conn,
            &need,
            Interested::Volunteer(own.id),
        )?)
    })
}

/// A coordinator records that a volunteer or group of the municipality is interested.
pub fn record_interest(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    who: Interested,
    today: NaiveDate,
) -> Result<(Interest, bool), ApiError> {
    caller.require_manager()?;
    conn.transaction(|conn| {
        let managed = crate::access::managed(caller)?;
        let need = needs::locked(conn, caller.scope(), managed, id)?;
        let scope = TenantScope::Municipality(need.municipality_id);
        // A district coordinator names volunteers and groups of their districts.
        match who {
            Interested::Volunteer(v) => {
                let found = volunteers::find(conn, scope, managed, v).map_err(|e| match e {
                    RepoError::NotFound => ApiError::invalid(
                        "volunteer_id",
                        "not_found",
                        "no volunteer with this id in the municipality",
                    ),
                    other => other.into(),
                })?;
                check_may_offer(found.status, "volunteer_id")?;
            }
            Interested::Group(g) => {
                let found = groups::find_seen(conn, scope, managed, g).map_err(|e| match e {
                    RepoError::NotFound => ApiError::invalid(
                        "group_id",
                        "not_found",
                        "no group with this id in the municipality",
                    ),
                    other => other.into(),
                })?;
                check_may_offer(found.status, "group_id")?;
            }
        }
        interest(
            conn,
            &need,
            who,
            (InterestSource::Coordinator, Some(caller.id)),
            today,
        )
    })
}

/// A coordinator withdraws an interest in a need (404 when there is none).
pub fn remove_interest(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    interest: Uuid,
) -> Result<(), ApiError> {
    caller.require_manager()?;
    let need = needs::find(conn, caller.scope(), crate::access::managed(caller)?, id)?;
    if needs::remove_interest_by_id(conn, &need, interest)? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// A page of the interests in a need the caller manages.
pub fn interests(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    page: PageRequest,
) -> Result<Page<Interest>, ApiError> {
    let need = needs::find(conn, caller.scope(), audience(caller)?, id)?;
    Ok(needs::interests(conn, &need, page)?)
}

/// At self-registration: the person is interested in these needs of the municipality. An id
/// that is no need of the municipality is 422 (naming it); a need that is no longer open,
/// published and running (the board may be a minute old) is passed over. Returns how many
/// interests were recorded.
pub fn register_interests(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    ids: &[NeedId],
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let scope = TenantScope::Municipality(municipality);
    let mut recorded = 0;
    // Held against changes in id order, each once: registrations only read them, and a
    // coordinator changing one waits for at most the registration's few statements.
    let mut order: Vec<(usize, NeedId)> = ids.iter().copied().enumerate().collect();
    order.sort_by_key(|(_, id)| id.into_uuid());
    order.dedup_by_key(|(_, id)| id.into_uuid());
    for (i, id) in order {
        let need = match needs::held(conn, scope, id) {
            Ok(found) => found,
            Err(RepoError::NotFound) => {
                return Err(ApiError::invalid(
                    format!("needs[{i}]"),
                    "not_found",
                    "no need with this id on the municipality's board",
                ));
            }
            Err(other) => return Err(other.into()),
        };
        let answerable = need.status == NeedStatus::Open
            && need.published
            && need.open_to.volunteers()
            && !need.is_over(today);
        if answerable {
            let (_, new) = needs::add_interest(
                conn,
                &need,
                Interested::Volunteer(volunteer),
                InterestSource::Registration,
                None,
            )?;
            recorded += usize::from(new);
        }
    }
    Ok(recorded)
}

/// Who a candidate is.
#[derive(Debug, Clone)]
pub enum Who {
    /// A volunteer.
    Volunteer(Box<Volunteer>),
    /// A group.
    Group(Box<samspill_domain::group::Group>),
}

/// A ranked candidate with their clearance answer for the need on its first day.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Who.
    pub who: Who,
    /// Why they are listed.
    pub reasons: Vec<MatchReason>,
    /// Their score among those not interested.
    pub score: u32,
    /// The clearance answer.
    pub answer: Answer,
}

/// The order key of a ranked candidate, for the cursor: interested first, higher score
/// first, then groups after volunteers, then id.
pub type RankKey = (bool, u32, bool, Uuid);

/// Turns a rank key into bytes that sort the way the list does.
pub fn rank_bytes(key: RankKey) -> Vec<u8> {
    let (interested, score, group, id) = key;
    let mut bytes = vec![u8::from(!interested)];
    bytes.extend_from_slice(&(u32::MAX - score).to_be_bytes());
    bytes.push(u8::from(group));
    bytes.extend_from_slice(id.as_bytes());
    bytes
}

/// A page of ranked candidates, each with its rank key.
#[derive(Debug, Clone)]
pub struct CandidatePage {
    /// The candidates, best first.
    pub listed: Vec<(RankKey, Candidate)>,
    /// Whether more follow.
    pub more: bool,
    /// The rank key of the page's last candidate (the next page goes on after it, even when
    /// that candidate went missing between the reads).
    pub last: Option<RankKey>,
}

/// A page of the candidates for a need (for a district coordinator, those of their districts):
/// ranked by the domain, each with the reasons and the
/// clearance answer for the need's first day (or `today`). After `after` (a rank key's
/// bytes), at most `limit`; and whether more follow.
pub fn candidates(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    today: NaiveDate,
    after: Option<Vec<u8>>,
    limit: usize,
) -> Result<CandidatePage, ApiError> {
    caller.require_manager()?;
    let audience = crate::access::managed(caller)?;
    let need = needs::find(conn, caller.scope(), audience, id)?;
    if need.status == NeedStatus::Closed {
        // Nobody is placed from a closed need (its activity kind may even be gone).
        return Ok(CandidatePage {
            listed: Vec::new(),
            more: false,
            last: None,
        });
    }
    let (volunteers_found, groups_found) = needs::candidates(conn, &need, audience)?;
    let profiles: Vec<Profile<(bool, Uuid)>> = volunteers_found
        .into_iter()
        .map(|p| Profile {
            key: (false, p.key),
            interested: p.interested,
            activity_kinds: p.activity_kinds,
            availability: p.availability,
            languages: p.languages,
            home_unit_id: p.home_unit_id,
        })
        .chain(groups_found.into_iter().map(|p| Profile {
            key: (true, p.key),
            interested: p.interested,
            activity_kinds: p.activity_kinds,
            availability: p.availability,
            languages: p.languages,
            home_unit_id: p.home_unit_id,
        }))
        .collect();
    let ranked = rank(&Wishes::from(&need), &profiles);
    let mut page: Vec<_> = ranked
        .into_iter()
        .map(|r| {
            let (interested, score) = r.rank_key();
            ((interested, score, r.key.0, r.key.1), r)
        })
        .filter(|(key, _)| after.as_ref().is_none_or(|a| rank_bytes(*key) > *a))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let last = page.last().map(|(key, _)| *key);

    let municipality = municipalities::find(conn, TenantScope::All, need.municipality_id)?;
    let asked = question_for(&need, None, today);
    let volunteer_ids: Vec<VolunteerId> = page
        .iter()
        .filter(|(key, _)| !key.2)
        .map(|(key, _)| VolunteerId::from(key.3))
        .collect();
    let scope = TenantScope::Municipality(municipality.id);
    let people: HashMap<VolunteerId, Volunteer> =
        volunteers::many(conn, scope, Audience::Everyone, &volunteer_ids)?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
    let people_list: Vec<Volunteer> = people.values().cloned().collect();
    let mut answers = ask_volunteers(conn, &municipality, &people_list, &asked)?;
    let mut listed = Vec::with_capacity(page.len());
    for (key, ranked) in page {
        let candidate = if key.2 {
            let id = GroupId::from(key.3);
            let group = groups::find(conn, scope, id)?;
            let answer = ask_group(conn, scope, Audience::Everyone, id, &asked)?;
            Candidate {
                who: Who::Group(Box::new(group)),
                reasons: ranked.reasons,
                score: ranked.score,
                answer: Answer::Group(id, asked.clone(), answer),
            }
        } else {
            let id = VolunteerId::from(key.3);
            let (Some(person), Some(answer)) = (people.get(&id), answers.remove(&id)) else {
                // Erased between the two reads: left out.
                continue;
            };
            Candidate {
                who: Who::Volunteer(Box::new(person.clone())),
                reasons: ranked.reasons,
                score: ranked.score,
                answer: Answer::Volunteer(id, asked.clone(), answer),
            }
        };
        listed.push((key, candidate));
    }
    Ok(CandidatePage { listed, more, last })
}

/// The clearance question a need asks of someone placed from it on `today`.
fn question_for(need: &Need, dog: Option<DogId>, today: NaiveDate) -> ClearanceQuestion {
    placing::question(
        &need.activity_kind,
        need.place,
        need.target_group,
        dog,
        need.clearance_date(today),
    )
}

/// Someone chosen from a need's candidates, and what the placement adds.
#[derive(Debug, Clone)]
pub struct Pick {
    /// Who is placed.
    pub placed: Placed,
    /// A dog that comes along.
    pub dog_id: Option<DogId>,
    /// The responsible coordinator (default: the calling coordinator).
    pub coordinator_id: Option<StaffUserId>,
    /// The unit's contact person (default: the need's).
    pub contact_person_id: Option<ContactPersonId>,
    /// The first day (default: the need's first day, or today once that has passed).
    pub starts_on: Option<NaiveDate>,
    /// The last day (default: the need's last day, if it has one).
    pub ends_on: Option<NaiveDate>,
}

/// Places someone from an open need: the placement is made through the same checks as any
/// (clearance for the need's activity, setting and target group, 409 with the answer when not
/// cleared), with a schedule of the need's times; the need is filled when every place is
/// taken. The need stays locked meanwhile, so two coordinators cannot overfill it.
pub fn place(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: NeedId,
    pick: Pick,
    now: DateTime<Utc>,
    render: Render,
) -> Result<(PlacementRecord, NeedRecord), ApiError> {
    caller.require_manager()?;
    let today = now.date_naive();
    conn.transaction(|conn| {
        let need = needs::locked(conn, caller.scope(), crate::access::managed(caller)?, id)?;
        if need.status != NeedStatus::Open {
            return Err(not_open(&need));
        }
        let who = match pick.placed {
            Placed::Volunteer(v) => Interested::Volunteer(v),
            Placed::Group(g, _) => Interested::Group(g),
        };
        check_open_to(&need, who)?;
        if need.is_over(today) {
            return Err(over(&need));
        }
        let filled = needs::filled(conn, &need)?;
        if need.is_full(filled) {
            return Err(ApiError::Conflict {
                detail: "Every place of the need is taken.".to_owned(),
                errors: vec![FieldError::new("places", "full", "every place is taken")],
            });
        }
        let starts_on = pick.starts_on.unwrap_or_else(|| need.clearance_date(today));
        if starts_on < need.when.starts_on() {
            return Err(ApiError::invalid(
                "starts_on",
                "before_need",
                format!("the need starts on {}", need.when.starts_on()),
            ));
        }
        if let Some(last) = need.when.last_day()
            && starts_on > last
        {
            return Err(ApiError::invalid(
                "starts_on",
                "after_need",
                format!("the need's last day is {last}"),
            ));
        }
        let ends_on = pick.ends_on.or(need.when.last_day());
        samspill_domain::placement::check_dates(starts_on, ends_on)
            .map_err(|e| ApiError::Validation(vec![FieldError::parse("ends_on", &e)]))?;
        if ends_on.is_some_and(|last| last < starts_on.max(today)) {
            return Err(ApiError::invalid(
                "ends_on",
                "in_the_past",
                "the placement would be over before it starts",
            ));
        }
        let Some(recurrence) = need.when.recurrence(starts_on, ends_on) else {
            return Err(ApiError::invalid(
                "starts_on",
                "no_visits",
                "none of the need's dates falls between the placement's first and last day",
            ));
        };
        let placement = placing::create(
            conn,
            caller,
            PlacementDraft {
                municipality_id: need.municipality_id,
                placed: pick.placed,
                place: need.place,
                activity_kind: need.activity_kind.clone(),
                target_group: need.target_group,
                dog_id: pick.dog_id,
                coordinator_id: pick.coordinator_id,
                contact_person_id: pick.contact_person_id.or(need.contact_person_id),
                starts_on,
                ends_on,
                description: Some(need.description.clone()),
                need_id: Some(need.id),
            },
            today,
            render,
        )?;
        add_schedule(
            conn,
            caller,
            placement.placement.id,
            ScheduleParts {
                recurrence,
                start_time: need.when.start_time(),
                duration_minutes: need.when.duration_minutes(),
            },
            now,
        )?;
        let need = if need.is_full(filled + 1) {
            needs::set_status(conn, &need, NeedStatus::Filled, now)?
        } else {
            need
        };
        Ok((placement, record(conn, need)?))
    })
}

/// One need on the public board, with what anyone must meet to be cleared for it.
#[derive(Debug, Clone)]
pub struct BoardNeed {
    /// The need and the names a stranger may read.
    pub entry: BoardEntry,
    /// The strict requirements of the rules that apply to it.
    pub requires: Vec<RequirementKey>,
}

/// A page of the open, published needs of the municipality with `code`, as strangers may see
/// them (404 when no municipality has the code).
pub fn board(
    conn: &mut PgConnection,
    codes: &[(
        samspill_domain::municipality::Country,
        samspill_domain::municipality::MunicipalityCode,
    )],
    today: NaiveDate,
    page: PageRequest,
) -> Result<(Municipality, Page<BoardNeed>), ApiError> {
    let municipality = municipalities::find_by_code(conn, codes)?;
    let found = needs::board(conn, municipality.id, today, page)?;
    let questions: Vec<ClearanceQuestion> = found
        .items
        .iter()
        .map(|e| question_for(&e.need, None, today))
        .collect();
    let required = requirements(conn, &municipality, &questions)?;
    let items = found
        .items
        .into_iter()
        .zip(required)
        .map(|(entry, requires)| BoardNeed { entry, requires })
        .collect();
    Ok((
        municipality,
        Page {
            items,
            next_after: found.next_after,
        },
    ))
}
