-- Surveys of resource use, barriers and motivation: templates of questions (revised in place),
-- rounds sent to units or volunteers between two dates (each keeps the questions it was sent
-- with), who a round asks (with the hash of a one-time link token), and the responses. A
-- response is not linked to who gave it: it carries only the unit it counts for and the day
-- it came, and its id is random, not time-ordered. Every key and foreign key starts with the
-- municipality, ready to be distributed by tenant.

CREATE TABLE survey_templates (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    id               uuid NOT NULL,
    name             text NOT NULL,
    description      text,
    audience         text NOT NULL CONSTRAINT survey_templates_audience_check
                     CHECK (audience IN ('units', 'volunteers')),
    -- The ready template it was made from, if one.
    ready_code       text,
    -- Raised each time the questions change; a round records the revision it was sent with.
    revision         integer NOT NULL DEFAULT 1,
    questions        jsonb NOT NULL CONSTRAINT survey_templates_questions_check
                     CHECK (jsonb_typeof(questions) = 'array'),
    created_by       uuid REFERENCES staff_users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id)
);
CREATE TRIGGER survey_templates_touch BEFORE UPDATE ON survey_templates
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE survey_rounds (
    municipality_id    uuid NOT NULL,
    id                 uuid NOT NULL,
    template_id        uuid NOT NULL,
    template_revision  integer NOT NULL,
    title              text NOT NULL,
    audience           text NOT NULL CONSTRAINT survey_rounds_audience_check
                       CHECK (audience IN ('units', 'volunteers')),
    questions          jsonb NOT NULL,
    opens_on           date NOT NULL,
    closes_on          date NOT NULL,
    -- Results of a group with fewer responses are withheld.
    min_group_size     smallint NOT NULL DEFAULT 5 CONSTRAINT survey_rounds_min_group_check
                       CHECK (min_group_size BETWEEN 5 AND 1000),
    cancelled_at       timestamptz,
    created_by         uuid REFERENCES staff_users (id),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT survey_rounds_template_fkey FOREIGN KEY (municipality_id, template_id)
        REFERENCES survey_templates (municipality_id, id),
    CONSTRAINT survey_rounds_dates_check CHECK (closes_on >= opens_on)
);
CREATE INDEX survey_rounds_template_idx ON survey_rounds (municipality_id, template_id);
CREATE TRIGGER survey_rounds_touch BEFORE UPDATE ON survey_rounds
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- Who a round asks: a unit (`volunteer_id` null), or a volunteer with the home unit they had
-- when the round went out. `token_hash` is the SHA-256 of the link's one-time token (kept after
-- use, so that a used link is told apart from a wrong one); `answered_at` is set once, by the
-- link or by the volunteer signed in.
CREATE TABLE survey_recipients (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    round_id         uuid NOT NULL,
    unit_id          uuid,
    volunteer_id     uuid,
    token_hash       bytea,
    link_made_at     timestamptz,
    answered_at      timestamptz,
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT survey_recipients_round_fkey FOREIGN KEY (municipality_id, round_id)
        REFERENCES survey_rounds (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT survey_recipients_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id) ON DELETE SET NULL (unit_id),
    CONSTRAINT survey_recipients_volunteer_fkey FOREIGN KEY (municipality_id, volunteer_id)
        REFERENCES volunteers (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT survey_recipients_volunteer_key UNIQUE (municipality_id, round_id, volunteer_id),
    CONSTRAINT survey_recipients_token_key UNIQUE (municipality_id, token_hash)
);
CREATE UNIQUE INDEX survey_recipients_unit_key ON survey_recipients (municipality_id, round_id, unit_id)
    WHERE volunteer_id IS NULL;
CREATE INDEX survey_recipients_round_idx ON survey_recipients (municipality_id, round_id, id);
CREATE INDEX survey_recipients_volunteer_idx ON survey_recipients (municipality_id, volunteer_id)
    WHERE volunteer_id IS NOT NULL;
-- A link arrives with its token only: found by its hash, whatever the municipality.
CREATE INDEX survey_recipients_token_idx ON survey_recipients (token_hash)
    WHERE token_hash IS NOT NULL;

-- `unit_id` and `district_id` record where a response counted when it came (the unit, and the
-- care district above it then), with no reference to `units`: results are grouped by what was
-- recorded, so that moving or deleting a unit later cannot shift a response from one group to
-- another between two readings (which would give a small group away).
CREATE TABLE survey_responses (
    municipality_id  uuid NOT NULL,
    id               uuid NOT NULL,
    round_id         uuid NOT NULL,
    unit_id          uuid,
    district_id      uuid,
    answers          jsonb NOT NULL CONSTRAINT survey_responses_answers_check
                     CHECK (jsonb_typeof(answers) = 'object'),
    submitted_on     date NOT NULL,
    PRIMARY KEY (municipality_id, id),
    CONSTRAINT survey_responses_round_fkey FOREIGN KEY (municipality_id, round_id)
        REFERENCES survey_rounds (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX survey_responses_round_idx ON survey_responses (municipality_id, round_id);
