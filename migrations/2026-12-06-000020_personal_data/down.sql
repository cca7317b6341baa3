DROP TABLE volunteer_import_rows;
DROP TABLE volunteer_imports;
UPDATE volunteers SET source = 'coordinator' WHERE source = 'import';
ALTER TABLE volunteers DROP CONSTRAINT volunteers_source_check;
ALTER TABLE volunteers ADD CONSTRAINT volunteers_source_check
    CHECK (source IN ('coordinator', 'self_registration'));
DROP TABLE retention_notices;
DROP TABLE retention_extensions;
DROP TABLE retention_policies;
DROP TABLE consents;
DELETE FROM audit_log WHERE actor_kind = 'scheduler' OR resource <> 'police_certificate'
    OR action NOT IN ('read', 'list', 'create', 'delete');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_check CHECK (resource IN ('police_certificate'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'list', 'create', 'delete'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
    CHECK (actor_kind IN ('staff_user', 'service_account'));
DROP INDEX audit_log_municipality_idx;
ALTER TABLE audit_log DROP COLUMN request_id;
DELETE FROM audit_log a WHERE volunteer_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM volunteers v WHERE v.id = a.volunteer_id);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_volunteer_id_fkey
    FOREIGN KEY (volunteer_id) REFERENCES volunteers (id);
