DROP TABLE volunteer_status_changes;
DROP TABLE volunteers;
