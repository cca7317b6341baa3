DROP TABLE clearance_watch;
DROP TABLE clearance_announcements;
DROP TABLE follow_up_overdue_events;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE outbox_events;
