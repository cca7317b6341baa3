DELETE FROM notifications WHERE kind = 'event_reminder';
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('visit_reminder', 'expiry_warning', 'follow_up_overdue'));
ALTER TABLE requirement_rules DROP CONSTRAINT requirement_rules_training_check;
ALTER TABLE requirement_rules DROP COLUMN training;
DROP TABLE training_credentials;
DROP TABLE event_attendance;
DROP TABLE event_invitations;
DROP TABLE event_sessions;
DROP TABLE events;
