DROP TABLE contact_log;
DROP TABLE follow_ups;
