-- Coordinators per care district: a coordinator account limited to one or more units (care
-- districts), which then sees the volunteers whose home unit lies in one of them or below, and
-- the placements, visits, follow-ups and hours of those units. An account with no row here is
-- municipality-wide.
ALTER TABLE staff_users
    ADD CONSTRAINT staff_users_municipality_id_key UNIQUE (municipality_id, id);

CREATE TABLE staff_user_districts (
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    staff_user_id    uuid NOT NULL,
    unit_id          uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, staff_user_id, unit_id),
    CONSTRAINT staff_user_districts_staff_user_fkey FOREIGN KEY (municipality_id, staff_user_id)
        REFERENCES staff_users (municipality_id, id) ON DELETE CASCADE,
    CONSTRAINT staff_user_districts_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_user_districts_account_idx ON staff_user_districts (staff_user_id);
CREATE INDEX staff_user_districts_unit_idx ON staff_user_districts (municipality_id, unit_id);

-- The units an account's districts cover: each district and every unit below it. Read once per
-- query (an uncorrelated subquery), so a unit moved or added under a district counts at once.
CREATE FUNCTION district_units(account uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE covered (municipality_id, id) AS (
        SELECT d.municipality_id, d.unit_id FROM staff_user_districts d WHERE d.staff_user_id = account
        UNION
        SELECT u.municipality_id, u.id
          FROM units u JOIN covered c ON u.municipality_id = c.municipality_id AND u.parent_id = c.id
    )
    SELECT id FROM covered
$$;
