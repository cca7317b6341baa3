-- Placements (oppdrag): a volunteer or a group placed at a unit or with a person visited at
-- home, the recurring schedules of their visits and the visits themselves. Every table's keys
-- and foreign keys start with the municipality, ready to be distributed by tenant.

-- People visited in their own homes. Data-minimised: a name to address them by, where they
-- live, a phone number, the unit that answers for them and their consent to the visits.
-- Never health data, a diagnosis or a national identity number.
CREATE TABLE recipients (
    municipality_id          uuid NOT NULL REFERENCES municipalities (id),
    id                       uuid NOT NULL,
    display_name             text NOT NULL,
    address                  text NOT NULL,
    contact_phone            text,
    responsible_unit_id      uuid NOT NULL,
    consent_given_by         text NOT NULL CONSTRAINT recipients_consent_given_by_check
                             CHECK (consent_given_by IN ('recipient', 'representative')),
    consent_representative   text,
    consent_given_on         date NOT NULL,
    consent_recorded_by      uuid NOT NULL REFERENCES staff_users (id),
    active                   boolean NOT NULL DEFAULT true,
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT recipients_representative_check
        CHECK ((consent_given_by = 'representative') = (consent_representative IS NOT NULL)),
    CONSTRAINT recipients_responsible_unit_fkey FOREIGN KEY (municipality_id, responsible_unit_id)
        REFERENCES units (municipality_id, id)
);
CREATE INDEX recipients_unit_idx ON recipients (municipality_id, responsible_unit_id, id);
CREATE TRIGGER recipients_touch BEFORE UPDATE ON recipients
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE placements (
    municipality_id      uuid NOT NULL REFERENCES municipalities (id),
    id                   uuid NOT NULL,
    volunteer_id         uuid,
    group_id             uuid,
    -- How many of a group's people take part.
    head_count           integer CONSTRAINT placements_head_count_check CHECK (head_count BETWEEN 1 AND 10000),
    unit_id              uuid,
    recipient_id         uuid,
    activity_kind        text NOT NULL,
    target_group         text NOT NULL CONSTRAINT placements_target_group_check
                         CHECK (target_group IN ('general', 'intellectual_disability', 'children', 'dementia', 'mental_health')),
    dog_id               uuid,
    coordinator_id       uuid NOT NULL REFERENCES staff_users (id),
    contact_person_id    uuid,
    starts_on            date NOT NULL,
    ends_on              date,
    description          text,
    status               text NOT NULL DEFAULT 'proposed' CONSTRAINT placements_status_check
                         CHECK (status IN ('proposed', 'active', 'paused', 'suspended', 'ended')),
    -- The clearance answer that last allowed the placement (at creation, at activation), when
    -- clearance was last checked and for which day, and the first later day on which the answer
    -- may change by date alone (a certificate running out); NULL when nothing is known to.
    clearance            jsonb NOT NULL,
    clearance_checked_at timestamptz NOT NULL DEFAULT now(),
    clearance_checked_on date NOT NULL,
    clearance_changes_on date,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT placements_who_check CHECK ((volunteer_id IS NULL) <> (group_id IS NULL)),
    CONSTRAINT placements_group_head_count_check CHECK ((group_id IS NULL) = (head_count IS NULL)),
    CONSTRAINT placements_where_check CHECK ((unit_id IS NULL) <> (recipient_id IS NULL)),
    CONSTRAINT placements_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CONSTRAINT placements_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id),
    CONSTRAINT placements_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id),
    CONSTRAINT placements_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id),
    CONSTRAINT placements_recipient_fkey FOREIGN KEY (municipality_id, recipient_id)
        REFERENCES recipients (municipality_id, id),
    -- A dog goes only when no placement that has not ended brings it (checked where dogs are
    -- deleted); ended placements then forget it.
    CONSTRAINT placements_dog_fkey FOREIGN KEY (municipality_id, dog_id)
        REFERENCES dogs (municipality_id, id) ON DELETE SET NULL (dog_id),
    CONSTRAINT placements_contact_person_fkey FOREIGN KEY (municipality_id, contact_person_id)
        REFERENCES contact_persons (municipality_id, id)
);
CREATE INDEX placements_volunteer_idx ON placements (municipality_id, volunteer_id, id);
CREATE INDEX placements_group_idx ON placements (municipality_id, group_id, id);
CREATE INDEX placements_unit_idx ON placements (municipality_id, unit_id, id);
CREATE INDEX placements_recipient_idx ON placements (municipality_id, recipient_id, id);
CREATE INDEX placements_status_idx ON placements (municipality_id, status, id);
CREATE INDEX placements_contact_person_idx ON placements (municipality_id, contact_person_id, id);
-- The clearance re-check walks the active placements.
CREATE INDEX placements_open_idx ON placements (clearance_changes_on)
    WHERE status IN ('proposed', 'active', 'paused');
CREATE TRIGGER placements_touch BEFORE UPDATE ON placements
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- The status feed tells each volunteer's and group's active placements: a placement made or
-- moved moves the feed clock of whoever it places.
CREATE FUNCTION samspill_placement_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        UPDATE volunteers SET status_changed_at = now()
         WHERE municipality_id = NEW.municipality_id AND id = NEW.volunteer_id;
        UPDATE groups SET status_changed_at = now()
         WHERE municipality_id = NEW.municipality_id AND id = NEW.group_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER placements_feed_touch AFTER INSERT OR UPDATE ON placements
    FOR EACH ROW EXECUTE FUNCTION samspill_placement_changed();

CREATE TABLE placement_status_changes (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    placement_id     uuid NOT NULL,
    from_status      text,
    to_status        text NOT NULL,
    reason           text NOT NULL,
    -- Nobody when the service itself suspended the placement.
    changed_by       uuid REFERENCES staff_users (id),
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT placement_status_changes_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX placement_status_changes_placement_idx
    ON placement_status_changes (municipality_id, placement_id, id);

-- A recurring rule: on these weekdays of every `interval_weeks`-th week from `starts_on`, at a
-- local time of the municipality's time zone, until a date or for a number of visits.
CREATE TABLE placement_schedules (
    municipality_id   uuid NOT NULL,
    id                uuid NOT NULL,
    placement_id      uuid NOT NULL,
    starts_on         date NOT NULL,
    weekdays          smallint[] NOT NULL,
    interval_weeks    smallint NOT NULL DEFAULT 1 CONSTRAINT placement_schedules_interval_check
                      CHECK (interval_weeks BETWEEN 1 AND 52),
    start_time        time NOT NULL,
    duration_minutes  integer NOT NULL CONSTRAINT placement_schedules_duration_check
                      CHECK (duration_minutes BETWEEN 5 AND 1440),
    until             date,
    count             integer CONSTRAINT placement_schedules_count_check CHECK (count BETWEEN 1 AND 1000),
    excluded_dates    date[] NOT NULL DEFAULT '{}',
    -- Visits exist for every date up to this one (the horizon when they were last generated).
    generated_until   date,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT placement_schedules_end_check CHECK (until IS NULL OR count IS NULL),
    CONSTRAINT placement_schedules_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX placement_schedules_placement_idx ON placement_schedules (municipality_id, placement_id, id);
CREATE TRIGGER placement_schedules_touch BEFORE UPDATE ON placement_schedules
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- Visits: generated ahead from a schedule (one per schedule and local date, so generating again
-- never duplicates) or added one at a time.
CREATE TABLE visits (
    municipality_id               uuid NOT NULL,
    id                            uuid NOT NULL,
    placement_id                  uuid NOT NULL,
    schedule_id                   uuid,
    local_date                    date NOT NULL,
    starts_at                     timestamptz NOT NULL,
    ends_at                       timestamptz NOT NULL,
    status                        text NOT NULL DEFAULT 'planned' CONSTRAINT visits_status_check
                                  CHECK (status IN ('planned', 'completed', 'no_show', 'cancelled')),
    accompanied_by_user_id        uuid REFERENCES staff_users (id),
    accompanied_by_contact_id     uuid,
    -- Why the visit may not take place as planned (its placement was suspended).
    flag                          text CONSTRAINT visits_flag_check
                                  CHECK (flag IN ('placement_suspended', 'placement_paused')),
    status_reason                 text,
    status_changed_by             uuid REFERENCES staff_users (id),
    status_changed_at             timestamptz,
    version                       integer NOT NULL DEFAULT 1,
    created_at                    timestamptz NOT NULL DEFAULT now(),
    updated_at                    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT visits_times_check CHECK (ends_at > starts_at),
    CONSTRAINT visits_one_companion_check
        CHECK (accompanied_by_user_id IS NULL OR accompanied_by_contact_id IS NULL),
    CONSTRAINT visits_schedule_date_key UNIQUE (municipality_id, schedule_id, local_date),
    CONSTRAINT visits_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT visits_schedule_fkey FOREIGN KEY (municipality_id, schedule_id)
        REFERENCES placement_schedules (municipality_id, id) ON DELETE SET NULL (schedule_id),
    CONSTRAINT visits_contact_fkey FOREIGN KEY (municipality_id, accompanied_by_contact_id)
        REFERENCES contact_persons (municipality_id, id)
);
CREATE INDEX visits_placement_idx ON visits (municipality_id, placement_id, starts_at, id);
CREATE INDEX visits_time_idx ON visits (municipality_id, starts_at, id);
CREATE TRIGGER visits_touch BEFORE UPDATE ON visits
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();
