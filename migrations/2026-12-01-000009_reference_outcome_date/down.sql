ALTER TABLE reference_checks DROP COLUMN outcome_recorded_at;
