//! Imports of volunteers: the record of each file read, and what became of each of its rows.

use crate::{
    error::RepoError, schema::volunteer_import_rows::dsl as r, schema::volunteer_imports::dsl as i,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::ids::MunicipalityId;
use uuid::Uuid;

/// An import as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::volunteer_imports, check_for_backend(Pg))]
pub struct Import {
    /// The municipality.
    pub municipality_id: Uuid,
    /// Its id.
    pub id: Uuid,
    /// SHA-256 of the file, hex.
    pub file_sha256: String,
    /// `dry_run` or `commit`.
    pub mode: String,
    /// `validated` (a dry run), `committed` or `rejected` (all-or-nothing with failed rows).
    pub status: String,
    /// Whether one failed row kept every row out.
    pub all_or_nothing: bool,
    /// The separator found: `;`, `,` or a tab.
    pub separator: String,
    /// Whether the file began with a byte order mark.
    pub bom: bool,
    /// The header row as written.
    pub header: Vec<Option<String>>,
    /// Headers of the columns read past.
    pub ignored_columns: Vec<Option<String>>,
    /// Data rows read.
    pub rows_read: i32,
    /// Rows that make (or made) a volunteer.
    pub created: i32,
    /// Rows that change (or changed) one.
    pub updated: i32,
    /// Rows that match one and change nothing.
    pub skipped: i32,
    /// Rows with errors.
    pub failed: i32,
    /// Who sent the file.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::volunteer_import_rows, check_for_backend(Pg))]
pub struct ImportRow {
    /// The municipality.
    pub municipality_id: Uuid,
    /// The import.
    pub import_id: Uuid,
    /// The line of the file (the header is line 1).
    pub line: i32,
    /// `create`, `update`, `skip` or `error`.
    pub action: String,
    /// The volunteer made, changed or matched.
    pub volunteer_id: Option<Uuid>,
    /// The field errors, as `[{field, code, message}]`.
    pub errors: serde_json::Value,
    /// The row's cells, kept for rows with errors only.
    pub cells: Option<Vec<Option<String>>>,
}

/// The committed import of the file with this hash, if any.
pub fn committed_with_hash(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    sha256: &str,
) -> Result<Option<Import>, RepoError> {
    Ok(i::volunteer_imports
        .filter(i::municipality_id.eq(municipality.into_uuid()))
        .filter(i::file_sha256.eq(sha256))
        .filter(i::status.eq("committed"))
        .select(Import::as_select())
        .first(conn)
        .optional()?)
}

/// Records an import and its rows.
pub fn insert(
    conn: &mut PgConnection,
    import: &Import,
    rows: &[ImportRow],
) -> Result<(), RepoError> {
    diesel::insert_into(i::volunteer_imports)
        .values(import)
        .execute(conn)?;
    for chunk in rows.chunks(2_000) {
        diesel::insert_into(r::volunteer_import_rows)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

/// One import of `municipality` (any, for an administrator's `None`).
pub fn find(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: Uuid,
) -> Result<Import, RepoError> {
    let mut query = i::volunteer_imports.filter(i::id.eq(id)).into_boxed();
    if let Some(m) = municipality {
        query = query.filter(i::municipality_id.eq(m.into_uuid()));
    }
    query
        .select(Import::as_select())
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)
}

/// Rows of an import after line `after`, in line order, at most `limit` (of one `action`, if
/// given).
pub fn rows(
    conn: &mut PgConnection,
    import: &Import,
    action: Option<&str>,
    after: i32,
    limit: i64,
) -> Result<Vec<ImportRow>, RepoError> {
    let mut query = r::volunteer_import_rows
        .filter(r::municipality_id.eq(import.municipality_id))
        .filter(r::import_id.eq(import.id))
        .filter(r::line.gt(after))
        .into_boxed();
    if let Some(action) = action {
        query = query.filter(r::action.eq(action.to_owned()));
    }
    Ok(query
        .order(r::line.asc())
        .limit(limit)
        .select(ImportRow::as_select())
        .load(conn)?)
}

/// Deletes imports made before `before` with their rows; returns how many.
pub fn purge(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::delete(i::volunteer_imports.filter(i::created_at.lt(before))).execute(conn)?)
}
