-- Back to the five kinds. Units of the newer kinds are not silently turned into `other`
-- (their kind would be lost): the migration stops and says how many there are, so that
-- whoever rolls back decides what they become first.
DO $$
DECLARE
    newer bigint;
BEGIN
    SELECT count(*) INTO newer FROM units
     WHERE kind IN ('disability_housing', 'sheltered_housing', 'activity_center');
    IF newer > 0 THEN
        RAISE EXCEPTION '% unit(s) have a kind the older schema does not know (disability_housing, sheltered_housing, activity_center); change their kind before rolling back', newer;
    END IF;
END;
$$;
ALTER TABLE units DROP CONSTRAINT units_kind_check;
ALTER TABLE units ADD CONSTRAINT units_kind_check
    CHECK (kind IN ('nursing_home', 'home_care', 'day_center', 'care_district', 'other'));
