-- When a reference check's outcome was recorded: the day a requirement rule's maximum age
-- counts from when the check has no contact date. `updated_at` cannot serve, as any later edit
-- (notes, a correction) moves it.
ALTER TABLE reference_checks ADD COLUMN outcome_recorded_at timestamptz;
UPDATE reference_checks SET outcome_recorded_at = updated_at WHERE outcome IS NOT NULL;
