-- tenantc: the tenants of the estate, from their manifests.
-- Generated from templates/sql/002-tenants.sql.hbs; do not edit. Idempotent: a row
-- changes only when a value does. A tenant whose manifest is gone is marked
-- 'removed', never deleted: its data stays, readable by nobody, and its id is never
-- registered again. Runs as the registrar, the only role that writes the registry.
BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL ROLE "tessera_registrar";
SELECT "app".tenantc_register_tenant('acme', 'Acme Corporation', 'premium', 'active');
SELECT "app".tenantc_register_tenant('initech', 'Initech', 'standard', 'active');
SELECT "app".tenantc_mark_removed(ARRAY['acme', 'initech']::text[]);
RESET ROLE;
COMMIT;
