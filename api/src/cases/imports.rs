//! Importing volunteers from a spreadsheet. The file is read whole (up to the configured
//! size), its separator found from the header line, its columns mapped to fields by their
//! headers; each row becomes a `create` (no volunteer has its email or external reference), an
//! `update` (one has, and the row changes something), a `skip` (one has, and nothing changes)
//! or an `error` with the field errors. A dry run stops there; a commit writes every valid row
//! in one transaction, or none when the municipality imports all-or-nothing and a row failed.
//! A file committed once is recognised by its hash and not imported again.

use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
};
use chrono::{DateTime, Datelike, Utc};
use diesel::Connection;
use samspill_domain::{
    ids::{MunicipalityId, VolunteerId},
    volunteer::Volunteer,
    volunteer_draft::{VolunteerDraft, VolunteerEdit},
    volunteer_import::{ColumnMap, detect_separator, edit_of, map_columns},
};
use samspill_persistence::{
    PgConnection, activity_kinds,
    imports::{self, Import, ImportRow},
    volunteers,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Whether the import only checks, or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check every row and report; write nothing.
    DryRun,
    /// Write the valid rows (all or none, by the municipality's setting).
    Commit,
}

impl ImportMode {
    const fn as_str(self) -> &'static str {
        match self {
            ImportMode::DryRun => "dry_run",
            ImportMode::Commit => "commit",
        }
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The import, as recorded.
    pub import: Import,
    /// Whether it is an earlier import of the same file (nothing was done now).
    pub repeated: bool,
}

/// A row as read and checked.
struct Checked {
    line: i32,
    cells: Vec<String>,
    result: RowResult,
}

fn file_error(errors: Vec<(String, samspill_domain::ParseError)>) -> ApiError {
    ApiError::Validation(
        errors
            .into_iter()
            .map(|(field, e)| FieldError::parse(field, &e))
            .collect(),
    )
}

/// The file as text, without its byte order mark; whether it had one.
fn text_of(bytes: &[u8]) -> Result<(&str, bool), ApiError> {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::invalid(
            "file",
            "not_utf8",
            format!(
                "the file is not UTF-8 (at byte {}): save it as \"CSV UTF-8\"",
                e.valid_up_to()
            ),
        )
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid(
            "file",
            "empty",
            "the file has no header row",
        ));
    }
    if let Some(at) = text.find('\0') {
        return Err(ApiError::invalid(
            "file",
            "nul_character",
            format!("the file holds a NUL character (at byte {at}), which no field may"),
        ));
    }
    Ok((text, bom))
}

/// Reads and checks every row of `text` (separator `separator`) against `map`, handing each
/// to `visit` in file order; nothing is kept, so a file can be read more than once without
/// holding its rows.
fn for_each_row(
    text: &str,
    separator: u8,
    map: &ColumnMap,
    (country, known_kinds, year): (
        samspill_domain::municipality::Country,
        &HashSet<String>,
        i32,
    ),
    mut visit: impl FnMut(Checked) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let width = map.fields.len();
    // Lines are counted by their breaks (`\n`, or `\r` in a file without any `\n`) up to where
    // each record starts, so that blank lines and quoted line breaks count as the file shows.
    let newline = if text.contains('\n') { b'\n' } else { b'\r' };
    let (mut counted_to, mut line_no) = (0usize, 1i32);
    for record in reader.records() {
        let record = record.map_err(|e| {
            ApiError::invalid(
                "file",
                "unreadable",
                format!("the file cannot be read as CSV: {e}"),
            )
        })?;
        let mut start = record.position().map_or(counted_to, |p| {
            usize::try_from(p.byte()).unwrap_or(counted_to)
        });
        // The reader may place a record at the line break that ends the one before (the `\n` of
        // a `\r\n`): the record's own line starts after it.
        while text
            .as_bytes()
            .get(start)
            .is_some_and(|b| *b == b'\n' || *b == b'\r')
        {
            start += 1;
        }
        if let Some(between) = text.as_bytes().get(counted_to..start) {
            let breaks = between.iter().filter(|b| **b == newline).count();
            line_no = line_no.saturating_add(i32::try_from(breaks).unwrap_or(i32::MAX));
            counted_to = start;
        }
        let line = line_no;
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let result = if cells.len() != width {
            Err(vec![FieldError::new(
                "row",
                "wrong_field_count",
                format!("has {} fields where the header has {width}", cells.len()),
            )])
        } else {
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            match edit_of(map, &refs) {
                Err(errors) => Err(errors
                    .iter()
                    .map(|(f, e)| FieldError::parse(f.clone(), e))
                    .collect()),
                Ok(edit) => {
                    let unknown: Vec<FieldError> = edit
                        .activity_kinds
                        .iter()
                        .flatten()
                        .enumerate()
                        .filter(|(_, code)| !known_kinds.contains(code.as_str()))
                        .map(|(i, code)| {
                            FieldError::new(
                                format!("activity_kinds[{i}]"),
                                "unknown_activity_kind",
                                format!("{code} is not one of the municipality's activity kinds"),
                            )
                        })
                        .collect();
                    match VolunteerDraft::default().apply(edit.clone(), country, year) {
                        Ok(draft) if unknown.is_empty() => Ok((edit, draft)),
                        Ok(_) => Err(unknown),
                        Err(errors) => Err(errors
                            .iter()
                            .map(|(f, e)| FieldError::parse(f.clone(), e))
                            .chain(unknown)
                            .collect()),
                    }
                }
            }
        };
        visit(Checked {
            line,
            cells,
            result,
        })?;
    }
    Ok(())
}

/// The key rows are matched on: the email, else the external reference.
fn keys(draft: &VolunteerDraft) -> (Option<String>, Option<String>) {
    (draft.email.clone(), draft.external_reference.clone())
}

/// A row as checked: the change it asks for and the new volunteer it would make.
type RowResult = Result<(VolunteerEdit, VolunteerDraft), Vec<FieldError>>;
/// The volunteer a row matches (and whether it changes them), and their fields after it.
type RowOutcome = Result<(Option<(VolunteerId, bool)>, VolunteerDraft), Vec<FieldError>>;

/// What a row does.
enum Decision {
    /// A new volunteer.
    Create(VolunteerDraft),
    /// A change of a volunteer.
    Update(VolunteerId, VolunteerDraft),
    /// A volunteer it matches, unchanged.
    Skip(VolunteerId),
    /// Field errors, and the row's cells to hand back.
    Error(Vec<FieldError>, Vec<String>),
}

/// The municipality's volunteers rows may match, and what earlier rows of the file named.
struct Matcher<'a> {
    by_email: HashMap<&'a str, &'a Volunteer>,
    by_reference: HashMap<&'a str, &'a Volunteer>,
    erased_references: HashSet<String>,
    country: samspill_domain::municipality::Country,
    year: i32,
    seen: HashMap<String, i32>,
}

impl<'a> Matcher<'a> {
    fn new(
        existing: &'a [Volunteer],
        erased_references: HashSet<String>,
        (country, year): (samspill_domain::municipality::Country, i32),
    ) -> Self {
        Self {
            by_email: existing
                .iter()
                .filter_map(|v| v.email.as_deref().map(|e| (e, v)))
                .collect(),
            by_reference: existing
                .iter()
                .filter_map(|v| v.external_reference.as_deref().map(|r| (r, v)))
                .collect(),
            erased_references,
            country,
            year,
            seen: HashMap::new(),
        }
    }

    /// Forgets the rows seen, to read the file again.
    fn restart(&mut self) {
        self.seen.clear();
    }

    /// What `row` does, given the rows before it.
    fn decide(&mut self, row: Checked) -> Decision {
        let line = row.line;
        match self.outcome(line, row.result) {
            Err(errors) => Decision::Error(errors, row.cells),
            Ok((None, draft)) => Decision::Create(draft),
            Ok((Some((id, true)), draft)) => Decision::Update(id, draft),
            Ok((Some((id, false)), _)) => Decision::Skip(id),
        }
    }

    fn outcome(&mut self, line: i32, result: RowResult) -> RowOutcome {
        let (edit, draft) = result?;
        let (email, reference) = keys(&draft);
        // Two rows about one person: the second is an error, naming the first.
        for key in [
            email.as_ref().map(|e| format!("email:{e}")),
            reference.as_ref().map(|r| format!("ref:{r}")),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(first) = self.seen.get(&key) {
                return Err(vec![FieldError::new(
                    if key.starts_with("email:") {
                        "email"
                    } else {
                        "external_reference"
                    },
                    "duplicate_in_file",
                    format!("line {first} is about the same person"),
                )]);
            }
            self.seen.insert(key, line);
        }
        if let Some(r) = reference.as_deref()
            && self.erased_references.contains(r)
        {
            return Err(vec![FieldError::new(
                "external_reference",
                "taken",
                "an erased volunteer of the municipality keeps this external reference",
            )]);
        }
        let matched = email
            .as_deref()
            .and_then(|e| self.by_email.get(e).copied())
            .or_else(|| {
                reference
                    .as_deref()
                    .and_then(|r| self.by_reference.get(r).copied())
            });
        let Some(current) = matched else {
            let missing: Vec<FieldError> = [
                ("given_name", draft.given_name.is_empty()),
                ("family_name", draft.family_name.is_empty()),
            ]
            .into_iter()
            .filter(|(_, empty)| *empty)
            .map(|(field, _)| FieldError::new(field, "required", "a new volunteer needs it"))
            .collect();
            return if missing.is_empty() {
                Ok((None, draft))
            } else {
                Err(missing)
            };
        };
        // Two rows matching one volunteer (by email and by reference): the second is an error
        // too, or it would silently undo the first.
        let key = format!("volunteer:{}", current.id);
        if let Some(first) = self.seen.get(&key) {
            return Err(vec![FieldError::new(
                "row",
                "duplicate_in_file",
                format!("line {first} is about the same volunteer"),
            )]);
        }
        self.seen.insert(key, line);
        let next = VolunteerDraft::of(current)
            .apply(edit, self.country, self.year)
            .map_err(|errors| {
                errors
                    .iter()
                    .map(|(f, e)| FieldError::parse(f.clone(), e))
                    .collect::<Vec<_>>()
            })?;
        // A row matching a volunteer must not take another one's reference.
        if let Some(other) = next
            .external_reference
            .as_deref()
            .and_then(|r| self.by_reference.get(r))
            && other.id != current.id
        {
            return Err(vec![FieldError::new(
                "external_reference",
                "taken",
                "another volunteer of the municipality has this external reference",
            )]);
        }
        let changed = next != VolunteerDraft::of(current);
        Ok((Some((current.id, changed)), next))
    }
}

fn errors_json(errors: &[FieldError]) -> serde_json::Value {
    json!(
        errors
            .iter()
            .map(|e| json!({"field": e.field, "code": e.code, "message": e.message}))
            .collect::<Vec<_>>()
    )
}

/// What the caller sends: the file, how to treat it, and for whom.
pub struct Upload<'a> {
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// Check only, or write.
    pub mode: ImportMode,
    /// The municipality imported into.
    pub municipality: MunicipalityId,
}

/// Imports `upload` for `caller` (a coordinator or administrator of the municipality).
pub fn import(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    upload: Upload<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let sha256 = format!("{:x}", Sha256::digest(upload.bytes));
    let (text, bom) = text_of(upload.bytes)?;
    let header_line = text.lines().next().unwrap_or_default();
    let separator = detect_separator(header_line);
    let headers: Vec<String> = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .from_reader(header_line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let map = map_columns(&header_refs).map_err(file_error)?;
    conn.transaction(|conn| {
        let municipality =
            samspill_persistence::municipalities::find(conn, caller.scope(), upload.municipality)?;
        crate::access::municipality_wide(
            conn,
            caller,
            "Volunteers are imported for the whole municipality.",
        )?;
        if upload.mode == ImportMode::Commit
            && let Some(earlier) = imports::committed_with_hash(conn, municipality.id, &sha256)?
        {
            return Ok(Outcome {
                import: earlier,
                repeated: true,
            });
        }
        let known: HashSet<String> = activity_kinds::list(conn, caller.scope(), municipality.id)?
            .into_iter()
            .map(|kind| kind.code)
            .collect();
        // One year for every pass, so that they decide alike (a birth year is checked against it).
        let year = now.year();
        let kinds = (municipality.country, &known, year);
        // First the keys rows are matched on, to look up the volunteers they may be.
        let (mut emails, mut references) = (Vec::new(), Vec::new());
        for_each_row(text, separator, &map, kinds, |row| {
            if let Ok((_, draft)) = &row.result {
                let (email, reference) = keys(draft);
                emails.extend(email);
                references.extend(reference);
            }
            Ok(())
        })?;
        let existing =
            volunteers::with_email_or_reference(conn, municipality.id, &emails, &references)?;
        let erased: HashSet<String> =
            volunteers::erased_references(conn, municipality.id, &references)?
                .into_iter()
                .collect();
        drop((emails, references));
        let mut matcher = Matcher::new(&existing, erased, (municipality.country, year));
        // Then what each row does; only the failed rows' cells are kept.
        let import_id = Uuid::now_v7();
        let tenant = municipality.id.into_uuid();
        let mut rows: Vec<ImportRow> = Vec::new();
        let mut counts = [0i32; 4];
        for_each_row(text, separator, &map, kinds, |row| {
            let line = row.line;
            let (index, action, volunteer_id, errors, cells) = match matcher.decide(row) {
                Decision::Create(_) => (0, "create", None, json!([]), None),
                Decision::Update(id, _) => (1, "update", Some(id.into_uuid()), json!([]), None),
                Decision::Skip(id) => (2, "skip", Some(id.into_uuid()), json!([]), None),
                Decision::Error(errors, cells) => {
                    (3, "error", None, errors_json(&errors), Some(cells))
                }
            };
            counts[index] += 1;
            rows.push(ImportRow {
                municipality_id: tenant,
                import_id,
                line,
                action: action.to_owned(),
                volunteer_id,
                errors,
                cells: cells.map(|c| c.into_iter().map(Some).collect()),
            });
            Ok(())
        })?;
        let rows_read = i32::try_from(rows.len()).unwrap_or(i32::MAX);
        let all_or_nothing = municipality.settings.import_all_or_nothing != 0;
        let status = match upload.mode {
            ImportMode::DryRun => "validated",
            ImportMode::Commit if all_or_nothing && counts[3] > 0 => "rejected",
            ImportMode::Commit => "committed",
        };
        if status == "committed" {
            // And the writing, a thousand new volunteers at a time.
            matcher.restart();
            let mut batch: Vec<(usize, VolunteerDraft)> = Vec::with_capacity(1_000);
            let mut created: Vec<VolunteerId> = Vec::new();
            let mut flush = |conn: &mut PgConnection,
                             batch: &mut Vec<(usize, VolunteerDraft)>,
                             rows: &mut Vec<ImportRow>|
             -> Result<(), ApiError> {
                if batch.is_empty() {
                    return Ok(());
                }
                let drafts: Vec<VolunteerDraft> = batch.iter().map(|(_, d)| d.clone()).collect();
                let made = volunteers::insert_many(conn, municipality.id, &drafts, "import")?;
                for ((index, _), id) in batch.drain(..).zip(made) {
                    if let Some(row) = rows.get_mut(index) {
                        row.volunteer_id = Some(id.into_uuid());
                    }
                    created.push(id);
                }
                Ok(())
            };
            let mut index = 0;
            for_each_row(text, separator, &map, kinds, |row| {
                match matcher.decide(row) {
                    Decision::Create(draft) => {
                        batch.push((index, draft));
                        if batch.len() == 1_000 {
                            flush(conn, &mut batch, &mut rows)?;
                        }
                    }
                    Decision::Update(id, draft) => {
                        volunteers::replace_fields(conn, municipality.id, id, &draft)?;
                    }
                    Decision::Skip(_) | Decision::Error(..) => {}
                }
                index += 1;
                Ok(())
            })?;
            flush(conn, &mut batch, &mut rows)?;
            volunteers::flag_possible_duplicates(conn, municipality.id, &created)?;
            crate::metrics::personal_data_action(
                "imported",
                usize::try_from(counts[0] + counts[1]).unwrap_or(0),
            );
        }
        let import = Import {
            municipality_id: municipality.id.into_uuid(),
            id: import_id,
            file_sha256: sha256.clone(),
            mode: upload.mode.as_str().to_owned(),
            status: status.to_owned(),
            all_or_nothing,
            separator: char::from(separator).to_string(),
            bom,
            header: headers.iter().cloned().map(Some).collect(),
            ignored_columns: map.ignored.iter().cloned().map(Some).collect(),
            rows_read,
            created: counts[0],
            updated: counts[1],
            skipped: counts[2],
            failed: counts[3],
            created_by: caller.id.into_uuid(),
            created_at: now,
        };
        imports::insert(conn, &import, &rows)?;
        Ok(Outcome {
            import,
            repeated: false,
        })
    })
}

/// One import the caller may read: of their municipality (any, for an administrator), by a
/// municipality-wide coordinator or an administrator.
pub fn find(conn: &mut PgConnection, caller: &StaffCaller, id: Uuid) -> Result<Import, ApiError> {
    crate::access::managed(caller)?;
    let found = imports::find(conn, caller.municipality, id)?;
    crate::access::municipality_wide(
        conn,
        caller,
        "Imports are read by municipality-wide coordinators.",
    )?;
    Ok(found)
}

/// The failed rows of an import as CSV: the file's header and an `errors` column, each row as
/// sent with its errors (`field: message`, separated by ` | `), in the file's separator and with
/// its byte order mark if it had one.
pub fn errors_csv(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: Uuid,
) -> Result<String, ApiError> {
    let import = find(conn, caller, id)?;
    let separator = import.separator.bytes().next().unwrap_or(b',');
    let mut writer = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = import.header.iter().flatten().cloned().collect();
    header.push("errors".to_owned());
    let failed = |e: csv::Error| ApiError::Internal(format!("writing errors.csv: {e}"));
    writer.write_record(&header).map_err(failed)?;
    let mut after = 0;
    loop {
        let rows = imports::rows(conn, &import, Some("error"), after, 1_000)?;
        for row in &rows {
            let mut cells: Vec<String> = row.cells.iter().flatten().flatten().cloned().collect();
            // A cell that a spreadsheet would run as a formula is defused (phone numbers keep
            // their `+`), as in every CSV the service writes.
            for cell in &mut cells {
                *cell = crate::csv::defused(cell);
            }
            let errors: Vec<String> = row
                .errors
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["field"].as_str().unwrap_or_default(),
                        e["message"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            cells.push(errors.join(" | "));
            writer.write_record(&cells).map_err(failed)?;
        }
        match rows.last() {
            Some(last) if rows.len() == 1_000 => after = last.line,
            _ => break,
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing errors.csv: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ApiError::Internal(format!("writing errors.csv: {e}")))?;
    Ok(if import.bom {
        format!("\u{feff}{text}")
    } else {
        text
    })
}
