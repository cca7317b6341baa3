ALTER TABLE requirement_rules DROP CONSTRAINT requirement_rules_training_check;
ALTER TABLE requirement_rules DROP COLUMN training;
DROP TABLE training_credentials;
DROP TABLE event_attendance;
DROP TABLE event_invitations;
DROP TABLE event_sessions;
DROP TABLE events;
