-- Telling other systems: the outbox of events written in the same transaction as the change
-- that causes them, the municipality's webhook endpoints, one delivery per event and endpoint,
-- and every attempt made. PostgreSQL is the queue: workers claim rows with FOR UPDATE SKIP
-- LOCKED. Every key and foreign key starts with the municipality.

CREATE TABLE outbox_events (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    event_type       text NOT NULL,
    -- The exact body every endpoint receives ({"type", "timestamp", "data"}), kept as text so
    -- that a retry sends the same bytes.
    body             text NOT NULL,
    created_at       timestamptz NOT NULL,
    -- Set when the event has been handed to the endpoints that wanted it.
    dispatched_at    timestamptz,
    PRIMARY KEY (municipality_id, id)
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (created_at, id) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_events_age_idx ON outbox_events (created_at);
-- The purge finds events handed on long ago.
CREATE INDEX outbox_events_dispatched_idx ON outbox_events (dispatched_at) WHERE dispatched_at IS NOT NULL;

CREATE TABLE webhook_endpoints (
    municipality_id      uuid NOT NULL REFERENCES municipalities (id),
    id                   uuid NOT NULL,
    url                  text NOT NULL,
    description          text,
    event_types          text[] NOT NULL CONSTRAINT webhook_endpoints_event_types_check
                         CHECK (cardinality(event_types) > 0),
    enabled              boolean NOT NULL DEFAULT true,
    disabled_reason      text,
    -- The signing secret (whsec_ and base64). The previous one keeps signing beside it until
    -- previous_secret_expires_at, so a receiver can switch without missing a message.
    secret               text NOT NULL,
    previous_secret      text,
    previous_secret_expires_at timestamptz,
    -- Deliveries that failed for good in a row; reset by a success.
    failure_streak       integer NOT NULL DEFAULT 0,
    created_by           uuid REFERENCES staff_users (id),
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT webhook_endpoints_previous_check
        CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
    CONSTRAINT webhook_endpoints_disabled_check CHECK (enabled OR disabled_reason IS NOT NULL)
);
CREATE INDEX webhook_endpoints_enabled_idx ON webhook_endpoints (municipality_id) WHERE enabled;
CREATE TRIGGER webhook_endpoints_touch BEFORE UPDATE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE webhook_deliveries (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    endpoint_id      uuid NOT NULL,
    event_id         uuid NOT NULL,
    event_type       text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_deliveries_status_check
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    -- When a pending delivery is next due. A worker sending it moves this past its timeout
    -- first (a lease), so no other instance sends it meanwhile.
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT webhook_deliveries_once UNIQUE (municipality_id, endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_due_check CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (municipality_id, endpoint_id)
        REFERENCES webhook_endpoints (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_event_fkey FOREIGN KEY (municipality_id, event_id)
        REFERENCES outbox_events (municipality_id, id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (municipality_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (municipality_id, event_id);

CREATE TABLE webhook_attempts (
    municipality_id  uuid NOT NULL,
    delivery_id      uuid NOT NULL,
    attempt          integer NOT NULL,
    attempted_at     timestamptz NOT NULL,
    -- The receiver's HTTP status; NULL when no answer came (refused, timed out, not allowed).
    status_code      integer,
    error            text,
    duration_ms      integer NOT NULL,
    PRIMARY KEY (municipality_id, delivery_id, attempt),
    CONSTRAINT webhook_attempts_delivery_fkey FOREIGN KEY (municipality_id, delivery_id)
        REFERENCES webhook_deliveries (municipality_id, id) ON DELETE CASCADE
);

-- A follow-up announced as overdue, once per due date.
CREATE TABLE follow_up_overdue_events (
    municipality_id  uuid NOT NULL,
    follow_up_id     uuid NOT NULL,
    due_on           date NOT NULL,
    event_id         uuid NOT NULL,
    PRIMARY KEY (municipality_id, follow_up_id, due_on),
    CONSTRAINT follow_up_overdue_events_follow_up_fkey FOREIGN KEY (municipality_id, follow_up_id)
        REFERENCES follow_ups (municipality_id, id) ON DELETE CASCADE
);

-- What each volunteer was last told to be cleared for (volunteer.clearance_changed), so a new
-- answer is told exactly when it differs; and how far each municipality's status feed has been
-- read for it.
CREATE TABLE clearance_announcements (
    municipality_id  uuid NOT NULL,
    volunteer_id     uuid NOT NULL,
    cleared_for      jsonb NOT NULL,
    -- The day the answer changes by date alone: the volunteer is looked at again then.
    changes_on       date,
    announced_at     timestamptz NOT NULL,
    PRIMARY KEY (municipality_id, volunteer_id),
    CONSTRAINT clearance_announcements_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX clearance_announcements_changes_idx ON clearance_announcements (municipality_id, changes_on)
    WHERE changes_on IS NOT NULL;

CREATE TABLE clearance_watch (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    read_at          timestamptz NOT NULL,
    read_id          uuid NOT NULL,
    PRIMARY KEY (municipality_id)
);
