//! What a volunteer can ask for under the data-protection law: everything held about them,
//! as one JSON document. The export is written to the audit log before it starts, and streams
//! from one consistent snapshot of the database, a page of rows at a time.

use crate::error::ApiError;
use actix_web::web::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};

use futures_util::Stream;
use samspill_domain::{
    audit::{Actor, AuditAction, AuditResource},
    ids::{MunicipalityId, VolunteerId},
    volunteer::Volunteer,
};
use samspill_persistence::{DbPool, PgConnection, RepoError, audit, export};
use tokio::sync::mpsc;

/// Rows read per query of a section.
const PAGE: i64 = 200;
/// Bytes gathered before they are handed to the response.
const CHUNK: usize = 32 * 1024;
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

/// Why writing an export stopped early.
enum Stop {
    /// The client went away; nothing to report.
    ClientGone,
    /// The database failed.
    Repo(RepoError),
}

impl From<diesel::result::Error> for Stop {
    fn from(error: diesel::result::Error) -> Self {
        Stop::Repo(error.into())
    }
}

impl From<RepoError> for Stop {
    fn from(error: RepoError) -> Self {
        Stop::Repo(error)
    }
}

/// Gathers the document's text and hands it on in chunks; waits while the client reads.
struct Out<'a> {
    buffer: String,
    to: &'a mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Out<'_> {
    fn push(&mut self, text: &str) -> Result<(), Stop> {
        self.buffer.push_str(text);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.to
            .blocking_send(Ok(chunk))
            .map_err(|_| Stop::ClientGone)
    }
}

/// The export of `volunteer` as a stream of JSON text: `{"format", "volunteer_id",
/// "municipality_id", "exported_at", "sections": {name: [rows...]}}`. The rows are read on the
/// blocking pool inside one read-only, repeatable-read transaction; a failure half-way ends the
/// stream early (the client sees a document cut short), and is logged.
pub fn stream(
    pool: DbPool,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    exported_at: DateTime<Utc>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (to, from) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        match write(&pool, municipality, volunteer, exported_at, &to) {
            Ok(()) | Err(Stop::ClientGone) => {}
            Err(Stop::Repo(error)) => {
                tracing::error!(%error, %volunteer, "a volunteer export stopped half-way");
                let _ = to.blocking_send(Err(std::io::Error::other("the export stopped")));
            }
        }
    });
    futures_util::stream::unfold(from, |mut from| async move {
        from.recv().await.map(|item| (item, from))
    })
}

fn write(
    pool: &DbPool,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    exported_at: DateTime<Utc>,
    to: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), Stop> {
    let mut conn = pool.get().map_err(RepoError::from)?;
    let mut out = Out {
        buffer: String::with_capacity(CHUNK * 2),
        to,
    };
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(|conn| {
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
            out.push("}}")?;
            out.flush()
        })
}
