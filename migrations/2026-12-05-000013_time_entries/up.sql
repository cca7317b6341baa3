-- The hours log (timer): minutes a volunteer or a group gave on a date, optionally for a
-- placement or one of its visits, pending until approved (or declined); and the history of
-- every status change. Entries are never deleted. Every key and foreign key starts with the
-- municipality, ready to be distributed by tenant.

CREATE TABLE time_entries (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    volunteer_id     uuid,
    group_id         uuid,
    -- How many of a group's people took part; person-minutes are minutes x head_count.
    head_count       integer CONSTRAINT time_entries_head_count_check CHECK (head_count BETWEEN 1 AND 10000),
    occurred_on      date NOT NULL,
    minutes          integer NOT NULL CONSTRAINT time_entries_minutes_check
                     CHECK (minutes BETWEEN 1 AND 1440),
    placement_id     uuid,
    visit_id         uuid,
    -- Copied from the placement when linked (for a home visit: the unit answering for the
    -- person), so that reports group without joins.
    unit_id          uuid,
    activity_kind    text,
    note             text,
    source           text NOT NULL CONSTRAINT time_entries_source_check
                     CHECK (source IN ('volunteer', 'coordinator', 'visit')),
    status           text NOT NULL CONSTRAINT time_entries_status_check
                     CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by       uuid REFERENCES staff_users (id),
    decided_at       timestamptz,
    created_by       uuid REFERENCES staff_users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT time_entries_who_check CHECK ((volunteer_id IS NULL) <> (group_id IS NULL)),
    CONSTRAINT time_entries_group_head_count_check CHECK ((group_id IS NULL) = (head_count IS NULL)),
    CONSTRAINT time_entries_visit_placement_check CHECK (visit_id IS NULL OR placement_id IS NOT NULL),
    CONSTRAINT time_entries_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id),
    CONSTRAINT time_entries_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id),
    CONSTRAINT time_entries_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id),
    -- A planned visit may be taken away when its schedule changes; the hours stay.
    CONSTRAINT time_entries_visit_fkey FOREIGN KEY (municipality_id, visit_id)
        REFERENCES visits (municipality_id, id) ON DELETE SET NULL (visit_id),
    CONSTRAINT time_entries_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id)
);
-- At most one entry per visit that is not declined: completing a visit makes one, and a
-- second (by anyone) is refused; a declined one may be logged again correctly.
CREATE UNIQUE INDEX time_entries_visit_key ON time_entries (municipality_id, visit_id)
    WHERE visit_id IS NOT NULL AND status <> 'declined';
-- A person's day (the 24-hour rule) and their entries.
CREATE INDEX time_entries_volunteer_idx ON time_entries (municipality_id, volunteer_id, occurred_on)
    WHERE volunteer_id IS NOT NULL;
CREATE INDEX time_entries_group_idx ON time_entries (municipality_id, group_id, occurred_on)
    WHERE group_id IS NOT NULL;
CREATE INDEX time_entries_placement_idx ON time_entries (municipality_id, placement_id)
    WHERE placement_id IS NOT NULL;
CREATE INDEX time_entries_unit_idx ON time_entries (municipality_id, unit_id)
    WHERE unit_id IS NOT NULL;
-- The coordinators' queue: pending entries in id order.
CREATE INDEX time_entries_status_idx ON time_entries (municipality_id, status, id);
-- The hours report reads only approved entries of a municipality between two dates: a partial
-- index with every column it groups and sums answers it from the index alone.
CREATE INDEX time_entries_report_idx ON time_entries (municipality_id, occurred_on)
    INCLUDE (unit_id, activity_kind, volunteer_id, group_id, minutes, head_count)
    WHERE status = 'approved';
CREATE TRIGGER time_entries_touch BEFORE UPDATE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE time_entry_changes (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    time_entry_id    uuid NOT NULL,
    -- NULL for the first row (the entry logged).
    from_status      text,
    to_status        text NOT NULL,
    reason           text,
    -- NULL when the service acted.
    changed_by       uuid REFERENCES staff_users (id),
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT time_entry_changes_entry_fkey FOREIGN KEY (municipality_id, time_entry_id)
        REFERENCES time_entries (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX time_entry_changes_entry_idx ON time_entry_changes (municipality_id, time_entry_id, id);
