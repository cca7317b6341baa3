-- Police certificates, visiting dogs, activity kinds, requirement rules, the audit log of
-- sensitive reads and changes, and what the status feed needs.

-- The id a municipal system knows the volunteer by, and when anything that decides the
-- volunteer's clearance last changed (the status feed's clock).
ALTER TABLE volunteers ADD COLUMN external_reference text;
ALTER TABLE volunteers ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX volunteers_external_reference_key
    ON volunteers (municipality_id, external_reference) WHERE external_reference IS NOT NULL;
CREATE INDEX volunteers_status_feed_idx ON volunteers (municipality_id, status_changed_at, id);

-- A municipality's own activity kinds; the five defaults live in the code.
CREATE TABLE activity_kinds (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    code             text NOT NULL,
    name             text NOT NULL,
    description      text,
    created_by       uuid REFERENCES staff_users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activity_kinds_code_key UNIQUE (municipality_id, code)
);

-- What was shown, when and to whom: never the document, never the remarks.
CREATE TABLE police_certificates (
    id            uuid PRIMARY KEY,
    volunteer_id  uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    kind          text NOT NULL CONSTRAINT police_certificates_kind_check
                  CHECK (kind IN ('politiattest', 'boerneattest', 'straffeattest')),
    purpose       text NOT NULL,
    issued_on     date NOT NULL,
    presented_on  date NOT NULL,
    checked_by    uuid NOT NULL REFERENCES staff_users (id),
    outcome       text NOT NULL CONSTRAINT police_certificates_outcome_check
                  CHECK (outcome IN ('no_remarks', 'remarks_not_relevant', 'remarks_disqualifying')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT police_certificates_dates_check CHECK (presented_on >= issued_on)
);
CREATE INDEX police_certificates_volunteer_idx ON police_certificates (volunteer_id, issued_on DESC);

-- Who read or changed sensitive records. Actors are kept as ids without foreign keys so that
-- the log outlives the accounts it names.
CREATE TABLE audit_log (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    volunteer_id     uuid REFERENCES volunteers (id),
    actor_kind       text NOT NULL CONSTRAINT audit_log_actor_kind_check
                     CHECK (actor_kind IN ('staff_user', 'service_account')),
    actor_id         uuid NOT NULL,
    action           text NOT NULL CONSTRAINT audit_log_action_check
                     CHECK (action IN ('read', 'list', 'create', 'delete')),
    resource         text NOT NULL CONSTRAINT audit_log_resource_check
                     CHECK (resource IN ('police_certificate')),
    resource_id      uuid,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_volunteer_idx ON audit_log (volunteer_id, id);

-- Visiting dogs (besøkshunder) and their dated approvals, made for a handler and dog as a team.
CREATE TABLE dogs (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    handler_id       uuid NOT NULL,
    name             text NOT NULL,
    breed            text NOT NULL,
    birth_date       date NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dogs_id_municipality_key UNIQUE (id, municipality_id),
    CONSTRAINT dogs_handler_fkey FOREIGN KEY (handler_id, municipality_id)
        REFERENCES volunteers (id, municipality_id) ON DELETE CASCADE
);
CREATE INDEX dogs_municipality_idx ON dogs (municipality_id, id);
CREATE INDEX dogs_handler_idx ON dogs (handler_id, id);
CREATE TRIGGER dogs_touch BEFORE UPDATE ON dogs
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE dog_approvals (
    id                        uuid PRIMARY KEY,
    dog_id                    uuid NOT NULL REFERENCES dogs (id) ON DELETE CASCADE,
    -- The handler the team was approved with; a new handler needs a new approval.
    handler_id                uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    programme                 text NOT NULL,
    categories                text[] NOT NULL CONSTRAINT dog_approvals_categories_check
                              CHECK (cardinality(categories) > 0 AND categories <@
                                     ARRAY['walk', 'institution_common_room', 'institution_single_room', 'home_visit']),
    assessed_on               date NOT NULL,
    assessor                  text NOT NULL,
    vet_checked_on            date NOT NULL,
    vaccinations_valid_until  date NOT NULL,
    insurance_valid_until     date NOT NULL,
    valid_until               date NOT NULL,
    restrictions              text,
    recorded_by               uuid NOT NULL REFERENCES staff_users (id),
    created_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dog_approvals_dates_check CHECK (valid_until >= assessed_on)
);
CREATE INDEX dog_approvals_dog_idx ON dog_approvals (dog_id, assessed_on DESC);

-- A municipality's own clearance rules: "when <scope>, require <requirement> at most <age> old".
CREATE TABLE requirement_rules (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    name             text NOT NULL,
    activity_kind    text,
    setting          text CONSTRAINT requirement_rules_setting_check
                     CHECK (setting IN ('institution', 'private_home')),
    target_group     text,
    with_dog         boolean,
    requirement      text NOT NULL,
    max_age_months   smallint CONSTRAINT requirement_rules_max_age_check
                     CHECK (max_age_months BETWEEN 1 AND 240),
    strict           boolean NOT NULL DEFAULT true,
    created_by       uuid REFERENCES staff_users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requirement_rules_municipality_idx ON requirement_rules (municipality_id, id);
CREATE TRIGGER requirement_rules_touch BEFORE UPDATE ON requirement_rules
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- The status feed's clock. Any change to a volunteer or to a fact its clearance rests on moves
-- status_changed_at; a change to what a whole municipality requires moves it for all its
-- volunteers. The triggers keep this in one place, so no write path can forget it.
CREATE FUNCTION samspill_volunteer_status_touch() RETURNS trigger AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.status_changed_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_status_touch BEFORE UPDATE ON volunteers
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_status_touch();

-- For tables with a volunteer_id column.
CREATE FUNCTION samspill_volunteer_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.volunteer_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.volunteer_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- For dogs and dog approvals, which name the volunteer as handler_id.
CREATE FUNCTION samspill_handler_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.handler_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.handler_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION samspill_municipality_rules_changed() RETURNS trigger AS $$
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
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER screenings_status_touch AFTER INSERT OR UPDATE OR DELETE ON screenings
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_fact_changed();
CREATE TRIGGER reference_checks_status_touch AFTER INSERT OR UPDATE OR DELETE ON reference_checks
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_fact_changed();
CREATE TRIGGER declarations_status_touch AFTER INSERT OR UPDATE OR DELETE ON declarations
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_fact_changed();
CREATE TRIGGER police_certificates_status_touch AFTER INSERT OR UPDATE OR DELETE ON police_certificates
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_fact_changed();
CREATE TRIGGER dogs_status_touch AFTER INSERT OR UPDATE OR DELETE ON dogs
    FOR EACH ROW EXECUTE FUNCTION samspill_handler_fact_changed();
CREATE TRIGGER dog_approvals_status_touch AFTER INSERT OR UPDATE OR DELETE ON dog_approvals
    FOR EACH ROW EXECUTE FUNCTION samspill_handler_fact_changed();
CREATE TRIGGER requirement_rules_status_touch AFTER INSERT OR UPDATE OR DELETE ON requirement_rules
    FOR EACH ROW EXECUTE FUNCTION samspill_municipality_rules_changed();
CREATE TRIGGER activity_kinds_status_touch AFTER INSERT OR UPDATE OR DELETE ON activity_kinds
    FOR EACH ROW EXECUTE FUNCTION samspill_municipality_rules_changed();
CREATE TRIGGER municipality_documents_status_touch AFTER INSERT OR UPDATE OR DELETE ON municipality_documents
    FOR EACH ROW EXECUTE FUNCTION samspill_municipality_rules_changed();
CREATE TRIGGER municipalities_settings_status_touch AFTER UPDATE ON municipalities
    FOR EACH ROW WHEN (OLD.settings IS DISTINCT FROM NEW.settings)
    EXECUTE FUNCTION samspill_municipality_rules_changed();
