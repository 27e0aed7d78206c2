-- tenantc: Row-Level Security migration of the estate.
-- Generated from templates/sql/001-rls-migration.sql.hbs; do not edit. No manifest
-- value appears in a comment: a newline in one would end the comment.
--
-- Idempotent (safe to run twice, one transaction). Run it as the cluster's admin
-- user. It creates:
--   the owner role: NOLOGIN, owns the schema, its tables and functions;
--   the application's login role: NOSUPERUSER, NOBYPASSRLS, not the owner and not
--   a member of it;
--   the tenants table, and on every tenant-scoped table a tenant_id column and index,
--   ENABLE and FORCE ROW LEVEL SECURITY, and one policy with USING and WITH CHECK.
--
-- Fail-closed: the policies compare tenant_id with app.tenant_id, a transaction-local
-- setting. With no tenant set it is NULL (or '' after a transaction that set it
-- ends), nothing equals it, so nothing is visible and nothing can be written.
-- FORCE makes the owner obey the policies too, so a view or SECURITY DEFINER
-- function the owner creates cannot become a way around them.
BEGIN;
SET LOCAL lock_timeout = '10s';
SET LOCAL search_path = pg_catalog, pg_temp;

-- Role creation takes manifest values only as bound literals, never spliced into SQL.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_ensure_role(role_name text, can_login boolean) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
    EXECUTE format('CREATE ROLE %I', role_name);
  END IF;
  EXECUTE format('ALTER ROLE %I %s NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT',
                 role_name, CASE WHEN can_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
END
$fn$;
SELECT pg_temp.tenantc_ensure_role('tessera_owner', false);
SELECT pg_temp.tenantc_ensure_role('tessera_app', true);

-- The application role must never be able to become the owner.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_revoke_membership(member_name text, group_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF pg_has_role(member_name, group_name, 'MEMBER') THEN
    EXECUTE format('REVOKE %I FROM %I', group_name, member_name);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_revoke_membership('tessera_app', 'tessera_owner');

-- Aurora: let the application sign in with IAM tokens instead of a password.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_grant_if_role_exists(granted text, grantee text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = granted) THEN
    EXECUTE format('GRANT %I TO %I', granted, grantee);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_grant_if_role_exists('rds_iam', 'tessera_app');

CREATE SCHEMA IF NOT EXISTS "app" AUTHORIZATION "tessera_owner";
ALTER SCHEMA "app" OWNER TO "tessera_owner";

-- The migration runs as the owner from here, so everything it creates is the owner's.
GRANT "tessera_owner" TO CURRENT_USER;
SET LOCAL ROLE "tessera_owner";

REVOKE ALL ON SCHEMA "app" FROM PUBLIC;
GRANT USAGE ON SCHEMA "app" TO "tessera_app";

-- Tenant ids as a type: the same rule as the manifest schema, so a value that could
-- not be a tenant id (a quote, a backslash, a space) can never match a row.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_ensure_tenant_id_domain(schema_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE t.typname = 'tenant_id' AND n.nspname = schema_name) THEN
    EXECUTE format($f$CREATE DOMAIN %I.tenant_id AS text
      CHECK (VALUE ~ '^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$' AND length(VALUE) BETWEEN 2 AND 24)$f$, schema_name);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_ensure_tenant_id_domain('app');

-- The current tenant of this transaction, or NULL. Not SECURITY DEFINER; STABLE so
-- that the planner evaluates it once per statement and can use the tenant_id index.
CREATE OR REPLACE FUNCTION "app".current_tenant_id() RETURNS "app".tenant_id
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::"app".tenant_id $fn$;
REVOKE ALL ON FUNCTION "app".current_tenant_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "app".current_tenant_id() TO "tessera_app";

-- The tenants table: the platform writes it (through tenantc_register_tenant); a
-- tenant reads only its own row.
CREATE TABLE IF NOT EXISTS "app".tenants (
  id     "app".tenant_id PRIMARY KEY,
  name   text NOT NULL,
  tier   text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'offboarded', 'removed'))
);
ALTER TABLE "app".tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app".tenants FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app".tenants;
CREATE POLICY tenant_isolation ON "app".tenants AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (id = "app".current_tenant_id());
DROP POLICY IF EXISTS tenant_registry ON "app".tenants;
CREATE POLICY tenant_registry ON "app".tenants AS PERMISSIVE FOR ALL TO "tessera_owner"
  USING (true) WITH CHECK (true);
REVOKE ALL ON "app".tenants FROM PUBLIC;
GRANT SELECT ON "app".tenants TO "tessera_app";

-- Registering a tenant: idempotent; a row only changes when a value does.
CREATE OR REPLACE FUNCTION "app".tenantc_register_tenant(p_id text, p_name text, p_tier text, p_status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$INSERT INTO %I.tenants AS t (id, name, tier, status) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, tier = EXCLUDED.tier, status = EXCLUDED.status
    WHERE (t.name, t.tier, t.status) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.tier, EXCLUDED.status)$q$,
    'app') USING p_id, p_name, p_tier, p_status;
END
$fn$;
-- A tenant whose manifest is gone is marked, never deleted: its rows stay.
CREATE OR REPLACE FUNCTION "app".tenantc_mark_removed(p_known text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$UPDATE %I.tenants SET status = 'removed' WHERE status <> 'removed' AND NOT (id::text = ANY ($1))$q$,
    'app') USING p_known;
END
$fn$;
REVOKE ALL ON FUNCTION "app".tenantc_register_tenant(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenantc_mark_removed(text[]) FROM PUBLIC;

CREATE TABLE IF NOT EXISTS "app"."projects" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
COMMENT ON TABLE "app"."projects" IS 'Projects a tenant''s users work in';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; WITH CHECK still refuses any other value.
ALTER TABLE "app"."projects"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
CREATE INDEX IF NOT EXISTS "projects_tenant_id_idx" ON "app"."projects" (tenant_id);
ALTER TABLE "app"."projects" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."projects" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."projects";
CREATE POLICY tenant_isolation ON "app"."projects" AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = "app".current_tenant_id())
  WITH CHECK (tenant_id = "app".current_tenant_id());
REVOKE ALL ON "app"."projects" FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."projects" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."documents" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
COMMENT ON TABLE "app"."documents" IS 'Documents inside projects';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; WITH CHECK still refuses any other value.
ALTER TABLE "app"."documents"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
CREATE INDEX IF NOT EXISTS "documents_tenant_id_idx" ON "app"."documents" (tenant_id);
ALTER TABLE "app"."documents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."documents" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."documents";
CREATE POLICY tenant_isolation ON "app"."documents" AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = "app".current_tenant_id())
  WITH CHECK (tenant_id = "app".current_tenant_id());
REVOKE ALL ON "app"."documents" FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."documents" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."comments" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
COMMENT ON TABLE "app"."comments" IS 'Comments on documents';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; WITH CHECK still refuses any other value.
ALTER TABLE "app"."comments"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
CREATE INDEX IF NOT EXISTS "comments_tenant_id_idx" ON "app"."comments" (tenant_id);
ALTER TABLE "app"."comments" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."comments" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."comments";
CREATE POLICY tenant_isolation ON "app"."comments" AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = "app".current_tenant_id())
  WITH CHECK (tenant_id = "app".current_tenant_id());
REVOKE ALL ON "app"."comments" FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."comments" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."invoices" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
COMMENT ON TABLE "app"."invoices" IS 'Billing documents issued to the tenant';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; WITH CHECK still refuses any other value.
ALTER TABLE "app"."invoices"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
CREATE INDEX IF NOT EXISTS "invoices_tenant_id_idx" ON "app"."invoices" (tenant_id);
ALTER TABLE "app"."invoices" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."invoices" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."invoices";
CREATE POLICY tenant_isolation ON "app"."invoices" AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = "app".current_tenant_id())
  WITH CHECK (tenant_id = "app".current_tenant_id());
REVOKE ALL ON "app"."invoices" FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."invoices" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."audit_events" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
COMMENT ON TABLE "app"."audit_events" IS 'Who did what, for the tenant''s own audit log';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; WITH CHECK still refuses any other value.
ALTER TABLE "app"."audit_events"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
CREATE INDEX IF NOT EXISTS "audit_events_tenant_id_idx" ON "app"."audit_events" (tenant_id);
ALTER TABLE "app"."audit_events" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."audit_events" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."audit_events";
CREATE POLICY tenant_isolation ON "app"."audit_events" AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = "app".current_tenant_id())
  WITH CHECK (tenant_id = "app".current_tenant_id());
REVOKE ALL ON "app"."audit_events" FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."audit_events" TO "tessera_app";

GRANT USAGE ON ALL SEQUENCES IN SCHEMA "app" TO "tessera_app";

-- The catalog check: every table of the schema without RLS, without FORCE, without a
-- policy, with a policy that lacks WITH CHECK or widens access; and every view or
-- SECURITY DEFINER function that runs as a role that bypasses RLS. Empty = protected.
CREATE OR REPLACE FUNCTION "app".tenantc_rls_gaps()
RETURNS TABLE (object text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = 'app'),
  t AS (
    SELECT c.oid, format('%I.%I', 'app', c.relname) AS name, c.relrowsecurity, c.relforcerowsecurity, c.relname
    FROM pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relkind IN ('r', 'p')
  )
  SELECT name, 'row-level security is not enabled' FROM t WHERE NOT relrowsecurity
  UNION ALL
  SELECT name, 'row-level security is not forced: the owner bypasses it' FROM t WHERE NOT relforcerowsecurity
  UNION ALL
  SELECT name, 'no policy' FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
  UNION ALL
  SELECT name, 'no tenant_id column' FROM t
    WHERE relname <> 'tenants' AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  UNION ALL
  SELECT t.name, format('policy %I has no WITH CHECK', p.polname) FROM t JOIN pg_policy p ON p.polrelid = t.oid
    WHERE p.polcmd IN ('*', 'a', 'w') AND p.polwithcheck IS NULL
  UNION ALL
  SELECT t.name, format('permissive policy %I widens the tenant_isolation policy', p.polname) FROM t JOIN pg_policy p ON p.polrelid = t.oid
    WHERE p.polpermissive AND p.polname <> 'tenant_isolation'
      AND NOT (t.relname = 'tenants' AND p.polname = 'tenant_registry' AND p.polroles = ARRAY[(SELECT oid FROM pg_roles WHERE rolname = 'tessera_owner')])
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), format('view runs as %I, which bypasses row-level security (use security_invoker)', r.rolname)
    FROM pg_class c JOIN s ON c.relnamespace = s.oid JOIN pg_roles r ON r.oid = c.relowner
    WHERE c.relkind IN ('v', 'm') AND (r.rolsuper OR r.rolbypassrls)
      AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'] OR c.reloptions @> ARRAY['security_invoker=on'], false)
  UNION ALL
  SELECT format('%I.%I', 'app', f.proname), format('SECURITY DEFINER function runs as %I, which bypasses row-level security', r.rolname)
    FROM pg_proc f JOIN s ON f.pronamespace = s.oid JOIN pg_roles r ON r.oid = f.proowner
    WHERE f.prosecdef AND (r.rolsuper OR r.rolbypassrls)
  ORDER BY 1, 2
$fn$;
GRANT EXECUTE ON FUNCTION "app".tenantc_rls_gaps() TO PUBLIC;

RESET ROLE;
COMMIT;
