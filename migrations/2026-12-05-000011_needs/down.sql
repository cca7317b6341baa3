DROP INDEX IF EXISTS placements_need_group_key;
DROP INDEX IF EXISTS placements_need_volunteer_key;
DROP INDEX IF EXISTS placements_need_idx;
ALTER TABLE placements DROP CONSTRAINT IF EXISTS placements_need_fkey;
ALTER TABLE placements DROP COLUMN IF EXISTS need_id;
DROP TABLE IF EXISTS need_interests;
DROP TABLE IF EXISTS needs;
