DROP FUNCTION IF EXISTS district_units(uuid);
DROP TABLE IF EXISTS staff_user_districts;
ALTER TABLE staff_users DROP CONSTRAINT IF EXISTS staff_users_municipality_id_key;
