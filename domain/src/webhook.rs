//! Telling other systems what changed: the events worth telling, what each carries (ids and the
//! few fields a consumer needs, never personal details), how deliveries are retried, and which
//! network addresses the service refuses to call.

use crate::{
    ids::{
        EventId, FollowUpId, GroupId, MunicipalityId, PlacementId, RecipientId, StaffUserId,
        TimeEntryId, UnitId, VisitId, VolunteerId, WebhookDeliveryId, WebhookEndpointId,
    },
    placement::{Place, Placed, PlacementStatus},
    string_enum::string_enum,
    time_entry::TimeEntryStatus,
    volunteer::VolunteerStatus,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};

string_enum! {
    /// What happened, as webhook endpoints subscribe to it and payloads name it.
    pub enum EventType {
        /// A volunteer's status changed (approved, paused, ended, …).
        VolunteerStatusChanged => "volunteer.status_changed",
        /// What a volunteer is cleared for changed: a fact, a rule or the date moved it.
        VolunteerClearanceChanged => "volunteer.clearance_changed",
        /// A placement was made or changed status (activated, paused, suspended, ended).
        PlacementStatusChanged => "placement.status_changed",
        /// A planned visit was cancelled.
        VisitCancelled => "visit.cancelled",
        /// An entry of the hours log was approved or declined, or its approval revoked.
        TimeEntryDecided => "time_entry.decided",
        /// A follow-up passed its due date without being done.
        FollowUpOverdue => "follow_up.overdue",
    }
}

/// Something worth telling, with what its payload's `data` carries. Serialised, it is that
/// `data` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Event {
    /// See [`EventType::VolunteerStatusChanged`].
    VolunteerStatusChanged {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The volunteer.
        volunteer_id: VolunteerId,
        /// The status before.
        from: VolunteerStatus,
        /// The status now.
        to: VolunteerStatus,
    },
    /// See [`EventType::VolunteerClearanceChanged`].
    VolunteerClearanceChanged {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The volunteer.
        volunteer_id: VolunteerId,
        /// What the volunteer is cleared for now, without a dog: activity kinds, settings and
        /// target groups, as the status feed tells it (empty: nothing).
        cleared_for: Vec<crate::clearance::ClearedFor>,
        /// The day the answer changes by date alone, if known.
        changes_on: Option<NaiveDate>,
    },
    /// See [`EventType::PlacementStatusChanged`].
    PlacementStatusChanged {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The placement.
        placement_id: PlacementId,
        /// The volunteer placed, if a volunteer is.
        volunteer_id: Option<VolunteerId>,
        /// The group placed, if a group is.
        group_id: Option<GroupId>,
        /// The unit, for a placement at a unit.
        unit_id: Option<UnitId>,
        /// The person visited, for a placement in a home.
        recipient_id: Option<RecipientId>,
        /// The activity kind.
        activity_kind: String,
        /// The status before; `null` when the placement was made.
        from: Option<PlacementStatus>,
        /// The status now.
        to: PlacementStatus,
    },
    /// See [`EventType::VisitCancelled`].
    VisitCancelled {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The visit.
        visit_id: VisitId,
        /// Its placement.
        placement_id: PlacementId,
        /// When it was to start.
        starts_at: DateTime<Utc>,
    },
    /// See [`EventType::TimeEntryDecided`].
    TimeEntryDecided {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The entry.
        time_entry_id: TimeEntryId,
        /// Whose hours, if a volunteer's.
        volunteer_id: Option<VolunteerId>,
        /// Whose hours, if a group's.
        group_id: Option<GroupId>,
        /// `approved`, `declined`, or `pending` when an approval was revoked.
        status: TimeEntryStatus,
        /// The day the hours were given.
        occurred_on: NaiveDate,
        /// How many minutes.
        minutes: i32,
    },
    /// See [`EventType::FollowUpOverdue`].
    FollowUpOverdue {
        /// The municipality.
        municipality_id: MunicipalityId,
        /// The follow-up.
        follow_up_id: FollowUpId,
        /// What it is about: `volunteer`, `group`, `unit`, `recipient` or `placement`.
        subject_kind: &'static str,
        /// The id of what it is about.
        subject_id: uuid::Uuid,
        /// The day it was due.
        due_on: NaiveDate,
        /// Who should make it, if anyone is named.
        assignee_id: Option<StaffUserId>,
    },
}

impl Event {
    /// Its type.
    pub const fn event_type(&self) -> EventType {
        match self {
            Event::VolunteerStatusChanged { .. } => EventType::VolunteerStatusChanged,
            Event::VolunteerClearanceChanged { .. } => EventType::VolunteerClearanceChanged,
            Event::PlacementStatusChanged { .. } => EventType::PlacementStatusChanged,
            Event::VisitCancelled { .. } => EventType::VisitCancelled,
            Event::TimeEntryDecided { .. } => EventType::TimeEntryDecided,
            Event::FollowUpOverdue { .. } => EventType::FollowUpOverdue,
        }
    }

    /// The municipality it belongs to.
    pub const fn municipality_id(&self) -> MunicipalityId {
        match self {
            Event::VolunteerStatusChanged {
                municipality_id, ..
            }
            | Event::VolunteerClearanceChanged {
                municipality_id, ..
            }
            | Event::PlacementStatusChanged {
                municipality_id, ..
            }
            | Event::VisitCancelled {
                municipality_id, ..
            }
            | Event::TimeEntryDecided {
                municipality_id, ..
            }
            | Event::FollowUpOverdue {
                municipality_id, ..
            } => *municipality_id,
        }
    }

    /// A placement's status step (`from` is `None` when it was made).
    pub fn placement_step(
        placement: &crate::placement::Placement,
        from: Option<PlacementStatus>,
        to: PlacementStatus,
    ) -> Self {
        let (volunteer_id, group_id) = match placement.placed {
            Placed::Volunteer(id) => (Some(id), None),
            Placed::Group(id, _) => (None, Some(id)),
        };
        let (unit_id, recipient_id) = match placement.place {
            Place::Unit(id) => (Some(id), None),
            Place::Recipient(id) => (None, Some(id)),
        };
        Event::PlacementStatusChanged {
            municipality_id: placement.municipality_id,
            placement_id: placement.id,
            volunteer_id,
            group_id,
            unit_id,
            recipient_id,
            activity_kind: placement.activity_kind.clone(),
            from,
            to,
        }
    }
}

string_enum! {
    /// Where one event's delivery to one endpoint stands.
    pub enum DeliveryStatus {
        /// Not yet answered with 2xx; the next attempt is due at `next_attempt_at`.
        Pending => "pending",
        /// The receiver answered 2xx.
        Delivered => "delivered",
        /// The retry schedule is spent, or the receiver answered 410.
        Failed => "failed",
    }
}

/// A municipality's webhook endpoint (its signing secrets are never part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: WebhookEndpointId,
    /// The municipality whose events it receives.
    pub municipality_id: MunicipalityId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What it is for, for people.
    pub description: Option<String>,
    /// The events it receives.
    pub event_types: Vec<EventType>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it is disabled (by a person, or by the receiver answering 410).
    pub disabled_reason: Option<String>,
    /// Deliveries that failed for good in a row.
    pub failure_streak: i32,
    /// Until when the previous secret still signs beside the current one.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One attempt to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: i32,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; `None` when no answer came.
    pub status_code: Option<i32>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// One event's delivery to one endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: WebhookDeliveryId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event; its `webhook-id` is `msg_` and this id without dashes.
    pub event_id: EventId,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last receiver status.
    pub last_status_code: Option<i32>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was handed to this endpoint.
    pub created_at: DateTime<Utc>,
    /// Every attempt, first first.
    pub attempt_log: Vec<Attempt>,
}

/// The `webhook-id` an event is sent with: stable across retries and endpoints.
pub fn message_id(event: EventId) -> String {
    format!("msg_{}", event.into_uuid().simple())
}

/// Whether an hours-log entry moving from `from` to `to` is a decision worth telling: approved
/// (by a coordinator, or at once by the municipality's setting), declined, or an approval
/// revoked (back to `pending`: the hours no longer count).
pub const fn is_time_entry_decision(from: Option<TimeEntryStatus>, to: TimeEntryStatus) -> bool {
    matches!(to, TimeEntryStatus::Approved | TimeEntryStatus::Declined)
        || matches!(
            (from, to),
            (Some(TimeEntryStatus::Approved), TimeEntryStatus::Pending)
        )
}

/// How long to wait after the `failed`-th failed attempt before the next (Standard Webhooks'
/// schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h); `None` once the schedule is spent and
/// the delivery has failed for good. The first attempt is made at once.
pub fn retry_delay(failed: i32) -> Option<TimeDelta> {
    Some(match failed {
        1 => TimeDelta::seconds(5),
        2 => TimeDelta::minutes(5),
        3 => TimeDelta::minutes(30),
        4 => TimeDelta::hours(2),
        5 => TimeDelta::hours(5),
        6 => TimeDelta::hours(10),
        7 => TimeDelta::hours(24),
        _ => return None,
    })
}

/// The longest wait a receiver's `Retry-After` can ask for.
pub const MAX_RETRY_AFTER: TimeDelta = TimeDelta::hours(24);

/// What a receiver's answer means for a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver wants no more; the endpoint is disabled.
    Gone,
    /// Anything else (3xx included: redirects are not followed), or no answer: try again
    /// later, as the schedule says.
    Retry,
}

/// Judges an attempt by the HTTP status it got (`None`: no answer came).
pub fn judge(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Retry,
    }
}

/// Whether the service may send to `ip`: only addresses on the public internet. Loopback,
/// private, link-local (cloud metadata lives there), shared, multicast, documentation and
/// reserved ranges are refused, so a webhook URL cannot reach internal networks. An IPv6 address
/// carrying an IPv4 one is judged by that.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let nat64 = s[0] == 0x64 && s[1] == 0xff9b;
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2002) // 6to4 can wrap any IPv4 address
                || (s[0] == 0x2001 && s[1] == 0) // Teredo
                || (s[0..6] == [0, 0, 0, 0, 0xffff, 0]) // SIIT (IPv4-translated)
                || nat64
                || (s[0..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible (deprecated)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// Whether `host` (a URL's host name, not an address) names this machine or a local network by
/// convention: `localhost` and the `.localhost`, `.local`, `.internal`, `.home.arpa` names.
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || [".localhost", ".local", ".internal", ".home.arpa", ".lan"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_allowed() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2002:7f00:1::",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "::ffff:0:7f00:1",
        ] {
            assert!(!is_public(ip(refused)), "{refused} should be refused");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "151.101.1.1",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(allowed)), "{allowed} should be allowed");
        }
    }

    #[test]
    fn local_names_are_recognised() {
        assert!(is_local_name("localhost"));
        assert!(is_local_name("api.LOCALHOST."));
        assert!(is_local_name("printer.local"));
        assert!(is_local_name("db.internal"));
        assert!(!is_local_name("kommune.no"));
        assert!(!is_local_name("localhost.example.no"));
    }

    #[test]
    fn the_schedule_backs_off_then_gives_up() {
        let delays: Vec<_> = (1..=8).map(retry_delay).collect();
        assert_eq!(delays[0], Some(TimeDelta::seconds(5)));
        assert_eq!(delays[6], Some(TimeDelta::hours(24)));
        assert_eq!(delays[7], None);
        assert!(delays.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        }));
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn only_2xx_delivers_and_410_disables() {
        assert_eq!(judge(Some(200)), Verdict::Delivered);
        assert_eq!(judge(Some(204)), Verdict::Delivered);
        assert_eq!(judge(Some(301)), Verdict::Retry);
        assert_eq!(judge(Some(410)), Verdict::Gone);
        assert_eq!(judge(Some(500)), Verdict::Retry);
        assert_eq!(judge(None), Verdict::Retry);
    }

    #[test]
    fn an_event_serialises_as_its_data() {
        let event = Event::VolunteerStatusChanged {
            municipality_id: MunicipalityId::from(uuid::Uuid::nil()),
            volunteer_id: VolunteerId::from(uuid::Uuid::nil()),
            from: VolunteerStatus::Registered,
            to: VolunteerStatus::Approved,
        };
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["from"], "registered");
        assert_eq!(json["to"], "approved");
        assert_eq!(event.event_type().as_str(), "volunteer.status_changed");
    }
}
