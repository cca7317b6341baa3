//! Calendars: the planned visits of a volunteer or a unit in a window of local dates, as events
//! a calendar application shows, and what each event tells about the place.
//!
//! Calendars leave the service (they are imported or subscribed to in other applications), so
//! they carry less than the JSON resources: the activity kind and the place, never the phone
//! number or consent of a person visited at home. A home visit names the person by their
//! display name; only the volunteer's own calendar adds the address, since the volunteer goes
//! there. Coordinators and contact persons find the address in the recipient's record.

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::{Audience, TenantScope},
    ids::{MunicipalityId, PlacementId, RecipientId, UnitId, VisitId, VolunteerId},
    placement::{Place, PlacementStatus},
    schedule::time_zone_name,
    visit::VisitStatus,
};
use samspill_persistence::{
    PgConnection, activity_kinds, municipalities, placements, recipients, units, visits, volunteers,
};
use std::collections::{HashMap, hash_map::Entry as Seen};
use uuid::Uuid;

/// Whose visits a calendar holds.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    /// One volunteer's, read by staff.
    Volunteer(VolunteerId),
    /// Those at a unit and in the homes of the people it answers for, read by staff.
    Unit(UnitId),
    /// The calling volunteer's own.
    Own,
}

impl Subject {
    /// Whether the reader goes to the visits (and so is told the address of a home).
    fn goes_there(self) -> bool {
        matches!(self, Subject::Own)
    }
}

/// One planned visit as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The visit.
    pub visit_id: VisitId,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// The activity kind and the place.
    pub summary: String,
    /// Where, when the reader is to be told.
    pub location: Option<String>,
    /// Whether the visit is in a person's home.
    pub private_home: bool,
    /// Whether it is expected to take place as planned: its placement is active and nothing
    /// (such as a suspension) puts it in doubt.
    pub confirmed: bool,
}

/// A calendar of planned visits.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// What the calendar is called in a calendar application.
    pub name: String,
    /// The time zone of the municipality (times are given in UTC).
    pub time_zone: &'static str,
    /// The events, in start order.
    pub entries: Vec<Entry>,
}

/// Visits read per query.
const BATCH: i64 = 500;

/// The calendar of `subject`'s planned visits on the local dates of `window`, as `scope` and
/// `audience` see them; 404 when the volunteer or unit is not theirs to see.
pub fn calendar(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    subject: Subject,
    window: (NaiveDate, NaiveDate),
) -> Result<Calendar, ApiError> {
    let mut filter = visits::VisitFilter {
        status: Some(VisitStatus::Planned),
        ..visits::VisitFilter::default()
    };
    let (municipality, name) = match subject {
        Subject::Volunteer(id) => {
            let volunteer = volunteers::find(conn, scope, audience, id)?;
            filter.volunteer_id = Some(id);
            (
                Some(volunteer.municipality_id),
                "Samspill: a volunteer's visits".to_owned(),
            )
        }
        Subject::Unit(id) => {
            let unit = units::find(conn, scope, id)?;
            filter.unit_or_its_recipients = Some(id);
            (
                Some(unit.municipality_id),
                format!("Samspill: {}", unit.name),
            )
        }
        Subject::Own => (scope.municipality(), "Samspill: my visits".to_owned()),
    };
    let found = planned(conn, scope, audience, filter, window)?;
    let Some(municipality) = municipality else {
        // A volunteer account always belongs to a municipality; without one there is nothing.
        return Ok(Calendar {
            name,
            time_zone: time_zone_name(samspill_domain::municipality::Country::Norway),
            entries: Vec::new(),
        });
    };
    let country = municipalities::find(conn, TenantScope::All, municipality)?.country;
    let entries = describe(conn, scope, audience, municipality, &found, subject)?;
    Ok(Calendar {
        name,
        time_zone: time_zone_name(country),
        entries,
    })
}

/// Every planned visit of `filter` in the window, in start order.
fn planned(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: visits::VisitFilter,
    window: (NaiveDate, NaiveDate),
) -> Result<Vec<samspill_domain::visit::Visit>, ApiError> {
    let mut all = Vec::new();
    let mut after: Option<(DateTime<Utc>, Uuid)> = None;
    loop {
        let (page, more) =
            super::visits::page(conn, scope, audience, filter, window, after, BATCH)?;
        after = page.last().map(|v| (v.starts_at, v.id.into_uuid()));
        all.extend(page);
        if !more {
            return Ok(all);
        }
    }
}

/// What is shown of a place.
struct Shown {
    /// Follows the activity kind in the summary.
    summary_place: String,
    /// The event's location, if the reader is told it.
    location: Option<String>,
}

/// The events of `found`: the activity kind's name and the place, told as `subject`'s reader
/// may be told it.
fn describe(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    municipality: MunicipalityId,
    found: &[samspill_domain::visit::Visit],
    subject: Subject,
) -> Result<Vec<Entry>, ApiError> {
    let mut ids: Vec<PlacementId> = found.iter().map(|v| v.placement_id).collect();
    ids.sort_by_key(|id| id.into_uuid());
    ids.dedup();
    let placements: HashMap<PlacementId, _> = placements::many(conn, scope, audience, &ids)?
        .into_iter()
        .map(|record| (record.placement.id, record.placement))
        .collect();
    let kinds: HashMap<String, String> = activity_kinds::list(conn, scope, municipality)?
        .into_iter()
        .map(|kind| (kind.code, kind.name))
        .collect();
    let mut units_seen: HashMap<UnitId, Shown> = HashMap::new();
    let mut homes_seen: HashMap<RecipientId, Shown> = HashMap::new();
    let mut entries = Vec::with_capacity(found.len());
    for visit in found {
        let Some(placement) = placements.get(&visit.placement_id) else {
            continue;
        };
        let shown: &Shown = match placement.place {
            Place::Unit(unit) => match units_seen.entry(unit) {
                Seen::Occupied(seen) => seen.into_mut(),
                Seen::Vacant(slot) => {
                    let name = units::find(conn, scope, unit)?.name;
                    slot.insert(Shown {
                        summary_place: format!(" at {name}"),
                        location: Some(name),
                    })
                }
            },
            Place::Recipient(recipient) => match homes_seen.entry(recipient) {
                Seen::Occupied(seen) => seen.into_mut(),
                Seen::Vacant(slot) => {
                    let person = recipients::find(conn, scope, recipient)?;
                    slot.insert(Shown {
                        summary_place: format!(": home visit to {}", person.display_name),
                        location: subject.goes_there().then_some(person.address),
                    })
                }
            },
        };
        let kind = kinds
            .get(&placement.activity_kind)
            .map_or(placement.activity_kind.as_str(), String::as_str);
        entries.push(Entry {
            visit_id: visit.id,
            starts_at: visit.starts_at,
            ends_at: visit.ends_at,
            summary: format!("{kind}{}", shown.summary_place),
            location: shown.location.clone(),
            private_home: matches!(placement.place, Place::Recipient(_)),
            confirmed: placement.status == PlacementStatus::Active && visit.flag.is_none(),
        });
    }
    Ok(entries)
}
