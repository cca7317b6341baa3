DROP TABLE visits;
DROP TABLE placement_schedules;
DROP TABLE placement_status_changes;
DROP TABLE placements;
DROP FUNCTION samspill_placement_changed();
DROP TABLE recipients;
