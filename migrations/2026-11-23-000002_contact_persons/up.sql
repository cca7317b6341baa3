-- Contact persons (kontaktpersoner): the named point of contact of volunteers and groups.
CREATE TABLE contact_persons (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    kind             text NOT NULL CONSTRAINT contact_persons_kind_check
                     CHECK (kind IN ('staff', 'group_representative')),
    name             text NOT NULL,
    email            text,
    phone            text,
    -- A staff contact person may be linked to the account they log in with.
    staff_user_id    uuid REFERENCES staff_users (id),
    active           boolean NOT NULL DEFAULT true,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contact_persons_id_municipality_key UNIQUE (id, municipality_id),
    CONSTRAINT contact_persons_staff_user_key UNIQUE (staff_user_id),
    CONSTRAINT contact_persons_link_check CHECK (staff_user_id IS NULL OR kind = 'staff')
);
CREATE INDEX contact_persons_municipality_id_idx ON contact_persons (municipality_id, id);
CREATE TRIGGER contact_persons_touch BEFORE UPDATE ON contact_persons
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();
