-- Events: recognition events, theme training, information meetings and social gatherings, with
-- one or more sessions, the people invited, their answers (with a waiting list when full),
-- attendance per session, and the training credentials a theme training grants. A requirement
-- rule can ask for a training credential by its code. Every key and foreign key starts with
-- the municipality, ready to be distributed by tenant.

CREATE TABLE events (
    municipality_id          uuid NOT NULL REFERENCES municipalities (id),
    id                       uuid NOT NULL,
    kind                     text NOT NULL CONSTRAINT events_kind_check
                             CHECK (kind IN ('recognition', 'theme_training', 'information', 'social')),
    title                    text NOT NULL,
    description              text,
    status                   text NOT NULL DEFAULT 'draft' CONSTRAINT events_status_check
                             CHECK (status IN ('draft', 'published', 'held', 'closed', 'cancelled')),
    -- Places, counted in seats (a group takes as many as it brings); none: no limit.
    capacity                 integer CONSTRAINT events_capacity_check
                             CHECK (capacity BETWEEN 1 AND 100000),
    registration_opens_at    timestamptz,
    registration_closes_at   timestamptz,
    -- Who is invited when the event is published.
    invite_all_approved      boolean NOT NULL DEFAULT false,
    invite_staff             boolean NOT NULL DEFAULT false,
    invite_unit_ids          uuid[] NOT NULL DEFAULT '{}',
    invite_volunteer_ids     uuid[] NOT NULL DEFAULT '{}',
    invite_group_ids         uuid[] NOT NULL DEFAULT '{}',
    -- What a theme training grants those who attended.
    grants_training          text,
    grant_mode               text CONSTRAINT events_grant_mode_check
                             CHECK (grant_mode IN ('all_sessions', 'any_session')),
    grant_validity_months    smallint CONSTRAINT events_grant_validity_check
                             CHECK (grant_validity_months BETWEEN 1 AND 240),
    credentials_granted_at   timestamptz,
    credentials_granted_by   uuid REFERENCES staff_users (id),
    created_by               uuid REFERENCES staff_users (id),
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT events_grant_kind_check
        CHECK (grants_training IS NULL OR kind = 'theme_training'),
    CONSTRAINT events_grant_mode_given_check
        CHECK ((grants_training IS NULL) = (grant_mode IS NULL)),
    CONSTRAINT events_grant_validity_given_check
        CHECK (grants_training IS NOT NULL OR grant_validity_months IS NULL),
    CONSTRAINT events_window_check
        CHECK (registration_opens_at IS NULL OR registration_closes_at IS NULL
               OR registration_closes_at > registration_opens_at)
);
CREATE INDEX events_status_idx ON events (municipality_id, status, id);
CREATE TRIGGER events_touch BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE event_sessions (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    event_id         uuid NOT NULL,
    position         smallint NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    place            text NOT NULL,
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT event_sessions_event_fkey FOREIGN KEY (municipality_id, event_id)
        REFERENCES events (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_sessions_position_key UNIQUE (municipality_id, event_id, position),
    CONSTRAINT event_sessions_times_check CHECK (ends_at > starts_at)
);

-- One row per person or group invited: `invited → registered | waitlisted | declined`,
-- `waitlisted → registered` when a place frees up, and back to `declined` when they cancel.
CREATE TABLE event_invitations (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    event_id         uuid NOT NULL,
    volunteer_id     uuid,
    group_id         uuid,
    staff_user_id    uuid,
    status           text NOT NULL DEFAULT 'invited' CONSTRAINT event_invitations_status_check
                     CHECK (status IN ('invited', 'registered', 'waitlisted', 'declined')),
    seats            integer NOT NULL DEFAULT 1 CONSTRAINT event_invitations_seats_check
                     CHECK (seats BETWEEN 1 AND 1000),
    answered_at      timestamptz,
    answered_by      uuid REFERENCES staff_users (id),
    -- The waiting list's order.
    waitlisted_at    timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT event_invitations_event_fkey FOREIGN KEY (municipality_id, event_id)
        REFERENCES events (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_invitations_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_invitations_group_fkey FOREIGN KEY (municipality_id, group_id)
        REFERENCES groups (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_invitations_staff_fkey FOREIGN KEY (municipality_id, staff_user_id)
        REFERENCES staff_users (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_invitations_one_invitee_check
        CHECK (num_nonnulls(volunteer_id, group_id, staff_user_id) = 1),
    CONSTRAINT event_invitations_waitlist_check
        CHECK ((status = 'waitlisted') = (waitlisted_at IS NOT NULL)),
    CONSTRAINT event_invitations_volunteer_key UNIQUE (municipality_id, event_id, volunteer_id),
    CONSTRAINT event_invitations_group_key UNIQUE (municipality_id, event_id, group_id),
    CONSTRAINT event_invitations_staff_key UNIQUE (municipality_id, event_id, staff_user_id)
);
CREATE INDEX event_invitations_event_idx ON event_invitations (municipality_id, event_id, id);
CREATE INDEX event_invitations_volunteer_idx ON event_invitations (municipality_id, volunteer_id)
    WHERE volunteer_id IS NOT NULL;
CREATE INDEX event_invitations_staff_idx ON event_invitations (municipality_id, staff_user_id)
    WHERE staff_user_id IS NOT NULL;

CREATE TABLE event_attendance (
    municipality_id  uuid NOT NULL,
    session_id       uuid NOT NULL,
    invitation_id    uuid NOT NULL,
    status           text NOT NULL CONSTRAINT event_attendance_status_check
                     CHECK (status IN ('attended', 'absent', 'excused')),
    reason           text,
    recorded_by      uuid REFERENCES staff_users (id),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, session_id, invitation_id),
    CONSTRAINT event_attendance_session_fkey FOREIGN KEY (municipality_id, session_id)
        REFERENCES event_sessions (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT event_attendance_invitation_fkey FOREIGN KEY (municipality_id, invitation_id)
        REFERENCES event_invitations (municipality_id, id) ON DELETE CASCADE
);

-- A training a volunteer has completed: granted by a theme training they attended, or
-- recorded by a coordinator for training taken elsewhere. Requirement rules ask for it by code.
CREATE TABLE training_credentials (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    volunteer_id     uuid NOT NULL,
    training         text NOT NULL,
    completed_on     date NOT NULL,
    -- The last day it counts; none: it does not run out.
    valid_until      date,
    event_id         uuid,
    note             text,
    granted_by       uuid REFERENCES staff_users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT training_credentials_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT training_credentials_event_fkey FOREIGN KEY (municipality_id, event_id)
        REFERENCES events (municipality_id, id),
    CONSTRAINT training_credentials_event_key UNIQUE (municipality_id, event_id, volunteer_id),
    CONSTRAINT training_credentials_dates_check
        CHECK (valid_until IS NULL OR valid_until >= completed_on)
);
CREATE INDEX training_credentials_volunteer_idx
    ON training_credentials (municipality_id, volunteer_id, training, completed_on DESC);
CREATE TRIGGER training_credentials_status_touch AFTER INSERT OR UPDATE OR DELETE ON training_credentials
    FOR EACH ROW EXECUTE FUNCTION samspill_volunteer_fact_changed();

-- A rule can require a training credential, named by its code.
ALTER TABLE requirement_rules ADD COLUMN training text;
ALTER TABLE requirement_rules ADD CONSTRAINT requirement_rules_training_check
    CHECK ((requirement = 'training') = (training IS NOT NULL));

-- Reminders before each session to those registered.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('visit_reminder', 'expiry_warning', 'follow_up_overdue', 'event_reminder'));
