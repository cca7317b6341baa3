//! Cursor pagination: `?limit=` (default 50, at most 200) and an opaque `?cursor=`.

use crate::error::{ApiError, FieldError};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use samspill_persistence::page::PageRequest;
use uuid::Uuid;

/// Which page of a list that takes no other filter.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Page length when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Longest page.
pub const MAX_LIMIT: u32 = 200;

/// The lists that hand out cursors. Every cursor names its list, and every other list refuses
/// it with 400: a position in one list never pages through another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorList {
    /// `GET /municipalities`.
    Municipalities,
    /// `GET /units`.
    Units,
    /// `GET /users`.
    Users,
    /// `GET /service-accounts`.
    ServiceAccounts,
    /// `GET /contact-persons`.
    ContactPersons,
    /// `GET /volunteers`.
    Volunteers,
    /// `GET /groups`.
    Groups,
    /// `GET /dogs`.
    Dogs,
    /// `GET /volunteers/{id}/audit-log`.
    AuditLog,
    /// `GET /volunteer-status`, ordered by change time.
    StatusFeed,
    /// `GET /work-items`, ordered by due date.
    WorkItems,
    /// `GET /recipients`.
    Recipients,
    /// `GET /placements`.
    Placements,
    /// `GET /visits`, ordered by start time.
    Visits,
    /// `GET /me/placements`.
    MyPlacements,
    /// `GET /me/visits`, ordered by start time.
    MyVisits,
    /// `GET /needs`.
    Needs,
    /// `GET /needs/{id}/interests`.
    NeedInterests,
    /// `GET /needs/{id}/candidates`, ordered by rank.
    NeedCandidates,
    /// `GET /public/municipalities/{code}/needs`.
    NeedBoard,
    /// `GET /follow-ups`, ordered by due date.
    FollowUps,
    /// `GET /contact-log`, newest first.
    ContactLog,
    /// `GET /time-entries`.
    TimeEntries,
    /// `GET /me/time-entries`.
    MyTimeEntries,
    /// `GET /webhook-endpoints`.
    WebhookEndpoints,
    /// `GET /webhook-endpoints/{id}/deliveries`, newest first.
    WebhookDeliveries,
    /// `GET /events`.
    Events,
    /// `GET /events/{id}/invitations`.
    EventInvitations,
    /// `GET /me/events`.
    MyEvents,
    /// `GET /volunteers/{id}/training-credentials`.
    TrainingCredentials,
    /// `GET /events/{id}/sessions/{session_id}/attendance`, in invitation order.
    EventAttendance,
    /// `GET /survey-templates`.
    SurveyTemplates,
    /// `GET /survey-rounds`.
    SurveyRounds,
    /// `GET /survey-rounds/{id}/recipients`.
    SurveyRecipients,
    /// `GET /me/surveys`.
    MySurveys,
    /// `GET /volunteers/{id}/consents` and `GET /recipients/{id}/consents`.
    Consents,
    /// `GET /retention/due`.
    RetentionDue,
    /// `GET /audit-log`.
    MunicipalityAuditLog,
    /// `GET /imports/{id}/rows`, in line order.
    ImportRows,
}

impl CursorList {
    /// Every list, for the test that their tags differ.
    #[cfg(test)]
    const ALL: &[CursorList] = &[
        CursorList::Municipalities,
        CursorList::Units,
        CursorList::Users,
        CursorList::ServiceAccounts,
        CursorList::ContactPersons,
        CursorList::Volunteers,
        CursorList::Groups,
        CursorList::Dogs,
        CursorList::AuditLog,
        CursorList::StatusFeed,
        CursorList::WorkItems,
        CursorList::Recipients,
        CursorList::Placements,
        CursorList::Visits,
        CursorList::MyPlacements,
        CursorList::MyVisits,
        CursorList::Needs,
        CursorList::NeedInterests,
        CursorList::NeedCandidates,
        CursorList::NeedBoard,
        CursorList::FollowUps,
        CursorList::ContactLog,
        CursorList::TimeEntries,
        CursorList::MyTimeEntries,
        CursorList::WebhookEndpoints,
        CursorList::WebhookDeliveries,
        CursorList::Events,
        CursorList::EventInvitations,
        CursorList::MyEvents,
        CursorList::TrainingCredentials,
        CursorList::EventAttendance,
        CursorList::SurveyTemplates,
        CursorList::SurveyRounds,
        CursorList::SurveyRecipients,
        CursorList::MySurveys,
        CursorList::Consents,
        CursorList::RetentionDue,
        CursorList::MunicipalityAuditLog,
        CursorList::ImportRows,
    ];

    /// The tag its cursors start with; no `:` inside. The feed and the work list keep the tags
    /// they always had, so that cursors municipal systems have stored stay good.
    const fn tag(self) -> &'static [u8] {
        match self {
            CursorList::Municipalities => b"municipalities",
            CursorList::Units => b"units",
            CursorList::Users => b"users",
            CursorList::ServiceAccounts => b"service_accounts",
            CursorList::ContactPersons => b"contact_persons",
            CursorList::Volunteers => b"volunteers",
            CursorList::Groups => b"groups",
            CursorList::Dogs => b"dogs",
            CursorList::AuditLog => b"audit_log",
            CursorList::StatusFeed => b"f1",
            CursorList::WorkItems => b"w1",
            CursorList::Recipients => b"recipients",
            CursorList::Placements => b"placements",
            CursorList::Visits => b"visits",
            CursorList::MyPlacements => b"my_placements",
            CursorList::MyVisits => b"my_visits",
            CursorList::Needs => b"needs",
            CursorList::NeedInterests => b"need_interests",
            CursorList::NeedCandidates => b"need_candidates",
            CursorList::NeedBoard => b"need_board",
            CursorList::FollowUps => b"follow_ups",
            CursorList::ContactLog => b"contact_log",
            CursorList::TimeEntries => b"time_entries",
            CursorList::MyTimeEntries => b"my_time_entries",
            CursorList::WebhookEndpoints => b"webhook_endpoints",
            CursorList::WebhookDeliveries => b"webhook_deliveries",
            CursorList::Events => b"events",
            CursorList::EventInvitations => b"event_invitations",
            CursorList::MyEvents => b"my_events",
            CursorList::TrainingCredentials => b"training_credentials",
            CursorList::EventAttendance => b"event_attendance",
            CursorList::SurveyTemplates => b"survey_templates",
            CursorList::SurveyRounds => b"survey_rounds",
            CursorList::SurveyRecipients => b"survey_recipients",
            CursorList::MySurveys => b"my_surveys",
            CursorList::Consents => b"consents",
            CursorList::RetentionDue => b"retention_due",
            CursorList::MunicipalityAuditLog => b"municipality_audit_log",
            CursorList::ImportRows => b"import_rows",
        }
    }
}

/// Encodes where the next page of `list`, ordered by id, starts.
pub fn encode_cursor(list: CursorList, after: Uuid) -> String {
    encode_key(list, after.as_bytes())
}

pub(crate) fn invalid_cursor() -> ApiError {
    ApiError::BadRequest {
        detail: "A query parameter is not valid.".to_owned(),
        errors: vec![FieldError::new(
            "cursor",
            "invalid_cursor",
            "must be a next_cursor value returned by this list",
        )],
    }
}

/// Encodes a position in `list`: its tag, then the position's bytes.
pub fn encode_key(list: CursorList, key: &[u8]) -> String {
    let mut raw = list.tag().to_vec();
    raw.push(b':');
    raw.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a cursor made by [`encode_key`] for the same `list`; 400 naming `cursor` otherwise
/// (garbage, another list's cursor, or a cursor of an older format).
pub fn decode_key(list: CursorList, cursor: &str) -> Result<Vec<u8>, ApiError> {
    let raw = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid_cursor())?;
    raw.strip_prefix(list.tag())
        .and_then(|rest| rest.strip_prefix(b":"))
        .map(<[u8]>::to_vec)
        .ok_or_else(invalid_cursor)
}

/// Encodes a position in `list`, ordered by a moment and then by id (visits by start time).
pub fn encode_timed(list: CursorList, at: DateTime<Utc>, id: Uuid) -> String {
    let mut key = at.timestamp_micros().to_be_bytes().to_vec();
    key.extend_from_slice(id.as_bytes());
    encode_key(list, &key)
}

/// Decodes a cursor made by [`encode_timed`] for the same `list`.
pub fn decode_timed(list: CursorList, cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let key = decode_key(list, cursor)?;
    let bad = || ApiError::invalid("cursor", "invalid_cursor", "not a cursor of this list");
    let (micros, id) = key.split_at_checked(8).ok_or_else(bad)?;
    let micros = i64::from_be_bytes(micros.try_into().map_err(|_| bad())?);
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, Uuid::from_slice(id).map_err(|_| bad())?))
}

/// Checks `limit` alone, for lists with their own cursors.
pub fn checked_limit(limit: Option<u32>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest {
            detail: "A query parameter is not valid.".to_owned(),
            errors: vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )],
        });
    }
    Ok(i64::from(limit))
}

/// Checks `limit` and `cursor` from the query string of `list`, ordered by id.
pub fn page_request(
    list: CursorList,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<PageRequest, ApiError> {
    let limit = checked_limit(limit)?;
    let after = cursor
        .map(|c| {
            let key = decode_key(list, c)?;
            Uuid::from_slice(&key).map_err(|_| invalid_cursor())
        })
        .transpose()?;
    Ok(PageRequest { after, limit })
}

/// Declares a page response type `{items, next_cursor}` for one item type, named for the spec,
/// whose cursors belong to `$list`.
macro_rules! page_of {
    ($name:ident, $item:ty, $list:expr) => {
        #[doc = concat!("A page of `", stringify!($item), "` in id order.")]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// Converts a repository page.
            pub fn from_page<T>(page: samspill_persistence::Page<T>) -> Self
            where
                $item: From<T>,
            {
                Self::from_page_in($list, page)
            }

            /// Converts a repository page of the list `list` (the same items in another list,
            /// whose cursors differ).
            #[allow(dead_code, reason = "only some pages are shown in two lists")]
            pub fn from_page_in<T>(
                list: $crate::pagination::CursorList,
                page: samspill_persistence::Page<T>,
            ) -> Self
            where
                $item: From<T>,
            {
                Self {
                    items: page.items.into_iter().map(<$item>::from).collect(),
                    next_cursor: page
                        .next_after
                        .map(|after| $crate::pagination::encode_cursor(list, after)),
                }
            }
        }
    };
}

pub(crate) use page_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let cursor = encode_cursor(CursorList::Units, id);
        assert_eq!(
            page_request(CursorList::Units, None, Some(&cursor))
                .ok()
                .and_then(|p| p.after),
            Some(id)
        );
        assert!(page_request(CursorList::Units, None, Some("bm9wZQ")).is_err());
        assert!(page_request(CursorList::Units, None, Some("!!")).is_err());
        let short = encode_key(CursorList::Units, &[1, 2, 3]);
        assert!(page_request(CursorList::Units, None, Some(&short)).is_err());
    }

    #[test]
    fn a_cursor_is_refused_by_every_other_list() {
        let id = Uuid::now_v7();
        for &list in CursorList::ALL {
            let cursor = encode_cursor(list, id);
            for &other in CursorList::ALL {
                assert_eq!(
                    decode_key(other, &cursor).is_ok(),
                    other == list,
                    "{list:?} -> {other:?}"
                );
            }
        }
        let tags: std::collections::HashSet<_> = CursorList::ALL.iter().map(|l| l.tag()).collect();
        assert_eq!(tags.len(), CursorList::ALL.len());
        assert!(CursorList::ALL.iter().all(|l| !l.tag().contains(&b':')));
    }

    #[test]
    fn cursors_of_the_old_format_are_refused() {
        let mut old = b"c1:".to_vec();
        old.extend_from_slice(Uuid::now_v7().as_bytes());
        let old = URL_SAFE_NO_PAD.encode(old);
        assert!(page_request(CursorList::Volunteers, None, Some(&old)).is_err());
    }

    #[test]
    fn keyed_cursors_belong_to_their_list() {
        let cursor = encode_key(CursorList::StatusFeed, &[1, 2, 3]);
        assert_eq!(
            decode_key(CursorList::StatusFeed, &cursor).ok(),
            Some(vec![1, 2, 3])
        );
        assert!(decode_key(CursorList::WorkItems, &cursor).is_err());
    }

    #[test]
    fn timed_cursors_round_trip_in_their_own_list() {
        let (at, id) = (Utc::now(), Uuid::now_v7());
        let cursor = encode_timed(CursorList::Visits, at, id);
        let (back, back_id) = decode_timed(CursorList::Visits, &cursor)
            .unwrap_or_else(|_| panic!("a cursor of the list"));
        assert_eq!(back.timestamp_micros(), at.timestamp_micros());
        assert_eq!(back_id, id);
        assert!(decode_timed(CursorList::Placements, &cursor).is_err());
        let short = encode_key(CursorList::Visits, &[1, 2, 3]);
        assert!(decode_timed(CursorList::Visits, &short).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        let request = |limit| page_request(CursorList::Units, limit, None);
        assert_eq!(request(None).ok().map(|p| p.limit), Some(50));
        assert!(request(Some(0)).is_err());
        assert!(request(Some(201)).is_err());
        assert_eq!(request(Some(200)).ok().map(|p| p.limit), Some(200));
    }
}
