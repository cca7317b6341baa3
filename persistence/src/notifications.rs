//! Notifications to people and their opt-outs. Each notification is planned once (a unique key
//! per what it is about and for whom), claimed by the worker when due (`FOR UPDATE SKIP LOCKED`
//! and a lease), and ends `sent`, `failed` or `skipped` with the reason. Rows hold ids and dates;
//! names, addresses and texts are read when it is sent.

use crate::{
    error::{RepoError, corrupt},
    schema::{
        notification_preferences::{self, dsl as np},
        notifications::{self, dsl as n},
    },
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use samspill_domain::{
    ids::{MunicipalityId, StaffUserId, VolunteerId},
    notification::{Channel, NotificationKind, NotificationStatus},
};
use uuid::Uuid;

/// Who a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A volunteer (their email or phone).
    Volunteer(VolunteerId),
    /// A staff account (its email).
    Staff(StaffUserId),
}

/// A notification to plan.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// What kind.
    pub kind: NotificationKind,
    /// What it is about and for whom: planned once per key.
    pub dedupe_key: String,
    /// To whom.
    pub recipient: Recipient,
    /// By which channel.
    pub channel: Channel,
    /// Ids and dates the text is made from.
    pub data: serde_json::Value,
    /// Not before.
    pub send_after: DateTime<Utc>,
    /// Not after (a visit's start).
    pub send_before: Option<DateTime<Utc>>,
    /// `Some(reason)` to record it as skipped at once (no address, no daytime moment left).
    pub skipped: Option<String>,
}

/// Stores the notifications not planned before (by their key); returns how many were new.
pub fn plan(
    conn: &mut PgConnection,
    planned: &[Planned],
    now: DateTime<Utc>,
) -> Result<usize, RepoError> {
    let rows: Vec<_> = planned
        .iter()
        .map(|p| {
            let (volunteer, staff) = match p.recipient {
                Recipient::Volunteer(id) => (Some(id.into_uuid()), None),
                Recipient::Staff(id) => (None, Some(id.into_uuid())),
            };
            let status = if p.skipped.is_some() {
                NotificationStatus::Skipped
            } else {
                NotificationStatus::Pending
            };
            (
                n::municipality_id.eq(p.municipality_id.into_uuid()),
                n::id.eq(Uuid::now_v7()),
                n::kind.eq(p.kind.as_str()),
                n::dedupe_key.eq(p.dedupe_key.clone()),
                n::volunteer_id.eq(volunteer),
                n::staff_user_id.eq(staff),
                n::channel.eq(p.channel.as_str()),
                n::data.eq(p.data.clone()),
                n::send_after.eq(p.send_after),
                n::send_before.eq(p.send_before),
                n::status.eq(status.as_str()),
                n::reason.eq(p.skipped.clone()),
                n::created_at.eq(now),
            )
        })
        .collect();
    let mut made = 0;
    for chunk in rows.chunks(500) {
        made += diesel::insert_into(notifications::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(made)
}

/// A planned visit reminder's facts: the visit, its volunteer and whether they have an email
/// address or a phone number.
#[derive(Debug, Clone, QueryableByName)]
pub struct VisitToRemind {
    /// The municipality.
    #[diesel(sql_type = SqlUuid)]
    pub municipality_id: Uuid,
    /// The visit.
    #[diesel(sql_type = SqlUuid)]
    pub visit_id: Uuid,
    /// When it starts.
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    /// The volunteer.
    #[diesel(sql_type = SqlUuid)]
    pub volunteer_id: Uuid,
    /// Whether they have an email address.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_email: bool,
    /// Whether they have a phone number.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_phone: bool,
}

/// The key of a visit's reminder: a visit moved to another time is reminded of again.
pub fn visit_key(visit: Uuid, starts_at: DateTime<Utc>) -> String {
    format!("visit:{visit}:{}", starts_at.timestamp())
}

/// Up to `limit` planned visits of `municipality`'s volunteers (not erased) starting after `now`
/// and by `until`, whose reminder is not planned yet.
pub fn visits_to_remind(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<VisitToRemind>, RepoError> {
    Ok(diesel::sql_query(
        "SELECT vi.municipality_id, vi.id AS visit_id, vi.starts_at, v.id AS volunteer_id,
                v.email IS NOT NULL AS has_email, v.phone IS NOT NULL AS has_phone
           FROM visits vi
           JOIN placements p ON p.municipality_id = vi.municipality_id AND p.id = vi.placement_id
           JOIN volunteers v ON v.municipality_id = p.municipality_id AND v.id = p.volunteer_id
          WHERE vi.municipality_id = $1 AND vi.status = 'planned'
            AND vi.starts_at > $2 AND vi.starts_at <= $3 AND v.erased_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM notifications nt
                             WHERE nt.municipality_id = vi.municipality_id
                               AND nt.kind = 'visit_reminder'
                               AND nt.dedupe_key = 'visit:' || vi.id || ':' || extract(epoch FROM vi.starts_at)::bigint)
          ORDER BY vi.starts_at
          LIMIT $4",
    )
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(until)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// A notification claimed for sending.
#[derive(Debug, Clone, QueryableByName)]
pub struct Due {
    /// The municipality.
    #[diesel(sql_type = SqlUuid)]
    pub municipality_id: Uuid,
    /// The notification.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Its kind.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The volunteer it goes to, if a volunteer.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub volunteer_id: Option<Uuid>,
    /// The staff account it goes to, if staff.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub staff_user_id: Option<Uuid>,
    /// The channel.
    #[diesel(sql_type = Text)]
    pub channel: String,
    /// Ids and dates.
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    /// Not after.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub send_before: Option<DateTime<Utc>>,
    /// This attempt's number.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

impl Due {
    /// Its kind.
    pub fn kind(&self) -> Result<NotificationKind, RepoError> {
        self.kind
            .parse()
            .map_err(|_| corrupt("notifications.kind", &self.kind))
    }

    /// Its channel.
    pub fn channel(&self) -> Result<Channel, RepoError> {
        self.channel
            .parse()
            .map_err(|_| corrupt("notifications.channel", &self.channel))
    }
}

/// Claims up to `batch` pending notifications due at `now`: each one's time moves to
/// `lease_until` and its attempts go up, in one statement, so no other worker sends it
/// meanwhile.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<Due>, RepoError> {
    Ok(diesel::sql_query(
        "UPDATE notifications n SET send_after = $2, attempts = n.attempts + 1
           FROM (SELECT municipality_id, id FROM notifications
                  WHERE status = 'pending' AND send_after <= $1
                  ORDER BY send_after LIMIT $3
                    FOR UPDATE SKIP LOCKED) c
          WHERE n.municipality_id = c.municipality_id AND n.id = c.id
      RETURNING n.municipality_id, n.id, n.kind, n.volunteer_id, n.staff_user_id, n.channel,
                n.data, n.send_before, n.attempts",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(batch)
    .load(conn)?)
}

/// Ends a claimed notification: `sent`, `failed` or `skipped` (with the reason).
pub fn finish(
    conn: &mut PgConnection,
    due: &Due,
    status: NotificationStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::update(
        n::notifications
            .filter(n::municipality_id.eq(due.municipality_id))
            .filter(n::id.eq(due.id))
            .filter(n::status.eq(NotificationStatus::Pending.as_str()))
            // Still this claim's: not claimed again by another worker after its lease.
            .filter(n::attempts.eq(due.attempts)),
    )
    .set((
        n::status.eq(status.as_str()),
        n::reason.eq(reason),
        n::sent_at.eq((status == NotificationStatus::Sent).then_some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Puts a claimed notification back to wait until `at`, noting why: after a failed send (the
/// attempt counts), or for the night (`attempted: false`: it does not).
pub fn postpone(
    conn: &mut PgConnection,
    due: &Due,
    at: DateTime<Utc>,
    reason: &str,
    attempted: bool,
) -> Result<(), RepoError> {
    let attempts = if attempted {
        due.attempts
    } else {
        due.attempts - 1
    };
    diesel::update(
        n::notifications
            .filter(n::municipality_id.eq(due.municipality_id))
            .filter(n::id.eq(due.id))
            .filter(n::status.eq(NotificationStatus::Pending.as_str()))
            .filter(n::attempts.eq(due.attempts)),
    )
    .set((
        n::send_after.eq(at),
        n::reason.eq(reason),
        n::attempts.eq(attempts),
    ))
    .execute(conn)?;
    Ok(())
}

/// A notification as tests and operators read it.
#[derive(Debug, Clone, Queryable)]
pub struct Stored {
    /// Its kind.
    pub kind: String,
    /// What it is about.
    pub dedupe_key: String,
    /// Where it stands.
    pub status: String,
    /// Why it was skipped or failed, or postponed.
    pub reason: Option<String>,
    /// Attempts made.
    pub attempts: i32,
}

/// The notifications of `municipality`, oldest first.
pub fn of_municipality(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<Stored>, RepoError> {
    Ok(n::notifications
        .filter(n::municipality_id.eq(municipality.into_uuid()))
        .order((n::created_at.asc(), n::id.asc()))
        .select((n::kind, n::dedupe_key, n::status, n::reason, n::attempts))
        .load(conn)?)
}

/// An account's opt-outs and their version (1 and none when it has never chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// The kinds the account does not want.
    pub opted_out: Vec<NotificationKind>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

fn kinds_of(stored: Vec<Option<String>>) -> Result<Vec<NotificationKind>, RepoError> {
    stored
        .into_iter()
        .flatten()
        .map(|k| {
            k.parse()
                .map_err(|_| corrupt("notification_preferences.opted_out", &k))
        })
        .collect()
}

/// The opt-outs of `account` in `municipality`.
pub fn preferences(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    account: StaffUserId,
) -> Result<Preferences, RepoError> {
    let found: Option<(Vec<Option<String>>, i32)> = np::notification_preferences
        .filter(np::municipality_id.eq(municipality.into_uuid()))
        .filter(np::staff_user_id.eq(account.into_uuid()))
        .select((np::opted_out, np::version))
        .first(conn)
        .optional()?;
    Ok(match found {
        Some((opted_out, version)) => Preferences {
            opted_out: kinds_of(opted_out)?,
            version,
        },
        None => Preferences {
            opted_out: Vec::new(),
            version: 1,
        },
    })
}

/// Whether `account` opted out of `kind`.
pub fn opted_out(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    account: StaffUserId,
    kind: NotificationKind,
) -> Result<bool, RepoError> {
    Ok(preferences(conn, municipality, account)?
        .opted_out
        .contains(&kind))
}

/// Sets the opt-outs of `account` with `change(current) -> new`, if `expected_version` (when
/// given) is current.
pub fn set_preferences(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    account: StaffUserId,
    expected_version: Option<i32>,
    change: impl FnOnce(&[NotificationKind]) -> Vec<NotificationKind>,
) -> Result<Preferences, RepoError> {
    conn.transaction(|conn| {
        // The row exists from the first change on (version 1, nothing opted out), so two first
        // changes take turns on its lock like any others.
        diesel::insert_into(notification_preferences::table)
            .values((
                np::municipality_id.eq(municipality.into_uuid()),
                np::staff_user_id.eq(account.into_uuid()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        let current: Option<(Vec<Option<String>>, i32)> = np::notification_preferences
            .filter(np::municipality_id.eq(municipality.into_uuid()))
            .filter(np::staff_user_id.eq(account.into_uuid()))
            .select((np::opted_out, np::version))
            .for_update()
            .first(conn)
            .optional()?;
        let (before, version) = match current {
            Some((kinds, version)) => (kinds_of(kinds)?, version),
            None => (Vec::new(), 1),
        };
        check_version(version, expected_version)?;
        let mut after = change(&before);
        after.sort_unstable();
        after.dedup();
        let stored: Vec<Option<String>> =
            after.iter().map(|k| Some(k.as_str().to_owned())).collect();
        let version = diesel::update(
            np::notification_preferences
                .filter(np::municipality_id.eq(municipality.into_uuid()))
                .filter(np::staff_user_id.eq(account.into_uuid())),
        )
        .set((
            np::opted_out.eq(&stored),
            np::version.eq(np::version + 1),
            np::updated_at.eq(diesel::dsl::now),
        ))
        .returning(np::version)
        .get_result(conn)?;
        Ok(Preferences {
            opted_out: after,
            version,
        })
    })
}

/// An overdue follow-up whose assignee is not yet reminded of it.
#[derive(Debug, Clone, QueryableByName)]
pub struct FollowUpToRemind {
    /// The municipality.
    #[diesel(sql_type = SqlUuid)]
    pub municipality_id: Uuid,
    /// The follow-up.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Its due date.
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub due_on: chrono::NaiveDate,
    /// Who it is assigned to.
    #[diesel(sql_type = SqlUuid)]
    pub assignee_id: Uuid,
}

/// The key of a follow-up's overdue reminder: once per due date.
pub fn follow_up_key(follow_up: Uuid, due_on: chrono::NaiveDate) -> String {
    format!("follow_up:{follow_up}:{due_on}")
}

/// Up to `limit` scheduled follow-ups due before `today` with an assignee who has not been
/// reminded of them for that due date.
pub fn follow_ups_to_remind(
    conn: &mut PgConnection,
    today: chrono::NaiveDate,
    limit: i64,
) -> Result<Vec<FollowUpToRemind>, RepoError> {
    Ok(diesel::sql_query(
        "SELECT f.municipality_id, f.id, f.due_on, f.assignee_id
           FROM follow_ups f
          WHERE f.status = 'scheduled' AND f.due_on < $1 AND f.assignee_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM notifications nt
                             WHERE nt.municipality_id = f.municipality_id
                               AND nt.kind = 'follow_up_overdue'
                               AND nt.dedupe_key = 'follow_up:' || f.id || ':' || f.due_on)
          ORDER BY f.due_on, f.id
          LIMIT $2",
    )
    .bind::<diesel::sql_types::Date, _>(today)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// The coordinators of `municipality` who receive expiry warnings: active accounts with the
/// coordinator role.
pub fn coordinators(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<StaffUserId>, RepoError> {
    use crate::schema::staff_users::dsl as s;
    Ok(s::staff_users
        .filter(s::municipality_id.eq(municipality.into_uuid()))
        .filter(s::role.eq("coordinator"))
        .filter(s::active.eq(true))
        .order(s::id.asc())
        .select(s::id)
        .load::<Uuid>(conn)?
        .into_iter()
        .map(StaffUserId::from)
        .collect())
}
