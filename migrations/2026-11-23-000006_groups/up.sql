-- Groups (associations, companies, school classes, kindergartens, networks) vetted through the
-- person who answers for them, with named members who are volunteers.

CREATE TABLE groups (
    id                 uuid PRIMARY KEY,
    municipality_id    uuid NOT NULL REFERENCES municipalities (id),
    name               text NOT NULL,
    kind               text NOT NULL CONSTRAINT groups_kind_check
                       CHECK (kind IN ('association', 'company', 'school_class', 'kindergarten', 'network', 'other')),
    org_number         text,
    description        text,
    home_unit_id       uuid,
    -- The group's representative: the person the municipality vets and who answers for the group.
    contact_person_id  uuid NOT NULL,
    head_count         integer NOT NULL CONSTRAINT groups_head_count_check CHECK (head_count BETWEEN 1 AND 10000),
    status             text NOT NULL DEFAULT 'registered' CONSTRAINT groups_status_check
                       CHECK (status IN ('registered', 'in_screening', 'approved', 'paused', 'rejected', 'withdrawn')),
    external_reference text,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    status_changed_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_id_municipality_key UNIQUE (id, municipality_id),
    CONSTRAINT groups_home_unit_fkey FOREIGN KEY (home_unit_id, municipality_id)
        REFERENCES units (id, municipality_id),
    CONSTRAINT groups_contact_person_fkey FOREIGN KEY (contact_person_id, municipality_id)
        REFERENCES contact_persons (id, municipality_id)
);
CREATE INDEX groups_municipality_idx ON groups (municipality_id, id);
CREATE INDEX groups_contact_person_idx ON groups (contact_person_id, id);
CREATE INDEX groups_status_feed_idx ON groups (municipality_id, status_changed_at, id);
CREATE UNIQUE INDEX groups_external_reference_key
    ON groups (municipality_id, external_reference) WHERE external_reference IS NOT NULL;
CREATE TRIGGER groups_touch BEFORE UPDATE ON groups
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();
CREATE TRIGGER groups_status_touch BEFORE UPDATE ON groups
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_status_touch();

-- Named members: volunteers of the same municipality. Per-person requirements (police
-- certificates, dog approvals) are checked for them.
CREATE TABLE group_members (
    group_id         uuid NOT NULL,
    volunteer_id     uuid NOT NULL,
    municipality_id  uuid NOT NULL,
    added_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, volunteer_id),
    CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id, municipality_id)
        REFERENCES groups (id, municipality_id) ON DELETE CASCADE,
    CONSTRAINT group_members_volunteer_fkey FOREIGN KEY (volunteer_id, municipality_id)
        REFERENCES volunteers (id, municipality_id) ON DELETE CASCADE
);
CREATE INDEX group_members_volunteer_idx ON group_members (volunteer_id);

-- The screening interview, held with the group's contact person of the time.
CREATE TABLE group_screenings (
    id                 uuid PRIMARY KEY,
    group_id           uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    contact_person_id  uuid NOT NULL REFERENCES contact_persons (id),
    held_at            timestamptz NOT NULL,
    channel            text NOT NULL CONSTRAINT group_screenings_channel_check
                       CHECK (channel IN ('phone', 'video', 'in_person')),
    interviewer_id     uuid NOT NULL REFERENCES staff_users (id),
    assessment         text NOT NULL CONSTRAINT group_screenings_assessment_check
                       CHECK (assessment IN ('suitable', 'not_suitable', 'needs_follow_up')),
    notes              text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_screenings_group_idx ON group_screenings (group_id, held_at DESC, id DESC);

-- Declarations signed on behalf of the group by its contact person of the time.
CREATE TABLE group_declarations (
    id                 uuid PRIMARY KEY,
    group_id           uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind               text NOT NULL CONSTRAINT group_declarations_kind_check
                       CHECK (kind IN ('confidentiality', 'privacy_guidelines', 'volunteer_agreement')),
    document_version   text NOT NULL,
    signed_on          date NOT NULL,
    signed_by          uuid NOT NULL REFERENCES contact_persons (id),
    recorded_by        uuid NOT NULL REFERENCES staff_users (id),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_declarations_group_idx ON group_declarations (group_id, kind, signed_on DESC);

CREATE TABLE group_status_changes (
    id           uuid PRIMARY KEY,
    group_id     uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    from_status  text,
    to_status    text NOT NULL,
    reason       text NOT NULL,
    changed_by   uuid REFERENCES staff_users (id),
    changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_status_changes_group_idx ON group_status_changes (group_id, id);

-- The status feed's clock for groups: their own records, their members, and the members' facts.
CREATE FUNCTION samspill_group_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE groups SET status_changed_at = now() WHERE id = OLD.group_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE groups SET status_changed_at = now() WHERE id = NEW.group_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER group_members_status_touch AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION samspill_group_fact_changed();
CREATE TRIGGER group_screenings_status_touch AFTER INSERT OR UPDATE OR DELETE ON group_screenings
    FOR EACH ROW EXECUTE FUNCTION samspill_group_fact_changed();
CREATE TRIGGER group_declarations_status_touch AFTER INSERT OR UPDATE OR DELETE ON group_declarations
    FOR EACH ROW EXECUTE FUNCTION samspill_group_fact_changed();

-- A member's own facts (certificates, dogs) decide the group's clearance too.
CREATE OR REPLACE FUNCTION samspill_volunteer_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.volunteer_id;
        UPDATE groups SET status_changed_at = now()
         WHERE id IN (SELECT group_id FROM group_members WHERE volunteer_id = OLD.volunteer_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.volunteer_id;
        UPDATE groups SET status_changed_at = now()
         WHERE id IN (SELECT group_id FROM group_members WHERE volunteer_id = NEW.volunteer_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION samspill_handler_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.handler_id;
        UPDATE groups SET status_changed_at = now()
         WHERE id IN (SELECT group_id FROM group_members WHERE volunteer_id = OLD.handler_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.handler_id;
        UPDATE groups SET status_changed_at = now()
         WHERE id IN (SELECT group_id FROM group_members WHERE volunteer_id = NEW.handler_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- What a whole municipality requires decides its groups' clearance as well.
CREATE OR REPLACE FUNCTION samspill_municipality_rules_changed() RETURNS trigger AS $$
DECLARE
    tenant uuid;
BEGIN
    IF TG_TABLE_NAME = 'municipalities' THEN
        tenant := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        tenant := OLD.municipality_id;
    ELSE
        tenant := NEW.municipality_id;
    END IF;
    UPDATE volunteers SET status_changed_at = now()
     WHERE municipality_id = tenant AND erased_at IS NULL;
    UPDATE groups SET status_changed_at = now() WHERE municipality_id = tenant;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
