//! The coordinators' work list: registrations waiting too long for a screening call,
//! certificates, dog approvals and declarations running out for approved volunteers, approved
//! volunteers without a contact person, suspended placements, first home visits with nobody
//! named to come along, visits left unmarked, overdue follow-ups and volunteers nobody has
//! reached for too long.

use crate::{
    access::managed_municipality,
    auth::StaffCaller,
    error::ApiError,
    extract::Query,
    openapi::schemas::{WorkItemKindSchema, WorkSubjectSchema},
    pagination::{CursorList, checked_limit, decode_key, encode_key},
    state::AppState,
};
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use samspill_domain::work::{WorkItem, WorkItemKind, WorkSubject, sort};
use samspill_persistence::{municipalities, work};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Filters for the work list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkItemQuery {
    /// The municipality (administrators must name it; coordinators read their own).
    pub municipality_id: Option<Uuid>,
    /// Only this kind of item.
    #[param(value_type = Option<WorkItemKindSchema>)]
    pub kind: Option<WorkItemKind>,
    /// Only on this list: `me`, `none` (items on nobody's list, of every kind) or an account
    /// id. Overdue follow-ups are on their assignee's list; "no recent contact" on the
    /// volunteer's contact person's; other items on nobody's.
    #[param(example = "me")]
    pub assignee: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// One thing to do.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemView {
    /// What.
    #[schema(value_type = WorkItemKindSchema)]
    pub kind: WorkItemKind,
    /// A volunteer's or a group's.
    #[schema(value_type = WorkSubjectSchema)]
    pub subject: WorkSubject,
    /// The volunteer's or group's id.
    pub subject_id: Uuid,
    /// The volunteer's or group's name.
    pub name: String,
    /// By when: the last valid day of what runs out, or the day a wait became too long.
    pub due_on: NaiveDate,
    /// The record concerned (certificate, dog approval, declaration), if one.
    pub related_id: Option<Uuid>,
    /// A short explanation.
    pub detail: String,
    /// Whose list it is on, when it is someone's: a follow-up's assignee, an approved
    /// volunteer's contact person.
    pub assignee_id: Option<Uuid>,
}

/// A page of the work list, most urgent first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemPage {
    /// The items, earliest `due_on` first.
    pub items: Vec<WorkItemView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn key(item: &WorkItem) -> Vec<u8> {
    let mut key = item.due_on.to_string().into_bytes();
    key.push(b'|');
    // Kinds sort in declaration order, as `sort` orders them.
    let kind = WorkItemKind::ALL.iter().position(|k| *k == item.kind);
    key.push(u8::try_from(kind.unwrap_or_default()).unwrap_or(u8::MAX));
    key.extend_from_slice(item.subject_id.as_bytes());
    key.extend_from_slice(item.related_id.unwrap_or_default().as_bytes());
    key
}

/// The municipality's work list on its own calendar day (its local date), earliest due first (coordinators and
/// administrators). How far ahead expiries show is the municipality's `expiring_soon_days`;
/// how long a registration may wait for its screening call is `screening_wait_days`.
/// Placements add their items: a suspended placement (`related_id` the placement), a first
/// home visit within the week with nobody named to come along, and a visit not marked three
/// days after its date (`related_id` the visit). Follow-ups add theirs: a follow-up still
/// scheduled after its due date (`related_id` the follow-up, on its assignee's list), and an
/// approved volunteer nobody has reached for `no_contact_days`. `assignee=me` gives the
/// caller's own list.
#[utoipa::path(
    tag = "clearance",
    params(WorkItemQuery),
    responses((status = 200, description = "A page of the work list.", body = WorkItemPage))
)]
#[get("/work-items")]
pub async fn list_work_items(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<WorkItemQuery>,
) -> Result<HttpResponse, ApiError> {
    let municipality_id = managed_municipality(&caller, query.municipality_id)?;
    let assignee: Option<Option<Uuid>> = match query.assignee.as_deref() {
        None => None,
        Some("me") => Some(Some(caller.id.into_uuid())),
        Some("none") => Some(None),
        Some(other) => Some(Some(other.parse::<Uuid>().map_err(|_| {
            ApiError::BadRequest {
                detail: "A query parameter is not valid.".to_owned(),
                errors: vec![crate::error::FieldError::new(
                    "assignee",
                    "invalid",
                    "must be me, none or an account id",
                )],
            }
        })?)),
    };
    let limit = usize::try_from(checked_limit(query.limit)?).unwrap_or(usize::MAX);
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_key(CursorList::WorkItems, c))
        .transpose()?;
    let now = state.clock.now();
    let audience = crate::access::managed(&caller)?;
    let mut items = state
        .db(move |conn| {
            let municipality = municipalities::find(conn, caller.scope(), municipality_id)?;
            // The municipality's own calendar day, as its coordinators read the list.
            let today = crate::cases::time_entries::local_today(&municipality, now);
            Ok(work::work_items(
                conn,
                municipality.id,
                audience,
                &municipality.settings,
                today,
            )?)
        })
        .await?;
    items.retain(|named| {
        query.kind.is_none_or(|kind| named.item.kind == kind)
            && assignee.is_none_or(|assignee| named.assignee_id == assignee)
    });
    let mut bare: Vec<WorkItem> = items.iter().map(|n| n.item.clone()).collect();
    sort(&mut bare);
    let assignees: std::collections::HashMap<_, _> = items
        .iter()
        .map(|n| {
            (
                (n.item.kind, n.item.subject_id, n.item.related_id),
                n.assignee_id,
            )
        })
        .collect();
    let names: std::collections::HashMap<_, _> = items
        .into_iter()
        .map(|n| (n.item.subject_id, n.name))
        .collect();
    let mut page: Vec<WorkItem> = bare
        .into_iter()
        .filter(|item| after.as_ref().is_none_or(|after| key(item) > *after))
        .take(limit + 1)
        .collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last()
            .map(|item| encode_key(CursorList::WorkItems, &key(item)))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(WorkItemPage {
        items: page
            .into_iter()
            .map(|item| WorkItemView {
                name: names.get(&item.subject_id).cloned().unwrap_or_default(),
                assignee_id: assignees
                    .get(&(item.kind, item.subject_id, item.related_id))
                    .copied()
                    .flatten(),
                kind: item.kind,
                subject: item.subject,
                subject_id: item.subject_id,
                due_on: item.due_on,
                related_id: item.related_id,
                detail: item.detail,
            })
            .collect(),
        next_cursor,
    }))
}
