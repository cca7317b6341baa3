DROP FUNCTION IF EXISTS samspill_touch_updated_at();
