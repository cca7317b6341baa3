-- Personal data as the law expects: the audit log widened to full-record reads, exports and
-- erasures; consents with their history; retention periods per category and the extensions
-- coordinators grant. Every new table's keys and foreign keys start with the municipality.

-- The audit log outlives the volunteer it concerns, also when retention deletes the record:
-- it keeps the volunteer's id without a foreign key, and names the request that did it. It also
-- records CSV exports of whole lists (no volunteer named), read by municipality.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_volunteer_id_fkey;
ALTER TABLE audit_log ADD COLUMN request_id uuid;
CREATE INDEX audit_log_municipality_idx ON audit_log (municipality_id, id);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
    CHECK (actor_kind IN ('staff_user', 'service_account', 'scheduler'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'list', 'create', 'delete', 'export', 'erase', 'anonymise'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_check
    CHECK (resource IN ('police_certificate', 'volunteer', 'volunteer_list', 'placement_list',
                        'visit_list', 'time_entry_list'));

-- Consents: what a person agreed to, under which text, given by whom, and when withdrawn. A
-- consent is never changed after it is given except to record its withdrawal; giving it again
-- makes a new row, so the rows are the history.
CREATE TABLE consents (
    municipality_id          uuid NOT NULL REFERENCES municipalities (id),
    id                       uuid NOT NULL,
    volunteer_id             uuid,
    recipient_id             uuid,
    purpose                  text NOT NULL CONSTRAINT consents_purpose_check
                             CHECK (purpose IN ('photos_at_events', 'share_contact_with_unit',
                                                'home_visits')),
    text_version             text NOT NULL CONSTRAINT consents_text_version_check
                             CHECK (length(text_version) BETWEEN 1 AND 50),
    given_on                 date NOT NULL,
    given_by                 text NOT NULL CONSTRAINT consents_given_by_check
                             CHECK (given_by IN ('self', 'representative')),
    representative           text,
    recorded_by              uuid NOT NULL,
    withdrawn_on             date,
    withdrawn_by             text CONSTRAINT consents_withdrawn_by_check
                             CHECK (withdrawn_by IN ('self', 'representative')),
    withdrawal_recorded_by   uuid,
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT consents_one_subject_check CHECK (num_nonnulls(volunteer_id, recipient_id) = 1),
    -- A recipient consents to home visits; a volunteer to the rest.
    CONSTRAINT consents_purpose_subject_check
        CHECK ((purpose = 'home_visits') = (recipient_id IS NOT NULL)),
    CONSTRAINT consents_representative_check
        CHECK ((given_by = 'representative') = (representative IS NOT NULL)),
    CONSTRAINT consents_withdrawal_check
        CHECK ((withdrawn_on IS NULL) = (withdrawn_by IS NULL)
           AND (withdrawn_on IS NULL) = (withdrawal_recorded_by IS NULL)),
    CONSTRAINT consents_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT consents_recipient_fkey FOREIGN KEY (municipality_id, recipient_id)
        REFERENCES recipients (municipality_id, id) ON DELETE CASCADE
);
-- At most one consent in force per person and purpose.
CREATE UNIQUE INDEX consents_volunteer_in_force_key ON consents (municipality_id, volunteer_id, purpose)
    WHERE withdrawn_on IS NULL AND volunteer_id IS NOT NULL;
CREATE UNIQUE INDEX consents_recipient_in_force_key ON consents (municipality_id, recipient_id, purpose)
    WHERE withdrawn_on IS NULL AND recipient_id IS NOT NULL;
CREATE INDEX consents_volunteer_idx ON consents (municipality_id, volunteer_id, id);
CREATE INDEX consents_recipient_idx ON consents (municipality_id, recipient_id, id);
CREATE TRIGGER consents_touch BEFORE UPDATE ON consents
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- Every person visited at home has consented to the visits when they were recorded.
INSERT INTO consents (municipality_id, id, recipient_id, purpose, text_version, given_on,
                      given_by, representative, recorded_by, created_at)
SELECT municipality_id, gen_random_uuid(), id, 'home_visits', 'recorded', consent_given_on,
       CASE consent_given_by WHEN 'recipient' THEN 'self' ELSE 'representative' END,
       consent_representative, consent_recorded_by, created_at
FROM recipients
WHERE active;

-- How long a municipality keeps each kind of data, and what happens then. A category without a
-- row is kept until someone erases it.
CREATE TABLE retention_policies (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    category         text NOT NULL CONSTRAINT retention_policies_category_check
                     CHECK (category IN ('ended_volunteers', 'inactive_volunteers',
                                         'rejected_applications', 'time_entries',
                                         'contact_log_notes')),
    months           smallint NOT NULL CONSTRAINT retention_policies_months_check
                     CHECK (months BETWEEN 0 AND 240),
    action           text NOT NULL CONSTRAINT retention_policies_action_check
                     CHECK (action IN ('anonymise', 'delete')),
    warn_days        smallint NOT NULL CONSTRAINT retention_policies_warn_days_check
                     CHECK (warn_days BETWEEN 0 AND 365),
    updated_by       uuid NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, category)
);
CREATE TRIGGER retention_policies_touch BEFORE UPDATE ON retention_policies
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- A coordinator keeps a volunteer's data past its retention date, with a reason.
CREATE TABLE retention_extensions (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    volunteer_id     uuid NOT NULL,
    until            date NOT NULL,
    reason           text NOT NULL CONSTRAINT retention_extensions_reason_check
                     CHECK (length(reason) BETWEEN 1 AND 500),
    extended_by      uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT retention_extensions_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX retention_extensions_volunteer_idx
    ON retention_extensions (municipality_id, volunteer_id, until DESC);

-- The schedule's notice that a volunteer falls due: when it was first shown (warned), for which
-- day. The job acts no sooner than `warn_days` after the notice, so nobody's data goes without
-- the coordinators having seen it coming; a new day (an extension, a status change) is noticed
-- anew.
CREATE TABLE retention_notices (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    volunteer_id     uuid NOT NULL,
    category         text NOT NULL CONSTRAINT retention_notices_category_check
                     CHECK (category IN ('ended_volunteers', 'inactive_volunteers',
                                         'rejected_applications')),
    due_on           date NOT NULL,
    warned_on        date NOT NULL,
    PRIMARY KEY (municipality_id, volunteer_id),
    CONSTRAINT retention_notices_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE
);

-- Imports of volunteers from a spreadsheet: the file's hash (the same file twice is known),
-- what was read from it, and what became of each row. The rows that failed keep their cells,
-- so that they can be handed back to be fixed; imports are purged after 30 days.
-- Volunteers made by an import say so.
ALTER TABLE volunteers DROP CONSTRAINT volunteers_source_check;
ALTER TABLE volunteers ADD CONSTRAINT volunteers_source_check
    CHECK (source IN ('coordinator', 'self_registration', 'import'));

CREATE TABLE volunteer_imports (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    file_sha256      text NOT NULL,
    mode             text NOT NULL CONSTRAINT volunteer_imports_mode_check
                     CHECK (mode IN ('dry_run', 'commit')),
    status           text NOT NULL CONSTRAINT volunteer_imports_status_check
                     CHECK (status IN ('validated', 'committed', 'rejected')),
    all_or_nothing   boolean NOT NULL,
    separator        text NOT NULL,
    bom              boolean NOT NULL,
    header           text[] NOT NULL,
    ignored_columns  text[] NOT NULL,
    rows_read        integer NOT NULL,
    created          integer NOT NULL,
    updated          integer NOT NULL,
    skipped          integer NOT NULL,
    failed           integer NOT NULL,
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id)
);
-- A file is committed once.
CREATE UNIQUE INDEX volunteer_imports_committed_key
    ON volunteer_imports (municipality_id, file_sha256) WHERE status = 'committed';
CREATE INDEX volunteer_imports_created_idx ON volunteer_imports (created_at);

CREATE TABLE volunteer_import_rows (
    municipality_id  uuid NOT NULL,
    import_id        uuid NOT NULL,
    line             integer NOT NULL,
    action           text NOT NULL CONSTRAINT volunteer_import_rows_action_check
                     CHECK (action IN ('create', 'update', 'skip', 'error')),
    volunteer_id     uuid,
    errors           jsonb NOT NULL DEFAULT '[]',
    cells            text[],
    PRIMARY KEY (municipality_id, import_id, line),
    CONSTRAINT volunteer_import_rows_import_fkey FOREIGN KEY (municipality_id, import_id)
        REFERENCES volunteer_imports (municipality_id, id) ON DELETE CASCADE
);
