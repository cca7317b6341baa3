-- Vetting records and the document versions municipalities publish.

CREATE TABLE municipality_documents (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    kind             text NOT NULL CONSTRAINT municipality_documents_kind_check
                     CHECK (kind IN ('confidentiality', 'privacy_guidelines', 'volunteer_agreement')),
    version_label    text NOT NULL,
    published_on     date NOT NULL,
    published_by     uuid REFERENCES staff_users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT municipality_documents_version_key UNIQUE (municipality_id, kind, version_label)
);
CREATE INDEX municipality_documents_current_idx
    ON municipality_documents (municipality_id, kind, published_on DESC, id DESC);

CREATE TABLE screenings (
    id                uuid PRIMARY KEY,
    volunteer_id      uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    held_at           timestamptz NOT NULL,
    channel           text NOT NULL CONSTRAINT screenings_channel_check
                      CHECK (channel IN ('phone', 'video', 'in_person')),
    interviewer_id    uuid NOT NULL REFERENCES staff_users (id),
    interests_mapped  text[] NOT NULL DEFAULT '{}',
    assessment        text NOT NULL CONSTRAINT screenings_assessment_check
                      CHECK (assessment IN ('suitable', 'not_suitable', 'needs_follow_up')),
    notes             text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX screenings_volunteer_idx ON screenings (volunteer_id, held_at DESC, id DESC);

CREATE TABLE reference_checks (
    id            uuid PRIMARY KEY,
    volunteer_id  uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    referee_name  text NOT NULL,
    relation      text NOT NULL,
    contacted_at  timestamptz,
    outcome       text CONSTRAINT reference_checks_outcome_check
                  CHECK (outcome IN ('satisfactory', 'unsatisfactory', 'unreachable')),
    notes         text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reference_checks_volunteer_idx ON reference_checks (volunteer_id, id);
CREATE TRIGGER reference_checks_touch BEFORE UPDATE ON reference_checks
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE declarations (
    id                uuid PRIMARY KEY,
    volunteer_id      uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    kind              text NOT NULL CONSTRAINT declarations_kind_check
                      CHECK (kind IN ('confidentiality', 'privacy_guidelines', 'volunteer_agreement')),
    document_version  text NOT NULL,
    signed_on         date NOT NULL,
    -- The coordinator who received it (for the agreement: who reviewed it with the volunteer).
    recorded_by       uuid NOT NULL REFERENCES staff_users (id),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX declarations_volunteer_idx ON declarations (volunteer_id, kind, signed_on DESC);
