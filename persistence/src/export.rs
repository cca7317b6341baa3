//! Everything held about one volunteer, section by section, for their export. Each section is
//! read in pages in key order, each row already as JSON text, so that an export of years of
//! visits and hours streams without being held in memory. What the database keeps only for
//! itself (a survey link's hash, when a survey was answered) is left out.

use crate::error::RepoError;
use diesel::{
    prelude::*,
    sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid},
};
use samspill_domain::ids::{MunicipalityId, VolunteerId};
use uuid::Uuid;

/// One kind of record in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Its name in the document.
    pub name: &'static str,
    /// The table.
    table: &'static str,
    /// The column the pages go by (unique among the volunteer's rows).
    key: &'static str,
    /// Which rows are the volunteer's (`$1` the municipality, `$2` the volunteer).
    filter: &'static str,
    /// What the row's JSON becomes (`t` is the row).
    shape: &'static str,
}

const THEIRS: &str = "t.municipality_id = $1 AND t.volunteer_id = $2";
const THEIRS_ONLY: &str = "$1::uuid IS NOT NULL AND t.volunteer_id = $2";
const AS_IS: &str = "to_jsonb(t)";

/// The sections, in the order the export writes them.
pub const SECTIONS: &[Section] = &[
    Section {
        name: "profile",
        table: "volunteers",
        key: "id",
        filter: "t.municipality_id = $1 AND t.id = $2",
        shape: AS_IS,
    },
    Section {
        name: "status_history",
        table: "volunteer_status_changes",
        key: "id",
        filter: THEIRS_ONLY,
        shape: AS_IS,
    },
    Section {
        name: "screenings",
        table: "screenings",
        key: "id",
        filter: THEIRS_ONLY,
        shape: AS_IS,
    },
    Section {
        name: "reference_checks",
        table: "reference_checks",
        key: "id",
        filter: THEIRS_ONLY,
        shape: AS_IS,
    },
    Section {
        name: "declarations",
        table: "declarations",
        key: "id",
        filter: THEIRS_ONLY,
        shape: AS_IS,
    },
    Section {
        name: "police_certificate_checks",
        table: "police_certificates",
        key: "id",
        filter: THEIRS_ONLY,
        shape: AS_IS,
    },
    Section {
        name: "dogs",
        table: "dogs",
        key: "id",
        filter: "t.municipality_id = $1 AND t.handler_id = $2",
        shape: AS_IS,
    },
    Section {
        name: "dog_approvals",
        table: "dog_approvals",
        key: "id",
        filter: "$1::uuid IS NOT NULL AND t.handler_id = $2",
        shape: AS_IS,
    },
    Section {
        name: "group_memberships",
        table: "group_members",
        key: "group_id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "need_interests",
        table: "need_interests",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "placements",
        table: "placements",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "placement_history",
        table: "placement_status_changes",
        key: "id",
        filter: "t.municipality_id = $1 AND t.placement_id IN \
                 (SELECT id FROM placements WHERE municipality_id = $1 AND volunteer_id = $2)",
        shape: AS_IS,
    },
    Section {
        name: "visits",
        table: "visits",
        key: "id",
        filter: "t.municipality_id = $1 AND t.placement_id IN \
                 (SELECT id FROM placements WHERE municipality_id = $1 AND volunteer_id = $2)",
        shape: AS_IS,
    },
    Section {
        name: "time_entries",
        table: "time_entries",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "time_entry_history",
        table: "time_entry_changes",
        key: "id",
        filter: "t.municipality_id = $1 AND t.time_entry_id IN \
                 (SELECT id FROM time_entries WHERE municipality_id = $1 AND volunteer_id = $2)",
        shape: AS_IS,
    },
    Section {
        name: "follow_ups",
        table: "follow_ups",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "contact_log",
        table: "contact_log",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "event_invitations",
        table: "event_invitations",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "event_attendance",
        table: "event_attendance",
        key: "session_id",
        filter: "t.municipality_id = $1 AND t.invitation_id IN \
                 (SELECT id FROM event_invitations WHERE municipality_id = $1 AND volunteer_id = $2)",
        shape: AS_IS,
    },
    Section {
        name: "training_credentials",
        table: "training_credentials",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "survey_invitations",
        table: "survey_recipients",
        key: "id",
        filter: THEIRS,
        // The answers are anonymous and not theirs to find; when they answered would point
        // at one, so only whether they did.
        shape: "(to_jsonb(t) - 'token_hash' - 'answered_at') \
                || jsonb_build_object('answered', t.answered_at IS NOT NULL)",
    },
    Section {
        name: "consents",
        table: "consents",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "retention_extensions",
        table: "retention_extensions",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "notifications",
        table: "notifications",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
    Section {
        name: "audit_log",
        table: "audit_log",
        key: "id",
        filter: THEIRS,
        shape: AS_IS,
    },
];

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    key: Uuid,
    #[diesel(sql_type = Text)]
    doc: String,
}

/// One page of a section: rows after `after` in key order, at most `limit`, each as JSON
/// text, with the key of the last.
pub fn page(
    conn: &mut PgConnection,
    section: &Section,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<String>, Option<Uuid>), RepoError> {
    let sql = format!(
        "SELECT t.{key} AS key, ({shape})::text AS doc FROM {table} t \
         WHERE {filter} AND ($3::uuid IS NULL OR t.{key} > $3) ORDER BY t.{key} LIMIT $4",
        key = section.key,
        shape = section.shape,
        table = section.table,
        filter = section.filter,
    );
    let rows = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<SqlUuid, _>(volunteer.into_uuid())
        .bind::<Nullable<SqlUuid>, _>(after)
        .bind::<BigInt, _>(limit)
        .load::<Row>(conn)?;
    let last = rows.last().map(|r| r.key);
    Ok((rows.into_iter().map(|r| r.doc).collect(), last))
}
