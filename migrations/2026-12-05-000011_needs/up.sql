-- Needs (behov): what a unit, or a person visited at home through the coordinator, asks
-- volunteers for; who said they are interested; which placements were made from them. Every
-- key and foreign key starts with the municipality, ready to be distributed by tenant.

CREATE TABLE needs (
    municipality_id   uuid NOT NULL REFERENCES municipalities (id),
    id                uuid NOT NULL,
    -- The unit that asks; for a person visited at home, the unit that answers for them.
    unit_id           uuid NOT NULL,
    recipient_id      uuid,
    activity_kind     text NOT NULL,
    target_group      text NOT NULL CONSTRAINT needs_target_group_check
                      CHECK (target_group IN ('general', 'intellectual_disability', 'children', 'dementia', 'mental_health')),
    -- When: the one date `starts_on` when no weekdays are given; otherwise weekly on the
    -- weekdays (1 = Monday) of every `interval_weeks`-th week from `starts_on` until `until`.
    starts_on         date NOT NULL,
    weekdays          smallint[] NOT NULL DEFAULT '{}',
    interval_weeks    smallint NOT NULL DEFAULT 1 CONSTRAINT needs_interval_check
                      CHECK (interval_weeks BETWEEN 1 AND 52),
    until             date,
    start_time        time NOT NULL,
    duration_minutes  integer NOT NULL CONSTRAINT needs_duration_check
                      CHECK (duration_minutes BETWEEN 5 AND 1440),
    places            integer NOT NULL DEFAULT 1 CONSTRAINT needs_places_check
                      CHECK (places BETWEEN 1 AND 100),
    open_to           text NOT NULL DEFAULT 'volunteers' CONSTRAINT needs_open_to_check
                      CHECK (open_to IN ('volunteers', 'groups', 'both')),
    languages         text[] NOT NULL DEFAULT '{}',
    -- Shown to strangers on the public board: never a person's name, address or health.
    description       text NOT NULL,
    published         boolean NOT NULL DEFAULT false,
    status            text NOT NULL DEFAULT 'draft' CONSTRAINT needs_status_check
                      CHECK (status IN ('draft', 'open', 'filled', 'closed')),
    contact_person_id uuid,
    created_by        uuid NOT NULL REFERENCES staff_users (id),
    opened_at         timestamptz,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT needs_one_date_check
        CHECK (cardinality(weekdays) > 0 OR (until IS NULL AND interval_weeks = 1)),
    CONSTRAINT needs_dates_check CHECK (until IS NULL OR until >= starts_on),
    CONSTRAINT needs_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id),
    CONSTRAINT needs_recipient_fkey FOREIGN KEY (municipality_id, recipient_id)
        REFERENCES recipients (municipality_id, id),
    CONSTRAINT needs_contact_person_fkey FOREIGN KEY (municipality_id, contact_person_id)
        REFERENCES contact_persons (municipality_id, id)
);
CREATE INDEX needs_status_idx ON needs (municipality_id, status, id);
CREATE INDEX needs_unit_idx ON needs (municipality_id, unit_id, id);
CREATE INDEX needs_recipient_idx ON needs (municipality_id, recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX needs_contact_person_idx ON needs (municipality_id, contact_person_id) WHERE contact_person_id IS NOT NULL;
-- The public board: a municipality's open, published needs.
CREATE INDEX needs_board_idx ON needs (municipality_id, id) WHERE status = 'open' AND published;
CREATE TRIGGER needs_touch BEFORE UPDATE ON needs
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- A volunteer or a group interested in a need; said by the volunteer (logged in or at
-- self-registration), or recorded by a coordinator on their behalf (for a group, as its
-- contact person said).
CREATE TABLE need_interests (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    need_id          uuid NOT NULL,
    volunteer_id     uuid,
    group_id         uuid,
    source           text NOT NULL CONSTRAINT need_interests_source_check
                     CHECK (source IN ('volunteer', 'registration', 'coordinator')),
    recorded_by      uuid REFERENCES staff_users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT need_interests_who_check CHECK ((volunteer_id IS NULL) <> (group_id IS NULL)),
    CONSTRAINT need_interests_volunteer_key UNIQUE (municipality_id, need_id, volunteer_id),
    CONSTRAINT need_interests_group_key UNIQUE (municipality_id, need_id, group_id),
    CONSTRAINT need_interests_need_fkey FOREIGN KEY (municipality_id, need_id)
        REFERENCES needs (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT need_interests_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT need_interests_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX need_interests_volunteer_idx ON need_interests (municipality_id, volunteer_id) WHERE volunteer_id IS NOT NULL;
CREATE INDEX need_interests_group_idx ON need_interests (municipality_id, group_id) WHERE group_id IS NOT NULL;

-- The placements made from a need fill its places.
ALTER TABLE placements ADD COLUMN need_id uuid;
ALTER TABLE placements ADD CONSTRAINT placements_need_fkey FOREIGN KEY (municipality_id, need_id)
    REFERENCES needs (municipality_id, id);
CREATE INDEX placements_need_idx ON placements (municipality_id, need_id) WHERE need_id IS NOT NULL;
-- One need places a volunteer or a group once (until that placement ends).
CREATE UNIQUE INDEX placements_need_volunteer_key ON placements (municipality_id, need_id, volunteer_id)
    WHERE need_id IS NOT NULL AND volunteer_id IS NOT NULL AND status <> 'ended';
CREATE UNIQUE INDEX placements_need_group_key ON placements (municipality_id, need_id, group_id)
    WHERE need_id IS NOT NULL AND group_id IS NOT NULL AND status <> 'ended';

