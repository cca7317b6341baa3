ALTER TABLE staff_user_districts
    DROP CONSTRAINT staff_user_districts_unit_fkey,
    ADD CONSTRAINT staff_user_districts_unit_fkey FOREIGN KEY (municipality_id, unit_id)
        REFERENCES units (municipality_id, id) ON DELETE CASCADE;
