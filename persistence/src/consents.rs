//! Consents: given, listed and withdrawn. A withdrawal is the only change a consent takes, and
//! it happens in one transaction with what it stops (see the use case).

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::consents::dsl as c,
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    consent::{ConsentBy, ConsentPurpose},
    ids::{MunicipalityId, RecipientId, StaffUserId, VolunteerId},
};
use uuid::Uuid;

/// Whose consent it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSubject {
    /// A volunteer's.
    Volunteer(VolunteerId),
    /// A person visited at home's.
    Recipient(RecipientId),
}

/// A consent as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Whose it is.
    pub subject: ConsentSubject,
    /// What for.
    pub purpose: ConsentPurpose,
    /// The version of the text agreed to.
    pub text_version: String,
    /// When it was given.
    pub given_on: NaiveDate,
    /// By the person or a representative.
    pub given_by: ConsentBy,
    /// The representative's name, when one gave it.
    pub representative: Option<String>,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When it was withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// By whom it was withdrawn.
    pub withdrawn_by: Option<ConsentBy>,
    /// Who recorded the withdrawal.
    pub withdrawal_recorded_by: Option<Uuid>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Recorded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::consents, check_for_backend(Pg))]
struct ConsentRow {
    municipality_id: Uuid,
    id: Uuid,
    volunteer_id: Option<Uuid>,
    recipient_id: Option<Uuid>,
    purpose: String,
    text_version: String,
    given_on: NaiveDate,
    given_by: String,
    representative: Option<String>,
    recorded_by: Uuid,
    withdrawn_on: Option<NaiveDate>,
    withdrawn_by: Option<String>,
    withdrawal_recorded_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ConsentRow> for Consent {
    type Error = RepoError;

    fn try_from(row: ConsentRow) -> Result<Self, RepoError> {
        let subject = match (row.volunteer_id, row.recipient_id) {
            (Some(v), None) => ConsentSubject::Volunteer(v.into()),
            (None, Some(r)) => ConsentSubject::Recipient(r.into()),
            _ => return Err(corrupt("consent subject", "not exactly one")),
        };
        Ok(Consent {
            id: row.id,
            municipality_id: row.municipality_id.into(),
            subject,
            purpose: row.purpose.parse().map_err(|e| corrupt("purpose", e))?,
            text_version: row.text_version,
            given_on: row.given_on,
            given_by: row.given_by.parse().map_err(|e| corrupt("given by", e))?,
            representative: row.representative,
            recorded_by: row.recorded_by,
            withdrawn_on: row.withdrawn_on,
            withdrawn_by: row
                .withdrawn_by
                .map(|w| w.parse().map_err(|e| corrupt("withdrawn by", e)))
                .transpose()?,
            withdrawal_recorded_by: row.withdrawal_recorded_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    /// Whose.
    pub subject: ConsentSubject,
    /// What for.
    pub purpose: ConsentPurpose,
    /// The version of the text.
    pub text_version: String,
    /// When given.
    pub given_on: NaiveDate,
    /// By whom.
    pub given_by: ConsentBy,
    /// The representative, when one gave it.
    pub representative: Option<String>,
}

fn subject_ids(subject: ConsentSubject) -> (Option<Uuid>, Option<Uuid>) {
    match subject {
        ConsentSubject::Volunteer(v) => (Some(v.into_uuid()), None),
        ConsentSubject::Recipient(r) => (None, Some(r.into_uuid())),
    }
}

/// Records a consent (its subject found and checked by the caller). A consent for the same
/// purpose still in force is a `Duplicate` on `consents_*_in_force_key`.
pub fn give(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    consent: &NewConsent,
    by: StaffUserId,
) -> Result<Consent, RepoError> {
    let (volunteer, recipient) = subject_ids(consent.subject);
    diesel::insert_into(c::consents)
        .values((
            c::municipality_id.eq(municipality.into_uuid()),
            c::id.eq(Uuid::now_v7()),
            c::volunteer_id.eq(volunteer),
            c::recipient_id.eq(recipient),
            c::purpose.eq(consent.purpose.as_str()),
            c::text_version.eq(&consent.text_version),
            c::given_on.eq(consent.given_on),
            c::given_by.eq(consent.given_by.as_str()),
            c::representative.eq(consent.representative.as_deref()),
            c::recorded_by.eq(by.into_uuid()),
        ))
        .returning(ConsentRow::as_returning())
        .get_result::<ConsentRow>(conn)?
        .try_into()
}

/// One consent of the municipality, locked for a change.
pub fn locked(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: Uuid,
) -> Result<Consent, RepoError> {
    c::consents
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::id.eq(id))
        .select(ConsentRow::as_select())
        .for_update()
        .first::<ConsentRow>(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?
        .try_into()
}

/// One consent of the municipality.
pub fn find(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: Uuid,
) -> Result<Consent, RepoError> {
    c::consents
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::id.eq(id))
        .select(ConsentRow::as_select())
        .first::<ConsentRow>(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?
        .try_into()
}

/// Records the withdrawal of a consent locked by the caller, at `expected_version`.
pub fn withdraw(
    conn: &mut PgConnection,
    current: &Consent,
    expected_version: Option<i32>,
    withdrawn_on: NaiveDate,
    withdrawn_by: ConsentBy,
    by: StaffUserId,
) -> Result<Consent, RepoError> {
    check_version(current.version, expected_version)?;
    diesel::update(
        c::consents
            .filter(c::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(c::id.eq(current.id)),
    )
    .set((
        c::withdrawn_on.eq(withdrawn_on),
        c::withdrawn_by.eq(withdrawn_by.as_str()),
        c::withdrawal_recorded_by.eq(by.into_uuid()),
        c::version.eq(c::version + 1),
    ))
    .returning(ConsentRow::as_returning())
    .get_result::<ConsentRow>(conn)?
    .try_into()
}

/// A page of a person's consents, withdrawn ones included, in id order.
pub fn of_subject(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: ConsentSubject,
    page: PageRequest,
) -> Result<Page<Consent>, RepoError> {
    let mut query = c::consents
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .into_boxed();
    query = match subject {
        ConsentSubject::Volunteer(v) => query.filter(c::volunteer_id.eq(v.into_uuid())),
        ConsentSubject::Recipient(r) => query.filter(c::recipient_id.eq(r.into_uuid())),
    };
    if let Some(after) = page.after {
        query = query.filter(c::id.gt(after));
    }
    let rows: Vec<ConsentRow> = query
        .order(c::id.asc())
        .limit(page.limit + 1)
        .select(ConsentRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Consent::try_from)
}

/// Of `volunteers`, those with a consent for `purpose` in force.
pub fn in_force_among(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    purpose: ConsentPurpose,
    volunteers: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    Ok(c::consents
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::purpose.eq(purpose.as_str()))
        .filter(c::withdrawn_on.is_null())
        .filter(c::volunteer_id.eq_any(volunteers))
        .select(c::volunteer_id.assume_not_null())
        .load(conn)?)
}

/// One consent of any municipality (for administrators, whose access is checked after).
pub fn find_any(conn: &mut PgConnection, id: Uuid) -> Result<Consent, RepoError> {
    c::consents
        .filter(c::id.eq(id))
        .select(ConsentRow::as_select())
        .first::<ConsentRow>(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?
        .try_into()
}

/// Replaces the names of representatives in the consents of `subject` by `erased` (an
/// erasure: the consents and their dates stay).
pub fn forget_representatives(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: ConsentSubject,
    erased: &str,
) -> Result<(), RepoError> {
    let base = c::consents
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::representative.is_not_null());
    match subject {
        ConsentSubject::Volunteer(v) => {
            diesel::update(base.filter(c::volunteer_id.eq(v.into_uuid())))
                .set(c::representative.eq(erased))
                .execute(conn)?;
        }
        ConsentSubject::Recipient(r) => {
            diesel::update(base.filter(c::recipient_id.eq(r.into_uuid())))
                .set(c::representative.eq(erased))
                .execute(conn)?;
        }
    }
    Ok(())
}
