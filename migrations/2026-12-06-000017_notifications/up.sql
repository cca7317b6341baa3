-- Telling people: every reminder is a row, planned once per what it is about (the unique key),
-- sent by the worker when its time has come (pending -> sent | failed | skipped with the
-- reason), so nothing is sent twice, even across restarts. Rows hold ids, never the text or an
-- address: those are read when it is sent. And each account's opt-outs per kind.

CREATE TABLE notifications (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    kind             text NOT NULL CONSTRAINT notifications_kind_check
                     CHECK (kind IN ('visit_reminder', 'expiry_warning', 'follow_up_overdue')),
    -- What it is about and for whom, e.g. visit:<id>:<start>; planned once.
    dedupe_key       text NOT NULL,
    -- To a volunteer (visit reminders) or to a staff account (coordinators, assignees).
    volunteer_id     uuid,
    staff_user_id    uuid REFERENCES staff_users (id),
    channel          text NOT NULL DEFAULT 'email' CONSTRAINT notifications_channel_check
                     CHECK (channel IN ('email', 'sms')),
    -- Ids and dates the text is made from when it is sent.
    data             jsonb NOT NULL,
    send_after       timestamptz NOT NULL,
    -- A visit reminder must go before the visit starts.
    send_before      timestamptz,
    status           text NOT NULL DEFAULT 'pending' CONSTRAINT notifications_status_check
                     CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    reason           text,
    attempts         integer NOT NULL DEFAULT 0,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT notifications_once UNIQUE (municipality_id, kind, dedupe_key),
    CONSTRAINT notifications_recipient_check CHECK ((volunteer_id IS NULL) <> (staff_user_id IS NULL)),
    CONSTRAINT notifications_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id)
);
CREATE INDEX notifications_due_idx ON notifications (send_after) WHERE status = 'pending';
CREATE INDEX notifications_volunteer_idx ON notifications (municipality_id, volunteer_id)
    WHERE volunteer_id IS NOT NULL;
CREATE INDEX notifications_staff_user_idx ON notifications (municipality_id, staff_user_id)
    WHERE staff_user_id IS NOT NULL;
CREATE TRIGGER notifications_touch BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE notification_preferences (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    staff_user_id    uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    -- The kinds this account does not want.
    opted_out        text[] NOT NULL DEFAULT '{}',
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, staff_user_id)
);
