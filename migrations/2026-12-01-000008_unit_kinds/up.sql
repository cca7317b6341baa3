-- Three more kinds of unit: housing for people with disabilities (bofellesskap, bosted),
-- sheltered housing (omsorgsbolig, ældrebolig) and activity centres (aktivitetssenter).
ALTER TABLE units DROP CONSTRAINT units_kind_check;
ALTER TABLE units ADD CONSTRAINT units_kind_check
    CHECK (kind IN ('nursing_home', 'home_care', 'day_center', 'care_district',
                    'disability_housing', 'sheltered_housing', 'activity_center', 'other'));
