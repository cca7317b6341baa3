-- A unit that is a coordinator's care district cannot be deleted while it is one: deleting it
-- would silently drop the district and leave the coordinator seeing the whole municipality.
-- The coordinator's districts are changed first (PATCH /api/v1/users/{id}).
ALTER TABLE staff_user_districts
    DROP CONSTRAINT staff_user_districts_unit_fkey,
    ADD CONSTRAINT staff_user_districts_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id) ON DELETE RESTRICT;
