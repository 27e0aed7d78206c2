-- tenantc: Row-Level Security migration of the estate.
-- Generated from templates/sql/001-rls-migration.sql.hbs; do not edit. No manifest
-- value appears in a comment: a newline in one would end the comment.
--
-- Idempotent (safe to run twice, one transaction). Run it as the cluster's admin
-- user, the one whose secret the provisioning Lambda uses. It creates:
--   the owner role: NOLOGIN, owns the schema, its tables and its views;
--   the application's login role: NOSUPERUSER, NOBYPASSRLS, member of nothing here;
--   the registrar role: NOLOGIN, the only role that reads every tenant's registry row,
--     and only through the registration functions it owns (the admin is its member);
--   the tenants registry; on every tenant-scoped table a tenant_id column, a primary
--   key (tenant_id, id), ENABLE and FORCE ROW LEVEL SECURITY, and one policy per
--   command.
--
-- Fail-closed: policies compare tenant_id with the current tenant, which is the
-- transaction-local setting app.tenant_id only while that tenant is registered. With
-- no tenant set, an id that is not registered, or a removed tenant, it is NULL: nothing
-- equals it, so nothing is visible and nothing can be written. Reading needs the
-- tenant active, suspended or offboarded; writing needs it active.
-- FORCE makes the owner obey the policies too, so a view or SECURITY DEFINER function
-- the owner creates sees exactly what a direct query sees, the registry included.
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
SELECT pg_temp.tenantc_ensure_role('tessera_registrar', false);

-- The application role must never be able to become the owner or the registrar.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_revoke_membership(member_name text, group_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF pg_has_role(member_name, group_name, 'MEMBER') THEN
    EXECUTE format('REVOKE %I FROM %I', group_name, member_name);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_revoke_membership('tessera_app', 'tessera_owner');
SELECT pg_temp.tenantc_revoke_membership('tessera_app', 'tessera_registrar');

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

-- The admin acts as the owner (migrations) and as the registrar (the provisioning Lambda).
GRANT "tessera_owner" TO CURRENT_USER;
GRANT "tessera_registrar" TO CURRENT_USER;
SET LOCAL ROLE "tessera_owner";

REVOKE ALL ON SCHEMA "app" FROM PUBLIC;
GRANT USAGE ON SCHEMA "app" TO "tessera_app", "tessera_registrar";
-- For the registrar to own its functions; revoked again at the end.
GRANT CREATE ON SCHEMA "app" TO "tessera_registrar";

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
GRANT USAGE ON DOMAIN "app".tenant_id TO "tessera_registrar";

-- The tenants registry. removed_at remembers when a tenant was removed: its id is never
-- registered again, so no new tenant can inherit a removed tenant's rows.
CREATE TABLE IF NOT EXISTS "app".tenants (
  id     "app".tenant_id PRIMARY KEY,
  name   text NOT NULL,
  tier   text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'offboarded', 'removed'))
);
ALTER TABLE "app".tenants ADD COLUMN IF NOT EXISTS removed_at timestamptz;
ALTER TABLE "app".tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app".tenants FORCE ROW LEVEL SECURITY;
-- Earlier migrations gave the owner every row (tenant_registry) and everyone their own.
DROP POLICY IF EXISTS tenant_registry ON "app".tenants;
DROP POLICY IF EXISTS tenant_isolation ON "app".tenants;
DROP POLICY IF EXISTS tenant_registrar ON "app".tenants;
CREATE POLICY tenant_registrar ON "app".tenants AS PERMISSIVE FOR ALL TO "tessera_registrar"
  USING (true) WITH CHECK (true);
REVOKE ALL ON "app".tenants FROM PUBLIC;
GRANT SELECT ON "app".tenants TO "tessera_app";
GRANT SELECT, INSERT, UPDATE ON "app".tenants TO "tessera_registrar";

-- The current tenant, for reading (registered and not removed) and for writing
-- (active). SECURITY DEFINER as the registrar, so the lookup sees the registry whatever
-- the caller may read; STABLE, and called as (SELECT ...) in the policies, so it runs
-- once per statement, not once per row.
-- An estate migrated before the registrar existed has these functions owned by the
-- owner: the admin hands them over (it is a member of both).
RESET ROLE;
CREATE OR REPLACE FUNCTION pg_temp.tenantc_hand_to_registrar(schema_name text, registrar text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = schema_name AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = registrar)
             AND p.proname IN ('current_tenant_id', 'current_writable_tenant_id', 'tenantc_register_tenant', 'tenantc_mark_removed', 'tenantc_restore_tenant') LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f.sig, registrar);
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_hand_to_registrar('app', 'tessera_registrar');
SET LOCAL ROLE "tessera_registrar";
CREATE OR REPLACE FUNCTION "app".current_tenant_id() RETURNS "app".tenant_id
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT t.id FROM "app".tenants t
  WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::"app".tenant_id
    AND t.status IN ('active', 'suspended', 'offboarded')
$fn$;
CREATE OR REPLACE FUNCTION "app".current_writable_tenant_id() RETURNS "app".tenant_id
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT t.id FROM "app".tenants t
  WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::"app".tenant_id
    AND t.status = 'active'
$fn$;

-- Registering a tenant: idempotent; a row only changes when a value does. A removed
-- tenant's id is refused with the date it was removed.
CREATE OR REPLACE FUNCTION "app".tenantc_register_tenant(p_id text, p_name text, p_tier text, p_status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  was text;
  gone timestamptz;
BEGIN
  -- (EXECUTE does not set FOUND: the status read back says it.)
  EXECUTE format('SELECT status, removed_at FROM %I.tenants WHERE id = $1', 'app') INTO was, gone USING p_id;
  IF was = 'removed' THEN
    RAISE EXCEPTION 'tenant id % was removed on %: a removed id is never given to another tenant', p_id, coalesce(to_char(gone, 'YYYY-MM-DD'), 'an unrecorded date')
      USING HINT = 'choose another id; to bring the same tenant back on purpose, restore it (README, "Tenant lifecycle")';
  END IF;
  EXECUTE format($q$INSERT INTO %I.tenants AS t (id, name, tier, status) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, tier = EXCLUDED.tier, status = EXCLUDED.status
    WHERE (t.name, t.tier, t.status) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.tier, EXCLUDED.status)$q$,
    'app') USING p_id, p_name, p_tier, p_status;
END
$fn$;
-- A tenant whose manifest is gone is marked, never deleted: its rows stay, unreadable.
CREATE OR REPLACE FUNCTION "app".tenantc_mark_removed(p_known text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$UPDATE %I.tenants SET status = 'removed', removed_at = now() WHERE status <> 'removed' AND NOT (id::text = ANY ($1))$q$,
    'app') USING p_known;
END
$fn$;
-- Bringing a removed tenant back on purpose (its manifest's restoredFrom): the same
-- tenant, so its rows become its own again. Nothing else ever reactivates an id.
CREATE OR REPLACE FUNCTION "app".tenantc_restore_tenant(p_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$UPDATE %I.tenants SET status = 'active', removed_at = NULL WHERE id = $1 AND status = 'removed'$q$, 'app') USING p_id;
END
$fn$;
REVOKE ALL ON FUNCTION "app".tenantc_restore_tenant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".current_tenant_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".current_writable_tenant_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "app".current_tenant_id() TO "tessera_app", "tessera_owner";
GRANT EXECUTE ON FUNCTION "app".current_writable_tenant_id() TO "tessera_app", "tessera_owner";
REVOKE ALL ON FUNCTION "app".tenantc_register_tenant(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenantc_mark_removed(text[]) FROM PUBLIC;
SET LOCAL ROLE "tessera_owner";
REVOKE CREATE ON SCHEMA "app" FROM "tessera_registrar";

-- A tenant reads its own registry row; the owner too, so a view or function the owner
-- writes over the registry shows the current tenant only.
CREATE POLICY tenant_isolation ON "app".tenants AS PERMISSIVE FOR SELECT TO "tessera_app", "tessera_owner"
  USING (id = (SELECT "app".current_tenant_id()));

-- The primary key of a tenant table is (tenant_id, id): a key without the tenant would
-- let one tenant take the ids another's sequence hands out next (OVERRIDING SYSTEM
-- VALUE), blocking its inserts, and tell it which ids exist.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_ensure_tenant_primary_key(schema_name text, table_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rel oid := format('%I.%I', schema_name, table_name)::regclass;
  pk record;
BEGIN
  SELECT c.conname, ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k.n ORDER BY k.i) AS cols
    INTO pk FROM pg_constraint c WHERE c.conrelid = rel AND c.contype = 'p';
  IF FOUND AND pk.cols = ARRAY['tenant_id', 'id'] THEN RETURN; END IF;
  IF FOUND THEN
    EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', schema_name, table_name, pk.conname);
  END IF;
  EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (tenant_id, id)', schema_name, table_name);
END
$fn$;

CREATE TABLE IF NOT EXISTS "app"."projects" (
  id bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE "app"."projects" IS 'Projects a tenant''s users work in';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; the policies still refuse any other value.
ALTER TABLE "app"."projects"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
SELECT pg_temp.tenantc_ensure_tenant_primary_key('app', 'projects');
-- The primary key leads with tenant_id: a separate index on it would only cost writes.
DROP INDEX IF EXISTS "app"."projects_tenant_id_idx";
-- No planner statistics on tenant_id (database.tenantStatistics: private): an
-- estimate would tell one tenant how many rows another has.
ALTER TABLE "app"."projects" ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE "app"."projects" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."projects" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."projects";
DROP POLICY IF EXISTS tenant_read ON "app"."projects";
DROP POLICY IF EXISTS tenant_insert ON "app"."projects";
DROP POLICY IF EXISTS tenant_update ON "app"."projects";
DROP POLICY IF EXISTS tenant_delete ON "app"."projects";
CREATE POLICY tenant_read ON "app"."projects" AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = (SELECT "app".current_tenant_id()));
CREATE POLICY tenant_insert ON "app"."projects" AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_update ON "app"."projects" AS PERMISSIVE FOR UPDATE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()))
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_delete ON "app"."projects" AS PERMISSIVE FOR DELETE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()));
REVOKE ALL ON "app"."projects" FROM PUBLIC;
REVOKE ALL ON "app"."projects" FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."projects" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."documents" (
  id bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE "app"."documents" IS 'Documents inside projects';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; the policies still refuse any other value.
ALTER TABLE "app"."documents"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
SELECT pg_temp.tenantc_ensure_tenant_primary_key('app', 'documents');
-- The primary key leads with tenant_id: a separate index on it would only cost writes.
DROP INDEX IF EXISTS "app"."documents_tenant_id_idx";
-- No planner statistics on tenant_id (database.tenantStatistics: private): an
-- estimate would tell one tenant how many rows another has.
ALTER TABLE "app"."documents" ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE "app"."documents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."documents" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."documents";
DROP POLICY IF EXISTS tenant_read ON "app"."documents";
DROP POLICY IF EXISTS tenant_insert ON "app"."documents";
DROP POLICY IF EXISTS tenant_update ON "app"."documents";
DROP POLICY IF EXISTS tenant_delete ON "app"."documents";
CREATE POLICY tenant_read ON "app"."documents" AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = (SELECT "app".current_tenant_id()));
CREATE POLICY tenant_insert ON "app"."documents" AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_update ON "app"."documents" AS PERMISSIVE FOR UPDATE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()))
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_delete ON "app"."documents" AS PERMISSIVE FOR DELETE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()));
REVOKE ALL ON "app"."documents" FROM PUBLIC;
REVOKE ALL ON "app"."documents" FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."documents" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."comments" (
  id bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE "app"."comments" IS 'Comments on documents';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; the policies still refuse any other value.
ALTER TABLE "app"."comments"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
SELECT pg_temp.tenantc_ensure_tenant_primary_key('app', 'comments');
-- The primary key leads with tenant_id: a separate index on it would only cost writes.
DROP INDEX IF EXISTS "app"."comments_tenant_id_idx";
-- No planner statistics on tenant_id (database.tenantStatistics: private): an
-- estimate would tell one tenant how many rows another has.
ALTER TABLE "app"."comments" ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE "app"."comments" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."comments" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."comments";
DROP POLICY IF EXISTS tenant_read ON "app"."comments";
DROP POLICY IF EXISTS tenant_insert ON "app"."comments";
DROP POLICY IF EXISTS tenant_update ON "app"."comments";
DROP POLICY IF EXISTS tenant_delete ON "app"."comments";
CREATE POLICY tenant_read ON "app"."comments" AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = (SELECT "app".current_tenant_id()));
CREATE POLICY tenant_insert ON "app"."comments" AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_update ON "app"."comments" AS PERMISSIVE FOR UPDATE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()))
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_delete ON "app"."comments" AS PERMISSIVE FOR DELETE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()));
REVOKE ALL ON "app"."comments" FROM PUBLIC;
REVOKE ALL ON "app"."comments" FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."comments" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."invoices" (
  id bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE "app"."invoices" IS 'Billing documents issued to the tenant';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; the policies still refuse any other value.
ALTER TABLE "app"."invoices"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
SELECT pg_temp.tenantc_ensure_tenant_primary_key('app', 'invoices');
-- The primary key leads with tenant_id: a separate index on it would only cost writes.
DROP INDEX IF EXISTS "app"."invoices_tenant_id_idx";
-- No planner statistics on tenant_id (database.tenantStatistics: private): an
-- estimate would tell one tenant how many rows another has.
ALTER TABLE "app"."invoices" ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE "app"."invoices" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."invoices" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."invoices";
DROP POLICY IF EXISTS tenant_read ON "app"."invoices";
DROP POLICY IF EXISTS tenant_insert ON "app"."invoices";
DROP POLICY IF EXISTS tenant_update ON "app"."invoices";
DROP POLICY IF EXISTS tenant_delete ON "app"."invoices";
CREATE POLICY tenant_read ON "app"."invoices" AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = (SELECT "app".current_tenant_id()));
CREATE POLICY tenant_insert ON "app"."invoices" AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_update ON "app"."invoices" AS PERMISSIVE FOR UPDATE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()))
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_delete ON "app"."invoices" AS PERMISSIVE FOR DELETE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()));
REVOKE ALL ON "app"."invoices" FROM PUBLIC;
REVOKE ALL ON "app"."invoices" FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."invoices" TO "tessera_app";

CREATE TABLE IF NOT EXISTS "app"."audit_events" (
  id bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE "app"."audit_events" IS 'Who did what, for the tenant''s own audit log';
-- The default fills tenant_id from the transaction's tenant, so application inserts
-- need not name it; the policies still refuse any other value.
ALTER TABLE "app"."audit_events"
  ADD COLUMN IF NOT EXISTS tenant_id "app".tenant_id NOT NULL
  DEFAULT "app".current_tenant_id() REFERENCES "app".tenants (id);
SELECT pg_temp.tenantc_ensure_tenant_primary_key('app', 'audit_events');
-- The primary key leads with tenant_id: a separate index on it would only cost writes.
DROP INDEX IF EXISTS "app"."audit_events_tenant_id_idx";
-- No planner statistics on tenant_id (database.tenantStatistics: private): an
-- estimate would tell one tenant how many rows another has.
ALTER TABLE "app"."audit_events" ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE "app"."audit_events" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."audit_events" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON "app"."audit_events";
DROP POLICY IF EXISTS tenant_read ON "app"."audit_events";
DROP POLICY IF EXISTS tenant_insert ON "app"."audit_events";
DROP POLICY IF EXISTS tenant_update ON "app"."audit_events";
DROP POLICY IF EXISTS tenant_delete ON "app"."audit_events";
CREATE POLICY tenant_read ON "app"."audit_events" AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = (SELECT "app".current_tenant_id()));
CREATE POLICY tenant_insert ON "app"."audit_events" AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_update ON "app"."audit_events" AS PERMISSIVE FOR UPDATE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()))
  WITH CHECK (tenant_id = (SELECT "app".current_writable_tenant_id()));
CREATE POLICY tenant_delete ON "app"."audit_events" AS PERMISSIVE FOR DELETE TO PUBLIC
  USING (tenant_id = (SELECT "app".current_writable_tenant_id()));
REVOKE ALL ON "app"."audit_events" FROM PUBLIC;
REVOKE ALL ON "app"."audit_events" FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE, DELETE ON "app"."audit_events" TO "tessera_app";

-- Identity columns need no privilege on their sequences; USAGE would only show the
-- application every tenant's insert count (last_value).
REVOKE ALL ON ALL SEQUENCES IN SCHEMA "app" FROM "tessera_app";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA "app" FROM PUBLIC;

-- The catalog check: what is wrong around the policies, in this schema. Empty = protected.
CREATE OR REPLACE FUNCTION "app".tenantc_rls_gaps()
RETURNS TABLE (object text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = 'app'),
  owner AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_owner'),
  app AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_app'),
  registrar AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_registrar'),
  t AS (
    SELECT c.oid, format('%I.%I', 'app', c.relname) AS name, c.relrowsecurity, c.relforcerowsecurity, c.relname, c.relacl,
      (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_col,
      (SELECT a.attstattarget FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_stats
    FROM pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relkind IN ('r', 'p')
  ),
  tt AS (SELECT * FROM t WHERE relname <> 'tenants' AND tenant_col IS NOT NULL)
  SELECT name, 'row-level security is not enabled' FROM t WHERE NOT relrowsecurity
  UNION ALL
  SELECT name, 'row-level security is not forced: the owner bypasses it' FROM t WHERE NOT relforcerowsecurity
  UNION ALL
  SELECT name, 'no policy' FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
  UNION ALL
  SELECT name, 'no tenant_id column' FROM t WHERE relname <> 'tenants' AND tenant_col IS NULL
  UNION ALL
  SELECT t.name, format('policy %I has no WITH CHECK', p.polname) FROM t JOIN pg_policy p ON p.polrelid = t.oid
    WHERE p.polcmd IN ('*', 'a', 'w') AND p.polwithcheck IS NULL
  UNION ALL
  SELECT t.name, format('policy %I is not one of tenantc''s: a permissive policy widens what a tenant sees', p.polname) FROM t JOIN pg_policy p ON p.polrelid = t.oid
    WHERE p.polpermissive AND NOT (
      (t.relname <> 'tenants' AND p.polname IN ('tenant_read', 'tenant_insert', 'tenant_update', 'tenant_delete'))
      OR (t.relname = 'tenants' AND p.polname = 'tenant_isolation')
      OR (t.relname = 'tenants' AND p.polname = 'tenant_registrar' AND p.polroles = ARRAY[(SELECT oid FROM registrar)]))
  UNION ALL
  -- Keys and unique indexes without tenant_id: an oracle (does another tenant have
  -- this value?) and a way to block another tenant's inserts.
  SELECT tt.name, format('%s %I does not include tenant_id: one tenant learns whether another has a value, and can block its inserts',
      CASE WHEN i.indisprimary THEN 'primary key' ELSE 'unique index' END, ic.relname)
    FROM tt JOIN pg_index i ON i.indrelid = tt.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND NOT (tt.tenant_col = ANY (i.indkey::int2[]))
  UNION ALL
  -- Foreign keys between tenant tables must pair tenant_id with tenant_id, so a row
  -- can only reference its own tenant's (RI checks ignore row-level security).
  SELECT tt.name, format('foreign key %I to %s does not pair tenant_id with tenant_id: a row could reference, or cascade into, another tenant''s', c.conname, rt.name)
    FROM tt JOIN pg_constraint c ON c.conrelid = tt.oid AND c.contype = 'f' JOIN t rt ON rt.oid = c.confrelid
    WHERE rt.relname <> 'tenants'
      AND NOT EXISTS (SELECT 1 FROM generate_subscripts(c.conkey, 1) k(i) WHERE c.conkey[k.i] = tt.tenant_col AND c.confkey[k.i] = rt.tenant_col)
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), format('view runs as %I, which bypasses row-level security (use security_invoker)', r.rolname)
    FROM pg_class c JOIN s ON c.relnamespace = s.oid JOIN pg_roles r ON r.oid = c.relowner
    WHERE c.relkind IN ('v', 'm') AND (r.rolsuper OR r.rolbypassrls)
      AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'] OR c.reloptions @> ARRAY['security_invoker=on'], false)
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), 'view runs as the registrar, which sees every tenant''s registry row'
    FROM pg_class c JOIN s ON c.relnamespace = s.oid
    WHERE c.relkind IN ('v', 'm') AND c.relowner = (SELECT oid FROM registrar)
  UNION ALL
  SELECT format('%I.%I', 'app', f.proname), format('SECURITY DEFINER function runs as %I, which bypasses row-level security', r.rolname)
    FROM pg_proc f JOIN s ON f.pronamespace = s.oid JOIN pg_roles r ON r.oid = f.proowner
    WHERE f.prosecdef AND (r.rolsuper OR r.rolbypassrls)
  UNION ALL
  SELECT format('%I.%I', 'app', f.proname), 'function runs as the registrar, which sees every tenant''s registry row: only tenantc''s own may'
    FROM pg_proc f JOIN s ON f.pronamespace = s.oid
    WHERE f.prosecdef AND f.proowner = (SELECT oid FROM registrar)
      AND f.proname NOT IN ('current_tenant_id', 'current_writable_tenant_id', 'tenantc_register_tenant', 'tenantc_mark_removed', 'tenantc_restore_tenant')
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), format('rule %I rewrites queries as the table''s owner, outside the policies: use a trigger', w.rulename)
    FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class JOIN s ON c.relnamespace = s.oid
    WHERE w.rulename <> '_RETURN'
  UNION ALL
  -- Grants wider than the application needs.
  SELECT t.name, format('%s is granted %s: %s', CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type,
      CASE WHEN g.privilege_type = 'TRUNCATE' THEN 'TRUNCATE empties the table past row-level security' ELSE 'the application needs SELECT, INSERT, UPDATE and DELETE only' END)
    FROM t, aclexplode(t.relacl) g
    WHERE (g.grantee = 0 OR g.grantee = (SELECT oid FROM app))
      AND NOT (t.relname <> 'tenants' AND g.grantee = (SELECT oid FROM app) AND g.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE'))
      AND NOT (t.relname = 'tenants' AND g.grantee = (SELECT oid FROM app) AND g.privilege_type = 'SELECT')
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), format('%s is granted %s on a sequence: its last_value counts every tenant''s inserts',
      CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type)
    FROM pg_class c JOIN s ON c.relnamespace = s.oid, aclexplode(c.relacl) g
    WHERE c.relkind = 'S' AND (g.grantee = 0 OR g.grantee = (SELECT oid FROM app))
  UNION ALL
  SELECT quote_ident('tessera_app'), format('the application role is a member of %I', r.rolname)
    FROM pg_roles r WHERE r.oid IN ((SELECT oid FROM owner), (SELECT oid FROM registrar)) AND pg_has_role('tessera_app', r.oid, 'MEMBER')
  UNION ALL
  -- database.tenantStatistics: private.
  SELECT tt.name, 'the planner keeps statistics on tenant_id: an estimate tells one tenant how many rows another has'
    FROM tt WHERE tt.tenant_stats IS DISTINCT FROM 0
  ORDER BY 1, 2
$fn$;
GRANT EXECUTE ON FUNCTION "app".tenantc_rls_gaps() TO PUBLIC;

RESET ROLE;
COMMIT;
