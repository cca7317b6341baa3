//! Visiting dogs (besøkshunder) and their dated approvals. A dog belongs to its handler's
//! municipality. Coordinators see their municipality's dogs; contact persons only the dogs
//! whose handler is assigned to them.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        contact_persons::dsl as c,
        dog_approvals::{self, dsl as a},
        dogs::{self, dsl as d},
        volunteers::dsl as v,
    },
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    ParseError,
    auth::Audience,
    auth::TenantScope,
    dog::{Breed, Dog, DogApproval, DogCategory, DogName},
    ids::{DogId, MunicipalityId, StaffUserId, VolunteerId},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = dogs, check_for_backend(Pg))]
pub(crate) struct DogRow {
    id: Uuid,
    municipality_id: Uuid,
    handler_id: Uuid,
    name: String,
    breed: String,
    birth_date: NaiveDate,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DogRow> for Dog {
    fn from(row: DogRow) -> Self {
        Dog {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            handler_id: row.handler_id.into(),
            name: row.name,
            breed: row.breed,
            birth_date: row.birth_date,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A dog to record; its municipality is its handler's.
#[derive(Debug, Clone)]
pub struct NewDog {
    /// The volunteer who handles it.
    pub handler_id: VolunteerId,
    /// Its name.
    pub name: DogName,
    /// Its breed.
    pub breed: Breed,
    /// Its birth date (checked by the caller).
    pub birth_date: NaiveDate,
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct DogChanges {
    /// A new name.
    pub name: Option<DogName>,
    /// A new breed.
    pub breed: Option<Breed>,
    /// A corrected birth date.
    pub birth_date: Option<NaiveDate>,
    /// A new handler, of the dog's municipality. Earlier approvals keep the handler they were
    /// made with.
    pub handler_id: Option<VolunteerId>,
}

/// Filters for listing dogs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DogFilter {
    /// Only dogs of this municipality (administrators may ask for one).
    pub municipality_id: Option<MunicipalityId>,
    /// Only dogs of this handler.
    pub handler_id: Option<VolunteerId>,
}

/// The dogs `scope` and `audience` may see: a contact person's are the dogs whose handler is
/// assigned to them (and not erased).
fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<dogs::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<dogs::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(d::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::dogs(account))),
        Audience::AssignedTo(account) => Box::new(
            tenant.and(
                d::handler_id.eq_any(
                    v::volunteers
                        .filter(v::erased_at.is_null())
                        .filter(
                            v::contact_person_id
                                .eq_any(
                                    c::contact_persons
                                        .filter(c::staff_user_id.eq(account.into_uuid()))
                                        .select(c::id.nullable()),
                                )
                                .assume_not_null(),
                        )
                        .select(v::id),
                ),
            ),
        ),
        Audience::Own(account) => Box::new(
            tenant.and(
                d::handler_id.eq_any(
                    v::volunteers
                        .filter(v::erased_at.is_null())
                        .filter(v::staff_user_id.eq(account.into_uuid()))
                        .select(v::id),
                ),
            ),
        ),
    }
}

/// The handler field error: no such volunteer where the dog belongs.
fn no_such_handler() -> RepoError {
    RepoError::invalid(
        "handler_id",
        ParseError::new("not_found", "no volunteer with this id in the municipality"),
    )
}

/// The municipality of a volunteer who may become a handler: visible in `scope` and not
/// erased. The row is share-locked so that it cannot be erased before the write commits.
fn handler_municipality(
    conn: &mut PgConnection,
    scope: TenantScope,
    handler: VolunteerId,
) -> Result<MunicipalityId, RepoError> {
    let tenant: Box<dyn BoxableExpression<v::volunteers, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(v::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match v::volunteers
        .filter(v::id.eq(handler.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(tenant)
        .select(v::municipality_id)
        .for_share()
        .first::<Uuid>(conn)
    {
        Ok(municipality) => Ok(municipality.into()),
        Err(diesel::result::Error::NotFound) => Err(no_such_handler()),
        Err(other) => Err(other.into()),
    }
}

/// A handler outside the dog's municipality is a field error, however it got past the check.
fn handler_fields(error: diesel::result::Error) -> RepoError {
    match RepoError::from(error) {
        RepoError::Reference { constraint } if constraint == "dogs_handler_fkey" => {
            no_such_handler()
        }
        other => other,
    }
}

/// Records a dog for a handler the scope sees; the dog belongs to the handler's municipality.
/// A handler not visible in the scope (or erased) is `Invalid` on `handler_id`.
pub fn insert(conn: &mut PgConnection, scope: TenantScope, new: &NewDog) -> Result<Dog, RepoError> {
    conn.transaction(|conn| {
        let municipality = handler_municipality(conn, scope, new.handler_id)?;
        Ok(diesel::insert_into(dogs::table)
            .values((
                d::id.eq(DogId::generate().into_uuid()),
                d::municipality_id.eq(municipality.into_uuid()),
                d::handler_id.eq(new.handler_id.into_uuid()),
                d::name.eq(new.name.as_str()),
                d::breed.eq(new.breed.as_str()),
                d::birth_date.eq(new.birth_date),
            ))
            .returning(DogRow::as_returning())
            .get_result(conn)
            .map_err(handler_fields)?
            .into())
    })
}

/// A page of the dogs the scope and audience see, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: DogFilter,
    page: PageRequest,
) -> Result<Page<Dog>, RepoError> {
    let mut query = d::dogs.into_boxed().filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(d::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(handler) = filter.handler_id {
        query = query.filter(d::handler_id.eq(handler.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(d::id.gt(after));
    }
    let rows = query
        .order(d::id.asc())
        .limit(page.limit + 1)
        .select(DogRow::as_select())
        .load(conn)?;
    let found = Page::from_rows(rows, page.limit, |r| r.id);
    Ok(Page {
        items: found.items.into_iter().map(Dog::from).collect(),
        next_after: found.next_after,
    })
}

/// One dog, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: DogId,
) -> Result<Dog, RepoError> {
    Ok(d::dogs
        .filter(visible(scope, audience))
        .filter(d::id.eq(id.into_uuid()))
        .select(DogRow::as_select())
        .first::<DogRow>(conn)?
        .into())
}

fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: DogId,
) -> Result<Dog, RepoError> {
    Ok(d::dogs
        .filter(visible(scope, audience))
        .filter(d::id.eq(id.into_uuid()))
        .select(DogRow::as_select())
        .for_update()
        .first::<DogRow>(conn)?
        .into())
}

/// Changes a dog `audience` manages under the row lock. A new handler must be a volunteer of the dog's
/// municipality (`Invalid` on `handler_id` otherwise). Nothing is written when nothing changes.
pub fn update(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: DogId,
    expected_version: Option<i32>,
    changes: &DogChanges,
) -> Result<Dog, RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, audience, id)?;
        let name = changes
            .name
            .as_ref()
            .map_or(current.name.as_str(), DogName::as_str);
        let breed = changes
            .breed
            .as_ref()
            .map_or(current.breed.as_str(), Breed::as_str);
        let birth_date = changes.birth_date.unwrap_or(current.birth_date);
        let handler = changes.handler_id.unwrap_or(current.handler_id);
        if handler != current.handler_id {
            handler_municipality(
                conn,
                TenantScope::Municipality(current.municipality_id),
                handler,
            )?;
        }
        // The change is judged before its If-Match: an invalid one is a 422 whatever version.
        check_version(current.version, expected_version)?;
        if name == current.name
            && breed == current.breed
            && birth_date == current.birth_date
            && handler == current.handler_id
        {
            return Ok(current);
        }
        Ok(diesel::update(d::dogs.filter(d::id.eq(id.into_uuid())))
            .set((
                d::name.eq(name),
                d::breed.eq(breed),
                d::birth_date.eq(birth_date),
                d::handler_id.eq(handler.into_uuid()),
                d::version.eq(d::version + 1),
            ))
            .returning(DogRow::as_returning())
            .get_result(conn)
            .map_err(handler_fields)?
            .into())
    })
}

/// Deletes a dog `audience` manages and its approvals; refused (`Reference` on
/// [`crate::placements::DOG_USED_BY_PLACEMENTS`]) while a placement that has not ended brings it.
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: DogId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, audience, id)?;
        check_version(current.version, expected_version)?;
        if crate::placements::dog_in_use(conn, id, current.municipality_id)? {
            return Err(RepoError::Reference {
                constraint: crate::placements::DOG_USED_BY_PLACEMENTS.to_owned(),
            });
        }
        diesel::delete(d::dogs.filter(d::id.eq(id.into_uuid()))).execute(conn)?;
        Ok(())
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = dog_approvals, check_for_backend(Pg))]
pub(crate) struct ApprovalRow {
    id: Uuid,
    dog_id: Uuid,
    handler_id: Uuid,
    programme: String,
    categories: Vec<Option<String>>,
    assessed_on: NaiveDate,
    assessor: String,
    vet_checked_on: NaiveDate,
    vaccinations_valid_until: NaiveDate,
    insurance_valid_until: NaiveDate,
    valid_until: NaiveDate,
    restrictions: Option<String>,
    recorded_by: Uuid,
    created_at: DateTime<Utc>,
}

impl TryFrom<ApprovalRow> for DogApproval {
    type Error = RepoError;

    fn try_from(row: ApprovalRow) -> Result<Self, RepoError> {
        Ok(DogApproval {
            id: row.id,
            dog_id: row.dog_id.into(),
            handler_id: row.handler_id.into(),
            programme: row.programme,
            categories: row
                .categories
                .into_iter()
                .flatten()
                .map(|category| category.parse().map_err(|e| corrupt("dog category", e)))
                .collect::<Result<_, _>>()?,
            assessed_on: row.assessed_on,
            assessor: row.assessor,
            vet_checked_on: row.vet_checked_on,
            vaccinations_valid_until: row.vaccinations_valid_until,
            insurance_valid_until: row.insurance_valid_until,
            valid_until: row.valid_until,
            restrictions: row.restrictions,
            recorded_by: row.recorded_by.into(),
            created_at: row.created_at,
        })
    }
}

/// An approval of a dog team to record (checked by the caller: categories non-empty and
/// distinct, `valid_until` not before `assessed_on`).
#[derive(Debug, Clone)]
pub struct NewDogApproval {
    /// The programme that assessed the team.
    pub programme: String,
    /// What the team may do.
    pub categories: Vec<DogCategory>,
    /// When the team was assessed.
    pub assessed_on: NaiveDate,
    /// Who assessed it.
    pub assessor: String,
    /// The date of the vet's health check.
    pub vet_checked_on: NaiveDate,
    /// Until when the core vaccinations are valid.
    pub vaccinations_valid_until: NaiveDate,
    /// Until when the liability insurance runs.
    pub insurance_valid_until: NaiveDate,
    /// The approval's own last day.
    pub valid_until: NaiveDate,
    /// Limits set by the assessor.
    pub restrictions: Option<String>,
}

/// Records an approval of `dog` with its handler as stored now (read under a share lock, so
/// that a handler changed since the dog was found is the one recorded).
pub fn add_approval(
    conn: &mut PgConnection,
    dog: &Dog,
    new: &NewDogApproval,
    recorded_by: StaffUserId,
) -> Result<DogApproval, RepoError> {
    conn.transaction(|conn| {
        let handler: Uuid = d::dogs
            .filter(d::id.eq(dog.id.into_uuid()))
            .select(d::handler_id)
            .for_share()
            .first(conn)?;
        diesel::insert_into(dog_approvals::table)
            .values((
                a::id.eq(Uuid::now_v7()),
                a::dog_id.eq(dog.id.into_uuid()),
                a::handler_id.eq(handler),
                a::programme.eq(&new.programme),
                a::categories.eq(new
                    .categories
                    .iter()
                    .map(|c| Some(c.as_str().to_owned()))
                    .collect::<Vec<_>>()),
                a::assessed_on.eq(new.assessed_on),
                a::assessor.eq(&new.assessor),
                a::vet_checked_on.eq(new.vet_checked_on),
                a::vaccinations_valid_until.eq(new.vaccinations_valid_until),
                a::insurance_valid_until.eq(new.insurance_valid_until),
                a::valid_until.eq(new.valid_until),
                a::restrictions.eq(&new.restrictions),
                a::recorded_by.eq(recorded_by.into_uuid()),
            ))
            .returning(ApprovalRow::as_returning())
            .get_result(conn)?
            .try_into()
    })
}

/// The approvals of a dog, latest assessment first.
pub fn approvals(conn: &mut PgConnection, dog: &Dog) -> Result<Vec<DogApproval>, RepoError> {
    a::dog_approvals
        .filter(a::dog_id.eq(dog.id.into_uuid()))
        .order((a::assessed_on.desc(), a::id.desc()))
        .select(ApprovalRow::as_select())
        .load(conn)?
        .into_iter()
        .map(DogApproval::try_from)
        .collect()
}
