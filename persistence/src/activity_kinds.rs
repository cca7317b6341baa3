//! A municipality's catalogue of activity kinds: the five defaults every municipality has (they
//! live in the domain, not in the table) and the kinds the municipality adds. A kind that
//! volunteers want or a requirement rule names cannot be deleted.
//!
//! Writers that refer to kinds check them with [`unknown_codes`], which share-locks the rows it
//! finds; [`delete`] takes the row's exclusive lock before it looks for references. Whichever
//! comes second waits for the other's transaction, so a kind cannot vanish under a volunteer who
//! was just given it.

use crate::{
    error::RepoError,
    schema::{
        activity_kinds::{self, dsl as k},
        municipalities::dsl as m,
        placements::dsl as pl,
        requirement_rules::dsl as r,
        volunteers::dsl as v,
    },
};
use diesel::{dsl::exists, pg::Pg, prelude::*};
use samspill_domain::{
    activity::{ActivityKind, DEFAULT_ACTIVITY_KINDS, is_default_kind},
    auth::TenantScope,
    ids::{MunicipalityId, StaffUserId},
    placement::PlacementStatus,
};
use uuid::Uuid;

/// Named in the `Reference` error when volunteers still want the kind to be deleted.
pub const WANTED_BY_VOLUNTEERS: &str = "activity_kinds_wanted_by_volunteers";
/// Named in the `Reference` error when a requirement rule still names the kind to be deleted.
pub const NAMED_BY_RULES: &str = "activity_kinds_named_by_rules";
/// Named in the `Reference` error when a placement that has not ended is for the kind.
pub const USED_BY_PLACEMENTS: &str = "activity_kinds_used_by_placements";
/// Named in the `Reference` error when a need that is not closed asks for the kind.
pub const USED_BY_NEEDS: &str = "activity_kinds_used_by_needs";
/// Named in the `Reference` error when the kind to be deleted is one of the defaults.
pub const DEFAULT_KIND: &str = "activity_kinds_default";

#[derive(Queryable, Selectable)]
#[diesel(table_name = activity_kinds, check_for_backend(Pg))]
struct KindRow {
    id: Uuid,
    code: String,
    name: String,
    description: Option<String>,
}

impl From<KindRow> for ActivityKind {
    fn from(row: KindRow) -> Self {
        Self {
            id: Some(row.id),
            code: row.code,
            name: row.name,
            description: row.description,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = activity_kinds, check_for_backend(Pg))]
struct NewKindRow<'a> {
    id: Uuid,
    municipality_id: Uuid,
    code: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    created_by: Option<Uuid>,
}

/// A kind to add to a municipality's catalogue; its code, name and description are checked by
/// the caller (format, not a default, not a statutory care task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivityKind {
    /// The municipality whose catalogue it joins.
    pub municipality_id: MunicipalityId,
    /// The code volunteers and rules refer to.
    pub code: String,
    /// A display name.
    pub name: String,
    /// What it involves.
    pub description: Option<String>,
    /// Who adds it.
    pub created_by: Option<StaffUserId>,
}

/// `NotFound` unless the municipality exists and the scope sees it.
fn ensure_visible(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
) -> Result<(), RepoError> {
    if !scope.allows(municipality) {
        return Err(RepoError::NotFound);
    }
    let found: bool = diesel::select(exists(
        m::municipalities.filter(m::id.eq(municipality.into_uuid())),
    ))
    .get_result(conn)?;
    if found {
        Ok(())
    } else {
        Err(RepoError::NotFound)
    }
}

/// The defaults as catalogue entries, in their fixed order.
fn defaults() -> impl Iterator<Item = ActivityKind> {
    DEFAULT_ACTIVITY_KINDS
        .iter()
        .map(|(code, name)| ActivityKind {
            id: None,
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            description: None,
        })
}

/// The municipality's catalogue: the five defaults first, then its own kinds in code order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
) -> Result<Vec<ActivityKind>, RepoError> {
    ensure_visible(conn, scope, municipality)?;
    let own = k::activity_kinds
        .filter(k::municipality_id.eq(municipality.into_uuid()))
        .order((k::code.asc(), k::id.asc()))
        .select(KindRow::as_select())
        .load(conn)?;
    Ok(defaults()
        .chain(own.into_iter().map(ActivityKind::from))
        .collect())
}

/// Adds a kind to a municipality's catalogue the scope sees. A code the municipality already
/// has is a `Duplicate` on `activity_kinds_code_key`.
pub fn insert(
    conn: &mut PgConnection,
    scope: TenantScope,
    new: &NewActivityKind,
) -> Result<ActivityKind, RepoError> {
    conn.transaction(|conn| {
        ensure_visible(conn, scope, new.municipality_id)?;
        let row = diesel::insert_into(activity_kinds::table)
            .values(NewKindRow {
                id: Uuid::now_v7(),
                municipality_id: new.municipality_id.into_uuid(),
                code: &new.code,
                name: &new.name,
                description: new.description.as_deref(),
                created_by: new.created_by.map(StaffUserId::into_uuid),
            })
            .returning(KindRow::as_returning())
            .get_result(conn)?;
        Ok(ActivityKind::from(row))
    })
}

/// Deletes one of the municipality's own kinds. A default is refused (`Reference` on
/// [`DEFAULT_KIND`]), as is a kind any non-erased volunteer of the municipality wants
/// ([`WANTED_BY_VOLUNTEERS`]), a requirement rule names ([`NAMED_BY_RULES`]) or a placement
/// that has not ended is for ([`USED_BY_PLACEMENTS`]), or a need that is not closed asks for
/// ([`USED_BY_NEEDS`]).
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
    code: &str,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        ensure_visible(conn, scope, municipality)?;
        if is_default_kind(code) {
            return Err(RepoError::Reference {
                constraint: DEFAULT_KIND.to_owned(),
            });
        }
        let id: Uuid = k::activity_kinds
            .filter(k::municipality_id.eq(municipality.into_uuid()))
            .filter(k::code.eq(code))
            .select(k::id)
            .for_update()
            .first(conn)?;
        let wanted: bool = diesel::select(exists(
            v::volunteers
                .filter(v::municipality_id.eq(municipality.into_uuid()))
                .filter(v::erased_at.is_null())
                .filter(v::activity_kinds.contains(vec![Some(code.to_owned())])),
        ))
        .get_result(conn)?;
        if wanted {
            return Err(RepoError::Reference {
                constraint: WANTED_BY_VOLUNTEERS.to_owned(),
            });
        }
        let named: bool = diesel::select(exists(
            r::requirement_rules
                .filter(r::municipality_id.eq(municipality.into_uuid()))
                .filter(r::activity_kind.eq(code)),
        ))
        .get_result(conn)?;
        if named {
            return Err(RepoError::Reference {
                constraint: NAMED_BY_RULES.to_owned(),
            });
        }
        let placed: bool = diesel::select(exists(
            pl::placements
                .filter(pl::municipality_id.eq(municipality.into_uuid()))
                .filter(pl::activity_kind.eq(code))
                .filter(pl::status.ne(PlacementStatus::Ended.as_str())),
        ))
        .get_result(conn)?;
        if placed {
            return Err(RepoError::Reference {
                constraint: USED_BY_PLACEMENTS.to_owned(),
            });
        }
        if crate::needs::kind_in_use(conn, municipality, code)? {
            return Err(RepoError::Reference {
                constraint: USED_BY_NEEDS.to_owned(),
            });
        }
        diesel::delete(k::activity_kinds.filter(k::id.eq(id))).execute(conn)?;
        Ok(())
    })
}

/// The codes among `codes` that are neither defaults nor kinds of the municipality, each once,
/// in the order given. The caller has checked that it may act for the municipality. The kinds
/// found stay share-locked until the caller's transaction ends, so that they cannot be deleted
/// before what refers to them is stored.
pub fn unknown_codes(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    codes: &[String],
) -> Result<Vec<String>, RepoError> {
    let mut candidates: Vec<&String> = Vec::new();
    for code in codes {
        if !is_default_kind(code) && !candidates.contains(&code) {
            candidates.push(code);
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let known: Vec<String> = k::activity_kinds
        .filter(k::municipality_id.eq(municipality.into_uuid()))
        .filter(k::code.eq_any(&candidates))
        .select(k::code)
        .for_share()
        .load(conn)?;
    Ok(candidates
        .into_iter()
        .filter(|code| !known.contains(code))
        .cloned()
        .collect())
}
