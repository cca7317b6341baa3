-- Tenants, their units, staff accounts, service accounts and refresh tokens.

CREATE TABLE municipalities (
    id          uuid PRIMARY KEY,
    country     text NOT NULL CONSTRAINT municipalities_country_check CHECK (country IN ('NO', 'DK')),
    code        text NOT NULL,
    name        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT municipalities_country_code_key UNIQUE (country, code)
);
CREATE TRIGGER municipalities_touch BEFORE UPDATE ON municipalities
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE units (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    name             text NOT NULL,
    kind             text NOT NULL CONSTRAINT units_kind_check
                     CHECK (kind IN ('nursing_home', 'home_care', 'day_center', 'care_district', 'other')),
    parent_id        uuid,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT units_id_municipality_key UNIQUE (id, municipality_id),
    -- A parent is always a unit of the same municipality.
    CONSTRAINT units_parent_fkey FOREIGN KEY (parent_id, municipality_id)
        REFERENCES units (id, municipality_id),
    CONSTRAINT units_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX units_municipality_id_idx ON units (municipality_id, id);
CREATE INDEX units_parent_id_idx ON units (parent_id) WHERE parent_id IS NOT NULL;
CREATE UNIQUE INDEX units_municipality_name_key ON units (municipality_id, lower(name));
CREATE TRIGGER units_touch BEFORE UPDATE ON units
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE staff_users (
    id                        uuid PRIMARY KEY,
    municipality_id           uuid REFERENCES municipalities (id),
    email                     text NOT NULL,
    display_name              text NOT NULL,
    role                      text NOT NULL CONSTRAINT staff_users_role_check
                              CHECK (role IN ('admin', 'coordinator', 'contact_person', 'volunteer')),
    password_hash             text NOT NULL,
    password_change_required  boolean NOT NULL DEFAULT false,
    active                    boolean NOT NULL DEFAULT true,
    last_login_at             timestamptz,
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    -- Admins serve every municipality; everybody else belongs to exactly one.
    CONSTRAINT staff_users_tenant_check CHECK ((role = 'admin') = (municipality_id IS NULL))
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (email);
CREATE INDEX staff_users_municipality_id_idx ON staff_users (municipality_id, id);
CREATE TRIGGER staff_users_touch BEFORE UPDATE ON staff_users
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

CREATE TABLE service_accounts (
    id               uuid PRIMARY KEY,
    municipality_id  uuid NOT NULL REFERENCES municipalities (id),
    name             text NOT NULL,
    client_id        text NOT NULL,
    secret_hash      bytea NOT NULL,
    scopes           text[] NOT NULL,
    active           boolean NOT NULL DEFAULT true,
    created_by       uuid REFERENCES staff_users (id),
    last_used_at     timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_accounts_client_id_key UNIQUE (client_id)
);
CREATE INDEX service_accounts_municipality_id_idx ON service_accounts (municipality_id, id);
CREATE TRIGGER service_accounts_touch BEFORE UPDATE ON service_accounts
    FOR EACH ROW EXECUTE FUNCTION samspill_touch_updated_at();

-- Refresh tokens rotate: each use marks the token used and issues the next one in the same
-- family. Presenting a used token again revokes the whole family. Only a SHA-256 hash is kept.
CREATE TABLE refresh_tokens (
    id           uuid PRIMARY KEY,
    token_hash   bytea NOT NULL,
    family_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
