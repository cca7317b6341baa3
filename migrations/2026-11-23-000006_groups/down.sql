CREATE OR REPLACE FUNCTION samspill_municipality_rules_changed() RETURNS trigger AS $$
DECLARE
    tenant uuid;
BEGIN
    IF TG_TABLE_NAME = 'municipalities' THEN
        tenant := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        tenant := OLD.municipality_id;
    ELSE
        tenant := NEW.municipality_id;
    END IF;
    UPDATE volunteers SET status_changed_at = now()
     WHERE municipality_id = tenant AND erased_at IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION samspill_handler_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.handler_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.handler_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION samspill_volunteer_fact_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = OLD.volunteer_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE volunteers SET status_changed_at = now() WHERE id = NEW.volunteer_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TABLE IF EXISTS group_status_changes;
DROP TABLE IF EXISTS group_declarations;
DROP TABLE IF EXISTS group_screenings;
DROP TABLE IF EXISTS group_members;
DROP TABLE IF EXISTS groups;
DROP FUNCTION IF EXISTS samspill_group_fact_changed();
