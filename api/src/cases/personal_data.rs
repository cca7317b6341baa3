//! What a volunteer can ask for under the data-protection law: everything held about them,
//! as one JSON document. The export is written to the audit log before it starts, and streams
//! from one consistent snapshot of the database, a page of rows at a time.

use crate::{error::ApiError, streaming};
use actix_web::web::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};

use futures_util::Stream;
use samspill_domain::{
    audit::{Actor, AuditAction, AuditResource},
    ids::{MunicipalityId, VolunteerId},
    volunteer::Volunteer,
};
use samspill_persistence::{DbPool, PgConnection, audit, export};

/// Rows read per query of a section.
const PAGE: i64 = 200;
/// The name and version of the document's format.
pub const FORMAT: &str = "samspill.volunteer-export.v1";

/// Records that `actor` exports `volunteer` (found and checked by the caller); call it in
/// the transaction that found them.
pub fn record_export(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        &audit::NewAuditEntry::about(
            volunteer,
            actor,
            AuditAction::Export,
            AuditResource::Volunteer,
            Some(volunteer.id.into_uuid()),
        ),
    )?;
    Ok(())
}

/// The export of `volunteer` as a stream of JSON text: `{"format", "volunteer_id",
/// "municipality_id", "exported_at", "sections": {name: [rows...]}}`, read from one snapshot a
/// page at a time (see [`crate::streaming`]).
pub fn stream(
    pool: DbPool,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    exported_at: DateTime<Utc>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    streaming::stream(pool, "volunteer export", move |conn, out| {
        out.push(&format!(
            "{{\"format\":\"{FORMAT}\",\"volunteer_id\":\"{volunteer}\",\
             \"municipality_id\":\"{municipality}\",\"exported_at\":\"{}\",\"sections\":{{",
            exported_at.to_rfc3339_opts(SecondsFormat::Micros, true)
        ))?;
        for (n, section) in export::SECTIONS.iter().enumerate() {
            if n > 0 {
                out.push(",")?;
            }
            out.push(&format!("\"{}\":[", section.name))?;
            let mut after = None;
            let mut first = true;
            loop {
                let (rows, last) =
                    export::page(conn, section, municipality, volunteer, after, PAGE)?;
                for row in &rows {
                    if !first {
                        out.push(",")?;
                    }
                    first = false;
                    out.push(row)?;
                }
                if rows.len() < PAGE as usize {
                    break;
                }
                after = last;
            }
            out.push("]")?;
        }
        out.push("}}")
    })
}
