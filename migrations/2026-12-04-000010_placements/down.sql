DROP TABLE visits;
DROP TABLE placement_schedules;
DROP TABLE placement_status_changes;
DROP TABLE placements;
DROP TABLE recipients;
