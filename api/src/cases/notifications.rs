//! Reminders to people: planning them (a job) and, when one is due, working out whether it still
//! applies, to whom and in which words it goes, or why it does not.

use crate::{cases::visits::zone_of, error::ApiError};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use samspill_domain::{
    auth::{Audience, TenantScope},
    follow_up::{FollowUpStatus, FollowUpSubject},
    ids::{FollowUpId, MunicipalityId, StaffUserId, VisitId, VolunteerId},
    notification::{Channel, Content, Message, NotificationKind, is_night, render, send_time},
    placement::Place,
    visit::VisitStatus,
    volunteer::VolunteerStatus,
    work::{WorkItemKind, WorkSubject},
};
use samspill_persistence::{
    PgConnection, RepoError, announcements, districts, events, follow_ups, municipalities,
    notifications::{self, Due, Planned, Recipient},
    placements, units, users, visits, volunteers, work,
};
use serde_json::json;
use uuid::Uuid;

/// How long before its send time a visit reminder is planned (the job runs every ten minutes).
const PLAN_AHEAD: TimeDelta = TimeDelta::hours(2);

/// The work-list kinds that warn coordinators by email.
const EXPIRY_KINDS: [WorkItemKind; 3] = [
    WorkItemKind::CertificateExpiring,
    WorkItemKind::DogApprovalExpiring,
    WorkItemKind::DeclarationOutdated,
];

/// Plans the notifications whose time is near and that are not planned yet: visit reminders,
/// expiry warnings to coordinators, and overdue follow-ups to their assignees. Returns how many
/// it planned.
pub fn plan(conn: &mut PgConnection, now: DateTime<Utc>, batch: i64) -> Result<usize, ApiError> {
    let mut planned = Vec::new();
    for id in announcements::municipalities(conn)? {
        let municipality = municipalities::find(conn, TenantScope::All, id)?;
        let zone = zone_of(&municipality);
        let hours = i64::from(municipality.settings.visit_reminder_hours);
        if hours > 0 {
            let lead = TimeDelta::hours(hours);
            for visit in
                notifications::visits_to_remind(conn, id, now, now + lead + PLAN_AHEAD, batch)?
            {
                let (channel, skipped) = match (visit.has_email, visit.has_phone) {
                    (true, _) => (Channel::Email, None),
                    (false, true) => (Channel::Sms, None),
                    (false, false) => (
                        Channel::Email,
                        Some("the volunteer has no email address or phone number"),
                    ),
                };
                let send_after = send_time(&zone, visit.starts_at - lead, Some(visit.starts_at));
                planned.push(Planned {
                    municipality_id: id,
                    kind: NotificationKind::VisitReminder,
                    dedupe_key: notifications::visit_key(visit.visit_id, visit.starts_at),
                    recipient: Recipient::Volunteer(VolunteerId::from(visit.volunteer_id)),
                    channel,
                    data: json!({"visit_id": visit.visit_id, "starts_at": visit.starts_at.timestamp()}),
                    send_after: send_after.unwrap_or(now),
                    send_before: Some(visit.starts_at),
                    skipped: skipped.map(str::to_owned).or_else(|| {
                        send_after
                            .is_none()
                            .then(|| "no daytime moment was left before the visit".to_owned())
                    }),
                });
            }
        }
        if hours > 0 {
            planned.extend(session_reminders(
                conn,
                id,
                &zone,
                TimeDelta::hours(hours),
                now,
                batch,
            )?);
        }
        planned.extend(expiry_warnings(conn, &municipality, now)?);
    }
    for follow_up in notifications::follow_ups_to_remind(conn, now.date_naive(), batch)? {
        planned.push(Planned {
            municipality_id: follow_up.municipality_id.into(),
            kind: NotificationKind::FollowUpOverdue,
            dedupe_key: notifications::follow_up_key(follow_up.id, follow_up.due_on),
            recipient: Recipient::Staff(StaffUserId::from(follow_up.assignee_id)),
            channel: Channel::Email,
            data: json!({"follow_up_id": follow_up.id, "due_on": follow_up.due_on}),
            send_after: now,
            send_before: None,
            skipped: None,
        });
    }
    Ok(notifications::plan(conn, &planned, now)?)
}

/// Reminders before each session of a published event to those registered (volunteers by
/// email, or SMS without one; staff by email), with the visits' lead time.
fn session_reminders(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    zone: &chrono_tz::Tz,
    lead: TimeDelta,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<Planned>, ApiError> {
    let mut planned = Vec::new();
    for session in
        events::sessions_to_remind(conn, municipality, now, now + lead + PLAN_AHEAD, batch)?
    {
        let (recipient, person) = match (session.volunteer_id, session.staff_user_id) {
            (Some(v), _) => (Recipient::Volunteer(VolunteerId::from(v)), v),
            (None, Some(st)) => (Recipient::Staff(StaffUserId::from(st)), st),
            (None, None) => continue,
        };
        let (channel, skipped) = match (session.has_email, session.has_phone) {
            (true, _) => (Channel::Email, None),
            (false, true) => (Channel::Sms, None),
            (false, false) => (
                Channel::Email,
                Some("the volunteer has no email address or phone number"),
            ),
        };
        let send_after = send_time(zone, session.starts_at - lead, Some(session.starts_at));
        planned.push(Planned {
            municipality_id: municipality,
            kind: NotificationKind::EventReminder,
            dedupe_key: events::session_key(session.session_id, person),
            recipient,
            channel,
            data: json!({"event_id": session.event_id, "session_id": session.session_id}),
            send_after: send_after.unwrap_or(now),
            send_before: Some(session.starts_at),
            skipped: skipped.map(str::to_owned).or_else(|| {
                send_after
                    .is_none()
                    .then(|| "no daytime moment was left before the session".to_owned())
            }),
        });
    }
    Ok(planned)
}

/// One warning per coordinator who sees the volunteer, for each certificate or dog approval of
/// an approved volunteer running out within the look-ahead window and each declaration to sign
/// again.
fn expiry_warnings(
    conn: &mut PgConnection,
    municipality: &samspill_domain::municipality::Municipality,
    now: DateTime<Utc>,
) -> Result<Vec<Planned>, ApiError> {
    let items: Vec<_> = work::work_items(
        conn,
        municipality.id,
        Audience::Everyone,
        &municipality.settings,
        now.date_naive(),
    )?
    .into_iter()
    .filter(|named| {
        EXPIRY_KINDS.contains(&named.item.kind) && named.item.subject == WorkSubject::Volunteer
    })
    .collect();
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut planned = Vec::new();
    for coordinator in notifications::coordinators(conn, municipality.id)? {
        let seen = districts::subjects(conn, Audience::Coordinator(coordinator))?;
        for named in &items {
            let item = &named.item;
            if seen
                .as_ref()
                .is_some_and(|seen| !seen.contains(&item.subject_id))
            {
                continue;
            }
            let about = item.related_id.unwrap_or(item.subject_id);
            planned.push(Planned {
                municipality_id: municipality.id,
                kind: NotificationKind::ExpiryWarning,
                dedupe_key: format!(
                    "expiry:{}:{about}:{}:{coordinator}",
                    item.kind.as_str(),
                    item.due_on
                ),
                recipient: Recipient::Staff(coordinator),
                channel: Channel::Email,
                data: json!({"volunteer_id": item.subject_id, "what": item.detail,
                             "last_day": item.due_on}),
                send_after: now,
                send_before: None,
                skipped: None,
            });
        }
    }
    Ok(planned)
}

/// What to do with a due notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Send `message` to `to` by `channel`.
    Send {
        /// Email or SMS.
        channel: Channel,
        /// The address or number.
        to: String,
        /// The text.
        message: Message,
    },
    /// Do not send, for this reason.
    Skip(String),
    /// Not now (the night): wait until then.
    Postpone(DateTime<Utc>, String),
}

fn skip(reason: &str) -> Result<Prepared, ApiError> {
    Ok(Prepared::Skip(reason.to_owned()))
}

fn field<T: serde::de::DeserializeOwned>(due: &Due, name: &str) -> Result<T, ApiError> {
    serde_json::from_value(due.data[name].clone()).map_err(|_| {
        ApiError::from(RepoError::Internal(format!(
            "notification data lacks {name}"
        )))
    })
}

/// Whether `found` is a row that is gone (`None`) or an error to pass on.
fn gone<T>(found: Result<T, RepoError>) -> Result<Option<T>, ApiError> {
    match found {
        Ok(value) => Ok(Some(value)),
        Err(RepoError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// Works out what to do with `due` at `now`: who it goes to and in which words, or why it is
/// skipped (opted out, no address, no longer relevant) or postponed (the night).
pub fn prepare(
    conn: &mut PgConnection,
    due: &Due,
    now: DateTime<Utc>,
) -> Result<Prepared, ApiError> {
    let kind = due.kind()?;
    let channel = due.channel()?;
    let municipality = municipalities::find(
        conn,
        TenantScope::All,
        MunicipalityId::from(due.municipality_id),
    )?;
    let zone = zone_of(&municipality);
    if due.send_before.is_some_and(|deadline| now >= deadline) {
        return skip("too late: it has begun");
    }
    // The recipient, their address, and the account whose opt-outs count.
    let (address, account, given_name) = match (due.volunteer_id, due.staff_user_id) {
        (Some(id), _) => {
            let Some(volunteer) = volunteer(conn, id)? else {
                return skip("the volunteer is no longer registered");
            };
            let address = match channel {
                Channel::Email => volunteer.email,
                Channel::Sms => volunteer.phone,
            };
            (address, volunteer.staff_user_id, volunteer.given_name)
        }
        (None, Some(id)) => {
            let Some(user) = gone(users::find(conn, TenantScope::All, StaffUserId::from(id)))?
            else {
                return skip("the account no longer exists");
            };
            if !user.active {
                return skip("the account is deactivated");
            }
            (Some(user.email), Some(user.id), user.display_name)
        }
        (None, None) => return skip("nobody to send to"),
    };
    let Some(to) = address else {
        return skip(match channel {
            Channel::Email => "no email address",
            Channel::Sms => "no phone number",
        });
    };
    if let Some(account) = account
        && notifications::opted_out(conn, municipality.id, account, kind)?
    {
        return skip("opted out of this kind");
    }
    let content = match kind {
        NotificationKind::VisitReminder => {
            let id: Uuid = field(due, "visit_id")?;
            let planned_start: i64 = field(due, "starts_at")?;
            let Some(visit) = gone(visits::find(
                conn,
                TenantScope::All,
                Audience::Everyone,
                VisitId::from(id),
            ))?
            else {
                return skip("the visit no longer exists");
            };
            if visit.status != VisitStatus::Planned || visit.starts_at.timestamp() != planned_start
            {
                return skip("the visit was cancelled or moved");
            }
            let placement = placements::find(
                conn,
                TenantScope::All,
                Audience::Everyone,
                visit.placement_id,
            )?;
            let unit = match placement.placement.place {
                Place::Unit(unit) => Some(units::find(conn, TenantScope::All, unit)?.name),
                Place::Recipient(_) => None,
            };
            let local = visit.starts_at.with_timezone(&zone);
            Content::VisitReminder {
                given_name,
                date: local.date_naive(),
                time: local.time(),
                minutes: (visit.ends_at - visit.starts_at).num_minutes(),
                unit,
            }
        }
        NotificationKind::ExpiryWarning => {
            let id: Uuid = field(due, "volunteer_id")?;
            let what: String = field(due, "what")?;
            let last_day: NaiveDate = field(due, "last_day")?;
            let Some(volunteer) = volunteer(conn, id)? else {
                return skip("the volunteer is no longer registered");
            };
            if volunteer.status != VolunteerStatus::Approved {
                return skip("the volunteer is no longer approved");
            }
            Content::ExpiryWarning {
                volunteer: format!("{} {}", volunteer.given_name, volunteer.family_name),
                what,
                last_day,
            }
        }
        NotificationKind::FollowUpOverdue => {
            let id: Uuid = field(due, "follow_up_id")?;
            let due_on: NaiveDate = field(due, "due_on")?;
            let Some(follow_up) = gone(follow_ups::find(
                conn,
                TenantScope::All,
                Audience::Everyone,
                FollowUpId::from(id),
            ))?
            else {
                return skip("the follow-up no longer exists");
            };
            if follow_up.status != FollowUpStatus::Scheduled || follow_up.due_on != due_on {
                return skip("the follow-up was done, moved or cancelled");
            }
            let about = subject_name(conn, municipality.id, follow_up.subject)?;
            Content::FollowUpOverdue { about, due_on }
        }
        NotificationKind::EventReminder => {
            let session: Uuid = field(due, "session_id")?;
            let Some((title, starts_at, place)) = events::session_reminder(
                conn,
                municipality.id,
                session,
                due.volunteer_id,
                due.staff_user_id,
            )?
            else {
                return skip("no longer registered, or the event was cancelled");
            };
            let local = starts_at.with_timezone(&zone);
            Content::EventReminder {
                given_name,
                title,
                date: local.date_naive(),
                time: local.time(),
                place,
            }
        }
    };
    if is_night(&zone, now) {
        return Ok(match send_time(&zone, now, due.send_before) {
            Some(at) if at > now => Prepared::Postpone(at, "waiting for the morning".to_owned()),
            _ => Prepared::Skip("no daytime moment was left before it began".to_owned()),
        });
    }
    Ok(Prepared::Send {
        channel,
        to,
        message: render(municipality.country, &content),
    })
}

/// The volunteer `id`, or `None` once erased or gone.
fn volunteer(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<samspill_domain::volunteer::Volunteer>, ApiError> {
    gone(volunteers::find(
        conn,
        TenantScope::All,
        Audience::Everyone,
        VolunteerId::from(id),
    ))
}

fn subject_name(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: FollowUpSubject,
) -> Result<String, ApiError> {
    Ok(follow_ups::subject_names(conn, municipality, &[subject])?
        .remove(&subject.id())
        .unwrap_or_else(|| subject.kind().as_str().to_owned()))
}
