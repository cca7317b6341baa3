//! CSV exports of whole lists (volunteers, placements, visits, hours) for the annual report and
//! the spreadsheet: every row the list's filters select, streamed a page at a time from one
//! snapshot (see [`crate::streaming`]), in the RFC 4180 dialect or the one Nordic spreadsheets
//! read. Each export is written to the audit log before it starts.

use crate::{
    auth::StaffCaller,
    csv::Dialect,
    error::ApiError,
    state::AppState,
    streaming::{self, Out, Stop},
};
use actix_web::web::Bytes;
use futures_util::Stream;
use samspill_domain::{
    audit::{AuditAction, AuditResource},
    auth::{Audience, TenantScope},
    ids::MunicipalityId,
    placement::{Place, Placed, Placement},
    time_entry::TimeEntry,
    visit::{Companion, Visit},
    volunteer::Volunteer,
};
use samspill_persistence::{
    DbPool, PgConnection, audit, municipalities,
    page::PageRequest,
    placements::{self, PlacementFilter},
    time_entries::{self, TimeEntryFilter},
    visits::{self, VisitFilter},
    volunteers::{self, VolunteerFilter},
};

/// Rows read per query.
const PAGE: i64 = 1_000;

/// Starts a CSV export of the list `resource`: coordinators and administrators only, of one
/// municipality (the caller's own, or the one an administrator filters on, which they must),
/// written to that municipality's audit log before a row is read. Returns the municipality,
/// which the export is then limited to.
pub async fn begin(
    state: &AppState,
    caller: &StaffCaller,
    filtered: Option<MunicipalityId>,
    resource: AuditResource,
) -> Result<MunicipalityId, ApiError> {
    caller.require_manager()?;
    let municipality = caller.municipality.or(filtered).ok_or_else(|| {
        ApiError::invalid(
            "municipality_id",
            "required",
            "name the municipality whose list is exported",
        )
    })?;
    if filtered.is_some_and(|f| f != municipality) {
        return Err(ApiError::NotFound);
    }
    let caller = *caller;
    state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            audit::record(
                conn,
                &audit::NewAuditEntry {
                    municipality_id: municipality,
                    volunteer_id: None,
                    actor: caller.actor(),
                    action: AuditAction::Export,
                    resource,
                    resource_id: None,
                },
            )?;
            Ok(())
        })
        .await?;
    crate::metrics::personal_data_action("csv_export", 1);
    Ok(municipality)
}

fn opt(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn write_all<T>(
    conn: &mut PgConnection,
    out: &mut Out,
    dialect: Dialect,
    columns: &[&str],
    mut page: impl FnMut(&mut PgConnection, Option<&T>) -> Result<Vec<T>, Stop>,
    row: impl Fn(&T) -> Vec<String>,
) -> Result<(), Stop> {
    out.push(dialect.start())?;
    out.push(&dialect.header(columns))?;
    let mut last: Option<T> = None;
    loop {
        let rows = page(conn, last.as_ref())?;
        let done = rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        for item in &rows {
            out.push(&dialect.line(row(item)))?;
        }
        last = rows.into_iter().last();
        if done || last.is_none() {
            return Ok(());
        }
    }
}

/// The columns of a volunteer CSV; the same names are read by the import.
pub const VOLUNTEER_COLUMNS: [&str; 19] = [
    "id",
    "status",
    "given_name",
    "family_name",
    "email",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "birth_year",
    "languages",
    "interests",
    "activity_kinds",
    "availability",
    "commitment",
    "home_unit_id",
    "contact_person_id",
    "external_reference",
    "created_at",
];

fn volunteer_row(dialect: Dialect, v: &Volunteer) -> Vec<String> {
    let list = |items: &[String]| dialect.cell(&items.join("|"));
    vec![
        v.id.to_string(),
        v.status.to_string(),
        dialect.cell(&v.given_name),
        dialect.cell(&v.family_name),
        dialect.cell(v.email.as_deref().unwrap_or_default()),
        dialect.cell(v.phone.as_deref().unwrap_or_default()),
        dialect.cell(v.street_address.as_deref().unwrap_or_default()),
        dialect.cell(v.postal_code.as_deref().unwrap_or_default()),
        dialect.cell(v.city.as_deref().unwrap_or_default()),
        opt(v.birth_year),
        list(&v.languages),
        list(&v.interests),
        list(&v.activity_kinds),
        dialect.cell(
            &v.availability
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("|"),
        ),
        v.commitment.to_string(),
        opt(v.home_unit_id),
        opt(v.contact_person_id),
        dialect.cell(v.external_reference.as_deref().unwrap_or_default()),
        v.created_at.to_rfc3339(),
    ]
}

/// Every volunteer `filter` selects, as CSV.
pub fn volunteers_csv(
    pool: DbPool,
    scope: TenantScope,
    audience: Audience,
    filter: VolunteerFilter,
    dialect: Dialect,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    streaming::stream(pool, "volunteer CSV", move |conn, out| {
        write_all(
            conn,
            out,
            dialect,
            &VOLUNTEER_COLUMNS,
            |conn, last: Option<&Volunteer>| {
                let page = PageRequest {
                    after: last.map(|v| v.id.into_uuid()),
                    limit: PAGE,
                };
                Ok(volunteers::list(conn, scope, audience, &filter, page)?.items)
            },
            |v| volunteer_row(dialect, v),
        )
    })
}

const PLACEMENT_COLUMNS: [&str; 15] = [
    "id",
    "status",
    "volunteer_id",
    "group_id",
    "head_count",
    "unit_id",
    "recipient_id",
    "activity_kind",
    "target_group",
    "dog_id",
    "coordinator_id",
    "contact_person_id",
    "need_id",
    "starts_on",
    "ends_on",
];

fn placement_row(p: &Placement) -> Vec<String> {
    let (volunteer, group, head_count) = match p.placed {
        Placed::Volunteer(v) => (Some(v.to_string()), None, None),
        Placed::Group(g, n) => (None, Some(g.to_string()), Some(n)),
    };
    let (unit, recipient) = match p.place {
        Place::Unit(u) => (Some(u.to_string()), None),
        Place::Recipient(r) => (None, Some(r.to_string())),
    };
    vec![
        p.id.to_string(),
        p.status.to_string(),
        opt(volunteer),
        opt(group),
        opt(head_count),
        opt(unit),
        opt(recipient),
        p.activity_kind.clone(),
        p.target_group.to_string(),
        opt(p.dog_id),
        p.coordinator_id.to_string(),
        opt(p.contact_person_id),
        opt(p.need_id),
        p.starts_on.to_string(),
        opt(p.ends_on),
    ]
}

/// Every placement `filter` selects, as CSV.
pub fn placements_csv(
    pool: DbPool,
    scope: TenantScope,
    audience: Audience,
    filter: PlacementFilter,
    dialect: Dialect,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    streaming::stream(pool, "placement CSV", move |conn, out| {
        write_all(
            conn,
            out,
            dialect,
            &PLACEMENT_COLUMNS,
            |conn, last: Option<&Placement>| {
                let page = PageRequest {
                    after: last.map(|p| p.id.into_uuid()),
                    limit: PAGE,
                };
                Ok(placements::list(conn, scope, audience, filter, page)?
                    .items
                    .into_iter()
                    .map(|record| record.placement)
                    .collect())
            },
            placement_row,
        )
    })
}

const VISIT_COLUMNS: [&str; 10] = [
    "id",
    "placement_id",
    "local_date",
    "starts_at",
    "ends_at",
    "status",
    "flag",
    "accompanied_by_user_id",
    "accompanied_by_contact_id",
    "schedule_id",
];

fn visit_row(v: &Visit) -> Vec<String> {
    let (user, contact) = match v.accompanied_by {
        Some(Companion::StaffUser(u)) => (Some(u.to_string()), None),
        Some(Companion::ContactPerson(c)) => (None, Some(c.to_string())),
        None => (None, None),
    };
    vec![
        v.id.to_string(),
        v.placement_id.to_string(),
        v.local_date.to_string(),
        v.starts_at.to_rfc3339(),
        v.ends_at.to_rfc3339(),
        v.status.to_string(),
        opt(v.flag),
        opt(user),
        opt(contact),
        opt(v.schedule_id),
    ]
}

/// Every visit `filter` selects, in start order, as CSV.
pub fn visits_csv(
    pool: DbPool,
    scope: TenantScope,
    audience: Audience,
    filter: VisitFilter,
    dialect: Dialect,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    streaming::stream(pool, "visit CSV", move |conn, out| {
        write_all(
            conn,
            out,
            dialect,
            &VISIT_COLUMNS,
            |conn, last: Option<&Visit>| {
                let after = last.map(|v| (v.starts_at, v.id.into_uuid()));
                Ok(visits::list(conn, scope, audience, filter, after, PAGE)?)
            },
            visit_row,
        )
    })
}

const TIME_ENTRY_COLUMNS: [&str; 14] = [
    "id",
    "volunteer_id",
    "group_id",
    "head_count",
    "occurred_on",
    "minutes",
    "status",
    "source",
    "unit_id",
    "activity_kind",
    "placement_id",
    "visit_id",
    "decided_by",
    "decided_at",
];

fn time_entry_row(t: &TimeEntry) -> Vec<String> {
    let head_count = match t.who {
        Placed::Group(_, n) => Some(n),
        Placed::Volunteer(_) => None,
    };
    vec![
        t.id.to_string(),
        opt(t.volunteer()),
        opt(t.group()),
        opt(head_count),
        t.occurred_on.to_string(),
        t.minutes.to_string(),
        t.status.to_string(),
        t.source.to_string(),
        opt(t.unit_id),
        opt(t.activity_kind.as_ref()),
        opt(t.link.placement()),
        opt(t.link.visit()),
        opt(t.decided_by),
        opt(t.decided_at.map(|at| at.to_rfc3339())),
    ]
}

/// Every hours entry `filter` selects, as CSV.
pub fn time_entries_csv(
    pool: DbPool,
    scope: TenantScope,
    audience: Audience,
    filter: TimeEntryFilter,
    dialect: Dialect,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    streaming::stream(pool, "hours CSV", move |conn, out| {
        write_all(
            conn,
            out,
            dialect,
            &TIME_ENTRY_COLUMNS,
            |conn, last: Option<&TimeEntry>| {
                let page = PageRequest {
                    after: last.map(|t| t.id.into_uuid()),
                    limit: PAGE,
                };
                Ok(time_entries::list(conn, scope, audience, filter, page)?.items)
            },
            time_entry_row,
        )
    })
}
