-- tenantc: the tenants of the estate, from their manifests.
-- Generated from templates/sql/002-tenants.sql.hbs; do not edit. Idempotent: a row
-- changes only when a value does. A tenant whose manifest is gone is marked
-- 'removed', never deleted: its data stays, readable by nobody, and its id is never
-- registered again. Runs as the registrar, the only role that writes the registry.
BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL ROLE "tessera_registrar";
SELECT "app".tenantc_register_tenant('acme', 'Acme Corporation', 'premium', 'active');
SELECT "app".tenantc_register_tenant('cyberdyne', 'Cyberdyne Systems', 'standard', 'active');
SELECT "app".tenantc_register_tenant('globex', 'Globex Corporation', 'premium', 'active');
SELECT "app".tenantc_register_tenant('hooli', 'Hooli', 'premium', 'active');
SELECT "app".tenantc_register_tenant('initech', 'Initech', 'standard', 'active');
SELECT "app".tenantc_register_tenant('soylent', 'Soylent Foods', 'standard', 'active');
SELECT "app".tenantc_register_tenant('stark-industries', 'Stark Industries', 'standard', 'active');
SELECT "app".tenantc_register_tenant('tyrell', 'Tyrell Corporation', 'standard', 'active');
SELECT "app".tenantc_register_tenant('umbrella', 'Umbrella Corporation', 'standard', 'suspended');
SELECT "app".tenantc_register_tenant('vandelay', 'Vandelay Industries', 'standard', 'offboarded');
SELECT "app".tenantc_register_tenant('wayne-enterprises', 'Wayne Enterprises', 'premium', 'active');
SELECT "app".tenantc_mark_removed(ARRAY['acme', 'cyberdyne', 'globex', 'hooli', 'initech', 'soylent', 'stark-industries', 'tyrell', 'umbrella', 'vandelay', 'wayne-enterprises']::text[]);
RESET ROLE;
COMMIT;
