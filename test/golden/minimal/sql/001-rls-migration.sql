-- tenantc: Row-Level Security migration of the estate.
-- Generated from templates/sql/001-rls-migration.sql.hbs; do not edit. No manifest
-- value appears in a comment: a newline in one would end the comment.
--
-- Idempotent (safe to run twice, one transaction). Run it as the cluster's admin
-- user, the one whose secret the provisioning Lambda uses. It creates:
--   the owner role: NOLOGIN, owns the schema, its tables and its views;
--   the application's login role: NOSUPERUSER, NOBYPASSRLS, member of nothing here,
--     with no role-level settings;
--   the registrar role: NOLOGIN, the only role that reads every tenant's registry row,
--     and only through the functions it owns (the admin is its member);
--   the reaper role: NOLOGIN, a member of the application role (so PostgreSQL lets it
--     end that role's sessions, and no other's), acting only through
--     tenantc_end_session(), which ends a session only for the one who proves it ran it;
--   the tenants registry, which the application reads only through
--     current_tenant(), for the current tenant's row; on every tenant-scoped table a
--     tenant_id column, a primary key (tenant_id, id), ENABLE and FORCE ROW LEVEL
--     SECURITY, and one policy per command;
--   the tenant-context key, with which the application proves which tenant it set.
--
-- Fail-closed: policies compare tenant_id with the current tenant. The current tenant
-- is the transaction-local setting app.tenant_id only while app.tenant_proof holds its
-- HMAC under the tenant-context key and the tenant is registered. The application's
-- own code computes the proof (runtime/withTenant.ts); SQL running in the application's
-- session, an injection included, can set app.tenant_id to any value but cannot compute
-- another tenant's proof: the key is readable by the registrar only. With no tenant
-- set, a wrong proof, an id that is not registered, or a removed tenant, the current
-- tenant is NULL: nothing equals it, so nothing is visible and nothing can be written.
-- Reading needs the tenant active, suspended or offboarded; writing needs it active.
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
SELECT pg_temp.tenantc_ensure_role('tessera_reaper', false);

-- Role-level settings of the application role are cleared, in every database. Any
-- role may give itself defaults (ALTER ROLE CURRENT_USER SET ...): one tenant's
-- injected SQL could make every later session of every tenant read-only, time out at
-- once or run as another role. withTenant also pins what a default could change.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_clear_role_settings(role_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  d record;
BEGIN
  FOR d IN SELECT s.setdatabase, db.datname FROM pg_db_role_setting s LEFT JOIN pg_database db ON db.oid = s.setdatabase
           WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = role_name) LOOP
    IF d.setdatabase = 0 THEN
      EXECUTE format('ALTER ROLE %I RESET ALL', role_name);
    ELSE
      EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET ALL', role_name, d.datname);
    END IF;
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_clear_role_settings('tessera_app');

-- Two settings only a superuser may change, given to the application role so no
-- tenant's SQL can lift them (a role may not reset a superuser setting of its own):
--   temp_file_limit: one request's sorts and hashes spill at most 5 GB to disk, which
--     every tenant's queries share (Aurora: the instance's local storage, beside the logs);
--   log_parameter_max_length = 0: the log never carries bind parameters, one tenant's
--     values (and its proof) in a log another may be shown.
-- Aurora's admin is not a superuser: there the cluster parameter group sets both
-- (compiler/emit/cfn/database.ts), and this step is skipped.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_limit_app_role(role_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('ALTER ROLE %I SET temp_file_limit = %L', role_name, '5GB');
    EXECUTE format('ALTER ROLE %I SET log_parameter_max_length = 0', role_name);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_limit_app_role('tessera_app');

-- The application role must never be able to become the owner, the registrar or the
-- reaper (whose privileges would let any tenant end every other's sessions).
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
SELECT pg_temp.tenantc_revoke_membership('tessera_app', 'tessera_reaper');

-- Aurora: let the application sign in with IAM tokens instead of a password. A role
-- can always change its own password (PostgreSQL has no privilege for it); a member of
-- rds_iam signs in with IAM only, so a password one tenant sets opens nothing.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_grant_if_role_exists(granted text, grantee text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = granted) THEN
    EXECUTE format('GRANT %I TO %I', granted, grantee);
  END IF;
END
$fn$;
SELECT pg_temp.tenantc_grant_if_role_exists('rds_iam', 'tessera_app');

-- Built-in functions that reach past row-level security, taken from every role but
-- the admin (revoked from PUBLIC: the application role holds them through it):
--   large objects (lo_*): no row-level security, one owner (the application role) for
--     every tenant's: any tenant lists, reads, overwrites and unlinks another's;
--   advisory locks: one key space for every session: a tenant takes another's keys and
--     blocks it (current tenants use tenant_advisory_xact_lock, below, in a space of
--     their own); pg_advisory_unlock_all stays, it only releases the caller's own;
--   pg_cancel_backend, pg_terminate_backend: every tenant's sessions are the same role,
--     which may signal its own sessions;
--   pg_stat_get_activity, pg_stat_get_backend_activity: the text of the statements the
--     other sessions of the role (other tenants) are running;
--   pg_stat_statements: every statement of the role, with its row counts;
--   pg_lock_status (the pg_locks view), pg_blocking_pids, pg_safe_snapshot_blocking_pids,
--     pg_isolation_test_session_is_blocked: every session's locks, with its pid, the
--     relations and rows it touches and its advisory keys, and who waits for whom;
--   pg_stat_get_backend_* and pg_stat_get_progress_info: per session, when its
--     statement and transaction started, what it waits for, its pid and address (the
--     timing of another tenant's requests; pg_stat_activity's columns one by one);
--   setseed: the seed outlives the request (DISCARD ALL keeps it), so the next
--     request's random(), perhaps another tenant's, would be the one acme chose.
-- A PostgreSQL privilege check on a function is the caller's, in a view too: pg_locks
-- and pg_stat_activity refuse the application role once their functions do.
-- The monitoring role pg_monitor gets the session and lock functions back: monitoring
-- reads them, the application role is not its member (the catalog check says if it is).
-- A REVOKE needs the function's owner: a superuser for the built-in ones. Where the
-- admin is not one (Aurora's rds_superuser), PostgreSQL only warns; this warns again
-- and the catalog check reports what the application can still call.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_revoke_functions(app_role text, registrar text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  f record;
BEGIN
  -- The registrar takes transaction-level locks for the current tenant.
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname IN ('pg_advisory_xact_lock', 'pg_try_advisory_xact_lock')
             AND p.proargtypes = '23 23'::oidvector LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, registrar);
  END LOOP;
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           WHERE (p.pronamespace = 'pg_catalog'::regnamespace AND p.proname IN (
                    'lo_open', 'lo_close', 'loread', 'lowrite', 'lo_lseek', 'lo_lseek64', 'lo_tell', 'lo_tell64',
                    'lo_truncate', 'lo_truncate64', 'lo_creat', 'lo_create', 'lo_unlink', 'lo_import', 'lo_export',
                    'lo_from_bytea', 'lo_get', 'lo_put',
                    'pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_advisory_unlock', 'pg_advisory_unlock_shared',
                    'pg_advisory_xact_lock', 'pg_advisory_xact_lock_shared', 'pg_try_advisory_lock',
                    'pg_try_advisory_lock_shared', 'pg_try_advisory_xact_lock', 'pg_try_advisory_xact_lock_shared',
                    'pg_cancel_backend', 'pg_terminate_backend', 'pg_stat_get_activity', 'pg_stat_get_backend_activity',
                    'pg_lock_status', 'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids', 'pg_isolation_test_session_is_blocked',
                    'pg_stat_get_progress_info', 'setseed')
                  OR (p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_stat\_get\_backend\_%'))
              OR p.proname IN ('pg_stat_statements', 'pg_stat_statements_info') LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.sig);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', f.sig, app_role);
    IF f.sig::text ~ '^(pg_lock_status|pg_blocking_pids|pg_safe_snapshot_blocking_pids|pg_stat_get_activity|pg_stat_get_backend_|pg_stat_get_progress_info)'
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_monitor') THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO pg_monitor', f.sig);
    END IF;
    IF has_function_privilege(app_role, f.sig, 'EXECUTE') THEN
      RAISE WARNING 'tenantc: % could not be revoked from %: run the migration as a superuser, or see tenantc_rls_gaps()', f.sig, app_role;
    END IF;
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_revoke_functions('tessera_app', 'tessera_registrar');

-- The reaper (tenantc_end_session, below) ends a session of the application role whose
-- statement ignored withTenant's cancel at its deadline: a PL/pgSQL block catches a
-- cancel (EXCEPTION WHEN query_canceled) and loops, and the server notices the closed
-- socket only when the statement next talks to the client, so the backend would keep
-- its transaction, its locks and a server connection. A termination is FATAL, which no
-- EXCEPTION clause catches. PostgreSQL lets a role end the sessions of the roles it is a
-- member of (pg_terminate_backend checks has_privs_of_role), so the reaper is a member of
-- the application role and of nothing else: not of pg_signal_backend, which could end
-- every non-superuser's session. It reads a session's row of pg_stat_activity and ends
-- it with the two functions revoked above from the application role. Where the admin
-- could not revoke them (not their owner: Aurora's rds_superuser), PUBLIC still holds
-- them and the grant is skipped.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_equip_reaper(app_role text, reaper text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  f regprocedure;
BEGIN
  IF NOT pg_has_role(reaper, app_role, 'USAGE') THEN
    EXECUTE format('GRANT %I TO %I', app_role, reaper);
  END IF;
  FOREACH f IN ARRAY ARRAY['pg_catalog.pg_stat_get_activity(integer)'::regprocedure, 'pg_catalog.pg_terminate_backend(integer, bigint)'::regprocedure] LOOP
    IF NOT has_function_privilege(reaper, f, 'EXECUTE') THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, reaper);
    END IF;
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_equip_reaper('tessera_app', 'tessera_reaper');

-- No schema the application role reaches is one it may create objects in (before
-- PostgreSQL 15, public is): a function of its own there, overloading one the
-- application calls without a schema, runs in the next tenant's requests as that
-- tenant, and a table of its own there carries rows from one tenant to another.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_revoke_create(app_role text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  n record;
BEGIN
  FOR n IN SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_(toast_)?temp_' AND has_schema_privilege(app_role, oid, 'CREATE') LOOP
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', n.nspname);
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM %I', n.nspname, app_role);
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_revoke_create('tessera_app');

CREATE SCHEMA IF NOT EXISTS "app" AUTHORIZATION "tessera_owner";
ALTER SCHEMA "app" OWNER TO "tessera_owner";

-- The admin acts as the owner (migrations) and as the registrar (the provisioning Lambda).
GRANT "tessera_owner" TO CURRENT_USER;
GRANT "tessera_registrar" TO CURRENT_USER;
GRANT "tessera_reaper" TO CURRENT_USER;
SET LOCAL ROLE "tessera_owner";

REVOKE ALL ON SCHEMA "app" FROM PUBLIC;
GRANT USAGE ON SCHEMA "app" TO "tessera_app", "tessera_registrar", "tessera_reaper";
-- For the registrar to own its functions and the tenant-context key, and the reaper its
-- one function; revoked again at the end.
GRANT CREATE ON SCHEMA "app" TO "tessera_registrar", "tessera_reaper";

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
-- registered again, so no new tenant can inherit a removed tenant's rows. lock_space
-- numbers the tenant's own advisory lock keys (tenant_advisory_xact_lock).
CREATE TABLE IF NOT EXISTS "app".tenants (
  id     "app".tenant_id PRIMARY KEY,
  name   text NOT NULL,
  tier   text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'offboarded', 'removed'))
);
ALTER TABLE "app".tenants ADD COLUMN IF NOT EXISTS removed_at timestamptz;
ALTER TABLE "app".tenants ADD COLUMN IF NOT EXISTS lock_space integer GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE "app".tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app".tenants FORCE ROW LEVEL SECURITY;
-- Earlier migrations gave the owner every row (tenant_registry) and everyone their own.
DROP POLICY IF EXISTS tenant_registry ON "app".tenants;
DROP POLICY IF EXISTS tenant_isolation ON "app".tenants;
DROP POLICY IF EXISTS tenant_registrar ON "app".tenants;

-- The registry keeps no planner statistics: a histogram of ids and names shows through
-- any estimate over the registry (EXPLAIN of a view on it, selectivity unclamped by
-- what the caller may see). SET STATISTICS 0 stops gathering; changing a column's type
-- to the type it has drops what was gathered, without rewriting the table or
-- revalidating the foreign keys (done once: the target is 0 afterwards). A view on a
-- column blocks the type change: then a warning says what to do.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_forget_registry_statistics(schema_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT attname, format_type(atttypid, atttypmod) AS typ FROM pg_attribute
           WHERE attrelid = format('%I.tenants', schema_name)::regclass AND attnum > 0 AND NOT attisdropped
             AND attstattarget IS DISTINCT FROM 0 ORDER BY attnum LOOP
    EXECUTE format('ALTER TABLE %I.tenants ALTER COLUMN %I SET STATISTICS 0', schema_name, a.attname);
    BEGIN
      EXECUTE format('ALTER TABLE %I.tenants ALTER COLUMN %I TYPE %s', schema_name, a.attname, a.typ);
    EXCEPTION WHEN feature_not_supported THEN
      RAISE WARNING 'tenantc: statistics gathered on %.tenants.% stay (%): drop the view, run the migration again, recreate it', schema_name, a.attname, SQLERRM;
    END;
  END LOOP;
END
$fn$;
SELECT pg_temp.tenantc_forget_registry_statistics('app');

CREATE POLICY tenant_registrar ON "app".tenants AS PERMISSIVE FOR ALL TO "tessera_registrar"
  USING (true) WITH CHECK (true);
-- The application reads its own row through current_tenant(), never the table.
REVOKE ALL ON "app".tenants FROM PUBLIC;
REVOKE ALL ON "app".tenants FROM "tessera_app";
GRANT SELECT, INSERT, UPDATE ON "app".tenants TO "tessera_registrar";

-- The current tenant, for reading (registered and not removed) and for writing
-- (active). SECURITY DEFINER as the registrar, so the lookup sees the registry and the
-- tenant-context key whatever the caller may read; STABLE, and called as (SELECT ...)
-- in the policies, so it runs once per statement, not once per row.
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

-- The tenant-context key: 32 random bytes (two version-4 UUIDs, PostgreSQL's strong
-- random source; 244 random bits), made once, readable by the registrar only. The
-- application holds a copy (tenantc_context_key(), docs/isolation.md, "Tenant context") and proves
-- the tenant it sets with HMAC-SHA-256(key, tenant id ':' binding), where the binding
-- is the session's backend pid and the transaction's start in microseconds (read in the
-- transaction itself, runtime/withTenant.ts). A proof is good for one transaction of one
-- session: one that leaks (a log line with bind parameters, the application's own
-- logging, an error report) opens nothing in any other transaction, the next request
-- on the same pooled connection included. The HMAC's inner and outer
-- padded keys are kept with it, so a policy computes two SHA-256 and nothing else.
-- Rotation: tenantc_rotate_context_key() makes a new current key and keeps the
-- previous one valid until tenantc_retire_previous_context_key().
CREATE TABLE IF NOT EXISTS "app".tenantc_context_keys (
  slot       text PRIMARY KEY CHECK (slot IN ('current', 'previous')),
  key        bytea NOT NULL CHECK (length(key) = 32),
  inner_pad  bytea NOT NULL,
  outer_pad  bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE "app".tenantc_context_keys ALTER COLUMN key SET STATISTICS 0;
ALTER TABLE "app".tenantc_context_keys ALTER COLUMN inner_pad SET STATISTICS 0;
ALTER TABLE "app".tenantc_context_keys ALTER COLUMN outer_pad SET STATISTICS 0;
ALTER TABLE "app".tenantc_context_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app".tenantc_context_keys FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_registrar ON "app".tenantc_context_keys;
CREATE POLICY tenant_registrar ON "app".tenantc_context_keys AS PERMISSIVE FOR ALL TO "tessera_registrar"
  USING (true) WITH CHECK (true);
REVOKE ALL ON "app".tenantc_context_keys FROM PUBLIC;

CREATE OR REPLACE FUNCTION "app".tenantc_rotate_context_key() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  k bytea := decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
BEGIN
  EXECUTE format($q$DELETE FROM %I.tenantc_context_keys WHERE slot = 'previous'$q$, 'app');
  EXECUTE format($q$UPDATE %I.tenantc_context_keys SET slot = 'previous' WHERE slot = 'current'$q$, 'app');
  -- RFC 2104: the key padded to SHA-256's 64-byte block, XOR 0x36 (inner) and 0x5c (outer).
  EXECUTE format($q$INSERT INTO %I.tenantc_context_keys (slot, key, inner_pad, outer_pad)
    SELECT 'current', $1,
      decode(string_agg(lpad(to_hex(CASE WHEN i < 32 THEN get_byte($1, i) ELSE 0 END # 54), 2, '0'), '' ORDER BY i), 'hex'),
      decode(string_agg(lpad(to_hex(CASE WHEN i < 32 THEN get_byte($1, i) ELSE 0 END # 92), 2, '0'), '' ORDER BY i), 'hex')
    FROM generate_series(0, 63) AS i$q$, 'app') USING k;
END
$fn$;
CREATE OR REPLACE FUNCTION "app".tenantc_retire_previous_context_key() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$DELETE FROM %I.tenantc_context_keys WHERE slot = 'previous'$q$, 'app');
END
$fn$;
CREATE OR REPLACE FUNCTION "app".tenantc_context_key() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT encode(k.key, 'hex') FROM "app".tenantc_context_keys k WHERE k.slot = 'current'
$fn$;
REVOKE ALL ON FUNCTION "app".tenantc_rotate_context_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenantc_retire_previous_context_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenantc_context_key() FROM PUBLIC;
SELECT "app".tenantc_rotate_context_key()
  WHERE NOT EXISTS (SELECT 1 FROM "app".tenantc_context_keys WHERE slot = 'current');

CREATE OR REPLACE FUNCTION "app".current_tenant_id() RETURNS "app".tenant_id
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The proof is checked over the setting, not over the registry row: the check then
  -- refers to no column of the row, runs once before the registry is read (a one-time
  -- filter) and costs the same whether or not the id is registered. Hashing t.id ran it
  -- only for a registered id, a timing oracle that listed every tenant's id to SQL that
  -- times current_tenant_id() over guesses.
  SELECT t.id FROM "app".tenants t
  WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::"app".tenant_id
    AND t.status IN ('active', 'suspended', 'offboarded')
    AND EXISTS (SELECT 1 FROM "app".tenantc_context_keys k
                WHERE encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
                        current_setting('app.tenant_id', true) || ':' || pg_backend_pid()::text || ':' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text, 'UTF8'))), 'hex')
                      = current_setting('app.tenant_proof', true))
$fn$;
CREATE OR REPLACE FUNCTION "app".current_writable_tenant_id() RETURNS "app".tenant_id
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT t.id FROM "app".tenants t
  WHERE t.id = "app".current_tenant_id() AND t.status = 'active'
$fn$;
-- The application's only view of the registry: the current tenant's own row.
CREATE OR REPLACE FUNCTION "app".current_tenant() RETURNS TABLE (id "app".tenant_id, name text, tier text, status text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT t.id, t.name, t.tier, t.status FROM "app".tenants t WHERE t.id = "app".current_tenant_id()
$fn$;
-- Advisory locks in the current tenant's own key space (its registry lock_space, then
-- the application's key), for the transaction only: the built-in functions, one key
-- space for every tenant, are revoked from the application role.
CREATE OR REPLACE FUNCTION "app".tenant_advisory_xact_lock(lock_key integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  space integer;
BEGIN
  EXECUTE format('SELECT lock_space FROM %I.tenants WHERE id = %I.current_tenant_id()', 'app', 'app') INTO space;
  IF space IS NULL THEN
    RAISE EXCEPTION 'no current tenant: advisory locks are taken inside withTenant';
  END IF;
  PERFORM pg_advisory_xact_lock(space, lock_key);
END
$fn$;
CREATE OR REPLACE FUNCTION "app".tenant_try_advisory_xact_lock(lock_key integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  space integer;
BEGIN
  EXECUTE format('SELECT lock_space FROM %I.tenants WHERE id = %I.current_tenant_id()', 'app', 'app') INTO space;
  IF space IS NULL THEN
    RAISE EXCEPTION 'no current tenant: advisory locks are taken inside withTenant';
  END IF;
  RETURN pg_try_advisory_xact_lock(space, lock_key);
END
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
REVOKE ALL ON FUNCTION "app".current_tenant() FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenant_advisory_xact_lock(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenant_try_advisory_xact_lock(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "app".current_tenant_id() TO "tessera_app", "tessera_owner";
GRANT EXECUTE ON FUNCTION "app".current_writable_tenant_id() TO "tessera_app", "tessera_owner";
GRANT EXECUTE ON FUNCTION "app".current_tenant() TO "tessera_app";
GRANT EXECUTE ON FUNCTION "app".tenant_advisory_xact_lock(integer) TO "tessera_app";
GRANT EXECUTE ON FUNCTION "app".tenant_try_advisory_xact_lock(integer) TO "tessera_app";
REVOKE ALL ON FUNCTION "app".tenantc_register_tenant(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION "app".tenantc_mark_removed(text[]) FROM PUBLIC;

-- Whether a token proves a session for tenantc_end_session: HMAC-SHA-256 under the
-- tenant-context key (current or previous) of 'end session:' || pid || ':' || the start
-- of a transaction that session ran, in microseconds (the binding withTenant reads,
-- READ_BINDING). Only the application process, which holds the key, computes one, and
-- only for a session it ran and gave up at its deadline. A tenant proof never is one:
-- its message starts with a tenant id, which has no space. The reaper alone calls it.
CREATE OR REPLACE FUNCTION "app".tenantc_session_end_token_holds(p_pid integer, p_transaction_start bigint, p_token text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT EXISTS (SELECT 1 FROM "app".tenantc_context_keys k
                 WHERE encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
                         'end session:' || p_pid::text || ':' || p_transaction_start::text, 'UTF8'))), 'hex') = p_token)
$fn$;
REVOKE ALL ON FUNCTION "app".tenantc_session_end_token_holds(integer, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "app".tenantc_session_end_token_holds(integer, bigint, text) TO "tessera_reaper";

-- Ending a session of the application role that ignored withTenant's cancel (the
-- reaper's one function, called by withTenant on another pooled connection). It ends
-- the session only when:
--   the token proves it (tenantc_session_end_token_holds): SQL of one tenant cannot
--     make a token for any session, another tenant's or its own; a tenant's own proof is
--     refused; a token, which withTenant makes only for a session it gave up, is good
--     for that session only;
--   the backend with that pid is a client backend of the application role: no other
--     role's session, whatever the token (PostgreSQL would refuse them to the reaper anyway);
--   and it was already running when the proven transaction started: pids are unique
--     among running backends, so it is the backend that ran that transaction; a later
--     backend given the same pid started after it and is refused.
-- Returns 'ended' (terminated, and gone within 2 s: its transaction rolled back, its locks
-- released), 'gone' (no such session: it had ended) or 'signalled' (terminated, still exiting).
SET LOCAL ROLE "tessera_reaper";
CREATE OR REPLACE FUNCTION "app".tenantc_end_session(p_pid integer, p_transaction_start bigint, p_token text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  app_role oid := (SELECT oid FROM pg_roles WHERE rolname = 'tessera_app');
BEGIN
  IF p_token IS NULL OR NOT "app".tenantc_session_end_token_holds(p_pid, p_transaction_start, p_token) THEN
    RAISE EXCEPTION 'tenantc_end_session: the token does not prove session %: only withTenant, which holds the tenant-context key, ends a session', p_pid
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(p_pid) a
                 WHERE a.pid = p_pid AND a.pid <> pg_backend_pid() AND a.usesysid = app_role AND a.backend_type = 'client backend'
                   AND (extract(epoch FROM a.backend_start) * 1000000)::bigint <= p_transaction_start) THEN
    RETURN 'gone';
  END IF;
  PERFORM pg_terminate_backend(p_pid, 2000);
  -- The activity read above is this transaction's snapshot: read it again.
  PERFORM pg_stat_clear_snapshot();
  IF EXISTS (SELECT 1 FROM pg_stat_get_activity(p_pid) a
             WHERE a.pid = p_pid AND a.usesysid = app_role AND (extract(epoch FROM a.backend_start) * 1000000)::bigint <= p_transaction_start) THEN
    RETURN 'signalled';
  END IF;
  RETURN 'ended';
END
$fn$;
REVOKE ALL ON FUNCTION "app".tenantc_end_session(integer, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "app".tenantc_end_session(integer, bigint, text) TO "tessera_app";
SET LOCAL ROLE "tessera_owner";
REVOKE CREATE ON SCHEMA "app" FROM "tessera_registrar", "tessera_reaper";

-- The owner reads the current tenant's registry row only, so a view or function the
-- owner writes over the registry shows that row and no other.
CREATE POLICY tenant_isolation ON "app".tenants AS PERMISSIVE FOR SELECT TO "tessera_owner"
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
-- No planner statistics on the columns of a tenant table. A histogram or a list of
-- most common values describes every tenant's rows together, and an estimate shows it
-- to anyone who may plan a query on the table: EXPLAIN ... WHERE name = 'x', as acme,
-- estimates initech's rows with value x (the comparison operators are leakproof, so the
-- planner uses the statistics though row-level security hides the rows). So: every
-- column, the expression columns of its indexes (ANALYZE keeps statistics on those
-- too) and its extended statistics get a statistics target of 0, the columns a
-- platform migration added since the last run included. What was gathered before is
-- dropped the way the registry's is (a column changed to its own type; an index on
-- it is rebuilt with it, its statistics gone). tenant_id follows
-- database.tenantStatistics (below). Row counts of the whole table stay (reltuples):
-- every tenant together, never one.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_forget_tenant_statistics(schema_name text, table_name text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rel oid := format('%I.%I', schema_name, table_name)::regclass;
  a record;
BEGIN
  FOR a IN SELECT attname, format_type(atttypid, atttypmod) AS typ FROM pg_attribute
           WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped AND attname <> 'tenant_id'
             AND attstattarget IS DISTINCT FROM 0 ORDER BY attnum LOOP
    EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I SET STATISTICS 0', schema_name, table_name, a.attname);
    BEGIN
      EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I TYPE %s', schema_name, table_name, a.attname, a.typ);
    EXCEPTION WHEN feature_not_supported THEN
      RAISE WARNING 'tenantc: statistics gathered on %.%.% stay (%): drop the view, run the migration again, recreate it', schema_name, table_name, a.attname, SQLERRM;
    END;
  END LOOP;
  FOR a IN SELECT i.indexrelid::regclass::text AS idx, ia.attnum FROM pg_index i JOIN pg_attribute ia ON ia.attrelid = i.indexrelid
           WHERE i.indrelid = rel AND ia.attnum > 0 AND i.indkey[ia.attnum - 1] = 0 AND ia.attstattarget IS DISTINCT FROM 0 LOOP
    EXECUTE format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS 0', a.idx, a.attnum);
  END LOOP;
  FOR a IN SELECT format('%I.%I', stxnamespace::regnamespace::text, stxname) AS stx FROM pg_statistic_ext
           WHERE stxrelid = rel AND stxstattarget IS DISTINCT FROM 0 LOOP
    BEGIN
      EXECUTE format('ALTER STATISTICS %s SET STATISTICS 0', a.stx);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'tenantc: extended statistics % on %.% keep every tenant''s values (%): give them to the owner role, or drop them', a.stx, schema_name, table_name, SQLERRM;
    END;
  END LOOP;
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
SELECT pg_temp.tenantc_forget_tenant_statistics('app', 'projects');
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
SELECT pg_temp.tenantc_forget_tenant_statistics('app', 'documents');
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
SELECT pg_temp.tenantc_forget_tenant_statistics('app', 'comments');
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
SELECT pg_temp.tenantc_forget_tenant_statistics('app', 'invoices');
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
SELECT pg_temp.tenantc_forget_tenant_statistics('app', 'audit_events');
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

-- What the catalog check compares with: tenantc's own policies and registrar functions
-- as this server prints them, taken from what this transaction has just created (so
-- nothing made earlier under the same name counts): a policy is tenantc's by its
-- command, roles and expressions, never by its name; a function by its exact signature
-- and a fingerprint of its body, SECURITY DEFINER and settings.
CREATE OR REPLACE FUNCTION pg_temp.tenantc_record_expected(schema_name text, first_table text, functions text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rows text;
BEGIN
  SELECT string_agg(format('(%L, %L, %L)', e.kind, e.name, e.fingerprint), E',\n    ' ORDER BY e.kind, e.name, e.fingerprint) INTO rows FROM (
    SELECT 'policy' AS kind, CASE c.relname WHEN 'tenants' THEN 'registry' WHEN 'tenantc_context_keys' THEN 'context keys' ELSE 'tenant table' END AS name,
      concat_ws(' ', p.polcmd, CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
        ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r ORDER BY 1)::text,
        coalesce(pg_get_expr(p.polqual, p.polrelid), '-'), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')) AS fingerprint
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
    WHERE c.relnamespace = schema_name::regnamespace
      AND ((c.relname = first_table AND p.polname IN ('tenant_read', 'tenant_insert', 'tenant_update', 'tenant_delete'))
        OR (c.relname = 'tenants' AND p.polname IN ('tenant_registrar', 'tenant_isolation'))
        OR (c.relname = 'tenantc_context_keys' AND p.polname = 'tenant_registrar'))
    UNION ALL
    SELECT 'function', f.oid::regprocedure::text,
      md5(concat_ws(' ', f.prosrc, f.prosecdef, f.provolatile, array_to_string(f.proconfig, ','), pg_get_userbyid(f.proowner)))
    FROM pg_proc f WHERE f.oid = ANY (ARRAY(SELECT format('%I.%s', schema_name, s)::regprocedure::oid FROM unnest(functions) s))
  ) e;
  EXECUTE format($f$CREATE OR REPLACE FUNCTION %I.tenantc_expected() RETURNS TABLE (kind text, name text, fingerprint text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS %L$f$, schema_name, E'VALUES\n    ' || rows);
END
$fn$;
SELECT pg_temp.tenantc_record_expected('app', 'projects', ARRAY[
  'current_tenant_id()', 'current_writable_tenant_id()', 'current_tenant()', 'tenant_advisory_xact_lock(integer)',
  'tenant_try_advisory_xact_lock(integer)', 'tenantc_register_tenant(text,text,text,text)', 'tenantc_mark_removed(text[])',
  'tenantc_restore_tenant(text)', 'tenantc_context_key()', 'tenantc_rotate_context_key()', 'tenantc_retire_previous_context_key()',
  'tenantc_session_end_token_holds(integer,bigint,text)', 'tenantc_end_session(integer,bigint,text)']);

-- The catalog check: what is wrong around the policies, in every schema the application
-- role reaches. Empty = protected. Each row names the object and the way out.
CREATE OR REPLACE FUNCTION "app".tenantc_rls_gaps()
RETURNS TABLE (object text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = 'app'),
  owner AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_owner'),
  app AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_app'),
  registrar AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_registrar'),
  reaper AS (SELECT oid FROM pg_roles WHERE rolname = 'tessera_reaper'),
  expected AS (SELECT * FROM "app".tenantc_expected()),
  -- Every schema the application role may look into (pg_catalog and
  -- information_schema are PostgreSQL's own; temporary schemas die with their session).
  reach AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE has_schema_privilege((SELECT oid FROM app), n.oid, 'USAGE')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  ),
  t AS (
    SELECT c.oid, format('%I.%I', 'app', c.relname) AS name, c.relrowsecurity, c.relforcerowsecurity, c.relname, c.relacl,
      (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_col,
      (SELECT a.attstattarget FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_stats
    FROM pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relkind IN ('r', 'p')
  ),
  -- tenantc's own tables, which hold no tenant's rows: the registry and the context key.
  own AS (SELECT * FROM t WHERE relname IN ('tenants', 'tenantc_context_keys')),
  tt AS (SELECT * FROM t WHERE relname NOT IN ('tenants', 'tenantc_context_keys') AND tenant_col IS NOT NULL),
  -- Built-in functions that reach past row-level security (the migration revokes them).
  forbidden (proname, anywhere, why) AS (VALUES
    ('lo_open', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_close', false, 'large objects have no row-level security and one owner for every tenant'),
    ('loread', false, 'large objects have no row-level security and one owner for every tenant'), ('lowrite', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_lseek', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_lseek64', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_tell', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_tell64', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_truncate', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_truncate64', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_creat', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_create', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_unlink', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_import', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_export', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_from_bytea', false, 'large objects have no row-level security and one owner for every tenant'),
    ('lo_get', false, 'large objects have no row-level security and one owner for every tenant'), ('lo_put', false, 'large objects have no row-level security and one owner for every tenant'),
    ('pg_advisory_lock', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_advisory_lock_shared', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_advisory_unlock', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_advisory_unlock_shared', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_advisory_xact_lock', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_advisory_xact_lock_shared', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_try_advisory_lock', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_try_advisory_lock_shared', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_try_advisory_xact_lock', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_try_advisory_xact_lock_shared', false, 'advisory lock keys are one space for every tenant: one takes and blocks another''s (tenant_advisory_xact_lock keeps a space per tenant)'),
    ('pg_cancel_backend', false, 'every tenant''s sessions are this one role, which may cancel or end its own sessions'),
    ('pg_terminate_backend', false, 'every tenant''s sessions are this one role, which may cancel or end its own sessions'),
    ('pg_stat_get_activity', false, 'they show the statements other sessions of the role, other tenants'', are running'),
    ('pg_stat_get_backend_activity', false, 'they show the statements other sessions of the role, other tenants'', are running'),
    ('pg_lock_status', false, 'they show every session''s locks and who waits for whom: the relations, rows and advisory keys other tenants'' requests touch'),
    ('pg_blocking_pids', false, 'they show every session''s locks and who waits for whom: the relations, rows and advisory keys other tenants'' requests touch'),
    ('pg_safe_snapshot_blocking_pids', false, 'they show every session''s locks and who waits for whom: the relations, rows and advisory keys other tenants'' requests touch'),
    ('pg_isolation_test_session_is_blocked', false, 'they show every session''s locks and who waits for whom: the relations, rows and advisory keys other tenants'' requests touch'),
    ('pg_stat_get_progress_info', false, 'they show, session by session, when other tenants'' statements and transactions run and what they wait for'),
    ('setseed', false, 'the seed outlives the request: the next request''s random(), perhaps another tenant''s, is the one the caller chose'),
    ('pg_stat_statements', true, 'they show every statement of the role, every tenant''s, with row counts'),
    ('pg_stat_statements_info', true, 'they show every statement of the role, every tenant''s, with row counts')
  )
  SELECT name, 'row-level security is not enabled' FROM t WHERE NOT relrowsecurity
  UNION ALL
  SELECT name, 'row-level security is not forced: the owner bypasses it' FROM t WHERE NOT relforcerowsecurity
  UNION ALL
  SELECT name, 'no policy' FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
  UNION ALL
  SELECT name, 'no tenant_id column' FROM t WHERE relname NOT IN ('tenants', 'tenantc_context_keys') AND tenant_col IS NULL
  UNION ALL
  -- A policy is tenantc's by what it does, never by its name: a permissive policy
  -- widens what a tenant sees. (Restrictive ones only narrow it.)
  SELECT t.name, format('policy %I (FOR %s, TO %s) is not one of tenantc''s: a permissive policy widens what a tenant sees; its USING is %s',
      p.polname, CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
      array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r ORDER BY 1), ', '),
      coalesce(pg_get_expr(p.polqual, p.polrelid), 'absent'))
    FROM t JOIN pg_policy p ON p.polrelid = t.oid
    WHERE p.polpermissive AND NOT EXISTS (
      SELECT 1 FROM expected e WHERE e.kind = 'policy'
        AND e.name = CASE t.relname WHEN 'tenants' THEN 'registry' WHEN 'tenantc_context_keys' THEN 'context keys' ELSE 'tenant table' END
        AND e.fingerprint = concat_ws(' ', p.polcmd, 'permissive',
          ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r ORDER BY 1)::text,
          coalesce(pg_get_expr(p.polqual, p.polrelid), '-'), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')))
  UNION ALL
  -- Unique indexes and keys without tenant_id among their key columns (INCLUDE columns
  -- are not keys): an oracle (does another tenant have this value?) and a way to block
  -- another tenant's inserts.
  SELECT tt.name, format('%s %I does not have tenant_id among its key columns: one tenant learns whether another has a value, and can block its inserts (make tenant_id its first key column)',
      CASE WHEN i.indisprimary THEN 'primary key' ELSE 'unique index' END, ic.relname)
    FROM tt JOIN pg_index i ON i.indrelid = tt.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND NOT (tt.tenant_col = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))
  UNION ALL
  -- An exclusion constraint excludes across tenants unless it compares tenant_id with =.
  SELECT tt.name, format('exclusion constraint %I does not compare tenant_id with =: one tenant''s rows exclude another''s (an oracle, and a way to block its inserts); add tenant_id WITH =', c.conname)
    FROM tt JOIN pg_constraint c ON c.conrelid = tt.oid AND c.contype = 'x'
    WHERE NOT EXISTS (SELECT 1 FROM generate_subscripts(c.conkey, 1) k(i) JOIN pg_operator o ON o.oid = c.conexclop[k.i]
                      WHERE c.conkey[k.i] = tt.tenant_col AND o.oprname = '=')
  UNION ALL
  -- An index whose predicate or expressions use tenant_id describes chosen tenants:
  -- pg_class.reltuples of a partial index on one tenant is that tenant's row count, for
  -- anyone to read; ANALYZE keeps statistics on index expressions.
  SELECT tt.name, format('index %I %s tenant_id: its size or statistics describe one tenant''s rows to every tenant (index tenant_id as a plain key column)',
      ic.relname, CASE WHEN i.indpred::text ~ format('\{VAR :varno 1 :varattno %s ', tt.tenant_col) THEN 'has a predicate on' ELSE 'has an expression over' END)
    FROM tt JOIN pg_index i ON i.indrelid = tt.oid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE coalesce(i.indpred::text, '') ~ format('\{VAR :varno 1 :varattno %s ', tt.tenant_col)
       OR coalesce(i.indexprs::text, '') ~ format('\{VAR :varno 1 :varattno %s ', tt.tenant_col)
  UNION ALL
  -- Foreign keys between tenant tables must pair tenant_id with tenant_id, so a row
  -- can only reference its own tenant's (RI checks ignore row-level security).
  SELECT tt.name, format('foreign key %I to %s does not pair tenant_id with tenant_id: a row could reference, or cascade into, another tenant''s', c.conname, rt.name)
    FROM tt JOIN pg_constraint c ON c.conrelid = tt.oid AND c.contype = 'f' JOIN t rt ON rt.oid = c.confrelid
    WHERE rt.relname NOT IN ('tenants', 'tenantc_context_keys')
      AND NOT EXISTS (SELECT 1 FROM generate_subscripts(c.conkey, 1) k(i) WHERE c.conkey[k.i] = tt.tenant_col AND c.confkey[k.i] = rt.tenant_col)
  UNION ALL
  -- A view over a table with row-level security (or over another view) reads it as
  -- the view's owner.
  SELECT format('%I.%I', n.nspname, c.relname), format('view runs as %I, which bypasses row-level security (use security_invoker)', r.rolname)
    FROM pg_class c JOIN reach n ON c.relnamespace = n.oid JOIN pg_roles r ON r.oid = c.relowner
    WHERE c.relkind IN ('v', 'm') AND (r.rolsuper OR r.rolbypassrls)
      AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'] OR c.reloptions @> ARRAY['security_invoker=on'], false)
      AND EXISTS (SELECT 1 FROM pg_rewrite w JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass
                  JOIN pg_class rc ON rc.oid = d.refobjid
                  WHERE w.ev_class = c.oid AND rc.oid <> c.oid AND (rc.relrowsecurity OR rc.relkind IN ('v', 'm')))
  UNION ALL
  SELECT format('%I.%I', n.nspname, c.relname), 'view runs as the registrar, which sees every tenant''s registry row'
    FROM pg_class c JOIN reach n ON c.relnamespace = n.oid
    WHERE c.relkind IN ('v', 'm') AND c.relowner = (SELECT oid FROM registrar)
  UNION ALL
  SELECT format('%I.%I', n.nspname, f.proname), format('SECURITY DEFINER function runs as %I, which bypasses row-level security', r.rolname)
    FROM pg_proc f JOIN reach n ON f.pronamespace = n.oid JOIN pg_roles r ON r.oid = f.proowner
    WHERE f.prosecdef AND (r.rolsuper OR r.rolbypassrls)
  UNION ALL
  -- The functions of the registrar (it sees every tenant's registry row and the key) and
  -- of the reaper (it may end the application role's sessions): tenantc's own only, by
  -- exact signature and body (an overload under an allowed name, or a changed body, is
  -- not tenantc's).
  SELECT f.oid::regprocedure::text, o.problem
    FROM pg_proc f
    JOIN (VALUES
      ((SELECT oid FROM registrar), 'function runs as the registrar, which sees every tenant''s registry row and the tenant-context key: only tenantc''s own may (this one differs from them in signature or body)'),
      ((SELECT oid FROM reaper), 'function runs as the reaper, which may end every tenant''s sessions: only tenantc''s own may (this one differs from it in signature or body)')
    ) AS o(owner, problem) ON f.proowner = o.owner
    WHERE NOT EXISTS (SELECT 1 FROM expected e WHERE e.kind = 'function' AND e.name = f.oid::regprocedure::text
      AND e.fingerprint = md5(concat_ws(' ', f.prosrc, f.prosecdef, f.provolatile, array_to_string(f.proconfig, ','), pg_get_userbyid(f.proowner))))
  UNION ALL
  SELECT quote_ident('tessera_reaper'), format('the reaper role is %s: it may end sessions of roles other than the application''s (it needs membership in the application role only)', x.what)
    FROM (SELECT 'a superuser' AS what FROM pg_roles r WHERE r.oid = (SELECT oid FROM reaper) AND r.rolsuper
          UNION ALL
          SELECT format('a member of %I', r.rolname) FROM pg_roles r
          WHERE r.oid NOT IN ((SELECT oid FROM reaper), (SELECT oid FROM app)) AND pg_has_role((SELECT oid FROM reaper), r.oid, 'MEMBER')
            AND NOT pg_has_role((SELECT oid FROM app), r.oid, 'MEMBER')) x
  UNION ALL
  SELECT format('%I.%I', n.nspname, c.relname), format('rule %I rewrites queries as the table''s owner, outside the policies: use a trigger', w.rulename)
    FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class JOIN reach n ON c.relnamespace = n.oid
    WHERE w.rulename <> '_RETURN'
  UNION ALL
  -- Outside tenantc's schema, a table or view every tenant may write and read is a
  -- channel from one tenant to another (reference data the application only reads is fine).
  SELECT format('%I.%I', n.nspname, c.relname), 'the application role may write it and it has no row-level security: what one tenant writes, every other reads (grant SELECT only, or give it tenant_id and policies)'
    FROM pg_class c JOIN reach n ON c.relnamespace = n.oid
    WHERE n.oid <> (SELECT oid FROM s) AND c.relkind IN ('r', 'p', 'v', 'f') AND NOT c.relrowsecurity
      AND (has_table_privilege((SELECT oid FROM app), c.oid, 'INSERT') OR has_table_privilege((SELECT oid FROM app), c.oid, 'UPDATE')
        OR has_table_privilege((SELECT oid FROM app), c.oid, 'DELETE') OR has_table_privilege((SELECT oid FROM app), c.oid, 'TRUNCATE'))
  UNION ALL
  -- Grants wider than the application needs.
  SELECT t.name, format('%s is granted %s: %s', CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type,
      CASE WHEN t.relname = 'tenants' THEN 'the application reads the registry only through current_tenant(), its own row'
           WHEN t.relname = 'tenantc_context_keys' THEN 'whoever reads the tenant-context key can act as any tenant'
           WHEN g.privilege_type = 'TRUNCATE' THEN 'TRUNCATE empties the table past row-level security'
           ELSE 'the application needs SELECT, INSERT, UPDATE and DELETE only' END)
    FROM t, aclexplode(t.relacl) g
    WHERE (g.grantee = 0 OR g.grantee = (SELECT oid FROM app))
      AND NOT (t.relname NOT IN ('tenants', 'tenantc_context_keys') AND g.grantee = (SELECT oid FROM app) AND g.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE'))
  UNION ALL
  SELECT format('%I.%I', 'app', c.relname), format('%s is granted %s on a sequence: its last_value counts every tenant''s inserts',
      CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END, g.privilege_type)
    FROM pg_class c JOIN s ON c.relnamespace = s.oid, aclexplode(c.relacl) g
    WHERE c.relkind = 'S' AND (g.grantee = 0 OR g.grantee = (SELECT oid FROM app))
  UNION ALL
  -- The registry keeps no statistics (an estimate would describe other tenants' ids and names).
  SELECT format('%I.tenants', 'app'), format('the planner keeps statistics on column %I of the registry: an estimate over it describes other tenants (run the migration again)', a.attname)
    FROM own JOIN pg_attribute a ON a.attrelid = own.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE own.relname = 'tenants' AND (a.attstattarget IS DISTINCT FROM 0
      OR EXISTS (SELECT 1 FROM pg_stats st WHERE st.schemaname = 'app' AND st.tablename = 'tenants' AND st.attname = a.attname))
  UNION ALL
  -- No column of a tenant table keeps statistics (tenant_id: database.tenantStatistics,
  -- below): an estimate over them describes every tenant's values to each.
  SELECT tt.name, format('the planner keeps statistics on column %I: an estimate (EXPLAIN ... WHERE %I = ...) tells one tenant which values other tenants'' rows hold (run the migration again: it sets SET STATISTICS 0 on every column)', a.attname, a.attname)
    FROM tt JOIN pg_attribute a ON a.attrelid = tt.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'tenant_id'
    WHERE a.attstattarget IS DISTINCT FROM 0
  UNION ALL
  SELECT tt.name, format('the planner keeps statistics on expression column %s of index %I: an estimate over the expression tells one tenant which values other tenants'' rows hold (run the migration again)', ia.attnum, ic.relname)
    FROM tt JOIN pg_index i ON i.indrelid = tt.oid JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum > 0
    WHERE i.indkey[ia.attnum - 1] = 0 AND ia.attstattarget IS DISTINCT FROM 0
  UNION ALL
  SELECT tt.name, format('extended statistics %I keep values of every tenant''s rows: an estimate tells one tenant which values another''s hold (run the migration again)', x.stxname)
    FROM tt JOIN pg_statistic_ext x ON x.stxrelid = tt.oid
    WHERE x.stxstattarget IS DISTINCT FROM 0
  UNION ALL
  SELECT quote_ident('tessera_app'), format('the application role is a member of %I', r.rolname)
    FROM pg_roles r WHERE r.oid <> (SELECT oid FROM app) AND pg_has_role((SELECT oid FROM app), r.oid, 'MEMBER')
      AND (r.oid IN ((SELECT oid FROM owner), (SELECT oid FROM registrar), (SELECT oid FROM reaper)) OR r.rolsuper OR r.rolbypassrls
           OR r.rolname IN ('pg_monitor', 'pg_read_all_stats', 'pg_signal_backend'))
  UNION ALL
  -- A role gives itself defaults; every later session of every tenant starts with them.
  SELECT quote_ident('tessera_app'), format('the application role has role-level settings%s (%s): every new session of every tenant starts with them (run the migration again: it clears them)',
      CASE WHEN d.setdatabase = 0 THEN '' ELSE format(' in database %I', (SELECT datname FROM pg_database WHERE oid = d.setdatabase)) END, array_to_string(d.setconfig, ', '))
    FROM pg_db_role_setting d WHERE d.setrole = (SELECT oid FROM app)
      AND NOT (d.setdatabase = 0 AND d.setconfig <@ ARRAY['temp_file_limit=5GB', 'log_parameter_max_length=0'])
  UNION ALL
  SELECT quote_ident('tessera_app'), format('the application role may call %s: %s (revoke EXECUTE from PUBLIC as a superuser)',
      string_agg(DISTINCT f.proname::text, ', ' ORDER BY f.proname::text), f.why)
    FROM (SELECT p.proname, x.why FROM forbidden x JOIN pg_proc p ON p.proname = x.proname
          WHERE (x.anywhere OR p.pronamespace = 'pg_catalog'::regnamespace) AND has_function_privilege((SELECT oid FROM app), p.oid, 'EXECUTE')
          UNION ALL
          SELECT p.proname, 'they show, session by session, when other tenants'' statements and transactions run and what they wait for'
          FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_stat\_get\_backend\_%'
            AND p.proname <> 'pg_stat_get_backend_activity' AND has_function_privilege((SELECT oid FROM app), p.oid, 'EXECUTE')) f
    GROUP BY f.why
  UNION ALL
  SELECT quote_ident('tessera_app'), format('the application role owns %s large object(s): any tenant reads, overwrites and unlinks them (move the data into a tenant table)', count(*))
    FROM pg_largeobject_metadata l WHERE l.lomowner = (SELECT oid FROM app) HAVING count(*) > 0
  UNION ALL
  SELECT quote_ident(n.nspname), 'the application role may create objects in this schema: a function there can overload one the application calls and run in another tenant''s request (REVOKE CREATE)'
    FROM pg_namespace n WHERE n.nspname !~ '^pg_(toast_)?temp_' AND has_schema_privilege((SELECT oid FROM app), n.oid, 'CREATE')
  UNION ALL
  SELECT format('%I.%I', n.nspname, c.relname), 'owned by the application role: any tenant may change or drop it'
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner = (SELECT oid FROM app) AND n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT f.oid::regprocedure::text, 'owned by the application role: any tenant may replace it, and it runs in other tenants'' requests'
    FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
    WHERE f.proowner = (SELECT oid FROM app) AND n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  -- database.tenantStatistics: private.
  SELECT tt.name, 'the planner keeps statistics on tenant_id: an estimate tells one tenant how many rows another has'
    FROM tt WHERE tt.tenant_stats IS DISTINCT FROM 0
  UNION ALL
  SELECT tt.name, format('extended statistics %I cover tenant_id: an estimate tells one tenant how many rows another has', x.stxname)
    FROM tt JOIN pg_statistic_ext x ON x.stxrelid = tt.oid
    WHERE tt.tenant_col = ANY (x.stxkeys::int2[]) OR coalesce(x.stxexprs::text, '') ~ format('\{VAR :varno 1 :varattno %s ', tt.tenant_col)
  ORDER BY 1, 2
$fn$;
GRANT EXECUTE ON FUNCTION "app".tenantc_rls_gaps() TO PUBLIC;

RESET ROLE;
COMMIT;
