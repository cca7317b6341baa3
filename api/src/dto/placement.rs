//! Placements, their schedules and visits as every route that answers with them shows them
//! (the coordinators' endpoints and a volunteer's own).

use crate::openapi::schemas::{
    PlacementStatusSchema, SettingSchema, TargetGroupSchema, VisitFlagSchema, VisitStatusSchema,
    WeekdaySchema,
};
use crate::pagination::{CursorList, encode_timed};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use samspill_domain::{
    auth::Audience,
    clearance::{Setting, TargetGroup},
    placement::{Place, Placed, PlacementStatus},
    schedule::{RecurrenceEnd, Schedule},
    visit::{Companion, Visit, VisitFlag, VisitStatus},
    volunteer::Weekday,
};
use samspill_persistence::placements::PlacementRecord;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A placement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The volunteer placed (or `null` for a group).
    pub volunteer_id: Option<Uuid>,
    /// The group placed (or `null` for a volunteer).
    pub group_id: Option<Uuid>,
    /// How many of the group's people take part.
    pub head_count: Option<i32>,
    /// The unit where it takes place (or `null` in a private home).
    pub unit_id: Option<Uuid>,
    /// The person visited at home (or `null` at a unit).
    pub recipient_id: Option<Uuid>,
    /// Where: `institution` at a unit, `private_home` with a recipient.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// The activity kind.
    #[schema(example = "companionship")]
    pub activity_kind: String,
    /// Who the activity is with.
    #[schema(value_type = TargetGroupSchema)]
    pub target_group: TargetGroup,
    /// The dog that comes along.
    pub dog_id: Option<Uuid>,
    /// The responsible coordinator.
    pub coordinator_id: Uuid,
    /// The unit's contact person.
    pub contact_person_id: Option<Uuid>,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day, when known.
    pub ends_on: Option<NaiveDate>,
    /// What it is about.
    pub description: Option<String>,
    /// The need it was made from, if any.
    pub need_id: Option<Uuid>,
    /// Where it stands.
    #[schema(value_type = PlacementStatusSchema)]
    pub status: PlacementStatus,
    /// The clearance answer that last allowed it, or (once suspended) the one that stopped it:
    /// a `ClearanceView` for a volunteer, a `GroupClearanceView` for a group. Contact persons
    /// see only `{"cleared": …}`: the answer names certificate dates.
    #[schema(value_type = Object)]
    pub clearance: serde_json::Value,
    /// When clearance was last checked (at least daily while the placement runs).
    pub clearance_checked_at: DateTime<Utc>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl PlacementView {
    /// The placement as `audience` may see it: coordinators and administrators get the whole
    /// clearance answer kept with it; others (a contact person) only whether it cleared, since
    /// the answer names certificate dates they may not read.
    pub fn for_audience(record: PlacementRecord, audience: Audience) -> Self {
        let mut view = Self::from(record);
        if !audience.manages() {
            let cleared = view.clearance.get("cleared").cloned();
            view.clearance = serde_json::json!({ "cleared": cleared });
        }
        view
    }
}

impl From<PlacementRecord> for PlacementView {
    fn from(record: PlacementRecord) -> Self {
        let p = record.placement;
        let (volunteer_id, group_id, head_count) = match p.placed {
            Placed::Volunteer(id) => (Some(id.into_uuid()), None, None),
            Placed::Group(id, count) => (None, Some(id.into_uuid()), Some(count)),
        };
        let (unit_id, recipient_id) = match p.place {
            Place::Unit(id) => (Some(id.into_uuid()), None),
            Place::Recipient(id) => (None, Some(id.into_uuid())),
        };
        Self {
            id: p.id.into_uuid(),
            municipality_id: p.municipality_id.into_uuid(),
            volunteer_id,
            group_id,
            head_count,
            unit_id,
            recipient_id,
            setting: p.place.setting(),
            activity_kind: p.activity_kind,
            target_group: p.target_group,
            dog_id: p.dog_id.map(|d| d.into_uuid()),
            coordinator_id: p.coordinator_id.into_uuid(),
            contact_person_id: p.contact_person_id.map(|c| c.into_uuid()),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            description: p.description,
            need_id: p.need_id.map(|n| n.into_uuid()),
            status: p.status,
            clearance: record.clearance,
            clearance_checked_at: p.clearance_checked_at,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A recurring schedule of visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    /// Its id.
    pub id: Uuid,
    /// The placement.
    pub placement_id: Uuid,
    /// The first possible date.
    pub starts_on: NaiveDate,
    /// The weekdays of a visit week, Monday first.
    #[schema(value_type = Vec<WeekdaySchema>)]
    pub weekdays: Vec<Weekday>,
    /// Every how many weeks.
    pub interval_weeks: u8,
    /// The local start time.
    #[schema(value_type = String, example = "14:00:00")]
    pub start_time: NaiveTime,
    /// How long a visit lasts, in minutes.
    pub duration_minutes: i32,
    /// The last possible date.
    pub until: Option<NaiveDate>,
    /// How many visits in all.
    pub count: Option<u16>,
    /// Dates with no visit.
    pub excluded_dates: Vec<NaiveDate>,
    /// The time zone of `start_time`.
    #[schema(example = "Europe/Oslo")]
    pub time_zone: &'static str,
    /// The rule in RFC 5545 form.
    #[schema(example = "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=MO")]
    pub rrule: String,
    /// Planned visits exist up to this date.
    pub planned_until: Option<NaiveDate>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ScheduleView {
    /// The schedule as shown, with the time zone its local times are in.
    pub fn new(s: Schedule, time_zone: &'static str) -> Self {
        let (until, count) = match s.recurrence.end() {
            RecurrenceEnd::Never => (None, None),
            RecurrenceEnd::Until(until) => (Some(until), None),
            RecurrenceEnd::Count(count) => (None, Some(count)),
        };
        Self {
            id: s.id.into_uuid(),
            placement_id: s.placement_id.into_uuid(),
            starts_on: s.recurrence.starts_on(),
            weekdays: s.recurrence.weekdays().to_vec(),
            interval_weeks: s.recurrence.interval_weeks(),
            start_time: s.start_time,
            duration_minutes: s.duration_minutes,
            until,
            count,
            excluded_dates: s.recurrence.excluded().to_vec(),
            time_zone,
            rrule: s.recurrence.rrule(
                &time_zone
                    .parse::<chrono_tz::Tz>()
                    .unwrap_or(chrono_tz::Europe::Oslo),
                s.start_time,
            ),
            planned_until: s.generated_until,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The staff representative who comes along on a visit: one of the two is set.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanionView {
    /// A staff account of the municipality.
    pub user_id: Option<Uuid>,
    /// A staff contact person of the municipality.
    pub contact_person_id: Option<Uuid>,
}

impl From<Companion> for CompanionView {
    fn from(c: Companion) -> Self {
        match c {
            Companion::StaffUser(id) => Self {
                user_id: Some(id.into_uuid()),
                contact_person_id: None,
            },
            Companion::ContactPerson(id) => Self {
                user_id: None,
                contact_person_id: Some(id.into_uuid()),
            },
        }
    }
}

/// A visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    /// Its id.
    pub id: Uuid,
    /// The placement.
    pub placement_id: Uuid,
    /// The schedule it was planned from; `null` for a visit added on its own.
    pub schedule_id: Option<Uuid>,
    /// The local date.
    pub date: NaiveDate,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Where it stands.
    #[schema(value_type = VisitStatusSchema)]
    pub status: VisitStatus,
    /// The staff representative who comes along (required to complete the first visit in a
    /// private home).
    pub accompanied_by: Option<CompanionView>,
    /// Why a planned visit may not take place as planned.
    #[schema(value_type = Option<VisitFlagSchema>)]
    pub flag: Option<VisitFlag>,
    /// Why it was cancelled, or a note on how it went.
    pub status_reason: Option<String>,
    /// Who marked it.
    pub status_changed_by: Option<Uuid>,
    /// When it was marked.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was planned or added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Visit> for VisitView {
    fn from(v: Visit) -> Self {
        Self {
            id: v.id.into_uuid(),
            placement_id: v.placement_id.into_uuid(),
            schedule_id: v.schedule_id.map(|s| s.into_uuid()),
            date: v.local_date,
            starts_at: v.starts_at,
            ends_at: v.ends_at,
            status: v.status,
            accompanied_by: v.accompanied_by.map(Into::into),
            flag: v.flag,
            status_reason: v.status_reason,
            status_changed_by: v.status_changed_by.map(|b| b.into_uuid()),
            status_changed_at: v.status_changed_at,
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A page of visits in start order.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    /// The visits of this page, by start time (then id).
    pub items: Vec<VisitView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl VisitPage {
    /// A page of `list` showing `found`; a cursor follows the last visit when `more` do.
    pub fn new(list: CursorList, found: Vec<Visit>, more: bool) -> Self {
        let items: Vec<VisitView> = found.into_iter().map(VisitView::from).collect();
        let next_cursor = if more {
            items.last().map(|v| encode_timed(list, v.starts_at, v.id))
        } else {
            None
        };
        Self { items, next_cursor }
    }
}
