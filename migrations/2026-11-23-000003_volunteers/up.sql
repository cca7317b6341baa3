-- Volunteers (frivillige) and the history of their lifecycle.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE volunteers (
    id                      uuid PRIMARY KEY,
    municipality_id         uuid NOT NULL REFERENCES municipalities (id),
    status                  text NOT NULL DEFAULT 'registered' CONSTRAINT volunteers_status_check
                            CHECK (status IN ('registered', 'in_screening', 'approved', 'paused', 'rejected', 'withdrawn')),
    given_name              text NOT NULL,
    family_name             text NOT NULL,
    email                   text,
    phone                   text,
    street_address          text,
    postal_code             text,
    city                    text,
    -- Only the year: the age band is what matching needs, the date is not collected.
    birth_year              smallint,
    languages               text[] NOT NULL DEFAULT '{}',
    interests               text[] NOT NULL DEFAULT '{}',
    activity_kinds          text[] NOT NULL DEFAULT '{}',
    availability            text[] NOT NULL DEFAULT '{}',
    commitment              text NOT NULL DEFAULT 'occasional' CONSTRAINT volunteers_commitment_check
                            CHECK (commitment IN ('regular', 'occasional')),
    home_unit_id            uuid,
    contact_person_id       uuid,
    notes                   text,
    references_needed       boolean NOT NULL DEFAULT false,
    staff_user_id           uuid REFERENCES staff_users (id),
    source                  text NOT NULL DEFAULT 'coordinator' CONSTRAINT volunteers_source_check
                            CHECK (source IN ('coordinator', 'self_registration')),
    privacy_notice_version  text,
    possible_duplicate      boolean NOT NULL DEFAULT false,
    -- Set when the person's data was erased; the row stays for the status history.
    erased_at               timestamptz,
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT volunteers_id_municipality_key UNIQUE (id, municipality_id),
    CONSTRAINT volunteers_staff_user_key UNIQUE (staff_user_id),
    -- Home unit and contact person always belong to the volunteer's municipality.
    CONSTRAINT volunteers_home_unit_fkey FOREIGN KEY (home_unit_id, municipality_id)
        REFERENCES units (id, municipality_id),
    CONSTRAINT volunteers_contact_person_fkey FOREIGN KEY (contact_person_id, municipality_id)
        REFERENCES contact_persons (id, municipality_id)
);
-- Every list is "municipality, filters, id order": each filter has an index ending in id.
CREATE INDEX volunteers_municipality_idx ON volunteers (municipality_id, id);
CREATE INDEX volunteers_status_idx ON volunteers (municipality_id, status, id);
CREATE INDEX volunteers_home_unit_idx ON volunteers (home_unit_id, id) WHERE home_unit_id IS NOT NULL;
CREATE INDEX volunteers_contact_person_idx ON volunteers (contact_person_id, id) WHERE contact_person_id IS NOT NULL;
-- A rare activity kind must not mean scanning the whole municipality: both in one GIN index.
CREATE INDEX volunteers_activity_kinds_idx ON volunteers USING gin (municipality_id, activity_kinds);
CREATE INDEX volunteers_email_idx ON volunteers (municipality_id, email) WHERE email IS NOT NULL;
CREATE INDEX volunteers_phone_idx ON volunteers (municipality_id, phone) WHERE phone IS NOT NULL;
-- Free-text search on name, email and phone.
CREATE INDEX volunteers_search_idx ON volunteers USING gin (
    (lower(given_name || ' ' || family_name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))) gin_trgm_ops
);
CREATE TRIGGER volunteers_touch BEFORE UPDATE ON volunteers
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE volunteer_status_changes (
    id            uuid PRIMARY KEY,
    volunteer_id  uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    from_status   text,
    to_status     text NOT NULL,
    reason        text NOT NULL,
    changed_by    uuid REFERENCES staff_users (id),
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volunteer_status_changes_volunteer_idx ON volunteer_status_changes (volunteer_id, id);
