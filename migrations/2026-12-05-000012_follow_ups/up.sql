-- Follow-ups (oppfølging) of volunteers, groups, units, people visited at home and placements,
-- planned by the municipality's follow-up settings or added by hand, and the log of contacts
-- made or tried. Every key and foreign key starts with the municipality, ready to be
-- distributed by tenant. Overdue is derived (scheduled and due before today), never stored.

CREATE TABLE follow_ups (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    -- The subject: exactly one of these.
    volunteer_id     uuid,
    group_id         uuid,
    unit_id          uuid,
    recipient_id     uuid,
    placement_id     uuid,
    purpose          text NOT NULL CONSTRAINT follow_ups_purpose_check
                     CHECK (purpose IN ('intro', 'first_visit_review', 'periodic', 'concern', 'exit')),
    channel          text NOT NULL CONSTRAINT follow_ups_channel_check
                     CHECK (channel IN ('phone', 'video', 'meeting', 'home_visit')),
    due_on           date NOT NULL,
    -- A coordinator's or contact person's account; none until someone is assigned.
    assignee_id      uuid REFERENCES staff_users (id),
    status           text NOT NULL DEFAULT 'scheduled' CONSTRAINT follow_ups_status_check
                     CHECK (status IN ('scheduled', 'done', 'missed', 'cancelled')),
    outcome          text CONSTRAINT follow_ups_outcome_check
                     CHECK (outcome IN ('ok', 'concern', 'action_needed')),
    -- Read by coordinators and the assignee only.
    note             text,
    -- `plan`: made by the municipality's follow-up plan; `manual`: added by someone;
    -- `outcome`: the concern a follow-up done with `action_needed` opened.
    source           text NOT NULL CONSTRAINT follow_ups_source_check
                     CHECK (source IN ('plan', 'manual', 'outcome')),
    raised_by_id     uuid,
    created_by       uuid REFERENCES staff_users (id),
    closed_at        timestamptz,
    closed_by        uuid REFERENCES staff_users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT follow_ups_one_subject_check
        CHECK (num_nonnulls(volunteer_id, group_id, unit_id, recipient_id, placement_id) = 1),
    CONSTRAINT follow_ups_outcome_when_done_check
        CHECK ((status = 'done') = (outcome IS NOT NULL)),
    CONSTRAINT follow_ups_closed_check
        CHECK ((status = 'scheduled') = (closed_at IS NULL)),
    CONSTRAINT follow_ups_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id),
    CONSTRAINT follow_ups_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id),
    CONSTRAINT follow_ups_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id),
    CONSTRAINT follow_ups_recipient_fkey FOREIGN KEY (municipality_id, recipient_id)
        REFERENCES recipients (municipality_id, id),
    CONSTRAINT follow_ups_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id),
    CONSTRAINT follow_ups_raised_by_fkey FOREIGN KEY (municipality_id, raised_by_id)
        REFERENCES follow_ups (municipality_id, id),
    -- One concern per follow-up that asked for action.
    CONSTRAINT follow_ups_raised_by_key UNIQUE (municipality_id, raised_by_id)
);
CREATE INDEX follow_ups_open_idx ON follow_ups (municipality_id, due_on) WHERE status = 'scheduled';
CREATE INDEX follow_ups_assignee_idx ON follow_ups (municipality_id, assignee_id, due_on) WHERE assignee_id IS NOT NULL;
CREATE INDEX follow_ups_volunteer_idx ON follow_ups (municipality_id, volunteer_id) WHERE volunteer_id IS NOT NULL;
CREATE INDEX follow_ups_group_idx ON follow_ups (municipality_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX follow_ups_unit_idx ON follow_ups (municipality_id, unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX follow_ups_recipient_idx ON follow_ups (municipality_id, recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX follow_ups_placement_idx ON follow_ups (municipality_id, placement_id) WHERE placement_id IS NOT NULL;
-- The plan makes each of these once, however often and on however many instances it runs.
CREATE UNIQUE INDEX follow_ups_plan_intro_key ON follow_ups (municipality_id, volunteer_id)
    WHERE source = 'plan' AND purpose = 'intro';
CREATE UNIQUE INDEX follow_ups_plan_review_key ON follow_ups (municipality_id, placement_id)
    WHERE source = 'plan' AND purpose = 'first_visit_review';
CREATE UNIQUE INDEX follow_ups_plan_volunteer_key ON follow_ups (municipality_id, volunteer_id)
    WHERE source = 'plan' AND purpose = 'periodic' AND status = 'scheduled' AND volunteer_id IS NOT NULL;
CREATE UNIQUE INDEX follow_ups_plan_unit_key ON follow_ups (municipality_id, unit_id)
    WHERE source = 'plan' AND purpose = 'periodic' AND status = 'scheduled' AND unit_id IS NOT NULL;
CREATE TRIGGER follow_ups_touch BEFORE UPDATE ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- A contact made or tried: under a follow-up or on its own. A call nobody answered is logged
-- with `reached = false`; nothing is deleted.
CREATE TABLE contact_log (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    follow_up_id     uuid,
    volunteer_id     uuid,
    group_id         uuid,
    unit_id          uuid,
    recipient_id     uuid,
    placement_id     uuid,
    occurred_at      timestamptz NOT NULL,
    -- Who was reached or tried: "the volunteer", "the ward's head nurse".
    counterpart      text NOT NULL,
    channel          text NOT NULL CONSTRAINT contact_log_channel_check
                     CHECK (channel IN ('phone', 'video', 'meeting', 'home_visit')),
    reached          boolean NOT NULL,
    duration_minutes integer CONSTRAINT contact_log_duration_check
                     CHECK (duration_minutes BETWEEN 1 AND 600),
    -- Read by coordinators and the one who logged it only.
    note             text,
    logged_by        uuid NOT NULL REFERENCES staff_users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT contact_log_one_subject_check
        CHECK (num_nonnulls(volunteer_id, group_id, unit_id, recipient_id, placement_id) = 1),
    CONSTRAINT contact_log_follow_up_fkey FOREIGN KEY (municipality_id, follow_up_id)
        REFERENCES follow_ups (municipality_id, id),
    CONSTRAINT contact_log_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id),
    CONSTRAINT contact_log_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id),
    CONSTRAINT contact_log_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id),
    CONSTRAINT contact_log_recipient_fkey FOREIGN KEY (municipality_id, recipient_id)
        REFERENCES recipients (municipality_id, id),
    CONSTRAINT contact_log_placement_fkey FOREIGN KEY (municipality_id, placement_id)
        REFERENCES placements (municipality_id, id)
);
CREATE INDEX contact_log_follow_up_idx ON contact_log (municipality_id, follow_up_id) WHERE follow_up_id IS NOT NULL;
-- The last contact reached with a volunteer, for the work list's "no contact for N days".
CREATE INDEX contact_log_volunteer_idx ON contact_log (municipality_id, volunteer_id, occurred_at)
    WHERE volunteer_id IS NOT NULL;
CREATE INDEX contact_log_unit_idx ON contact_log (municipality_id, unit_id, occurred_at) WHERE unit_id IS NOT NULL;
CREATE INDEX contact_log_group_idx ON contact_log (municipality_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX contact_log_recipient_idx ON contact_log (municipality_id, recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX contact_log_placement_idx ON contact_log (municipality_id, placement_id) WHERE placement_id IS NOT NULL;
