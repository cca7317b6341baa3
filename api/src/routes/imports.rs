//! Importing volunteers from a spreadsheet (CSV): a dry run that reports each row, a commit
//! that writes the valid ones, and the failed rows back as CSV to fix and send again.

use crate::{
    access::managed_municipality,
    auth::StaffCaller,
    cases::imports::{self, ImportMode, Upload},
    error::{ApiError, FieldError},
    extract::Query,
    pagination::{CursorList, decode_key, encode_key},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use samspill_persistence::imports::{Import, ImportRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How the file is imported.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `dry_run` checks every row and writes nothing; `commit` writes.
    #[param(inline)]
    pub mode: ImportMode,
    /// Required for administrators; others import into their own municipality.
    pub municipality_id: Option<Uuid>,
}

/// Counts of what an import's rows do (or did).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCounts {
    /// Data rows read (empty lines left out).
    pub rows: i32,
    /// Rows that make a new volunteer.
    pub create: i32,
    /// Rows that change a volunteer with the same email or external reference.
    pub update: i32,
    /// Rows that match a volunteer and change nothing.
    pub skip: i32,
    /// Rows with errors (see `GET /imports/{id}/rows?action=error` and `errors.csv`).
    pub error: i32,
}

/// An import of volunteers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// `dry_run` or `commit`.
    pub mode: String,
    /// `validated` (a dry run: nothing written), `committed` (the valid rows are written) or
    /// `rejected` (all-or-nothing, and a row failed: nothing written).
    pub status: String,
    /// Whether this is an earlier commit of the same file: it was not imported again.
    pub repeated: bool,
    /// Whether one failed row keeps every row out (the municipality's
    /// `import_all_or_nothing`).
    pub all_or_nothing: bool,
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// The separator found: `;`, `,` or a tab.
    pub separator: String,
    /// Whether the file began with a UTF-8 byte order mark.
    pub bom: bool,
    /// The header row as written.
    pub columns: Vec<String>,
    /// Headers of the columns read past (not a field).
    pub ignored_columns: Vec<String>,
    /// What the rows do.
    pub counts: ImportCounts,
    /// Who sent the file.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl ImportView {
    fn of(i: Import, repeated: bool) -> Self {
        Self {
            id: i.id,
            municipality_id: i.municipality_id,
            mode: i.mode,
            status: i.status,
            repeated,
            all_or_nothing: i.all_or_nothing,
            file_sha256: i.file_sha256,
            separator: i.separator,
            bom: i.bom,
            columns: i.header.into_iter().flatten().collect(),
            ignored_columns: i.ignored_columns.into_iter().flatten().collect(),
            counts: ImportCounts {
                rows: i.rows_read,
                create: i.created,
                update: i.updated,
                skip: i.skipped,
                error: i.failed,
            },
            created_by: i.created_by,
            created_at: i.created_at,
        }
    }
}

/// Reads the request body, refusing more than `limit` bytes with 413.
async fn body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| crate::body::payload_error(&e, limit))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

const EXAMPLE: &str = "fornavn;etternavn;e-post;mobil;postnummer;aktiviteter\r\n\
Kari;Nordmann;kari.nordmann@example.no;912 34 567;0150;companionship\r\n\
Ola;Hansen;ola.hansen@example.no;;0152;companionship|activities\r\n";

/// Import volunteers from a CSV file.
///
/// The body is the file (`text/csv`, UTF-8 with or without a byte order mark, up to
/// `SAMSPILL_IMPORT_MAX_BYTES`), its first line the headers. `;`, `,` or tab between fields is
/// found from the header line. Headers name fields in English, Norwegian or Danish
/// (`given_name`/`fornavn`, `family_name`/`etternavn`/`efternavn`, `email`/`e-post`,
/// `phone`/`telefon`/`mobil`, `street_address`/`adresse`, `postal_code`/`postnr`,
/// `city`/`poststed`, `birth_year`/`fødselsår`, `languages`/`språk`, `interests`,
/// `activity_kinds`, `availability`, `commitment`, `notes`, `external_reference`); lists are
/// separated by `|` (languages as ISO 639 codes: `no|en`). Unknown columns are read past and named in `ignored_columns`; a column
/// that looks like police certificate data refuses the file (certificate contents are never
/// imported), as do missing name columns or neither email nor phone.
///
/// Each row is `create` (no volunteer has its email or external reference), `update` (one has,
/// and the row changes something: empty cells change nothing), `skip` (nothing changes) or
/// `error` with its field errors. `mode=dry_run` writes nothing; `mode=commit` writes every valid
/// row in one transaction, or none when the municipality imports all-or-nothing
/// (`import_all_or_nothing`, the default) and a row failed. A file committed before is
/// recognised by its SHA-256 and answered with that import (`repeated: true`, 200): nothing is
/// created twice. Municipality-wide coordinators and administrators.
#[utoipa::path(
    tag = "imports",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", example = json!(EXAMPLE)),
    responses(
        (status = 201, description = "The import.", body = ImportView,
            headers(("Location" = String, description = "Where it is."))),
        (status = 200, description = "The same file was committed before: that import.", body = ImportView),
        (status = 413, description = "The file is larger than `SAMSPILL_IMPORT_MAX_BYTES`.",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/volunteers")]
pub async fn import_volunteers(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let municipality = managed_municipality(&caller, query.municipality_id)?;
    let bytes = body(payload, state.import_max_bytes).await?;
    let now = state.clock.now();
    let mode = query.mode;
    let outcome = state
        .db(move |conn| {
            imports::import(
                conn,
                &caller,
                Upload {
                    bytes: &bytes,
                    mode,
                    municipality,
                },
                now,
            )
        })
        .await?;
    let view = ImportView::of(outcome.import, outcome.repeated);
    if outcome.repeated {
        return Ok(HttpResponse::Ok().json(view));
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/imports/{}", view.id)))
        .json(view))
}

/// Read an import.
///
/// What the file held and what its rows do (or did). Imports are kept 30 days.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import id.")),
    responses((status = 200, description = "The import.", body = ImportView))
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db(move |conn| imports::find(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(ImportView::of(found, false)))
}

/// Which rows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RowQuery {
    /// Only rows of this action: `create`, `update`, `skip` or `error`.
    #[param(pattern = "^(create|update|skip|error)$")]
    pub action: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// One field error of a row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// The field (`email`, `activity_kinds[0]`), or `row`.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// For people.
    pub message: String,
}

/// What became of one row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowView {
    /// The line of the file (the header is line 1).
    pub line: i32,
    /// `create`, `update`, `skip` or `error`.
    pub action: String,
    /// The volunteer made, changed or matched.
    pub volunteer_id: Option<Uuid>,
    /// The field errors of an `error` row.
    pub errors: Vec<RowError>,
}

impl From<ImportRow> for ImportRowView {
    fn from(r: ImportRow) -> Self {
        Self {
            line: r.line,
            action: r.action,
            volunteer_id: r.volunteer_id,
            errors: serde_json::from_value(r.errors).unwrap_or_default(),
        }
    }
}

/// A page of an import's rows in line order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowPage {
    /// The rows of this page.
    pub items: Vec<ImportRowView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// List an import's rows.
///
/// What each row does (or did), in line order, with the field errors of those that failed;
/// `action=error` lists only those.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import id."), RowQuery),
    responses((status = 200, description = "A page of rows.", body = ImportRowPage))
)]
#[get("/imports/{id}/rows")]
pub async fn list_import_rows(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<RowQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = crate::pagination::checked_limit(query.limit)?;
    if let Some(action) = query.action.as_deref()
        && !["create", "update", "skip", "error"].contains(&action)
    {
        return Err(ApiError::BadRequest {
            detail: "A query parameter is not valid.".to_owned(),
            errors: vec![FieldError::new(
                "action",
                "invalid_value",
                "must be create, update, skip or error",
            )],
        });
    }
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_key(CursorList::ImportRows, c))
        .transpose()?
        .map(|key| {
            std::str::from_utf8(&key)
                .ok()
                .and_then(|k| k.parse::<i32>().ok())
                .ok_or_else(crate::pagination::invalid_cursor)
        })
        .transpose()?
        .unwrap_or(0);
    let (rows, more) = state
        .db(move |conn| {
            let import = imports::find(conn, &caller, id)?;
            let mut rows = samspill_persistence::imports::rows(
                conn,
                &import,
                query.action.as_deref(),
                after,
                limit + 1,
            )?;
            let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            Ok((rows, more))
        })
        .await?;
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| encode_key(CursorList::ImportRows, r.line.to_string().as_bytes()))
        })
        .flatten();
    Ok(HttpResponse::Ok().json(ImportRowPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// The failed rows as CSV, to fix and send again.
///
/// The file's own header with an `errors` column added, and each failed row as it was sent with
/// what is wrong with it; in the file's separator (with a byte order mark if it had one). Fix
/// the rows, remove the `errors` column (or leave it: it is read past) and import the file.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import id.")),
    responses((status = 200, description = "The failed rows.", content(
        (String = "text/csv"),
    )))
)]
#[get("/imports/{id}/errors.csv")]
pub async fn get_import_errors(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let text = state
        .db(move |conn| imports::errors_csv(conn, &caller, id))
        .await?;
    Ok(crate::csv::download(&format!("import-{id}-errors.csv"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
