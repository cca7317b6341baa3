//! People visited in their own homes, data-minimised (see `samspill_domain::recipient`).

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::recipients::{self, dsl as r},
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    ids::{MunicipalityId, RecipientId, UnitId},
    recipient::{Consent, Recipient},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = recipients, check_for_backend(Pg))]
struct RecipientRow {
    municipality_id: Uuid,
    id: Uuid,
    display_name: String,
    address: String,
    contact_phone: Option<String>,
    responsible_unit_id: Uuid,
    consent_given_by: String,
    consent_representative: Option<String>,
    consent_given_on: NaiveDate,
    consent_recorded_by: Uuid,
    active: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<RecipientRow> for Recipient {
    type Error = RepoError;

    fn try_from(row: RecipientRow) -> Result<Self, RepoError> {
        Ok(Recipient {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            display_name: row.display_name,
            address: row.address,
            contact_phone: row.contact_phone,
            responsible_unit_id: row.responsible_unit_id.into(),
            consent: Consent {
                given_by: row
                    .consent_given_by
                    .parse()
                    .map_err(|e| corrupt("consent giver", e))?,
                representative: row.consent_representative,
                given_on: row.consent_given_on,
                recorded_by: row.consent_recorded_by.into(),
            },
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A person to record (values checked by the caller).
#[derive(Debug, Clone)]
pub struct NewRecipient {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The name to address them by.
    pub display_name: String,
    /// Where the visits take place.
    pub address: String,
    /// A phone number in E.164.
    pub contact_phone: Option<String>,
    /// The unit that answers for them (of the same municipality).
    pub responsible_unit_id: UnitId,
    /// Their consent.
    pub consent: Consent,
}

/// What an update changes; `None` keeps, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct RecipientChanges {
    /// A new name.
    pub display_name: Option<String>,
    /// A new address.
    pub address: Option<String>,
    /// A new phone number, or none.
    pub contact_phone: Option<Option<String>>,
    /// Another responsible unit.
    pub responsible_unit_id: Option<UnitId>,
    /// A new consent record (who, when; the recorder is the caller).
    pub consent: Option<Consent>,
    /// Whether visits may still be placed.
    pub active: Option<bool>,
}

/// Filters for the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecipientFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only those this unit answers for.
    pub responsible_unit_id: Option<UnitId>,
    /// Only active (or inactive) ones.
    pub active: Option<bool>,
}

fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<recipients::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(r::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// A unit outside the municipality is a field error.
fn reference_fields(error: diesel::result::Error) -> RepoError {
    match RepoError::from(error) {
        RepoError::Reference { constraint } if constraint == "recipients_responsible_unit_fkey" => {
            RepoError::invalid(
                "responsible_unit_id",
                ParseError::new("not_found", "no unit with this id in the municipality"),
            )
        }
        other => other,
    }
}

/// Records a person visited at home.
pub fn insert(conn: &mut PgConnection, new: &NewRecipient) -> Result<Recipient, RepoError> {
    diesel::insert_into(recipients::table)
        .values((
            r::municipality_id.eq(new.municipality_id.into_uuid()),
            r::id.eq(RecipientId::generate().into_uuid()),
            r::display_name.eq(&new.display_name),
            r::address.eq(&new.address),
            r::contact_phone.eq(new.contact_phone.as_deref()),
            r::responsible_unit_id.eq(new.responsible_unit_id.into_uuid()),
            r::consent_given_by.eq(new.consent.given_by.as_str()),
            r::consent_representative.eq(new.consent.representative.as_deref()),
            r::consent_given_on.eq(new.consent.given_on),
            r::consent_recorded_by.eq(new.consent.recorded_by.into_uuid()),
        ))
        .returning(RecipientRow::as_returning())
        .get_result::<RecipientRow>(conn)
        .map_err(reference_fields)?
        .try_into()
        .and_then(|created: Recipient| {
            record_visit_consent(conn, &created)?;
            Ok(created)
        })
}

/// Writes the recipient's consent to visits to the consents, where its withdrawal is
/// recorded, unless one is in force already.
fn record_visit_consent(conn: &mut PgConnection, recipient: &Recipient) -> Result<(), RepoError> {
    use crate::schema::consents::dsl as c;
    use samspill_domain::{consent::ConsentPurpose, recipient::ConsentGiver};
    let given_by = match recipient.consent.given_by {
        ConsentGiver::Recipient => "self",
        ConsentGiver::Representative => "representative",
    };
    diesel::insert_into(c::consents)
        .values((
            c::municipality_id.eq(recipient.municipality_id.into_uuid()),
            c::id.eq(Uuid::now_v7()),
            c::recipient_id.eq(recipient.id.into_uuid()),
            c::purpose.eq(ConsentPurpose::HomeVisits.as_str()),
            c::text_version.eq("recorded"),
            c::given_on.eq(recipient.consent.given_on),
            c::given_by.eq(given_by),
            c::representative.eq(recipient.consent.representative.as_deref()),
            c::recorded_by.eq(recipient.consent.recorded_by.into_uuid()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Whether the recipient's consent to visits is in force.
fn visit_consent_in_force(
    conn: &mut PgConnection,
    recipient: &Recipient,
) -> Result<bool, RepoError> {
    use crate::schema::consents::dsl as c;
    use samspill_domain::consent::ConsentPurpose;
    Ok(diesel::select(diesel::dsl::exists(
        c::consents
            .filter(c::municipality_id.eq(recipient.municipality_id.into_uuid()))
            .filter(c::recipient_id.eq(recipient.id.into_uuid()))
            .filter(c::purpose.eq(ConsentPurpose::HomeVisits.as_str()))
            .filter(c::withdrawn_on.is_null()),
    ))
    .get_result(conn)?)
}

/// One person, if the scope sees them.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RecipientId,
) -> Result<Recipient, RepoError> {
    r::recipients
        .filter(visible(scope))
        .filter(r::id.eq(id.into_uuid()))
        .select(RecipientRow::as_select())
        .first::<RecipientRow>(conn)?
        .try_into()
}

/// The people `audience` sees among those of its scope: a coordinator limited to care districts
/// those a unit of theirs is responsible for.
fn seen_by(
    audience: Audience,
) -> Box<dyn BoxableExpression<recipients::table, Pg, SqlType = Bool>> {
    match audience {
        Audience::Coordinator(account) => Box::new(districts::recipients(account)),
        _ => Box::new(true.into_sql::<Bool>()),
    }
}

/// One person, if the scope and `audience` see them.
pub fn find_seen(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: RecipientId,
) -> Result<Recipient, RepoError> {
    r::recipients
        .filter(visible(scope))
        .filter(seen_by(audience))
        .filter(r::id.eq(id.into_uuid()))
        .select(RecipientRow::as_select())
        .first::<RecipientRow>(conn)?
        .try_into()
}

/// A page of the people the scope and `audience` see, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: RecipientFilter,
    page: PageRequest,
) -> Result<Page<Recipient>, RepoError> {
    let mut query = r::recipients
        .into_boxed()
        .filter(visible(scope))
        .filter(seen_by(audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(r::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(unit) = filter.responsible_unit_id {
        query = query.filter(r::responsible_unit_id.eq(unit.into_uuid()));
    }
    if let Some(active) = filter.active {
        query = query.filter(r::active.eq(active));
    }
    if let Some(after) = page.after {
        query = query.filter(r::id.gt(after));
    }
    let rows = query
        .order(r::id.asc())
        .limit(page.limit + 1)
        .select(RecipientRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Recipient::try_from)
}

/// Changes a person under the row lock; nothing is written when nothing changes.
pub fn update(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RecipientId,
    expected_version: Option<i32>,
    changes: &RecipientChanges,
) -> Result<Recipient, RepoError> {
    conn.transaction(|conn| {
        let current: Recipient = r::recipients
            .filter(visible(scope))
            .filter(r::id.eq(id.into_uuid()))
            .select(RecipientRow::as_select())
            .for_update()
            .first::<RecipientRow>(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        let mut next = current.clone();
        if let Some(name) = &changes.display_name {
            next.display_name.clone_from(name);
        }
        if let Some(address) = &changes.address {
            next.address.clone_from(address);
        }
        if let Some(phone) = &changes.contact_phone {
            next.contact_phone.clone_from(phone);
        }
        if let Some(unit) = changes.responsible_unit_id {
            next.responsible_unit_id = unit;
        }
        if let Some(consent) = &changes.consent {
            next.consent = consent.clone();
        }
        if let Some(active) = changes.active {
            next.active = active;
        }
        if next == current {
            return Ok(current);
        }
        if next.consent != current.consent {
            record_visit_consent(conn, &next)?;
        }
        // Visits are placed again only with a consent in force: one withdrawn is given anew
        // first.
        if next.active && !current.active && !visit_consent_in_force(conn, &next)? {
            return Err(RepoError::Invalid(vec![(
                "active".to_owned(),
                samspill_domain::ParseError::new(
                    "consent_withdrawn",
                    "the consent to visits was withdrawn: record it again (consent_given_by, consent_given_on) to make them active",
                ),
            )]));
        }
        diesel::update(
            r::recipients
                .filter(r::municipality_id.eq(current.municipality_id.into_uuid()))
                .filter(r::id.eq(id.into_uuid())),
        )
        .set((
            r::display_name.eq(&next.display_name),
            r::address.eq(&next.address),
            r::contact_phone.eq(next.contact_phone.as_deref()),
            r::responsible_unit_id.eq(next.responsible_unit_id.into_uuid()),
            r::consent_given_by.eq(next.consent.given_by.as_str()),
            r::consent_representative.eq(next.consent.representative.as_deref()),
            r::consent_given_on.eq(next.consent.given_on),
            r::consent_recorded_by.eq(next.consent.recorded_by.into_uuid()),
            r::active.eq(next.active),
            r::version.eq(r::version + 1),
        ))
        .returning(RecipientRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()
    })
}

/// Erases a person visited at home: their placements end (planned visits cancelled) and lose
/// what was written about them; the record keeps its id, municipality, unit and the dates of
/// the consent, with the name, address, phone and a representative's name replaced or removed,
/// and no longer accepts visits.
pub fn erase(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RecipientId,
    expected_version: Option<i32>,
    actor: samspill_domain::ids::StaffUserId,
) -> Result<(), RepoError> {
    use samspill_domain::erasure::{ERASED, ERASURE_REASON};
    conn.transaction(|conn| {
        let current: Recipient = r::recipients
            .filter(visible(scope))
            .filter(r::id.eq(id.into_uuid()))
            .select(RecipientRow::as_select())
            .for_update()
            .first::<RecipientRow>(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        crate::placements::end_for_recipient_erasure(
            conn,
            current.municipality_id,
            id,
            actor,
            (ERASED, ERASURE_REASON),
        )?;
        crate::needs::close_for_recipient_erasure(conn, current.municipality_id, id)?;
        crate::follow_ups::erase_for(
            conn,
            current.municipality_id,
            samspill_domain::follow_up::FollowUpSubject::Recipient(id),
        )?;
        crate::time_entries::forget_texts_of_recipient(conn, current.municipality_id, id, ERASED)?;
        // Kept answers that name the person (their record, follow-ups about them) go too.
        crate::idempotency::forget_mentions(conn, &id.to_string())?;
        diesel::update(
            r::recipients
                .filter(r::municipality_id.eq(current.municipality_id.into_uuid()))
                .filter(r::id.eq(id.into_uuid())),
        )
        .set((
            r::display_name.eq(ERASED),
            r::address.eq(ERASED),
            r::contact_phone.eq(None::<String>),
            r::consent_representative.eq(current.consent.representative.as_ref().map(|_| ERASED)),
            r::active.eq(false),
            r::version.eq(r::version + 1),
        ))
        .execute(conn)?;
        crate::consents::forget_representatives(
            conn,
            current.municipality_id,
            crate::consents::ConsentSubject::Recipient(id),
            ERASED,
        )?;
        Ok(())
    })
}
